/**
 * Operators of connected streams (Flink's CoStreamMap, CoStreamFlatMap, CoProcessOperator and
 * KeyedCoProcessOperator). The task passes each record with the index of its input (0 or 1). The task
 * already hands a two-input head the minimum watermark over the channels of both inputs, which is
 * Flink's rule for two-input operators (min of both inputs, each the min of its channels).
 */
import type { Collector } from '../../api/functions.js';
import { toKeyExtractor, type KeyExtractor } from '../../api/keys.js';
import type { KeySpec } from '../../api/transformation.js';
import type { InternalTimerService, KeyedStateBackend } from '../state/index.js';
import { bindFunction, emitReturned, type BoundFunction, type OperatorContext, type OperatorFactory, type StreamOperator } from './operator.js';
import { KeyedTimers, sideOutput, userTimerService, userTimestamp } from './process-operators.js';
import { UsageError } from '../../util/errors.js';

type Fn2 = (value: unknown, ctx: unknown, out: Collector<unknown>) => unknown;
type OnTimerFn = (timestamp: number, ctx: unknown, out: Collector<unknown>) => unknown;

/** A method of the user's function object, bound to it (the first method is bound with bindFunction). */
export function method<F>(fn: unknown, name: string, what: string): F {
  const m = (fn as Record<string, unknown> | null)?.[name];
  if (typeof m !== 'function') throw new UsageError(`The ${what} has no ${name}() method.`);
  return (m as (...a: unknown[]) => unknown).bind(fn) as F;
}

/** The optional onTimer of a function object. */
export function optionalMethod<F>(fn: unknown, name: string): F | undefined {
  const m = fn !== null && typeof fn === 'object' ? (fn as Record<string, unknown>)[name] : undefined;
  return typeof m === 'function' ? ((m as (...a: unknown[]) => unknown).bind(fn) as F) : undefined;
}

/** Key extractors of both inputs (`fns[1]`, `fns[2]`) when both are keyed, else undefined. */
export function twoInputKeys(ctx: OperatorContext): [KeyExtractor, KeyExtractor] | undefined {
  if (ctx.params.keyed !== true) return undefined;
  return [toKeyExtractor(ctx.transformation.fns[1] as KeySpec), toKeyExtractor(ctx.transformation.fns[2] as KeySpec)];
}

function collector(ctx: OperatorContext): Collector<unknown> {
  const out = ctx.output;
  return { collect: (r) => out.collect(r) };
}

/** Sets the key of the record's input before calling the function (keyed connected streams). */
function keyedCall(ctx: OperatorContext, call: (r: unknown, input: number) => void): { open(): void; processElement(r: unknown, input: number): void } {
  const keys = twoInputKeys(ctx);
  if (!keys) return { open: () => {}, processElement: call };
  const [k1, k2] = keys;
  let backend: KeyedStateBackend;
  return {
    open: () => {
      backend = ctx.keyedStateBackend();
    },
    processElement: (r, input) => {
      backend.setCurrentKey(input === 0 ? k1(r) : k2(r));
      call(r, input);
    },
  };
}

/** CoMap and CoFlatMap: the function object's lifecycle (bound with its first method) around `call`. */
function coFunctionOperator(ctx: OperatorContext, f1: Pick<BoundFunction<unknown>, 'open' | 'close'>, call: (r: unknown, input: number) => void): StreamOperator {
  const k = keyedCall(ctx, call);
  return {
    setsKeyContext: true,
    open: async () => {
      k.open();
      await f1.open(ctx.runtime);
    },
    processElement: k.processElement,
    close: () => f1.close(),
  };
}

export const coMap: OperatorFactory = (ctx) => {
  const fn = ctx.transformation.fns[0];
  const f1 = bindFunction<(v: unknown) => unknown>(fn, 'map1', 'CoMapFunction');
  const map2 = method<(v: unknown) => unknown>(fn, 'map2', 'CoMapFunction');
  const map1 = f1.call;
  const out = ctx.output;
  return coFunctionOperator(ctx, f1, (r, input) => out.collect(input === 0 ? map1(r) : map2(r)));
};

export const coFlatMap: OperatorFactory = (ctx) => {
  const fn = ctx.transformation.fns[0];
  const f1 = bindFunction<(v: unknown, out: Collector<unknown>) => unknown>(fn, 'flatMap1', 'CoFlatMapFunction');
  const flatMap2 = method<(v: unknown, out: Collector<unknown>) => unknown>(fn, 'flatMap2', 'CoFlatMapFunction');
  const flatMap1 = f1.call;
  const out = collector(ctx);
  return coFunctionOperator(ctx, f1, (r, input) => emitReturned(input === 0 ? flatMap1(r, out) : flatMap2(r, out), out));
};

/** A CoProcessFunction on non-keyed connected streams: timestamps, side outputs, no timers (as in Flink). */
export const coProcess: OperatorFactory = (ctx) => {
  const fn = ctx.transformation.fns[0];
  const f1 = bindFunction<Fn2>(fn, 'processElement1', 'CoProcessFunction');
  const p1 = f1.call;
  const p2 = method<Fn2>(fn, 'processElement2', 'CoProcessFunction');
  const out = collector(ctx);
  const el = ctx.element;
  let watermark = Number.NEGATIVE_INFINITY;
  const noTimers = (): InternalTimerService => {
    throw new UsageError(`Setting timers is only supported on keyed streams (operator ${ctx.transformation.name}). Use connected.keyBy(key1, key2) before process().`);
  };
  const services = userTimerService(noTimers, ctx, () => watermark);
  const pctx = { timestamp: () => userTimestamp(el.timestamp), timerService: () => services, output: sideOutput(ctx.output) };
  return {
    open: () => f1.open(ctx.runtime),
    processElement: (r, input) => emitReturned(input === 0 ? p1(r, pctx, out) : p2(r, pctx, out), out),
    processWatermark: (wm) => {
      watermark = wm;
      ctx.output.emitWatermark(wm);
    },
    close: () => f1.close(),
  };
};

/** Keyed connected streams: state and timers of the record's key, shared by both inputs. */
export const keyedCoProcess: OperatorFactory = (ctx) => {
  const fn = ctx.transformation.fns[0];
  const f1 = bindFunction<Fn2>(fn, 'processElement1', 'KeyedCoProcessFunction');
  const p1 = f1.call;
  const p2 = method<Fn2>(fn, 'processElement2', 'KeyedCoProcessFunction');
  const onTimer = optionalMethod<OnTimerFn>(fn, 'onTimer');
  const [k1, k2] = twoInputKeys(ctx) as [KeyExtractor, KeyExtractor];
  const out = collector(ctx);
  const kt = new KeyedTimers(ctx, onTimer ? (ts, tctx) => emitReturned(onTimer(ts, tctx, out), out) : undefined);
  const pctx = kt.processContext;
  return {
    setsKeyContext: true,
    open: async () => {
      kt.open();
      await f1.open(ctx.runtime);
    },
    processElement: (r, input) => {
      if (input === 0) {
        kt.backend.setCurrentKey(k1(r));
        emitReturned(p1(r, pctx, out), out);
      } else {
        kt.backend.setCurrentKey(k2(r));
        emitReturned(p2(r, pctx, out), out);
      }
    },
    processWatermark: kt.processWatermark,
    close: async () => {
      kt.close();
      await f1.close();
    },
  };
};
