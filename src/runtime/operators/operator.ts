/**
 * The runtime operator contract. A task is a chain of operators; records pass between chained operators
 * by plain calls to `processElement`. `processElement` is synchronous (the hot path); work that emits a
 * lot at once (end of input in batch operators, sources) is async and awaits `ctx.yield()` so back
 * pressure and cancellation can act.
 */
import type { Collector, RuntimeContext } from '../../api/functions.js';
import type { FunctionInitializationContext } from '../../api/state.js';
import type { KeyedStateBackend, OperatorStateBackend, ProcessingTimeService } from '../state/index.js';
import type { OperatorMemory } from '../memory/index.js';
import type { Json, Transformation } from '../../api/transformation.js';
import { FlinkError, UsageError } from '../../util/errors.js';
export { stateKey } from '../state/index.js';
import { isStateRestored } from '../state/index.js';

/**
 * Where an operator's output goes. Records carry the timestamp in the task's {@link ElementTime}
 * (set it before `collect` to give a record another timestamp). Watermarks and statuses go to every
 * downstream operator, side outputs included.
 */
export interface Output {
  collect(record: unknown): void;
  emitWatermark(watermark: number): void;
  emitWatermarkStatus(idle: boolean): void;
  /** Emits to the side output with this OutputTag id (dropped when nothing reads that side output). */
  collectSide(tag: string, record: unknown): void;
}

/** The timestamp of the record being processed, shared by the operators of a task; NaN when it has none. */
export interface ElementTime {
  timestamp: number;
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
  /** The current record's timestamp; set `timestamp` before emitting to change it. */
  readonly element: ElementTime;
  readonly processingTime: ProcessingTimeService;
  /** `pipeline.auto-watermark-interval` in milliseconds (0: no periodic watermarks). */
  readonly autoWatermarkInterval: number;
  /** Whether the operator runs on a keyed stream (it then has keyed state). */
  readonly keyed: boolean;
  /** The operator's keyed state; throws a usage error on a stream that is not keyed. */
  keyedStateBackend(): KeyedStateBackend;
  operatorStateBackend(): OperatorStateBackend;
  /** Set for the operators inside a batch iteration (between `iterate()` and `closeWith()`). */
  readonly iteration?: IterationOperatorContext;
  /**
   * The slot's managed memory, for operators that hold many records (sorts, hash tables, cached inputs): they
   * reserve from it and spill to io.tmp.dirs when it refuses. Close it in `close()` (memory back, files removed).
   */
  readonly memory: OperatorMemory;
}

/**
 * What an operator inside a batch iteration knows about the loop. Each superstep its dynamic inputs (those fed
 * from inside the loop) deliver a fresh round of records and end; its static inputs (fed from outside the loop,
 * such as the link table PageRank joins every round) deliver their records once, in the first superstep.
 */
