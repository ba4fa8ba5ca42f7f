/**
 * The dispatcher's remote interface: everything the REST layer (and, later, the web UI) may ask of the
 * cluster. The REST handlers translate HTTP to these calls and the answers to Flink's JSON field names.
 */

import type {
  ApplicationStatus,
  ExecutionConfigInfo,
  ExecutionState,
  JobResult,
  JobStatus,
  JobType,
  ProgramRunRequest,
} from '../../rest/index.js';
import type { HardwareDescription } from '../../rpc/gateways.js';
import type { IterationInfo } from '../../rest/index.js';
import type { CheckpointConfigInfo, CheckpointRecord, CheckpointStatistics } from '../checkpoint/checkpoint-stats.js';
import type { OperationStatus } from './async-operations.js';
import type { MetricSample, TaskMetrics } from '../../metrics/index.js';
import type { SavepointTriggerRequest } from './savepoint-operations.js';

// The shared vocabulary lives in the REST contract; the gateway speaks it too.
export type { ApplicationStatus, ExecutionConfigInfo, ExecutionState, JobStatus, JobType, ProgramRunRequest };
export { TERMINAL_JOB_STATES, isTerminal } from '../../rest/index.js';

export type { SerializedError } from '../../util/errors.js';
export type { CheckpointConfigInfo, CheckpointRecord, CheckpointStatistics } from '../checkpoint/checkpoint-stats.js';
export type { OperationStatus } from './async-operations.js';
export type { SavepointTriggerRequest } from './savepoint-operations.js';

/** Input/output counters of a vertex or a subtask. */
export interface IOMetrics {
  readBytes: number;
  writeBytes: number;
  readRecords: number;
  writeRecords: number;
  /** The longest any subtask was back-pressured, idle, busy, ms (Flink takes the maximum over subtasks). */
  accumulatedBackPressuredMs?: number;
  accumulatedIdleMs?: number;
  accumulatedBusyMs?: number;
}

/** What the subtasks of a vertex last reported (undefined: not yet), with the names of its chain's operators. */
export interface VertexTaskMetrics {
  operators: string[];
  subtasks: Array<TaskMetrics | undefined>;
}

export interface VertexDetails {
  id: string;
  name: string;
  parallelism: number;
  maxParallelism: number;
  /** 32 hex characters; all vertices of a job share one group (one slot holds a subtask of each). */
  slotSharingGroupId: string;
  status: ExecutionState;
  startTime: number;
  endTime: number;
  /** Count of subtasks per execution state. */
  tasks: Partial<Record<ExecutionState, number>>;
  metrics: IOMetrics;
}

/** One subtask of a vertex, for `GET /jobs/:jobid/vertices/:vertexid`. */
export interface SubtaskDetails {
  subtask: number;
  status: ExecutionState;
  attempt: number;
  /** Where it runs; undefined until it is deployed. */
  taskManager?: { id: string; host: string; dataPort: number };
  /** When it was deployed; -1 before. */
  startTime: number;
  /** -1 until it ended. */
  endTime: number;
  metrics: IOMetrics;
  /**
   * The last input watermark it reported, clamped to Java's long range; undefined for sources (no input) and
   * for subtasks that have not reported yet.
   */
  inputWatermark?: number;
}

export interface VertexSubtasks {
  id: string;
  name: string;
  parallelism: number;
  maxParallelism: number;
  subtasks: SubtaskDetails[];
}

/** A user accumulator as the job has it now (running jobs: the subtasks finished so far). */
export interface AccumulatorInfo {
  name: string;
  /** What kind of accumulator (e.g. `list`, `sum`). */
  type: string;
  /** The value as text. */
  value: string;
  /** Base64 of the codec-encoded value. */
  serialized: string;
}

export interface JobDetails {
  jobId: string;
  name: string;
  status: JobStatus;
  startTime: number;
  /** -1 until the job is terminal. */
  endTime: number;
  lastModification: number;
  /** First time the job entered each status, in ms since the epoch. */
  timestamps: Partial<Record<JobStatus, number>>;
  jobType: JobType;
  /** The job-wide max parallelism setting; -1 when not set. */
  maxParallelism: number;
  vertices: VertexDetails[];
  /** The job's plan in Flink's REST `plan` format. */
  plan: unknown;
  isStoppable: boolean;
  /** Batch iterations: the current superstep and each finished superstep's time (flink-ts only; absent without). */
  iterations?: IterationInfo[];
}

export interface JobExceptionEntry {
  exception: string; // name: message + stack, as one string, as Flink shows it
  timestamp: number;
  taskName?: string;
  /** `host:dataPort` of the TaskManager it happened on. */
  location?: string;
  /** Resource id of that TaskManager. */
  taskManagerId?: string;
}

export interface JobExceptions {
  rootException?: string;
  timestamp?: number;
  allExceptions: JobExceptionEntry[];
  truncated: boolean;
}

/** A job's result, as the REST contract has it. */
export type JobExecutionResult = JobResult;

export interface ClusterOverview {
  taskManagers: number;
  slotsTotal: number;
  slotsAvailable: number;
  jobsRunning: number;
  jobsFinished: number;
  jobsCancelled: number;
  jobsFailed: number;
}

