/**
 * The heap keyed state backend (Flink's `hashmap`): per state, per key group, per namespace a Map from key
 * to value. The current key's group is computed lazily, once per key, on the first state access.
 */
import type {
  AggregateFunction,
  AggregatingStateDescriptor,
  ReducingStateDescriptor,
  StateDescriptor,
  StateTtlConfig,
  ValueStateDescriptor,
} from '../../api/state.js';
import { assignToKeyGroup } from '../codec/index.js';
import { keyFromStateKey, stateKey } from './state-key.js';
import {
  ChangeOp,
  decodeKeyGroup,
  encodeChanges,
  encodeKeyGroup,
  type KeyedBackendSnapshot,
  type KeyedSnapshotOptions,
  type KeyedSnapshotParticipant,
  type KeyedStateChange,
  type KeyedStateEntry,
} from './snapshot.js';
import { UsageError } from '../../util/errors.js';
import { StateTable } from './heap-state-table.js';
import {
  checkListElement,
  checkListElements,
  NO_KEY,
  VOID_NAMESPACE,
  type InternalKvState,
  type KeyGroupRange,
  type KeyedStateBackend,
  type KeyedStateBackendOptions,
} from './state-backend.js';

type Ns = string | number;

/** A stored value with the wall-clock time it was last written (or read, per the TTL config). */
interface Stamped<V> {
  v: V;
  t: number;
}

export class HeapKeyedStateBackend implements KeyedStateBackend {
  readonly keyGroupRange: KeyGroupRange;
  private rawKey: unknown = undefined;
  private mapKey: unknown = undefined;
  private group = -1;
  private readonly states = new Map<string, HeapState>();
  private readonly participants = new Map<string, KeyedSnapshotParticipant>();
  /** Changelog: whether touched keys are being recorded, and the participants whose changes are. */
  private recording = false;
  private readonly recordingParticipants = new Set<string>();
  /** Restored entries of states and participants not created yet, by name: handed over when they are. */
  private readonly pending = new Map<string, Array<[number, Ns, unknown, unknown]>>();

  constructor(readonly options: KeyedStateBackendOptions) {
    this.keyGroupRange = options.keyGroupRange;
  }

  setCurrentKey(key: unknown): void {
    this.rawKey = key;
    this.group = -1;
  }

  getCurrentKey(): unknown {
    return this.rawKey;
  }

  /** @internal the current key's group index within the range, computed once per key. */
  currentGroup(): number {
    if (this.group < 0) {
      if (this.rawKey === NO_KEY) {
        throw new UsageError(
          `Keyed state of ${this.options.operatorName} was used where there is no current key (processBroadcastElement): ` +
            'use ctx.applyToKeyedState(descriptor, (key, state) => ...) to reach the keyed state there.',
        );
      }
      const kg = assignToKeyGroup(this.rawKey, this.options.maxParallelism);
      const r = this.keyGroupRange;
      if (kg < r.start || kg > r.end) {
        throw new UsageError(
          `The key ${String(this.rawKey)} belongs to key group ${kg}, which this subtask of ${this.options.operatorName} does not own ` +
            `(${r.start}..${r.end}). The key selector must return the same key for a record every time it is called: ` +
            'do not use random values or mutable fields as keys.',
        );
      }
      this.group = kg - r.start;
      this.mapKey = stateKey(this.rawKey);
    }
    return this.group;
  }

  /** @internal the current key as stored in maps. */
  currentMapKey(): unknown {
    if (this.group < 0) this.currentGroup();
    return this.mapKey;
  }

