/**
 * The runtime operator contract. A task is a chain of operators; records pass between chained operators
 * by plain calls to `processElement`. `processElement` is synchronous (the hot path); work that emits a
 * lot at once (end of input in batch operators, sources) is async and awaits `ctx.yield()` so back
 * pressure and cancellation can act.
 */
import type { Collector, RuntimeContext } from '../../api/functions.js';
import type { Json, Transformation } from '../../api/transformation.js';
import { FlinkError, UsageError } from '../../util/errors.js';

export interface Output {
  collect(record: unknown): void;
}

/** How an accumulator's per-subtask values combine on the JobManager. */
export type AccumulatorKind = 'list' | 'sum';

export interface OperatorContext {
  /** The transformation as rebuilt on this TaskManager: its user functions and key spec. */
  readonly transformation: Transformation;
  readonly params: { readonly [key: string]: Json };
  readonly output: Output;
  readonly runtime: RuntimeContext;
  readonly subtask: number;
  readonly parallelism: number;
  readonly maxParallelism: number;
  readonly jobId: string;
  readonly taskName: string;
  /** Resolves at once unless downstream is back-pressured (then when it is not); lets messages in. */
  yield(): Promise<void>;
  /** True while the task may produce more output without exceeding its buffers. */
  available(): boolean;
  setAccumulator(name: string, kind: AccumulatorKind, value: unknown): void;
  /** Set by the task once cancellation was requested. */
  readonly cancelled: boolean;
  /** Fails the task from asynchronous work (a rejected sink write, say). */
  fail(err: unknown): void;
  /** Tells the task that an operator which reported `available() === false` can take records again. */
  signalAvailable(): void;
  /** A file path or URI from the program, with relative paths resolved against the client's working directory. */
  resolvePath(path: string): string;
}

export interface StreamOperator {
  open?(): void | Promise<void>;
  processElement?(record: unknown, input: number): void;
  /** One logical input has ended (all of its channels). */
  endInput?(input: number): void | Promise<void>;
  close?(): void | Promise<void>;
  /** Sources only: produce records until done. */
  run?(): Promise<void>;
  /** Sinks with asynchronous writes: false while too much is pending (the task pauses its input). */
  available?(): boolean;
}

export type OperatorFactory = (ctx: OperatorContext) => StreamOperator;

/** A user function bound to its method, with the rich-function lifecycle. */
export interface BoundFunction<F> {
  call: F;
  open(ctx: RuntimeContext): Promise<void>;
  close(): Promise<void>;
}

export function bindFunction<F extends (...args: never[]) => unknown>(fn: unknown, method: string, what: string): BoundFunction<F> {
  if (typeof fn === 'function') {
    return { call: fn as F, open: async () => {}, close: async () => {} };
  }
  if (fn !== null && typeof fn === 'object') {
    const obj = fn as Record<string, unknown>;
    const m = obj[method];
    if (typeof m !== 'function') {
      throw new UsageError(`The ${what} object has no ${method}() method. Give a function, or an object with ${method}().`);
    }
    const open = obj.open;
    const close = obj.close;
    return {
      call: (m as F).bind(obj) as F,
      open: async (ctx) => {
        if (typeof open === 'function') await (open as (c: RuntimeContext) => unknown).call(obj, ctx);
      },
      close: async () => {
        if (typeof close === 'function') await (close as () => unknown).call(obj);
      },
    };
  }
  throw new UsageError(`Expected a ${what} function, got ${fn === null ? 'null' : typeof fn}.`);
}

/** Emits what a flatMap-style function returned (an iterable other than a string), if anything. */
export function emitReturned(result: unknown, out: Collector<unknown>): void {
  if (result === undefined || result === null || typeof result === 'string') return;
  if (typeof (result as { [Symbol.iterator]?: unknown })[Symbol.iterator] === 'function') {
    for (const r of result as Iterable<unknown>) out.collect(r);
  }
}

/** Map key for per-key state: primitives as they are, composite keys by a canonical string. */
export function stateKey(key: unknown): unknown {
  const t = typeof key;
  if (t === 'string' || t === 'number' || t === 'boolean' || t === 'bigint' || key === null || key === undefined) return key;
  if (key instanceof Date) return `D:${key.getTime()}`;
  return `K:${JSON.stringify(key, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v))}`;
}

export class OperatorError extends FlinkError {
  constructor(message: string, cause?: unknown) {
    super('OPERATOR_FAILED', message, { cause });
  }
}
