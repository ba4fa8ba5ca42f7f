/**
 * Batch iterations, as in Flink's DataSet API. The loop runs inside the dataflow: a head task per parallel
 * instance feeds each superstep's data to the step function and a tail hands the result back to it in the same
 * slot, so the data stays where it is between supersteps; the JobManager only holds every instance at the end of
 * a superstep until all have finished it (and combines the aggregators).
 *
 * ```ts
 * const it = initial.iterate(10);                       // bulk: the whole partial solution each round
 * const result = it.closeWith(it.map(step), criterion);  // ends at 10 rounds or when `criterion` is empty
 *
 * const d = solution.iterateDelta(workset, 100, 0);     // delta: a keyed solution set, a shrinking workset
 * const changes = d.getWorkset().join(d.getSolutionSet()).where(0).equalTo(0).with(update);
 * const final = d.closeWith(changes, changes);           // ends when the workset is empty
 * ```
 */
import { DataSet, type ExecutionEnvironment } from './dataset.js';
import type { KeySelector, RuntimeContext } from './functions.js';
import type { KeySpec, Transformation } from './transformation.js';
import { checkParallelism } from './stream-environment.js';
import { UsageError } from '../util/errors.js';

/** A value all parallel instances add to during a superstep; the combined value is seen in the next one. */
export interface Aggregator<T> {
  getAggregate(): T;
  aggregate(element: T): void;
  reset(): void;
}

/** Decides, from an aggregator's combined value after a superstep, whether the iteration has converged. */
export type ConvergenceCriterion<T> = ((iteration: number, value: T) => boolean) | { isConverged(iteration: number, value: T): boolean };

export class LongSumAggregator implements Aggregator<number> {
  private sum = 0;
  getAggregate(): number {
    return this.sum;
  }
  aggregate(element: number): void {
    this.sum += element;
  }
  reset(): void {
    this.sum = 0;
  }
}

export class DoubleSumAggregator extends LongSumAggregator {}

/** Converged once the aggregate is zero (Flink's LongZeroConvergence). */
export class LongZeroConvergence {
  isConverged(_iteration: number, value: number): boolean {
    return value === 0;
  }
}

/** Converged once the aggregate is zero (Flink's DoubleZeroConvergence). */
export class DoubleZeroConvergence extends LongZeroConvergence {}

/** What functions inside an iteration see besides their runtime context. */
export interface IterationRuntimeContext extends RuntimeContext {
  /** The superstep being computed, from 1. */
  getSuperstepNumber(): number;
  /** The aggregator registered under `name`, to add this superstep's values to. */
  getIterationAggregator<A extends Aggregator<unknown>>(name: string): A;
  /** The combined value of the aggregator `name` after the previous superstep (undefined in the first). */
  getPreviousIterationAggregate<T>(name: string): T;
}

/** The head transformation's registered aggregators and convergence criterion (its fns[0] and fns[1]). */
export interface IterationAggregators {
  aggregators: Record<string, Aggregator<unknown>>;
  convergence: { name: string; criterion: ConvergenceCriterion<unknown> } | null;
}

class IterationBase {
  /** @internal */
  readonly head: Transformation;
  private closed = false;

  constructor(head: Transformation) {
    this.head = head;
  }

  /** Registers an aggregator the step function can add to (getIterationRuntimeContext().getIterationAggregator). */
  registerAggregator(name: string, aggregator: Aggregator<unknown>): this {
    checkAggregator(name, aggregator);
    const regs = this.head.fns[0] as IterationAggregators['aggregators'];
    if (regs[name]) throw new UsageError(`An aggregator named '${name}' is already registered with this iteration.`);
    regs[name] = aggregator;
    return this;
  }

  /** Registers an aggregator and ends the iteration as soon as its combined value meets `criterion`. */
  registerAggregationConvergenceCriterion<T>(name: string, aggregator: Aggregator<T>, criterion: ConvergenceCriterion<T>): this {
    const fns = this.head.fns as unknown[];
    if (fns[1]) throw new UsageError('This iteration already has a convergence criterion: register one at most.');
    const ok = typeof criterion === 'function' || (criterion !== null && typeof criterion === 'object' && typeof (criterion as { isConverged?: unknown }).isConverged === 'function');
    if (!ok) throw new UsageError('registerAggregationConvergenceCriterion(): give a function (iteration, value) => boolean or an object with isConverged().');
    this.registerAggregator(name, aggregator as Aggregator<unknown>);
    fns[1] = { name, criterion };
    return this;
  }

  getMaxIterations(): number {
    return this.head.params.maxIterations as number;
  }

  /** @internal */
  markClosed(): void {
    if (this.closed) throw new UsageError('closeWith() was already called on this iteration: close it once.');
    this.closed = true;
  }

