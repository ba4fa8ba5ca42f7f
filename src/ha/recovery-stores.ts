/**
 * The recovery stores behind the HA services: what a new leader needs to take over the cluster's jobs. Each is an
 * interface with an in-memory implementation (high-availability: NONE, nothing survives the process) and a
 * ZooKeeper/storageDir one. Writes of a ZooKeeper store are fenced: once its process lost leadership they fail
 * with NotLeaderError instead of changing what the new leader uses.
 */
import type { SerializedError } from '../util/errors.js';

/**
 * Submitted job graphs (Flink's JobGraphStore). The graph is opaque bytes to the store; ZooKeeper keeps a pointer
 * `/jobgraphs/<jobid>` to the file `<storageDir>/<cluster-id>/submittedJobGraph<12 hex>`.
 */
export interface JobGraphStore {
  /** Stores (or replaces) a job's graph and locks it for this process. */
  putJobGraph(jobId: string, graph: Uint8Array): Promise<void>;
  /** A job's graph, locked for this process; undefined when none is stored. */
  recoverJobGraph(jobId: string): Promise<Uint8Array | undefined>;
  /** The ids of all stored job graphs. */
  getJobIds(): Promise<string[]>;
  /** This process is done with the job (it lost leadership or shuts down): releases its lock; the graph stays. */
  releaseJobGraph(jobId: string): Promise<void>;
  /**
   * The job reached a globally terminal state: releases this process' lock and removes the graph. Returns false
   * (and keeps the graph) while another process holds a lock on it.
   */
  removeJobGraph(jobId: string): Promise<boolean>;
}

/** A completed checkpoint as registered: where its `_metadata` is. */
export interface CompletedCheckpointPointer {
  readonly checkpointId: number;
  /** The checkpoint's `_metadata` file (a URI or path). */
  readonly metadataPath: string;
  /** When the checkpoint was triggered (ms since the epoch). */
  readonly timestamp: number;
}

/**
 * The completed checkpoints of one job (pointers only: the checkpoint's files are the caller's). ZooKeeper keeps
 * `/jobs/<jobid>/checkpoints/<%019d id>` with the pointer as JSON.
 */
export interface CompletedCheckpointStore {
  readonly maxRetained: number;
  /**
   * Registers a completed checkpoint (locked for this process) and removes the oldest ones beyond maxRetained.
   * Returns the removed ones, oldest first: the caller may now discard their files. One that another process
   * still locks is kept (and tried again on the next add).
   */
  addCheckpoint(checkpoint: CompletedCheckpointPointer): Promise<CompletedCheckpointPointer[]>;
  /** The checkpoint with the highest id, if any. */
  getLatestCheckpoint(): Promise<CompletedCheckpointPointer | undefined>;
  /** All registered checkpoints, oldest (lowest id) first. */
  getAllCheckpoints(): Promise<CompletedCheckpointPointer[]>;
  /**
   * Globally terminal (true): removes every pointer this process may remove and returns them (the caller
   * discards their files as the retention settings say). Otherwise (leadership lost, shutdown): only releases
   * this process' locks and returns [].
   */
  shutdown(globallyTerminal: boolean): Promise<CompletedCheckpointPointer[]>;
}

/** A job's checkpoint ids (ZooKeeper: `/jobs/<jobid>/checkpoint_id_counter`, updated with compare-and-set). */
export interface CheckpointIdCounter {
  /** The next id and counts up (the first call on a new counter returns 1). */
  getAndIncrement(): Promise<number>;
  /** The id the next getAndIncrement() returns. */
  get(): Promise<number>;
  /** Sets the id the next getAndIncrement() returns (a restore from a savepoint continues after its id). */
  setCount(nextId: number): Promise<void>;
  /** Globally terminal (true): deletes the counter. Otherwise it stays for the next leader. */
  shutdown(globallyTerminal: boolean): Promise<void>;
}

export type JobApplicationStatus = 'SUCCEEDED' | 'FAILED' | 'CANCELED' | 'UNKNOWN';

/** The result of a job that reached a globally terminal state. */
export interface JobResultEntry {
  readonly jobId: string;
  readonly applicationStatus: JobApplicationStatus;
  /** Run time in ms. */
  readonly netRuntime: number;
  readonly accumulatorResults?: Readonly<Record<string, unknown>>;
  readonly failure?: SerializedError;
}

/**
 * Jobs that reached a globally terminal state (Flink's JobResultStore). An entry is dirty while the job's data
 * is being cleaned up, and clean afterwards; a new leader recovers no job that has an entry, and finishes the
 * cleanup of dirty ones. Files: `<storageDir>/job-result-store/<cluster-id>/<jobid>_DIRTY.json`, `<jobid>.json`.
 */
export interface JobResultStore {
  /** Records a result as dirty; fails when the job has an entry already. */
  createDirtyResult(entry: JobResultEntry): Promise<void>;
  /** The job's data was cleaned up; fails when the job has no dirty entry. */
  markResultAsClean(jobId: string): Promise<void>;
  hasJobResultEntry(jobId: string): Promise<boolean>;
  hasDirtyJobResultEntry(jobId: string): Promise<boolean>;
  hasCleanJobResultEntry(jobId: string): Promise<boolean>;
  /** The results whose cleanup is not done. */
  getDirtyResults(): Promise<JobResultEntry[]>;
}

/**
 * Job artifacts (bundles) where every JobManager finds them: `<storageDir>/<cluster-id>/blob/job_<jobid>/blob_<key>`.
 * Keys are the caller's (letters, digits, `-`, `_`, `.`).
 */
export interface BlobStore {
  put(jobId: string, key: string, data: Uint8Array | AsyncIterable<Uint8Array>): Promise<void>;
  /** The blob's bytes, or undefined when it is not stored. */
  get(jobId: string, key: string): Promise<Uint8Array | undefined>;
  /** False when it was not stored. */
  delete(jobId: string, key: string): Promise<boolean>;
  /** Deletes every blob of the job. */
  deleteAll(jobId: string): Promise<void>;
}
