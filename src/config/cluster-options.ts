/**
 * Options of the cluster processes: JobManager, TaskManager, REST endpoint, heartbeats, daemon environment,
 * blob server and web frontend.
 */
import os from 'node:os';
import {
  enumOption,
  atLeast,
  between,
  booleanOption,
  doubleOption,
  durationOption,
  intOption,
  listOption,
  memoryOption,
  port,
  portRange,
  positiveDuration,
  stringOption,
} from './config-option.js';
import { formatMemorySize } from './units.js';

const MIB = 1024 * 1024;

/**
 * The least heap a JobManager or TaskManager daemon may be given. Measured (docs/config.md): a TaskManager
 * starts with 8 MiB of old space and a JobManager with 12 MiB; a slot running WordCount over 13 MB of text
 * (50,000 distinct words) needs 16 MiB (streaming) to 32 MiB (batch). Less than 64m only trades a clear error
 * now for an out-of-memory death later.
 */
export const MIN_DAEMON_HEAP_BYTES = 64 * MIB;

function positiveBytes(value: number): string | undefined {
  return value > 0 ? undefined : `${value} bytes is out of range. Use a size greater than zero, e.g. 1024m`;
}

function daemonHeap(value: number): string | undefined {
  if (value >= MIN_DAEMON_HEAP_BYTES) return undefined;
  const plain = value < MIB ? ' (a number without a unit means bytes)' : '';
  return (
    `${formatMemorySize(value)}${plain} is below the minimum of ${formatMemorySize(MIN_DAEMON_HEAP_BYTES)}: ` +
    'a daemon needs about 10 MiB of heap just to start, and its jobs need room for their data. Use 64m or more'
  );
}

export const JobManagerOptions = Object.freeze({
  ADDRESS: stringOption('jobmanager.rpc.address', 'localhost', {
    description:
      'The host name or IP address of the JobManager. TaskManagers and clients connect to it; the REST endpoint ' +
      'uses it too unless rest.address is set. Ignored in high-availability mode, where the leader publishes its address.',
  }),
  PORT: intOption('jobmanager.rpc.port', 6123, {
    description: 'The port of the JobManager RPC endpoint. In high-availability mode high-availability.jobmanager.port is used instead.',
    validate: port,
  }),
  BIND_HOST: stringOption('jobmanager.bind-host', undefined, {
    description: 'The local address the JobManager RPC endpoint binds to. If unset, the value of jobmanager.rpc.address is used.',
  }),
  HEAP_SIZE: memoryOption('jobmanager.heap.size', 1024 * MIB, {
    description: 'The heap limit of the JobManager process (its --max-old-space-size). At least 64m.',
    validate: daemonHeap,
  }),
  TOTAL_PROCESS_MEMORY: memoryOption('jobmanager.memory.process.size', undefined, {
    description:
      'The memory of the JobManager process. When set, it takes precedence over jobmanager.heap.size and is used ' +
      'as the heap limit (Node.js has one limit where the JVM has several). At least 64m.',
    validate: daemonHeap,
  }),
  SLOT_REQUEST_TIMEOUT: durationOption('slot.request.timeout', 300_000, {
    description: 'How long a job waits for a slot from the resource manager before the request fails.',
    validate: positiveDuration,
  }),
  EXECUTION_FAILOVER_STRATEGY: enumOption('jobmanager.execution.failover-strategy', ['full', 'region'], 'region', {
    description:
      'What a task failure restarts: region restarts only the subtasks that exchange data with the failed one (a job of ' +
      'forward exchanges only has one region per subtask index); full restarts every task.',
  }),
});

