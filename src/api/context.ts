/**
 * The execution context decides what `execute()` means. The client runs a program in plan mode and
 * submits what `execute()` captured; a TaskManager worker re-runs the same program only to capture the
 * pipeline again and bind its functions. Both install a context before importing the job bundle.
 */
import type { Transformation, TransformationRegistry } from './transformation.js';
import { FlinkError } from '../util/errors.js';

export type RuntimeMode = 'STREAMING' | 'BATCH';

/** Everything `execute()` hands over: the pipeline and the environment's settings. */
export interface CapturedPipeline {
  jobName: string;
  mode: RuntimeMode;
  registry: TransformationRegistry;
  sinks: readonly Transformation[];
  defaultParallelism: number;
  maxParallelism: number;
  bufferTimeout: number;
  autoWatermarkInterval: number;
  timeCharacteristic: 'ProcessingTime' | 'IngestionTime' | 'EventTime';
  /** 0-based count of `execute()` calls before this one in the same program run. */
  executeIndex: number;
  /** Configuration keys the program set on its environment (checkpointing, restart strategy, state backend). */
  jobConfiguration?: Record<string, string>;
}

/** The result of one job, as the program sees it. */
export interface JobExecutionResultData {
  jobId: string;
  netRuntime: number;
  /** Decoded accumulator values. */
  accumulators: Record<string, unknown>;
  /** True when the job was submitted detached and no result is known. */
  detached?: boolean;
}

export interface ExecutionContext {
  readonly mode: 'client' | 'task';
  /** Parallelism for operators that do not set their own (`-p`, else `parallelism.default`). */
  readonly defaultParallelism: number;
  readonly bufferTimeout: number;
  /** `pipeline.auto-watermark-interval` (ms); 200 when not given. */
  readonly autoWatermarkInterval?: number;
  execute(pipeline: CapturedPipeline): Promise<JobExecutionResultData>;
}

const CONTEXT_KEY = Symbol.for('flink-ts.execution-context');
const COUNTER_KEY = Symbol.for('flink-ts.execute-counter');
const NAME_COUNTER_KEY = Symbol.for('flink-ts.name-counter');
type Holder = { [CONTEXT_KEY]?: ExecutionContext; [COUNTER_KEY]?: number; [NAME_COUNTER_KEY]?: number };

export function setExecutionContext(ctx: ExecutionContext | undefined): void {
  const g = globalThis as Holder;
  if (ctx) g[CONTEXT_KEY] = ctx;
  else delete g[CONTEXT_KEY];
  g[COUNTER_KEY] = 0;
  g[NAME_COUNTER_KEY] = 0;
}

/** A number unique within one program run, the same in the client and on every TaskManager. */
export function nextProgramUniqueId(): number {
  const g = globalThis as Holder;
  const n = (g[NAME_COUNTER_KEY] ?? 0) + 1;
  g[NAME_COUNTER_KEY] = n;
  return n;
}

export function currentExecutionContext(): ExecutionContext {
  const ctx = (globalThis as Holder)[CONTEXT_KEY];
  if (!ctx) {
    throw new MissingExecutionContextError();
  }
  return ctx;
}

export function nextExecuteIndex(): number {
  const g = globalThis as Holder;
  const n = g[COUNTER_KEY] ?? 0;
  g[COUNTER_KEY] = n + 1;
  return n;
}

export class MissingExecutionContextError extends FlinkError {
  constructor() {
    super(
      'NO_EXECUTION_CONTEXT',
      'This program was not started by flink-ts. Run it with `bin/flink run <program>` ' +
        '(or `bin/flink run -t local <program>` for an in-process cluster).',
    );
  }
}

/** What `execute()` returns, with Flink's accessor names. */
export class JobExecutionResult {
  constructor(private readonly data: JobExecutionResultData) {}
  getJobID(): string {
    return this.data.jobId;
  }
  getNetRuntime(): number {
    return this.data.netRuntime;
  }
  getAccumulatorResult<T = unknown>(name: string): T | undefined {
    return this.data.accumulators[name] as T | undefined;
  }
  getAllAccumulatorResults(): Record<string, unknown> {
    return { ...this.data.accumulators };
  }
  isJobExecutionResult(): boolean {
    return !this.data.detached;
  }
}
