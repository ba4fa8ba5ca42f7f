/**
 * Options of high availability (leader election and recovery through ZooKeeper), under Flink's keys.
 *
 * Two defaults differ from Flink's on purpose, so that a JobManager killed with `kill -9` is replaced in well under
 * 10 s while a short ZooKeeper hiccup costs nothing: the session timeout (5 s instead of 60 s) and
 * tolerate-suspended-connections (true instead of false). Their descriptions say what the choice trades.
 */
import { atLeast, booleanOption, durationOption, enumOption, intOption, portRange, positiveDuration, stringOption } from './config-option.js';

/** ZooKeeper grants session timeouts between 2 and 20 ticks (4 s to 40 s with its default tickTime of 2 s). */
const SESSION_TIMEOUT_DESCRIPTION =
  'The ZooKeeper session timeout. A JobManager that dies without closing its session (kill -9, a crashed host) ' +
  'keeps its leadership until ZooKeeper expires the session, so this is the largest part of the failover time: a ' +
  'standby takes over about this long (plus up to one ZooKeeper tick, 2 s by default) after the leader died. It is ' +
  'also how long a leader may be cut off from ZooKeeper before it gives up leadership (see ' +
  'tolerate-suspended-connections). Shorter: faster failover, but a leader that cannot reach ZooKeeper for that long ' +
  '(a ZooKeeper restart, a network or host stall) steps down and its jobs restart. Longer: the reverse. ZooKeeper ' +
  'clamps the value to its minSessionTimeout..maxSessionTimeout (by default 2 and 20 times its tickTime, i.e. 4 s to ' +
  '40 s). Differs from Flink, whose default is 60 s.';

const TOLERATE_SUSPENDED_DESCRIPTION =
  'Whether a leader keeps leadership while its ZooKeeper connection is suspended (broken, but the session may still ' +
  'be alive). With true, jobs go on through a ZooKeeper restart or a failover inside the ensemble, and leadership is ' +
  'given up only when the session is lost: expired, or no answer from ZooKeeper for 90% of the session timeout ' +
  '(before ZooKeeper can expire the session and let a standby lead, so two leaders never act at once). With false ' +
  '(Flink\'s default), every connection break revokes leadership and restarts the jobs, as in FLINK-10052. ' +
  'Writes of a leader to the recovery data are fenced in ZooKeeper either way. Differs from Flink, whose default is false.';

