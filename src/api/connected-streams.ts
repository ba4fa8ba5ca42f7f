/**
 * Two-input streams with Flink's names: `a.connect(b)` (ConnectedStreams), `s.broadcast(descriptors)`
 * connected to another stream (BroadcastConnectedStream), and `keyedA.intervalJoin(keyedB)`.
 *
 * Two-input operators are transformations with two inputs and `inputSides: [0, 1]`; the task tells the
 * operator which input each record came from. When both inputs are keyed, the operator carries both key
 * selectors as user functions (`fns[1]`, `fns[2]`) and sets the key of its state itself.
 */
import type { Transformation } from './transformation.js';
import type { Collector, KeySelector } from './functions.js';
import type { DataStream } from './datastream.js';
import { checkFunction, closeIteration, KeyedStream, SingleOutputStreamOperator } from './datastream.js';
import type { StreamExecutionEnvironment } from './stream-environment.js';
import {
  BroadcastProcessFunction,
  CoProcessFunction,
  KeyedBroadcastProcessFunction,
  KeyedCoProcessFunction,
  type CoFlatMapFunction,
  type CoMapFunction,
  type ProcessJoinContext,
  type ProcessJoinFunction,
} from './co-functions.js';
import { MapStateDescriptor } from './state.js';
import { checkOutputTag, type OutputTag } from './output-tag.js';
import { Duration, Time, type TimeSpan } from './time.js';
import { UsageError } from '../util/errors.js';

type CoMap<IN1, IN2, O> = CoMapFunction<IN1, IN2, O> | { map1(v: IN1): O; map2(v: IN2): O };
type CoFlatMap<IN1, IN2, O> = CoFlatMapFunction<IN1, IN2, O> | { flatMap1(v: IN1, out: never): unknown; flatMap2(v: IN2, out: never): unknown };
type CoProcess<IN1, IN2, O> =
  | CoProcessFunction<IN1, IN2, O>
  | KeyedCoProcessFunction<unknown, IN1, IN2, O>
  | { processElement1(v: IN1, ctx: never, out: never): unknown; processElement2(v: IN2, ctx: never, out: never): unknown };

/** Two streams, possibly of different types, processed by one operator that knows which input a record came from. */
export class ConnectedStreams<IN1, IN2> {
  constructor(
    /** @internal */ readonly env: StreamExecutionEnvironment,
    private readonly first: DataStream<IN1>,
    private readonly second: DataStream<IN2>,
  ) {
    if (first.env !== second.env) throw new UsageError('connect(): both streams must come from the same execution environment.');
  }

  getFirstInput(): DataStream<IN1> {
    return this.first;
  }
  getSecondInput(): DataStream<IN2> {
    return this.second;
  }

  /** Keys both inputs, so records of both with equal keys meet in one instance and share its keyed state. */
  keyBy<K>(key1: KeySelector<IN1, K> | string | number | ReadonlyArray<string | number>, key2: KeySelector<IN2, K> | string | number | ReadonlyArray<string | number>): ConnectedStreams<IN1, IN2> {
    return new ConnectedStreams<IN1, IN2>(this.env, this.first.keyBy<K>(key1), this.second.keyBy<K>(key2));
  }

  /** `map1` for records of the first input, `map2` for the second. */
  map<O>(fn: CoMap<IN1, IN2, O>): SingleOutputStreamOperator<O> {
    checkMethods(fn, ['map1', 'map2'], 'CoMapFunction');
    return this.twoInput<O>('Co-Map', 'co-map', fn);
  }

  flatMap<O>(fn: CoFlatMap<IN1, IN2, O>): SingleOutputStreamOperator<O> {
    checkMethods(fn, ['flatMap1', 'flatMap2'], 'CoFlatMapFunction');
    return this.twoInput<O>('Co-Flat Map', 'co-flat-map', fn);
  }

  /**
   * A CoProcessFunction, or on keyed connected streams a KeyedCoProcessFunction (keyed state and timers
   * shared by both inputs; a CoProcessFunction there gets them too, as in Flink).
   */
  process<O>(fn: CoProcess<IN1, IN2, O>): SingleOutputStreamOperator<O> {
    checkMethods(fn, ['processElement1', 'processElement2'], 'CoProcessFunction');
    if (this.isKeyed()) return this.twoInput<O>('Co-Process', 'keyed-co-process', fn);
    if (fn instanceof KeyedCoProcessFunction) {
      throw new UsageError('A KeyedCoProcessFunction can only be used when both input streams are keyed: use connected.keyBy(key1, key2), or connect two KeyedStreams.');
    }
    return this.twoInput<O>('Co-Process', 'co-process', fn);
  }

  private isKeyed(): boolean {
    return this.first instanceof KeyedStream && this.second instanceof KeyedStream;
  }

