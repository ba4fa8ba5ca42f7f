/** What a task is given (its settings) and what it reports (its metrics, its result at the end). */
import type { AccumulatorKind } from '../operators/index.js';
import type { TaskMetrics } from '../../metrics/index.js';

export type { OperatorCounts, TaskMetrics } from '../../metrics/index.js';

export interface TaskSettings {
  bufferSize: number;
  initialCredits: number;
  maxBacklog: number;
  /** The TaskManager's `state.backend` (a job's own `state.backend` wins); default hashmap. */
  stateBackend?: string;
  /** Where disk state backends keep their files: a directory of the job's on the TaskManager, removed with the job. */
  localStateDir?: string;
}

export interface TaskResult {
  accumulators: Record<string, { kind: AccumulatorKind; data: string }>;
  metrics: TaskMetrics;
}
