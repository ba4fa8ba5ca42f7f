/**
 * DataSet: Flink's batch API (the environment is in execution-environment.ts), run on the same runtime as streams with bounded
 * sources. Grouped reductions get a combiner before the shuffle, as Flink's optimizer plans them.
 *
 * ```ts
 * const env = ExecutionEnvironment.getExecutionEnvironment();
 * const counts = env.readTextFile(input)
 *   .flatMap((line, out) => { for (const w of line.toLowerCase().split(/\W+/)) if (w) out.collect([w, 1]); })
 *   .groupBy(0).sum(1);
 * await counts.print();
 * ```
 */
import { nextProgramUniqueId } from './context.js';
import type { ExecutionEnvironment } from './execution-environment.js';

export { ExecutionEnvironment, type CsvReaderOptions } from './execution-environment.js';

/** Parallelism -2 means "the same as my input": combiners and partition-local steps use it to chain. */
export const SAME_AS_INPUT = -2;
import { formatRecord } from './format.js';
import type {
  CoGroupFunction,
  CrossFunction,
  FilterFunction,
  FlatMapFunction,
  GroupCombineFunction,
  GroupReduceFunction,
  JoinFunction,
  KeySelector,
  MapFunction,
  MapPartitionFunction,
  ReduceFunction,
} from './functions.js';
import { checkParallelism, checkPath } from './stream-environment.js';
import type { Json, KeySpec, Transformation, TransformationInit } from './transformation.js';
import { checkFunction, type WriteMode } from './datastream.js';
import { UsageError } from '../util/errors.js';
import { checkJoinHint, type JoinHint, type JoinType } from './join-hints.js';
import { rangePartitioned } from './dataset-utils.js';
import { crossTransformation, hashPartition, joinTransformation, selectBy, solutionSetOperator } from './dataset-plans.js';

export type Order = 'ASCENDING' | 'DESCENDING';
export type AggregationKind = 'SUM' | 'MIN' | 'MAX';
type Field = number | string;
type Keys<T> = KeySelector<T, unknown> | Field | ReadonlyArray<Field>;

export class DataSet<T> {
  constructor(
    /** @internal */ readonly env: ExecutionEnvironment,
    /** @internal */ readonly transformation: Transformation,
  ) {}