  private twoInput<O>(name: string, operator: string, fn: unknown): SingleOutputStreamOperator<O> {
    const keyed = this.isKeyed();
    const t = this.env.registry.create({
      name,
      operator,
      fns: keyed ? [fn, (this.first as KeyedStream<IN1>).keySpec, (this.second as KeyedStream<IN2>).keySpec] : [fn],
      inputs: [this.first.transformation, this.second.transformation],
      inputSides: [0, 1],
      ...(keyed ? { params: { keyed: true } } : {}),
    });
    return new SingleOutputStreamOperator<O>(this.env, t);
  }
}

/**
 * An iteration with a feedback type of its own (`iterate().withFeedbackType()`): the first input is the
 * iteration's input, the second the records fed back with `closeWith`.
 */
export class ConnectedIterativeStreams<I, F> extends ConnectedStreams<I, F> {
  constructor(
    env: StreamExecutionEnvironment,
    input: DataStream<I>,
    feedback: DataStream<F>,
    /** @internal */ readonly head: Transformation,
  ) {
    super(env, input, feedback);
  }

  /** Sends `feedback`'s records back as the second input of this iteration; returns `feedback`. */
  closeWith(feedback: DataStream<F>): DataStream<F> {
    closeIteration(this.env, this.head, feedback);
    return feedback;
  }
}

/** A stream whose records go to every parallel instance of the operator it is connected to, with broadcast state. */
export class BroadcastStream<T> {
  constructor(
    /** @internal */ readonly env: StreamExecutionEnvironment,
    /** @internal the broadcast-partitioned input */ readonly transformation: Transformation,
    /** @internal */ readonly descriptors: ReadonlyArray<MapStateDescriptor<unknown, unknown>>,
  ) {}
  getBroadcastStateDescriptors(): ReadonlyArray<MapStateDescriptor<unknown, unknown>> {
    return this.descriptors;
  }
  /** @internal keeps T in the signature */
  protected readonly _t?: T;
}

export function checkBroadcastDescriptors(descriptors: readonly unknown[]): asserts descriptors is Array<MapStateDescriptor<unknown, unknown>> {
  for (const d of descriptors) {
    if (!(d instanceof MapStateDescriptor)) {
      throw new UsageError("broadcast(...descriptors): broadcast state is described by MapStateDescriptors, e.g. new MapStateDescriptor('rules').");
    }
  }
}

type BroadcastProcess<IN1, IN2, O> =
  | BroadcastProcessFunction<IN1, IN2, O>
  | KeyedBroadcastProcessFunction<unknown, IN1, IN2, O>
  | { processElement(v: IN1, ctx: never, out: never): unknown; processBroadcastElement(v: IN2, ctx: never, out: never): unknown };

/** A (keyed or non-keyed) stream connected with a broadcast stream. */
export class BroadcastConnectedStream<IN1, IN2> {
  constructor(
    /** @internal */ readonly env: StreamExecutionEnvironment,
    private readonly nonBroadcast: DataStream<IN1>,
    private readonly broadcastStream: BroadcastStream<IN2>,
  ) {
    if (nonBroadcast.env !== broadcastStream.env) throw new UsageError('connect(): both streams must come from the same execution environment.');
  }

  getFirstInput(): DataStream<IN1> {
    return this.nonBroadcast;
  }
  getSecondInput(): BroadcastStream<IN2> {
    return this.broadcastStream;
  }

  /**
   * A BroadcastProcessFunction on a non-keyed stream, a KeyedBroadcastProcessFunction on a keyed one:
   * `processElement` reads the broadcast state, `processBroadcastElement` writes it.
   */
  process<O>(fn: BroadcastProcess<IN1, IN2, O>): SingleOutputStreamOperator<O> {
    checkMethods(fn, ['processElement', 'processBroadcastElement'], 'BroadcastProcessFunction');
    const keyed = this.nonBroadcast instanceof KeyedStream;
    if (keyed && fn instanceof BroadcastProcessFunction) {
      throw new UsageError('A BroadcastProcessFunction can only be used on a non-keyed stream; on a keyed stream use a KeyedBroadcastProcessFunction.');
    }
    if (!keyed && fn instanceof KeyedBroadcastProcessFunction) {
      throw new UsageError('A KeyedBroadcastProcessFunction can only be used on a keyed stream: keyBy(...) the stream before connect(broadcastStream).');
    }
    const names = this.broadcastStream.descriptors.map((d) => d.name);
    const t = this.env.registry.create({
      name: keyed ? 'Co-Process-Broadcast-Keyed' : 'Co-Process-Broadcast',
      operator: keyed ? 'keyed-co-broadcast' : 'co-broadcast',
      fns: keyed ? [fn, (this.nonBroadcast as KeyedStream<IN1>).keySpec] : [fn],
      inputs: [this.nonBroadcast.transformation, this.broadcastStream.transformation],
      inputSides: [0, 1],
      params: { broadcastStates: names, ...(keyed ? { keyed: true } : {}) },
    });
    return new SingleOutputStreamOperator<O>(this.env, t);
  }
}

/** `keyedA.intervalJoin(keyedB)`: pairs of records with equal keys whose timestamps lie within bounds. */
export class IntervalJoin<IN1, IN2, K> {
  constructor(
    private readonly left: KeyedStream<IN1, K>,
    private readonly right: KeyedStream<IN2, K>,
  ) {
    if (left.env !== right.env) throw new UsageError('intervalJoin(): both streams must come from the same execution environment.');
  }

