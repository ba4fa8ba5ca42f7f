/** Options of high availability (leader election and recovery through ZooKeeper). */
import { atLeast, booleanOption, durationOption, enumOption, intOption, portRange, positiveDuration, stringOption } from './config-option.js';

export const HighAvailabilityOptions = Object.freeze({
  HA_MODE: enumOption('high-availability', ['NONE', 'ZOOKEEPER'], 'NONE', {
    description: 'The high-availability mode: NONE (one JobManager) or ZOOKEEPER (leader election and recovery through ZooKeeper).',
    deprecatedKeys: ['high-availability.type', 'recovery.mode'],
  }),
  HA_CLUSTER_ID: stringOption('high-availability.cluster-id', '/default', {
    description: 'The id of the cluster, which separates the data of clusters sharing one ZooKeeper and storage directory.',
    deprecatedKeys: ['high-availability.zookeeper.path.namespace', 'recovery.zookeeper.path.namespace'],
  }),
  HA_STORAGE_PATH: stringOption('high-availability.storageDir', undefined, {
    description: 'The directory (URI) where JobManager metadata (job graphs, completed checkpoints) is persisted. Required with high availability.',
    deprecatedKeys: ['high-availability.zookeeper.storageDir', 'recovery.zookeeper.storageDir'],
  }),
  HA_ZOOKEEPER_QUORUM: stringOption('high-availability.zookeeper.quorum', undefined, {
    description: 'The ZooKeeper servers as host:port pairs separated by commas. Required with high-availability: zookeeper.',
    deprecatedKeys: ['recovery.zookeeper.quorum'],
  }),
  HA_ZOOKEEPER_ROOT: stringOption('high-availability.zookeeper.path.root', '/flink', {
    description: 'The ZooKeeper path under which all clusters keep their data.',
    deprecatedKeys: ['recovery.zookeeper.path.root'],
  }),
  ZOOKEEPER_SESSION_TIMEOUT: durationOption('high-availability.zookeeper.client.session-timeout', 60_000, {
    description: 'The ZooKeeper session timeout.',
    deprecatedKeys: ['recovery.zookeeper.client.session-timeout'],
    validate: positiveDuration,
  }),
  ZOOKEEPER_CONNECTION_TIMEOUT: durationOption('high-availability.zookeeper.client.connection-timeout', 15_000, {
    description: 'How long the client waits for a connection to ZooKeeper.',
    deprecatedKeys: ['recovery.zookeeper.client.connection-timeout'],
    validate: positiveDuration,
  }),
  ZOOKEEPER_RETRY_WAIT: durationOption('high-availability.zookeeper.client.retry-wait', 5_000, {
    description: 'The pause between attempts to connect to ZooKeeper.',
    deprecatedKeys: ['recovery.zookeeper.client.retry-wait'],
    validate: positiveDuration,
  }),
  ZOOKEEPER_MAX_RETRY_ATTEMPTS: intOption('high-availability.zookeeper.client.max-retry-attempts', 3, {
    description: 'How many connection attempts the ZooKeeper client makes before it gives up.',
    deprecatedKeys: ['recovery.zookeeper.client.max-retry-attempts'],
    validate: atLeast(0),
  }),
  ZOOKEEPER_CLIENT_ACL: enumOption('high-availability.zookeeper.client.acl', ['open', 'creator'], 'open', {
    description: 'The ACL of the znodes Flink creates: open (anyone) or creator (only the authenticated creator).',
  }),
  ZOOKEEPER_TOLERATE_SUSPENDED_CONNECTIONS: booleanOption('high-availability.zookeeper.client.tolerate-suspended-connections', false, {
    description: 'Whether a leader keeps leadership while its ZooKeeper connection is suspended; it always loses it when the session is lost.',
  }),
  HA_JOB_MANAGER_PORT_RANGE: stringOption('high-availability.jobmanager.port', '0', {
    description:
      'The port (or port range, e.g. 50100-50200) of the JobManager RPC endpoint in high-availability mode, used instead ' +
      'of jobmanager.rpc.port. 0 picks a free port; TaskManagers find it through leader election.',
    deprecatedKeys: ['recovery.jobmanager.port'],
    validate: portRange,
  }),
});
