/**
 * Nexmark q1, currency conversion: every bid with its price in euros (0.908 × the dollar price), into a blackhole.
 *
 * Nexmark SQL: SELECT auction, bidder, 0.908 * price AS price, dateTime, extra FROM bid
 * (Flink computes a DECIMAL(23, 3); here a number, rounded to three decimals as that type would hold it.)
 *
 *   bin/flink run -p <p> dist/bench/nexmark/q1.js --events 10000000 [--seed 42] [--rate 10000000] [--output <file>] [--exchange rebalance]
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
    return { auction: b.auction, bidder: b.bidder, price: Math.round(b.price * 908) / 1000, dateTime: b.dateTime, extra: b.extra };
  });
withExchange(results, params).addSink(new BlackholeSink(params.get('output'), (r: { price: number }) => Math.round(r.price)));
await env.execute('Nexmark q1: currency conversion');
