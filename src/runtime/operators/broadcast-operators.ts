/**
 * A stream connected with a broadcast stream (Flink's CoBroadcastWithNonKeyedOperator and
 * CoBroadcastWithKeyedOperator). Input 0 is the ordinary stream, input 1 the broadcast one, whose records
 * reach every parallel instance (broadcast partitioning). Broadcast state lives in the operator state of
 * each instance; only the broadcast side may change it, so all instances keep the same contents as long as
 * the function updates it deterministically.
 */
import type { Collector } from '../../api/functions.js';
import { toKeyExtractor } from '../../api/keys.js';
import { MapStateDescriptor, StateDescriptor, type BroadcastState, type ReadOnlyBroadcastState } from '../../api/state.js';
import type { KeySpec } from '../../api/transformation.js';
import { broadcastState, NO_KEY, VOID_NAMESPACE } from '../state/index.js';
import { bindFunction, emitReturned, type OperatorContext, type OperatorFactory } from './operator.js';
import { KeyedTimers, sideOutput, userTimestamp } from './process-operators.js';
import { method, optionalMethod } from './co-operators.js';
import { UsageError } from '../../util/errors.js';

type Fn = (value: unknown, ctx: unknown, out: Collector<unknown>) => unknown;
type OnTimerFn = (timestamp: number, ctx: unknown, out: Collector<unknown>) => unknown;

interface StateViews {
  writable(d: unknown): BroadcastState<unknown, unknown>;
  readOnly(d: unknown): ReadOnlyBroadcastState<unknown, unknown>;
}

/** The broadcast states declared in `broadcast(...descriptors)`, writable and read-only, made once per name. */
function broadcastStates(ctx: OperatorContext): StateViews {
  const declared = new Set((ctx.params.broadcastStates as string[] | undefined) ?? []);
  const views = new Map<string, { rw: BroadcastState<unknown, unknown>; ro: ReadOnlyBroadcastState<unknown, unknown> }>();
  const get = (d: unknown): { rw: BroadcastState<unknown, unknown>; ro: ReadOnlyBroadcastState<unknown, unknown> } => {
    if (!(d instanceof MapStateDescriptor)) throw new UsageError("getBroadcastState(descriptor): give the MapStateDescriptor passed to broadcast(...), e.g. new MapStateDescriptor('rules').");
    let v = views.get(d.name);
    if (v) return v;
    if (!declared.has(d.name)) {
      throw new UsageError(
        `The broadcast state '${d.name}' does not exist in operator ${ctx.transformation.name}. Check the descriptor's name for typos, ` +
          'or pass the descriptor to stream.broadcast(...) when creating the broadcast stream.',
      );
    }
    const rw = broadcastState<unknown, unknown>(ctx.operatorStateBackend().getBroadcastState<unknown, [unknown, unknown]>(d.name));
    // The non-broadcast side reads only: a write there would make the instances disagree.
    const ro: ReadOnlyBroadcastState<unknown, unknown> = { get: rw.get, contains: rw.contains, immutableEntries: rw.immutableEntries };
    views.set(d.name, (v = { rw, ro }));
    return v;
  };
  return { writable: (d) => get(d).rw, readOnly: (d) => get(d).ro };
}

export const coBroadcast: OperatorFactory = (ctx) => {
  const fn = ctx.transformation.fns[0];
  const f = bindFunction<Fn>(fn, 'processElement', 'BroadcastProcessFunction');
  const processElement = f.call;
  const processBroadcast = method<Fn>(fn, 'processBroadcastElement', 'BroadcastProcessFunction');
  const out: Collector<unknown> = { collect: (r) => ctx.output.collect(r) };
  const el = ctx.element;
  const states = broadcastStates(ctx);
  let watermark = Number.NEGATIVE_INFINITY;
  const base = {
    timestamp: () => userTimestamp(el.timestamp),
    currentProcessingTime: () => ctx.processingTime.getCurrentProcessingTime(),
    currentWatermark: () => watermark,
    output: sideOutput(ctx.output),
  };
  const readOnlyCtx = { ...base, getBroadcastState: states.readOnly };
  const broadcastCtx = { ...base, getBroadcastState: states.writable };
  return {
    open: () => f.open(ctx.runtime),
    processElement: (r, input) => {
      if (input === 0) emitReturned(processElement(r, readOnlyCtx, out), out);
      else emitReturned(processBroadcast(r, broadcastCtx, out), out);
    },
    processWatermark: (wm) => {
      watermark = wm;
      ctx.output.emitWatermark(wm);
    },
    close: () => f.close(),
  };
};

export const keyedCoBroadcast: OperatorFactory = (ctx) => {
  const fn = ctx.transformation.fns[0];
  const f = bindFunction<Fn>(fn, 'processElement', 'KeyedBroadcastProcessFunction');
  const processElement = f.call;
  const processBroadcast = method<Fn>(fn, 'processBroadcastElement', 'KeyedBroadcastProcessFunction');
  const onTimer = optionalMethod<OnTimerFn>(fn, 'onTimer');
  const key = toKeyExtractor(ctx.transformation.fns[1] as KeySpec);
  const out: Collector<unknown> = { collect: (r) => ctx.output.collect(r) };
  const el = ctx.element;
  const states = broadcastStates(ctx);
  // Its onTimer also reads broadcast state: it gets this operator's own timer context.
  const kt: KeyedTimers = new KeyedTimers(ctx, onTimer ? (ts) => emitReturned(onTimer(ts, timerCtx, out), out) : undefined);
  const base = {
    timestamp: () => userTimestamp(el.timestamp),
    currentProcessingTime: () => ctx.processingTime.getCurrentProcessingTime(),
    currentWatermark: () => kt.timers.getCurrentWatermark(),
    output: sideOutput(ctx.output),
  };
  const readOnlyCtx = { ...base, getBroadcastState: states.readOnly, timerService: () => kt.services, getCurrentKey: () => kt.getCurrentKey() };
  const timerCtx = { ...readOnlyCtx, timeDomain: () => kt.domain };
  const broadcastCtx = {
    ...base,
    getBroadcastState: states.writable,
    applyToKeyedState: (d: unknown, apply: (key: unknown, state: unknown) => void) => {
      if (!(d instanceof StateDescriptor)) throw new UsageError("applyToKeyedState(descriptor, fn): give a state descriptor, e.g. new ValueStateDescriptor('count').");
      if (typeof apply !== 'function') throw new UsageError('applyToKeyedState(descriptor, fn): fn must be a function (key, state) => void.');
      const state = kt.backend.getPartitionedState<object>(d);
      state.setCurrentNamespace(VOID_NAMESPACE);
      kt.backend.applyToAllKeys(d.name, VOID_NAMESPACE, (k) => apply(k, state));
    },
  };
  return {
    setsKeyContext: true,
    open: async () => {
      kt.open();
      await f.open(ctx.runtime);
    },
    processElement: (r, input) => {
      if (input === 0) {
        kt.backend.setCurrentKey(key(r));
        emitReturned(processElement(r, readOnlyCtx, out), out);
      } else {
        // A broadcast element belongs to no key: keyed state is reached through applyToKeyedState only.
        kt.backend.setCurrentKey(NO_KEY);
        emitReturned(processBroadcast(r, broadcastCtx, out), out);
      }
    },
    processWatermark: kt.processWatermark,
    close: async () => {
      kt.close();
      await f.close();
    },
  };
};