  /** Interval joins run in event time (the only choice, as in Flink). */
  inEventTime(): this {
    return this;
  }
  inProcessingTime(): never {
    throw new UsageError('Time-bounded stream joins are only supported in event time: use inEventTime() and give both inputs timestamps and watermarks.');
  }

  /**
   * Joins right records with `left.timestamp + lower <= right.timestamp <= left.timestamp + upper`. Bounds
   * are Time, Duration or milliseconds (negative bounds too, e.g. `between(Time.seconds(-2), Time.seconds(1))`).
   */
  between(lowerBound: TimeSpan, upperBound: TimeSpan): IntervalJoined<IN1, IN2, K> {
    const lower = boundMillis(lowerBound, 'between(lowerBound, ...)');
    const upper = boundMillis(upperBound, 'between(..., upperBound)');
    if (lower > upper) throw new UsageError(`intervalJoin().between(${lower}, ${upper}): lowerBound <= upperBound must be fulfilled.`);
    return new IntervalJoined<IN1, IN2, K>(this.left, this.right, lower, upper);
  }
}

export class IntervalJoined<IN1, IN2, K> {
  private lowerInclusive = true;
  private upperInclusive = true;
  private leftLateTag: string | undefined;
  private rightLateTag: string | undefined;
  constructor(
    private readonly left: KeyedStream<IN1, K>,
    private readonly right: KeyedStream<IN2, K>,
    private readonly lower: number,
    private readonly upper: number,
  ) {}

  lowerBoundExclusive(): this {
    this.lowerInclusive = false;
    return this;
  }
  upperBoundExclusive(): this {
    this.upperInclusive = false;
    return this;
  }
  /** Left records that arrive behind the watermark go to this side output instead of being dropped. */
  sideOutputLeftLateData(tag: OutputTag<IN1>): this {
    checkOutputTag(tag, 'sideOutputLeftLateData');
    this.leftLateTag = tag.id;
    return this;
  }
  /** Right records that arrive behind the watermark go to this side output instead of being dropped. */
  sideOutputRightLateData(tag: OutputTag<IN2>): this {
    checkOutputTag(tag, 'sideOutputRightLateData');
    this.rightLateTag = tag.id;
    return this;
  }

  /** Calls `fn.processElement(left, right, ctx, out)` for every joined pair; results carry the larger timestamp. */
  process<O>(
    fn: ProcessJoinFunction<IN1, IN2, O> | ((left: IN1, right: IN2, ctx: ProcessJoinContext, out: Collector<O>) => unknown) | { processElement(left: IN1, right: IN2, ctx: never, out: never): unknown },
  ): SingleOutputStreamOperator<O> {
    checkMethods(fn, ['processElement'], 'ProcessJoinFunction');
    const env = this.left.env;
    // Exclusive bounds become inclusive ones one millisecond inside, as Flink's IntervalJoinOperator does.
    const lower = this.lowerInclusive ? this.lower : this.lower + 1;
    const upper = this.upperInclusive ? this.upper : this.upper - 1;
    const t = env.registry.create({
      name: 'Interval Join',
      operator: 'interval-join',
      fns: [fn, this.left.keySpec, this.right.keySpec],
      inputs: [this.left.transformation, this.right.transformation],
      inputSides: [0, 1],
      params: {
        keyed: true,
        lowerBound: lower,
        upperBound: upper,
        ...(this.leftLateTag !== undefined ? { leftLateTag: this.leftLateTag } : {}),
        ...(this.rightLateTag !== undefined ? { rightLateTag: this.rightLateTag } : {}),
      },
    });
    return new SingleOutputStreamOperator<O>(env, t);
  }
}

function boundMillis(b: TimeSpan, where: string): number {
  if (typeof b === 'number') {
    if (!Number.isFinite(b)) throw new UsageError(`intervalJoin().${where}: a bound must be a finite number of milliseconds, got ${String(b)}.`);
    return Math.round(b);
  }
  if (b instanceof Time) return b.toMilliseconds();
  if (b instanceof Duration) return b.toMillis();
  throw new UsageError(`intervalJoin().${where}: give a bound as Time.seconds(n), Duration.ofSeconds(n) or a number of milliseconds.`);
}

/** Plain functions cannot tell two inputs apart: ask for an object (or class) with the methods. */
function checkMethods(fn: unknown, methods: readonly string[], what: string): void {
  checkFunction(fn, what);
  if (typeof fn === 'function' && methods.length === 1) return;
  const missing = methods.filter((m) => typeof (fn as Record<string, unknown> | null)?.[m] !== 'function');
  if (typeof fn === 'function' || missing.length > 0) {
    throw new UsageError(`A ${what} needs the methods ${methods.join(' and ')}(); ${missing.length > 0 ? `missing: ${missing.join(', ')}` : 'a single function cannot serve both inputs'}. Give an object or a class extending ${what}.`);
  }
}
