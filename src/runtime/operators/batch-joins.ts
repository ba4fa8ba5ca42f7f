/**
 * Two-input batch operators: join (inner and outer; hash join on either side, or sort-merge), coGroup and cross.
 *
 * The join algorithms ({@link HashJoinTable}, the memory module's sortMergeJoin) know nothing about tasks: they take
 * keyed records and hand out pairs. The operator shells below feed them and decide which side is built or buffered:
 * the side the plan's hint names, or, inside a batch iteration, the static (loop-invariant) side, which is then kept
 * across supersteps while the dynamic side is dropped after each one.
 *
 * join and coGroup draw from the slot's managed memory (`ctx.memory`): each record they hold is charged its
 * estimated size, and when a reservation is refused they move what they hold into two external sorters (one per
 * input), send every later record to its input's sorter, and finish by merging the sorted inputs key by key, so
 * data larger than the budget still joins, spilled to io.tmp.dirs. Inside an iteration the static side's sorter
 * is kept (it can be read again every superstep) like its hash table. cross still holds its buffered side in memory.
 */
import { toKeyExtractor, type KeyExtractor } from '../../api/keys.js';
import type { KeySpec } from '../../api/transformation.js';
import { compareStateKeys, type JoinKind, type SpillableRecordList } from '../memory/index.js';
import { bindFunction, emitReturned, stateKey, type OperatorContext, type OperatorFactory, type Output, type StreamOperator } from './operator.js';
import { bufferedOutput, closeAll, emitAll } from './batch-operators.js';
import { Draining, SortedInputs } from './batch-join-memory.js';
import { ENTRY_BYTES, MemoryAccount, type Entry } from './batch-memory.js';

export type JoinType = 'INNER' | 'LEFT_OUTER' | 'RIGHT_OUTER' | 'FULL_OUTER';
/** How the runtime joins: a hash table built from the first or the second input, or both inputs sorted and merged. */
export type JoinStrategy = 'HASH_FIRST' | 'HASH_SECOND' | 'SORT_MERGE';
/** Receives one joined pair in (first input, second input) order; the missing side of an outer match is null. */
export type PairSink = (first: unknown, second: unknown) => void;

type Side = 0 | 1;
type Fn2 = (a: unknown, b: unknown) => unknown;

/** Whether the first and the second input keep their unmatched records (with null for the other side). */
export function outerSides(type: JoinType): readonly [boolean, boolean] {
  return [type === 'LEFT_OUTER' || type === 'FULL_OUTER', type === 'RIGHT_OUTER' || type === 'FULL_OUTER'];
}

/**
 * An in-memory hash join: records of the build side go in by key, records of the probe side look up their
 * matches. For an outer build side it remembers which keys were matched, so the rest can be emitted at the end.
 */
export class HashJoinTable {
  private readonly table = new Map<unknown, unknown[]>();
  private readonly matched = new Set<unknown>();
  private readonly buildOuter: boolean;
  private readonly probeOuter: boolean;

  constructor(
    readonly buildSide: Side,
    type: JoinType,
  ) {
    const outer = outerSides(type);
    this.buildOuter = outer[buildSide];
    this.probeOuter = outer[buildSide === 0 ? 1 : 0];
  }

  /** Adds a build-side record; true when its key is new to the table (the caller charges the entry). */
  insert(key: unknown, record: unknown): boolean {
    const list = this.table.get(key);
    if (list) {
      list.push(record);
      return false;
    }
    this.table.set(key, [record]);
    return true;
  }

  /** Joins one probe-side record with every build-side record of its key (or with null, for an outer probe side). */
  probe(key: unknown, record: unknown, sink: PairSink): void {
    const matches = this.table.get(key);
    if (matches === undefined) {
      if (this.probeOuter) {
        if (this.buildSide === 0) sink(null, record);
        else sink(record, null);
      }
      return;
    }
    if (this.buildOuter) this.matched.add(key);
    if (this.buildSide === 0) for (const m of matches) sink(m, record);
    else for (const m of matches) sink(record, m);
  }

  /** The build-side records no probe record matched (outer build side only), paired with null. */
  *unmatchedBuild(): Generator<[unknown, unknown]> {
    if (!this.buildOuter) return;
    for (const [key, records] of this.table) {
      if (this.matched.has(key)) continue;
      for (const r of records) yield this.buildSide === 0 ? [r, null] : [null, r];
    }
  }

  /** The build records as `[key, record]` in key order (see compareStateKeys): the table as one sorted run. */
  *entriesInKeyOrder(): Generator<Entry> {
    for (const k of [...this.table.keys()].sort(compareStateKeys)) for (const r of this.table.get(k) as unknown[]) yield [k, r];
  }

