/**
 * The remote interfaces between JobManager and TaskManagers, as message types. TaskManagers open one RPC
 * connection to the JobManager's resource manager and both sides call over it.
 */
import type { JobGraph } from '../graph/index.js';
import type { Placement } from '../runtime/worker/protocol.js';
import type { TaskMetrics, TaskResult } from '../runtime/task/stream-task.js';
import type { SerializedError } from '../util/errors.js';
import type { SuperstepReport } from '../runtime/iterations/iteration-channel.js';
import type { CheckpointMetadata, TaskCheckpointSettings, TaskStateHandle } from '../runtime/checkpoint/types.js';
import type { DaemonFileRef } from '../util/log-files.js';

export type { CheckpointMetadata, OperatorSubtaskState, TaskCheckpointSettings, TaskStateHandle } from '../runtime/checkpoint/types.js';

export interface HardwareDescription {
  cpuCores: number;
  physicalMemory: number;
  /** Flink's name for the maximum heap: V8's heap size limit of the TaskManager's main thread, in bytes. */
  freeMemory: number;
  managedMemory: number;
}

export interface TaskExecutorRegistration {
  tmId: string;
  /** Host other TaskManagers reach this one's data port at. */
  host: string;
  dataPort: number;
  slots: number;
  hardware: HardwareDescription;
  /** The TaskManager's process has a watchdog that reports how it ended (reportTaskManagerTermination). */
  reportsTermination?: boolean;
  /** The leader session the TaskManager registers for (fencing): refused unless the resource manager leads under it. */
  leaderSessionId?: string;
}

export interface RegistrationSuccess {
  /** The resource manager's leader session id: later calls carry it (fencing). */
  resourceManagerId: string;
  heartbeatIntervalMs: number;
  heartbeatTimeoutMs: number;
}

export interface SubmitTasks {
  jobId: string;
  /**
   * This deployment of the job (a restart deploys it again): 32 hex characters, the job id for the first
   * attempt. TaskManagers key the job's tasks and data frames by it, so nothing of an earlier attempt reaches a
   * later one.
   */
  runId: string;
  /** 0 for the first deployment, then one more per restart. */
  attempt: number;
  /** Checkpoint settings of the tasks; absent when the job takes no checkpoints. */
  checkpointing?: TaskCheckpointSettings;
  /** The checkpoint or savepoint the tasks restore their state from. */
  restore?: CheckpointMetadata;
  jobGraph: JobGraph;
  placement: Placement;
  /** This TaskManager's tasks: (vertex, subtask) in a slot. */
  tasks: Array<{ vertex: number; subtask: number; slot: number }>;
  /** Data addresses of every TaskManager the job runs on. */
  taskManagers: Record<string, { host: string; dataPort: number }>;
}

export type TaskStateUpdate =
  | { jobId: string; attempt: number; vertex: number; subtask: number; state: 'RUNNING' }
  | { jobId: string; attempt: number; vertex: number; subtask: number; state: 'FINISHED'; result: TaskResult }
  | { jobId: string; attempt: number; vertex: number; subtask: number; state: 'FAILED'; error: SerializedError }
  | { jobId: string; attempt: number; vertex: number; subtask: number; state: 'CANCELED' };

/** JobManager → TaskManagers: a checkpoint starts; its sources take their snapshot and emit the barrier. */
export interface TriggerCheckpoint {
  runId: string;
  checkpointId: number;
  timestamp: number;
  /** Bit 0: a savepoint. */
  flags: number;
  /** Where the tasks write their state files (the checkpoint's directory, URI). */
  directory: string;
}

/** JobManager → TaskManagers: a checkpoint completed (commit) or was aborted. */
export interface CheckpointNotification {
  runId: string;
  checkpointId: number;
  complete: boolean;
}

