/**
 * State a function keeps through its runtime context, with Flink's names. Keyed state (after `keyBy`) is
 * scoped to the key of the record being processed; operator state belongs to one parallel instance.
 *
 * ```ts
 * class CountPerKey extends KeyedProcessFunction<string, string, [string, number]> {
 *   private count!: ValueState<number>;
 *   open() { this.count = this.getRuntimeContext().getState(new ValueStateDescriptor<number>('count')); }
 *   processElement(word: string, ctx: KeyedProcessFunction.Context, out: Collector<[string, number]>) {
 *     const n = (this.count.value() ?? 0) + 1;
 *     this.count.update(n);
 *     out.collect([word, n]);
 *   }
 * }
 * ```
 */
import type { ReduceFunction } from './functions.js';
import { spanMillis, type TimeSpan } from './time.js';
import { UsageError } from '../util/errors.js';

export interface State {
  /** Removes the value (for keyed state: the current key's). */
  clear(): void;
}

export interface ValueState<T> extends State {
  /** The value, or the descriptor's default (null when none) if nothing was stored. */
  value(): T | null;
  update(value: T | null | undefined): void;
}

export interface ListState<T> extends State {
  /** The elements, in the order they were added (an empty list when none). */
  get(): Iterable<T>;
  add(value: T): void;
  addAll(values: Iterable<T>): void;
  /** Replaces every element. */
  update(values: Iterable<T>): void;
}

export interface MapState<K, V> extends State {
  get(key: K): V | null;
  put(key: K, value: V): void;
  putAll(entries: Map<K, V> | Iterable<[K, V]> | Record<string, V>): void;
  remove(key: K): void;
  contains(key: K): boolean;
  entries(): Iterable<[K, V]>;
  keys(): Iterable<K>;
  values(): Iterable<V>;
  isEmpty(): boolean;
}

export interface ReducingState<T> extends State {
  get(): T | null;
  add(value: T): void;
}

export interface AggregatingState<IN, OUT> extends State {
  get(): OUT | null;
  add(value: IN): void;
}

/** Flink's AggregateFunction: an accumulator built up record by record. */
export interface AggregateFunction<IN, ACC, OUT> {
  createAccumulator(): ACC;
  add(value: IN, accumulator: ACC): ACC;
  getResult(accumulator: ACC): OUT;
  merge?(a: ACC, b: ACC): ACC;
}

export type StateKind = 'value' | 'list' | 'map' | 'reducing' | 'aggregating';

/** Names a piece of state and how it behaves; the same name gives the same state. */
export abstract class StateDescriptor {
  /** @internal */ ttl: StateTtlConfig | undefined;
  protected constructor(
    readonly name: string,
    /** @internal */ readonly kind: StateKind,
  ) {
    if (typeof name !== 'string' || name.length === 0) throw new UsageError('A state descriptor needs a non-empty name.');
  }
  getName(): string {
    return this.name;
  }
  /** Entries expire `ttl` after they were written (or read, per the config) and are then never returned. */
  enableTimeToLive(ttlConfig: StateTtlConfig): void {
    if (!(ttlConfig instanceof StateTtlConfig)) throw new UsageError('enableTimeToLive: build the config with StateTtlConfig.newBuilder(Time.seconds(n)).build().');
    this.ttl = ttlConfig;
  }
  getTtlConfig(): StateTtlConfig | undefined {
    return this.ttl;
  }
}

/**
 * Types are not needed in JavaScript: the second argument may be a type hint from ported Flink code (it is
 * ignored); a default value may follow, as in Flink's deprecated three-argument form.
 */
export class ValueStateDescriptor<T> extends StateDescriptor {
  /** @internal */ readonly defaultValue: T | null;
  constructor(name: string, typeHint?: unknown, defaultValue?: T) {
    super(name, 'value');
    this.defaultValue = defaultValue ?? null;
    void typeHint;
  }
}

export class ListStateDescriptor<T> extends StateDescriptor {
  constructor(name: string, typeHint?: unknown) {
    super(name, 'list');
    void typeHint;
  }
  /** @internal keeps T in the signature */
  protected readonly _t?: T;
}

export class MapStateDescriptor<K, V> extends StateDescriptor {
  constructor(name: string, keyTypeHint?: unknown, valueTypeHint?: unknown) {
    super(name, 'map');
    void keyTypeHint;
    void valueTypeHint;
  }
  /** @internal keeps K and V in the signature */
  protected readonly _kv?: [K, V];
}

export class ReducingStateDescriptor<T> extends StateDescriptor {
  constructor(
    name: string,
    /** @internal */ readonly reduceFunction: ReduceFunction<T>,
    typeHint?: unknown,
  ) {
    super(name, 'reducing');
    if (typeof reduceFunction !== 'function' && typeof (reduceFunction as { reduce?: unknown } | null)?.reduce !== 'function') {
      throw new UsageError(`ReducingStateDescriptor '${name}': give a reduce function (a, b) => c or an object with reduce().`);
    }
    void typeHint;
  }
}

export class AggregatingStateDescriptor<IN, ACC, OUT> extends StateDescriptor {
  constructor(
    name: string,
    /** @internal */ readonly aggregateFunction: AggregateFunction<IN, ACC, OUT>,
    typeHint?: unknown,
  ) {
    super(name, 'aggregating');
    checkAggregateFunction(aggregateFunction, `AggregatingStateDescriptor '${name}'`);
    void typeHint;
  }
}

