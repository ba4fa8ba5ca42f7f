/**
 * The Nexmark generator as a parallel flink-ts source (`env.addSource(new NexmarkSource(...), 'Nexmark', { parallel: true })`)
 * and the blackhole sink the query programs end in.
 *
 * Subtask i of p produces the blocks of BLOCK event numbers whose block index is i mod p. Blocks are whole Nexmark
 * epochs (multiples of 50 events), so each subtask gets the 2/6/92 mix exactly, and all subtasks advance through
 * event time together (at most one block apart), which keeps windows of stateful queries from waiting on a
 * subtask that is far behind.
 */
import type { DataStream, RuntimeContext, SourceContext } from 'flink-ts';
import { DEFAULT_CONFIG, NexmarkGenerator, type NexmarkConfig } from './generator.js';
import type { NexmarkEvent } from './model.js';

/** Event numbers per block: 20 Nexmark epochs, also the number of events emitted between two yields. */
export const BLOCK = 1000;

/** The event numbers [from, to) of each block subtask `subtask` of `parallelism` produces, in order. */
export function* subtaskBlocks(events: number, subtask: number, parallelism: number): Generator<[number, number]> {
  for (let from = subtask * BLOCK; from < events; from += parallelism * BLOCK) yield [from, Math.min(events, from + BLOCK)];
}

/** How many events subtask `subtask` of `parallelism` produces. */
export function subtaskShare(events: number, subtask: number, parallelism: number): number {
  let n = 0;
  for (const [from, to] of subtaskBlocks(events, subtask, parallelism)) n += to - from;
  return n;
}

export class NexmarkSource {
  private subtask = 0;
  private parallelism = 1;
  private running = true;

  constructor(
    private readonly events: number,
    private readonly config: Partial<NexmarkConfig> = {},
  ) {}

  open(ctx: RuntimeContext): void {
    this.subtask = ctx.getIndexOfThisSubtask();
    this.parallelism = ctx.getNumberOfParallelSubtasks();
  }

  async run(ctx: SourceContext<NexmarkEvent>): Promise<void> {
    const gen = new NexmarkGenerator(this.config);
    for (const [from, to] of subtaskBlocks(this.events, this.subtask, this.parallelism)) {
      for (let n = from; n < to; n++) ctx.collect(gen.event(n));
      // Lets back pressure hold the source and cancellation stop it.
      await ctx.yield();
      if (!this.running || !ctx.isRunning()) return;
    }
  }

  cancel(): void {
    this.running = false;
  }
}

/** The generator options a query program takes: --events N [--seed S] [--rate events-per-second]. */
export function sourceOptions(args: { get(key: string): string | undefined }): { events: number; config: Partial<NexmarkConfig> } {
  const events = Number(args.get('events') ?? 10_000_000);
  const seed = Number(args.get('seed') ?? DEFAULT_CONFIG.seed);
  const rate = Number(args.get('rate') ?? DEFAULT_CONFIG.rate);
  if (!(Number.isInteger(events) && events > 0)) throw new RangeError(`--events must be a positive integer, got ${args.get('events')}.`);
  if (!Number.isInteger(seed)) throw new RangeError(`--seed must be an integer, got ${args.get('seed')}.`);
  if (!(Number.isInteger(rate) && rate > 0)) throw new RangeError(`--rate must be a positive integer (events per second of event time), got ${args.get('rate')}.`);
  return { events, config: { seed, rate } };
}

/**
 * Nexmark's `blackhole` connector: takes every record and keeps nothing but a count (one increment per record)
 * and a checksum of one numeric field, which it appends to `path` as `<subtask> <count> <checksum>` on close, so the
 * benchmark can check that every run at every parallelism produced the same result.
 */
export class BlackholeSink<T> {
  private count = 0;
  private sum = 0;
  private subtask = 0;
  private closed = false;

  constructor(
    private readonly path: string | undefined,
    private readonly field: (record: T) => number,
  ) {}

  open(ctx: RuntimeContext): void {
    this.subtask = ctx.getIndexOfThisSubtask();
  }

  invoke(record: T): void {
    this.count++;
    // Wraps at 2^32 on purpose: a checksum, cheap and exact.
    this.sum = (this.sum + this.field(record)) | 0;
  }

  async close(): Promise<void> {
    if (!this.path || this.closed) return;
    this.closed = true;
    const { appendFile } = await import('node:fs/promises');
    await appendFile(this.path, `${this.subtask} ${this.count} ${this.sum >>> 0}\n`);
  }
}

/**
 * `--exchange rebalance` puts a round-robin exchange before the sink, so every result record goes through the
 * record writer and codec (and at p > 1 half of them over TCP to the other TaskManager); without it the whole query
 * is one chain and no record is serialized. Measures what a keyBy will cost the stateful queries per record.
 */
export function withExchange<T>(stream: DataStream<T>, args: { get(key: string): string | undefined }): DataStream<T> {
  const exchange = args.get('exchange') ?? 'none';
  if (exchange === 'none') return stream;
  if (exchange === 'rebalance') return stream.rebalance();
  throw new RangeError(`--exchange must be none or rebalance, got ${exchange}.`);
}
