/** Record-at-a-time operators shared by streams and batch, and the keyed streaming operators. */
import { fieldExtractor, fieldUpdater, toKeyExtractor } from '../../api/keys.js';
import type { KeySpec } from '../../api/transformation.js';
import { bindFunction, emitReturned, stateKey, type OperatorContext, type OperatorFactory, type StreamOperator } from './operator.js';
import { UsageError } from '../../util/errors.js';
import { ChangeOp } from '../state/index.js';

type Fn1 = (v: unknown) => unknown;
type Fn2 = (a: unknown, b: unknown) => unknown;

function withLifecycle(ctx: OperatorContext, f: { open(c: OperatorContext['runtime']): Promise<void>; close(): Promise<void> }, op: StreamOperator): StreamOperator {
  return { ...op, open: () => f.open(ctx.runtime), close: () => f.close() };
}

export const map: OperatorFactory = (ctx) => {
  const f = bindFunction<Fn1>(ctx.transformation.fns[0], 'map', 'map');
  const out = ctx.output;
  const call = f.call;
  return withLifecycle(ctx, f, { processElement: (r) => out.collect(call(r)) });
};

export const flatMap: OperatorFactory = (ctx) => {
  const f = bindFunction<(v: unknown, o: unknown) => unknown>(ctx.transformation.fns[0], 'flatMap', 'flatMap');
  const out = ctx.output;
  const call = f.call;
  return withLifecycle(ctx, f, {
    processElement: (r) => {
      const res = call(r, out);
      if (res !== undefined) emitReturned(res, out);
    },
  });
};

export const filter: OperatorFactory = (ctx) => {
  const f = bindFunction<Fn1>(ctx.transformation.fns[0], 'filter', 'filter');
  const out = ctx.output;
  const call = f.call;
  return withLifecycle(ctx, f, {
    processElement: (r) => {
      if (call(r)) out.collect(r);
    },
  });
};

/** Running reduce per key: emits the new reduced value after every record (Flink's keyed reduce). */
export const keyedReduce: OperatorFactory = (ctx) => {
  const f = bindFunction<Fn2>(ctx.transformation.fns[0], 'reduce', 'reduce');
  const key = toKeyExtractor(ctx.transformation.keySpec as KeySpec);
  const state = new Map<unknown, unknown>();
  const touched = keepInCheckpoints(ctx, '_reduce', state);
  const out = ctx.output;
  const call = f.call;
  return withLifecycle(ctx, f, {
    // Keeps its own per-key map: the task need not set a key for it.
    setsKeyContext: true,
    processElement: (r) => {
      const k = stateKey(key(r));
      touched.keys?.add(k);
      const prev = state.get(k);
      const next = prev === undefined && !state.has(k) ? r : call(prev, r);
      state.set(k, next);
      out.collect(next);
    },
  });
};

/** The keys a keyed operator's own map changed since the last changelog snapshot (undefined: nobody asked). */
interface TouchedKeys {
  keys: Set<unknown> | undefined;
}

/**
 * A keyed operator's own map (state key → value) joins the checkpoints of its keyed backend, so the hot path
 * keeps its one map lookup per record (and, once a changelog snapshot has asked, one set insert).
 */
function keepInCheckpoints(ctx: OperatorContext, name: string, state: Map<unknown, unknown>): TouchedKeys {
  const touched: TouchedKeys = { keys: undefined };
  if (!ctx.keyed) return touched;
  ctx.keyedStateBackend().registerParticipant({
    name,
    entries: function* () {
      for (const [k, v] of state) yield ['', k, v];
    },
    restore: (_ns, k, v) => void state.set(k, v),
    changes: () => {
      const out: Array<[string, unknown, unknown, ChangeOp]> = [];
      for (const k of touched.keys ?? []) out.push(state.has(k) ? ['', k, state.get(k), ChangeOp.PUT] : ['', k, null, ChangeOp.REMOVE]);
      touched.keys = new Set();
      return out;
    },
  });
  return touched;
}

export type AggKind = 'sum' | 'min' | 'max' | 'minBy' | 'maxBy';

