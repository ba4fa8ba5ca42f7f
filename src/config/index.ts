/**
 * Typed configuration of flink-ts, read from a Flink-compatible `conf/flink-conf.yaml`.
 *
 * One registry of options (key, type, default, description, deprecated keys) drives parsing, validation and
 * docs/config.md. Values come from defaults < flink-conf.yaml < environment (FLINK_LOG_DIR, FLINK_PID_DIR,
 * FLINK_SSH_OPTS) < dynamic properties (-D key=value). A bad value fails at load time with one line naming
 * the file and line (or `-D key`) and what to write instead.
 *
 * @example
 * ```ts
 * import { loadConfiguration, TaskManagerOptions, HeartbeatManagerOptions } from '../config/index.js';
 *
 * const conf = loadConfiguration({ dynamicProperties: { 'taskmanager.numberOfTaskSlots': '4' } });
 * const slots = conf.get(TaskManagerOptions.NUM_TASK_SLOTS);              // 4
 * const timeoutMs = conf.get(HeartbeatManagerOptions.HEARTBEAT_TIMEOUT);  // 50000 (durations are ms)
 * const forTaskManagers = conf.toMap();                                   // explicitly set keys as strings
 * ```
 */
export type { ConfigOption, OptionType } from './config-option.js';
export { ALL_OPTIONS, OPTION_GROUPS, type OptionGroup } from './all-options.js';
export {
  BlobServerOptions,
  ClientOptions,
  ClusterOptions,
  CoreOptions,
  HeartbeatManagerOptions,
  JobManagerOptions,
  MIN_DAEMON_HEAP_BYTES,
  RestOptions,
  TaskManagerOptions,
  WebOptions,
} from './cluster-options.js';
export {
  CheckpointingOptions,
  DeploymentOptions,
  ExecutionOptions,
  PipelineOptions,
  RestartStrategyOptions,
  SavepointConfigOptions,
  savepointRestoreSettings,
} from './execution-options.js';
export { FileSystemOptions } from './file-system-options.js';
export { HighAvailabilityOptions, JobResultStoreOptions } from './high-availability-options.js';
export {
  MetricOptions,
  metricReporters,
  PROMETHEUS_REPORTER_CLASS,
  PROMETHEUS_REPORTER_FACTORY,
  type MetricReportersConfig,
  type PrometheusReporterSetup,
} from './metric-options.js';
export { namedOption } from './named-option.js';
export { SecurityOptions } from './security-options.js';
export { HIDDEN_VALUE, hideSensitiveValues, isSensitiveKey } from './sensitive-keys.js';
export { restSslClientOptions, restSslServerOptions, restScheme, type RestSslClientOptions, type RestSslServerOptions } from './rest-ssl.js';
export { YarnConfigOptions } from './yarn-config-options.js';
export { Configuration, ignoredKeyWarning, type IgnoredFlinkKey } from './configuration.js';
export { ConfigurationError } from './configuration-error.js';
export { confDir, flinkHome, loadConfiguration, logDir, parseDynamicProperty, restAddress, type LoadOptions } from './loader.js';
export { daemonHeap, describeHeapSetting, managedMemory, slotHeap, MIN_SLOT_HEAP_BYTES, type HeapSetting, type ManagedMemory, type SlotHeap } from './memory.js';
export { parseDuration, parseMemorySize } from './units.js';
/** Checking one value against its option, for APIs that set options (the environment's setters). */
export { lookupOption } from './all-options.js';
export { convert, formatReadable } from './values.js';
