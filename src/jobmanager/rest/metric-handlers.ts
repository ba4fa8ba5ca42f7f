/**
 * Flink's metric endpoints: the JobManager's and each TaskManager's own metrics, a job's, a vertex's per subtask
 * and operator (`0.numRecordsIn`, `0.Source__Socket_Stream.numRecordsOut`), aggregated over subtasks,
 * TaskManagers or jobs (`?get=...&agg=min,max,avg,sum`), and a vertex's back pressure from its subtasks'
 * back-pressured, busy and idle time.
 */
import {
  aggregatedValues,
  indexSelection,
  listParameter,
  metricIdComponent,
  metricValues,
  MetricQueryError,
  operatorMetricSamples,
  operatorScopeName,
  taskMetricSamples,
  type MetricSample,
  type TaskMetrics,
} from '../../metrics/index.js';
import type { VertexTaskMetrics } from '../dispatcher/dispatcher-gateway.js';
import type { HandlerContext } from './handler-context.js';
import { forJob, jobIdParam, vertexIdParam } from './job-handlers.js';
import { badRequest, notFound } from './rest-errors.js';
import type { RestRequest, RestResponse, Route } from './router.js';

/** The samples of one subtask: task scope by name, operator scope as `<operator>.<name>`. */
export function subtaskSamples(m: TaskMetrics | undefined, operators: readonly string[]): MetricSample[] {
  if (!m) return [];
  const out = taskMetricSamples(m);
  operators.forEach((name, i) => {
    const prefix = metricIdComponent(operatorScopeName(name));
    for (const s of operatorMetricSamples(m, i)) out.push({ ...s, name: `${prefix}.${s.name}` });
  });
  return out;
}

/** Flink's back-pressure levels: at most 10% of the time back-pressured is ok, at most half is low. */
export function backPressureLevel(ratio: number): 'ok' | 'low' | 'high' {
  if (ratio <= 0.1) return 'ok';
  return ratio <= 0.5 ? 'low' : 'high';
}

export function backPressureJson(v: VertexTaskMetrics, now: number): Record<string, unknown> {
  const reported = v.subtasks.some((m) => m?.rates !== undefined);
  if (!reported) return { status: 'deprecated' };
  let worst = 0;
  const subtasks = v.subtasks.map((m, subtask) => {
    const r = m?.rates;
    const ratio = (r?.backPressuredMs ?? 0) / 1000;
    worst = Math.max(worst, ratio);
    return {
      subtask,
      'backpressure-level': backPressureLevel(ratio),
      ratio,
      idleRatio: (r?.idleMs ?? 0) / 1000,
      busyRatio: (r?.busyMs ?? 0) / 1000,
    };
  });
  return { status: 'ok', 'backpressure-level': backPressureLevel(worst), 'end-timestamp': now, subtasks };
}

export function metricRoutes(ctx: HandlerContext): Route[] {
  const { gateway } = ctx;
  const vertexMetrics = async (req: RestRequest): Promise<VertexTaskMetrics> => {
    const jobId = jobIdParam(req);
    const vertexId = vertexIdParam(req);
    const v = await forJob(jobId, () => gateway.jobVertexTaskMetrics(jobId, vertexId));
    if (!v) throw notFound(`Job ${jobId} has no vertex ${vertexId}.`);
    return v;
  };
  return [
    {
      method: 'GET',
      path: '/jobmanager/metrics',
      handler: (req) => answer(async () => metricValues(await gateway.jobManagerMetrics(), req.query)),
    },
    {
      method: 'GET',
      path: '/taskmanagers/metrics',
      handler: (req) =>
        answer(async () => {
          const ids = (await gateway.taskManagers()).map((t) => t.id);
          return aggregatedOver(ids, 'taskmanagers', (id) => gateway.taskManagerMetrics(id), req.query);
        }),
    },
    {
      method: 'GET',
      path: '/taskmanagers/:taskmanagerid/metrics',
      handler: (req) =>
        answer(async () => {
          const id = req.pathParams.taskmanagerid ?? '';
          const samples = await gateway.taskManagerMetrics(id);
          if (!samples) throw notFound(`TaskManager ${id} is not registered with this cluster.`);
          return metricValues(samples, req.query);
        }),
    },
    {
      method: 'GET',
      path: '/jobs/metrics',
      handler: (req) =>
        answer(async () => {
          const ids = (await gateway.listJobs()).map((j) => j.jobId);
          return aggregatedOver(ids, 'jobs', (id) => gateway.jobMetrics(id), req.query);
        }),
    },
    {
      method: 'GET',
      path: '/jobs/:jobid/metrics',
      handler: (req) =>
        answer(async () => {
          const jobId = jobIdParam(req);
          return metricValues(await forJob(jobId, () => gateway.jobMetrics(jobId)), req.query);
        }),
    },
    {
      method: 'GET',
      path: '/jobs/:jobid/vertices/:vertexid/metrics',
      handler: (req) =>
        answer(async () => {
          const v = await vertexMetrics(req);
          const all: MetricSample[] = [];
          v.subtasks.forEach((m, i) => {
            for (const s of subtaskSamples(m, v.operators)) all.push({ ...s, name: `${i}.${s.name}` });
          });
          return metricValues(all, req.query);
        }),
    },
    {
      method: 'GET',
      path: '/jobs/:jobid/vertices/:vertexid/subtasks/metrics',
      handler: (req) =>
        answer(async () => {
          const v = await vertexMetrics(req);
          const chosen = indexSelection(req.query, 'subtasks');
          const per = v.subtasks.filter((_, i) => chosen === undefined || chosen.has(i)).map((m) => subtaskSamples(m, v.operators));
          return aggregatedValues(per, req.query);
        }),
    },
    {
      method: 'GET',
      path: '/jobs/:jobid/vertices/:vertexid/subtasks/:subtaskindex/metrics',
      handler: (req) =>
        answer(async () => {
          const v = await vertexMetrics(req);
          const raw = req.pathParams.subtaskindex ?? '';
          const index = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
          if (!(index < v.subtasks.length)) throw notFound(`The vertex has ${v.subtasks.length} subtasks; there is no subtask '${raw}'.`);
          return metricValues(subtaskSamples(v.subtasks[index], v.operators), req.query);
        }),
    },
    {
      method: 'GET',
      path: '/jobs/:jobid/vertices/:vertexid/backpressure',
      handler: async (req) => ({ status: 200, body: backPressureJson(await vertexMetrics(req), ctx.now()) }),
    },
  ];
}

/**
 * Aggregates the metrics of the entities (TaskManagers, jobs) the `selection` parameter names (all when absent);
 * one that cannot answer (gone meanwhile) is left out.
 */
async function aggregatedOver(
  ids: string[],
  selection: string,
  metricsOf: (id: string) => Promise<MetricSample[] | undefined>,
  query: URLSearchParams,
): Promise<Array<Record<string, string | number>>> {
  const wanted = listParameter(query, selection);
  const chosen = ids.filter((id) => wanted === undefined || wanted.includes(id));
  const per = await Promise.all(chosen.map((id) => metricsOf(id).catch(() => undefined)));
  return aggregatedValues(
    per.filter((p): p is MetricSample[] => p !== undefined),
    query,
  );
}

/** Runs a metric query, answering a malformed parameter with 400 and what to write instead. */
async function answer(query: () => Promise<unknown>): Promise<RestResponse> {
  try {
    return { status: 200, body: await query() };
  } catch (err) {
    if (err instanceof MetricQueryError) throw badRequest(err.message);
    throw err;
  }
}
