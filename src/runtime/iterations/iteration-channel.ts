/**
 * What the tasks of one parallel instance of a batch iteration share inside their worker thread (Flink's brokers:
 * the back channel, the solution set, the aggregators, the superstep barrier). Subtask i of every operator of the
 * loop runs in slot i — the job master places subtask i of each vertex there — so the head, the operators of the
 * step function and the tails of instance i meet here without any network hop.
 *
 * The superstep protocol: the head ends a superstep by sending an end-of-superstep marker through the loop; every
 * task of the loop passes it on once it handled all of that superstep's input and then reports to this channel.
 * When all of them did, the head reports the instance's counts and partial aggregates to the JobManager, which
 * answers, once every instance reported, with all reports; every head then takes the same decision from them.
 */
import type { Aggregator, ConvergenceCriterion, IterationAggregators } from '../../api/iterations.js';
import { decodeRecords, encodeRecord } from '../codec/index.js';
import { FlinkError } from '../../util/errors.js';

/** One instance's account of a superstep, as sent to the JobManager. */
export interface SuperstepReport {
  subtask: number;
  superstep: number;
  /** Records the termination criterion saw (bulk, when it has one). */
  criterionCount: number;
  /** Records of the next workset (delta) or of the next partial solution (bulk). */
  nextCount: number;
  /** The partial aggregates, codec-encoded in base64 (user values of any shape). */
  aggregates: string;
}

/** Sends a report to the JobManager and resolves with every instance's report of that superstep. */
export type SuperstepCoordinator = (jobId: string, iterationId: number, report: SuperstepReport) => Promise<SuperstepReport[]>;

let coordinator: SuperstepCoordinator | undefined;

/** The worker thread installs how reports reach the JobManager (see worker-main.ts). */
export function setSuperstepCoordinator(c: SuperstepCoordinator | undefined): void {
  coordinator = c;
}

export class IterationChannel {
  superstep = 1;
  /** The next partial solution (bulk) or next workset (delta), filled by the tail during a superstep. */
  feedback: unknown[] = [];
  criterionCount = 0;
  /** The delta iteration's solution set of this instance, by key. */
  readonly solutionSet = new Map<unknown, unknown>();
  private solutionSetReady = false;
  private readonly readyCallbacks: Array<() => void> = [];
  /** Combined aggregates of the previous superstep, by name. */
  readonly previous = new Map<string, unknown>();
  aggregators: Record<string, Aggregator<unknown>> = {};
  private convergence: IterationAggregators['convergence'] = null;
  /** How many tasks of the loop run in this instance (one per vertex of the loop); set by the head. */
  private expectedTasks = 0;
  private doneTasks = 0;
  private allDone: (() => void) | undefined;
  private closed = false;

  constructor(
    readonly jobId: string,
    readonly iterationId: number,
    readonly subtask: number,
  ) {}

  /** The head sets up the instance: how many tasks the loop has here, and the registered aggregators. */
  configure(loopTasks: number, regs: IterationAggregators): void {
    this.expectedTasks = loopTasks;
    this.aggregators = regs.aggregators;
    this.convergence = regs.convergence;
    for (const a of Object.values(this.aggregators)) a.reset();
  }

  /** A task of the loop handled all input of the current superstep and passed the marker on. */
  taskDone(): void {
    this.doneTasks++;
    if (this.doneTasks >= this.expectedTasks && this.allDone) {
      const r = this.allDone;
      this.allDone = undefined;
      r();
    }
  }

  /** The delta head read the whole initial solution set: joins with it may start. */
  markSolutionSetReady(): void {
    this.solutionSetReady = true;
    for (const cb of this.readyCallbacks.splice(0)) cb();
  }

  /** Calls `cb` once the solution set is complete (at once when it is). */
  whenSolutionSetReady(cb: () => void): boolean {
    if (this.solutionSetReady) return true;
    this.readyCallbacks.push(cb);
    return false;
  }