  map<O>(fn: MapFunction<T, O>): Operator<O> {
    return this.op<O>('Map', 'map', [fn]);
  }
  flatMap<O>(fn: FlatMapFunction<T, O>): Operator<O> {
    return this.op<O>('FlatMap', 'flat-map', [fn]);
  }
  filter(fn: FilterFunction<T>): Operator<T> {
    return this.op<T>('Filter', 'filter', [fn]);
  }
  /** Calls `fn` once per parallel partition with all of its records. */
  mapPartition<O>(fn: MapPartitionFunction<T, O>): Operator<O> {
    return this.op<O>('MapPartition', 'map-partition', [fn]);
  }
  /** Reduces the whole data set to one record (combined per partition first). */
  reduce(fn: ReduceFunction<T>): Operator<T> {
    checkFunction(fn, 'reduce');
    const combined = this.env.create({ name: 'Combine (Reduce)', operator: 'reduce', fns: [fn], inputs: [this.transformation], parallelism: SAME_AS_INPUT });
    const t = this.env.create({ name: 'Reduce', operator: 'reduce', fns: [fn], inputs: [combined], nonParallel: true });
    return new Operator<T>(this.env, t);
  }
  /** Calls `fn` once with every record of the data set. */
  reduceGroup<O>(fn: GroupReduceFunction<T, O>): Operator<O> {
    checkFunction(fn, 'reduceGroup');
    const t = this.env.create({ name: 'GroupReduce', operator: 'map-partition', fns: [fn], inputs: [this.transformation], nonParallel: true, params: { method: 'reduce' } });
    return new Operator<O>(this.env, t);
  }
  groupBy(...keys: Keys<T>[]): UnsortedGrouping<T> {
    return new UnsortedGrouping<T>(this, normalizeKeys(keys, 'groupBy'));
  }
  /** Removes duplicates: whole records, or records with equal keys (the first one stays). */
  distinct(...keys: Keys<T>[]): Operator<T> {
    const key = keys.length === 0 ? '*' : normalizeKeys(keys, 'distinct');
    const combined = this.env.create({ name: 'Combine (Distinct)', operator: 'distinct', keySpec: key, params: { combiner: true }, inputs: [this.transformation], parallelism: SAME_AS_INPUT });
    const part = hashPartition(this.env, combined, key);
    return new Operator<T>(this.env, this.env.create({ name: 'Distinct', operator: 'distinct', keySpec: key, inputs: [part] }));
  }
  /** The first n records (of the whole data set, in no particular order). */
  first(n: number): Operator<T> {
    checkCount(n, 'first');
    const local = this.env.create({ name: 'First (local)', operator: 'first-n', params: { n }, inputs: [this.transformation], parallelism: SAME_AS_INPUT });
    return new Operator<T>(this.env, this.env.create({ name: `First(${n})`, operator: 'first-n', params: { n }, inputs: [local], nonParallel: true }));
  }
  sortPartition(field: Keys<T>, order: Order = 'ASCENDING'): SortPartitionOperator<T> {
    const t = this.env.create({
      name: 'Sort-Partition',
      operator: 'sort-partition',
      params: { orders: [order] },
      fns: [field],
      inputs: [this.transformation],
      parallelism: SAME_AS_INPUT,
    });
    return new SortPartitionOperator<T>(this.env, t);
  }
  union(other: DataSet<T>): DataSet<T> {
    if (other.env !== this.env) throw new UsageError('union(): both data sets must come from the same execution environment.');
    return new DataSet<T>(this.env, this.env.create({ name: 'Union', virtual: 'union', inputs: [this.transformation, other.transformation] }));
  }
  /** An inner join; the hint says how to ship the inputs and which side to build the hash table on. */
  join<U>(other: DataSet<U>, hint: JoinHint = 'OPTIMIZER_CHOOSES'): JoinWhere<T, U> {
    return new JoinWhere<T, U>(this, other, checkJoinHint('INNER', hint));
  }
  coGroup<U>(other: DataSet<U>): CoGroupWhere<T, U> {
    return new CoGroupWhere<T, U>(this, other);
  }
  /** Every pair of records of the two data sets: `[a, b]`, or what `with(fn)` makes of them. */
  cross<U>(other: DataSet<U>): CrossOperator<T, U, [T, U]> {
    return crossWith(this, other, 1);
  }
  partitionByHash(...keys: Keys<T>[]): Operator<T> {
    const part = hashPartition(this.env, this.transformation, normalizeKeys(keys, 'partitionByHash'));
    return new Operator<T>(this.env, this.env.create({ name: 'Partition', operator: 'map', fns: [identity], inputs: [part] }));
  }
  rebalance(): Operator<T> {
    const part = this.env.create({ name: 'Rebalance', virtual: 'partition', partitioner: 'rebalance', inputs: [this.transformation] });
    return new Operator<T>(this.env, this.env.create({ name: 'Rebalance', operator: 'map', fns: [identity], inputs: [part] }));
  }

  writeAsText(path: string, writeMode: WriteMode = 'NO_OVERWRITE'): DataSink<T> {
    checkPath(path, 'writeAsText');
    return this.sink(`DataSink (TextOutputFormat (${path}))`, 'sink:text', { path, writeMode, format: 'text', rowDelimiter: '\n', fieldDelimiter: ',' });
  }
  writeAsCsv(path: string, rowDelimiter = '\n', fieldDelimiter = ',', writeMode: WriteMode = 'NO_OVERWRITE'): DataSink<T> {
    checkPath(path, 'writeAsCsv');
    return this.sink(`DataSink (CsvOutputFormat (${path}))`, 'sink:text', { path, writeMode, format: 'csv', rowDelimiter, fieldDelimiter });
  }
  /** Prints on the TaskManagers' stdout, as Flink's printOnTaskManager. */
  printOnTaskManager(prefix: string): DataSink<T> {
    return this.sink('DataSink (Print to System.out)', 'sink:print', { stderr: false, identifier: prefix });
  }

