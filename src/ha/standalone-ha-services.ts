/**
 * HA mode NONE: one JobManager at a configured address, always the leader, with Flink's fixed default leader
 * session id. The recovery stores live in this process' memory: nothing survives it, as nothing needs to.
 */
import type { HighAvailabilityServices, LeaderContender, LeaderElection, LeaderInformation, LeaderRetrieval } from './high-availability-services.js';
import { InMemoryCheckpointIdCounter } from './in-memory-checkpoint-id-counter.js';
import { InMemoryCompletedCheckpointStore } from './in-memory-completed-checkpoint-store.js';
import { InMemoryJobGraphStore } from './in-memory-job-graph-store.js';
import { InMemoryJobResultStore } from './in-memory-job-result-store.js';
import type { BlobStore, CheckpointIdCounter, CompletedCheckpointStore, JobGraphStore, JobResultStore } from './recovery-stores.js';
import { VoidBlobStore } from './void-blob-store.js';

export const DEFAULT_LEADER_ID = '00000000-0000-0000-0000-000000000000';

class StandaloneLeaderElection implements LeaderElection {
  private contender: LeaderContender | undefined;
  async start(contender: LeaderContender): Promise<void> {
    this.contender = contender;
    await contender.grantLeadership(DEFAULT_LEADER_ID);
  }
  async confirmLeadership(): Promise<void> {}
  hasLeadership(leaderSessionId: string): boolean {
    return this.contender !== undefined && leaderSessionId === DEFAULT_LEADER_ID;
  }
  async close(): Promise<void> {
    const c = this.contender;
    this.contender = undefined;
    await c?.revokeLeadership();
  }
}

class StandaloneLeaderRetrieval implements LeaderRetrieval {
  constructor(private readonly address: string) {}
  async start(listener: (leader: LeaderInformation | undefined) => void): Promise<void> {
    listener({ address: this.address, leaderSessionId: DEFAULT_LEADER_ID });
  }
  async close(): Promise<void> {}
}

export class StandaloneHaServices implements HighAvailabilityServices {
  readonly mode = 'NONE' as const;
  private readonly election = new StandaloneLeaderElection();
  private readonly graphs = new InMemoryJobGraphStore();
  private readonly results = new InMemoryJobResultStore();
  private readonly blobs = new VoidBlobStore();
  private readonly checkpointStores = new Map<string, InMemoryCompletedCheckpointStore>();
  private readonly counters = new Map<string, InMemoryCheckpointIdCounter>();

  constructor(
    private readonly jobManagerAddress: string,
    private readonly restAddress: string,
  ) {}
  async start(): Promise<void> {}
  jobManagerLeaderElection(): LeaderElection {
    return this.election;
  }
  jobManagerLeaderRetrieval(): LeaderRetrieval {
    return new StandaloneLeaderRetrieval(this.jobManagerAddress);
  }
  dispatcherLeaderRetrieval(): LeaderRetrieval {
    return new StandaloneLeaderRetrieval(this.jobManagerAddress);
  }
  restLeaderRetrieval(): LeaderRetrieval {
    return new StandaloneLeaderRetrieval(this.restAddress);
  }
  jobMasterLeaderRetrieval(): LeaderRetrieval {
    return new StandaloneLeaderRetrieval(this.jobManagerAddress);
  }
  jobGraphStore(): JobGraphStore {
    return this.graphs;
  }
  jobResultStore(): JobResultStore {
    return this.results;
  }
  blobStore(): BlobStore {
    return this.blobs;
  }
  async createCompletedCheckpointStore(jobId: string, maxRetained: number): Promise<CompletedCheckpointStore> {
    // One per job for the process' lifetime, like the ZooKeeper nodes it stands in for.
    let store = this.checkpointStores.get(jobId);
    if (store === undefined || store.maxRetained !== maxRetained) {
      const previous = store === undefined ? [] : await store.getAllCheckpoints();
      store = new InMemoryCompletedCheckpointStore(maxRetained);
      for (const c of previous) await store.addCheckpoint(c);
      this.checkpointStores.set(jobId, store);
    }
    return store;
  }
  async createCheckpointIdCounter(jobId: string): Promise<CheckpointIdCounter> {
    let counter = this.counters.get(jobId);
    if (counter === undefined) this.counters.set(jobId, (counter = new InMemoryCheckpointIdCounter()));
    return counter;
  }
  async cleanupJobData(jobId: string): Promise<void> {
    await this.graphs.removeJobGraph(jobId);
    this.checkpointStores.delete(jobId);
    this.counters.delete(jobId);
  }
  async close(): Promise<void> {}
  async cleanupAllData(): Promise<void> {}
}