  /** Forgets which keys were matched (a new probe pass over the same table). */
  resetMatches(): void {
    this.matched.clear();
  }

  clear(): void {
    this.table.clear();
    this.matched.clear();
  }
}

/** The one input fed from outside the enclosing iteration, if exactly one of the two is. */
function staticSideOf(ctx: OperatorContext): Side | undefined {
  const s = ctx.iteration?.staticInputs;
  if (!s) return undefined;
  if (s.has(0) && !s.has(1)) return 0;
  if (s.has(1) && !s.has(0)) return 1;
  return undefined;
}

/** Sends pairs through the sink, pausing for back pressure every 256 pairs. */
async function drainPairs(ctx: OperatorContext, pairs: Iterable<[unknown, unknown]>, sink: PairSink): Promise<void> {
  let n = 0;
  for (const [a, b] of pairs) {
    sink(a, b);
    if ((++n & 255) === 0) await ctx.yield();
  }
}

/**
 * Both inputs' end-of-input bookkeeping for one superstep (or the whole job outside iterations). A static
 * input ends once and stays ended; the task may still report its end every superstep.
 */
class InputEnds {
  private readonly ended: [boolean, boolean] = [false, false];
  private finished = false;
  constructor(private readonly staticSide: Side | undefined) {}
  end(input: number): void {
    this.ended[input === 0 ? 0 : 1] = true;
  }
  has(input: Side): boolean {
    return this.ended[input];
  }
  /** True once, when both inputs have ended in this superstep. */
  takeFinish(): boolean {
    if (this.finished || !this.ended[0] || !this.ended[1]) return false;
    this.finished = true;
    return true;
  }
  nextSuperstep(): void {
    this.finished = false;
    for (const s of [0, 1] as const) if (s !== this.staticSide) this.ended[s] = false;
  }
}

function keyExtractors(ctx: OperatorContext): [KeyExtractor, KeyExtractor] {
  return [toKeyExtractor(ctx.transformation.fns[1] as KeySpec), toKeyExtractor(ctx.transformation.fns[2] as KeySpec)];
}

/**
 * join / leftOuterJoin / rightOuterJoin / fullOuterJoin. Params: `joinType` (default INNER) and `strategy`
 * (default: hash on the first input, or on the inner side of a one-sided outer join). fns: [joinFn or null
 * for `[a, b]` pairs, first key, second key].
 */
export const join: OperatorFactory = (ctx) => {
  const type = (ctx.params.joinType as JoinType | undefined) ?? 'INNER';
  const fn = ctx.transformation.fns[0];
  const f = fn === null || fn === undefined ? undefined : bindFunction<Fn2>(fn, 'join', 'join');
  const out = ctx.output;
  const call = f?.call;
  const sink: PairSink = call ? (a, b) => out.collect(call(a, b)) : (a, b) => out.collect([a, b]);
  const staticSide = staticSideOf(ctx);
  // Inside an iteration the loop-invariant side is the one worth building once.
  const strategy: JoinStrategy =
    staticSide !== undefined ? (staticSide === 0 ? 'HASH_FIRST' : 'HASH_SECOND') : ((ctx.params.strategy as JoinStrategy | undefined) ?? defaultStrategy(type));
  const shell = joinShell(ctx, type, strategy, staticSide, sink);
  return {
    processElement: shell.processElement,
    endInput: shell.endInput,
    cachesStaticInputs: staticSide !== undefined,
    open: () => f?.open(ctx.runtime),
    nextSuperstep: async () => {
      shell.nextSuperstep();
      await reopen(ctx, f);
    },
    close: async () => {
      shell.draining.stop();
      await closeAll(ctx, f);
    },
  };
};

export function defaultStrategy(type: JoinType): JoinStrategy {
  // The outer side must be the probe side (or tracked); a left outer join probes with the left input.
  return type === 'LEFT_OUTER' ? 'HASH_SECOND' : 'HASH_FIRST';
}

const JOIN_KINDS: Record<JoinType, JoinKind> = { INNER: 'inner', LEFT_OUTER: 'left', RIGHT_OUTER: 'right', FULL_OUTER: 'full' };

type Shell = Required<Pick<StreamOperator, 'processElement' | 'endInput'>> & { nextSuperstep(): void; readonly draining: Draining };

/**
 * A hash join (strategy HASH_*) while its build side fits the managed memory, a sort-merge join over external
 * sorters otherwise or from the start (SORT_MERGE). Before the switch no pair was emitted: probing starts when
 * the build side has ended, and the build side stops growing then.
 */
