/**
 * WindowedStream (`keyed.window(assigner)`) and AllWindowedStream (`stream.windowAll(assigner)`): the
 * window settings (trigger, evictor, allowed lateness, late side output) and the function that turns a
 * window's contents into results. Each becomes one 'window' operator; windowAll runs it with parallelism 1
 * on a constant key, as Flink does.
 *
 * ```ts
 * words.keyBy((w) => w[0])
 *   .window(TumblingEventTimeWindows.of(Time.seconds(5)))
 *   .allowedLateness(Time.seconds(1))
 *   .sideOutputLateData(lateTag)
 *   .reduce((a, b) => [a[0], a[1] + b[1]]);
 * ```
 */
import type { ReduceFunction } from '../functions.js';
import { SingleOutputStreamOperator, type Aggregation, type KeyedStream } from '../datastream.js';
import { checkOutputTag, type OutputTag } from '../output-tag.js';
import { checkAggregateFunction, type AggregateFunction } from '../state.js';
import { spanMillis, type TimeSpan } from '../time.js';
import type { Json } from '../transformation.js';
import { UsageError } from '../../util/errors.js';
import { checkEvictor, type Evictor } from './evictors.js';
import { checkTrigger, type Trigger } from './triggers.js';
import type { AllWindowFunction, ProcessAllWindowFunction, ProcessWindowFunction, WindowFunction } from './window-functions.js';
import { checkAssigner, isMergingAssigner, type Window, type WindowAssigner } from './windows.js';

/** How the window keeps its contents: one reduced value, one accumulator, or every element. */
export type WindowStateKind = 'reduce' | 'aggregate' | 'list';
/** What is called on firing: nothing (the reduced/aggregated value is the result), process() or apply(). */
export type WindowFunctionKind = 'pass' | 'process' | 'apply';

/** @internal the operator's user objects, in this order in the transformation's fns. */
export const WINDOW_FNS = { assigner: 0, trigger: 1, evictor: 2, incremental: 3, windowFunction: 4 } as const;

type AnyAssigner = WindowAssigner<unknown, Window>;
type AnyTrigger = Trigger<unknown, Window>;
type AnyEvictor = Evictor<unknown, Window>;

/** Settings shared by keyed and all-window streams. */
abstract class WindowSettings<T, W extends Window> {
  /** @internal */ protected trigger_: AnyTrigger;
  /** @internal */ protected evictor_: AnyEvictor | null = null;
  /** @internal */ protected lateness = 0;
  /** @internal */ protected lateTag: string | null = null;

  protected constructor(
    /** @internal */ readonly input: KeyedStream<T, unknown>,
    /** @internal */ readonly assigner: AnyAssigner,
    /** @internal */ readonly all: boolean,
  ) {
    checkAssigner(assigner, all ? 'windowAll' : 'window');
    this.trigger_ = assigner.getDefaultTrigger();
  }

  /** Replaces the assigner's default trigger. */
  trigger(trigger: Trigger<T, W>): this {
    checkTrigger(trigger, 'trigger');
    const canMerge = typeof (trigger as Partial<AnyTrigger>).canMerge === 'function' && (trigger as AnyTrigger).canMerge();
    if (isMergingAssigner(this.assigner) && !canMerge) {
      throw new UsageError('A merging window assigner (session windows) cannot be used with a trigger that does not support merging: implement canMerge() and onMerge() in the trigger.');
    }
    this.trigger_ = trigger as unknown as AnyTrigger;
    return this;
  }

  /** Removes elements before and/or after the window function runs; windows then keep every element. */
  evictor(evictor: Evictor<T, W>): this {
    checkEvictor(evictor, 'evictor');
    this.evictor_ = evictor as unknown as AnyEvictor;
    return this;
  }

  /**
   * Event time only: a window is kept `lateness` after its end; elements arriving meanwhile are added and
   * fire it again (with the default trigger). Later elements are dropped or go to sideOutputLateData.
   */
  allowedLateness(lateness: TimeSpan): this {
    this.lateness = spanMillis(lateness, 'allowedLateness');
    return this;
  }

  /** Elements too late for any window go to this side output instead of being dropped. */
  sideOutputLateData(outputTag: OutputTag<T>): this {
    checkOutputTag(outputTag, 'sideOutputLateData');
    this.lateTag = outputTag.id;
    return this;
  }

