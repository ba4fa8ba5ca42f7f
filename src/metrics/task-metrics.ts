/**
 * What a running task reports about itself (once a second, from its worker thread, through the TaskManager to
 * the JobManager) and how those figures map onto Flink's task and operator metric names.
 */
import type { MetricSample } from './metric-registry.js';

/** Records into and out of one operator of a task's chain (Flink's operator-scope counters). */
export interface OperatorCounts {
  recordsIn: number;
  recordsOut: number;
}

/** Per-second rates over the last few seconds (see RateWindow); absent in a task's final figures. */
export interface TaskRates {
  recordsIn: number;
  recordsOut: number;
  bytesIn: number;
  bytesOut: number;
  /** Milliseconds per second spent processing input; undefined for sources (see TaskMetrics.busyMs). */
  busyMs?: number;
  backPressuredMs: number;
  idleMs?: number;
  operators: OperatorCounts[];
}

export interface TaskMetrics {
  readRecords: number;
  readBytes: number;
  writeRecords: number;
  writeBytes: number;
  /**
   * The watermark the task last handed to its head operator (Flink's `currentInputWatermark`), clamped to
   * Java's long range so it survives JSON (±Infinity would become null). Absent for sources, which have no
   * input, as Flink registers no such metric for them.
   */
  inputWatermark?: number;
  /** Milliseconds since the task started running. */
  runMs?: number;
  /**
   * Milliseconds spent processing input since the task started. Undefined for sources: a source's own loop
   * cannot tell working from waiting for its external system, so (like Flink's legacy sources) it has no busy
   * or idle time.
   */
  busyMs?: number;
  /** Milliseconds the task could not go on because an output (or a back-pressuring sink) was full. */
  backPressuredMs?: number;
  /** Share (0–1) of the input buffers the task may hold that hold data (Flink's `buffers.inPoolUsage`). */
  inPoolUsage?: number;
  /** Share (0–1) of the output backlog the writers may queue that is queued (`buffers.outPoolUsage`). */
  outPoolUsage?: number;
  /** Each chain operator's counters, in chain order. */
  operators?: OperatorCounts[];
  rates?: TaskRates;
}

/** The cumulative counters a RateWindow follows, in a fixed order, and the rates back from it. */
export function rateInputs(m: TaskMetrics): number[] {
  const out = [m.readRecords, m.writeRecords, m.readBytes, m.writeBytes, m.busyMs ?? 0, m.backPressuredMs ?? 0, m.runMs ?? 0];
  for (const op of m.operators ?? []) out.push(op.recordsIn, op.recordsOut);
  return out;
}

export function ratesFrom(m: TaskMetrics, r: readonly number[]): TaskRates {
  const at = (i: number): number => r[i] ?? 0;
  const operators: OperatorCounts[] = [];
  for (let i = 7; i + 1 < r.length; i += 2) operators.push({ recordsIn: at(i), recordsOut: at(i + 1) });
  const backPressuredMs = clampPerSecond(at(5), at(6));
  const rates: TaskRates = { recordsIn: at(0), recordsOut: at(1), bytesIn: at(2), bytesOut: at(3), backPressuredMs, operators };
  if (m.busyMs !== undefined) {
    const busyMs = clampPerSecond(at(4), at(6));
    rates.busyMs = busyMs;
    rates.idleMs = Math.max(0, 1000 - busyMs - backPressuredMs);
  }
  return rates;
}

/** Milliseconds per second of wall time: the counter's rate scaled by how fast the task's clock ran. */
function clampPerSecond(msPerSecond: number, runMsPerSecond: number): number {
  const scale = runMsPerSecond > 0 ? 1000 / runMsPerSecond : 1;
  return Math.min(1000, Math.max(0, msPerSecond * scale));
}

/**
 * Flink's task-scope metrics of a subtask, by name (`numRecordsIn`, `busyTimeMsPerSecond`,
 * `buffers.inPoolUsage`, ...). Rates are 0 until the task's second report.
 */
export function taskMetricSamples(m: TaskMetrics): MetricSample[] {
  const r = m.rates;
  const out: MetricSample[] = [
    counter('numRecordsIn', m.readRecords),
    counter('numRecordsOut', m.writeRecords),
    counter('numBytesIn', m.readBytes),
    counter('numBytesOut', m.writeBytes),
    gauge('numRecordsInPerSecond', r?.recordsIn ?? 0),
    gauge('numRecordsOutPerSecond', r?.recordsOut ?? 0),
    gauge('numBytesInPerSecond', r?.bytesIn ?? 0),
    gauge('numBytesOutPerSecond', r?.bytesOut ?? 0),
    gauge('backPressuredTimeMsPerSecond', r?.backPressuredMs ?? 0),
    gauge('isBackPressured', (r?.backPressuredMs ?? 0) > 0 ? 1 : 0),
    gauge('buffers.inPoolUsage', m.inPoolUsage ?? 0),
    gauge('buffers.outPoolUsage', m.outPoolUsage ?? 0),
  ];
  if (m.busyMs !== undefined) out.push(gauge('busyTimeMsPerSecond', r?.busyMs ?? 0), gauge('idleTimeMsPerSecond', r?.idleMs ?? 0));
  if (m.inputWatermark !== undefined) out.push(gauge('currentInputWatermark', m.inputWatermark));
  return out;
}

/** Flink's operator-scope metrics of operator `index` of the chain. */
export function operatorMetricSamples(m: TaskMetrics, index: number): MetricSample[] {
  const c = m.operators?.[index];
  if (!c) return [];
  const r = m.rates?.operators[index];
  const out = [
    counter('numRecordsIn', c.recordsIn),
    counter('numRecordsOut', c.recordsOut),
    gauge('numRecordsInPerSecond', r?.recordsIn ?? 0),
    gauge('numRecordsOutPerSecond', r?.recordsOut ?? 0),
  ];
  // The head operator sees the task's input watermark.
  if (index === 0 && m.inputWatermark !== undefined) out.push(gauge('currentInputWatermark', m.inputWatermark));
  return out;
}

/** Flink cuts operator names in metric scopes to 80 characters. */
export function operatorScopeName(name: string): string {
  return name.length > 80 ? name.slice(0, 80) : name;
}

/**
 * How Flink's metric query service writes an operator name into a metric id: blanks, dots, colons and commas
 * become underscores (`Source: Socket Stream` → `Source__Socket_Stream`), so the id's dots stay separators.
 */
export function metricIdComponent(name: string): string {
  return name.replace(/[ .:,]/g, '_');
}

function counter(name: string, value: number): MetricSample {
  return { name, kind: 'counter', value };
}

function gauge(name: string, value: number): MetricSample {
  return { name, kind: 'gauge', value };
}