/** sum/min/max/minBy/maxBy on a keyed stream, emitting the current aggregate per record. */
export const keyedAggregate: OperatorFactory = (ctx) => {
  const key = toKeyExtractor(ctx.transformation.keySpec as KeySpec);
  const step = aggregationStep(ctx.params.agg as AggKind, ctx.params.field as string | number, ctx.params.first !== false, true);
  // The state holds a private accumulator updated in place and each record gets its own copy: one map
  // lookup per record and a short-lived copy, instead of a lookup, a store and a long-lived copy.
  const state = new Map<unknown, unknown>();
  const touched = keepInCheckpoints(ctx, '_aggregate', state);
  const out = ctx.output;
  return {
    // Keeps its own per-key map: the task need not set a key for it.
    setsKeyContext: true,
    processElement: (r) => {
      const k = stateKey(key(r));
      touched.keys?.add(k);
      let acc = state.get(k);
      if (acc === undefined) {
        acc = initialAggregate(r);
        state.set(k, acc);
      } else {
        const next = step(acc, r);
        if (next !== acc) state.set(k, next);
        acc = next;
      }
      out.collect(initialAggregate(acc));
    },
  };
};

/** A fresh copy of the first record, so later updates never change what was emitted. */
export function initialAggregate(r: unknown): unknown {
  if (Array.isArray(r)) return r.slice();
  if (r !== null && typeof r === 'object') return { ...(r as object) };
  return r;
}

/**
 * One aggregation step: the new accumulator for `acc` and record `r`. With `inPlace` the step may change
 * `acc` and return it (the caller owns `acc` and has not handed it out); otherwise it returns a new value.
 */
export function aggregationStep(agg: AggKind, field: string | number, first: boolean, inPlace = false): (acc: unknown, r: unknown) => unknown {
  const get = fieldExtractor(field);
  const set = inPlace ? inPlaceUpdater(field) : fieldUpdater(field);
  const num = (v: unknown): number => {
    if (typeof v !== 'number') throw new UsageError(`${agg}(${JSON.stringify(field)}): the field is not a number (got ${typeof v}).`);
    return v;
  };
  switch (agg) {
    case 'sum':
      return (acc, r) => set(acc, num(get(acc)) + num(get(r)));
    case 'min':
      return (acc, r) => (compare(get(r), get(acc)) < 0 ? set(acc, get(r)) : acc);
    case 'max':
      return (acc, r) => (compare(get(r), get(acc)) > 0 ? set(acc, get(r)) : acc);
    case 'minBy':
      return (acc, r) => {
        const c = compare(get(r), get(acc));
        return c < 0 || (c === 0 && !first) ? initialAggregate(r) : acc;
      };
    case 'maxBy':
      return (acc, r) => {
        const c = compare(get(r), get(acc));
        return c > 0 || (c === 0 && !first) ? initialAggregate(r) : acc;
      };
  }
}

/** Like fieldUpdater, but sets the field of an accumulator the operator owns without copying it. */
function inPlaceUpdater(field: string | number): (acc: unknown, value: unknown) => unknown {
  const copying = fieldUpdater(field);
  if (typeof field === 'number') {
    return (acc, v) => {
      if (!Array.isArray(acc)) return copying(acc, v);
      acc[field] = v;
      return acc;
    };
  }
  return (acc, v) => {
    if (acc === null || typeof acc !== 'object' || Array.isArray(acc)) return copying(acc, v);
    (acc as Record<string, unknown>)[field] = v;
    return acc;
  };
}

/** Orders numbers, strings, booleans, bigints and dates; mixed types order by type name. */
export function compare(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === typeof b && (typeof a === 'string' || typeof a === 'bigint' || typeof a === 'boolean')) {
    return (a as string) < (b as string) ? -1 : (a as string) > (b as string) ? 1 : 0;
  }
  if (a instanceof Date && b instanceof Date) return a.getTime() - b.getTime();
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      const c = compare(a[i], b[i]);
      if (c !== 0) return c;
    }
    return a.length - b.length;
  }
  const ta = a === null ? 'null' : typeof a;
  const tb = b === null ? 'null' : typeof b;
  return ta < tb ? -1 : ta > tb ? 1 : 0;
}
