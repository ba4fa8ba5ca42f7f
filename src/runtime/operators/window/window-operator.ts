/**
 * The window operator (Flink's WindowOperator and EvictingWindowOperator in one): assigns each element to
 * windows, keeps their contents in keyed state with the window as namespace, asks the trigger when to
 * fire and purge, and cleans every window up after its end plus the allowed lateness. Results carry the
 * window's maxTimestamp(). Event-time windows all fire at the end of a bounded input (the final watermark
 * is +Infinity); processing-time windows do not, as in Flink: their timers die with the task.
 */
import type { Collector } from '../../../api/functions.js';
import { toKeyExtractor } from '../../../api/keys.js';
import { AggregatingStateDescriptor, ListStateDescriptor, ReducingStateDescriptor, ValueStateDescriptor, type AggregateFunction, type KeyedStateStore, type StateDescriptor } from '../../../api/state.js';
import type { KeySpec } from '../../../api/transformation.js';
import { TimestampedValue, type Evictor, type EvictorContext } from '../../../api/windowing/evictors.js';
import { EventTimeTrigger, ProcessingTimeTrigger, type OnMergeContext, type Trigger, type TriggerResult } from '../../../api/windowing/triggers.js';
import { WINDOW_FNS, type WindowFunctionKind, type WindowStateKind } from '../../../api/windowing/windowed-stream.js';
import type { ProcessWindowContext } from '../../../api/windowing/window-functions.js';
import { isMergingAssigner, MAX_TIMESTAMP, type MergingWindowAssigner, type Window, type WindowAssigner } from '../../../api/windowing/windows.js';
import { UsageError } from '../../../util/errors.js';
import { InternalTimerService, VOID_NAMESPACE, type InternalKvState, type InternalTimer, type KeyedStateBackend, type MergingState } from '../../state/index.js';
import { bindFunction, OperatorError, type BoundFunction, type OperatorContext, type OperatorFactory, type StreamOperator } from '../operator.js';
import { sideOutput } from '../process-operators.js';
import { aggregationStep, type AggKind } from '../stream-operators.js';
import { MergingWindowSet, type WindowMapping } from './merging-window-set.js';
import { windowNamespaces, type Namespace, type WindowNamespaces } from './window-namespaces.js';

/** The window contents as the operator uses them, whatever the state kind. */
interface ContentsState extends InternalKvState, MergingState {
  add(v: unknown): void;
  get(): unknown;
}

type Emit = (key: unknown, window: Window, contents: unknown) => void;

export interface WindowOperator extends StreamOperator {
  /** Elements dropped because every window they belong to was already cleaned up (Flink's metric name). */
  readonly numLateRecordsDropped: number;
}

function resultFlags(r: TriggerResult | undefined, what: string): number {
  if (r === undefined || r === null || typeof (r as Partial<TriggerResult>).isFire !== 'function') {
    throw new UsageError(`The trigger's ${what}() must return a TriggerResult (TriggerResult.CONTINUE, FIRE, PURGE or FIRE_AND_PURGE), got ${String(r)}.`);
  }
  return (r.isFire() ? 1 : 0) | (r.isPurge() ? 2 : 0);
}

export const windowOperator: OperatorFactory = (ctx) => createWindowOperator(ctx);