export interface IterationOperatorContext {
  readonly iterationId: number;
  /** The logical inputs fed from outside the loop. */
  readonly staticInputs: ReadonlySet<number>;
  /** The superstep being computed, from 1. */
  superstep(): number;
  /** How many tasks (vertices) the loop has; each has one parallel instance in this slot. */
  readonly loopTasks: number;
  /**
   * For the iteration head only: ends the current superstep in the head's own task — the chained operators of the
   * loop finish it and the end-of-superstep marker goes out on every edge into the loop.
   */
  endSuperstep?(): Promise<void>;
  /** For the iteration head only: the next superstep begins (its chained operators get ready for it). */
  startSuperstep?(): Promise<void>;
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
  /** The input watermark advanced (combined over all inputs). Without this method it is forwarded. */
  processWatermark?(watermark: number): void;
  /** All inputs became idle, or one became active again. Without this method it is forwarded. */
  processWatermarkStatus?(idle: boolean): void;
  /** The operator sets the key of its keyed state itself; otherwise the task sets it before each record. */
  readonly setsKeyContext?: boolean;
  /**
   * Iterations: the next superstep begins (the previous one ended with `endInput` for every input; this is called
   * before the first record of the new one, once its superstep number and the previous superstep's aggregates are
   * known). The operator clears its per-superstep state and keeps what it cached of its static inputs; a rich user
   * function gets close() and open() here. Operators without this method are closed at the end of each superstep
   * and created anew and opened at the start of the next (so rich functions see one open() per superstep, as in
   * Flink).
   */
  nextSuperstep?(): void | Promise<void>;
  /**
   * Iterations: the operator keeps the records of its static inputs across supersteps itself (a join's hash table
   * of the link table). Without it the task keeps them and replays them every superstep.
   */
  readonly cachesStaticInputs?: boolean;
  /**
   * Checkpoints: the operator's own state that is in none of its state backends (a source's read positions, a
   * sink's pending files), as operator-state list items (see runtime/state/snapshot.ts for how they are split
   * on restore at another parallelism). Called synchronously when the checkpoint barrier reaches the operator,
   * before the barrier goes on downstream; the items are encoded at once, so later changes do not leak in.
   */
  snapshotState?(checkpointId: number, timestamp: number): unknown[];
  /**
   * Checkpoints: the asynchronous part of snapshotState. The task should acknowledge checkpoint `checkpointId`
   * only once this resolved (records keep flowing meanwhile), and decline the checkpoint if it rejects.
   * Two-phase-commit sinks finish their pre-commit here (a file sink closes the part files it named in
   * snapshotState), so that a completed checkpoint never names a transaction that is not durable yet.
   */
  finishSnapshot?(checkpointId: number): Promise<void>;
  /**
   * Restore: called once before open() when the operator defines snapshotState, with the items this subtask
   * gets from the checkpoint it restores from, or undefined on a fresh start.
   */
  initializeState?(restored: unknown[] | undefined): void | Promise<void>;
  /** The checkpoint with this id completed on every task (two-phase-commit sinks commit here). */
  notifyCheckpointComplete?(checkpointId: number): void | Promise<void>;
  /** The checkpoint with this id was aborted (timed out, declined or superseded). */
  notifyCheckpointAborted?(checkpointId: number): void;
}

export type OperatorFactory = (ctx: OperatorContext) => StreamOperator;

/**
 * A StreamOperator from an instance of an operator class: the task calls the hooks as plain functions
 * (`const f = op.processElement`), so each one named is bound to the instance.
 */
/** The hooks of a checkpointed sink operator (FileSink, two-phase-commit sinks). */
export const SINK_HOOKS = [
  'initializeState',
  'open',
  'processElement',
  'processWatermark',
  'available',
  'snapshotState',
  'finishSnapshot',
  'notifyCheckpointComplete',
  'endInput',
  'close',
] as const;

export function bindOperator<T extends object>(instance: T, hooks: ReadonlyArray<keyof StreamOperator & keyof T>): StreamOperator {
  const op: Record<string, unknown> = {};
  for (const h of hooks) op[h] = (instance[h] as (...a: unknown[]) => unknown).bind(instance);
  return op as StreamOperator;
}

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
        const setContext = obj.setRuntimeContext;
        if (typeof setContext === 'function') (setContext as (c: RuntimeContext) => void).call(obj, ctx);
        // Flink's CheckpointedFunction: operator (and keyed) state is handed over before open(), restored from
        // the checkpoint the task started from (the task restored the backends before opening the operators).
        const initializeState = obj.initializeState;
        if (typeof initializeState === 'function') {
          const init: FunctionInitializationContext = {
            getOperatorStateStore: () => ctx.getOperatorStateStore(),
            getKeyedStateStore: () => ctx,
            isRestored: () => isStateRestored(ctx),
          };
          await (initializeState as (c: FunctionInitializationContext) => unknown).call(obj, init);
        }
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

export class OperatorError extends FlinkError {
  constructor(message: string, cause?: unknown) {
    super('OPERATOR_FAILED', message, { cause });
  }
}