  getPartitionedState<S>(descriptor: StateDescriptor): S & InternalKvState {
    const existing = this.states.get(descriptor.name);
    if (existing) {
      if (existing.kind !== descriptor.kind) {
        throw new UsageError(`State '${descriptor.name}' of ${this.options.operatorName} was first created as ${existing.kind} state and is now asked for as ${descriptor.kind} state; use another name.`);
      }
      return existing as unknown as S & InternalKvState;
    }
    const size = this.keyGroupRange.end - this.keyGroupRange.start + 1;
    const ttl = descriptor.ttl?.isEnabled() ? descriptor.ttl : undefined;
    let s: HeapState;
    switch (descriptor.kind) {
      case 'value':
        s = new HeapValueState(this, size, ttl, (descriptor as ValueStateDescriptor<unknown>).defaultValue);
        break;
      case 'list':
        s = new HeapListState(this, size, ttl);
        break;
      case 'map':
        s = new HeapMapState(this, size, ttl);
        break;
      case 'reducing': {
        const f = (descriptor as ReducingStateDescriptor<unknown>).reduceFunction as unknown;
        const reduce = typeof f === 'function' ? (f as (a: unknown, b: unknown) => unknown) : (a: unknown, b: unknown) => (f as { reduce(a: unknown, b: unknown): unknown }).reduce(a, b);
        s = new HeapReducingState(this, size, ttl, reduce);
        break;
      }
      case 'aggregating':
        s = new HeapAggregatingState(this, size, ttl, (descriptor as AggregatingStateDescriptor<unknown, unknown, unknown>).aggregateFunction);
        break;
    }
    if (this.recording) s.table.record();
    this.states.set(descriptor.name, s);
    const restored = this.pending.get(descriptor.name);
    if (restored) {
      this.pending.delete(descriptor.name);
      for (const [g, ns, k, v] of restored) s.table.put(g, ns, k, v);
    }
    return s as unknown as S & InternalKvState;
  }

  applyToAllKeys(stateName: string, namespace: Ns, fn: (key: unknown) => void): void {
    const s = this.states.get(stateName);
    if (!s) return;
    const saved = this.rawKey;
    const keys: unknown[] = [];
    for (const m of s.table.namespaceMaps(namespace)) for (const k of m.keys()) keys.push(k);
    for (const k of keys) {
      this.setCurrentKey(keyFromStateKey(k));
      fn(this.rawKey);
    }
    this.setCurrentKey(saved);
  }

  numKeys(): number {
    const keys = new Set<unknown>();
    for (const s of this.states.values()) for (const m of s.table.allMaps()) for (const k of m.keys()) keys.add(k);
    return keys.size;
  }

  registerParticipant(participant: KeyedSnapshotParticipant): void {
    this.participants.set(participant.name, participant);
    const restored = this.pending.get(participant.name);
    if (!restored) return;
    this.pending.delete(participant.name);
    for (const [, ns, k, v] of restored) participant.restore(ns, k, v);
  }

  /**
   * The heap backend encodes at the barrier: values are mutable objects (a window's list, an aggregate updated
   * in place), so only bytes taken now are a consistent copy. Writing them happens later. A full snapshot
   * encodes every key group; a changelog snapshot only the keys touched since the previous one, so its cost
   * follows the work done in the interval instead of the size of the state.
   */
  snapshot(_checkpointId: number, options?: KeyedSnapshotOptions): KeyedBackendSnapshot {
    const changelog = options?.changelog;
    const participants = [...this.participants.values()];
    if (changelog === undefined || !participants.every((p) => p.changes !== undefined)) return this.fullSnapshot();
    if (changelog.full || !this.recording || participants.some((p) => !this.recordingParticipants.has(p.name))) {
      // Recording starts (again) with the state as this full snapshot has it.
      this.recording = true;
      for (const st of this.states.values()) st.table.record();
      for (const p of participants) {
        for (const _ of (p.changes as () => Iterable<unknown>)());
        this.recordingParticipants.add(p.name);
      }
      return this.fullSnapshot();
    }
    return this.changeSnapshot(participants);
  }

  private fullSnapshot(): KeyedBackendSnapshot {
    const size = this.keyGroupRange.end - this.keyGroupRange.start + 1;
    const perGroup: KeyedStateEntry[][] = Array.from({ length: size }, () => []);
    for (const [name, st] of this.states) {
      for (let g = 0; g < size; g++) for (const [ns, k, v] of st.table.groupEntries(g)) (perGroup[g] as KeyedStateEntry[]).push([name, ns, k, v]);
    }
    for (const [name, p] of this.participants) {
      for (const [ns, k, v] of p.entries()) (perGroup[this.groupOf(k)] as KeyedStateEntry[]).push([name, ns, k, v]);
    }
    // Restored state nobody asked for yet is still this subtask's state: it goes into the next checkpoint too.
    for (const [name, entries] of this.pending) for (const [g, ns, k, v] of entries) (perGroup[g] as KeyedStateEntry[]).push([name, ns, k, v]);
    return encodedSnapshot(perGroup, this.keyGroupRange.start, encodeKeyGroup, false);
  }

