/**
 * Nexmark q0, pass-through: every bid, projected to (auction, bidder, price, dateTime, extra), into a blackhole.
 * The throughput measure of the engine itself (source, chain, sink) with no work in the query.
 *
 * Nexmark SQL: SELECT auction, bidder, price, dateTime, extra FROM bid
 *
 *   bin/flink run -p <p> dist/bench/nexmark/q0.js --events 10000000 [--seed 42] [--rate 10000000] [--output <file>] [--exchange rebalance]
 */
import { ParameterTool, StreamExecutionEnvironment } from 'flink-ts';
import { BID, type Bid, type NexmarkEvent } from './model.js';
import { BlackholeSink, NexmarkSource, sourceOptions, withExchange } from './source.js';

const params = ParameterTool.fromArgs(process.argv.slice(2));
const { events, config } = sourceOptions(params);
const env = StreamExecutionEnvironment.getExecutionEnvironment();
const results = env
  .addSource(new NexmarkSource(events, config), 'Nexmark source', { parallel: true })
  .filter((e: NexmarkEvent) => e.type === BID)
  .map((e: NexmarkEvent) => {
    const b = e.bid as Bid;
    return { auction: b.auction, bidder: b.bidder, price: b.price, dateTime: b.dateTime, extra: b.extra };
  });
withExchange(results, params).addSink(new BlackholeSink(params.get('output'), (r: { price: number }) => r.price));
await env.execute('Nexmark q0: pass-through');
