/** What a task is given (its settings) and what it reports (its metrics, its result at the end). */
import type { AccumulatorKind } from '../operators/index.js';

export interface TaskSettings {
  bufferSize: number;
  initialCredits: number;
  maxBacklog: number;
  /** The TaskManager's `state.backend` (a job's own `state.backend` wins); default hashmap. */
  stateBackend?: string;
  /** Where disk state backends keep their files: a directory of the job's on the TaskManager, removed with the job. */
  localStateDir?: string;
}

export interface TaskMetrics {
  readRecords: number;
  readBytes: number;
  writeRecords: number;
  writeBytes: number;
  /**
   * The watermark the task last handed to its head operator (Flink's `currentInputWatermark`), clamped to
   * Java's long range so it survives JSON (±Infinity would become null). Absent for sources, which have no
   * input, as Flink registers no such metric for them.
   */
  inputWatermark?: number;
}

export interface TaskResult {
  accumulators: Record<string, { kind: AccumulatorKind; data: string }>;
  metrics: TaskMetrics;
}
