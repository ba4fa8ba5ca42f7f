/** DataStream and KeyedStream: Flink's streaming transformations. */
import type {
  Collector,
  FilterFunction,
  FlatMapFunction,
  KeySelector,
  MapFunction,
  Partitioner,
  ReduceFunction,
  SinkFunction,
} from './functions.js';
import type { StreamExecutionEnvironment } from './stream-environment.js';
import type { SerializationSchema } from './sources.js';
import { checkParallelism, checkPath } from './stream-environment.js';
import { SAME_AS_INPUT, type KeySpec, type PartitionerType, type Transformation } from './transformation.js';
import { checkOutputTag, type OutputTag } from './output-tag.js';
import type { KeyedProcessFunction, ProcessFunction } from './process-functions.js';
import type {
  AscendingTimestampExtractor,
  AssignerWithPeriodicWatermarks,
  AssignerWithPunctuatedWatermarks,
  BoundedOutOfOrdernessTimestampExtractor,
  WatermarkStrategy,
} from './watermark.js';
import { UsageError } from '../util/errors.js';
import { BroadcastConnectedStream, BroadcastStream, checkBroadcastDescriptors, ConnectedIterativeStreams, ConnectedStreams, IntervalJoin } from './connected-streams.js';
import type { MapStateDescriptor } from './state.js';
import { AllWindowedStream, WindowedStream } from './windowing/windowed-stream.js';
import { GlobalWindows, SlidingEventTimeWindows, SlidingProcessingTimeWindows, TumblingEventTimeWindows, TumblingProcessingTimeWindows, type GlobalWindow, type TimeWindow, type Window, type WindowAssigner } from './windowing/windows.js';
import { CountTrigger, PurgingTrigger } from './windowing/triggers.js';
import { CountEvictor } from './windowing/evictors.js';
import { CoGroupedStreams, JoinedStreams } from './windowing/joins.js';
import type { TimeSpan } from './time.js';
import type { FileSink, StreamingFileSink } from './sinks/file-sink.js';
import type { TwoPhaseCommitSinkFunction } from './sinks/two-phase-commit.js';
import { addSinkOperator, sinkToOperator } from './sinks/sink-operators.js';

export type WriteMode = 'NO_OVERWRITE' | 'OVERWRITE';

export class DataStream<T> {
  constructor(
    /** @internal */ readonly env: StreamExecutionEnvironment,
    /** @internal */ readonly transformation: Transformation,
  ) {}

  getParallelism(): number {
    let t = this.transformation;
    while (t.inputs.length >= 1 && ((t.virtual && t.parallelism === -1) || t.parallelism === SAME_AS_INPUT)) t = t.inputs[0] as Transformation;
    return t.parallelism === -1 ? this.env.getParallelism() : t.parallelism;
  }

  /**
   * Gives records their event-time timestamps and emits watermarks: a WatermarkStrategy, or one of Flink
   * 1.9's assigners (BoundedOutOfOrdernessTimestampExtractor, AscendingTimestampExtractor, periodic or
   * punctuated assigner objects).
   */
  assignTimestampsAndWatermarks(strategy: WatermarkStrategy<T> | BoundedOutOfOrdernessTimestampExtractor<T> | AscendingTimestampExtractor<T> | AssignerWithPeriodicWatermarks<T> | AssignerWithPunctuatedWatermarks<T>): SingleOutputStreamOperator<T> {
    if (strategy === null || typeof strategy !== 'object') {
      throw new UsageError('assignTimestampsAndWatermarks: give a WatermarkStrategy, e.g. WatermarkStrategy.forBoundedOutOfOrderness(Duration.ofSeconds(5)).withTimestampAssigner((e) => e.timestamp).');
    }
    const t = this.env.registry.create({
      name: 'Timestamps/Watermarks',
      operator: 'timestamps-watermarks',
      fns: [strategy],
      inputs: [this.transformation],
      ...(this.transformation.parallelism > 0 ? { parallelism: this.transformation.parallelism } : {}),
    });
    return new SingleOutputStreamOperator<T>(this.env, t);
  }