  private changeSnapshot(participants: KeyedSnapshotParticipant[]): KeyedBackendSnapshot {
    const size = this.keyGroupRange.end - this.keyGroupRange.start + 1;
    const perGroup: KeyedStateChange[][] = Array.from({ length: size }, () => []);
    for (const [name, st] of this.states) {
      for (let g = 0; g < size; g++) {
        for (const [ns, k, v] of st.table.touched(g)) {
          (perGroup[g] as KeyedStateChange[]).push(v === undefined ? [name, ns, k, null, ChangeOp.REMOVE] : [name, ns, k, v, ChangeOp.PUT]);
        }
      }
      st.table.record();
    }
    for (const p of participants) {
      for (const [ns, k, v, op] of (p.changes as NonNullable<KeyedSnapshotParticipant['changes']>)()) {
        (perGroup[this.groupOf(k)] as KeyedStateChange[]).push([p.name, ns, k, v, op]);
      }
    }
    return encodedSnapshot(perGroup, this.keyGroupRange.start, encodeChanges, true);
  }

  /** The group index (within the range) of a key as maps hold it. */
  private groupOf(mapKey: unknown): number {
    return assignToKeyGroup(keyFromStateKey(mapKey), this.options.maxParallelism) - this.keyGroupRange.start;
  }

  restoreKeyGroup(keyGroup: number, bytes: Uint8Array): void {
    const g = keyGroup - this.keyGroupRange.start;
    if (g < 0 || keyGroup > this.keyGroupRange.end) return;
    for (const [name, ns, k, v] of decodeKeyGroup(bytes)) {
      const st = this.states.get(name);
      if (st) {
        st.table.put(g, ns, k, v);
        continue;
      }
      const p = this.participants.get(name);
      if (p) {
        p.restore(ns, k, v);
        continue;
      }
      let list = this.pending.get(name);
      if (!list) this.pending.set(name, (list = []));
      list.push([g, ns, k, v]);
    }
  }

  close(): void {
    this.states.clear();
    this.participants.clear();
    this.pending.clear();
  }
}

/** A snapshot whose key groups were encoded at the barrier. */
function encodedSnapshot<E>(perGroup: E[][], start: number, encode: (entries: E[]) => Uint8Array, changes: boolean): KeyedBackendSnapshot {
  const encoded: Array<[number, Uint8Array]> = [];
  perGroup.forEach((entries, g) => {
    if (entries.length > 0) encoded.push([start + g, encode(entries)]);
  });
  return {
    changes,
    keyGroups: async function* () {
      yield* encoded;
    },
    release: () => {
      encoded.length = 0;
    },
  };
}

abstract class HeapState implements InternalKvState {
  abstract readonly kind: StateDescriptor['kind'];
  readonly table: StateTable<unknown>;
  protected ns: Ns = VOID_NAMESPACE;
  protected readonly ttlMs: number;
  protected readonly touchOnRead: boolean;
  protected readonly returnExpired: boolean;

  constructor(
    protected readonly backend: HeapKeyedStateBackend,
    size: number,
    protected readonly ttl: StateTtlConfig | undefined,
  ) {
    this.table = new StateTable(size);
    this.ttlMs = ttl?.ttlMillis ?? 0;
    this.touchOnRead = ttl?.updateType === 'OnReadAndWrite';
    this.returnExpired = ttl?.stateVisibility === 'ReturnExpiredIfNotCleanedUp';
  }

  setCurrentNamespace(namespace: Ns): void {
    this.ns = namespace;
  }

  clear(): void {
    this.table.remove(this.backend.currentGroup(), this.ns, this.backend.currentMapKey());
  }

  /** The stored value for the current key and namespace, or undefined. */
  protected load(): unknown {
    return this.table.get(this.backend.currentGroup(), this.ns, this.backend.currentMapKey());
  }

  protected store(v: unknown): void {
    this.table.put(this.backend.currentGroup(), this.ns, this.backend.currentMapKey(), v);
  }

  /** Whether a stamped entry has expired (and is then treated as absent). */
  protected expired(e: Stamped<unknown>, now: number): boolean {
    return !this.returnExpired && now - e.t >= this.ttlMs;
  }

  protected now(): number {
    return this.backend.options.now();
  }

  /** Internal access for merging windows: the raw stored value of a namespace. */
  loadNs(ns: Ns): unknown {
    return this.table.get(this.backend.currentGroup(), ns, this.backend.currentMapKey());
  }
  removeNs(ns: Ns): void {
    this.table.remove(this.backend.currentGroup(), ns, this.backend.currentMapKey());
  }
}