  /** Runs the job and returns every record to the program. */
  async collect(): Promise<T[]> {
    const name = `collect-${nextProgramUniqueId()}`;
    const sink = this.env.create({ name: 'DataSink (collect())', operator: 'sink:collect', params: { accumulator: name }, inputs: [this.transformation], isSink: true });
    this.env.registry.sinks.splice(this.env.registry.sinks.indexOf(sink), 1);
    const result = await this.env.run('Flink Java Job', [sink]);
    return (result.getAccumulatorResult<T[]>(name) ?? []);
  }
  /** Runs the job and returns the number of records. */
  async count(): Promise<number> {
    const name = `count-${nextProgramUniqueId()}`;
    const sink = this.env.create({ name: 'DataSink (count())', operator: 'sink:count', params: { accumulator: name }, inputs: [this.transformation], isSink: true });
    this.env.registry.sinks.splice(this.env.registry.sinks.indexOf(sink), 1);
    const result = await this.env.run('Flink Java Job', [sink]);
    return result.getAccumulatorResult<number>(name) ?? 0;
  }
  /** Runs the job and prints every record in the client, one per line (Flink's DataSet.print()). */
  async print(): Promise<void> {
    for (const r of await this.collect()) console.log(formatRecord(r));
  }

  /** @internal */
  op<O>(name: string, operator: string, fns: unknown[], init: Partial<TransformationInit> = {}): Operator<O> {
    for (const f of fns) checkFunction(f, name);
    return new Operator<O>(this.env, this.env.create({ name, operator, fns, inputs: [this.transformation], ...init }));
  }

  private sink(name: string, operator: string, params: { [k: string]: Json }): DataSink<T> {
    if (params.writeMode !== undefined && params.writeMode !== 'OVERWRITE' && params.writeMode !== 'NO_OVERWRITE') {
      throw new UsageError(`Unknown write mode '${String(params.writeMode)}': use 'OVERWRITE' or 'NO_OVERWRITE'.`);
    }
    return new DataSink<T>(this.env.create({ name, operator, params, inputs: [this.transformation], isSink: true }));
  }

