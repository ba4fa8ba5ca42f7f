/**
 * `high-availability: zookeeper`: one ZooKeeper session per process (shared by election, retrieval and the
 * stores), recovery data in `high-availability.storageDir`. start() checks the storage directory and connects;
 * every other method starts the services itself when needed.
 */
import { randomUUID } from 'node:crypto';
import { childPath, getFileSystem } from '../../fs/index.js';
import { getLogger } from '../../util/logger.js';
import { FileSystemBlobStore } from '../file-system-blob-store.js';
import { checkJobId, FileSystemJobResultStore } from '../file-system-job-result-store.js';
import { HaDataLockedError, HaServicesClosedError } from '../ha-errors.js';
import type { HighAvailabilityServices, LeaderElection, LeaderRetrieval } from '../high-availability-services.js';
import type { BlobStore, CheckpointIdCounter, CompletedCheckpointStore, JobGraphStore, JobResultStore } from '../recovery-stores.js';
import { checkStorageDirReachable, clusterStorageDir } from '../storage-dir.js';
import { ZooKeeperCheckpointIdCounter } from './zookeeper-checkpoint-id-counter.js';
import { ZooKeeperClient, type ZooKeeperClientDeps, type ZooKeeperClientSettings } from './zookeeper-client.js';
import { ZooKeeperCompletedCheckpointStore } from './zookeeper-completed-checkpoint-store.js';
import { ZooKeeperJobGraphStore } from './zookeeper-job-graph-store.js';
import { ZooKeeperLeaderElection } from './zookeeper-leader-election.js';
import { ZooKeeperLeaderRetrieval } from './zookeeper-leader-retrieval.js';
import { LeaderComponents, ZooKeeperPaths } from './zookeeper-paths.js';
import { ZooKeeperStateHandleStore } from './zookeeper-state-handle-store.js';

const log = getLogger('org.apache.flink.runtime.highavailability.zookeeper.ZooKeeperLeaderElectionHaServices');

export interface ZooKeeperHaSettings {
  readonly client: ZooKeeperClientSettings;
  readonly clusterId: string;
  /** `high-availability.storageDir` as configured. */
  readonly storageDir: string;
  readonly tolerateSuspendedConnections: boolean;
  readonly jobResultStoreDir: string;
  readonly jobResultStoreDeleteOnCommit: boolean;
}

export class ZooKeeperHaServices implements HighAvailabilityServices {
  readonly mode = 'ZOOKEEPER' as const;
  readonly client: ZooKeeperClient;
  /** `<storageDir>/<cluster-id>`: job graphs and blobs. */
  readonly clusterDir: string;
  /** This process' name on the locks it holds. */
  readonly lockId = randomUUID();
  readonly #s: ZooKeeperHaSettings;
  #starting: Promise<void> | undefined;
  #closing: Promise<void> | undefined;
  #election: ZooKeeperLeaderElection | undefined;
  readonly #retrievals = new Set<ZooKeeperLeaderRetrieval>();
  readonly #jobGraphs: ZooKeeperJobGraphStore;
  readonly #blobs: FileSystemBlobStore;
  readonly #results: FileSystemJobResultStore;
  readonly #ready = (): Promise<void> => this.start();
  /** Leader writes check the latch node once this process runs for leadership; before that they are unfenced. */
  readonly #fence = (what: string): string | undefined => (this.#election?.running ? this.#election.fencePath(what) : undefined);

  constructor(settings: ZooKeeperHaSettings, deps: ZooKeeperClientDeps = {}) {
    this.#s = settings;
    this.client = new ZooKeeperClient(settings.client, deps);
    this.clusterDir = clusterStorageDir(settings.storageDir, settings.clusterId);
    this.#jobGraphs = new ZooKeeperJobGraphStore(this.#handles(ZooKeeperPaths.JOB_GRAPHS), this.clusterDir);
    this.#blobs = new FileSystemBlobStore(this.clusterDir);
    this.#results = new FileSystemJobResultStore(settings.jobResultStoreDir, settings.jobResultStoreDeleteOnCommit);
  }

  start(): Promise<void> {
    if (this.#closing) return Promise.reject(new HaServicesClosedError('Starting the HA services'));
    this.#starting ??= (async () => {
      await checkStorageDirReachable(this.#s.storageDir, this.clusterDir);
      await this.client.start();
      log.info(`Connected to ZooKeeper ${this.#s.client.quorum} (namespace ${this.client.namespace}, session ${this.client.sessionId}, timeout ${this.client.sessionTimeoutMs} ms).`);
    })();
    return this.#starting;
  }

  #handles(root: string): ZooKeeperStateHandleStore {
    return new ZooKeeperStateHandleStore(this.client, root, this.lockId, this.#fence);
  }