/** A single value; TTL wraps it with its write time. */
abstract class SingleValueState extends HeapState {
  protected getValue(): unknown {
    const s = this.load();
    if (s === undefined || !this.ttl) return s;
    const e = s as Stamped<unknown>;
    const now = this.now();
    if (this.expired(e, now)) {
      this.clear();
      return undefined;
    }
    if (this.touchOnRead) e.t = now;
    return e.v;
  }
  protected setValue(v: unknown): void {
    this.store(this.ttl ? { v, t: this.now() } : v);
  }
  /** The value stored in a namespace, undefined when there is none or it expired (for merging windows). */
  protected liveValueNs(ns: Ns): unknown {
    const s = this.loadNs(ns);
    if (s === undefined || !this.ttl) return s;
    const e = s as Stamped<unknown>;
    return this.expired(e, this.now()) ? undefined : e.v;
  }
}

class HeapValueState extends SingleValueState {
  readonly kind = 'value' as const;
  constructor(backend: HeapKeyedStateBackend, size: number, ttl: StateTtlConfig | undefined, private readonly defaultValue: unknown) {
    super(backend, size, ttl);
  }
  value(): unknown {
    const v = this.getValue();
    return v === undefined ? this.defaultValue : v;
  }
  update(v: unknown): void {
    if (v === null || v === undefined) this.clear();
    else this.setValue(v);
  }
}

class HeapReducingState extends SingleValueState {
  readonly kind = 'reducing' as const;
  constructor(backend: HeapKeyedStateBackend, size: number, ttl: StateTtlConfig | undefined, private readonly reduce: (a: unknown, b: unknown) => unknown) {
    super(backend, size, ttl);
  }
  get(): unknown {
    return this.getValue() ?? null;
  }
  add(v: unknown): void {
    const prev = this.getValue();
    this.setValue(prev === undefined ? v : this.reduce(prev, v));
  }
  mergeNamespaces(target: Ns, sources: Ns[]): void {
    let acc: unknown = undefined;
    for (const ns of sources) {
      const v = this.liveValueNs(ns);
      if (v !== undefined) acc = acc === undefined ? v : this.reduce(acc, v);
      this.removeNs(ns);
    }
    if (acc === undefined) return;
    const saved = this.ns;
    this.ns = target;
    const cur = this.getValue();
    this.setValue(cur === undefined ? acc : this.reduce(cur, acc));
    this.ns = saved;
  }
}

class HeapAggregatingState extends SingleValueState {
  readonly kind = 'aggregating' as const;
  constructor(backend: HeapKeyedStateBackend, size: number, ttl: StateTtlConfig | undefined, private readonly fn: AggregateFunction<unknown, unknown, unknown>) {
    super(backend, size, ttl);
  }
  get(): unknown {
    const acc = this.getValue();
    return acc === undefined ? null : this.fn.getResult(acc);
  }
  add(v: unknown): void {
    const acc = this.getValue();
    this.setValue(this.fn.add(v, acc === undefined ? this.fn.createAccumulator() : acc));
  }
  mergeNamespaces(target: Ns, sources: Ns[]): void {
    let acc: unknown = undefined;
    const merge = (a: unknown, b: unknown): unknown => {
      if (typeof this.fn.merge !== 'function') throw new UsageError('Merging windows (session windows) with aggregate() need an AggregateFunction with merge(a, b).');
      return this.fn.merge(a, b);
    };
    for (const ns of sources) {
      const v = this.liveValueNs(ns);
      if (v !== undefined) acc = acc === undefined ? v : merge(acc, v);
      this.removeNs(ns);
    }
    if (acc === undefined) return;
    const saved = this.ns;
    this.ns = target;
    const cur = this.getValue();
    this.setValue(cur === undefined ? acc : merge(cur, acc));
    this.ns = saved;
  }
}