  /** An inner join that broadcasts `other` (it is small) and builds the hash table from it. */
  joinWithTiny<U>(other: DataSet<U>): JoinWhere<T, U> {
    return this.join(other, 'BROADCAST_HASH_SECOND');
  }
  /** An inner join that broadcasts this data set (`other` is large) and builds the hash table from it. */
  joinWithHuge<U>(other: DataSet<U>): JoinWhere<T, U> {
    return this.join(other, 'BROADCAST_HASH_FIRST');
  }
  /** Every record of this data set, joined with its matches in `other` or with null. Needs `with(fn)`. */
  leftOuterJoin<U>(other: DataSet<U>, hint: JoinHint = 'OPTIMIZER_CHOOSES'): OuterJoinWhere<T, U> {
    return new OuterJoinWhere<T, U>(this, other, 'LEFT_OUTER', checkJoinHint('LEFT_OUTER', hint));
  }
  /** Every record of `other`, joined with its matches in this data set or with null. Needs `with(fn)`. */
  rightOuterJoin<U>(other: DataSet<U>, hint: JoinHint = 'OPTIMIZER_CHOOSES'): OuterJoinWhere<T, U> {
    return new OuterJoinWhere<T, U>(this, other, 'RIGHT_OUTER', checkJoinHint('RIGHT_OUTER', hint));
  }
  /** Every record of both data sets, joined with its matches or with null. Needs `with(fn)`. */
  fullOuterJoin<U>(other: DataSet<U>, hint: JoinHint = 'OPTIMIZER_CHOOSES'): OuterJoinWhere<T, U> {
    return new OuterJoinWhere<T, U>(this, other, 'FULL_OUTER', checkJoinHint('FULL_OUTER', hint));
  }
  /** A cross product that broadcasts `other` (it is small). */
  crossWithTiny<U>(other: DataSet<U>): CrossOperator<T, U, [T, U]> {
    return crossWith(this, other, 1);
  }
  /** A cross product that broadcasts this data set (`other` is large). */
  crossWithHuge<U>(other: DataSet<U>): CrossOperator<T, U, [T, U]> {
    return crossWith(this, other, 0);
  }
  /** Calls `fn` with all records of each parallel partition, where they are (no shuffle): a partial reduction. */
  combineGroup<O>(fn: GroupCombineFunction<T, O>): Operator<O> {
    checkFunction(fn, 'combineGroup');
    const t = this.env.create({ name: 'GroupCombine', operator: 'map-partition', fns: [fn], inputs: [this.transformation], params: { method: 'combine' }, parallelism: SAME_AS_INPUT });
    return new Operator<O>(this.env, t);
  }
  /** Aggregates the whole data set to one record; `.and(...)` adds more fields. */
  aggregate(kind: AggregationKind, field: Field): AggregateOperator<T> {
    checkAggregation(kind, field);
    const params = (): { [k: string]: Json } => ({ aggregations: [[kind, field]] });
    const combiner = this.env.create({ name: 'Combine (Aggregate)', operator: 'grouped-aggregate', params: { ...params(), combiner: true }, inputs: [this.transformation], parallelism: SAME_AS_INPUT });
    const t = this.env.create({ name: 'Aggregate', operator: 'grouped-aggregate', params: { ...params(), combiner: false }, inputs: [combiner], nonParallel: true });
    return new AggregateOperator<T>(this.env, t, combiner);
  }
  sum(field: Field): AggregateOperator<T> {
    return this.aggregate('SUM', field);
  }
  min(field: Field): AggregateOperator<T> {
    return this.aggregate('MIN', field);
  }
  max(field: Field): AggregateOperator<T> {
    return this.aggregate('MAX', field);
  }
  /** The record with the smallest values in these fields (compared in order; the first one wins ties). */
  minBy(...fields: Field[]): Operator<T> {
    return this.reduce(selectBy<T>(fields, -1, 'minBy')).name('MinBy');
  }
  /** The record with the largest values in these fields (compared in order; the first one wins ties). */
  maxBy(...fields: Field[]): Operator<T> {
    return this.reduce(selectBy<T>(fields, 1, 'maxBy')).name('MaxBy');
  }
  /**
   * Repartitions by ranges of the key: partition i holds smaller keys than partition i+1, with about as many
   * records each (the ranges come from a sample of the keys, broadcast to the partitioning step).
   */
  partitionByRange(...keys: Keys<T>[]): Operator<T> {
    return new Operator<T>(this.env, rangePartitioned(this, normalizeKeys(keys, 'partitionByRange')));
  }
}

/** An operator's settings (Flink's SingleInputUdfOperator). */
export class Operator<T> extends DataSet<T> {
  setParallelism(parallelism: number): this {
    checkParallelism(parallelism, 'setParallelism');
    if (this.transformation.nonParallel && parallelism !== 1) {
      throw new UsageError(`${this.transformation.name} runs with parallelism 1 and cannot be changed.`);
    }
    this.transformation.parallelism = parallelism;
    return this;
  }
  name(name: string): this {
    this.transformation.name = name;
    return this;
  }
  /**
   * Makes every record of `set` available to this operator's function as `getRuntimeContext().getBroadcastVariable(name)`,
   * complete before the function's open() (in an iteration: that superstep's records, before each superstep).
   */
  withBroadcastSet<B>(set: DataSet<B>, name: string): this {
    if (!(set instanceof DataSet) || set.env !== this.env) throw new UsageError('withBroadcastSet(set, name): the set must be a data set of the same execution environment.');
    if (typeof name !== 'string' || name === '') throw new UsageError('withBroadcastSet(set, name): give the broadcast variable a name.');
    const t = this.transformation;
    const params = t.params as { broadcastSets?: string[]; broadcastFrom?: number };
    const names = (params.broadcastSets ??= []);
    if (names.includes(name)) throw new UsageError(`${t.name} already has a broadcast set named '${name}'.`);
    if (names.length === 0) params.broadcastFrom = t.inputs.length;
    names.push(name);
    const bc = this.env.create({ name: 'Broadcast', virtual: 'partition', partitioner: 'broadcast', inputs: [set.transformation] });
    (t.inputs as Transformation[]).push(bc);
    return this;
  }
}

