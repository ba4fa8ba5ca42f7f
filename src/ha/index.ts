/**
 * High availability: leader election and retrieval plus the recovery stores (job graphs, completed checkpoints,
 * checkpoint id counters, job results, blobs) behind one interface, chosen by the `high-availability` option:
 * `NONE` (one JobManager, everything in memory) or `ZOOKEEPER` (Flink's 1.15+ ZooKeeper layout, recovery data in
 * `high-availability.storageDir`). See docs/high-availability.md.
 *
 * ```ts
 * const ha = createHaServices(conf);            // config errors here (missing quorum, unsupported storageDir scheme)
 * await ha.start();                             // unreachable storageDir or ZooKeeper: one line naming the key
 * const election = ha.jobManagerLeaderElection();
 * await election.start({
 *   grantLeadership: async (id) => {
 *     await election.confirmLeadership(id, 'host:6123', 'resource_manager');
 *     await election.confirmLeadership(id, 'http://host:8081', 'rest_server');
 *   },
 *   revokeLeadership: async () => { ... },
 * });
 * await ha.jobManagerLeaderRetrieval().start((leader) => console.log(leader?.address, leader?.leaderSessionId));
 * ```
 */
import { HighAvailabilityOptions, JobManagerOptions, RestOptions, restAddress, restScheme, type Configuration } from '../config/index.js';
import type { ClientHighAvailabilityServices } from './client-ha-services.js';
import type { HighAvailabilityServices } from './high-availability-services.js';
import { StandaloneHaServices } from './standalone-ha-services.js';
import { ZooKeeperClientHaServices } from './zookeeper/zookeeper-client-ha-services.js';
import { ZooKeeperHaServices } from './zookeeper/zookeeper-ha-services.js';
import { zooKeeperClientSettings, zooKeeperHaSettings } from './zookeeper/zookeeper-ha-settings.js';

export type {
  HighAvailabilityServices,
  LeaderComponent,
  LeaderContender,
  LeaderElection,
  LeaderInformation,
  LeaderRetrieval,
} from './high-availability-services.js';
export type { ClientHighAvailabilityServices } from './client-ha-services.js';
export { awaitLeader } from './leader-retrieval-utils.js';
export type {
  BlobStore,
  CheckpointIdCounter,
  CompletedCheckpointPointer,
  CompletedCheckpointStore,
  JobApplicationStatus,
  JobGraphStore,
  JobResultEntry,
  JobResultStore,
} from './recovery-stores.js';
export {
  HaDataCorruptError,
  HaDataLockedError,
  HaServicesClosedError,
  HaStorageDirError,
  JobResultEntryError,
  NotLeaderError,
  ZooKeeperAuthError,
  ZooKeeperConnectionLostError,
  ZooKeeperOperationError,
  ZooKeeperUnreachableError,
} from './ha-errors.js';
export { DEFAULT_LEADER_ID, StandaloneHaServices } from './standalone-ha-services.js';
export { InMemoryCheckpointIdCounter } from './in-memory-checkpoint-id-counter.js';
export { InMemoryCompletedCheckpointStore } from './in-memory-completed-checkpoint-store.js';
export { InMemoryJobGraphStore } from './in-memory-job-graph-store.js';
export { InMemoryJobResultStore } from './in-memory-job-result-store.js';
export { VoidBlobStore } from './void-blob-store.js';
export { FileSystemBlobStore } from './file-system-blob-store.js';
export { FileSystemJobResultStore } from './file-system-job-result-store.js';
export { ZooKeeperHaServices, type ZooKeeperHaSettings } from './zookeeper/zookeeper-ha-services.js';
export { ZooKeeperClientHaServices, type ZooKeeperClientHaSettings } from './zookeeper/zookeeper-client-ha-services.js';
export { zooKeeperClientSettings, zooKeeperHaSettings } from './zookeeper/zookeeper-ha-settings.js';
export { ZooKeeperClient, type ConnectionState, type ZooKeeperClientSettings } from './zookeeper/zookeeper-client.js';
export { LeaderComponents, ZooKeeperPaths, zooKeeperNamespace } from './zookeeper/zookeeper-paths.js';

/**
 * The services the configuration asks for, not yet started. Throws a ConfigurationError or HaStorageDirError (one
 * line naming the key) for settings that cannot work, without I/O; start() checks reachability.
 * `overrides` are the actual ports of this JobManager (NONE publishes them directly).
 */
export function createHaServices(conf: Configuration, overrides: { rpcPort?: number; restPort?: number } = {}): HighAvailabilityServices {
  const mode = conf.get(HighAvailabilityOptions.HA_MODE);
  if (mode === 'ZOOKEEPER') return new ZooKeeperHaServices(zooKeeperHaSettings(conf));
  const rpc = `${conf.get(JobManagerOptions.ADDRESS)}:${overrides.rpcPort ?? conf.get(JobManagerOptions.PORT)}`;
  const rest = `${restScheme(conf)}://${restAddress(conf)}:${overrides.restPort ?? conf.get(RestOptions.PORT)}`;
  return new StandaloneHaServices(rpc, rest);
}

/**
 * What a client (bin/flink, the wait of bin/start-cluster.sh) needs to find the REST leader, not yet started.
 * ZOOKEEPER needs only the quorum (no storage directory); NONE names the configured rest.address and rest.port.
 */
export function createClientHaServices(conf: Configuration): ClientHighAvailabilityServices {
  if (conf.get(HighAvailabilityOptions.HA_MODE) === 'ZOOKEEPER') return new ZooKeeperClientHaServices(zooKeeperClientSettings(conf));
  return createHaServices(conf);
}
