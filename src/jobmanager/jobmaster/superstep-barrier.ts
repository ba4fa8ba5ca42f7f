/**
 * The JobManager's part in batch iterations: the barrier between supersteps. Each parallel instance's head reports
 * when its instance finished a superstep; once all did, every head gets all reports (counts and partial
 * aggregates) and decides, the same way everywhere, whether to go on. The barrier also keeps what the REST API
 * shows: the current superstep and the time each superstep took.
 */
import type { JobGraph, JobVertex } from '../../graph/index.js';
import type { SuperstepComplete, SuperstepReportUpdate } from '../../rpc/gateways.js';
import type { SuperstepReport } from '../../runtime/iterations/iteration-channel.js';
import { getLogger } from '../../util/logger.js';
import type { IterationInfo } from '../../rest/index.js';

const log = getLogger('org.apache.flink.runtime.iterative.task.IterationSynchronizationSinkTask');

interface Progress {
  info: IterationInfo;
  head: JobVertex;
  started: number;
  reports: Map<number, SuperstepReport>;
}

export class SuperstepBarrier {
  private readonly iterations = new Map<number, Progress>();

  constructor(
    graph: JobGraph,
    private readonly tmOf: (vertex: number, subtask: number) => string | undefined,
    private readonly send: (tmId: string, msg: SuperstepComplete) => void,
  ) {
    for (const v of graph.vertices) {
      const op = v.operators[0];
      if (!op || op.iteration === undefined || !op.operator.endsWith('-head')) continue;
      this.iterations.set(op.iteration, {
        info: {
          id: op.iteration,
          name: op.name,
          kind: op.operator === 'iteration:delta-head' ? 'delta' : 'bulk',
          parallelism: v.parallelism,
          'max-iterations': op.params.maxIterations as number,
          superstep: 1,
          status: 'RUNNING',
          supersteps: [],
        },
        head: v,
        started: Date.now(),
        reports: new Map(),
      });
    }
  }

  get hasIterations(): boolean {
    return this.iterations.size > 0;
  }

  /** The job's tasks were deployed: the first superstep starts now. */
  deployed(): void {
    for (const p of this.iterations.values()) p.started = Date.now();
  }

  onReport(u: SuperstepReportUpdate): void {
    const p = this.iterations.get(u.iteration);
    if (!p || u.report.superstep !== p.info.superstep) return;
    p.reports.set(u.report.subtask, u.report);
    if (p.reports.size < p.info.parallelism) return;
    const reports = [...p.reports.values()].sort((a, b) => a.subtask - b.subtask);
    const now = Date.now();
    const n = p.info.superstep;
    const next = reports.reduce((s, r) => s + r.nextCount, 0);
    p.info.supersteps.push({ superstep: n, 'start-time': p.started, 'duration-ms': now - p.started, 'next-count': next });
    log.info(`${p.info.name} (${u.iteration}): superstep ${n} finished in ${now - p.started} ms on ${reports.length} parallel instance(s).`);
    p.reports.clear();
    p.started = now;
    const msg: SuperstepComplete = { jobId: u.jobId, iteration: u.iteration, superstep: n, reports };
    const tms = new Set<string>();
    for (let s = 0; s < p.head.parallelism; s++) {
      const tm = this.tmOf(p.head.index, s);
      if (tm) tms.add(tm);
    }
    for (const tm of tms) this.send(tm, msg);
    // The heads decide whether another superstep follows; when one does, its reports will say so.
    p.info.superstep = n + 1;
  }

  /** The job ended: every iteration's last superstep is the last one reported. */
  jobEnded(): void {
    for (const p of this.iterations.values()) {
      if (p.info.status === 'FINISHED') continue;
      p.info.status = 'FINISHED';
      p.info.superstep = p.info.supersteps.length;
    }
  }

  info(): IterationInfo[] {
    return [...this.iterations.values()].map((p) => structuredClone(p.info));
  }
}