export class DataSource<T> extends Operator<T> {}

export class SortPartitionOperator<T> extends Operator<T> {
  /** Adds a secondary sort field. */
  override sortPartition(field: Keys<T>, order: Order = 'ASCENDING'): SortPartitionOperator<T> {
    (this.transformation.fns as unknown[]).push(field);
    ((this.transformation.params.orders as Json[])).push(order);
    return this;
  }
}

export class DataSink<T> {
  constructor(/** @internal */ readonly transformation: Transformation) {}
  setParallelism(parallelism: number): this {
    checkParallelism(parallelism, 'setParallelism');
    this.transformation.parallelism = parallelism;
    return this;
  }
  name(name: string): this {
    this.transformation.name = name;
    return this;
  }
  /** @internal */
  protected readonly _type?: T;
}

export class UnsortedGrouping<T> {
  constructor(
    /** @internal */ readonly input: DataSet<T>,
    /** @internal */ readonly keys: KeySpec,
    /** @internal */ readonly sort: { fields: KeySpec[]; orders: Order[] } = { fields: [], orders: [] },
  ) {}

  reduce(fn: ReduceFunction<T>): Operator<T> {
    checkFunction(fn, 'reduce');
    return this.combinable('Reduce', 'grouped-reduce', [fn], {});
  }
  reduceGroup<O>(fn: GroupReduceFunction<T, O>): Operator<O> {
    checkFunction(fn, 'reduceGroup');
    const env = this.input.env;
    const part = hashPartition(env, this.input.transformation, this.keys);
    const t = env.create({
      name: 'GroupReduce',
      operator: 'grouped-group-reduce',
      keySpec: this.keys,
      fns: [fn, ...this.sort.fields],
      params: { orders: [...this.sort.orders], method: 'reduce' },
      inputs: [part],
    });
    return new Operator<O>(env, t);
  }
  sum(field: Field): AggregateOperator<T> {
    return this.aggregate('SUM', field);
  }
  min(field: Field): AggregateOperator<T> {
    return this.aggregate('MIN', field);
  }
  max(field: Field): AggregateOperator<T> {
    return this.aggregate('MAX', field);
  }
  aggregate(kind: AggregationKind, field: Field): AggregateOperator<T> {
    checkAggregation(kind, field);
    const op = this.combinable('Aggregate', 'grouped-aggregate', [], { aggregations: [[kind, field]] });
    return new AggregateOperator<T>(op.env, op.transformation, this.combinerOf(op.transformation));
  }
  /** The first n records of each group (in the group order, when sorted). */
  first(n: number): Operator<T> {
    checkCount(n, 'first');
    const env = this.input.env;
    const part = hashPartition(env, this.input.transformation, this.keys);
    const t = env.create({ name: `First(${n})`, operator: 'grouped-group-reduce', keySpec: this.keys, fns: [null, ...this.sort.fields], params: { orders: [...this.sort.orders], first: n }, inputs: [part] });
    return new Operator<T>(env, t);
  }
  /** Sorts each group before reduceGroup/first. */
  sortGroup(field: Keys<T>, order: Order = 'ASCENDING'): UnsortedGrouping<T> {
    return new UnsortedGrouping<T>(this.input, this.keys, { fields: [...this.sort.fields, field as KeySpec], orders: [...this.sort.orders, order] });
  }