  /**
   * A ProcessFunction: per record, with its timestamp, side outputs and the current watermark. On a keyed
   * stream a KeyedProcessFunction, which also has keyed state and timers.
   */
  process<O>(fn: ProcessFunction<T, O> | KeyedProcessFunction<unknown, T, O> | { processElement(value: T, ctx: never, out: Collector<O>): unknown }): SingleOutputStreamOperator<O> {
    if (this instanceof KeyedStream) {
      return this.oneInput<O>('KeyedProcess', 'keyed-process', fn, { keySpec: this.keySpec });
    }
    return this.oneInput<O>('Process', 'process', fn);
  }

  map<O>(fn: MapFunction<T, O>): SingleOutputStreamOperator<O> {
    return this.oneInput<O>('Map', 'map', fn);
  }
  flatMap<O>(fn: FlatMapFunction<T, O>): SingleOutputStreamOperator<O> {
    return this.oneInput<O>('Flat Map', 'flat-map', fn);
  }
  filter(fn: FilterFunction<T>): SingleOutputStreamOperator<T> {
    return this.oneInput<T>('Filter', 'filter', fn);
  }

  /** Partitions by key: a key selector function, a field name, or a tuple position. */
  keyBy<K = unknown>(key: KeySelector<T, K> | string | number | ReadonlyArray<string | number>): KeyedStream<T, K> {
    checkKey(key, 'keyBy');
    const t = this.env.registry.create({
      name: 'Partition',
      virtual: 'partition',
      partitioner: 'hash',
      keySpec: key as KeySpec,
      inputs: [this.transformation],
    });
    return new KeyedStream<T, K>(this.env, t, key as KeySpec);
  }

  union(...others: DataStream<T>[]): DataStream<T> {
    for (const o of others) {
      if (o.env !== this.env) throw new UsageError('union(): all streams must come from the same execution environment.');
    }
    const t = this.env.registry.create({
      name: 'Union',
      virtual: 'union',
      inputs: [this.transformation, ...others.map((o) => o.transformation)],
    });
    return new DataStream<T>(this.env, t);
  }

  rebalance(): DataStream<T> {
    return this.partition('rebalance');
  }
  rescale(): DataStream<T> {
    return this.partition('rescale');
  }
  shuffle(): DataStream<T> {
    return this.partition('shuffle');
  }
  /**
   * Without arguments: every record goes to every parallel instance downstream. With MapStateDescriptors: a
   * BroadcastStream to `connect()` to another stream, whose function keeps that broadcast state.
   */
  broadcast(): DataStream<T>;
  broadcast(...descriptors: Array<MapStateDescriptor<unknown, unknown>>): BroadcastStream<T>;
  broadcast(...descriptors: unknown[]): DataStream<T> | BroadcastStream<T> {
    if (descriptors.length === 0) return this.partition('broadcast');
    checkBroadcastDescriptors(descriptors);
    return new BroadcastStream<T>(this.env, this.partition('broadcast').transformation, descriptors);
  }
  global(): DataStream<T> {
    return this.partition('global');
  }
  forward(): DataStream<T> {
    return this.partition('forward');
  }
  /** Sends each record to `partitioner(key, numPartitions)`. */
  partitionCustom<K>(partitioner: Partitioner<K>, key: KeySelector<T, K> | string | number): DataStream<T> {
    checkKey(key, 'partitionCustom');
    const t = this.env.registry.create({
      name: 'Partition',
      virtual: 'partition',
      partitioner: 'custom',
      keySpec: key as KeySpec,
      inputs: [this.transformation],
      fns: [partitioner],
    });
    return new DataStream<T>(this.env, t);
  }

