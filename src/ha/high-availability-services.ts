/**
 * High-availability services: leader election for the JobManager, leader retrieval for TaskManagers and clients,
 * and the recovery stores a new leader restarts the cluster's jobs from. `NONE` (standalone) and `ZOOKEEPER`
 * implement the same interfaces.
 */
import type { BlobStore, CheckpointIdCounter, CompletedCheckpointStore, JobGraphStore, JobResultStore } from './recovery-stores.js';

/** Something that can lead: the JobManager's dispatcher/resource manager/REST trio. */
export interface LeaderContender {
  /**
   * This process leads now, under a new `leaderSessionId` (the fencing token of everything it does as leader).
   * Calls to grant and revoke never overlap: the next one waits until the previous one's promise settled.
   */
  grantLeadership(leaderSessionId: string): Promise<void>;
  /** This process leads no longer: it must stop acting as leader at once. */
  revokeLeadership(): Promise<void>;
}

/**
 * A component whose leader address is published: `dispatcher`, `resource_manager`, `rest_server` (see
 * LeaderComponents), or a job id for that job's JobMaster.
 */
export type LeaderComponent = 'dispatcher' | 'resource_manager' | 'rest_server' | (string & {});

export interface LeaderElection {
  /** Runs for leadership; `contender.grantLeadership` is called once this process leads. */
  start(contender: LeaderContender): Promise<void>;
  /**
   * Publishes a component's address for retrievers, only while still leading under `leaderSessionId` (a call
   * with an older session id is ignored). `component` defaults to `resource_manager`, the JobManager's RPC
   * endpoint, which jobManagerLeaderRetrieval() reads. May be called from within grantLeadership.
   */
  confirmLeadership(leaderSessionId: string, address: string, component?: LeaderComponent): Promise<void>;
  /** Whether this process leads under `leaderSessionId` right now (a deposed leader checks before it acts). */
  hasLeadership(leaderSessionId: string): boolean;
  /** Stops running for leadership; revokes it first if held. */
  close(): Promise<void>;
}

export interface LeaderInformation {
  address: string;
  leaderSessionId: string;
}

export interface LeaderRetrieval {
  /** Calls `listener` with the current leader, and again whenever it changes (undefined: no leader). */
  start(listener: (leader: LeaderInformation | undefined) => void): Promise<void>;
  close(): Promise<void>;
}

export interface HighAvailabilityServices {
  readonly mode: 'NONE' | 'ZOOKEEPER';
  /**
   * Connects (ZooKeeper) and checks `high-availability.storageDir`; fails with one line naming the key at fault.
   * Every other method starts the services itself if need be; calling start() first reports problems early.
   */
  start(): Promise<void>;
  /** The election of this process (one per process; every call returns the same one). */
  jobManagerLeaderElection(): LeaderElection;
  /** Where the JobManager's RPC endpoint (resource manager) is: `host:port`. */
  jobManagerLeaderRetrieval(): LeaderRetrieval;
  /** Where the dispatcher is (in flink-ts, the JobManager's RPC endpoint too). */
  dispatcherLeaderRetrieval(): LeaderRetrieval;
  /** Where the REST endpoint is: `http://host:port`. */
  restLeaderRetrieval(): LeaderRetrieval;
  /** Where a job's JobMaster is (published by confirmLeadership with the job id as component). */
  jobMasterLeaderRetrieval(jobId: string): LeaderRetrieval;
  /** The submitted job graphs a new leader recovers. */
  jobGraphStore(): JobGraphStore;
  /** Jobs that reached a globally terminal state, so they are not recovered again. */
  jobResultStore(): JobResultStore;
  /** Job bundles (and other job artifacts) a new leader needs. */
  blobStore(): BlobStore;
  /**
   * The completed checkpoints of a job, keeping `maxRetained` of them. Creating it locks the checkpoints already
   * registered (recovery), so no other JobManager removes them while this one may restore from them.
   */
  createCompletedCheckpointStore(jobId: string, maxRetained: number): Promise<CompletedCheckpointStore>;
  /** The checkpoint id counter of a job (starts at 1). */
  createCheckpointIdCounter(jobId: string): Promise<CheckpointIdCounter>;
  /**
   * Removes what the services hold for a job that reached a globally terminal state: its job graph, checkpoint
   * pointers, checkpoint id counter, leader node and blobs. Fails with HaDataLockedError (recoverable: try again
   * later) while another JobManager still holds a lock on some of it. Call it before marking the job's result clean.
   */
  cleanupJobData(jobId: string): Promise<void>;
  /** Releases connections and locks; persisted HA data stays. Safe to call twice. */
  close(): Promise<void>;
  /** Deletes everything this cluster persisted (after a clean shutdown); job results stay. */
  cleanupAllData(): Promise<void>;
}
