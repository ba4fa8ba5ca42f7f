/**
 * The gateway's data types rendered with Flink's REST field names (`jid`, `start-time`, `status-counts`, ...).
 * Pure functions: each takes gateway data (and "now") and returns the JSON object Flink would send.
 */
import type {
  ClusterOverview,
  ExecutionState,
  JobDetails,
  JobExceptions,
  JobExceptionEntry,
  JobExecutionResult,
  JobStatus,
  SerializedError,
  TaskManagerInfo,
  VertexDetails,
} from '../dispatcher/dispatcher-gateway.js';
import { isTerminal } from '../dispatcher/dispatcher-gateway.js';
import { formatErrorChain } from '../../util/errors.js';

const JOB_STATUSES: readonly JobStatus[] = [
  'INITIALIZING', 'CREATED', 'RUNNING', 'FAILING', 'FAILED', 'CANCELLING', 'CANCELED', 'FINISHED', 'RESTARTING',
  'SUSPENDED', 'RECONCILING',
];

const EXECUTION_STATES: readonly ExecutionState[] = [
  'CREATED', 'SCHEDULED', 'DEPLOYING', 'RUNNING', 'FINISHED', 'CANCELING', 'CANCELED', 'FAILED', 'RECONCILING',
  'INITIALIZING',
];

function duration(start: number, end: number, now: number): number {
  if (start <= 0) return -1;
  return (end >= 0 ? end : now) - start;
}

function countStates(counts: Partial<Record<ExecutionState, number>>): Record<ExecutionState, number> {
  const out = {} as Record<ExecutionState, number>;
  for (const s of EXECUTION_STATES) out[s] = counts[s] ?? 0;
  return out;
}

/** One row of `GET /jobs/overview`. */
export function jobOverviewJson(job: JobDetails, now: number): Record<string, unknown> {
  const totals: Partial<Record<ExecutionState, number>> = {};
  let total = 0;
  for (const v of job.vertices) {
    for (const s of EXECUTION_STATES) {
      const n = v.tasks[s] ?? 0;
      totals[s] = (totals[s] ?? 0) + n;
      total += n;
    }
  }
  const tasks: Record<string, number> = { total };
  for (const s of EXECUTION_STATES) tasks[s.toLowerCase()] = totals[s] ?? 0;
  return {
    jid: job.jobId,
    name: job.name,
    state: job.status,
    'start-time': job.startTime,
    'end-time': isTerminal(job.status) ? job.endTime : -1,
    duration: duration(job.startTime, isTerminal(job.status) ? job.endTime : -1, now),
    'last-modification': job.lastModification,
    tasks,
  };
}

function vertexJson(v: VertexDetails, now: number): Record<string, unknown> {
  return {
    id: v.id,
    name: v.name,
    parallelism: v.parallelism,
    status: v.status,
    'start-time': v.startTime,
    'end-time': v.endTime,
    duration: duration(v.startTime, v.endTime, now),
    tasks: countStates(v.tasks),
    metrics: {
      'read-bytes': v.metrics.readBytes,
      'read-bytes-complete': true,
      'write-bytes': v.metrics.writeBytes,
      'write-bytes-complete': true,
      'read-records': v.metrics.readRecords,
      'read-records-complete': true,
      'write-records': v.metrics.writeRecords,
      'write-records-complete': true,
    },
  };
}

/** `GET /jobs/:jobid`. */
export function jobDetailsJson(job: JobDetails, now: number): Record<string, unknown> {
  const timestamps: Record<string, number> = {};
  for (const s of JOB_STATUSES) timestamps[s] = job.timestamps[s] ?? 0;
  const statusCounts: Partial<Record<ExecutionState, number>> = {};
  for (const v of job.vertices) statusCounts[v.status] = (statusCounts[v.status] ?? 0) + 1;
  const endTime = isTerminal(job.status) ? job.endTime : -1;
  return {
    jid: job.jobId,
    name: job.name,
    isStoppable: job.isStoppable,
    state: job.status,
    'start-time': job.startTime,
    'end-time': endTime,
    duration: duration(job.startTime, endTime, now),
    now,
    timestamps,
    vertices: job.vertices.map((v) => vertexJson(v, now)),
    'status-counts': countStates(statusCounts),
    plan: job.plan,
  };
}

/** Flink's exception name: the class name, i.e. what precedes the first `:` of the first line. */
function exceptionName(exception: string): string {
  const firstLine = exception.split('\n', 1)[0] ?? '';
  const colon = firstLine.indexOf(':');
  return (colon > 0 ? firstLine.slice(0, colon) : firstLine).trim();
}