function joinShell(ctx: OperatorContext, type: JoinType, strategy: JoinStrategy, staticSide: Side | undefined, sink: PairSink): Shell {
  const build: Side = strategy === 'HASH_SECOND' ? 1 : 0;
  const probeSide: Side = build === 0 ? 1 : 0;
  const keys = keyExtractors(ctx);
  const buildKey = keys[build];
  const probeKey = keys[probeSide];
  const table = new HashJoinTable(build, type);
  const account = new MemoryAccount(ctx.memory);
  const ends = new InputEnds(staticSide);
  const draining = new Draining();
  // Probe records that come before the build side has ended wait here (a list that spills on its own).
  let pending: SpillableRecordList<unknown> | undefined;
  let sorted: SortedInputs | undefined = strategy === 'SORT_MERGE' ? new SortedInputs(ctx.memory) : undefined;
  let probingPending = false;

  const toSorters = (): void => {
    const s = (sorted = new SortedInputs(ctx.memory));
    s.addSortedRun(build, table.entriesInKeyOrder());
    table.clear();
    account.reset();
    if (pending) {
      for (const r of pending) s.add(probeSide, stateKey(probeKey(r)), r);
      pending.clear();
    }
  };
  const full = (): void => {
    // The build side has the first claim on the memory: early probe records make room for it on disk.
    if (pending?.spillAll() === true && account.grow()) return;
    toSorters();
  };
  const finish = async (): Promise<void> => {
    if (probingPending || !ends.takeFinish()) return;
    const pairs = sorted ? sorted.joinPairs(JOIN_KINDS[type]) : table.unmatchedBuild();
    await drainPairs(ctx, draining.of(pairs), sink);
  };
  return {
    draining,
    processElement: (r, input) => {
      if (sorted) {
        const side = input === 0 ? 0 : 1;
        sorted.add(side, stateKey(keys[side](r)), r);
      } else if (input === build) {
        // The record's estimated size, plus a map entry for a new key or an array slot for a repeated one.
        const extra = table.insert(stateKey(buildKey(r)), r) ? ENTRY_BYTES : 8;
        if ((account.bytes += account.sizer.size(r) + extra) > account.reserved && !account.grow()) full();
      } else if (ends.has(build)) {
        table.probe(stateKey(probeKey(r)), r, sink);
      } else {
        (pending ??= ctx.memory.list<unknown>()).add(r);
      }
    },
    endInput: async (input) => {
      if (!sorted && input === build && !ends.has(build)) {
        ends.end(build);
        // Probe records that came in while the table was being built; later ones are probed as they come.
        if (pending) {
          probingPending = true;
          let n = 0;
          for (const r of draining.of(pending)) {
            table.probe(stateKey(probeKey(r)), r, sink);
            if ((++n & 255) === 0) await ctx.yield();
          }
          pending.clear();
          probingPending = false;
        }
      } else {
        ends.end(input);
      }
      await finish();
    },
    nextSuperstep: () => {
      pending?.clear();
      table.resetMatches();
      ends.nextSuperstep();
      if (build === staticSide) {
        // The static side stays: in the table, or (if it outgrew the memory) in its sorter, read again next time.
        sorted?.reset(probeSide);
      } else {
        table.clear();
        account.reset();
        sorted?.close();
        sorted = strategy === 'SORT_MERGE' ? new SortedInputs(ctx.memory) : undefined;
      }
    },
  };
}

/** Rich functions see one open() and close() per superstep, as in Flink. */
async function reopen(ctx: OperatorContext, f: { open(c: OperatorContext['runtime']): Promise<void>; close(): Promise<void> } | undefined): Promise<void> {
  if (!f) return;
  await f.close();
  await f.open(ctx.runtime);
}

/**
 * coGroup: one call per key present on either side. Inside an iteration the static side's groups are kept, so
 * keys found only on the static side still get their call (with an empty dynamic group) every superstep. Groups
 * are hashed while the managed memory grants room, then both inputs are sorted (spilling) and merged by key.
 */