  /** Prints every record to the TaskManager's stdout (`<subtask>> ` prefix when parallel). */
  print(sinkIdentifier?: string): DataStreamSink<T> {
    return this.sink('Print to Std. Out', 'sink:print', { stderr: false, identifier: sinkIdentifier ?? null });
  }
  printToErr(sinkIdentifier?: string): DataStreamSink<T> {
    return this.sink('Print to Std. Err', 'sink:print', { stderr: true, identifier: sinkIdentifier ?? null });
  }
  /** One line per record; with parallelism > 1 `path` becomes a directory of files `1`..`n`. */
  writeAsText(path: string, writeMode: WriteMode = 'NO_OVERWRITE'): DataStreamSink<T> {
    checkPath(path, 'writeAsText');
    checkWriteMode(writeMode);
    return this.sink(`Sink: ${path}`, 'sink:text', { path, writeMode, format: 'text', rowDelimiter: '\n', fieldDelimiter: ',' });
  }
  writeAsCsv(path: string, writeMode: WriteMode = 'NO_OVERWRITE', rowDelimiter = '\n', fieldDelimiter = ','): DataStreamSink<T> {
    checkPath(path, 'writeAsCsv');
    checkWriteMode(writeMode);
    return this.sink(`Sink: ${path}`, 'sink:text', { path, writeMode, format: 'csv', rowDelimiter, fieldDelimiter });
  }
  /** A SinkFunction, a TwoPhaseCommitSinkFunction, or a StreamingFileSink. */
  addSink(fn: SinkFunction<T> | StreamingFileSink<T> | TwoPhaseCommitSinkFunction<T, unknown>): DataStreamSink<T> {
    const op = addSinkOperator(fn);
    const s = this.sink(op.name, op.operator, op.params);
    (s.transformation.fns as unknown[]).push(fn);
    return s;
  }
  /** A sink of Flink's unified sink API: a FileSink. */
  sinkTo(sink: FileSink<T>): DataStreamSink<T> {
    const op = sinkToOperator(sink);
    const s = this.sink(op.name, op.operator, op.params);
    (s.transformation.fns as unknown[]).push(sink);
    return s;
  }

  /** @internal */
  protected oneInput<O>(name: string, operator: string, fn: unknown, extra: Partial<{ keySpec: KeySpec; params: Record<string, string | number | boolean | null> }> = {}): SingleOutputStreamOperator<O> {
    checkFunction(fn, name);
    // Functions right after keyBy() see the keyed state of the record's key, as in Flink.
    const keySpec = extra.keySpec ?? (this instanceof KeyedStream ? this.keySpec : undefined);
    const t = this.env.registry.create({
      name,
      operator,
      fns: [fn],
      inputs: [this.transformation],
      ...(keySpec !== undefined ? { keySpec } : {}),
      ...(extra.params ? { params: extra.params } : {}),
    });
    return new SingleOutputStreamOperator<O>(this.env, t);
  }

  private partition(partitioner: PartitionerType): DataStream<T> {
    const t = this.env.registry.create({
      name: 'Partition',
      virtual: 'partition',
      partitioner,
      inputs: [this.transformation],
    });
    return new DataStream<T>(this.env, t);
  }

  private sink(name: string, operator: string, params: Record<string, string | number | boolean | null>): DataStreamSink<T> {
    const t = this.env.registry.create({ name, operator, params, inputs: [this.transformation], isSink: true });
    return new DataStreamSink<T>(this.env, t);
  }

  /**
   * Writes every record to a TCP server, serialized by `schema` (a function or an object with
   * `serialize()`, giving a string or bytes), as Flink's writeToSocket: nothing is added between records,
   * so end each with '\n' when the server reads lines. The job fails if the server cannot be reached.
   */
  writeToSocket(hostName: string, port: number, schema: SerializationSchema<T>): DataStreamSink<T> {
    if (typeof hostName !== 'string' || hostName.length === 0) throw new UsageError('writeToSocket: the host name must be a non-empty string.');
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new UsageError(`writeToSocket: invalid port ${port}; use 1..65535.`);
    const ok = typeof schema === 'function' || (schema !== null && typeof schema === 'object' && typeof (schema as { serialize?: unknown }).serialize === 'function');
    if (!ok) throw new UsageError('writeToSocket: give a serializer: a function (record) => string | Uint8Array, or an object with serialize(record), such as new SimpleStringSchema().');
    const s = this.sink('Socket Sink', 'sink:socket', { hostName, port });
    (s.transformation.fns as unknown[]).push(schema);
    return s;
  }

