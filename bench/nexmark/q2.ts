/**
 * Nexmark q2, selection: (auction, price) of the bids on every 123rd auction id, into a blackhole.
 *
 * Nexmark SQL: SELECT auction, price FROM bid WHERE MOD(auction, 123) = 0
 *
 *   bin/flink run -p <p> dist/bench/nexmark/q2.js --events 10000000 [--seed 42] [--rate 10000000] [--output <file>] [--exchange rebalance]
 */
import { ParameterTool, StreamExecutionEnvironment } from 'flink-ts';
import { BID, type Bid, type NexmarkEvent } from './model.js';
import { BlackholeSink, NexmarkSource, sourceOptions, withExchange } from './source.js';

const params = ParameterTool.fromArgs(process.argv.slice(2));
const { events, config } = sourceOptions(params);
const env = StreamExecutionEnvironment.getExecutionEnvironment();
const results = env
  .addSource(new NexmarkSource(events, config), 'Nexmark source', { parallel: true })
  .filter((e: NexmarkEvent) => e.type === BID && (e.bid as Bid).auction % 123 === 0)
  .map((e: NexmarkEvent) => ({ auction: (e.bid as Bid).auction, price: (e.bid as Bid).price }));
withExchange(results, params).addSink(new BlackholeSink(params.get('output'), (r: { price: number }) => r.price));
await env.execute('Nexmark q2: selection');