  /** @internal creates the window operator. */
  protected build<O>(state: WindowStateKind, fnKind: WindowFunctionKind, incremental: unknown, windowFunction: unknown, extra: { [k: string]: Json } = {}, what = ''): SingleOutputStreamOperator<O> {
    const env = this.input.env;
    const name = `${this.evictor_ ? 'Evicting' : ''}${this.all ? 'AllWindow' : 'Window'}(${String(this.assigner)}, ${String(this.trigger_)}${what ? `, ${what}` : ''})`;
    const fns: unknown[] = [];
    fns[WINDOW_FNS.assigner] = this.assigner;
    fns[WINDOW_FNS.trigger] = this.trigger_;
    fns[WINDOW_FNS.evictor] = this.evictor_;
    fns[WINDOW_FNS.incremental] = incremental ?? null;
    fns[WINDOW_FNS.windowFunction] = windowFunction ?? null;
    const t = env.registry.create({
      name,
      operator: 'window',
      fns,
      inputs: [this.input.transformation],
      keySpec: this.input.keySpec,
      nonParallel: this.all,
      params: { state, fn: fnKind, all: this.all, allowedLateness: this.lateness, lateTag: this.lateTag, evicting: this.evictor_ !== null, ...extra },
    });
    return new SingleOutputStreamOperator<O>(env, t);
  }

  /** @internal the kind of a window function given next to a reduce or aggregate function. */
  protected static functionKind(fn: unknown, where: string): WindowFunctionKind {
    if (typeof fn === 'function') return 'apply';
    if (fn !== null && typeof fn === 'object') {
      if (typeof (fn as { process?: unknown }).process === 'function') return 'process';
      if (typeof (fn as { apply?: unknown }).apply === 'function') return 'apply';
    }
    throw new UsageError(`${where}: give a ProcessWindowFunction (with process()), a WindowFunction (a function, or an object with apply()).`);
  }

  protected reduceImpl<O>(fn: ReduceFunction<T>, windowFunction: unknown): SingleOutputStreamOperator<O> {
    const ok = typeof fn === 'function' || (fn !== null && typeof fn === 'object' && typeof (fn as { reduce?: unknown }).reduce === 'function');
    if (!ok) throw new UsageError('reduce: give a reduce function (a, b) => c, or an object with reduce(a, b).');
    if (windowFunction === undefined) return this.build<O>('reduce', 'pass', fn, null, {}, 'reduce');
    return this.build<O>('reduce', WindowSettings.functionKind(windowFunction, 'reduce'), fn, windowFunction, {}, 'reduce');
  }

  protected aggregateImpl<O>(fn: AggregateFunction<T, unknown, unknown>, windowFunction: unknown): SingleOutputStreamOperator<O> {
    checkAggregateFunction(fn, 'aggregate');
    if (isMergingAssigner(this.assigner) && typeof fn.merge !== 'function') {
      throw new UsageError('aggregate on merging (session) windows needs an AggregateFunction with merge(a, b): merged windows combine their accumulators.');
    }
    if (windowFunction === undefined) return this.build<O>('aggregate', 'pass', fn, null, {}, 'aggregate');
    return this.build<O>('aggregate', WindowSettings.functionKind(windowFunction, 'aggregate'), fn, windowFunction, {}, 'aggregate');
  }

  protected fieldAggregation(agg: Aggregation, field: number | string, first = true): SingleOutputStreamOperator<T> {
    if (typeof field !== 'number' && typeof field !== 'string') throw new UsageError(`${agg}(): give a tuple position (number) or a field name (string).`);
    return this.build<T>('reduce', 'pass', null, null, { agg, field, first }, `${agg}(${String(field)})`);
  }

  sum(field: number | string): SingleOutputStreamOperator<T> {
    return this.fieldAggregation('sum', field);
  }
  min(field: number | string): SingleOutputStreamOperator<T> {
    return this.fieldAggregation('min', field);
  }
  max(field: number | string): SingleOutputStreamOperator<T> {
    return this.fieldAggregation('max', field);
  }
  minBy(field: number | string, first = true): SingleOutputStreamOperator<T> {
    return this.fieldAggregation('minBy', field, first);
  }
  maxBy(field: number | string, first = true): SingleOutputStreamOperator<T> {
    return this.fieldAggregation('maxBy', field, first);
  }
}

/** The windows of a keyed stream. */
export class WindowedStream<T, K, W extends Window> extends WindowSettings<T, W> {
  /** @internal use keyedStream.window(assigner) */
  constructor(input: KeyedStream<T, K>, assigner: WindowAssigner<T, W>) {
    super(input as KeyedStream<T, unknown>, assigner as unknown as AnyAssigner, false);
  }