  /**
   * Connects another stream: a ConnectedStreams for CoMap/CoFlatMap/CoProcess functions, or with a
   * BroadcastStream a BroadcastConnectedStream for (Keyed)BroadcastProcessFunctions.
   */
  connect<U>(other: BroadcastStream<U>): BroadcastConnectedStream<T, U>;
  connect<U>(other: DataStream<U>): ConnectedStreams<T, U>;
  connect<U>(other: DataStream<U> | BroadcastStream<U>): ConnectedStreams<T, U> | BroadcastConnectedStream<T, U> {
    if (other instanceof BroadcastStream) return new BroadcastConnectedStream<T, U>(this.env, this, other);
    if (!(other instanceof DataStream)) throw new UsageError('connect(): give a DataStream, or a BroadcastStream made with stream.broadcast(descriptor).');
    return new ConnectedStreams<T, U>(this.env, this, other);
  }

  /**
   * Starts a streaming iteration: close it with `closeWith(feedback)`, whose records come back here. With
   * `maxWaitTimeMillis` > 0 the iteration head ends once no feedback arrived for that long; without it the
   * iteration (and the job) runs until cancelled, as in Flink.
   */
  iterate(maxWaitTimeMillis = 0): IterativeStream<T> {
    const head = createIterationHead(this, maxWaitTimeMillis);
    const union = this.env.registry.create({ name: 'Iteration', virtual: 'union', inputs: [this.transformation, head] });
    return new IterativeStream<T>(this.env, union, head, this, maxWaitTimeMillis);
  }

  /** Windows over the whole stream, evaluated by one parallel instance (Flink's windowAll). */
  windowAll<W extends Window>(assigner: WindowAssigner<T, W>): AllWindowedStream<T, W> {
    return new AllWindowedStream<T, W>(this.keyBy(ALL_KEY) as KeyedStream<T, unknown>, assigner);
  }
  /** Flink 1.9: tumbling (or, with `slide`, sliding) windows in the environment's time characteristic. */
  timeWindowAll(size: TimeSpan, slide?: TimeSpan): AllWindowedStream<T, TimeWindow> {
    return this.windowAll(timeWindowAssigner<T>(this.env, size, slide));
  }
  /** Windows of `size` elements (sliding by `slide` elements) over the whole stream. */
  countWindowAll(size: number, slide?: number): AllWindowedStream<T, GlobalWindow> {
    return countWindowOf(this.windowAll(GlobalWindows.create<T>()), size, slide);
  }
  /** A window join: `a.join(b).where(keyA).equalTo(keyB).window(assigner).apply((x, y) => ...)`. */
  join<B>(other: DataStream<B>): JoinedStreams<T, B> {
    return new JoinedStreams<T, B>(this, other);
  }
  /** A window coGroup: per key and window, the elements of both streams. */
  coGroup<B>(other: DataStream<B>): CoGroupedStreams<T, B> {
    return new CoGroupedStreams<T, B>(this, other);
  }
}

/** Settings that apply to the operator just created (Flink's SingleOutputStreamOperator). */
export class SingleOutputStreamOperator<T> extends DataStream<T> {
  /** The records this operator emitted to the side output `tag` (`ctx.output(tag, value)`). */
  getSideOutput<X>(tag: OutputTag<X>): DataStream<X> {
    checkOutputTag(tag, 'getSideOutput');
    const t = this.env.registry.create({
      name: `SideOutput(${tag.id})`,
      virtual: 'side-output',
      sideOutputTag: tag.id,
      inputs: [this.transformation],
    });
    return new DataStream<X>(this.env, t);
  }

