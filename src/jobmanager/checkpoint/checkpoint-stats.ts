/**
 * What the job master knows about a job's checkpoints, for `/jobs/:jobid/checkpoints*` (the REST layer turns
 * it into Flink's JSON field names) and for the log.
 */

export type CheckpointStatus = 'IN_PROGRESS' | 'COMPLETED' | 'FAILED';
export type CheckpointType = 'CHECKPOINT' | 'UNALIGNED_CHECKPOINT' | 'SAVEPOINT' | 'SYNC_SAVEPOINT';

/** One subtask's part of a checkpoint. */
export interface SubtaskCheckpointStats {
  index: number;
  /** Acknowledged yet? */
  acknowledged: boolean;
  ackTimestamp?: number;
  stateSize?: number;
  /** Time spent at the barrier (the synchronous part), ms. */
  syncDuration?: number;
  /** Time spent writing the snapshot while processing went on, ms. */
  asyncDuration?: number;
  /** Time from the first barrier to the last on this subtask's inputs (0 for sources), ms. */
  alignmentDuration?: number;
  /** Bytes this subtask wrote for the checkpoint (incremental: only new files); stateSize when unknown. */
  checkpointedSize?: number;
  /** Time from the trigger until the barrier reached this subtask, ms. */
  startDelay?: number;
}

/** One vertex's part of a checkpoint. */
export interface TaskCheckpointStats {
  vertexId: string;
  numSubtasks: number;
  numAcknowledgedSubtasks: number;
  latestAckTimestamp: number;
  stateSize: number;
  subtasks: SubtaskCheckpointStats[];
}

export interface CheckpointRecord {
  id: number;
  status: CheckpointStatus;
  isSavepoint: boolean;
  checkpointType: CheckpointType;
  /** Savepoints only: the format asked for (flink-ts writes one format for both); CANONICAL when unset. */
  savepointFormat?: 'CANONICAL' | 'NATIVE';
  triggerTimestamp: number;
  /** Last acknowledgement (or the failure time); -1 before any. */
  latestAckTimestamp: number;
  /** Bytes written by this checkpoint (incremental: only the new files). */
  checkpointedSize: number;
  /** Bytes of the full state it represents. */
  stateSize: number;
  /** Trigger to last acknowledgement (or to now while in progress), ms. */
  endToEndDuration: number;
  numSubtasks: number;
  numAcknowledgedSubtasks: number;
  /** The checkpoint's directory once completed. */
  externalPath?: string;
  /** A completed checkpoint that was later removed (not retained). */
  discarded?: boolean;
  failureTimestamp?: number;
  failureMessage?: string;
  tasks: TaskCheckpointStats[];
}

export interface RestoredCheckpoint {
  id: number;
  restoreTimestamp: number;
  isSavepoint: boolean;
  externalPath: string;
}

export interface CheckpointStatistics {
  counts: { restored: number; total: number; inProgress: number; completed: number; failed: number };
  /** Newest first, at most `web.checkpoints.history` (10) entries. */
  history: CheckpointRecord[];
  latestCompleted?: CheckpointRecord;
  latestSavepoint?: CheckpointRecord;
  latestFailed?: CheckpointRecord;
  latestRestored?: RestoredCheckpoint;
  /** Samples of every completed checkpoint (bounded), for the summary's min/avg/max and percentiles. */
  completedSamples: { stateSize: number[]; checkpointedSize: number[]; endToEndDuration: number[] };
}

/** The job's effective checkpoint settings (`/jobs/:jobid/checkpoints/config`). */
export interface CheckpointConfigInfo {
  mode: 'EXACTLY_ONCE' | 'AT_LEAST_ONCE';
  /** ms; Long.MAX_VALUE (as 0x7fffffffffffffff) when checkpointing is off, as Flink answers. */
  interval: number;
  timeout: number;
  minPause: number;
  maxConcurrent: number;
  externalization: { enabled: boolean; deleteOnCancellation: boolean };
  stateBackend: string;
  checkpointStorage: string;
  unalignedCheckpoints: boolean;
  tolerableFailedCheckpoints: number;
  checkpointsAfterTasksFinish: boolean;
}

/** A savepoint (or stop-with-savepoint) request as the job master runs it. */
export interface SavepointRequest {
  /** The directory URI; undefined: `state.savepoints.dir`, and an error naming that key when it is unset. */
  targetDirectory: string | undefined;
  /** What happens to the job once the savepoint completed. */
  then: 'continue' | 'cancel' | 'stop' | 'drain';
  /** The format the client asked for (REST `formatType`, CLI `-type`); flink-ts writes one format for both. */
  formatType?: 'CANONICAL' | 'NATIVE';
}

/** The statistics of a job that takes no checkpoints (a batch job): all counts 0, no history. */
export function noCheckpointStatistics(): CheckpointStatistics {
  return {
    counts: { restored: 0, total: 0, inProgress: 0, completed: 0, failed: 0 },
    history: [],
    completedSamples: { stateSize: [], checkpointedSize: [], endToEndDuration: [] },
  };
}