export const TaskManagerOptions = Object.freeze({
  RESOURCE_ID: stringOption('taskmanager.resource-id', undefined, {
    description:
      "The TaskManager's id at the ResourceManager (in its logs, the REST API's TaskManager ids). If unset, a random one. " +
      'On YARN the ApplicationMaster sets it to the container id.',
  }),
  NUM_TASK_SLOTS: intOption('taskmanager.numberOfTaskSlots', 1, {
    description: 'The number of slots a TaskManager offers. Each slot runs one parallel pipeline of a job.',
    validate: atLeast(1),
  }),
  HEAP_SIZE: memoryOption('taskmanager.heap.size', 1024 * MIB, {
    description:
      'The heap of a TaskManager process. Its main thread gets it as its limit (--max-old-space-size), and each slot ' +
      "(a worker thread) gets an equal share as its own limit: a task that outgrows its slot's share fails with an " +
      'out-of-memory error naming the slot, and the TaskManager keeps running. At least 64m, and at least 16m per slot.',
    validate: daemonHeap,
  }),
  TOTAL_PROCESS_MEMORY: memoryOption('taskmanager.memory.process.size', undefined, {
    description:
      'The memory of a TaskManager process. When set, it takes precedence over taskmanager.heap.size and is used as ' +
      'that heap (Node.js has one limit where the JVM has several). At least 64m, and at least 16m per slot.',
    validate: daemonHeap,
  }),
  HOST: stringOption('taskmanager.host', undefined, {
    description:
      'The address under which the TaskManager is reachable by the JobManager and other TaskManagers. If unset, ' +
      'the TaskManager picks the address of the interface that reaches the JobManager.',
  }),
  BIND_HOST: stringOption('taskmanager.bind-host', undefined, {
    description: 'The local address the TaskManager binds its network sockets to. If unset, taskmanager.host is used.',
  }),
  DATA_PORT: intOption('taskmanager.data.port', 0, {
    description: 'The port of the TaskManager data exchange (shuffle) server. 0 picks a free port.',
    validate: port,
  }),
  RPC_PORT: stringOption('taskmanager.rpc.port', '0', {
    description: 'The port (or port range, e.g. 50100-50200, or a comma-separated list) of the TaskManager RPC endpoint. 0 picks a free port.',
    validate: portRange,
  }),
  BUFFERS_PER_CHANNEL: intOption('taskmanager.network.memory.buffers-per-channel', 2, {
    description: 'The number of exclusive network buffers of each input channel.',
    validate: atLeast(0),
  }),
  FLOATING_BUFFERS_PER_GATE: intOption('taskmanager.network.memory.floating-buffers-per-gate', 8, {
    description: 'The number of extra network buffers shared by all input channels of an input gate.',
    validate: atLeast(0),
  }),
  SEGMENT_SIZE: memoryOption('taskmanager.memory.segment-size', 32 * 1024, {
    description: 'The size of the network buffers (memory segments) exchanged between tasks.',
    validate: (v) => (v >= 4096 ? undefined : `${v} bytes is out of range. Use a size of at least 4kb`),
  }),
  REGISTRATION_TIMEOUT: durationOption('taskmanager.registration.timeout', 300_000, {
    description: 'How long a TaskManager tries to register at the resource manager before it shuts down.',
    deprecatedKeys: ['taskmanager.maxRegistrationDuration'],
    validate: positiveDuration,
  }),
  TASK_CANCELLATION_TIMEOUT: durationOption('task.cancellation.timeout', 180_000, {
    description:
      "How long a cancelled task's thread may take to end. When it elapses the TaskManager stops with a fatal error, " +
      "as in Flink: a thread that cannot be ended keeps its slot's memory until its process ends. 0 waits forever. A " +
      'task thread that stops by itself (out of memory) but cannot finish its teardown is reported as failed within ' +
      'seconds, whatever this says, so its job restarts.',
    validate: atLeast(0),
  }),
  MANAGED_MEMORY_SIZE: memoryOption('taskmanager.memory.managed.size', undefined, {
    description:
      'The managed memory of a TaskManager: the part of its heap that sorts, hash tables, grouped state and cached ' +
      'inputs of batch operators may fill before they spill to io.tmp.dirs. Each slot (a worker thread with a heap ' +
      'of its own) gets an equal share, which the tasks running in that slot draw from; sizes are estimated from a ' +
      'sample of the records. When set, it takes precedence over taskmanager.memory.managed.fraction. It must be ' +
      "smaller than the TaskManager's heap (taskmanager.heap.size or taskmanager.memory.process.size). A job that " +
      'cannot finish in its share (one group handed to reduceGroup that does not fit, say) fails with a message ' +
      'naming this key.',
    validate: positiveBytes,
  }),
  MANAGED_MEMORY_FRACTION: doubleOption('taskmanager.memory.managed.fraction', 0.4, {
    description:
      "The managed memory as a fraction of the TaskManager's heap (taskmanager.heap.size or " +
      'taskmanager.memory.process.size), used when taskmanager.memory.managed.size is not set. Each slot gets an ' +
      'equal share. Unlike Flink, where managed memory lies outside the JVM heap, it is part of the heap here: the ' +
      'rest of the heap holds the records in flight, user objects and the runtime, so the fraction is capped at 0.9.',
    validate: (v) => (v > 0 ? between(0, 0.9)(v) : `${v} is out of range. Use a fraction greater than 0 and at most 0.9`),
  }),
});

