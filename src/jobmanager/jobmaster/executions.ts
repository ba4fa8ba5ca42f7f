/**
 * What the JobMaster keeps per subtask (its Execution), its accumulators, and how both show in the REST API.
 */
import type { JobGraph } from '../../graph/index.js';
import { restPlan } from '../../graph/index.js';
import { decodeRecords, encodeRecord } from '../../runtime/codec/index.js';
import type { TaskMetrics, TaskResult } from '../../runtime/task/stream-task.js';
import { isTerminal } from '../dispatcher/dispatcher-gateway.js';
import type {
  AccumulatorInfo,
  ExecutionState,
  IOMetrics,
  JobDetails,
  JobExecutionResult,
  JobStatus,
  SubtaskDetails,
  VertexDetails,
  VertexSubtasks,
  VertexTaskMetrics,
} from '../dispatcher/dispatcher-gateway.js';
import type { SerializedError } from '../../util/errors.js';

export interface Execution {
  state: ExecutionState;
  tmId: string | undefined;
  /** Where it was deployed, kept after the TaskManager is gone (for the REST API). */
  location: { id: string; host: string; dataPort: number } | undefined;
  startTime: number;
  endTime: number;
  metrics: TaskMetrics | undefined;
  /** The deployment it belongs to: its run id on the TaskManager, and that deployment's number. */
  runId: string;
  deployment: number;
  /** How often this subtask was deployed before its current attempt (Flink's attempt number). */
  attempt: number;
}

export function newExecution(runId: string): Execution {
  return { state: 'CREATED', tmId: undefined, location: undefined, startTime: -1, endTime: -1, metrics: undefined, runId, deployment: 0, attempt: 0 };
}

export function endExecution(e: Execution, state: 'FAILED' | 'CANCELED'): void {
  e.state = state;
  e.endTime = Date.now();
}

export function isExecutionTerminal(s: ExecutionState): boolean {
  return s === 'FINISHED' || s === 'FAILED' || s === 'CANCELED';
}

export function isSerialized(e: unknown): e is SerializedError {
  return typeof e === 'object' && e !== null && !(e instanceof Error) && typeof (e as SerializedError).message === 'string' && typeof (e as SerializedError).name === 'string';
}

/** The accumulators the subtasks reported when they finished, merged per name. */
export class JobAccumulators {
  private readonly accumulators = new Map<string, { kind: 'list' | 'sum'; parts: Map<number, unknown> }>();

  collect(subtask: number, vertex: number, result: TaskResult): void {
    for (const [name, acc] of Object.entries(result.accumulators)) {
      const value = decodeRecords(Buffer.from(acc.data, 'base64'))[0];
      let entry = this.accumulators.get(name);
      if (!entry) this.accumulators.set(name, (entry = { kind: acc.kind, parts: new Map() }));
      entry.parts.set(vertex * 100_000 + subtask, value);
    }
  }

  /** Each accumulator merged over the subtasks that reported it (all of them once the job finished). */
  merged(): Array<{ name: string; kind: 'list' | 'sum'; value: unknown }> {
    return [...this.accumulators].map(([name, { kind, parts }]) => {
      const ordered = [...parts.entries()].sort((a, b) => a[0] - b[0]).map(([, v]) => v);
      const value = kind === 'list' ? ordered.flatMap((p) => p as unknown[]) : ordered.reduce((s: number, v) => s + (v as number), 0);
      return { name, kind, value };
    });
  }

  infos(): AccumulatorInfo[] {
    return this.merged().map(({ name, kind, value }) => ({
      name,
      type: kind,
      value: describeAccumulator(value),
      serialized: Buffer.from(encodeRecord(value)).toString('base64'),
    }));
  }
}

/** The vertices of `GET /jobs/:jobid`. */
export function vertexDetails(graph: JobGraph, executions: Execution[][], slotSharingGroupId: string): VertexDetails[] {
  return graph.vertices.map((v, vi) => {
    const exs = executions[vi] as Execution[];
    const tasks: Partial<Record<ExecutionState, number>> = {};
    const metrics: IOMetrics = { readBytes: 0, writeBytes: 0, readRecords: 0, writeRecords: 0 };
    for (const e of exs) {
      tasks[e.state] = (tasks[e.state] ?? 0) + 1;
      addMetrics(metrics, e.metrics);
    }
    const starts = exs.map((e) => e.startTime).filter((t) => t > 0);
    const allEnded = exs.every((e) => e.endTime > 0);
    return {
      id: v.id,
      name: v.name,
      parallelism: v.parallelism,
      maxParallelism: v.maxParallelism,
      slotSharingGroupId,
      status: vertexState(exs.map((e) => e.state)),
      startTime: starts.length ? Math.min(...starts) : -1,
      endTime: allEnded ? Math.max(...exs.map((e) => e.endTime)) : -1,
      tasks,
      metrics,
    };
  });
}

