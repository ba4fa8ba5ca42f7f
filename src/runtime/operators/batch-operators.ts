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
  const what = method === 'reduce' ? 'reduceGroup' : method === 'combine' ? 'combineGroup' : 'mapPartition';
  const f = bindFunction<GroupFn>(ctx.transformation.fns[0], method, what);
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

/** groupBy(...).sum/min/max(...).and(...): several field aggregations per key; combinable. Without a key: one group. */
export const groupedAggregate: OperatorFactory = (ctx) => {
  const keySpec = ctx.transformation.keySpec;
  const key = keySpec === undefined ? () => 0 : toKeyExtractor(keySpec);
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
  // combineGroup runs the same way (per partition, without a shuffle before it) with the combine() method.
  const method = (ctx.params.method as string | undefined) ?? 'reduce';
  const f = firstN === undefined ? bindFunction<GroupFn>(ctx.transformation.fns[0], method, method === 'combine' ? 'combineGroup' : 'reduceGroup') : undefined;
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

/** Collects what a group function emits, so it can be sent on with back pressure. */
export function bufferedOutput(_ctx: OperatorContext): Output & { records: unknown[] } {
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