  private combinable(name: string, operator: string, fns: unknown[], params: { [k: string]: Json }): Operator<T> {
    const env = this.input.env;
    const combiner = env.create({
      name: `Combine (${name})`,
      operator,
      keySpec: this.keys,
      fns,
      // Each step gets its own copy: .and() appends to both, and a shared array would get every entry twice.
      params: { ...structuredClone(params), combiner: true },
      inputs: [this.input.transformation],
      parallelism: SAME_AS_INPUT,
    });
    const part = hashPartition(env, combiner, this.keys);
    return new Operator<T>(env, env.create({ name, operator, keySpec: this.keys, fns, params: { ...structuredClone(params), combiner: false }, inputs: [part] }));
  }

  /** Calls `fn` per key with that key's records of each partition, where they are (no shuffle): a partial reduction. */
  combineGroup<O>(fn: GroupCombineFunction<T, O>): Operator<O> {
    checkFunction(fn, 'combineGroup');
    const env = this.input.env;
    const t = env.create({
      name: 'GroupCombine',
      operator: 'grouped-group-reduce',
      keySpec: this.keys,
      fns: [fn, ...this.sort.fields],
      params: { orders: [...this.sort.orders], method: 'combine' },
      inputs: [this.input.transformation],
      parallelism: SAME_AS_INPUT,
    });
    return new Operator<O>(env, t);
  }
  /** Per key, the record with the smallest values in these fields (the first one wins ties). */
  minBy(...fields: Field[]): Operator<T> {
    return this.reduce(selectBy<T>(fields, -1, 'minBy')).name('MinBy');
  }
  /** Per key, the record with the largest values in these fields (the first one wins ties). */
  maxBy(...fields: Field[]): Operator<T> {
    return this.reduce(selectBy<T>(fields, 1, 'maxBy')).name('MaxBy');
  }

  private combinerOf(final: Transformation): Transformation {
    return (final.inputs[0] as Transformation).inputs[0] as Transformation;
  }
}

/** `groupBy(0).sum(1).and('MAX', 2)`: several aggregations in one pass. */
export class AggregateOperator<T> extends Operator<T> {
  constructor(env: ExecutionEnvironment, t: Transformation, private readonly combiner: Transformation) {
    super(env, t);
  }
  and(kind: AggregationKind, field: Field): this {
    checkAggregation(kind, field);
    for (const t of [this.transformation, this.combiner]) (t.params.aggregations as Json[]).push([kind, field]);
    return this;
  }
  andSum(field: Field): this {
    return this.and('SUM', field);
  }
  andMin(field: Field): this {
    return this.and('MIN', field);
  }
  andMax(field: Field): this {
    return this.and('MAX', field);
  }
}

export class JoinWhere<A, B> {
  constructor(private readonly left: DataSet<A>, private readonly right: DataSet<B>, private readonly hint: JoinHint) {}
  where(...keys: Keys<A>[]): { equalTo(...keys: Keys<B>[]): JoinOperator<A, B, [A, B]> } {
    const leftKey = normalizeKeys(keys, 'where');
    return {
      equalTo: (...rightKeys: Keys<B>[]) => {
        const rightKey = normalizeKeys(rightKeys, 'equalTo');
        const t = solutionSetOperator('join', this.left, this.right, leftKey, rightKey, null) ?? joinTransformation(this.left, this.right, leftKey, rightKey, 'INNER', this.hint, null);
        return new JoinOperator<A, B, [A, B]>(this.left.env, t);
      },
    };
  }
}

/** An outer join being defined: as in Flink, it needs a join function (`with`), which gets null for a missing side. */
export class OuterJoinWhere<A, B> {
  constructor(
    private readonly left: DataSet<A>,
    private readonly right: DataSet<B>,
    private readonly type: JoinType,
    private readonly hint: JoinHint,
  ) {}
  where(...keys: Keys<A>[]): { equalTo(...keys: Keys<B>[]): { with<R>(fn: JoinFunction<A | null, B | null, R>): Operator<R> } } {
    const leftKey = normalizeKeys(keys, 'where');
    return {
      equalTo: (...rightKeys: Keys<B>[]) => {
        const rightKey = normalizeKeys(rightKeys, 'equalTo');
        return {
          with: <R>(fn: JoinFunction<A | null, B | null, R>): Operator<R> => {
            checkFunction(fn, 'join');
            return new Operator<R>(this.left.env, joinTransformation(this.left, this.right, leftKey, rightKey, this.type, this.hint, fn));
          },
        };
      },
    };
  }
}

