/**
 * The metric query parameters of Flink's REST API and the answers to them:
 * - `GET .../metrics` lists the ids (`[{"id": "numRecordsIn"}]`);
 * - `?get=a,b` answers their values as strings (`[{"id": "a", "value": "12"}]`), leaving out unknown ids;
 * - aggregating handlers take `agg=min,max,avg,sum` and a selection (`subtasks=0-2,5`) and answer numbers
 *   (`[{"id": "a", "min": 1, "max": 3, "avg": 2, "sum": 6}]`).
 */
import type { MetricSample } from './metric-registry.js';

export type Aggregation = 'min' | 'max' | 'avg' | 'sum';
export const AGGREGATIONS: readonly Aggregation[] = ['min', 'max', 'avg', 'sum'];

/** A query parameter with a value the API cannot take: the REST layer answers 400 with the message. */
export class MetricQueryError extends Error {
  readonly code = 'BAD_METRIC_QUERY';
}

/** The comma-separated list of a parameter (repeated parameters join), or undefined when it is absent. */
export function listParameter(query: URLSearchParams, name: string): string[] | undefined {
  const all = query.getAll(name);
  if (all.length === 0) return undefined;
  return all
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter((v) => v.length > 0);
}

export function aggregationsOf(query: URLSearchParams): Aggregation[] {
  const asked = listParameter(query, 'agg');
  if (asked === undefined || asked.length === 0) return [...AGGREGATIONS];
  return asked.map((a) => {
    const lower = a.toLowerCase();
    if (!(AGGREGATIONS as readonly string[]).includes(lower)) {
      throw new MetricQueryError(`Unknown aggregation '${a}' in agg=: use one or more of ${AGGREGATIONS.join(', ')}.`);
    }
    return lower as Aggregation;
  });
}

/**
 * The numbers a selection parameter names (`0-2,5` → 0, 1, 2, 5), or undefined when it is absent (all).
 * Anything else than numbers and ranges is refused.
 */
export function indexSelection(query: URLSearchParams, name: string): Set<number> | undefined {
  const parts = listParameter(query, name);
  if (parts === undefined) return undefined;
  const out = new Set<number>();
  for (const p of parts) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(p);
    if (!m) throw new MetricQueryError(`'${p}' in ${name}= is neither a number nor a range such as 0-3.`);
    const from = Number(m[1]);
    const to = m[2] === undefined ? from : Number(m[2]);
    for (let i = from; i <= Math.min(to, from + 100_000); i++) out.add(i);
  }
  return out;
}

/** The answer of a non-aggregating metrics handler for these samples. */
export function metricValues(samples: readonly MetricSample[], query: URLSearchParams): Array<{ id: string; value?: string }> {
  const get = listParameter(query, 'get');
  if (get === undefined) return samples.map((s) => ({ id: s.name }));
  const byName = new Map(samples.map((s) => [s.name, s.value]));
  const out: Array<{ id: string; value: string }> = [];
  for (const id of get) {
    const v = byName.get(id);
    if (v !== undefined) out.push({ id, value: String(v) });
  }
  return out;
}

/** The answer of an aggregating handler over the samples of several subtasks (or TaskManagers, or jobs). */
export function aggregatedValues(perEntity: ReadonlyArray<readonly MetricSample[]>, query: URLSearchParams): Array<Record<string, string | number>> {
  const get = listParameter(query, 'get');
  if (get === undefined) {
    const ids = new Set<string>();
    for (const samples of perEntity) for (const s of samples) ids.add(s.name);
    return [...ids].map((id) => ({ id }));
  }
  const aggs = aggregationsOf(query);
  const maps = perEntity.map((samples) => new Map(samples.map((s) => [s.name, s.value])));
  const out: Array<Record<string, string | number>> = [];
  for (const id of get) {
    const values = maps.map((m) => m.get(id)).filter((v): v is number => v !== undefined && Number.isFinite(v));
    if (values.length === 0) continue;
    const sum = values.reduce((a, b) => a + b, 0);
    const row: Record<string, string | number> = { id };
    for (const a of aggs) {
      if (a === 'min') row.min = Math.min(...values);
      else if (a === 'max') row.max = Math.max(...values);
      else if (a === 'avg') row.avg = sum / values.length;
      else row.sum = sum;
    }
    out.push(row);
  }
  return out;
}
