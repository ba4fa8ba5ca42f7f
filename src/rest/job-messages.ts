/**
 * Payloads of the endpoints under `/jobs`, with Flink's JSON field names. Flink's Java client parses these
 * strictly (a missing primitive field fails the call), so every field listed here without `?` is always sent.
 */
import type { SerializedError } from '../util/errors.js';

/** A job's status (Flink's `JobStatus`). */
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

/** A subtask's state (Flink's `ExecutionState`). */
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

/** How a job ended, in its execution result. */
export type ApplicationStatus = 'SUCCEEDED' | 'FAILED' | 'CANCELED' | 'UNKNOWN';

/** `job-type` of `GET /jobs/:jobid`. */
export type JobType = 'BATCH' | 'STREAMING';

/** Every job status, in Flink's declaration order (maps keyed by status list them all). */
export const JOB_STATUSES: readonly JobStatus[] = [
  'INITIALIZING', 'CREATED', 'RUNNING', 'FAILING', 'FAILED', 'CANCELLING', 'CANCELED', 'FINISHED', 'RESTARTING',
  'SUSPENDED', 'RECONCILING',
];

/** Every execution state, in Flink's declaration order. */
export const EXECUTION_STATES: readonly ExecutionState[] = [
  'CREATED', 'SCHEDULED', 'DEPLOYING', 'RUNNING', 'FINISHED', 'CANCELING', 'CANCELED', 'FAILED', 'RECONCILING',
  'INITIALIZING',
];

export const TERMINAL_JOB_STATES: readonly JobStatus[] = ['FAILED', 'CANCELED', 'FINISHED'];

/** Whether a job status is final (Flink's "globally terminal"). */
export function isTerminal(status: JobStatus): boolean {
  return TERMINAL_JOB_STATES.includes(status);
}

/** `GET /jobs`. */
export interface JobIdsWithStatusOverview {
  jobs: Array<{ id: string; status: JobStatus }>;
}

/** Subtask counts of a job overview row: `total` plus one lower-case key per execution state. */
export type JobOverviewTasks = { total: number } & Record<Lowercase<ExecutionState>, number>;

/** One row of `GET /jobs/overview`. */
export interface JobOverview {
  jid: string;
  name: string;
  state: JobStatus;
  'start-time': number;
  /** -1 until the job is terminal. */
  'end-time': number;
  duration: number;
  'last-modification': number;
  tasks: JobOverviewTasks;
}

/** `GET /jobs/overview`. */
export interface MultipleJobsDetails {
  jobs: JobOverview[];
}

/** Input and output counters of a vertex or subtask. */
export interface IOMetricsInfo {
  'read-bytes': number;
  'read-bytes-complete': boolean;
  'write-bytes': number;
  'write-bytes-complete': boolean;
  'read-records': number;
  'read-records-complete': boolean;
  'write-records': number;
  'write-records-complete': boolean;
  /** Milliseconds; flink-ts does not measure these yet and sends 0. */
  'accumulated-backpressured-time': number;
  'accumulated-idle-time': number;
  'accumulated-busy-time': number;
}

/** One vertex in `GET /jobs/:jobid`. */
export interface JobDetailsVertexInfo {
  /** 32 hex characters (a JobVertexID). */
  id: string;
  /** 32 hex characters: every vertex of a flink-ts job shares one slot sharing group. */
  slotSharingGroupId: string;
  name: string;
  maxParallelism: number;
  parallelism: number;
  status: ExecutionState;
  'start-time': number;
  'end-time': number;
  duration: number;
  tasks: Record<ExecutionState, number>;
  metrics: IOMetricsInfo;
}

/** `GET /jobs/:jobid`. */
export interface JobDetailsInfo {
  jid: string;
  name: string;
  isStoppable: boolean;
  state: JobStatus;
  'job-type': JobType;
  'start-time': number;
  'end-time': number;
  duration: number;
  /** The job's max parallelism setting; -1 when not set (Flink's default). */
  maxParallelism: number;
  now: number;
  timestamps: Record<JobStatus, number>;
  vertices: JobDetailsVertexInfo[];
  'status-counts': Record<ExecutionState, number>;
  plan: unknown;
  /** flink-ts: the job's batch iterations (absent when it has none); also at `/jobs/:jobid/iterations`. */
  iterations?: IterationInfo[];
}

/** A batch iteration's progress: the current superstep and the time each finished superstep took. */
export interface IterationInfo {
  id: number;
  name: string;
  kind: 'bulk' | 'delta';
  parallelism: number;
  'max-iterations': number;
  /** The superstep running now, or the last one once the job ended. */
  superstep: number;
  status: 'RUNNING' | 'FINISHED';
  /** `next-count`: the records of the next workset (delta) or next partial solution (bulk) it produced. */
  supersteps: Array<{ superstep: number; 'start-time': number; 'duration-ms': number; 'next-count': number }>;
}

/** `GET /jobs/:jobid/status`. */
export interface JobStatusInfo {
  status: JobStatus;
}

/** One subtask in `GET /jobs/:jobid/vertices/:vertexid`. */
export interface SubtaskExecutionAttemptDetailsInfo {
  subtask: number;
  status: ExecutionState;
  attempt: number;
  host: string;
  endpoint: string;
  'start-time': number;
  /** The same value as `start-time`, under the name older clients read. */
  start_time: number;
  'end-time': number;
  duration: number;
  metrics: IOMetricsInfo;
  'taskmanager-id': string;
  /** Milliseconds spent in each state up to RUNNING; -1 for states not reached. */
  'status-duration': Partial<Record<ExecutionState, number>>;
}

