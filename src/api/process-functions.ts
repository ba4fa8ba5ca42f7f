/**
 * Rich functions and process functions with Flink's names. A class extending one of these gets its
 * runtime context (state, subtask index) from `this.getRuntimeContext()` in `open()` and later, as in
 * Flink; a plain object with the same methods works too and gets the context as `open(ctx)`'s argument.
 *
 * ```ts
 * class Alerts extends KeyedProcessFunction<string, Reading, string> {
 *   processElement(r: Reading, ctx: KeyedProcessContext<string>, out: Collector<string>) {
 *     ctx.timerService().registerEventTimeTimer(r.time + 60_000);
 *   }
 *   onTimer(time: number, ctx: KeyedOnTimerContext<string>, out: Collector<string>) {
 *     out.collect(`${ctx.getCurrentKey()} quiet since ${time - 60_000}`);
 *   }
 * }
 * ```
 */
import type { Collector, RuntimeContext } from './functions.js';
import type { OutputTag } from './output-tag.js';
import { FlinkError, UsageError } from '../util/errors.js';
import type { IterationRuntimeContext } from './iterations.js';

/** Base of every rich function: holds the runtime context the runtime gives it before open(). */
export abstract class AbstractRichFunction {
  private runtimeContext: RuntimeContext | undefined;
  /** @internal called by the runtime */
  setRuntimeContext(ctx: RuntimeContext): void {
    this.runtimeContext = ctx;
  }
  getRuntimeContext(): RuntimeContext {
    if (!this.runtimeContext) {
      throw new FlinkError('NO_RUNTIME_CONTEXT', 'The runtime context is not available yet: use getRuntimeContext() in open() or later, not in the constructor.');
    }
    return this.runtimeContext;
  }
  /** Inside a batch iteration: the runtime context with the superstep number and the aggregators. */
  getIterationRuntimeContext(): IterationRuntimeContext {
    const ctx = this.getRuntimeContext() as Partial<IterationRuntimeContext>;
    if (typeof ctx.getSuperstepNumber !== 'function') {
      throw new UsageError('getIterationRuntimeContext() is only available in functions inside an iteration (between iterate() and closeWith()).');
    }
    return ctx as IterationRuntimeContext;
  }
  open?(ctx?: unknown): void | Promise<void>;
  close?(): void | Promise<void>;
}

export abstract class RichMapFunction<I, O> extends AbstractRichFunction {
  abstract map(value: I): O;
}
export abstract class RichFlatMapFunction<I, O> extends AbstractRichFunction {
  abstract flatMap(value: I, out: Collector<O>): Iterable<O> | void;
}
export abstract class RichFilterFunction<T> extends AbstractRichFunction {
  abstract filter(value: T): boolean;
}
export abstract class RichReduceFunction<T> extends AbstractRichFunction {
  abstract reduce(a: T, b: T): T;
}
export abstract class RichGroupReduceFunction<I, O> extends AbstractRichFunction {
  abstract reduce(values: I[], out: Collector<O>): Iterable<O> | void;
}
export abstract class RichMapPartitionFunction<I, O> extends AbstractRichFunction {
  abstract mapPartition(values: I[], out: Collector<O>): Iterable<O> | void;
}
export abstract class RichJoinFunction<A, B, O> extends AbstractRichFunction {
  abstract join(first: A, second: B): O;
}
export abstract class RichCoGroupFunction<A, B, O> extends AbstractRichFunction {
  abstract coGroup(first: A[], second: B[], out: Collector<O>): Iterable<O> | void;
}
export abstract class RichCrossFunction<A, B, O> extends AbstractRichFunction {
  abstract cross(first: A, second: B): O;
}
export abstract class RichSinkFunction<T> extends AbstractRichFunction {
  abstract invoke(value: T): void | Promise<void>;
}

export type TimeDomain = 'EVENT_TIME' | 'PROCESSING_TIME';

export interface TimerService {
  currentProcessingTime(): number;
  currentWatermark(): number;
  /** Keyed streams only: calls onTimer once the watermark passes `time` (once per key and time). */
  registerEventTimeTimer(time: number): void;
  /** Keyed streams only: calls onTimer once the wall clock passes `time`. */
  registerProcessingTimeTimer(time: number): void;
  deleteEventTimeTimer(time: number): void;
  deleteProcessingTimeTimer(time: number): void;
}

export interface ProcessContext {
  /** The record's timestamp, or null when it has none. */
  timestamp(): number | null;
  timerService(): TimerService;
  /** Emits to a side output. */
  output<X>(tag: OutputTag<X>, value: X): void;
}
export interface OnTimerContext extends ProcessContext {
  timeDomain(): TimeDomain;
}
export interface KeyedProcessContext<K> extends ProcessContext {
  getCurrentKey(): K;
}
export interface KeyedOnTimerContext<K> extends OnTimerContext {
  getCurrentKey(): K;
}

export abstract class ProcessFunction<I, O> extends AbstractRichFunction {
  abstract processElement(value: I, ctx: ProcessContext, out: Collector<O>): void;
  onTimer?(timestamp: number, ctx: OnTimerContext, out: Collector<O>): void;
}

export abstract class KeyedProcessFunction<K, I, O> extends AbstractRichFunction {
  abstract processElement(value: I, ctx: KeyedProcessContext<K>, out: Collector<O>): void;
  onTimer?(timestamp: number, ctx: KeyedOnTimerContext<K>, out: Collector<O>): void;
}