  setParallelism(parallelism: number): this {
    checkParallelism(parallelism, 'setParallelism');
    if (this.transformation.nonParallel && parallelism !== 1) {
      throw new UsageError(`${this.transformation.name} is not a parallel operator: its parallelism must be 1.`);
    }
    this.transformation.parallelism = parallelism;
    return this;
  }
  setMaxParallelism(maxParallelism: number): this {
    this.transformation.maxParallelism = maxParallelism;
    return this;
  }
  name(name: string): this {
    this.transformation.name = name;
    return this;
  }
  uid(uid: string): this {
    this.transformation.uid = uid;
    return this;
  }
  disableChaining(): this {
    this.transformation.chaining = 'NEVER';
    return this;
  }
  startNewChain(): this {
    this.transformation.chaining = 'HEAD';
    return this;
  }
}

/** fromSource() with a watermark strategy: the source and its assigner, whose settings go to the source. */
export class SourceOperator<T> extends SingleOutputStreamOperator<T> {
  constructor(
    env: StreamExecutionEnvironment,
    transformation: Transformation,
    /** @internal */ readonly source: Transformation,
  ) {
    super(env, transformation);
  }
  override setParallelism(parallelism: number): this {
    checkParallelism(parallelism, 'setParallelism');
    this.source.parallelism = parallelism;
    return this;
  }
  override setMaxParallelism(maxParallelism: number): this {
    this.source.maxParallelism = maxParallelism;
    return this;
  }
  override uid(uid: string): this {
    this.source.uid = uid;
    return this;
  }
}

export class DataStreamSink<T> {
  constructor(
    /** @internal */ readonly env: StreamExecutionEnvironment,
    /** @internal */ readonly transformation: Transformation,
  ) {}
  setParallelism(parallelism: number): this {
    checkParallelism(parallelism, 'setParallelism');
    this.transformation.parallelism = parallelism;
    return this;
  }
  name(name: string): this {
    this.transformation.name = name;
    return this;
  }
  uid(uid: string): this {
    this.transformation.uid = uid;
    return this;
  }
  disableChaining(): this {
    this.transformation.chaining = 'NEVER';
    return this;
  }
  /** @internal keeps the element type in the signature */
  protected readonly _type?: T;
}

export type Aggregation = 'sum' | 'min' | 'max' | 'minBy' | 'maxBy';

/** A stream partitioned by key; its operators keep per-key state. */
export class KeyedStream<T, K = unknown> extends DataStream<T> {
  constructor(
    env: StreamExecutionEnvironment,
    transformation: Transformation,
    /** @internal */ readonly keySpec: KeySpec,
  ) {
    super(env, transformation);
  }

  /** A running reduce: emits the reduced value for the key after every record. */
  reduce(fn: ReduceFunction<T>): SingleOutputStreamOperator<T> {
    return this.oneInput<T>('Keyed Reduce', 'keyed-reduce', fn, { keySpec: this.keySpec });
  }
  sum(field: number | string): SingleOutputStreamOperator<T> {
    return this.aggregate('sum', field);
  }
  min(field: number | string): SingleOutputStreamOperator<T> {
    return this.aggregate('min', field);
  }
  max(field: number | string): SingleOutputStreamOperator<T> {
    return this.aggregate('max', field);
  }
  minBy(field: number | string, first = true): SingleOutputStreamOperator<T> {
    return this.aggregate('minBy', field, first);
  }
  maxBy(field: number | string, first = true): SingleOutputStreamOperator<T> {
    return this.aggregate('maxBy', field, first);
  }

