/**
 * Batch operators: they see all of their (partition's) input before emitting, then emit at end of input,
 * yielding to back pressure every few hundred records. State is held in memory.
 */
import { toKeyExtractor } from '../../api/keys.js';
import type { KeySpec } from '../../api/transformation.js';
import { bindFunction, emitReturned, stateKey, type OperatorContext, type OperatorFactory, type Output } from './operator.js';
import { aggregationStep, compare, initialAggregate, type AggKind } from './stream-operators.js';

type Fn2 = (a: unknown, b: unknown) => unknown;
type GroupFn = (values: unknown[], out: Output) => unknown;

/** Emits records from an iterable, pausing for back pressure every 256 records. */
export async function emitAll(ctx: OperatorContext, records: Iterable<unknown>): Promise<void> {
  let n = 0;
  for (const r of records) {
    ctx.output.collect(r);
    if ((++n & 255) === 0) await ctx.yield();
  }
}

/** mapPartition (and non-grouped reduceGroup at parallelism 1): all records in one call. */
export const mapPartition: OperatorFactory = (ctx) => {
  const method = (ctx.params.method as string | undefined) ?? 'mapPartition';
  const f = bindFunction<GroupFn>(ctx.transformation.fns[0], method, method === 'reduce' ? 'reduceGroup' : 'mapPartition');
  const values: unknown[] = [];
  return {
    open: () => f.open(ctx.runtime),
    processElement: (r) => void values.push(r),
    endInput: async () => {
      const buffered = bufferedOutput(ctx);
      emitReturned(f.call(values, buffered), buffered);
      await emitAll(ctx, buffered.records);
    },
    close: () => f.close(),
  };
};

/** Reduces all records of the partition to one. */
export const reduce: OperatorFactory = (ctx) => {
  const f = bindFunction<Fn2>(ctx.transformation.fns[0], 'reduce', 'reduce');
  let acc: unknown;
  let any = false;
  return {
    open: () => f.open(ctx.runtime),
    processElement: (r) => {
      acc = any ? f.call(acc, r) : r;
      any = true;
    },
    endInput: () => {
      if (any) ctx.output.collect(acc);
    },
    close: () => f.close(),
  };
};

/** groupBy(...).reduce(fn): a hash table of one value per key; also used as the combiner. */
export const groupedReduce: OperatorFactory = (ctx) => {
  const f = bindFunction<Fn2>(ctx.transformation.fns[0], 'reduce', 'reduce');
  const key = toKeyExtractor(ctx.transformation.keySpec as KeySpec);
  const table = new Map<unknown, unknown>();
  const call = f.call;
  return {
    open: () => f.open(ctx.runtime),
    processElement: (r) => {
      const k = stateKey(key(r));
      const prev = table.get(k);
      table.set(k, prev === undefined && !table.has(k) ? r : call(prev, r));
    },
    endInput: () => emitAll(ctx, table.values()),
    close: () => f.close(),
  };
};

/** groupBy(...).sum/min/max(...).and(...): several field aggregations per key; combinable. */
export const groupedAggregate: OperatorFactory = (ctx) => {
  const key = toKeyExtractor(ctx.transformation.keySpec as KeySpec);
  // The table's accumulators are private until end of input, so the steps update them in place.
  const aggs = (ctx.params.aggregations as Array<[string, string | number]>).map(([kind, field]) =>
    aggregationStep(kind.toLowerCase() as AggKind, field, true, true),
  );
  const step = aggs.length === 1 ? (aggs[0] as (a: unknown, r: unknown) => unknown) : (a: unknown, r: unknown) => aggs.reduce((acc, s) => s(acc, r), a);
  const table = new Map<unknown, unknown>();
  return {
    processElement: (r) => {
      const k = stateKey(key(r));
      const prev = table.get(k);
      if (prev === undefined) {
        table.set(k, initialAggregate(r));
      } else {
        const next = step(prev, r);
        if (next !== prev) table.set(k, next);
      }
    },
    endInput: () => emitAll(ctx, table.values()),
  };
};

/** groupBy(...).reduceGroup(fn) and groupBy(...).first(n), with optional sortGroup orders. */
export const groupedGroupReduce: OperatorFactory = (ctx) => {
  const firstN = ctx.params.first as number | undefined;
  const f = firstN === undefined ? bindFunction<GroupFn>(ctx.transformation.fns[0], 'reduce', 'reduceGroup') : undefined;
  const key = toKeyExtractor(ctx.transformation.keySpec as KeySpec);
  const sorter = recordComparator(ctx.transformation.fns.slice(1) as KeySpec[], ctx.params.orders as string[]);
  const groups = new Map<unknown, unknown[]>();
  return {
    open: () => f?.open(ctx.runtime),
    processElement: (r) => {
      const k = stateKey(key(r));
      const g = groups.get(k);
      if (g) g.push(r);
      else groups.set(k, [r]);
    },
    endInput: async () => {
      const buffered = bufferedOutput(ctx);
      for (const values of groups.values()) {
        if (sorter) values.sort(sorter);
        if (firstN !== undefined) {
          for (const v of values.slice(0, firstN)) buffered.collect(v);
        } else {
          emitReturned((f as { call: GroupFn }).call(values, buffered), buffered);
        }
        if (buffered.records.length >= 256) await emitAll(ctx, buffered.records.splice(0));
      }
      await emitAll(ctx, buffered.records);
    },
    close: () => f?.close(),
  };
};

