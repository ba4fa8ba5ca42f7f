/**
 * Reading a Prometheus endpoint as Prometheus would: GET, then the text format parsed by a Prometheus
 * text-format parser (parse-prometheus-text-format), with helpers to find series by name and labels.
 */
import parsePrometheusTextFormat, { type PrometheusFamily } from 'parse-prometheus-text-format';

export type { PrometheusFamily };

export interface Series {
  labels: Record<string, string>;
  value: number;
}

/** Parses an exposition; throws if the text is not the Prometheus text format. */
export function parseExposition(text: string): PrometheusFamily[] {
  return parsePrometheusTextFormat(text);
}

/** Scrapes http://host:port/metrics and parses the answer. */
export async function scrape(port: number, host = '127.0.0.1'): Promise<PrometheusFamily[]> {
  const res = await fetch(`http://${host}:${port}/metrics`, { signal: AbortSignal.timeout(10_000) });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`GET http://${host}:${port}/metrics answered ${res.status}: ${text}`);
  if (!/^text\/plain; version=0\.0\.4/.test(res.headers.get('content-type') ?? '')) throw new Error(`not the Prometheus text format: ${res.headers.get('content-type')}`);
  return parseExposition(text);
}

/** The series of the family `name` whose labels include `labels`. */
export function series(families: readonly PrometheusFamily[], name: string, labels: Record<string, string> = {}): Series[] {
  const family = families.find((f) => f.name === name);
  if (family === undefined) return [];
  return family.metrics
    .map((m) => ({ labels: m.labels ?? {}, value: Number(m.value) }))
    .filter((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v));
}
