/**
 * The gateway's data rendered as the REST contract's payloads (Flink's field names: `jid`, `start-time`,
 * `status-counts`, ...). Pure functions: each takes gateway data (and "now") and returns what Flink would send.
 */
import type * as rest from '../../rest/index.js';
import { EXECUTION_STATES, JOB_STATUSES, isTerminal, serializedThrowableJson } from '../../rest/index.js';
import type {
  AccumulatorInfo,
  ClusterOverview,
  ExecutionConfigInfo,
  ExecutionState,
  IOMetrics,
  JobDetails,
  JobExceptions,
  JobExceptionEntry,
  JobExecutionResult,
  TaskManagerInfo,
  VertexDetails,
  VertexSubtasks,
} from '../dispatcher/dispatcher-gateway.js';

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
export function jobOverviewJson(job: JobDetails, now: number): rest.JobOverview {
  const totals: Partial<Record<ExecutionState, number>> = {};
  let total = 0;
  for (const v of job.vertices) {
    for (const s of EXECUTION_STATES) {
      const n = v.tasks[s] ?? 0;
      totals[s] = (totals[s] ?? 0) + n;
      total += n;
    }
  }
  const tasks = { total } as rest.JobOverviewTasks;
  for (const s of EXECUTION_STATES) tasks[s.toLowerCase() as Lowercase<ExecutionState>] = totals[s] ?? 0;
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

/** Input/output counters; flink-ts measures no busy, idle or back-pressured time yet, so those are 0. */
export function ioMetricsJson(m: IOMetrics): rest.IOMetricsInfo {
  return {
    'read-bytes': m.readBytes,
    'read-bytes-complete': true,
    'write-bytes': m.writeBytes,
    'write-bytes-complete': true,
    'read-records': m.readRecords,
    'read-records-complete': true,
    'write-records': m.writeRecords,
    'write-records-complete': true,
    'accumulated-backpressured-time': m.accumulatedBackPressuredMs ?? 0,
    'accumulated-idle-time': m.accumulatedIdleMs ?? 0,
    'accumulated-busy-time': m.accumulatedBusyMs ?? 0,
  };
}

function vertexJson(v: VertexDetails, now: number): rest.JobDetailsVertexInfo {
  return {
    id: v.id,
    slotSharingGroupId: v.slotSharingGroupId,
    name: v.name,
    maxParallelism: v.maxParallelism,
    parallelism: v.parallelism,
    status: v.status,
    'start-time': v.startTime,
    'end-time': v.endTime,
    duration: duration(v.startTime, v.endTime, now),
    tasks: countStates(v.tasks),
    metrics: ioMetricsJson(v.metrics),
  };
}

/** `GET /jobs/:jobid`. */
export function jobDetailsJson(job: JobDetails, now: number): rest.JobDetailsInfo {
  const timestamps = {} as Record<rest.JobStatus, number>;
  for (const s of JOB_STATUSES) timestamps[s] = job.timestamps[s] ?? 0;
  const statusCounts: Partial<Record<ExecutionState, number>> = {};
  for (const v of job.vertices) statusCounts[v.status] = (statusCounts[v.status] ?? 0) + 1;
  const endTime = isTerminal(job.status) ? job.endTime : -1;
  return {
    jid: job.jobId,
    name: job.name,
    isStoppable: job.isStoppable,
    state: job.status,
    'job-type': job.jobType,
    'start-time': job.startTime,
    'end-time': endTime,
    duration: duration(job.startTime, endTime, now),
    maxParallelism: job.maxParallelism,
    now,
    timestamps,
    vertices: job.vertices.map((v) => vertexJson(v, now)),
    'status-counts': countStates(statusCounts),
    plan: job.plan,
    ...(job.iterations ? { iterations: job.iterations } : {}),
  };
}

const UNASSIGNED = '(unassigned)';

const LONG_MIN = '-9223372036854775808';
const LONG_MAX = '9223372036854775807';

/** A watermark as Flink prints a Java long; the bounds stand for "no watermark yet" and "end of input". */
export function watermarkString(ms: number): string {
  if (ms <= -(2 ** 63)) return LONG_MIN;
  if (ms >= 2 ** 63) return LONG_MAX;
  return String(Math.trunc(ms));
}

/** `GET /jobs/:jobid/vertices/:vertexid/watermarks`. */
export function jobVertexWatermarksJson(v: VertexSubtasks): rest.JobVertexWatermarksInfo {
  const out: rest.JobVertexWatermarksInfo = [];
  for (const t of v.subtasks) {
    if (t.inputWatermark !== undefined) out.push({ id: `${t.subtask}.currentInputWatermark`, value: watermarkString(t.inputWatermark) });
  }
  return out;
}

/** `GET /jobs/:jobid/vertices/:vertexid`. */
export function jobVertexDetailsJson(v: VertexSubtasks, now: number): rest.JobVertexDetailsInfo {
  return {
    id: v.id,
    name: v.name,
    parallelism: v.parallelism,
    maxParallelism: v.maxParallelism,
    now,
    subtasks: v.subtasks.map((t) => {
      const running = t.startTime > 0 ? duration(t.startTime, t.endTime, now) : -1;
      return {
        subtask: t.subtask,
        status: t.status,
        attempt: t.attempt,
        host: t.taskManager?.host ?? UNASSIGNED,
        endpoint: t.taskManager ? `${t.taskManager.host}:${t.taskManager.dataPort}` : UNASSIGNED,
        'start-time': t.startTime,
        start_time: t.startTime,
        'end-time': t.endTime,
        duration: duration(t.startTime, t.endTime, now),
        metrics: ioMetricsJson(t.metrics),
        'taskmanager-id': t.taskManager?.id ?? UNASSIGNED,
        // Only the time spent RUNNING is known; the states before it are not timed.
        'status-duration': { CREATED: -1, SCHEDULED: -1, DEPLOYING: -1, INITIALIZING: -1, RUNNING: running },
      };
    }),
  };
}

const FINAL_SUBTASK_STATES: ReadonlySet<ExecutionState> = new Set(['FINISHED', 'CANCELED', 'FAILED']);

/** `GET /jobs/:jobid/vertices/:vertexid/subtasktimes`: when each subtask started running and ended. */
export function subtasksTimesJson(v: VertexSubtasks, now: number): rest.SubtasksTimesInfo {
  return {
    id: v.id,
    name: v.name,
    now,
    subtasks: v.subtasks.map((t) => {
      const timestamps = countStates({});
      if (t.startTime > 0) timestamps.RUNNING = t.startTime;
      if (t.endTime > 0 && FINAL_SUBTASK_STATES.has(t.status)) timestamps[t.status] = t.endTime;
      return {
        subtask: t.subtask,
        host: t.taskManager?.host ?? UNASSIGNED,
        endpoint: t.taskManager ? `${t.taskManager.host}:${t.taskManager.dataPort}` : UNASSIGNED,
        duration: duration(t.startTime, t.endTime, now),
        timestamps,
      };
    }),
  };
}

/** `GET /jobs/:jobid/accumulators`; the serialized values only when asked for (`includeSerializedValue`). */
export function jobAccumulatorsJson(accumulators: AccumulatorInfo[], includeSerialized: boolean): rest.JobAccumulatorsInfo {
  const serialized: Record<string, string> = {};
  if (includeSerialized) for (const a of accumulators) serialized[a.name] = a.serialized;
  return {
    'job-accumulators': [],
    'user-task-accumulators': accumulators.map((a) => ({ name: a.name, type: a.type, value: a.value })),
    'serialized-user-task-accumulators': serialized,
  };
}

/** `GET /jobs/:jobid/config`. */
export function jobConfigJson(jobId: string, name: string, config: ExecutionConfigInfo): rest.JobConfigInfo {
  return { jid: jobId, name, 'execution-config': config };
}

/** Flink's exception name: the class name, i.e. what precedes the first `:` of the first line. */
function exceptionName(exception: string): string {
  const firstLine = exception.split('\n', 1)[0] ?? '';
  const colon = firstLine.indexOf(':');
  return (colon > 0 ? firstLine.slice(0, colon) : firstLine).trim();
}

function historyEntry(e: JobExceptionEntry): rest.RootExceptionInfo {
  const out: rest.RootExceptionInfo = {
    exceptionName: exceptionName(e.exception),
    stacktrace: e.exception,
    timestamp: e.timestamp,
    failureLabels: {},
    concurrentExceptions: [],
  };
  if (e.taskName !== undefined) out.taskName = e.taskName;
  if (e.location !== undefined) {
    out.location = e.location;
    out.endpoint = e.location;
  }
  if (e.taskManagerId !== undefined) out.taskManagerId = e.taskManagerId;
  return out;
}

/** `GET /jobs/:jobid/exceptions`: the 1.9 fields plus the 1.13+ `exceptionHistory`. */
export function jobExceptionsJson(ex: JobExceptions, maxExceptions: number): rest.JobExceptionsInfoWithHistory {
  const limited = ex.allExceptions.slice(0, maxExceptions);
  const truncated = ex.truncated || ex.allExceptions.length > maxExceptions;
  let entries = limited.map(historyEntry);
  if (entries.length === 0 && ex.rootException !== undefined) {
    entries = [historyEntry({ exception: ex.rootException, timestamp: ex.timestamp ?? 0 })];
  }
  return {
    'root-exception': ex.rootException ?? null,
    timestamp: ex.timestamp ?? null,
    // As in Flink, this list holds the failed tasks; failures of the job as a whole are in the history only.
    'all-exceptions': limited.flatMap((e) =>
      e.taskName === undefined
        ? []
        : [{
            exception: e.exception,
            task: e.taskName,
            location: e.location ?? UNASSIGNED,
            endpoint: e.location ?? UNASSIGNED,
            timestamp: e.timestamp,
            taskManagerId: e.taskManagerId ?? UNASSIGNED,
          }],
    ),
    truncated,
    exceptionHistory: { entries, truncated },
  };
}

/** `GET /jobs/:jobid/execution-result`. */
export function executionResultJson(result: JobExecutionResult | undefined): rest.JobExecutionResultResponseBody {
  if (result === undefined) return { status: { id: 'IN_PROGRESS' } };
  const body: rest.JobResultJson = {
    id: result.jobId,
    'application-status': result.applicationStatus,
    'accumulator-results': result.accumulatorResults,
    'net-runtime': result.netRuntime,
  };
  if (result.failureCause !== undefined) body['failure-cause'] = serializedThrowableJson(result.failureCause);
  return { status: { id: 'COMPLETED' }, 'job-execution-result': body };
}

/** `GET /overview`. */
export function clusterOverviewJson(o: ClusterOverview, version: string, revision: string): rest.ClusterOverviewWithVersion {
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

const MIB = 1024 * 1024;

/**
 * A share of a TaskManager as Flink's resource profile: a slot is a worker thread, so a CPU core per slot (Flink's
 * default too), and the heap divided evenly between the slots.
 */
function resourceProfile(tm: TaskManagerInfo, slots: number): rest.ResourceProfileInfo {
  const share = tm.slotsNumber > 0 ? slots / tm.slotsNumber : 0;
  return {
    cpuCores: slots,
    taskHeapMemory: Math.floor((tm.hardware.freeMemory / MIB) * share),
    taskOffHeapMemory: 0,
    managedMemory: Math.floor((tm.hardware.managedMemory / MIB) * share),
    networkMemory: 0,
    extendedResources: {},
  };
}

/** One TaskManager as `GET /taskmanagers` lists it. */
export function taskManagerInfoJson(tm: TaskManagerInfo): rest.TaskManagerInfo {
  const heap = tm.hardware.freeMemory;
  return {
    id: tm.id,
    path: tm.path,
    dataPort: tm.dataPort,
    jmxPort: -1,
    timeSinceLastHeartbeat: tm.lastHeartbeat,
    slotsNumber: tm.slotsNumber,
    freeSlots: tm.freeSlots,
    totalResource: resourceProfile(tm, tm.slotsNumber),
    freeResource: resourceProfile(tm, tm.freeSlots),
    hardware: {
      cpuCores: tm.hardware.cpuCores,
      physicalMemory: tm.hardware.physicalMemory,
      freeMemory: heap,
      managedMemory: tm.hardware.managedMemory,
    },
    // A Node.js daemon has one heap and no separately sized pools: the heap limit is all there is to show.
    memoryConfiguration: {
      frameworkHeap: 0,
      taskHeap: heap,
      frameworkOffHeap: 0,
      taskOffHeap: 0,
      networkMemory: 0,
      managedMemory: tm.hardware.managedMemory,
      jvmMetaspace: 0,
      jvmOverhead: 0,
      totalFlinkMemory: heap + tm.hardware.managedMemory,
      totalProcessMemory: heap + tm.hardware.managedMemory,
    },
    blocked: false,
  };
}

/** `GET /taskmanagers`. */
export function taskManagersJson(tms: TaskManagerInfo[]): rest.TaskManagersInfo {
  return { taskmanagers: tms.map(taskManagerInfoJson) };
}

/** `GET /taskmanagers/:tmid`: the list entry plus its allocated slots and memory figures. */
export function taskManagerDetailsJson(tm: TaskManagerInfo): rest.TaskManagerDetailsInfo {
  return {
    ...taskManagerInfoJson(tm),
    allocatedSlots: tm.allocatedSlots.map((jobId) => ({ jobId, resource: resourceProfile(tm, 1) })),
    // Flink reports 0 for figures its metric store lacks; flink-ts knows only the heap limit.
    metrics: {
      heapUsed: 0,
      heapCommitted: 0,
      heapMax: tm.hardware.freeMemory,
      nonHeapUsed: 0,
      nonHeapCommitted: 0,
      nonHeapMax: 0,
      directCount: 0,
      directUsed: 0,
      directMax: 0,
      mappedCount: 0,
      mappedUsed: 0,
      mappedMax: 0,
      memorySegmentsAvailable: 0,
      memorySegmentsTotal: 0,
      nettyShuffleMemorySegmentsAvailable: 0,
      nettyShuffleMemorySegmentsUsed: 0,
      nettyShuffleMemorySegmentsTotal: 0,
      nettyShuffleMemoryAvailable: 0,
      nettyShuffleMemoryUsed: 0,
      nettyShuffleMemoryTotal: 0,
      garbageCollectors: [],
    },
  };
}

/** `GET /config`, the web UI's dashboard configuration; `webSubmit` is `web.submit.enable`. */
export function dashboardConfigJson(version: string, revision: string, now: Date, webSubmit = true): rest.DashboardConfiguration {
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
    features: { 'web-submit': webSubmit, 'web-cancel': true, 'web-rescale': false, 'web-history': false },
  };
}

/** `GET /jobmanager/environment`: this process's runtime, Node.js where Flink shows the JVM. */
export function jobManagerEnvironmentJson(proc: { versions: { node: string; v8: string }; arch: string; execArgv: string[] }): rest.EnvironmentInfo {
  return {
    jvm: { version: `Node.js ${proc.versions.node} (V8 ${proc.versions.v8})`, arch: proc.arch, options: [...proc.execArgv] },
    classpath: [],
  };
}