function historyEntry(e: JobExceptionEntry): Record<string, unknown> {
  const out: Record<string, unknown> = {
    exceptionName: exceptionName(e.exception),
    stacktrace: e.exception,
    timestamp: e.timestamp,
    failureLabels: {},
  };
  if (e.taskName !== undefined) out.taskName = e.taskName;
  if (e.location !== undefined) {
    out.location = e.location;
    out.endpoint = e.location;
  }
  out.concurrentExceptions = [];
  return out;
}

/** `GET /jobs/:jobid/exceptions`: the 1.9 fields plus the 1.13+ `exceptionHistory`. */
export function jobExceptionsJson(ex: JobExceptions, maxExceptions: number): Record<string, unknown> {
  const limited = ex.allExceptions.slice(0, maxExceptions);
  const truncated = ex.truncated || ex.allExceptions.length > maxExceptions;
  let entries = limited.map(historyEntry);
  if (entries.length === 0 && ex.rootException !== undefined) {
    entries = [historyEntry({ exception: ex.rootException, timestamp: ex.timestamp ?? 0 })];
  }
  return {
    'root-exception': ex.rootException ?? null,
    timestamp: ex.timestamp ?? null,
    'all-exceptions': limited.map((e) => ({
      exception: e.exception,
      task: e.taskName ?? null,
      location: e.location ?? null,
      timestamp: e.timestamp,
    })),
    truncated,
    exceptionHistory: { entries, truncated },
  };
}

/** A Java-like `stack-trace`: frames start with a tab, causes with `Caused by:`. */
export function javaLikeStackTrace(err: SerializedError): string {
  return formatErrorChain(err).replace(/^\s+at /gm, '\tat ');
}

/** Flink's SerializedThrowable JSON; `serialized-throwable` holds the SerializedError JSON, base64. */
export function serializedThrowableJson(err: SerializedError): Record<string, unknown> {
  return {
    class: err.name,
    'stack-trace': javaLikeStackTrace(err),
    'serialized-throwable': Buffer.from(JSON.stringify(err), 'utf8').toString('base64'),
  };
}

/** `GET /jobs/:jobid/execution-result`. */
export function executionResultJson(result: JobExecutionResult | undefined): Record<string, unknown> {
  if (result === undefined) return { status: { id: 'IN_PROGRESS' } };
  const body: Record<string, unknown> = {
    id: result.jobId,
    'application-status': result.applicationStatus,
    'accumulator-results': result.accumulatorResults,
    'net-runtime': result.netRuntime,
  };
  if (result.failureCause !== undefined) body['failure-cause'] = serializedThrowableJson(result.failureCause);
  return { status: { id: 'COMPLETED' }, 'job-execution-result': body };
}

/** `GET /overview`. */
export function clusterOverviewJson(o: ClusterOverview, version: string, revision: string): Record<string, unknown> {
  return {
    taskmanagers: o.taskManagers,
    'slots-total': o.slotsTotal,
    'slots-available': o.slotsAvailable,
    'jobs-running': o.jobsRunning,
    'jobs-finished': o.jobsFinished,
    'jobs-cancelled': o.jobsCancelled,
    'jobs-failed': o.jobsFailed,
    'flink-version': version,
    'flink-commit': revision,
  };
}

/** `GET /taskmanagers`. */
export function taskManagersJson(tms: TaskManagerInfo[]): Record<string, unknown> {
  return {
    taskmanagers: tms.map((tm) => ({
      id: tm.id,
      path: tm.path,
      dataPort: tm.dataPort,
      timeSinceLastHeartbeat: tm.timeSinceLastHeartbeat,
      slotsNumber: tm.slotsNumber,
      freeSlots: tm.freeSlots,
      hardware: {
        cpuCores: tm.hardware.cpuCores,
        physicalMemory: tm.hardware.physicalMemory,
        freeMemory: tm.hardware.freeMemory,
        managedMemory: tm.hardware.managedMemory,
      },
    })),
  };
}

/** `GET /config`, the web UI's dashboard configuration. */
export function dashboardConfigJson(version: string, revision: string, now: Date, webSubmit: boolean): Record<string, unknown> {
  const zoneName =
    new Intl.DateTimeFormat('en-US', { timeZoneName: 'long' })
      .formatToParts(now)
      .find((p) => p.type === 'timeZoneName')?.value ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
  return {
    'refresh-interval': 3000,
    'timezone-name': zoneName,
    'timezone-offset': -now.getTimezoneOffset() * 60_000,
    'flink-version': version,
    'flink-revision': revision,
    features: { 'web-submit': webSubmit, 'web-cancel': true },
  };
}
