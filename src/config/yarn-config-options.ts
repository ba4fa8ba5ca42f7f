/** Options of running on YARN (per-job, session and application clusters). */
import { atLeast, intOption, listOption, stringOption } from './config-option.js';

const minusOneOrAtLeast = (min: number) => (v: number): string | undefined =>
  v === -1 || v >= min ? undefined : `${v} is out of range. Use -1 or a value of at least ${min}`;

export const YarnConfigOptions = Object.freeze({
  APPLICATION_ATTEMPTS: intOption('yarn.application-attempts', 1, {
    description: 'How many times YARN starts the application master. Use at least 2 with high availability.',
    validate: atLeast(1),
  }),
  VCORES: intOption('yarn.containers.vcores', -1, {
    description: 'The virtual cores of each TaskManager container. -1 uses taskmanager.numberOfTaskSlots.',
    validate: (v) => (v === -1 || v >= 1 ? undefined : `${v} is out of range. Use -1 or a value of at least 1`),
  }),
  APP_MASTER_VCORES: intOption('yarn.appmaster.vcores', 1, {
    description: 'The virtual cores of the application master container.',
    validate: atLeast(1),
  }),
  APPLICATION_QUEUE: stringOption('yarn.application.queue', undefined, {
    description: 'The YARN queue of the application. If unset, the default queue.',
  }),
  APPLICATION_NAME: stringOption('yarn.application.name', undefined, {
    description: 'The name of the YARN application.',
  }),
  APPLICATION_ID: stringOption('yarn.application.id', undefined, {
    description: 'The id of a running YARN session to submit jobs to.',
  }),
  SHIP_FILES: listOption('yarn.ship-files', undefined, {
    description: "Files and directories shipped to every container, separated by ';'.",
    separators: [';'],
    deprecatedKeys: ['yarn.ship-directories'],
  }),
  STAGING_DIRECTORY: stringOption('yarn.staging-directory', undefined, {
    description: "The directory for the application's files, under .flink/<application id>/. If unset, the file system home directory.",
  }),
  PROVIDED_LIB_DIRS: listOption('yarn.provided.lib.dirs', undefined, {
    description:
      "Shared directories (hdfs:// URIs, separated by ';') for the platform archive (flink-ts with its node_modules) and the shipped Node.js runtime. " +
      'The client uploads each content-addressed archive to the first directory once and every later submission reuses it. ' +
      'If unset, <staging directory>/.flink/lib/.',
    separators: [';'],
  }),
  NODE_PATH: stringOption('yarn.node.path', undefined, {
    description:
      'The path of the node executable on the NodeManager hosts, when they have Node.js installed (same major version as the client). ' +
      "If unset, the client ships its own node binary (uploaded once to the shared lib directory, like the platform archive).",
  }),
  PROPERTIES_FILE_LOCATION: stringOption('yarn.properties-file.location', undefined, {
    description:
      'The directory of the YARN session properties file (.yarn-properties-<user>) that lets later bin/flink commands find the session. If unset, the system temporary directory.',
  }),
  APPLICATION_TAGS: stringOption('yarn.tags', '', {
    description: 'Tags of the YARN application, separated by commas.',
  }),
  APPLICATION_TYPE: stringOption('yarn.application.type', 'Apache Flink', {
    description: 'The type YARN shows for the application.',
  }),
  APPLICATION_PRIORITY: intOption('yarn.application.priority', -1, {
    description:
      'The priority of the application in YARN (higher is more important; used when the scheduler has priorities enabled). -1 leaves it to the cluster default.',
    validate: minusOneOrAtLeast(0),
  }),
  FILE_REPLICATION: intOption('yarn.file-replication', -1, {
    description: 'The HDFS replication of the files the client uploads. -1 uses the HDFS default (dfs.replication).',
    validate: minusOneOrAtLeast(1),
  }),
  HEARTBEAT_INTERVAL: intOption('yarn.heartbeat.interval', 5, {
    description: 'Seconds between heartbeats of the application master to the YARN ResourceManager.',
    deprecatedKeys: ['yarn.heartbeat-delay'],
    validate: atLeast(1),
  }),
  CONTAINER_REQUEST_HEARTBEAT_INTERVAL: intOption('yarn.heartbeat.container-request-interval', 500, {
    description:
      'Milliseconds between heartbeats to the ResourceManager while containers are requested: lower gets containers sooner, but may allocate surplus containers that are then released.',
    validate: atLeast(1),
  }),
  MAX_FAILED_CONTAINERS: intOption('yarn.maximum-failed-containers', undefined, {
    description: 'How many failed TaskManager containers are replaced before the application fails. If unset, the number of containers initially requested.',
    validate: atLeast(0),
  }),
  APPLICATION_ATTEMPT_FAILURES_VALIDITY_INTERVAL: intOption('yarn.application-attempt-failures-validity-interval', 10_000, {
    description:
      'Milliseconds within which application master failures count towards yarn.application-attempts; older failures are forgotten. -1 counts every failure.',
    validate: minusOneOrAtLeast(0),
  }),
});