export interface TaskManagerInfo {
  id: string;
  /** RPC path/address of the TaskManager, e.g. `tcp://127.0.0.1:41234`. */
  path: string;
  dataPort: number;
  /** When the last heartbeat arrived, in ms since the epoch. */
  lastHeartbeat: number;
  slotsNumber: number;
  freeSlots: number;
  /** Job id of each allocated slot. */
  allocatedSlots: string[];
  hardware: HardwareDescription;
}

/** What a job submission carries: the JobGraph JSON and the job bundle (one bundled ES module). */
export interface JobSubmission {
  /** The JobGraph as parsed JSON; the dispatcher validates it. */
  jobGraph: unknown;
  /**
   * The job bundle and its file name: its bytes, or a local file the dispatcher copies into the blob store
   * (uploads stay on disk; the file is the caller's to remove afterwards).
   */
  bundle: { fileName: string; data: Uint8Array } | { fileName: string; path: string };
}

/** A program uploaded with `POST /jars/upload`, run later with `POST /jars/:jarid/run`. */
export interface UploadedProgram {
  id: string; // `<uuid>_<name>`
  name: string;
  uploaded: number;
  /** Bytes on disk. */
  size: number;
}

export interface DispatcherGateway {
  submitJob(submission: JobSubmission): Promise<{ jobId: string }>;
  listJobs(): Promise<Array<{ jobId: string; status: JobStatus }>>;
  jobsOverview(): Promise<JobDetails[]>;
  /** Rejects with an error named `FlinkJobNotFoundException` for an unknown id. */
  jobDetails(jobId: string): Promise<JobDetails>;
  cancelJob(jobId: string): Promise<void>;
  jobExceptions(jobId: string): Promise<JobExceptions>;
  /** Resolves with undefined while the job is not terminal. */
  jobExecutionResult(jobId: string): Promise<JobExecutionResult | undefined>;
  /** The job's execution config, as `GET /jobs/:jobid/config` shows it under `execution-config`. */
  jobConfig(jobId: string): Promise<ExecutionConfigInfo>;
  jobAccumulators(jobId: string): Promise<AccumulatorInfo[]>;
  /** Undefined when the job has no such vertex. */
  jobVertexDetails(jobId: string, vertexId: string): Promise<VertexSubtasks | undefined>;
  /** Undefined when the job has no such vertex. */
  jobVertexTaskMetrics(jobId: string, vertexId: string): Promise<VertexTaskMetrics | undefined>;
  /** Flink's job-scope metrics on the JobManager (uptime, numRestarts, checkpoints). */
  jobMetrics(jobId: string): Promise<MetricSample[]>;
  /** The JobManager process's metrics and the cluster-wide ones (numRegisteredTaskManagers, taskSlotsTotal, ...). */
  jobManagerMetrics(): Promise<MetricSample[]>;
  /** A TaskManager's own metrics, asked of it now; undefined for a TaskManager not registered here. */
  taskManagerMetrics(taskManagerId: string): Promise<MetricSample[] | undefined>;
  clusterOverview(): Promise<ClusterOverview>;
  taskManagers(): Promise<TaskManagerInfo[]>;
  /** The effective cluster configuration as key/value strings. */
  clusterConfig(): Promise<Array<{ key: string; value: string }>>;
  /**
   * Stores an uploaded program (a .js/.mjs/.ts job file) and returns its id. The file at `path` is moved (not
   * read into memory) into the upload directory.
   */
  uploadProgram(fileName: string, path: string): Promise<UploadedProgram>;
  listPrograms(): Promise<UploadedProgram[]>;
  deleteProgram(programId: string): Promise<void>;
  /** Plans an uploaded program on the JobManager and submits the resulting job. */
  runProgram(programId: string, request: ProgramRunRequest): Promise<{ jobId: string }>;
  shutDownCluster(): Promise<void>;

  // Checkpoints and savepoints. The checkpoint calls reject with an error coded CHECKPOINTING_DISABLED for a job
  // that takes no checkpoints (a batch job), as Flink answers 404 there.
  checkpointStatistics(jobId: string): Promise<CheckpointStatistics>;
  /** Undefined for a checkpoint id the statistics do not (or no longer) hold. */
  checkpointDetails(jobId: string, checkpointId: number): Promise<CheckpointRecord | undefined>;
  checkpointConfig(jobId: string): Promise<CheckpointConfigInfo>;
  /**
   * Starts a savepoint (then continues, cancels or stops the job) and returns the id to poll. Rejects with an
   * error coded SAVEPOINT_DIRECTORY_MISSING when no directory is named or configured.
   */
  triggerSavepoint(jobId: string, request: SavepointTriggerRequest): Promise<{ triggerId: string }>;
  /** The savepoint's status (its directory once done); rejects with UnknownOperationKeyException for an unknown id. */
  savepointStatus(jobId: string, triggerId: string): Promise<OperationStatus<string>>;
  /** Starts removing the savepoint at `path` (a directory with a `_metadata` file) and returns the id to poll. */
  disposeSavepoint(path: string): Promise<{ triggerId: string }>;
  savepointDisposalStatus(triggerId: string): Promise<OperationStatus<void>>;
}