export const RestOptions = Object.freeze({
  PORT: intOption('rest.port', 8081, {
    description: 'The port the REST client connects to, and the port the REST server binds to unless rest.bind-port is set.',
    deprecatedKeys: ['web.port'],
    validate: port,
  }),
  ADDRESS: stringOption('rest.address', undefined, {
    description: 'The address clients use to reach the REST endpoint. If unset, jobmanager.rpc.address is used.',
  }),
  BIND_ADDRESS: stringOption('rest.bind-address', undefined, {
    description:
      'The local address the REST server binds to. If unset, it binds to the address clients use: rest.address, else ' +
      'jobmanager.rpc.address (or the host given to jobmanager.sh start <host>), which is localhost by default, so the ' +
      'REST API then answers on this machine only. Set 0.0.0.0 (or ::) to listen on every interface; see ' +
      'security.ssl.rest.* to protect it.',
    deprecatedKeys: ['web.address'],
  }),
  BIND_PORT: stringOption('rest.bind-port', undefined, {
    description: 'The port (or port range, e.g. 50100-50200) the REST server binds to. If unset, rest.port is used.',
    validate: portRange,
  }),
  SERVER_MAX_CONTENT_LENGTH: intOption('rest.server.max-content-length', 104_857_600, {
    description: 'The largest request body, in bytes, the REST server accepts.',
    validate: atLeast(1),
  }),
  CLIENT_MAX_CONTENT_LENGTH: intOption('rest.client.max-content-length', 104_857_600, {
    description: 'The largest response body, in bytes, the REST client accepts.',
    validate: atLeast(1),
  }),
  CONNECTION_TIMEOUT: durationOption('rest.connection-timeout', 15_000, {
    description: 'How long the REST client waits for a connection to be established.',
    validate: positiveDuration,
  }),
  RETRY_MAX_ATTEMPTS: intOption('rest.retry.max-attempts', 20, {
    description:
      'How many times the client retries a REST operation that can be retried. With ZooKeeper HA, rest.retry.max-attempts × rest.retry.delay is how ' +
      "long a client's reads (an attached bin/flink run waiting for its result, list, info) follow the leader through a failover.",
    validate: atLeast(0),
  }),
  RETRY_DELAY: durationOption('rest.retry.delay', 3_000, {
    description: 'The pause between retries of a REST operation.',
    validate: atLeast(0),
  }),
  AWAIT_LEADER_TIMEOUT: durationOption('rest.await-leader-timeout', 30_000, {
    description: 'How long the client waits for a leading REST endpoint to become known.',
    validate: positiveDuration,
  }),
  ASYNC_OPERATION_STORE_DURATION: durationOption('rest.async.store-duration', 300_000, {
    description:
      'How long the result of an asynchronous operation (a savepoint, a savepoint disposal) can be fetched after it ended. 0 keeps results until newer ones push them out.',
    validate: atLeast(0),
  }),
});

/** Options of the command line client (Flink's ClientOptions). */
export const ClientOptions = Object.freeze({
  CLIENT_TIMEOUT: durationOption('client.timeout', 60_000, {
    description: 'How long bin/flink waits for an operation on the cluster, such as a savepoint, to complete.',
    deprecatedKeys: ['akka.client.timeout'],
    validate: positiveDuration,
  }),
});