export function jobPlan(graph: JobGraph): JobDetails['plan'] {
  return restPlan(graph);
}

/** The subtasks of one vertex; undefined for an id the job does not have. */
export function vertexSubtasks(graph: JobGraph, executions: Execution[][], vertexId: string): VertexSubtasks | undefined {
  const vi = graph.vertices.findIndex((v) => v.id === vertexId);
  const v = graph.vertices[vi];
  if (!v) return undefined;
  const subtasks = (executions[vi] as Execution[]).map((e, subtask): SubtaskDetails => {
    const metrics: IOMetrics = { readBytes: 0, writeBytes: 0, readRecords: 0, writeRecords: 0 };
    addMetrics(metrics, e.metrics);
    const out: SubtaskDetails = { subtask, status: e.state, attempt: e.attempt, startTime: e.startTime, endTime: e.endTime, metrics };
    if (e.location) out.taskManager = { ...e.location };
    if (e.metrics?.inputWatermark !== undefined) out.inputWatermark = e.metrics.inputWatermark;
    return out;
  });
  return { id: v.id, name: v.name, parallelism: v.parallelism, maxParallelism: v.maxParallelism, subtasks };
}

/**
 * What the subtasks of a vertex last reported, with the vertex's operator names; undefined for an id the job
 * does not have. Subtasks no longer running keep their last counters but no rates.
 */
export function vertexTaskMetrics(graph: JobGraph, executions: Execution[][], vertexId: string): VertexTaskMetrics | undefined {
  const vi = graph.vertices.findIndex((v) => v.id === vertexId);
  const v = graph.vertices[vi];
  if (!v) return undefined;
  return {
    operators: v.operators.map((o) => o.name),
    subtasks: (executions[vi] as Execution[]).map((e) => {
      if (!e.metrics || e.state === 'RUNNING') return e.metrics;
      const { rates: _stale, ...rest } = e.metrics;
      return rest;
    }),
  };
}

function addMetrics(into: IOMetrics, m: TaskMetrics | undefined): void {
  if (!m) return;
  into.readBytes += m.readBytes;
  into.writeBytes += m.writeBytes;
  into.readRecords += m.readRecords;
  into.writeRecords += m.writeRecords;
  const bp = m.backPressuredMs ?? 0;
  into.accumulatedBackPressuredMs = Math.max(into.accumulatedBackPressuredMs ?? 0, Math.round(bp));
  if (m.busyMs !== undefined) {
    into.accumulatedBusyMs = Math.max(into.accumulatedBusyMs ?? 0, Math.round(m.busyMs));
    into.accumulatedIdleMs = Math.max(into.accumulatedIdleMs ?? 0, Math.round(Math.max(0, (m.runMs ?? 0) - m.busyMs - bp)));
  }
}

/** An accumulator value as text for the REST API, cut short: a collect() list can hold a whole data set. */
function describeAccumulator(value: unknown): string {
  const LIMIT = 1000;
  let text: string;
  try {
    text = Array.isArray(value) ? JSON.stringify(value.slice(0, LIMIT)) : JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > LIMIT ? `${text.slice(0, LIMIT)}… (${Array.isArray(value) ? `${value.length} elements` : 'truncated'})` : text;
}

/** A vertex's state is the "least advanced" of its subtasks', with failures taking precedence. */
function vertexState(states: ExecutionState[]): ExecutionState {
  const order: ExecutionState[] = ['FAILED', 'CANCELING', 'CANCELED', 'CREATED', 'SCHEDULED', 'DEPLOYING', 'INITIALIZING', 'RUNNING', 'FINISHED'];
  for (const s of order) if (states.includes(s)) return s;
  return 'CREATED';
}

/** What `GET /jobs/:jobid/execution-result` says of a job that ended (undefined while it has not). */
export function executionResult(jobId: string, status: JobStatus, accumulators: JobAccumulators, netRuntime: number, rootCause: SerializedError | undefined): JobExecutionResult | undefined {
  if (!isTerminal(status)) return undefined;
  const accumulatorResults: Record<string, string> = {};
  for (const { name, value } of accumulators.merged()) accumulatorResults[name] = Buffer.from(encodeRecord(value)).toString('base64');
  const applicationStatus = status === 'FINISHED' ? 'SUCCEEDED' : status === 'CANCELED' ? 'CANCELED' : 'FAILED';
  const result: JobExecutionResult = { jobId, applicationStatus, accumulatorResults, netRuntime };
  if (rootCause && applicationStatus === 'FAILED') result.failureCause = rootCause;
  return result;
}
