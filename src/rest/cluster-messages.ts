/**
 * Payloads of the cluster-wide endpoints (`/config`, `/overview`, `/taskmanagers`, `/jobmanager/*`) and the
 * error body, with Flink's JSON field names.
 */

/** Every error answer: `{"errors": [...]}` with the HTTP status saying which kind. */
export interface ErrorResponseBody {
  errors: string[];
}

export interface DashboardFeatures {
  'web-submit': boolean;
  'web-cancel': boolean;
  /** Reactive rescaling from the web UI; flink-ts has none. */
  'web-rescale': boolean;
  /** True only on Flink's HistoryServer. */
  'web-history': boolean;
}

/** `GET /config`, the web UI's dashboard configuration. */
export interface DashboardConfiguration {
  'refresh-interval': number;
  'timezone-name': string;
  /** Offset from UTC in milliseconds. */
  'timezone-offset': number;
  'flink-version': string;
  'flink-revision': string;
  features: DashboardFeatures;
}

/** `GET /overview`. */
export interface ClusterOverviewWithVersion {
  taskmanagers: number;
  'slots-total': number;
  'slots-available': number;
  'jobs-running': number;
  'jobs-finished': number;
  'jobs-cancelled': number;
  'jobs-failed': number;
  'flink-version': string;
  'flink-commit': string;
}

/** A share of a TaskManager's resources (Flink's `ResourceProfileInfo`); memory in MiB. */
export interface ResourceProfileInfo {
  cpuCores: number;
  taskHeapMemory: number;
  taskOffHeapMemory: number;
  managedMemory: number;
  networkMemory: number;
  extendedResources: Record<string, number>;
}

/** What a TaskManager reported about its host and process at registration; bytes. */
export interface HardwareDescription {
  cpuCores: number;
  physicalMemory: number;
  /** Flink's name for the process's maximum heap (for flink-ts: V8's heap size limit), not free RAM. */
  freeMemory: number;
  managedMemory: number;
}

/** How a TaskManager's memory is divided (Flink's `TaskExecutorMemoryConfiguration`); bytes. */
export interface TaskExecutorMemoryConfiguration {
  frameworkHeap: number;
  taskHeap: number;
  frameworkOffHeap: number;
  taskOffHeap: number;
  networkMemory: number;
  managedMemory: number;
  jvmMetaspace: number;
  jvmOverhead: number;
  totalFlinkMemory: number;
  totalProcessMemory: number;
}

/** One TaskManager in `GET /taskmanagers`. */
export interface TaskManagerInfo {
  id: string;
  path: string;
  dataPort: number;
  /** -1: flink-ts daemons have no JMX. */
  jmxPort: number;
  /** Despite the name, the time of the last heartbeat in ms since the epoch (Flink's meaning). */
  timeSinceLastHeartbeat: number;
  slotsNumber: number;
  freeSlots: number;
  totalResource: ResourceProfileInfo;
  freeResource: ResourceProfileInfo;
  hardware: HardwareDescription;
  memoryConfiguration: TaskExecutorMemoryConfiguration;
  blocked: boolean;
}

/** `GET /taskmanagers`. */
export interface TaskManagersInfo {
  taskmanagers: TaskManagerInfo[];
}

export interface SlotInfo {
  jobId: string;
  resource: ResourceProfileInfo;
}

/** Memory figures of `GET /taskmanagers/:tmid`; 0 where flink-ts measures nothing (as Flink without metrics). */
export interface TaskManagerMetricsInfo {
  heapUsed: number;
  heapCommitted: number;
  heapMax: number;
  nonHeapUsed: number;
  nonHeapCommitted: number;
  nonHeapMax: number;
  directCount: number;
  directUsed: number;
  directMax: number;
  mappedCount: number;
  mappedUsed: number;
  mappedMax: number;
  memorySegmentsAvailable: number;
  memorySegmentsTotal: number;
  nettyShuffleMemorySegmentsAvailable: number;
  nettyShuffleMemorySegmentsUsed: number;
  nettyShuffleMemorySegmentsTotal: number;
  nettyShuffleMemoryAvailable: number;
  nettyShuffleMemoryUsed: number;
  nettyShuffleMemoryTotal: number;
  garbageCollectors: Array<{ name: string; count: number; time: number }>;
}

/** `GET /taskmanagers/:tmid`. */
export interface TaskManagerDetailsInfo extends TaskManagerInfo {
  allocatedSlots: SlotInfo[];
  metrics: TaskManagerMetricsInfo;
}

/** One entry of `GET /jobmanager/config`. */
export interface ConfigurationInfoEntry {
  key: string;
  value: string;
}

/** `GET /jobmanager/environment`: the JobManager's runtime (for flink-ts, Node.js in place of the JVM). */
export interface EnvironmentInfo {
  jvm: { version: string; arch: string; options: string[] };
  classpath: string[];
}
