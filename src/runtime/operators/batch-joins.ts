/**
 * Two-input batch operators: join (inner and outer; hash join on either side, or sort-merge), coGroup and cross.
 *
 * The join algorithms ({@link HashJoinTable}, {@link sortMergeJoin}) know nothing about tasks: they take keyed
 * records and hand out pairs. The operator shells below feed them and decide which side is built or buffered: the
 * side the plan's hint names, or, inside a batch iteration, the static (loop-invariant) side, which is then kept
 * across supersteps while the dynamic side is dropped after each one. Everything is held in memory; a spilling
 * sorter or hash table can replace the buffers without touching the shells' per-record paths.
 */
import { toKeyExtractor, type KeyExtractor } from '../../api/keys.js';
import type { KeySpec } from '../../api/transformation.js';
import { bindFunction, emitReturned, stateKey, type OperatorContext, type OperatorFactory, type Output, type StreamOperator } from './operator.js';
import { bufferedOutput, emitAll } from './batch-operators.js';

export type JoinType = 'INNER' | 'LEFT_OUTER' | 'RIGHT_OUTER' | 'FULL_OUTER';
/** How the runtime joins: a hash table built from the first or the second input, or both inputs sorted and merged. */
export type JoinStrategy = 'HASH_FIRST' | 'HASH_SECOND' | 'SORT_MERGE';
/** Receives one joined pair in (first input, second input) order; the missing side of an outer match is null. */
export type PairSink = (first: unknown, second: unknown) => void;
/** A record with its (normalized, see stateKey) join key. */
export type KeyedRecord = readonly [key: unknown, record: unknown];

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

  insert(key: unknown, record: unknown): void {
    const list = this.table.get(key);
    if (list) list.push(record);
    else this.table.set(key, [record]);
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

  /** Forgets which keys were matched (a new probe pass over the same table). */
  resetMatches(): void {
    this.matched.clear();
  }

  clear(): void {
    this.table.clear();
    this.matched.clear();
  }
}

/**
 * Orders normalized keys (see stateKey: primitives only). Keys of different types order by type name; equal
 * keys compare 0 exactly when a Map would treat them as the same key.
 */
