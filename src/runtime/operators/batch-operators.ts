/**
 * Batch operators: they see all of their (partition's) input before emitting, then emit at end of input,
 * yielding to back pressure every few hundred records. What they hold draws from the slot's managed memory
 * (`ctx.memory`): hash tables and sort buffers stay in memory while it grants room and spill sorted runs to
 * io.tmp.dirs when it refuses; combiners emit their partial results instead. The in-memory path is unchanged but
 * for one addition and comparison per new key (per record where records are kept).
 */
import { toKeyExtractor } from '../../api/keys.js';
import type { KeySpec } from '../../api/transformation.js';
import { bindFunction, emitReturned, stateKey, type OperatorContext, type OperatorFactory, type Output } from './operator.js';
import { aggregationStep, compare, initialAggregate, type AggKind } from './stream-operators.js';
import { compareEntries, compareStateKeys, type ExternalSorter } from '../memory/index.js';
import { ENTRY_BYTES, groupsInKeyOrder, MemoryAccount, MIN_SPILL_ENTRIES, sortedEntries, sortedGroups, type Entry } from './batch-memory.js';

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
  const account = new MemoryAccount(ctx.memory);
  return {
    open: () => f.open(ctx.runtime),
    processElement: (r) => {
      values.push(r);
      // All records go to the function as one array: they cannot be spilled.
      if ((account.bytes += account.sizer.size(r)) > account.reserved && !account.grow() && values.length >= MIN_SPILL_ENTRIES) {
        throw ctx.memory.exhausted(`the ${method === 'reduce' ? 'reduceGroup' : 'mapPartition'} function's input (all records of the partition as one array)`);
      }
    },
    endInput: async () => {
      const buffered = bufferedOutput(ctx);
      emitReturned(f.call(values, buffered), buffered);
      await emitAll(ctx, buffered.records);
    },
    close: () => closeAll(ctx, f),
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
  const spill = spillingTable(ctx, table, call);
  const account = spill.account;
  const newKey = (k: unknown, r: unknown): void => {
    table.set(k, r);
    if ((account.bytes += account.sizer.size(r) + ENTRY_BYTES) > account.reserved) spill.full();
  };
  return {
    open: () => f.open(ctx.runtime),
    processElement: (r) => {
      const k = stateKey(key(r));
      const prev = table.get(k);
      if (prev === undefined && !table.has(k)) {
        newKey(k, r);
      } else {
        table.set(k, call(prev, r));
      }
    },
    endInput: () => spill.emit(),
    close: () => closeAll(ctx, f),
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
  // Partial aggregates combine by the same steps: a partial is a record whose fields hold the aggregates so far.
  const spill = spillingTable(ctx, table, step);
  const account = spill.account;
  // Kept out of processElement so that stays small enough for V8 to inline into the task's record loop.
  const newKey = (k: unknown, r: unknown): void => {
    table.set(k, initialAggregate(r));
    if ((account.bytes += account.sizer.size(r) + ENTRY_BYTES) > account.reserved) spill.full();
  };
  return {
    processElement: (r) => {
      const k = stateKey(key(r));
      const prev = table.get(k);
      if (prev === undefined) {
        newKey(k, r);
      } else {
        const next = step(prev, r);
        if (next !== prev) table.set(k, next);
      }
    },
    endInput: () => spill.emit(),
    close: () => ctx.memory.close(),
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
  const account = new MemoryAccount(ctx.memory);
  // Over the memory: every record goes to a sort by key (then by the group order), and groups come one at a time.
  let spilled: ExternalSorter<Entry> | undefined;
  const toSorter = (): void => {
    const s = (spilled = ctx.memory.sorter<Entry>(sorter ? (a, b) => compareStateKeys(a[0], b[0]) || sorter(a[1], b[1]) : compareEntries));
    s.addSortedRun(groupsInKeyOrder(groups, sorter));
    groups.clear();
    account.reset();
  };
  const what = firstN === undefined ? 'one group handed to the reduceGroup function as an array' : `the first ${firstN} records of one group`;
  return {
    open: () => f?.open(ctx.runtime),
    processElement: (r) => {
      const k = stateKey(key(r));
      if (spilled) {
        spilled.add([k, r]);
        return;
      }
      const g = groups.get(k);
      if (g) g.push(r);
      else groups.set(k, [r]);
      if ((account.bytes += account.sizer.size(r)) > account.reserved && !account.grow()) toSorter();
    },
    endInput: async () => {
      const buffered = bufferedOutput(ctx);
      const onGroup = (values: unknown[]): void => {
        if (firstN !== undefined) {
          for (const v of values.slice(0, firstN)) buffered.collect(v);
        } else {
          emitReturned((f as { call: GroupFn }).call(values, buffered), buffered);
        }
      };
      if (spilled) {
        for (const [, values] of sortedGroups(spilled.sorted(), account, ctx.memory, what)) {
          onGroup(values);
          if (buffered.records.length >= 256) await emitAll(ctx, buffered.records.splice(0));
        }
      } else {
        for (const values of groups.values()) {
          if (sorter) values.sort(sorter);
          onGroup(values);
          if (buffered.records.length >= 256) await emitAll(ctx, buffered.records.splice(0));
        }
      }
      await emitAll(ctx, buffered.records);
    },
    close: () => closeAll(ctx, f),
  };
};

/** distinct(): emits the first record of each key as soon as it is seen. */
export const distinct: OperatorFactory = (ctx) => {
  const key = toKeyExtractor(ctx.transformation.keySpec as KeySpec);
  const seen = new Set<unknown>();
  const out = ctx.output;
  const account = new MemoryAccount(ctx.memory);
  const combiner = ctx.params.combiner === true;
  // Over the memory the final distinct sorts `[key, 0]` for the keys already emitted and `[key, 1, record]` for
  // the records after, and emits at the end the first record of each key that was not emitted before.
  let spilled: ExternalSorter<[unknown, number, unknown]> | undefined;
  const full = (): void => {
    if (seen.size < MIN_SPILL_ENTRIES) return;
    if (!combiner) {
      spilled = ctx.memory.sorter((a, b) => compareStateKeys(a[0], b[0]) || a[1] - b[1]);
      spilled.addSortedRun([...seen].sort(compareStateKeys).map((k): [unknown, number, unknown] => [k, 0, null]));
    }
    // A combiner just forgets: the distinct after the shuffle drops the repeats.
    seen.clear();
    account.reset();
  };
  return {
    processElement: (r) => {
      const k = stateKey(key(r));
      if (spilled) {
        spilled.add([k, 1, r]);
      } else if (!seen.has(k)) {
        seen.add(k);
        out.collect(r);
        if ((account.bytes += account.sizer.size(k) + ENTRY_BYTES) > account.reserved && !account.grow()) full();
      }
    },
    endInput: async () => {
      if (!spilled) return;
      let n = 0;
      let has = false;
      let last: unknown;
      for (const [k, flag, r] of spilled.sorted()) {
        if (has && compareStateKeys(k, last) === 0) continue;
        has = true;
        last = k;
        if (flag === 1) out.collect(r);
        if ((++n & 255) === 0) await ctx.yield();
      }
    },
    close: () => ctx.memory.close(),
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
  const values = ctx.memory.sorter(sorter);
  return {
    processElement: (r) => values.add(r),
    endInput: () => emitAll(ctx, values.sorted()),
    close: () => ctx.memory.close(),
  };
};

/**
 * A grouped reduce's hash table over the slot's memory. A combiner that runs out emits its partial results and
 * starts afresh; the final reduce writes its table as a sorted run of `[key, partial]` and, at the end, merges
 * the runs and combines the partials of each key with `combine`.
 */
function spillingTable(ctx: OperatorContext, table: Map<unknown, unknown>, combine: Fn2): { account: MemoryAccount; full(): void; emit(): Promise<void> } {
  const account = new MemoryAccount(ctx.memory);
  const combiner = ctx.params.combiner === true;
  let runs: ExternalSorter<Entry> | undefined;
  return {
    account,
    full: () => {
      if (account.grow() || table.size < MIN_SPILL_ENTRIES) return;
      if (combiner) {
        for (const v of table.values()) ctx.output.collect(v);
      } else {
        (runs ??= ctx.memory.sorter<Entry>(compareEntries)).addSortedRun(sortedEntries(table));
      }
      table.clear();
      account.reset();
    },
    emit: async () => {
      if (!runs) return emitAll(ctx, table.values());
      runs.addSortedRun(sortedEntries(table));
      table.clear();
      account.reset();
      let n = 0;
      let has = false;
      let key: unknown;
      let acc: unknown;
      for (const [k, v] of runs.sorted()) {
        if (has && compareStateKeys(k, key) === 0) {
          acc = combine(acc, v);
          continue;
        }
        if (has) ctx.output.collect(acc);
        has = true;
        key = k;
        acc = v;
        if ((++n & 255) === 0) await ctx.yield();
      }
      if (has) ctx.output.collect(acc);
    },
  };
}

/** Closes the user function and then the operator's managed memory (its spill files), whatever the first did. */
export async function closeAll(ctx: OperatorContext, f: { close(): Promise<void> } | undefined): Promise<void> {
  try {
    await f?.close();
  } finally {
    ctx.memory.close();
  }
}

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