/** distinct(): emits the first record of each key as soon as it is seen. */
export const distinct: OperatorFactory = (ctx) => {
  const key = toKeyExtractor(ctx.transformation.keySpec as KeySpec);
  const seen = new Set<unknown>();
  const out = ctx.output;
  return {
    processElement: (r) => {
      const k = stateKey(key(r));
      if (!seen.has(k)) {
        seen.add(k);
        out.collect(r);
      }
    },
  };
};

export const firstN: OperatorFactory = (ctx) => {
  const n = ctx.params.n as number;
  let count = 0;
  return {
    processElement: (r) => {
      if (count < n) {
        count++;
        ctx.output.collect(r);
      }
    },
  };
};

export const sortPartition: OperatorFactory = (ctx) => {
  const sorter = recordComparator(ctx.transformation.fns as KeySpec[], ctx.params.orders as string[]) as (a: unknown, b: unknown) => number;
  const values: unknown[] = [];
  return {
    processElement: (r) => void values.push(r),
    endInput: () => emitAll(ctx, values.sort(sorter)),
  };
};

/** Hash join: builds a table from the first input, probes it with the second. */
export const join: OperatorFactory = (ctx) => {
  const fn = ctx.transformation.fns[0];
  const f = fn === null || fn === undefined ? undefined : bindFunction<Fn2>(fn, 'join', 'join');
  const k1 = toKeyExtractor(ctx.transformation.fns[1] as KeySpec);
  const k2 = toKeyExtractor(ctx.transformation.fns[2] as KeySpec);
  const build = new Map<unknown, unknown[]>();
  const pending: unknown[] = [];
  let built = false;
  const out = ctx.output;
  const probe = (r: unknown): void => {
    const matches = build.get(stateKey(k2(r)));
    if (!matches) return;
    for (const l of matches) out.collect(f ? f.call(l, r) : [l, r]);
  };
  return {
    open: () => f?.open(ctx.runtime),
    processElement: (r, input) => {
      if (input === 0) {
        const k = stateKey(k1(r));
        const list = build.get(k);
        if (list) list.push(r);
        else build.set(k, [r]);
      } else if (built) {
        probe(r);
      } else {
        pending.push(r);
      }
    },
    endInput: async (input) => {
      if (input !== 0) return;
      built = true;
      let n = 0;
      for (const r of pending.splice(0)) {
        probe(r);
        if ((++n & 255) === 0) await ctx.yield();
      }
    },
    close: () => f?.close(),
  };
};

export const coGroup: OperatorFactory = (ctx) => {
  const f = bindFunction<(a: unknown[], b: unknown[], out: Output) => unknown>(ctx.transformation.fns[0], 'coGroup', 'coGroup');
  const keys = [toKeyExtractor(ctx.transformation.fns[1] as KeySpec), toKeyExtractor(ctx.transformation.fns[2] as KeySpec)];
  const groups = new Map<unknown, [unknown[], unknown[]]>();
  let ended = 0;
  return {
    open: () => f.open(ctx.runtime),
    processElement: (r, input) => {
      const k = stateKey((keys[input] as (v: unknown) => unknown)(r));
      let g = groups.get(k);
      if (!g) groups.set(k, (g = [[], []]));
      g[input === 0 ? 0 : 1].push(r);
    },
    endInput: async () => {
      if (++ended < 2) return;
      const buffered = bufferedOutput(ctx);
      for (const [a, b] of groups.values()) {
        emitReturned(f.call(a, b, buffered), buffered);
        if (buffered.records.length >= 256) await emitAll(ctx, buffered.records.splice(0));
      }
      await emitAll(ctx, buffered.records);
    },
    close: () => f.close(),
  };
};

/** Cross: the second input is broadcast to every subtask and buffered; the first streams against it. */
export const cross: OperatorFactory = (ctx) => {
  const fn = ctx.transformation.fns[0];
  const f = fn === null || fn === undefined ? undefined : bindFunction<Fn2>(fn, 'cross', 'cross');
  const right: unknown[] = [];
  const pendingLeft: unknown[] = [];
  let rightDone = false;
  const emitPairs = (l: unknown): void => {
    for (const r of right) ctx.output.collect(f ? f.call(l, r) : [l, r]);
  };
  return {
    open: () => f?.open(ctx.runtime),
    processElement: (r, input) => {
      if (input === 1) right.push(r);
      else if (rightDone) emitPairs(r);
      else pendingLeft.push(r);
    },
    endInput: async (input) => {
      if (input !== 1) return;
      rightDone = true;
      for (const l of pendingLeft.splice(0)) {
        emitPairs(l);
        await ctx.yield();
      }
    },
    close: () => f?.close(),
  };
};

/** Collects what a group function emits, so it can be sent on with back pressure. */
function bufferedOutput(_ctx: OperatorContext): Output & { records: unknown[] } {
  const records: unknown[] = [];
  return { records, collect: (r) => void records.push(r), emitWatermark: () => {}, emitWatermarkStatus: () => {}, collectSide: () => {} };
}

function recordComparator(fields: KeySpec[], orders: string[]): ((a: unknown, b: unknown) => number) | undefined {
  if (fields.length === 0) return undefined;
  const extractors = fields.map((f) => toKeyExtractor(f));
  return (a, b) => {
    for (let i = 0; i < extractors.length; i++) {
      const ex = extractors[i] as (v: unknown) => unknown;
      const c = compare(ex(a), ex(b));
      if (c !== 0) return orders[i] === 'DESCENDING' ? -c : c;
    }
    return 0;
  };
}