  takeFeedback(): unknown[] {
    const f = this.feedback;
    this.feedback = [];
    return f;
  }

  /**
   * The head's part of the barrier: waits for every task of the loop in this instance, reports to the JobManager,
   * and returns whether the iteration ends after this superstep. Resets the per-superstep counters.
   */
  async finishSuperstep(kind: 'bulk' | 'delta', maxIterations: number, hasCriterion: boolean): Promise<boolean> {
    if (this.doneTasks < this.expectedTasks) await new Promise<void>((r) => (this.allDone = r));
    if (this.closed) throw new IterationAbortedError();
    const partials: Record<string, unknown> = {};
    for (const [name, a] of Object.entries(this.aggregators)) partials[name] = a.getAggregate();
    const report: SuperstepReport = {
      subtask: this.subtask,
      superstep: this.superstep,
      criterionCount: this.criterionCount,
      nextCount: this.feedback.length,
      aggregates: Buffer.from(encodeRecord(partials)).toString('base64'),
    };
    if (!coordinator) throw new FlinkError('NO_SUPERSTEP_COORDINATOR', 'Batch iterations need a JobManager to coordinate supersteps.');
    const all = await coordinator(this.jobId, this.iterationId, report);
    if (this.closed) throw new IterationAbortedError();
    this.combine(all);
    const n = this.superstep;
    let end = n >= maxIterations;
    if (kind === 'bulk' && hasCriterion && sum(all, 'criterionCount') === 0) end = true;
    if (kind === 'delta' && sum(all, 'nextCount') === 0) end = true;
    if (this.convergence && isConverged(this.convergence.criterion, n, this.previous.get(this.convergence.name))) end = true;
    this.doneTasks = 0;
    this.criterionCount = 0;
    if (!end) this.superstep = n + 1;
    return end;
  }

  /** Every head combines the same partial aggregates in the same order, so all reach the same decision. */
  private combine(all: SuperstepReport[]): void {
    const sorted = [...all].sort((a, b) => a.subtask - b.subtask);
    const parts = sorted.map((r) => decodeRecords(Buffer.from(r.aggregates, 'base64'))[0] as Record<string, unknown>);
    for (const [name, a] of Object.entries(this.aggregators)) {
      a.reset();
      for (const p of parts) if (name in p) a.aggregate(p[name]);
      this.previous.set(name, a.getAggregate());
      a.reset();
    }
  }

  close(): void {
    this.closed = true;
    this.feedback = [];
    this.solutionSet.clear();
    this.readyCallbacks.length = 0;
    const r = this.allDone;
    this.allDone = undefined;
    r?.();
  }
}

export class IterationAbortedError extends FlinkError {
  constructor() {
    super('ITERATION_ABORTED', 'The iteration was stopped (the job was cancelled or failed).');
  }
}

function sum(reports: SuperstepReport[], field: 'criterionCount' | 'nextCount'): number {
  return reports.reduce((n, r) => n + r[field], 0);
}

function isConverged(c: ConvergenceCriterion<unknown>, iteration: number, value: unknown): boolean {
  return typeof c === 'function' ? c(iteration, value) : c.isConverged(iteration, value);
}

/** The channels of this worker thread, by job, iteration and subtask; they end with the worker. */
const channels = new Map<string, IterationChannel>();

export function iterationChannel(jobId: string, iterationId: number, subtask: number): IterationChannel {
  const key = `${jobId}/${iterationId}/${subtask}`;
  let c = channels.get(key);
  if (!c) channels.set(key, (c = new IterationChannel(jobId, iterationId, subtask)));
  return c;
}

/** Closes every channel of a job (cancellation or failure), waking a head that waits. */
export function closeIterationChannels(jobId: string): void {
  for (const [key, c] of channels) {
    if (c.jobId !== jobId) continue;
    c.close();
    channels.delete(key);
  }
}