export function checkAggregateFunction(f: unknown, where: string): void {
  const a = f as Partial<AggregateFunction<unknown, unknown, unknown>> | null;
  if (!a || typeof a.createAccumulator !== 'function' || typeof a.add !== 'function' || typeof a.getResult !== 'function') {
    throw new UsageError(`${where}: the aggregate function needs createAccumulator(), add(value, acc) and getResult(acc) methods.`);
  }
}

export type TtlUpdateType = 'OnCreateAndWrite' | 'OnReadAndWrite' | 'Disabled';
export type TtlStateVisibility = 'NeverReturnExpired' | 'ReturnExpiredIfNotCleanedUp';

/** When state entries expire. Time is processing time (wall clock), as in Flink. */
export class StateTtlConfig {
  static readonly UpdateType = { OnCreateAndWrite: 'OnCreateAndWrite', OnReadAndWrite: 'OnReadAndWrite', Disabled: 'Disabled' } as const;
  static readonly StateVisibility = { NeverReturnExpired: 'NeverReturnExpired', ReturnExpiredIfNotCleanedUp: 'ReturnExpiredIfNotCleanedUp' } as const;
  static readonly TtlTimeCharacteristic = { ProcessingTime: 'ProcessingTime' } as const;

  private constructor(
    readonly ttlMillis: number,
    readonly updateType: TtlUpdateType,
    readonly stateVisibility: TtlStateVisibility,
  ) {}

  static newBuilder(ttl: TimeSpan): StateTtlConfigBuilder {
    return new StateTtlConfigBuilder(spanMillis(ttl, 'StateTtlConfig.newBuilder'));
  }

  isEnabled(): boolean {
    return this.updateType !== 'Disabled';
  }

  /** @internal */
  static create(ttlMillis: number, updateType: TtlUpdateType, visibility: TtlStateVisibility): StateTtlConfig {
    return new StateTtlConfig(ttlMillis, updateType, visibility);
  }
}

export class StateTtlConfigBuilder {
  private updateType: TtlUpdateType = 'OnCreateAndWrite';
  private visibility: TtlStateVisibility = 'NeverReturnExpired';
  constructor(private ttlMillis: number) {}
  setUpdateType(t: TtlUpdateType): this {
    this.updateType = t;
    return this;
  }
  updateTtlOnCreateAndWrite(): this {
    return this.setUpdateType('OnCreateAndWrite');
  }
  updateTtlOnReadAndWrite(): this {
    return this.setUpdateType('OnReadAndWrite');
  }
  setStateVisibility(v: TtlStateVisibility): this {
    this.visibility = v;
    return this;
  }
  neverReturnExpired(): this {
    return this.setStateVisibility('NeverReturnExpired');
  }
  returnExpiredIfNotCleanedUp(): this {
    return this.setStateVisibility('ReturnExpiredIfNotCleanedUp');
  }
  setTtl(ttl: TimeSpan): this {
    this.ttlMillis = spanMillis(ttl, 'StateTtlConfig.setTtl');
    return this;
  }
  /** Expired entries are dropped when read; these cleanup strategies are accepted for compatibility. */
  cleanupFullSnapshot(): this {
    return this;
  }
  cleanupIncrementally(_cleanupSize?: number, _runCleanupForEveryRecord?: boolean): this {
    return this;
  }
  cleanupInRocksdbCompactFilter(_queryTimeAfterNumEntries?: number): this {
    return this;
  }
  disableCleanupInBackground(): this {
    return this;
  }
  setTtlTimeCharacteristic(_c: 'ProcessingTime'): this {
    return this;
  }
  build(): StateTtlConfig {
    return StateTtlConfig.create(this.ttlMillis, this.updateType, this.visibility);
  }
}

/** Operator state: per parallel instance, not per key (Flink's OperatorStateStore). */
export interface OperatorStateStore {
  getListState<T>(descriptor: ListStateDescriptor<T>): ListState<T>;
  /** On restore every parallel instance gets every element that any instance stored. */
  getUnionListState<T>(descriptor: ListStateDescriptor<T>): ListState<T>;
  getBroadcastState<K, V>(descriptor: MapStateDescriptor<K, V>): BroadcastState<K, V>;
}

export interface ReadOnlyBroadcastState<K, V> {
  get(key: K): V | null;
  contains(key: K): boolean;
  immutableEntries(): Iterable<[K, V]>;
}

export interface BroadcastState<K, V> extends ReadOnlyBroadcastState<K, V> {
  put(key: K, value: V): void;
  putAll(entries: Map<K, V> | Iterable<[K, V]>): void;
  remove(key: K): void;
  entries(): Iterable<[K, V]>;
  clear(): void;
}

/** What `initializeState` of a CheckpointedFunction receives. */
export interface FunctionInitializationContext {
  getOperatorStateStore(): OperatorStateStore;
  getKeyedStateStore(): KeyedStateStore | null;
  isRestored(): boolean;
}

export interface KeyedStateStore {
  getState<T>(descriptor: ValueStateDescriptor<T>): ValueState<T>;
  getListState<T>(descriptor: ListStateDescriptor<T>): ListState<T>;
  getMapState<K, V>(descriptor: MapStateDescriptor<K, V>): MapState<K, V>;
  getReducingState<T>(descriptor: ReducingStateDescriptor<T>): ReducingState<T>;
  getAggregatingState<IN, ACC, OUT>(descriptor: AggregatingStateDescriptor<IN, ACC, OUT>): AggregatingState<IN, OUT>;
}