/** A join; `with(fn)` sets what each matching pair becomes (default: `[a, b]`). */
export class JoinOperator<A, B, O> extends Operator<O> {
  with<R>(fn: JoinFunction<A, B, R>): Operator<R> {
    checkFunction(fn, 'join');
    (this.transformation.fns as unknown[])[0] = fn;
    return this as unknown as Operator<R>;
  }
  /** @internal */
  protected readonly _sides?: [A, B];
}

export class CrossOperator<A, B, O> extends Operator<O> {
  with<R>(fn: CrossFunction<A, B, R>): Operator<R> {
    checkFunction(fn, 'cross');
    (this.transformation.fns as unknown[])[0] = fn;
    return this as unknown as Operator<R>;
  }
  /** @internal */
  protected readonly _sides?: [A, B];
}

/** A cross product with one input broadcast (0: the first, 1: the second) and buffered by every instance. */
function crossWith<A, B>(left: DataSet<A>, right: DataSet<B>, broadcast: 0 | 1): CrossOperator<A, B, [A, B]> {
  return new CrossOperator<A, B, [A, B]>(left.env, crossTransformation(left, right, broadcast));
}

export class CoGroupWhere<A, B> {
  constructor(private readonly left: DataSet<A>, private readonly right: DataSet<B>) {}
  where(...keys: Keys<A>[]): { equalTo(...keys: Keys<B>[]): { with<O>(fn: CoGroupFunction<A, B, O>): Operator<O> } } {
    const leftKey = normalizeKeys(keys, 'where');
    return {
      equalTo: (...rightKeys: Keys<B>[]) => ({
        with: <O>(fn: CoGroupFunction<A, B, O>) => {
          checkFunction(fn, 'coGroup');
          const rightKey = normalizeKeys(rightKeys, 'equalTo');
          const env = this.left.env;
          const withSolutionSet = solutionSetOperator('co-group', this.left, this.right, leftKey, rightKey, fn);
          if (withSolutionSet) return new Operator<O>(env, withSolutionSet);
          const l = hashPartition(env, this.left.transformation, leftKey);
          const r = hashPartition(env, this.right.transformation, rightKey);
          const t = env.create({ name: 'CoGroup', operator: 'co-group', fns: [fn, leftKey, rightKey], inputs: [l, r], inputSides: [0, 1] });
          return new Operator<O>(env, t);
        },
      }),
    };
  }
}

function normalizeKeys(keys: ReadonlyArray<unknown>, where: string): KeySpec {
  if (keys.length === 0) throw new UsageError(`${where}(): give at least one key (a field position, a field name or a key selector function).`);
  if (keys.length === 1) {
    const k = keys[0];
    if (typeof k === 'function' || typeof k === 'number' || typeof k === 'string') return k as KeySpec;
    if (Array.isArray(k) && k.every((x) => typeof x === 'number' || typeof x === 'string')) return k as KeySpec;
    if (k !== null && typeof k === 'object' && typeof (k as { getKey?: unknown }).getKey === 'function') return k as KeySpec;
  } else if (keys.every((x) => typeof x === 'number' || typeof x === 'string')) {
    return keys as ReadonlyArray<string | number>;
  }
  throw new UsageError(`${where}(): keys must be field positions, field names, or one key selector function.`);
}


function checkCount(n: number, where: string): void {
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${where}(${n}): give a whole number >= 1.`);
}

function checkAggregation(kind: string, field: unknown): void {
  if (kind !== 'SUM' && kind !== 'MIN' && kind !== 'MAX') throw new UsageError(`Unknown aggregation '${kind}': use 'SUM', 'MIN' or 'MAX'.`);
  if (typeof field !== 'number' && typeof field !== 'string') throw new UsageError(`${kind}: give a tuple position or a field name.`);
}

function identity<T>(x: T): T {
  return x;
}
