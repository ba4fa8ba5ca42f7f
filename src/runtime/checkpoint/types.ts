/** What tasks and the JobManager exchange about checkpoints: settings, state handles, and `_metadata`. */

/** How tasks take checkpoints. */
export interface TaskCheckpointSettings {
  mode: 'EXACTLY_ONCE' | 'AT_LEAST_ONCE';
  /** Unaligned checkpoints (EXACTLY_ONCE only): no input waits for a barrier; in-flight data is stored instead. */
  unaligned?: boolean;
  /**
   * Incremental checkpoints (`state.backend.incremental`): keyed state goes into content-addressed chunk files in
   * this directory (`<state.checkpoints.dir>/<jobId>/shared`), each uploaded once and shared by later checkpoints.
   */
  sharedDirectory?: string;
}

/** What one subtask's state file holds, per operator of its chain. */
export interface OperatorSubtaskState {
  /** The operator's uid (its `uid()`, or one derived from the job graph). */
  uid: string;
  /** The key groups its keyed state covers (absent: no keyed state). */
  keyGroupRange?: { start: number; end: number };
  /** Whether it wrote operator state (list items of its own, or operator state backend lists). */
  operatorState: boolean;
}

/** One subtask's snapshot in a checkpoint. */
export interface TaskStateHandle {
  /** Shared chunk files (full URIs) the state file refers to: those uploaded now and those of earlier checkpoints. */
  shared?: string[];
  /** Bytes this checkpoint wrote: its state file and the shared chunks it uploaded (`size` also counts the reused ones). */
  checkpointedSize?: number;
  /** The state file, relative to the checkpoint's directory; absent when the subtask has no state. */
  file?: string;
  size: number;
  operators: OperatorSubtaskState[];
}

/** The `_metadata` of a checkpoint or savepoint (JSON, flink-ts's own format). */
export interface CheckpointMetadata {
  version: 1;
  jobId: string;
  checkpointId: number;
  timestamp: number;
  isSavepoint: boolean;
  /** The directory holding `_metadata` (URI); state files are relative to it. */
  directory: string;
  /** Shared chunk files (full URIs) of incremental checkpoints that this checkpoint uses. */
  shared?: string[];
  operators: Array<{
    uid: string;
    name: string;
    parallelism: number;
    maxParallelism: number;
    subtasks: Array<{ subtask: number; file?: string; keyGroupRange?: { start: number; end: number }; operatorState: boolean }>;
  }>;
}