export const CoreOptions = Object.freeze({
  DEFAULT_PARALLELISM: intOption('parallelism.default', 1, {
    description: 'The parallelism of operators and jobs that do not set one.',
    validate: atLeast(1),
  }),
  TMP_DIRS: listOption('io.tmp.dirs', [os.tmpdir()], {
    description:
      "Directories for temporary files, separated by ',' or the platform's path separator. Several directories are used in turn.",
    separators: [',', process.platform === 'win32' ? ';' : ':'],
    deprecatedKeys: ['taskmanager.tmp.dirs'],
    defaultDescription: 'the system temp directory',
    validate: (dirs) => (dirs.length > 0 ? undefined : 'the list is empty. Name at least one directory'),
  }),
  FLINK_LOG_DIR: stringOption('env.log.dir', undefined, {
    description: 'The directory of the daemon log files. If unset, <FLINK_HOME>/log. The environment variable FLINK_LOG_DIR overrides the file.',
  }),
  FLINK_PID_DIR: stringOption('env.pid.dir', '/tmp', {
    description: 'The directory of the daemon PID files. The environment variable FLINK_PID_DIR overrides the file.',
  }),
  FLINK_SSH_OPTS: stringOption('env.ssh.opts', undefined, {
    description:
      'OpenSSH options for reaching other hosts when the cluster scripts start or stop daemons there (ssh2 client): -p, -i, -l, -4, -6, ' +
      'and -o Port, User, IdentityFile, IdentitiesOnly, StrictHostKeyChecking, UserKnownHostsFile, GlobalKnownHostsFile, ' +
      'ConnectTimeout (default 20 s), BatchMode, ServerAliveInterval, ServerAliveCountMax, AddressFamily; others are refused. ' +
      'FLINK_SSH_OPTS overrides the file.',
  }),
  FLINK_JVM_OPTIONS: stringOption('env.java.opts', '', {
    description: "Accepted for compatibility with Flink's configuration files; flink-ts runs on Node.js and ignores it.",
  }),
  FLINK_NODE_OPTIONS: stringOption('env.node.opts', '', {
    description: 'Extra node command-line flags for the JobManager and TaskManager daemons, e.g. --max-old-space-size=2048.',
  }),
});

export const HeartbeatManagerOptions = Object.freeze({
  HEARTBEAT_INTERVAL: durationOption('heartbeat.interval', 10_000, {
    description: 'The time between heartbeat requests from the JobManager to TaskManagers and from the resource manager to job masters.',
    validate: positiveDuration,
  }),
  HEARTBEAT_TIMEOUT: durationOption('heartbeat.timeout', 50_000, {
    description: 'How long a component may go without a heartbeat answer before it is considered lost.',
    validate: positiveDuration,
  }),
});

export const BlobServerOptions = Object.freeze({
  STORAGE_DIRECTORY: stringOption('blob.storage.directory', undefined, {
    description: 'Where the JobManager keeps job bundles: a local directory or a URI such as hdfs:///flink/blobs. If unset, a directory under io.tmp.dirs.',
  }),
  PORT: stringOption('blob.server.port', '0', {
    description: 'The port (or port range) of the blob server on the JobManager. 0 picks a free port.',
    validate: portRange,
  }),
});

export const WebOptions = Object.freeze({
  SUBMIT_ENABLE: booleanOption('web.submit.enable', true, {
    description:
      'Whether new jobs may come in over the REST API. false refuses uploads and runs (/jars/...) and job submissions ' +
      '(POST /jobs, which bin/flink run uses) with 403, and GET /config reports web-submit: false. Unlike Flink, which ' +
      'keeps POST /jobs open, flink-ts then accepts no new jobs at all; listing and cancelling still work.',
  }),
  UPLOAD_DIR: stringOption('web.upload.dir', undefined, {
    description: 'The directory for uploaded job archives. If unset, a directory under io.tmp.dirs.',
  }),
  UPLOAD_MAX_FILES: intOption('web.upload.max-files', 100, {
    description:
      'flink-ts only (Flink has no cap). How many uploaded programs (POST /jars/upload) the JobManager keeps at once, ' +
      'uploads in progress included. One more is refused with 409 until programs are deleted (DELETE /jars/:jarid).',
    validate: atLeast(1),
  }),
  UPLOAD_MAX_TOTAL_SIZE: memoryOption('web.upload.max-total-size', 1024 * MIB, {
    description:
      'flink-ts only (Flink has no cap). How much disk the uploaded programs may take together, uploads in progress ' +
      'included. An upload that would go over it is refused with 409. Each single request is also bounded by ' +
      'rest.server.max-content-length.',
    validate: positiveBytes,
  }),
  REFRESH_INTERVAL: durationOption('web.refresh-interval', 3_000, {
    description: 'The refresh interval the web frontend is told to use (GET /config).',
    validate: positiveDuration,
  }),
});

export const ClusterOptions = Object.freeze({
  EVENLY_SPREAD_OUT_SLOTS: booleanOption('cluster.evenly-spread-out-slots', false, {
    description: 'Whether the resource manager spreads slots evenly over all TaskManagers instead of filling one TaskManager first.',
  }),
});