  /** @internal */
  tail(env: ExecutionEnvironment, name: string, operator: string, input: DataSet<unknown>, extra: Partial<Transformation> = {}): Transformation {
    if (input.env !== env) throw new UsageError('closeWith(): the data set must come from the same execution environment as the iteration.');
    return env.create({ name, operator, inputs: [input.transformation], params: { iterationId: this.head.id }, ...extra });
  }
}

/** The partial solution of a bulk iteration: apply the step function to it, then call closeWith. */
export class IterativeDataSet<T> extends DataSet<T> {
  private readonly base: IterationBase;

  constructor(env: ExecutionEnvironment, head: Transformation) {
    super(env, head);
    this.base = new IterationBase(head);
  }

  registerAggregator(name: string, aggregator: Aggregator<unknown>): this {
    this.base.registerAggregator(name, aggregator);
    return this;
  }
  registerAggregationConvergenceCriterion<A>(name: string, aggregator: Aggregator<A>, criterion: ConvergenceCriterion<A>): this {
    this.base.registerAggregationConvergenceCriterion(name, aggregator, criterion);
    return this;
  }
  getMaxIterations(): number {
    return this.base.getMaxIterations();
  }
  setParallelism(parallelism: number): this {
    checkParallelism(parallelism, 'setParallelism');
    this.transformation.parallelism = parallelism;
    return this;
  }
  name(name: string): this {
    this.transformation.name = name;
    return this;
  }

  /**
   * Ends the step function: `next` becomes the partial solution of the next superstep. With a termination
   * criterion the loop also ends after a superstep in which that data set is empty. Returns the final result.
   */
  closeWith(next: DataSet<T>, terminationCriterion?: DataSet<unknown>): DataSet<T> {
    this.base.markClosed();
    const tailOf = this.base.tail.bind(this.base);
    const companions = [tailOf(this.env, 'Bulk Iteration Tail', 'iteration:bulk-tail', next as DataSet<unknown>)];
    if (terminationCriterion !== undefined) {
      if (!(terminationCriterion instanceof DataSet)) throw new UsageError('closeWith(next, terminationCriterion): the criterion must be a data set.');
      companions.push(tailOf(this.env, 'Termination Criterion', 'iteration:criterion', terminationCriterion));
      this.transformation.params.hasCriterion = true;
    }
    const result = this.env.create({ name: 'Iteration Result', virtual: 'side-output', sideOutputTag: resultTag(this.transformation.id), inputs: [this.transformation], companions });
    return new DataSet<T>(this.env, result);
  }
}

/** A delta iteration: a solution set indexed by key and a workset, both partitioned by key over the slots. */
export class DeltaIteration<ST, WT> {
  private readonly base: IterationBase;
  private readonly solutionSet: DataSet<ST>;
  private readonly workset: DataSet<WT>;

  constructor(
    private readonly env: ExecutionEnvironment,
    head: Transformation,
    placeholder: Transformation,
  ) {
    this.base = new IterationBase(head);
    this.solutionSet = new DataSet<ST>(env, placeholder);
    this.workset = new DataSet<WT>(env, head);
  }

  getSolutionSet(): DataSet<ST> {
    return this.solutionSet;
  }
  getWorkset(): DataSet<WT> {
    return this.workset;
  }
  registerAggregator(name: string, aggregator: Aggregator<unknown>): this {
    this.base.registerAggregator(name, aggregator);
    return this;
  }
  registerAggregationConvergenceCriterion<A>(name: string, aggregator: Aggregator<A>, criterion: ConvergenceCriterion<A>): this {
    this.base.registerAggregationConvergenceCriterion(name, aggregator, criterion);
    return this;
  }
  getMaxIterations(): number {
    return this.base.getMaxIterations();
  }
  /**
   * Keeps the solution set in plain heap objects outside the managed-memory budget (Flink's unmanaged solution
   * set): it never spills and never fails for want of managed memory, but counts against the slot's heap.
   */
  setSolutionSetUnManaged(unmanaged: boolean): this {
    this.base.head.params.unmanaged = unmanaged;
    return this;
  }
  isSolutionSetUnManaged(): boolean {
    return this.base.head.params.unmanaged === true;
  }
  parallelism(parallelism: number): this {
    checkParallelism(parallelism, 'parallelism');
    this.base.head.parallelism = parallelism;
    return this;
  }
  getParallelism(): number {
    return this.base.head.parallelism;
  }
  name(name: string): this {
    this.base.head.name = name;
    return this;
  }