/** TaskManager → JobManager: a subtask wrote its snapshot. */
export interface CheckpointAck {
  jobId: string;
  attempt: number;
  vertex: number;
  subtask: number;
  checkpointId: number;
  handle: TaskStateHandle;
  stats: { syncMs: number; asyncMs: number; alignmentMs: number };
}

/** TaskManager → JobManager: a subtask could not take its part of a checkpoint. */
export interface CheckpointDecline {
  jobId: string;
  attempt: number;
  vertex: number;
  subtask: number;
  checkpointId: number;
  error: SerializedError;
}

export interface TaskMetricsUpdate {
  jobId: string;
  attempt: number;
  tasks: Array<{ vertex: number; subtask: number; metrics: TaskMetrics }>;
}

/** A batch iteration's instance finished a superstep (TaskManager → JobManager). */
export interface SuperstepReportUpdate {
  jobId: string;
  attempt: number;
  iteration: number;
  report: SuperstepReport;
}

/** Every instance of a batch iteration finished the superstep (JobManager → the TaskManagers of its heads). */
export interface SuperstepComplete {
  jobId: string;
  iteration: number;
  superstep: number;
  reports: SuperstepReport[];
}

/** How a TaskManager process ended, sent by its watchdog after the process is gone. */
export interface TaskManagerTerminationReport {
  tmId: string;
  /** The process's output showed V8's out-of-memory error. */
  outOfMemory: boolean;
  /** The heap setting the process ran with, e.g. "taskmanager.heap.size: 1gb". */
  heapSetting: string;
  /** Where the output is, on the TaskManager's host. */
  outFile: string;
  host: string;
  /** The last lines of the output (only for an out-of-memory end: otherwise it is the job's print() output). */
  tail: string[];
}

/**
 * JobManager → TaskManager: a piece of one of its log files (`requestFile`), at most MAX_FILE_CHUNK_BYTES; the
 * answer is a {@link FileChunkInfo} with the bytes attached. A negative offset counts from the end.
 */
export interface FileChunkRequest {
  file: DaemonFileRef;
  offset: number;
  maxBytes: number;
}

/** The answer's JSON part; the bytes travel as the binary attachment. */
export interface FileChunkInfo {
  name: string;
  size: number;
  mtime: number;
  offset: number;
}

/** Method names, so both ends agree. */
export const ResourceManagerGateway = {
  registerTaskExecutor: 'rm.registerTaskExecutor',
  heartbeatFromTaskManager: 'rm.heartbeat',
  updateTaskExecutionState: 'rm.updateTaskExecutionState',
  updateTaskMetrics: 'rm.updateTaskMetrics',
  requestJobBundle: 'rm.requestJobBundle',
  /** A TaskManager shuts down on purpose: it is gone at once, no report follows. */
  disconnectTaskManager: 'rm.disconnectTaskManager',
  reportTaskManagerTermination: 'rm.reportTaskManagerTermination',
  reportSuperstep: 'rm.reportSuperstep',
  acknowledgeCheckpoint: 'rm.acknowledgeCheckpoint',
  declineCheckpoint: 'rm.declineCheckpoint',
} as const;

export const TaskExecutorGateway = {
  submitTasks: 'tm.submitTasks',
  cancelJob: 'tm.cancelJob',
  heartbeatFromResourceManager: 'tm.heartbeat',
  disconnect: 'tm.disconnect',
  superstepComplete: 'tm.superstepComplete',
  triggerCheckpoint: 'tm.triggerCheckpoint',
  notifyCheckpoint: 'tm.notifyCheckpoint',
  stopSources: 'tm.stopSources',
  /** The TaskManager's own metrics (process, slots), answered as MetricSample[]. */
  requestMetrics: 'tm.requestMetrics',
  /** The TaskManager's own files in its log directory (Flink's LogInfo list). */
  requestLogList: 'tm.requestLogList',
  /** A chunk of one of those files (FileChunkRequest → FileChunkInfo + bytes). */
  requestFile: 'tm.requestFile',
} as const;
