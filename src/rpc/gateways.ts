/**
 * The remote interfaces between JobManager and TaskManagers, as message types. TaskManagers open one RPC
 * connection to the JobManager's resource manager and both sides call over it.
 */
import type { JobGraph } from '../graph/index.js';
import type { Placement } from '../runtime/worker/protocol.js';
import type { TaskMetrics, TaskResult } from '../runtime/task/stream-task.js';
import type { SerializedError } from '../util/errors.js';

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
}

export interface RegistrationSuccess {
  /** The resource manager's leader session id: later calls carry it (fencing). */
  resourceManagerId: string;
  heartbeatIntervalMs: number;
  heartbeatTimeoutMs: number;
}

export interface SubmitTasks {
  jobId: string;
  jobGraph: JobGraph;
  placement: Placement;
  /** This TaskManager's tasks: (vertex, subtask) in a slot. */
  tasks: Array<{ vertex: number; subtask: number; slot: number }>;
  /** Data addresses of every TaskManager the job runs on. */
  taskManagers: Record<string, { host: string; dataPort: number }>;
}

export type TaskStateUpdate =
  | { jobId: string; vertex: number; subtask: number; state: 'RUNNING' }
  | { jobId: string; vertex: number; subtask: number; state: 'FINISHED'; result: TaskResult }
  | { jobId: string; vertex: number; subtask: number; state: 'FAILED'; error: SerializedError }
  | { jobId: string; vertex: number; subtask: number; state: 'CANCELED' };

export interface TaskMetricsUpdate {
  jobId: string;
  tasks: Array<{ vertex: number; subtask: number; metrics: TaskMetrics }>;
}

/** Method names, so both ends agree. */
export const ResourceManagerGateway = {
  registerTaskExecutor: 'rm.registerTaskExecutor',
  heartbeatFromTaskManager: 'rm.heartbeat',
  updateTaskExecutionState: 'rm.updateTaskExecutionState',
  updateTaskMetrics: 'rm.updateTaskMetrics',
  requestJobBundle: 'rm.requestJobBundle',
} as const;

export const TaskExecutorGateway = {
  submitTasks: 'tm.submitTasks',
  cancelJob: 'tm.cancelJob',
  heartbeatFromResourceManager: 'tm.heartbeat',
  disconnect: 'tm.disconnect',
} as const;
