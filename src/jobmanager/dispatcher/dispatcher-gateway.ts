/**
 * The dispatcher's remote interface: everything the REST layer (and, later, the web UI) may ask of the
 * cluster. The REST handlers translate HTTP to these calls and the answers to Flink's JSON field names.
 */

export type JobStatus =
  | 'INITIALIZING'
  | 'CREATED'
  | 'RUNNING'
  | 'FAILING'
  | 'FAILED'
  | 'CANCELLING'
  | 'CANCELED'
  | 'FINISHED'
  | 'RESTARTING'
  | 'SUSPENDED'
  | 'RECONCILING';

export type ExecutionState =
  | 'CREATED'
  | 'SCHEDULED'
  | 'DEPLOYING'
  | 'RUNNING'
  | 'FINISHED'
  | 'CANCELING'
  | 'CANCELED'
  | 'FAILED'
  | 'RECONCILING'
  | 'INITIALIZING';

export const TERMINAL_JOB_STATES: readonly JobStatus[] = ['FAILED', 'CANCELED', 'FINISHED'];

export function isTerminal(status: JobStatus): boolean {
  return TERMINAL_JOB_STATES.includes(status);
}

export type { SerializedError } from '../../util/errors.js';
import type { SerializedError } from '../../util/errors.js';

export interface VertexDetails {
  id: string;
  name: string;
  parallelism: number;
  status: ExecutionState;
  startTime: number;
  endTime: number;
  /** Count of subtasks per execution state. */
  tasks: Partial<Record<ExecutionState, number>>;
  metrics: { readBytes: number; writeBytes: number; readRecords: number; writeRecords: number };
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
  vertices: VertexDetails[];
  /** The job's plan in Flink's REST `plan` format. */
  plan: unknown;
  isStoppable: boolean;
}

export interface JobExceptionEntry {
  exception: string; // name: message + stack, as one string, as Flink shows it
  timestamp: number;
  taskName?: string;
  location?: string;
}

export interface JobExceptions {
  rootException?: string;
  timestamp?: number;
  allExceptions: JobExceptionEntry[];
  truncated: boolean;
}

export type ApplicationStatus = 'SUCCEEDED' | 'FAILED' | 'CANCELED' | 'UNKNOWN';

export interface JobExecutionResult {
  jobId: string;
  applicationStatus: ApplicationStatus;
  /** Accumulator name → base64 of the codec-serialized value (Flink sends serialized values too). */
  accumulatorResults: Record<string, string>;
  netRuntime: number;
  failureCause?: SerializedError;
}

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
  timeSinceLastHeartbeat: number;
  slotsNumber: number;
  freeSlots: number;
  hardware: { cpuCores: number; physicalMemory: number; freeMemory: number; managedMemory: number };
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

export interface ProgramRunRequest {
  programArgs: string[];
  parallelism?: number;
  savepointPath?: string;
  allowNonRestoredState?: boolean;
  entryClass?: string;
  jobId?: string;
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
  jobConfig(jobId: string): Promise<Record<string, unknown>>;
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
}