export function compareKeys(a: unknown, b: unknown): number {
  if (a === b) return 0;
  const ta = typeof a;
  const tb = typeof b;
  if (ta !== tb) return ta < tb ? -1 : 1;
  if (a === null) return -1;
  if (b === null) return 1;
  return (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0;
}

const byKey = (x: KeyedRecord, y: KeyedRecord): number => compareKeys(x[0], y[0]);

/** Sorts both inputs by key (in place) and merges them, yielding the joined pairs in key order. */
export function* sortMergeJoin(first: KeyedRecord[], second: KeyedRecord[], type: JoinType): Generator<[unknown, unknown]> {
  const [firstOuter, secondOuter] = outerSides(type);
  first.sort(byKey);
  second.sort(byKey);
  let i = 0;
  let j = 0;
  while (i < first.length && j < second.length) {
    const a = first[i] as KeyedRecord;
    const b = second[j] as KeyedRecord;
    const c = compareKeys(a[0], b[0]);
    if (c < 0) {
      if (firstOuter) yield [a[1], null];
      i++;
    } else if (c > 0) {
      if (secondOuter) yield [null, b[1]];
      j++;
    } else {
      let ie = i + 1;
      while (ie < first.length && compareKeys((first[ie] as KeyedRecord)[0], a[0]) === 0) ie++;
      let je = j + 1;
      while (je < second.length && compareKeys((second[je] as KeyedRecord)[0], a[0]) === 0) je++;
      for (let x = i; x < ie; x++) for (let y = j; y < je; y++) yield [(first[x] as KeyedRecord)[1], (second[y] as KeyedRecord)[1]];
      i = ie;
      j = je;
    }
  }
  if (firstOuter) for (; i < first.length; i++) yield [(first[i] as KeyedRecord)[1], null];
  if (secondOuter) for (; j < second.length; j++) yield [null, (second[j] as KeyedRecord)[1]];
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
  const shell = strategy === 'SORT_MERGE' ? sortMergeShell(ctx, type, sink) : hashShell(ctx, type, strategy === 'HASH_FIRST' ? 0 : 1, staticSide, sink);
  return {
    ...shell,
    cachesStaticInputs: staticSide !== undefined,
    open: () => f?.open(ctx.runtime),
    nextSuperstep: async () => {
      shell.nextSuperstep();
      await reopen(ctx, f);
    },
    close: () => f?.close(),
  };
};

export function defaultStrategy(type: JoinType): JoinStrategy {
  // The outer side must be the probe side (or tracked); a left outer join probes with the left input.
  return type === 'LEFT_OUTER' ? 'HASH_SECOND' : 'HASH_FIRST';
}

type Shell = Required<Pick<StreamOperator, 'processElement' | 'endInput'>> & { nextSuperstep(): void };

function hashShell(ctx: OperatorContext, type: JoinType, build: Side, staticSide: Side | undefined, sink: PairSink): Shell {
  const probeSide: Side = build === 0 ? 1 : 0;
  const keys = keyExtractors(ctx);
  const buildKey = keys[build];
  const probeKey = keys[probeSide];
  const table = new HashJoinTable(build, type);
  const ends = new InputEnds(staticSide);
  let pending: unknown[] = [];
  let draining = false;
  const finish = async (): Promise<void> => {
    if (!draining && ends.takeFinish()) await drainPairs(ctx, table.unmatchedBuild(), sink);
  };
  return {
    processElement: (r, input) => {
      if (input === build) table.insert(stateKey(buildKey(r)), r);
      else if (ends.has(build)) table.probe(stateKey(probeKey(r)), r, sink);
      else pending.push(r);
    },
    endInput: async (input) => {
      if (input === build && !ends.has(build)) {
        ends.end(build);
        // Probe records that came in while the table was being built; later ones are probed as they come.
        draining = true;
        let n = 0;
        for (const r of pending.splice(0)) {
          table.probe(stateKey(probeKey(r)), r, sink);
          if ((++n & 255) === 0) await ctx.yield();
        }
        draining = false;
      } else {
        ends.end(input);
      }
      await finish();
    },
    nextSuperstep: () => {
      pending = [];
      table.resetMatches();
      if (build !== staticSide) table.clear();
      ends.nextSuperstep();
    },
  };
}

function sortMergeShell(ctx: OperatorContext, type: JoinType, sink: PairSink): Shell {
  const [k0, k1] = keyExtractors(ctx);
  let first: KeyedRecord[] = [];
  let second: KeyedRecord[] = [];
  const ends = new InputEnds(undefined);
  return {
    processElement: (r, input) => {
      if (input === 0) first.push([stateKey(k0(r)), r]);
      else second.push([stateKey(k1(r)), r]);
    },
    endInput: async (input) => {
      ends.end(input);
      if (ends.takeFinish()) await drainPairs(ctx, sortMergeJoin(first, second, type), sink);
    },
    nextSuperstep: () => {
      first = [];
      second = [];
      ends.nextSuperstep();
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
 * keys found only on the static side still get their call (with an empty dynamic group) every superstep.
 */
export const coGroup: OperatorFactory = (ctx) => {
  const f = bindFunction<(a: unknown[], b: unknown[], out: Output) => unknown>(ctx.transformation.fns[0], 'coGroup', 'coGroup');
  const keys = keyExtractors(ctx);
  const staticSide = staticSideOf(ctx);
  const groups = new Map<unknown, [unknown[], unknown[]]>();
  const ends = new InputEnds(staticSide);
  return {
    cachesStaticInputs: staticSide !== undefined,
    open: () => f.open(ctx.runtime),
    processElement: (r, input) => {
      const side = input === 0 ? 0 : 1;
      const k = stateKey(keys[side](r));
      let g = groups.get(k);
      if (!g) groups.set(k, (g = [[], []]));
      g[side].push(r);
    },
    endInput: async (input) => {
      ends.end(input);
      if (!ends.takeFinish()) return;
      const buffered = bufferedOutput(ctx);
      for (const [a, b] of groups.values()) {
        emitReturned(f.call(a, b, buffered), buffered);
        if (buffered.records.length >= 256) await emitAll(ctx, buffered.records.splice(0));
      }
      await emitAll(ctx, buffered.records);
    },
    nextSuperstep: async () => {
      if (staticSide === undefined) {
        groups.clear();
      } else {
        const dynamicSide = staticSide === 0 ? 1 : 0;
        for (const [k, g] of groups) {
          if (g[staticSide].length === 0) groups.delete(k);
          else g[dynamicSide] = [];
        }
      }
      ends.nextSuperstep();
      await reopen(ctx, f);
    },
    close: () => f.close(),
  };
};

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