  private aggregate(agg: Aggregation, field: number | string, first = true): SingleOutputStreamOperator<T> {
    if (typeof field !== 'number' && typeof field !== 'string') {
      throw new UsageError(`${agg}(): give a tuple position (number) or a field name (string).`);
    }
    const t = this.env.registry.create({
      name: `Keyed Aggregation`,
      operator: 'keyed-aggregate',
      params: { agg, field, first },
      inputs: [this.transformation],
      keySpec: this.keySpec,
    });
    return new SingleOutputStreamOperator<T>(this.env, t);
  }

  /**
   * Joins with another keyed stream on equal keys and timestamps within bounds (event time):
   * `.between(lower, upper)[.lowerBoundExclusive()][.upperBoundExclusive()].process(ProcessJoinFunction)`.
   */
  intervalJoin<U>(other: KeyedStream<U, K>): IntervalJoin<T, U, K> {
    if (!(other instanceof KeyedStream)) throw new UsageError('intervalJoin(): the other stream must be keyed too: other.keyBy(...).');
    return new IntervalJoin<T, U, K>(this, other);
  }

  /** @internal marks K as used */
  protected readonly _key?: K;

  /** Groups each key's elements into windows: `keyed.window(TumblingEventTimeWindows.of(Time.seconds(5)))`. */
  window<W extends Window>(assigner: WindowAssigner<T, W>): WindowedStream<T, K, W> {
    return new WindowedStream<T, K, W>(this, assigner);
  }
  /**
   * Flink 1.9: tumbling (or, with `slide`, sliding) windows; processing time unless the environment's time
   * characteristic is EventTime or IngestionTime.
   */
  timeWindow(size: TimeSpan, slide?: TimeSpan): WindowedStream<T, K, TimeWindow> {
    return this.window(timeWindowAssigner<T>(this.env, size, slide));
  }
  /** Windows of `size` elements per key; with `slide`, fired every `slide` elements over the last `size`. */
  countWindow(size: number, slide?: number): WindowedStream<T, K, GlobalWindow> {
    return countWindowOf(this.window(GlobalWindows.create<T>()), size, slide);
  }
}

export function checkFunction(fn: unknown, what: string): void {
  if (typeof fn === 'function') return;
  if (fn !== null && typeof fn === 'object') return; // rich function object; its method is checked on binding
  throw new UsageError(`${what}: expected a function or an object with the function's method, got ${fn === null ? 'null' : typeof fn}.`);
}

function checkKey(key: unknown, where: string): void {
  const ok =
    typeof key === 'function' ||
    typeof key === 'string' ||
    typeof key === 'number' ||
    (Array.isArray(key) && key.length > 0 && key.every((k) => typeof k === 'string' || typeof k === 'number')) ||
    (typeof key === 'object' && key !== null && typeof (key as { getKey?: unknown }).getKey === 'function');
  if (!ok) throw new UsageError(`${where}(): give a key selector function, a field name, a tuple position, or a list of them.`);
}

function checkWriteMode(mode: string): void {
  if (mode !== 'OVERWRITE' && mode !== 'NO_OVERWRITE') {
    throw new UsageError(`Unknown write mode '${mode}': use 'OVERWRITE' or 'NO_OVERWRITE'.`);
  }
}

/**
 * The start of a streaming iteration (Flink's IterativeStream): operators applied to it read both the
 * original input and the records fed back with `closeWith`.
 */
export class IterativeStream<T> extends DataStream<T> {
  constructor(
    env: StreamExecutionEnvironment,
    transformation: Transformation,
    /** @internal the iteration head (a source reading the feedback) */ readonly head: Transformation,
    private readonly input: DataStream<T>,
    private readonly maxWaitTimeMillis: number,
  ) {
    super(env, transformation);
  }

  /**
   * Sends `feedback`'s records back to the head of this iteration; returns `feedback`. Its parallelism
   * must equal the iteration's (the head and tail of each parallel instance share a queue in one slot).
   */
  closeWith(feedback: DataStream<T>): DataStream<T> {
    closeIteration(this.env, this.head, feedback);
    return feedback;
  }