/** `GET /jobs/:jobid/vertices/:vertexid`. */
export interface JobVertexDetailsInfo {
  id: string;
  name: string;
  parallelism: number;
  maxParallelism: number;
  now: number;
  subtasks: SubtaskExecutionAttemptDetailsInfo[];
}

/** One subtask in `GET /jobs/:jobid/vertices/:vertexid/subtasktimes`. */
export interface SubtaskTimeInfo {
  subtask: number;
  /** Deprecated in Flink in favour of `endpoint`. */
  host: string;
  endpoint: string;
  /** From RUNNING to the end (or now); -1 before it runs. */
  duration: number;
  /**
   * When the subtask entered each state, 0 for states it has not entered. flink-ts times only RUNNING and the
   * final state (FINISHED, CANCELED or FAILED).
   */
  timestamps: Record<ExecutionState, number>;
}

/** `GET /jobs/:jobid/vertices/:vertexid/subtasktimes` (Flink's `SubtasksTimesInfo`), the dashboard's timeline. */
export interface SubtasksTimesInfo {
  id: string;
  name: string;
  now: number;
  subtasks: SubtaskTimeInfo[];
}

/** One metric of a metric list (`GET /jobs/:jobid/vertices/:vertexid/watermarks`). */
export interface Metric {
  id: string;
  value?: string;
}

/**
 * `GET /jobs/:jobid/vertices/:vertexid/watermarks`: a bare array with `<subtask>.currentInputWatermark` per
 * subtask that has an input (sources have none and are left out), values in milliseconds as strings; Java's
 * Long.MIN_VALUE before the first watermark, Long.MAX_VALUE after the end of input.
 */
export type JobVertexWatermarksInfo = Metric[];

/** `GET /jobs/:jobid/accumulators`. */
export interface JobAccumulatorsInfo {
  'job-accumulators': never[];
  'user-task-accumulators': Array<{ name: string; type: string; value: string }>;
  /** Only with `?includeSerializedValue=true`: base64 of the codec-encoded values. */
  'serialized-user-task-accumulators': Record<string, string>;
}

/** A failed task in the `all-exceptions` list of `GET /jobs/:jobid/exceptions`. */
export interface ExecutionExceptionInfo {
  exception: string;
  task: string;
  /** Deprecated in Flink in favour of `endpoint`; the same `host:port`. */
  location: string;
  endpoint: string;
  timestamp: number;
  taskManagerId: string;
}

/** An entry of the exception history. */
export interface ExceptionInfo {
  exceptionName: string;
  stacktrace: string;
  timestamp: number;
  failureLabels: Record<string, string>;
  taskName?: string;
  location?: string;
  endpoint?: string;
  taskManagerId?: string;
}

export interface RootExceptionInfo extends ExceptionInfo {
  concurrentExceptions: ExceptionInfo[];
}

/** `GET /jobs/:jobid/exceptions`: the old top-level fields plus the exception history (Flink 1.13+). */
export interface JobExceptionsInfoWithHistory {
  'root-exception': string | null;
  timestamp: number | null;
  'all-exceptions': ExecutionExceptionInfo[];
  truncated: boolean;
  exceptionHistory: { entries: RootExceptionInfo[]; truncated: boolean };
}

/**
 * Flink's `SerializedThrowable` in JSON: the class name, the printed stack trace, and the throwable itself in
 * Java serialization, base64 (see `serialized-throwable.ts`).
 */
export interface SerializedThrowableJson {
  class: string;
  'stack-trace': string;
  'serialized-throwable': string;
}

/** The `job-execution-result` of `GET /jobs/:jobid/execution-result`. */
export interface JobResultJson {
  id: string;
  'application-status': ApplicationStatus;
  /** Accumulator name → base64 of the codec-encoded value. */
  'accumulator-results': Record<string, string>;
  'net-runtime': number;
  'failure-cause'?: SerializedThrowableJson;
}

/** `GET /jobs/:jobid/execution-result`: IN_PROGRESS until the job is terminal. */
export interface JobExecutionResultResponseBody {
  status: { id: 'IN_PROGRESS' | 'COMPLETED' };
  'job-execution-result'?: JobResultJson;
}

/** A job's result as data, on both sides of the wire (Flink's `JobResult`). */
export interface JobResult {
  jobId: string;
  applicationStatus: ApplicationStatus;
  /** Accumulator name → base64 of the codec-serialized value (Flink sends serialized values too). */
  accumulatorResults: Record<string, string>;
  netRuntime: number;
  failureCause?: SerializedError;
}

/** `GET /jobs/:jobid/plan`. */
export interface JobPlanInfo {
  plan: unknown;
}

/** The `execution-config` of `GET /jobs/:jobid/config`; Flink's client reads it strictly: no other fields. */
export interface ExecutionConfigInfo {
  'execution-mode': string;
  'restart-strategy': string;
  'job-parallelism': number;
  'object-reuse-mode': boolean;
  /** Global job parameters, string to string. */
  'user-config': Record<string, string>;
}

/** `GET /jobs/:jobid/config`. */
export interface JobConfigInfo {
  jid: string;
  name: string;
  'execution-config': ExecutionConfigInfo;
}

/** The `request` form field of `POST /jobs` (multipart): names of the uploaded files. */
export interface JobSubmitRequestBody {
  jobGraphFileName: string;
  jobJarFileNames: string[];
  jobArtifactFileNames: Array<{ entryName: string; fileName: string }>;
}

/** `POST /jobs` (202). */
export interface JobSubmitResponseBody {
  jobUrl: string;
}

/** The body of answers that carry nothing (`PATCH /jobs/:jobid`, `DELETE /cluster`, ...). */
export type EmptyResponseBody = Record<string, never>;