export const HighAvailabilityOptions = Object.freeze({
  HA_MODE: enumOption('high-availability', ['NONE', 'ZOOKEEPER'], 'NONE', {
    description:
      'The high-availability mode: NONE (one JobManager) or ZOOKEEPER (leader election and recovery through ZooKeeper, ' +
      'with the recovery data in high-availability.storageDir). Flink 1.17 and later spell the key high-availability.type; ' +
      'both are accepted, and high-availability wins when both are set.',
    deprecatedKeys: ['high-availability.type', 'recovery.mode'],
  }),
  HA_CLUSTER_ID: stringOption('high-availability.cluster-id', '/default', {
    description:
      'The id of the cluster, which separates the data of clusters sharing one ZooKeeper and storage directory: ' +
      'ZooKeeper nodes live under <path.root><cluster-id>, files under <storageDir>/<cluster-id>. `bin/flink -z` overrides it.',
    deprecatedKeys: ['high-availability.zookeeper.path.namespace', 'recovery.zookeeper.path.namespace'],
  }),
  HA_STORAGE_PATH: stringOption('high-availability.storageDir', undefined, {
    description:
      'The directory (URI) where the JobManagers keep recovery data (job graphs, job bundles, job results); ZooKeeper ' +
      'holds only pointers to it. Every JobManager must reach it: hdfs://<namenode>:<port>/<path> in production, ' +
      'file:///<path> on storage all JobManagers share. Required with high-availability: zookeeper; checked when the ' +
      'JobManager starts.',
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
  ZOOKEEPER_SESSION_TIMEOUT: durationOption('high-availability.zookeeper.client.session-timeout', 5_000, {
    description: SESSION_TIMEOUT_DESCRIPTION,
    deprecatedKeys: ['recovery.zookeeper.client.session-timeout'],
    validate: positiveDuration,
  }),
  ZOOKEEPER_CONNECTION_TIMEOUT: durationOption('high-availability.zookeeper.client.connection-timeout', 15_000, {
    description:
      'How long a process waits for its first connection to ZooKeeper before it fails with an error naming ' +
      'high-availability.zookeeper.quorum.',
    deprecatedKeys: ['recovery.zookeeper.client.connection-timeout'],
    validate: positiveDuration,
  }),
  ZOOKEEPER_RETRY_WAIT: durationOption('high-availability.zookeeper.client.retry-wait', 5_000, {
    description:
      'The longest pause before an operation cut off by a broken ZooKeeper connection is tried again; it is tried at ' +
      'once when the connection comes back earlier.',
    deprecatedKeys: ['recovery.zookeeper.client.retry-wait'],
    validate: positiveDuration,
  }),
  ZOOKEEPER_MAX_RETRY_ATTEMPTS: intOption('high-availability.zookeeper.client.max-retry-attempts', 3, {
    description: 'How many times an operation cut off by a broken ZooKeeper connection is tried again before it fails.',
    deprecatedKeys: ['recovery.zookeeper.client.max-retry-attempts'],
    validate: atLeast(0),
  }),
  ZOOKEEPER_CLIENT_ACL: enumOption('high-availability.zookeeper.client.acl', ['open', 'creator'], 'open', {
    description:
      'The ACL of the znodes flink-ts creates: open (anyone may read and change them) or creator (only sessions ' +
      'authenticated as the creator). creator needs high-availability.zookeeper.client.authorization, since flink-ts ' +
      'authenticates with ZooKeeper digest credentials rather than Kerberos (SASL).',
  }),
  ZOOKEEPER_CLIENT_AUTHORIZATION: stringOption('high-availability.zookeeper.client.authorization', undefined, {
    description:
      'Credentials every ZooKeeper session presents, as scheme:auth pairs separated by commas; the first colon ' +
      'separates the scheme, e.g. digest:flink:secret (ZooKeeper\'s built-in digest scheme, user flink, password ' +
      'secret). Needed with high-availability.zookeeper.client.acl: creator. The value is hidden in the REST API.',
  }),
  ZOOKEEPER_TOLERATE_SUSPENDED_CONNECTIONS: booleanOption('high-availability.zookeeper.client.tolerate-suspended-connections', true, {
    description: TOLERATE_SUSPENDED_DESCRIPTION,
  }),
  HA_JOB_MANAGER_PORT_RANGE: stringOption('high-availability.jobmanager.port', '0', {
    description:
      'The port (or port range, e.g. 50100-50200) of the JobManager RPC endpoint in high-availability mode, used instead ' +
      'of jobmanager.rpc.port. 0 picks a free port; TaskManagers find it through leader election.',
    deprecatedKeys: ['recovery.jobmanager.port'],
    validate: portRange,
  }),
});

/** Where job results are kept while (and, if wanted, after) a finished job's data is cleaned up. */
export const JobResultStoreOptions = Object.freeze({
  STORAGE_PATH: stringOption('job-result-store.storage-path', undefined, {
    description:
      'The directory (URI) of the job result store, which records jobs that reached a globally terminal state so a ' +
      'new leader does not run them again.',
    defaultDescription: '<high-availability.storageDir>/job-result-store/<cluster-id>',
  }),
  DELETE_ON_COMMIT: booleanOption('job-result-store.delete-on-commit', true, {
    description:
      'Whether a job\'s result file is deleted once the job\'s data was cleaned up (true) or kept as <jobid>.json (false).',
  }),
});