export function createWindowOperator(ctx: OperatorContext): WindowOperator {
  const p = ctx.params;
  const fns = ctx.transformation.fns;
  const assigner = fns[WINDOW_FNS.assigner] as WindowAssigner<unknown, Window>;
  const trigger = fns[WINDOW_FNS.trigger] as Trigger<unknown, Window>;
  const evictor = (fns[WINDOW_FNS.evictor] ?? null) as Evictor<unknown, Window> | null;
  const stateKind = p.state as WindowStateKind;
  const fnKind = p.fn as WindowFunctionKind;
  const all = p.all === true;
  const lateness = p.allowedLateness as number;
  const lateTag = (p.lateTag ?? null) as string | null;
  const eventTime = assigner.isEventTime();
  const merging = isMergingAssigner(assigner) ? (assigner as MergingWindowAssigner<unknown, Window>) : undefined;
  const names: WindowNamespaces = windowNamespaces(assigner);
  const keyOf = toKeyExtractor(ctx.transformation.keySpec as KeySpec);
  const el = ctx.element;
  const out = ctx.output;
  const collector: Collector<unknown> = { collect: (r) => out.collect(r) };

  // The incremental function (reduce or aggregate) and the window function, with their rich lifecycles.
  let reduce: ((a: unknown, b: unknown) => unknown) | undefined;
  let reduceBound: BoundFunction<(a: unknown, b: unknown) => unknown> | undefined;
  if (stateKind === 'reduce') {
    if (p.agg !== undefined) reduce = aggregationStep(p.agg as AggKind, p.field as string | number, p.first !== false);
    else {
      reduceBound = bindFunction<(a: unknown, b: unknown) => unknown>(fns[WINDOW_FNS.incremental], 'reduce', 'reduce');
      reduce = reduceBound.call;
    }
  }
  const aggFn = stateKind === 'aggregate' ? (fns[WINDOW_FNS.incremental] as AggregateFunction<unknown, unknown, unknown>) : undefined;
  const wfObj = fns[WINDOW_FNS.windowFunction];
  const windowFn = fnKind === 'pass' ? undefined : bindFunction<(...a: never[]) => unknown>(wfObj, fnKind === 'process' ? 'process' : 'apply', fnKind === 'process' ? 'process window' : 'window');
  const clearFn = fnKind === 'process' && wfObj !== null && typeof wfObj === 'object' && typeof (wfObj as { clear?: unknown }).clear === 'function'
    ? ((wfObj as { clear(c: unknown): void }).clear.bind(wfObj))
    : undefined;

  let backend: KeyedStateBackend;
  let timers: InternalTimerService;
  let contents: ContentsState;
  let mergingSets: InternalKvState & { value(): unknown; update(v: unknown): void };
  let numLateRecordsDropped = 0;
  let peek: ((ns: Namespace) => unknown) | undefined;

  // ---- trigger context: one object, pointed at the current window ----
  let curWindow: Window;
  let curNs: Namespace;
  let mergedNs: Namespace[] = [];
  const partitioned = <S>(d: StateDescriptor, ns: Namespace): S => {
    const s = backend.getPartitionedState<S>(d);
    s.setCurrentNamespace(ns);
    return s;
  };
  const tctx: OnMergeContext = {
    getCurrentProcessingTime: () => ctx.processingTime.getCurrentProcessingTime(),
    getCurrentWatermark: () => timers.getCurrentWatermark(),
    registerEventTimeTimer: (t) => timers.registerEventTimeTimer(curNs, t),
    registerProcessingTimeTimer: (t) => timers.registerProcessingTimeTimer(curNs, t),
    deleteEventTimeTimer: (t) => timers.deleteEventTimeTimer(curNs, t),
    deleteProcessingTimeTimer: (t) => timers.deleteProcessingTimeTimer(curNs, t),
    getPartitionedState: <S>(d: StateDescriptor): S => partitioned<S>(d, curNs),
    mergePartitionedState: (d) => {
      if (mergedNs.length === 0) return;
      const s = backend.getPartitionedState<Partial<MergingState>>(d);
      if (typeof s.mergeNamespaces !== 'function') throw new UsageError(`mergePartitionedState: state '${d.name}' is ${d.constructor.name.replace('Descriptor', '')}; only reducing, aggregating and list state can be merged.`);
      s.mergeNamespaces(curNs, mergedNs);
    },
  };
  const setWindow = (w: Window): void => {
    curWindow = w;
    curNs = names.of(w);
  };

  // ---- window function context ----
  const storeFor = (ns: () => Namespace): KeyedStateStore => ({
    getState: (d) => partitioned(d, ns()),
    getListState: (d) => partitioned(d, ns()),
    getMapState: (d) => partitioned(d, ns()),
    getReducingState: (d) => partitioned(d, ns()),
    getAggregatingState: (d) => partitioned(d, ns()),
  });
  const pctx: ProcessWindowContext<Window> = {
    window: () => curWindow,
    currentProcessingTime: () => ctx.processingTime.getCurrentProcessingTime(),
    currentWatermark: () => timers.getCurrentWatermark(),
    windowState: () => windowStore,
    globalState: () => globalStore,
    output: sideOutput(out),
  };
  const windowStore = storeFor(() => curNs);
  const globalStore = storeFor(() => VOID_NAMESPACE);

  // ---- emitting a window's result ----
  const single: unknown[] = [undefined];
  const callFunction = (key: unknown, window: Window, elements: Iterable<unknown>): void => {
    const call = (windowFn as BoundFunction<(...a: unknown[]) => unknown>).call;
    if (fnKind === 'process') {
      if (all) call(pctx, elements, collector);
      else call(key, pctx, elements, collector);
    } else if (all) call(window, elements, collector);
    else call(key, window, elements, collector);
  };
  /** The one result of incremental contents, or the elements of list contents, to the function. */
  const emitContents: Emit = (key, window, value) => {
    el.timestamp = window.maxTimestamp();
    if (fnKind === 'pass') {
      out.collect(value);
      return;
    }
    if (stateKind === 'list') callFunction(key, window, value as Iterable<unknown>);
    else {
      single[0] = value;
      callFunction(key, window, single);
    }
  };
  const evictorContext: EvictorContext = {
    getCurrentProcessingTime: () => ctx.processingTime.getCurrentProcessingTime(),
    getCurrentWatermark: () => timers.getCurrentWatermark(),
  };
  /** Evicting windows keep every element with its timestamp; reduce/aggregate run at firing time. */
  const emitEvicting: Emit = (key, window, stored) => {
    // Contents read back from a disk backend or a checkpoint are plain objects: evictors get TimestampedValues.
    const elements = [...(stored as Iterable<{ value: unknown; timestamp: number }>)].map((e) => (e instanceof TimestampedValue ? e : new TimestampedValue(e.value, e.timestamp)));
    const size = elements.length;
    const ev = evictor as Evictor<unknown, Window>;
    ev.evictBefore(elements, size, window, evictorContext);
    const values = elements.map((e) => e.value);
    if (stateKind === 'list') emitContents(key, window, values);
    else if (values.length > 0) {
      let acc: unknown;
      if (stateKind === 'reduce') {
        acc = values[0];
        for (let i = 1; i < values.length; i++) acc = (reduce as (a: unknown, b: unknown) => unknown)(acc, values[i]);
      } else {
        const f = aggFn as AggregateFunction<unknown, unknown, unknown>;
        let a = f.createAccumulator();
        for (const v of values) a = f.add(v, a);
        acc = f.getResult(a);
      }
      emitContents(key, window, acc);
    }
    ev.evictAfter(elements, size, window, evictorContext);
    contents.clear();
    for (const e of elements) contents.add(e);
  };
  const emit: Emit = evictor ? emitEvicting : emitContents;

  /** Fires the window whose contents the state currently points at, if it has any. */
  const fire = (w: Window): void => {
    const v = contents.get();
    if (v === null || v === undefined) return;
    if ((stateKind === 'list' || evictor) && (v as unknown[]).length === 0) return;
    emit(backend.getCurrentKey(), w, v);
  };

  // ---- lateness and cleanup ----
  const cleanupTime = (w: Window): number => {
    const end = w.maxTimestamp();
    if (!eventTime || end >= MAX_TIMESTAMP) return end;
    return end + lateness;
  };
  const isWindowLate = (w: Window): boolean => eventTime && cleanupTime(w) <= timers.getCurrentWatermark();
  const registerCleanupTimer = (w: Window, ns: Namespace): void => {
    const t = cleanupTime(w);
    if (t >= MAX_TIMESTAMP) return;
    if (eventTime) timers.registerEventTimeTimer(ns, t);
    else timers.registerProcessingTimeTimer(ns, t);
  };
  const deleteCleanupTimer = (w: Window, ns: Namespace): void => {
    const t = cleanupTime(w);
    if (t >= MAX_TIMESTAMP) return;
    if (eventTime) timers.deleteEventTimeTimer(ns, t);
    else timers.deleteProcessingTimeTimer(ns, t);
  };
  const clearAllState = (w: Window, set: MergingWindowSet | undefined): void => {
    contents.clear();
    setWindow(w);
    trigger.clear(w, tctx);
    clearFn?.(pctx);
    if (set) {
      set.retireWindow(w);
      persist(set);
    }
  };

  // ---- merging window sets, one per key, in keyed state ----
  const mergingSet = (): MergingWindowSet => {
    let m = mergingSets.value() as WindowMapping | null;
    if (m === null) m = new Map();
    return new MergingWindowSet(merging as MergingWindowAssigner<unknown, Window>, names, m);
  };
  const persist = (set: MergingWindowSet): void => {
    if (set.mapping.size === 0) mergingSets.clear();
    else mergingSets.update(set.mapping);
  };

  const assignerContext = { getCurrentProcessingTime: () => ctx.processingTime.getCurrentProcessingTime() };

  const lateElement = (value: unknown, ts: number): void => {
    if (!(eventTime && ts + lateness <= timers.getCurrentWatermark())) return;
    if (lateTag !== null) out.collectSide(lateTag, value);
    else numLateRecordsDropped++;
  };

  const stored = (value: unknown, ts: number): unknown => (evictor ? new TimestampedValue(value, ts) : value);

  const processPlain = (value: unknown, ts: number): void => {
    const windows = assigner.assignWindows(value, ts, assignerContext);
    let skipped = true;
    for (const w of windows) {
      if (isWindowLate(w)) continue;
      skipped = false;
      setWindow(w);
      const ns = curNs;
      contents.setCurrentNamespace(ns);
      if (peek !== undefined && peek.call(contents, ns) !== undefined && (!eventTime || w.maxTimestamp() > timers.getCurrentWatermark())) {
        // The default trigger would register the timers this window already has and continue.
        contents.add(stored(value, ts));
        continue;
      }
      contents.add(stored(value, ts));
      const r = resultFlags(trigger.onElement(value, ts, w, tctx), 'onElement');
      if (r & 1) fire(w);
      if (r & 2) contents.clear();
      registerCleanupTimer(w, ns);
    }
    if (skipped) lateElement(value, ts);
  };

  const processMerging = (value: unknown, ts: number): void => {
    const windows = assigner.assignWindows(value, ts, assignerContext);
    const set = mergingSet();
    let skipped = true;
    for (const w of windows) {
      const actual = set.addWindow(w, (result, mergedWindows, stateResult, mergedStateWindows) => {
        if (eventTime && result.maxTimestamp() + lateness <= timers.getCurrentWatermark()) {
          throw new OperatorError(`The end timestamp of an event-time window cannot become earlier than the current watermark by merging. Current watermark: ${timers.getCurrentWatermark()} window: ${String(result)}`);
        }
        if (!eventTime && result.maxTimestamp() <= ctx.processingTime.getCurrentProcessingTime()) {
          throw new OperatorError(`The end timestamp of a processing-time window cannot become earlier than the current processing time by merging. Current processing time: ${ctx.processingTime.getCurrentProcessingTime()} window: ${String(result)}`);
        }
        setWindow(result);
        mergedNs = mergedWindows.map((m) => names.of(m));
        trigger.onMerge(result, tctx);
        mergedNs = [];
        for (const m of mergedWindows) {
          setWindow(m);
          trigger.clear(m, tctx);
          deleteCleanupTimer(m, curNs);
        }
        if (mergedStateWindows.length > 0) contents.mergeNamespaces(stateResult, mergedStateWindows);
      });
      if (isWindowLate(actual)) {
        set.retireWindow(actual);
        continue;
      }
      skipped = false;
      const stateNs = set.getStateNamespace(actual);
      if (stateNs === undefined) throw new OperatorError(`Window ${String(actual)} is not in the in-flight window set.`);
      contents.setCurrentNamespace(stateNs);
      contents.add(stored(value, ts));
      setWindow(actual);
      const r = resultFlags(trigger.onElement(value, ts, actual, tctx), 'onElement');
      if (r & 1) fire(actual);
      if (r & 2) contents.clear();
      registerCleanupTimer(actual, names.of(actual));
    }
    persist(set);
    if (skipped) lateElement(value, ts);
  };

  const onTimer = (t: InternalTimer, eventTimer: boolean): void => {
    const w = names.window(t.namespace);
    let set: MergingWindowSet | undefined;
    if (merging) {
      set = mergingSet();
      const stateNs = set.getStateNamespace(w);
      // The timer of a window that was merged away (its timers are deleted, but be safe) does nothing.
      if (stateNs === undefined) return;
      contents.setCurrentNamespace(stateNs);
    } else contents.setCurrentNamespace(t.namespace);
    setWindow(w);
    const r = eventTimer
      ? resultFlags(trigger.onEventTime(t.timestamp, w, tctx), 'onEventTime')
      : resultFlags(trigger.onProcessingTime(t.timestamp, w, tctx), 'onProcessingTime');
    if (r & 1) fire(w);
    if (r & 2) contents.clear();
    if (eventTimer === eventTime && t.timestamp === cleanupTime(w)) clearAllState(w, set);
    else if (set) persist(set);
  };

  const process = merging ? processMerging : processPlain;

  const op: WindowOperator = {
    setsKeyContext: true,
    get numLateRecordsDropped() {
      return numLateRecordsDropped;
    },
    open: async () => {
      backend = ctx.keyedStateBackend();
      timers = new InternalTimerService(backend, ctx.processingTime, {
        onEventTime: (t) => onTimer(t, true),
        onProcessingTime: (t) => onTimer(t, false),
      });
      contents = backend.getPartitionedState<ContentsState>(contentsDescriptor(stateKind, evictor !== null, reduce, aggFn));
      // With the default time triggers a window's timers (trigger and cleanup) are registered by its first
      // element and deleted only with its contents: later elements need not register them again, which
      // saves most of the per-record cost. Needs a backend that can tell whether a window has contents.
      const load = (contents as Partial<{ loadNs(ns: Namespace): unknown }>).loadNs;
      const defaultTrigger = trigger === (eventTime ? EventTimeTrigger.create() : ProcessingTimeTrigger.create());
      if (!merging && defaultTrigger && typeof load === 'function') peek = load;
      mergingSets = backend.getPartitionedState(new ValueStateDescriptor<WindowMapping>('merging-window-set'));
      await reduceBound?.open(ctx.runtime);
      await windowFn?.open(ctx.runtime);
    },
    processElement: (r) => {
      backend.setCurrentKey(keyOf(r));
      process(r, el.timestamp);
    },
    processWatermark: (wm) => {
      timers.advanceWatermark(wm);
      out.emitWatermark(wm);
    },
    close: async () => {
      timers?.close();
      await windowFn?.close();
      await reduceBound?.close();
    },
  };
  return op;
}

function contentsDescriptor(kind: WindowStateKind, evicting: boolean, reduce: ((a: unknown, b: unknown) => unknown) | undefined, agg: AggregateFunction<unknown, unknown, unknown> | undefined): StateDescriptor {
  if (evicting || kind === 'list') return new ListStateDescriptor('window-contents');
  if (kind === 'reduce') return new ReducingStateDescriptor('window-contents', reduce as (a: unknown, b: unknown) => unknown);
  return new AggregatingStateDescriptor('window-contents', agg as AggregateFunction<unknown, unknown, unknown>);
}