  /**
   * Reduces each window incrementally to one value; with a window function, that value is then handed to
   * it (with the key and window) when the window fires.
   */
  reduce(fn: ReduceFunction<T>): SingleOutputStreamOperator<T>;
  reduce<O>(fn: ReduceFunction<T>, windowFunction: ProcessWindowFunction<T, O, K, W> | WindowFunction<T, O, K, W>): SingleOutputStreamOperator<O>;
  reduce<O>(fn: ReduceFunction<T>, windowFunction?: unknown): SingleOutputStreamOperator<O> {
    return this.reduceImpl<O>(fn, windowFunction);
  }

  /** Aggregates each window incrementally (an AggregateFunction); optionally then a window function. */
  aggregate<ACC, R>(fn: AggregateFunction<T, ACC, R>): SingleOutputStreamOperator<R>;
  aggregate<ACC, R, O>(fn: AggregateFunction<T, ACC, R>, windowFunction: ProcessWindowFunction<R, O, K, W> | WindowFunction<R, O, K, W>): SingleOutputStreamOperator<O>;
  aggregate<O>(fn: AggregateFunction<T, unknown, unknown>, windowFunction?: unknown): SingleOutputStreamOperator<O> {
    return this.aggregateImpl<O>(fn, windowFunction);
  }

  /** Calls `fn.process(key, context, elements, out)` with every element of the window when it fires. */
  process<O>(fn: ProcessWindowFunction<T, O, K, W>): SingleOutputStreamOperator<O> {
    if (fn === null || typeof fn !== 'object' || typeof (fn as { process?: unknown }).process !== 'function') {
      throw new UsageError('process: give a ProcessWindowFunction, an object with process(key, context, elements, out).');
    }
    return this.build<O>('list', 'process', null, fn, {}, 'process');
  }

  /** Calls `apply(key, window, elements, out)` with every element of the window when it fires. */
  apply<O>(fn: WindowFunction<T, O, K, W>): SingleOutputStreamOperator<O> {
    if (WindowSettings.functionKind(fn, 'apply') !== 'apply') throw new UsageError('apply: give a WindowFunction, (key, window, elements, out) => void.');
    return this.build<O>('list', 'apply', null, fn, {}, 'apply');
  }
}

/** The windows of a whole stream, evaluated by one parallel instance. */
export class AllWindowedStream<T, W extends Window> extends WindowSettings<T, W> {
  /** @internal use stream.windowAll(assigner) */
  constructor(input: KeyedStream<T, unknown>, assigner: WindowAssigner<T, W>) {
    super(input, assigner as unknown as AnyAssigner, true);
  }

  reduce(fn: ReduceFunction<T>): SingleOutputStreamOperator<T>;
  reduce<O>(fn: ReduceFunction<T>, windowFunction: ProcessAllWindowFunction<T, O, W> | AllWindowFunction<T, O, W>): SingleOutputStreamOperator<O>;
  reduce<O>(fn: ReduceFunction<T>, windowFunction?: unknown): SingleOutputStreamOperator<O> {
    return this.reduceImpl<O>(fn, windowFunction);
  }

  aggregate<ACC, R>(fn: AggregateFunction<T, ACC, R>): SingleOutputStreamOperator<R>;
  aggregate<ACC, R, O>(fn: AggregateFunction<T, ACC, R>, windowFunction: ProcessAllWindowFunction<R, O, W> | AllWindowFunction<R, O, W>): SingleOutputStreamOperator<O>;
  aggregate<O>(fn: AggregateFunction<T, unknown, unknown>, windowFunction?: unknown): SingleOutputStreamOperator<O> {
    return this.aggregateImpl<O>(fn, windowFunction);
  }

  /** Calls `fn.process(context, elements, out)` when a window fires. */
  process<O>(fn: ProcessAllWindowFunction<T, O, W>): SingleOutputStreamOperator<O> {
    if (fn === null || typeof fn !== 'object' || typeof (fn as { process?: unknown }).process !== 'function') {
      throw new UsageError('process: give a ProcessAllWindowFunction, an object with process(context, elements, out).');
    }
    return this.build<O>('list', 'process', null, fn, {}, 'process');
  }

  /** Calls `apply(window, elements, out)` when a window fires. */
  apply<O>(fn: AllWindowFunction<T, O, W>): SingleOutputStreamOperator<O> {
    if (WindowSettings.functionKind(fn, 'apply') !== 'apply') throw new UsageError('apply: give an AllWindowFunction, (window, elements, out) => void.');
    return this.build<O>('list', 'apply', null, fn, {}, 'apply');
  }
}