  /**
   * Ends the step function: `solutionSetDelta` replaces solution-set entries by key, `newWorkset` becomes the next
   * workset; the loop ends when a workset is empty or after the maximum number of iterations. Returns the final
   * solution set.
   */
  closeWith(solutionSetDelta: DataSet<ST>, newWorkset: DataSet<WT>): DataSet<ST> {
    this.base.markClosed();
    const head = this.base.head;
    const key = head.fns[2] as KeySpec;
    const tailOf = this.base.tail.bind(this.base);
    // A delta record must reach the slot that holds its key's solution-set entry.
    const part = this.env.create({ name: 'Hash Partition', virtual: 'partition', partitioner: 'hash', keySpec: key, inputs: [solutionSetDelta.transformation] });
    const delta = this.env.create({ name: 'Solution Set Delta', operator: 'iteration:solution-set-delta', inputs: [part], params: { iterationId: head.id }, fns: [key] });
    const companions = [delta, tailOf(this.env, 'Workset Tail', 'iteration:workset-tail', newWorkset as DataSet<unknown>)];
    const result = this.env.create({ name: 'Iteration Result', virtual: 'side-output', sideOutputTag: resultTag(head.id), inputs: [head], companions });
    return new DataSet<ST>(this.env, result);
  }
}

/** The side output of an iteration head that carries the loop's final result. */
export function resultTag(iterationId: number): string {
  return `iteration-result-${iterationId}`;
}

declare module './dataset.js' {
  interface DataSet<T> {
    /** Starts a bulk iteration of at most `maxIterations` supersteps over this data set. */
    iterate(maxIterations: number): IterativeDataSet<T>;
    /**
     * Starts a delta iteration: this data set is the initial solution set, keyed by `keyFields`; `workset` the
     * initial workset.
     */
    iterateDelta<W>(workset: DataSet<W>, maxIterations: number, ...keyFields: Array<number | string | KeySelector<T, unknown>>): DeltaIteration<T, W>;
  }
}

DataSet.prototype.iterate = function iterate<T>(this: DataSet<T>, maxIterations: number): IterativeDataSet<T> {
  checkMaxIterations(maxIterations, 'iterate');
  const head = this.env.create({
    name: 'Bulk Iteration',
    operator: 'iteration:bulk-head',
    inputs: [this.transformation],
    params: { maxIterations },
    fns: [{}, null],
    chaining: 'HEAD',
  });
  head.params.iterationId = head.id;
  return new IterativeDataSet<T>(this.env, head);
};

DataSet.prototype.iterateDelta = function iterateDelta<T, W>(
  this: DataSet<T>,
  workset: DataSet<W>,
  maxIterations: number,
  ...keyFields: Array<number | string | KeySelector<T, unknown>>
): DeltaIteration<T, W> {
  checkMaxIterations(maxIterations, 'iterateDelta');
  if (!(workset instanceof DataSet) || workset.env !== this.env) throw new UsageError('iterateDelta(workset, ...): the workset must be a data set of the same execution environment.');
  const key = solutionSetKey(keyFields);
  const part = this.env.create({ name: 'Hash Partition', virtual: 'partition', partitioner: 'hash', keySpec: key, inputs: [this.transformation] });
  const head = this.env.create({
    name: 'Delta Iteration',
    operator: 'iteration:delta-head',
    inputs: [part, workset.transformation],
    inputSides: [0, 1],
    params: { maxIterations, unmanaged: false },
    fns: [{}, null, key],
    chaining: 'HEAD',
  });
  head.params.iterationId = head.id;
  const placeholder = this.env.create({ name: 'Solution Set', operator: 'iteration:solution-set', params: { iterationId: head.id }, fns: [key] });
  return new DeltaIteration<T, W>(this.env, head, placeholder);
};

function solutionSetKey(keyFields: ReadonlyArray<unknown>): KeySpec {
  const k = keyFields.length === 1 ? keyFields[0] : keyFields;
  if (typeof k === 'number' || typeof k === 'string' || typeof k === 'function') return k as KeySpec;
  if (Array.isArray(k) && k.length > 0 && k.every((x) => typeof x === 'number' || typeof x === 'string')) return (k.length === 1 ? k[0] : k) as KeySpec;
  throw new UsageError('iterateDelta(workset, maxIterations, keyFields): give the solution set key as field positions, field names or one key selector function.');
}

function checkMaxIterations(n: number, where: string): void {
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${where}(${n}): the maximum number of iterations must be a whole number >= 1.`);
}

function checkAggregator(name: string, a: unknown): void {
  if (typeof name !== 'string' || name === '') throw new UsageError('registerAggregator(name, aggregator): give the aggregator a name.');
  const o = a as Partial<Aggregator<unknown>> | null;
  if (!o || typeof o.getAggregate !== 'function' || typeof o.aggregate !== 'function' || typeof o.reset !== 'function') {
    throw new UsageError(`registerAggregator('${name}', …): an aggregator needs getAggregate(), aggregate(value) and reset() (e.g. new LongSumAggregator()).`);
  }
}
