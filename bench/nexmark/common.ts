/**
 * The Nexmark stream for the stateful queries: the generator source with Nexmark's watermark (event time =
 * `dateTime`, 4 s bounded out-of-orderness), and the person / auction / bid views of Nexmark's ddl_views.sql.
 */
import { ParameterTool, StreamExecutionEnvironment, Time, WatermarkStrategy, type DataStream } from 'flink-ts';
import { AUCTION, BID, PERSON, eventTime, type Auction, type Bid, type NexmarkEvent, type Person } from './model.js';
import { BlackholeSink, NexmarkSource, sourceOptions } from './source.js';

export { BlackholeSink };

export function nexmarkJob(): {
  env: StreamExecutionEnvironment;
  params: ParameterTool;
  persons: DataStream<Person>;
  auctions: DataStream<Auction>;
  bids: DataStream<Bid>;
} {
  const params = ParameterTool.fromArgs(process.argv.slice(2));
  const { events, config } = sourceOptions(params);
  const env = StreamExecutionEnvironment.getExecutionEnvironment();
  const all = env
    .addSource(new NexmarkSource(events, config), 'Nexmark source', { parallel: true })
    .assignTimestampsAndWatermarks(
      WatermarkStrategy.forBoundedOutOfOrderness<NexmarkEvent>(Time.seconds(4)).withTimestampAssigner((e: NexmarkEvent) => eventTime(e)),
    );
  return {
    env,
    params,
    persons: all.filter((e: NexmarkEvent) => e.type === PERSON).map((e: NexmarkEvent) => e.person as Person),
    auctions: all.filter((e: NexmarkEvent) => e.type === AUCTION).map((e: NexmarkEvent) => e.auction as Auction),
    bids: all.filter((e: NexmarkEvent) => e.type === BID).map((e: NexmarkEvent) => e.bid as Bid),
  };
}

/** Start of the epoch-aligned window of `size` ms that holds `t` (Flink's TimeWindow.getWindowStartWithOffset, offset 0). */
export function windowStart(t: number, size: number): number {
  return t - (((t % size) + size) % size);
}

/** An AggregateFunction that counts. */
export const countAggregate = {
  createAccumulator: (): number => 0,
  add: (_value: unknown, acc: number): number => acc + 1,
  getResult: (acc: number): number => acc,
  merge: (a: number, b: number): number => a + b,
};