  /**
   * An iteration whose feedback has another type than its input (Flink's ConnectedIterativeStreams): a
   * co-function gets the input as its first and the feedback as its second input. The type hint from
   * ported Flink code is ignored.
   */
  withFeedbackType<F>(typeHint?: unknown): ConnectedIterativeStreams<T, F> {
    void typeHint;
    const head = createIterationHead(this.input, this.maxWaitTimeMillis);
    return new ConnectedIterativeStreams<T, F>(this.env, this.input, new DataStream<F>(this.env, head), head);
  }

  /** The parallelism of the iteration head (and so of its feedback). */
  setParallelism(parallelism: number): this {
    checkParallelism(parallelism, 'setParallelism');
    this.head.parallelism = parallelism;
    return this;
  }
}

/** A transformation's parallelism as the user set it (through virtual nodes), or -1 for the default. */
function explicitParallelism(t: Transformation): number {
  while ((t.virtual && t.parallelism === -1) || t.parallelism === SAME_AS_INPUT) {
    const next = t.inputs[0];
    if (!next) return -1;
    t = next;
  }
  return t.parallelism > 0 ? t.parallelism : -1;
}

/** @internal The head of a new iteration over `input`: a source reading the feedback queue of its slot. */
export function createIterationHead<T>(input: DataStream<T>, maxWaitTimeMillis: number): Transformation {
  if (typeof maxWaitTimeMillis !== 'number' || !Number.isFinite(maxWaitTimeMillis) || maxWaitTimeMillis < 0) {
    throw new UsageError(`iterate(maxWaitTimeMillis): give a number of milliseconds >= 0 (0: wait forever), got ${String(maxWaitTimeMillis)}.`);
  }
  const head = input.env.registry.create({
    name: 'IterationSource',
    operator: 'iteration-head',
    params: { maxWaitTime: Math.round(maxWaitTimeMillis) },
    parallelism: explicitParallelism(input.transformation),
    bounded: maxWaitTimeMillis > 0,
  });
  // Stable on every TaskManager: ids are given in creation order.
  head.params.iterationId = head.id;
  head.name = `IterationSource-${head.id}`;
  return head;
}

/** @internal Adds the tail that sends `feedback` to `head`'s queue (one per closeWith call). */
export function closeIteration<T>(env: StreamExecutionEnvironment, head: Transformation, feedback: DataStream<T>): void {
  if (!(feedback instanceof DataStream) || feedback.env !== env) {
    throw new UsageError('closeWith(feedback): give a DataStream of the same execution environment, built from this iteration.');
  }
  const id = head.params.iterationId as number;
  env.registry.create({
    name: `IterationSink-${id}`,
    operator: 'iteration-tail',
    params: { iterationId: id },
    inputs: [feedback.transformation],
    parallelism: SAME_AS_INPUT,
    isSink: true,
  });
}

/** windowAll's key (Flink's NullByteKeySelector): every element in one key, so one window operator sees all. */
const ALL_KEY = (): number => 0;

function timeWindowAssigner<T>(env: StreamExecutionEnvironment, size: TimeSpan, slide: TimeSpan | undefined): WindowAssigner<T, TimeWindow> {
  const processing = env.getStreamTimeCharacteristic() === 'ProcessingTime';
  if (slide === undefined) return processing ? TumblingProcessingTimeWindows.of<T>(size) : TumblingEventTimeWindows.of<T>(size);
  return processing ? SlidingProcessingTimeWindows.of<T>(size, slide) : SlidingEventTimeWindows.of<T>(size, slide);
}

function countWindowOf<S extends { trigger(t: never): S; evictor(e: never): S }>(ws: S, size: number, slide: number | undefined): S {
  if (slide === undefined) return ws.trigger(PurgingTrigger.of(CountTrigger.of(size)) as never);
  return ws.evictor(CountEvictor.of(size) as never).trigger(CountTrigger.of(slide) as never);
}
