/**
 * User function shapes. Every function may be given as a plain function or as an object (or class
 * instance) with the method named as in Flink (`map`, `flatMap`, `reduce`, ...) plus optional
 * `open(ctx)` / `close()` — Flink's "rich functions".
 */

import type { KeyedStateStore, OperatorStateStore } from './state.js';

/** What a running function can learn about where it runs, and its state. */
export interface RuntimeContext extends KeyedStateStore {
  getTaskName(): string;
  getIndexOfThisSubtask(): number;
  getNumberOfParallelSubtasks(): number;
  getMaxNumberOfParallelSubtasks(): number;
  getAttemptNumber(): number;
  getJobId(): string;
  /** The program arguments the job was started with. */
  getJobParameters(): readonly string[];
  /** State of this parallel instance (not per key). */
  getOperatorStateStore(): OperatorStateStore;
  /**
   * The records of the broadcast set registered under `name` with `withBroadcastSet(dataSet, name)`: all of them,
   * complete when open() is called (in an iteration: the ones of the current superstep).
   */
  getBroadcastVariable<T>(name: string): T[];
  /** The broadcast set turned into another value once per task and superstep (Flink's BroadcastVariableInitializer). */
  getBroadcastVariableWithInitializer<T, R>(name: string, initializer: BroadcastVariableInitializer<T, R>): R;
}

export type BroadcastVariableInitializer<T, R> = ((values: T[]) => R) | { initializeBroadcastVariable(values: T[]): R };

export interface Collector<T> {
  collect(record: T): void;
}

export interface RichFunction {
  open?(ctx: RuntimeContext): void | Promise<void>;
  close?(): void | Promise<void>;
}

type Fn<M extends string, F> = F | (RichFunction & { [K in M]: F });

export type MapFunction<I, O> = Fn<'map', (value: I) => O>;
/** Emit through `out`, or return an iterable (array, generator) of results, or both. */
export type FlatMapFunction<I, O> = Fn<'flatMap', (value: I, out: Collector<O>) => Iterable<O> | void>;
export type FilterFunction<T> = Fn<'filter', (value: T) => boolean>;
export type ReduceFunction<T> = Fn<'reduce', (a: T, b: T) => T>;
export type GroupReduceFunction<I, O> = Fn<'reduce', (values: I[], out: Collector<O>) => Iterable<O> | void>;
/** Flink's GroupCombineFunction: a partial reduction over the records one partition holds (of one key, when grouped). */
export type GroupCombineFunction<I, O> = Fn<'combine', (values: I[], out: Collector<O>) => Iterable<O> | void>;
export type MapPartitionFunction<I, O> = Fn<'mapPartition', (values: I[], out: Collector<O>) => Iterable<O> | void>;
export type JoinFunction<A, B, O> = Fn<'join', (a: A, b: B) => O>;
export type CoGroupFunction<A, B, O> = Fn<'coGroup', (a: A[], b: B[], out: Collector<O>) => Iterable<O> | void>;
export type CrossFunction<A, B, O> = Fn<'cross', (a: A, b: B) => O>;
export type KeySelector<T, K> = Fn<'getKey', (value: T) => K>;
export type Partitioner<K> = Fn<'partition', (key: K, numPartitions: number) => number>;
export type SinkFunction<T> = Fn<'invoke', (value: T) => void | Promise<void>>;

/** A source the user writes: an async generator, or an object with `run(ctx)` and `cancel()`. */
export interface SourceContext<T> {
  collect(record: T): void;
  /** Emits a record with an event-time timestamp (epoch milliseconds). */
  collectWithTimestamp(record: T, timestamp: number): void;
  /** Declares that no record with a timestamp at or below `watermark` will follow. */
  emitWatermark(watermark: number | { getTimestamp(): number }): void;
  /** This source instance has no data for now: downstream stops waiting for its watermarks. */
  markAsTemporarilyIdle(): void;
  /** Resolves when downstream can take more; await it in loops so back pressure and cancellation work. */
  yield(): Promise<void>;
  isRunning(): boolean;
}
export type SourceFunction<T> =
  | ((ctx: SourceContext<T>) => AsyncIterable<T> | Iterable<T> | Promise<void> | void)
  | (RichFunction & { run(ctx: SourceContext<T>): Promise<void> | void; cancel?(): void });

/** The method names under which each kind of user function may be given as an object. */
export const FUNCTION_METHODS = {
  map: 'map',
  flatMap: 'flatMap',
  filter: 'filter',
  reduce: 'reduce',
  groupReduce: 'reduce',
  mapPartition: 'mapPartition',
  join: 'join',
  coGroup: 'coGroup',
  cross: 'cross',
  keySelector: 'getKey',
  partitioner: 'partition',
  sink: 'invoke',
  source: 'run',
} as const;

export type FunctionKind = keyof typeof FUNCTION_METHODS;

/** Text of a user function used in the JobGraph hash: the same program gives the same text everywhere. */
export function functionFingerprint(f: unknown): string {
  if (typeof f === 'function') return f.toString();
  if (f !== null && typeof f === 'object') {
    const proto = Object.getPrototypeOf(f) as { constructor?: { toString(): string } } | null;
    const methods = Object.entries(f as Record<string, unknown>)
      .filter(([, v]) => typeof v === 'function')
      .map(([k, v]) => `${k}:${String(v)}`)
      .join(';');
    return `${proto?.constructor?.toString() ?? 'Object'}|${methods}`;
  }
  return String(f);
}
