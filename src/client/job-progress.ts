/**
 * The one updating line an attached `bin/flink run` shows on a terminal while its job runs: state, elapsed time,
 * records in (what the sources emitted) and out (what the sinks took), with their rates. Only on a terminal:
 * piped or redirected output gets the usual lines and nothing else.
 *
 * ```ts
 * const line = new ProgressLine(process.stdout);
 * line.show(jobProgressOf(await client.jobDetails(jobId)));   // RUNNING  0:12  in 1,204,311 (98.2K/s) ...
 * line.clear();                                               // before any other output
 * ```
 */
import type { JobDetailsInfo } from '../rest/index.js';

export interface JobProgress {
  state: string;
  /** Records the job's sources emitted (before any operator chained to them). */
  recordsIn: number;
  /** Records the job's sinks (vertices nothing reads from) took in. */
  recordsOut: number;
}

type Details = Pick<JobDetailsInfo, 'state' | 'vertices' | 'plan'>;

/**
 * The progress in a job's details (`GET /jobs/:jobid`). A source vertex's `write-records` counts what leaves
 * its chain (after a chained filter, say); `sourceRecords` has what its source operator emitted, by vertex id,
 * where the caller could read it from the operator's metrics.
 */
export function jobProgressOf(details: Details, sourceRecords: ReadonlyMap<string, number> = new Map()): JobProgress {
  const nodes = planNodes(details.plan);
  const sources = new Set(sourceVertexIds(details.plan));
  const readFrom = new Set(nodes.flatMap((n) => n.inputs));
  let recordsIn = 0;
  let recordsOut = 0;
  for (const v of details.vertices) {
    if (sources.has(v.id)) recordsIn += sourceRecords.get(v.id) ?? v.metrics['write-records'];
    if (!readFrom.has(v.id)) recordsOut += v.metrics['read-records'];
  }
  return { state: details.state, recordsIn, recordsOut };
}

/** The vertices without inputs in a job's plan. */
export function sourceVertexIds(plan: unknown): string[] {
  return planNodes(plan)
    .filter((n) => n.inputs.length === 0)
    .map((n) => n.id);
}

/**
 * The operator-scope `numRecordsOut` of a vertex's head operator among the ids `/subtasks/metrics` lists: task
 * metrics have bare names, operator ones `<operator>.<name>`, listed in chain order.
 */
export function headOperatorRecordsOutId(ids: ReadonlyArray<{ id: string }>): string | undefined {
  return ids.find((m) => m.id.endsWith('.numRecordsOut'))?.id;
}

function planNodes(plan: unknown): Array<{ id: string; inputs: string[] }> {
  const nodes = (plan as { nodes?: unknown } | undefined)?.nodes;
  if (!Array.isArray(nodes)) return [];
  return nodes.map((n: { id?: unknown; inputs?: unknown }) => ({
    id: String(n.id),
    inputs: Array.isArray(n.inputs) ? n.inputs.map((i: { id?: unknown }) => String(i.id)) : [],
  }));
}

/** Where the line goes: a terminal's output stream. */
export interface ProgressStream {
  write(text: string): unknown;
  columns?: number;
}

export class ProgressLine {
  readonly #started: number;
  #shown = false;
  #last: { at: number; recordsIn: number; recordsOut: number } | undefined;
  #rates = { in: 0, out: 0 };

  constructor(
    private readonly out: ProgressStream,
    private readonly now: () => number = Date.now,
  ) {
    this.#started = now();
  }

  show(p: JobProgress): void {
    const at = this.now();
    const last = this.#last;
    if (last && at - last.at >= 500) {
      const s = (at - last.at) / 1000;
      this.#rates = { in: Math.max(0, (p.recordsIn - last.recordsIn) / s), out: Math.max(0, (p.recordsOut - last.recordsOut) / s) };
    }
    if (!last || at - last.at >= 500) this.#last = { at, recordsIn: p.recordsIn, recordsOut: p.recordsOut };
    let text = formatProgress(p, at - this.#started, this.#rates);
    const width = this.out.columns;
    if (width !== undefined && width > 1 && text.length >= width) text = text.slice(0, width - 1);
    // Back to the line's start, the new text, and erase whatever a longer earlier text left behind.
    this.out.write(`\r${text}\x1b[K`);
    this.#shown = true;
  }

  /** Erases the line, so that other output starts on a clean line. */
  clear(): void {
    if (!this.#shown) return;
    this.out.write('\r\x1b[K');
    this.#shown = false;
  }
}

export function formatProgress(p: JobProgress, elapsedMs: number, rates: { in: number; out: number }): string {
  return `${p.state}  ${formatElapsed(elapsedMs)}  records in ${p.recordsIn.toLocaleString('en-US')} (${formatRate(rates.in)}/s)  out ${p.recordsOut.toLocaleString('en-US')} (${formatRate(rates.out)}/s)`;
}

export function formatElapsed(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const mmss = `${String(m).padStart(h > 0 ? 2 : 1, '0')}:${String(s).padStart(2, '0')}`;
  return h > 0 ? `${h}:${mmss}` : mmss;
}

export function formatRate(perSecond: number): string {
  if (perSecond >= 1e9) return `${(perSecond / 1e9).toFixed(1)}G`;
  if (perSecond >= 1e6) return `${(perSecond / 1e6).toFixed(1)}M`;
  if (perSecond >= 1e3) return `${(perSecond / 1e3).toFixed(1)}K`;
  return String(Math.round(perSecond));
}