/** Elements in an array; with TTL each element carries its own write time, as in Flink. */
class HeapListState extends HeapState {
  readonly kind = 'list' as const;
  get(): Iterable<unknown> {
    const arr = this.load() as unknown[] | undefined;
    if (arr === undefined) return [];
    if (!this.ttl) return arr;
    const now = this.now();
    const live = (arr as Stamped<unknown>[]).filter((e) => !this.expired(e, now));
    if (live.length !== arr.length) {
      if (live.length === 0) this.clear();
      else this.store(live);
    }
    if (this.touchOnRead) for (const e of live) e.t = now;
    return live.map((e) => e.v);
  }
  add(v: unknown): void {
    checkListElement(v, 'add');
    let arr = this.load() as unknown[] | undefined;
    if (arr === undefined) this.store((arr = []));
    arr.push(this.ttl ? { v, t: this.now() } : v);
  }
  addAll(vs: Iterable<unknown>): void {
    const all = checkListElements(vs, 'addAll');
    for (const v of all) this.add(v);
  }
  update(vs: Iterable<unknown>): void {
    const all = checkListElements(vs, 'update');
    this.clear();
    for (const v of all) this.add(v);
  }
  mergeNamespaces(target: Ns, sources: Ns[]): void {
    const merged: unknown[] = [];
    for (const ns of sources) {
      const arr = this.loadNs(ns) as unknown[] | undefined;
      if (arr) merged.push(...arr);
      this.removeNs(ns);
    }
    if (merged.length === 0) return;
    const saved = this.ns;
    this.ns = target;
    const cur = this.load() as unknown[] | undefined;
    if (cur) cur.push(...merged);
    else this.store(merged);
    this.ns = saved;
  }
}

/** A Map per key; user keys are normalized like record keys, and each entry keeps the user's key. */
class HeapMapState extends HeapState {
  readonly kind = 'map' as const;
  private map(create: boolean): Map<unknown, [unknown, unknown, number]> | undefined {
    let m = this.load() as Map<unknown, [unknown, unknown, number]> | undefined;
    if (m === undefined && create) this.store((m = new Map()));
    return m;
  }
  /** The entry unless it expired (then it is removed). */
  private live(m: Map<unknown, [unknown, unknown, number]>, mk: unknown, now: number): [unknown, unknown, number] | undefined {
    const e = m.get(mk);
    if (e === undefined || !this.ttl) return e;
    if (!this.returnExpired && now - e[2] >= this.ttlMs) {
      m.delete(mk);
      if (m.size === 0) this.clear();
      return undefined;
    }
    if (this.touchOnRead) e[2] = now;
    return e;
  }
  get(k: unknown): unknown {
    const m = this.map(false);
    if (!m) return null;
    const e = this.live(m, stateKey(k), this.ttl ? this.now() : 0);
    return e === undefined ? null : e[1];
  }
  put(k: unknown, v: unknown): void {
    (this.map(true) as Map<unknown, [unknown, unknown, number]>).set(stateKey(k), [k, v, this.ttl ? this.now() : 0]);
  }
  putAll(entries: Map<unknown, unknown> | Iterable<[unknown, unknown]> | Record<string, unknown>): void {
    const it: Iterable<[unknown, unknown]> =
      entries instanceof Map || Symbol.iterator in (entries as object) ? (entries as Iterable<[unknown, unknown]>) : Object.entries(entries as Record<string, unknown>);
    for (const [k, v] of it) this.put(k, v);
  }
  remove(k: unknown): void {
    const m = this.map(false);
    if (!m) return;
    m.delete(stateKey(k));
    if (m.size === 0) this.clear();
  }
  contains(k: unknown): boolean {
    const m = this.map(false);
    return m !== undefined && this.live(m, stateKey(k), this.ttl ? this.now() : 0) !== undefined;
  }
  private liveEntries(): Array<[unknown, unknown, number]> {
    const m = this.map(false);
    if (!m) return [];
    if (!this.ttl) return [...m.values()];
    const now = this.now();
    const out: Array<[unknown, unknown, number]> = [];
    for (const mk of [...m.keys()]) {
      const e = this.live(m, mk, now);
      if (e) out.push(e);
    }
    return out;
  }
  entries(): Iterable<[unknown, unknown]> {
    return this.liveEntries().map((e) => [e[0], e[1]] as [unknown, unknown]);
  }
  keys(): Iterable<unknown> {
    return this.liveEntries().map((e) => e[0]);
  }
  values(): Iterable<unknown> {
    return this.liveEntries().map((e) => e[1]);
  }
  isEmpty(): boolean {
    return this.liveEntries().length === 0;
  }
  iterator(): Iterator<[unknown, unknown]> {
    return (this.entries() as Array<[unknown, unknown]>)[Symbol.iterator]();
  }
}

/** State kinds whose contents of several namespaces can be combined (merging windows need this). */
export interface MergingState {
  mergeNamespaces(target: Ns, sources: Ns[]): void;
}
