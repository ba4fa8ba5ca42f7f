/**
 * High-availability services: leader election for the JobManager and leader retrieval for TaskManagers
 * and clients. `NONE` (standalone) is implemented here; ZooKeeper implements the same interfaces.
 */

/** Something that can lead: the JobManager's dispatcher/resource manager/REST trio. */
export interface LeaderContender {
  grantLeadership(leaderSessionId: string): Promise<void>;
  revokeLeadership(): Promise<void>;
}

export interface LeaderElection {
  /** Runs for leadership; `contender.grantLeadership` is called once this process leads. */
  start(contender: LeaderContender): Promise<void>;
  /** Publishes the leader's address for retrievers (only while still leading with that session id). */
  confirmLeadership(leaderSessionId: string, address: string): Promise<void>;
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
  jobManagerLeaderElection(): LeaderElection;
  /** Where the JobManager's RPC endpoint (resource manager) is: `host:port`. */
  jobManagerLeaderRetrieval(): LeaderRetrieval;
  /** Where the REST endpoint is: `http://host:port`. */
  restLeaderRetrieval(): LeaderRetrieval;
  /** Releases connections; persisted HA data stays. */
  close(): Promise<void>;
  /** Deletes everything this cluster persisted (after a clean shutdown). */
  cleanupAllData(): Promise<void>;
}
