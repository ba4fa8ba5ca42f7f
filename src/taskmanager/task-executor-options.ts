/** What a {@link TaskExecutor} is started with (taskmanager/entrypoint.ts builds it from the configuration). */
import type { MetricReportersConfig } from '../config/index.js';
import type { HdfsFileSystemOptions } from '../fs/index.js';
import type { HighAvailabilityServices, LeaderRetrieval } from '../ha/index.js';
import type { TaskSettings } from '../runtime/task/stream-task.js';
import type { TaskExecutor } from './task-executor.js';

export interface TaskExecutorOptions {
  /**
   * Where the leading JobManager's resource manager is (`host:port`) and its leader session id. The TaskExecutor
   * starts it, registers at the leader it names, and registers anew when it names another one.
   */
  jobManagerLeaderRetrieval: LeaderRetrieval;
  /**
   * The HA services the retrieval belongs to: started first (so bad HA settings fail the start with their one
   * line) and closed last, by the TaskExecutor.
   */
  haServices?: Pick<HighAvailabilityServices, 'start' | 'close'>;
  /** Where the leader is looked up, for messages (see LeaderRegistrationOptions); unset with HA NONE. */
  leaderLookup?: string;
  /** `taskmanager.resource-id`: the id this TaskManager registers under (random if unset). */
  resourceId?: string;
  slots: number;
  /** Host to advertise for data connections; default: the address we reach the JobManager from. */
  host?: string;
  bindHost?: string;
  dataPort: number;
  tmpDir: string;
  settings: TaskSettings;
  fileSystemOptions: HdfsFileSystemOptions;
  registrationTimeoutMs: number;
  rpcTimeoutMs: number;
  /**
   * The heap limit of each slot's worker thread in MiB (its maxOldGenerationSizeMb), and the setting it comes
   * from for messages ("taskmanager.heap.size: 1gb shared by 4 slots"). Unset: workers get Node's default.
   */
  slotHeap?: { megabytes: number; description: string };
  /**
   * Managed memory: each slot's budget, the key that sets it and how it came about (for messages), and the
   * io.tmp.dirs directories spill files go to. Unset: workers use the defaults of runtime/memory.
   */
  managedMemory?: { totalBytes: number; perSlotBytes: number; key: string; description: string; spillRoots: readonly string[] };
  /**
   * Set when something outside this process (the termination watchdog) reports to the JobManager how this
   * process ended; the resource manager then waits briefly for that report before failing jobs.
   */
  reportsTermination?: boolean;
  /** `task.cancellation.timeout`: how long a cancelled task thread may take to end before it is a fatal error (0: forever). */
  cancellationTimeoutMs?: number;
  /**
   * The daemon's log file (FLINK_LOG_FILE, set by bin/flink-daemon.sh and YARN launches); its stdout is the `.out`
   * next to it. Unset (in-process TaskManagers, start-foreground): the REST API has no log or stdout to show.
   */
  logFile?: string;
  /**
   * The metric reporters this TaskManager starts (Prometheus endpoints), from `metricReporters(conf)`. Unset:
   * none (the local cluster runs one set for the whole process).
   */
  metricReporters?: MetricReportersConfig;
  /** Called after each successful registration (also after reconnecting to a new leader). */
  onRegistered?: (jobManager: { host: string; port: number }, tmId: string) => void;
  /**
   * Called when the TaskExecutor gives up (registration timeout, a task thread that does not end): the process
   * should exit (see {@link TaskExecutor.hasStuckThreads} for how).
   */
  onFatal?: (err: Error) => void;
}