export const coGroup: OperatorFactory = (ctx) => {
  const f = bindFunction<(a: unknown[], b: unknown[], out: Output) => unknown>(ctx.transformation.fns[0], 'coGroup', 'coGroup');
  const keys = keyExtractors(ctx);
  const staticSide = staticSideOf(ctx);
  const groups = new Map<unknown, [unknown[], unknown[]]>();
  // One account per side, so the dynamic side's memory can be given back after a superstep.
  const accounts = [new MemoryAccount(ctx.memory), new MemoryAccount(ctx.memory)] as const;
  const ends = new InputEnds(staticSide);
  const draining = new Draining();
  let sorted: SortedInputs | undefined;
  const toSorters = (): void => {
    const s = (sorted = new SortedInputs(ctx.memory));
    const inKeyOrder = [...groups.keys()].sort(compareStateKeys);
    for (const side of [0, 1] as const) s.addSortedRun(side, groupSideEntries(groups, inKeyOrder, side));
    groups.clear();
    for (const a of accounts) a.reset();
  };
  return {
    cachesStaticInputs: staticSide !== undefined,
    open: () => f.open(ctx.runtime),
    processElement: (r, input) => {
      const side = input === 0 ? 0 : 1;
      const k = stateKey(keys[side](r));
      if (sorted) {
        sorted.add(side, k, r);
        return;
      }
      let g = groups.get(k);
      let extra = 8;
      if (!g) {
        groups.set(k, (g = [[], []]));
        extra += ENTRY_BYTES + 64;
      }
      g[side].push(r);
      const a = accounts[side];
      if ((a.bytes += a.sizer.size(r) + extra) > a.reserved && !a.grow()) toSorters();
    },
    endInput: async (input) => {
      ends.end(input);
      if (!ends.takeFinish()) return;
      const buffered = bufferedOutput(ctx);
      for (const [a, b] of draining.of(sorted ? sorted.coGroups() : groups.values())) {
        emitReturned(f.call(a, b, buffered), buffered);
        if (buffered.records.length >= 256) await emitAll(ctx, buffered.records.splice(0));
      }
      await emitAll(ctx, buffered.records);
    },
    nextSuperstep: async () => {
      if (staticSide === undefined) {
        groups.clear();
        for (const a of accounts) a.reset();
        sorted?.close();
        sorted = undefined;
      } else {
        const dynamicSide = staticSide === 0 ? 1 : 0;
        for (const [k, g] of groups) {
          if (g[staticSide].length === 0) groups.delete(k);
          else g[dynamicSide] = [];
        }
        accounts[dynamicSide].reset();
        sorted?.reset(dynamicSide);
      }
      ends.nextSuperstep();
      await reopen(ctx, f);
    },
    close: async () => {
      draining.stop();
      await closeAll(ctx, f);
    },
  };
};

/** One side of hashed coGroup groups as `[key, record]`, keys in the given (sorted) order. */
function* groupSideEntries(groups: Map<unknown, [unknown[], unknown[]]>, keysInOrder: unknown[], side: Side): Generator<Entry> {
  for (const k of keysInOrder) for (const r of (groups.get(k) as [unknown[], unknown[]])[side]) yield [k, r];
}

/**
 * Cross: one input is buffered (the broadcast one, param `buffered`, default the second; inside an iteration the
 * static one, kept across supersteps) and the other streams against it.
 */
export const cross: OperatorFactory = (ctx) => {
  const fn = ctx.transformation.fns[0];
  const f = fn === null || fn === undefined ? undefined : bindFunction<Fn2>(fn, 'cross', 'cross');
  const staticSide = staticSideOf(ctx);
  const bufferedSide: Side = staticSide ?? ((ctx.params.buffered as Side | undefined) ?? 1);
  const out = ctx.output;
  const call = f?.call;
  const sink: PairSink = call ? (a, b) => out.collect(call(a, b)) : (a, b) => out.collect([a, b]);
  let buffer: unknown[] = [];
  let pending: unknown[] = [];
  const ends = new InputEnds(staticSide);
  const emitPairs = (s: unknown): void => {
    if (bufferedSide === 1) for (const b of buffer) sink(s, b);
    else for (const b of buffer) sink(b, s);
  };
  return {
    cachesStaticInputs: staticSide !== undefined,
    open: () => f?.open(ctx.runtime),
    processElement: (r, input) => {
      if (input === bufferedSide) buffer.push(r);
      else if (ends.has(bufferedSide)) emitPairs(r);
      else pending.push(r);
    },
    endInput: async (input) => {
      const first = input === bufferedSide && !ends.has(bufferedSide);
      ends.end(input);
      if (!first) return;
      for (const s of pending.splice(0)) {
        emitPairs(s);
        await ctx.yield();
      }
    },
    nextSuperstep: async () => {
      pending = [];
      if (bufferedSide !== staticSide) buffer = [];
      ends.nextSuperstep();
      await reopen(ctx, f);
    },
    close: () => f?.close(),
  };
};
