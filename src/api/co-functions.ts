/**
 * Functions over two inputs with Flink's names: CoMap, CoFlatMap, CoProcess and KeyedCoProcess for
 * connected streams, (Keyed)BroadcastProcessFunction for a stream connected with a broadcast stream, and
 * ProcessJoinFunction for interval joins. Each extends AbstractRichFunction, so `getRuntimeContext()` works
 * in `open()` and later; a plain object with the same methods works too.
 *
 * ```ts
 * class Gate extends KeyedCoProcessFunction<string, Control, Event, Event> {
 *   open() { this.on = this.getRuntimeContext().getState(new ValueStateDescriptor<boolean>('on')); }
 *   processElement1(c: Control) { this.on.update(c.enabled); }
 *   processElement2(e: Event, ctx: KeyedCoProcessContext<string>, out: Collector<Event>) { if (this.on.value()) out.collect(e); }
 * }
 * control.connect(events).keyBy((c) => c.key, (e) => e.key).process(new Gate());
 * ```
 */
import type { Collector } from './functions.js';
import type { OutputTag } from './output-tag.js';
import { AbstractRichFunction, type TimeDomain, type TimerService } from './process-functions.js';
import type { BroadcastState, MapStateDescriptor, ReadOnlyBroadcastState, State, StateDescriptor } from './state.js';

export abstract class CoMapFunction<IN1, IN2, OUT> extends AbstractRichFunction {
  abstract map1(value: IN1): OUT;
  abstract map2(value: IN2): OUT;
}

/** Emit through `out`, or return an iterable of results, or both (as flatMap). */
export abstract class CoFlatMapFunction<IN1, IN2, OUT> extends AbstractRichFunction {
  abstract flatMap1(value: IN1, out: Collector<OUT>): Iterable<OUT> | void;
  abstract flatMap2(value: IN2, out: Collector<OUT>): Iterable<OUT> | void;
}

/** What both inputs' process methods of a co-process function get. */
export interface CoProcessContext {
  /** The record's timestamp, or null when it has none. */
  timestamp(): number | null;
  timerService(): TimerService;
  output<X>(tag: OutputTag<X>, value: X): void;
}
export interface CoOnTimerContext extends CoProcessContext {
  timeDomain(): TimeDomain;
}
export interface KeyedCoProcessContext<K> extends CoProcessContext {
  getCurrentKey(): K;
}
export interface KeyedCoOnTimerContext<K> extends CoOnTimerContext {
  getCurrentKey(): K;
}

/** Timers need keyed connected streams (`connected.keyBy(k1, k2)`), as in Flink. */
export abstract class CoProcessFunction<IN1, IN2, OUT> extends AbstractRichFunction {
  abstract processElement1(value: IN1, ctx: CoProcessContext, out: Collector<OUT>): void;
  abstract processElement2(value: IN2, ctx: CoProcessContext, out: Collector<OUT>): void;
  onTimer?(timestamp: number, ctx: CoOnTimerContext, out: Collector<OUT>): void;
}

/** Keyed state and timers shared by both inputs: both see the state of the record's key. */
export abstract class KeyedCoProcessFunction<K, IN1, IN2, OUT> extends AbstractRichFunction {
  abstract processElement1(value: IN1, ctx: KeyedCoProcessContext<K>, out: Collector<OUT>): void;
  abstract processElement2(value: IN2, ctx: KeyedCoProcessContext<K>, out: Collector<OUT>): void;
  onTimer?(timestamp: number, ctx: KeyedCoOnTimerContext<K>, out: Collector<OUT>): void;
}

/** The part of every broadcast process context. */
export interface BaseBroadcastProcessContext {
  timestamp(): number | null;
  currentProcessingTime(): number;
  currentWatermark(): number;
  output<X>(tag: OutputTag<X>, value: X): void;
}

/** On the non-broadcast side the broadcast state is read-only, so every instance keeps the same contents. */
export interface ReadOnlyBroadcastContext extends BaseBroadcastProcessContext {
  getBroadcastState<K, V>(descriptor: MapStateDescriptor<K, V>): ReadOnlyBroadcastState<K, V>;
}

export interface BroadcastContext extends BaseBroadcastProcessContext {
  getBroadcastState<K, V>(descriptor: MapStateDescriptor<K, V>): BroadcastState<K, V>;
}

export interface KeyedReadOnlyBroadcastContext<K> extends ReadOnlyBroadcastContext {
  timerService(): TimerService;
  getCurrentKey(): K;
}

export interface KeyedBroadcastContext extends BroadcastContext {
  /** Calls `fn` for every key of this instance that has a value in the descriptor's state, with that state. */
  applyToKeyedState<S extends State>(descriptor: StateDescriptor, fn: (key: unknown, state: S) => void): void;
}

export interface KeyedBroadcastOnTimerContext<K> extends KeyedReadOnlyBroadcastContext<K> {
  timeDomain(): TimeDomain;
}

export abstract class BroadcastProcessFunction<IN1, IN2, OUT> extends AbstractRichFunction {
  abstract processElement(value: IN1, ctx: ReadOnlyBroadcastContext, out: Collector<OUT>): void;
  abstract processBroadcastElement(value: IN2, ctx: BroadcastContext, out: Collector<OUT>): void;
}

export abstract class KeyedBroadcastProcessFunction<K, IN1, IN2, OUT> extends AbstractRichFunction {
  abstract processElement(value: IN1, ctx: KeyedReadOnlyBroadcastContext<K>, out: Collector<OUT>): void;
  abstract processBroadcastElement(value: IN2, ctx: KeyedBroadcastContext, out: Collector<OUT>): void;
  onTimer?(timestamp: number, ctx: KeyedBroadcastOnTimerContext<K>, out: Collector<OUT>): void;
}

/** What an interval join's function gets with each pair. */
export interface ProcessJoinContext {
  getLeftTimestamp(): number;
  getRightTimestamp(): number;
  /** The pair's timestamp: the larger of both. */
  getTimestamp(): number;
  output<X>(tag: OutputTag<X>, value: X): void;
}

export abstract class ProcessJoinFunction<IN1, IN2, OUT> extends AbstractRichFunction {
  abstract processElement(left: IN1, right: IN2, ctx: ProcessJoinContext, out: Collector<OUT>): void;
}