  jobManagerLeaderElection(): LeaderElection {
    this.#election ??= new ZooKeeperLeaderElection({
      client: this.client,
      tolerateSuspendedConnections: this.#s.tolerateSuspendedConnections,
      ready: this.#ready,
    });
    return this.#election;
  }

  #retrieval(component: string): LeaderRetrieval {
    const retrieval = new ZooKeeperLeaderRetrieval({
      client: this.client,
      component,
      tolerateSuspendedConnections: this.#s.tolerateSuspendedConnections,
      ready: this.#ready,
    });
    this.#retrievals.add(retrieval);
    return retrieval;
  }

  jobManagerLeaderRetrieval(): LeaderRetrieval {
    return this.#retrieval(LeaderComponents.RESOURCE_MANAGER);
  }

  dispatcherLeaderRetrieval(): LeaderRetrieval {
    return this.#retrieval(LeaderComponents.DISPATCHER);
  }

  restLeaderRetrieval(): LeaderRetrieval {
    return this.#retrieval(LeaderComponents.REST_SERVER);
  }

  jobMasterLeaderRetrieval(jobId: string): LeaderRetrieval {
    return this.#retrieval(checkJobId(jobId));
  }

  jobGraphStore(): JobGraphStore {
    return afterStart(this.#jobGraphs, this.#ready);
  }

  jobResultStore(): JobResultStore {
    return afterStart(this.#results, this.#ready);
  }

  blobStore(): BlobStore {
    return afterStart(this.#blobs, this.#ready);
  }

  async createCompletedCheckpointStore(jobId: string, maxRetained: number): Promise<CompletedCheckpointStore> {
    await this.start();
    return ZooKeeperCompletedCheckpointStore.create(this.#handles(ZooKeeperPaths.checkpoints(checkJobId(jobId))), maxRetained);
  }

  async createCheckpointIdCounter(jobId: string): Promise<CheckpointIdCounter> {
    await this.start();
    return ZooKeeperCheckpointIdCounter.create(this.client, this.#handles(ZooKeeperPaths.job(checkJobId(jobId))), jobId);
  }

  async cleanupJobData(jobId: string): Promise<void> {
    await this.start();
    checkJobId(jobId);
    const locked: string[] = [];
    if (!(await this.#jobGraphs.removeJobGraph(jobId))) locked.push('its job graph');
    const checkpoints = this.#handles(ZooKeeperPaths.checkpoints(jobId));
    for (const name of await checkpoints.names()) {
      if (!(await checkpoints.releaseAndTryRemove(name))) locked.push(`checkpoint ${Number(name)}`);
    }
    if (locked.length > 0) throw new HaDataLockedError(`The HA data of job ${jobId} (${locked.join(', ')})`);
    // Checked once more before the rest goes: a deposed leader must not remove what its successor uses.
    this.#fence(`Removing the HA data of job ${jobId}`);
    this.#election?.forget(jobId);
    await this.client.removeRecursive(ZooKeeperPaths.job(jobId));
    await this.client.removeRecursive(ZooKeeperPaths.leader(jobId));
    await this.#blobs.deleteAll(jobId);
  }

  /** Closes election, retrievals and the session (this process' ephemeral nodes and locks go); safe to call twice. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      const steps: Array<[string, () => Promise<unknown>]> = [
        ['leader election', async () => this.#election?.close()],
        ...[...this.#retrievals].map((r): [string, () => Promise<unknown>] => ['leader retrieval', () => r.close()]),
        ['ZooKeeper session', () => this.client.close()],
      ];
      for (const [name, step] of steps) {
        try {
          await step();
        } catch (err) {
          log.warn(`Error while closing the ${name}.`, err);
        }
      }
    })();
    return this.#closing;
  }

  /** Deletes the cluster's ZooKeeper namespace and `<storageDir>/<cluster-id>`, then closes; job results stay. */
  async cleanupAllData(): Promise<void> {
    await this.start();
    await this.#election?.close();
    await this.client.removeRecursive('/');
    await getFileSystem(this.clusterDir).delete(this.clusterDir, true);
    await this.close();
  }

  /** `<storageDir>/<cluster-id>/<name>`, for tests and tools. */
  storagePath(name: string): string {
    return childPath(this.clusterDir, name);
  }
}

/**
 * The store with every method starting the services first, so callers may use a store before (or without)
 * calling start(). The stores' methods are all async, so each wrapped call stays a promise.
 */
function afterStart<T extends object>(target: T, ready: () => Promise<void>): T {
  return new Proxy(target, {
    get(t, prop, receiver) {
      const value: unknown = Reflect.get(t, prop, receiver);
      if (typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        await ready();
        return (value as (...a: unknown[]) => unknown).apply(t, args);
      };
    },
  });
}
