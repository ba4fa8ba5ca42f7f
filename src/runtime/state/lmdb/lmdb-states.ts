/**
 * The state kinds of the embedded-lmdb backend, with the heap backend's behaviour (including TTL and merging
 * of namespaces) over the store's entries: values are encoded with the record codec on write and decoded on
 * read, so a state hands out copies (as Flink's RocksDB backend does): change a value, then update() it.
 *
 * Stored forms match the canonical snapshot form (snapshot.ts), so snapshots and restores convert entry by
 * entry: a single value (with TTL `{v, t}`); a list element per entry (with TTL `{v, t}` each); a map entry per
 * user key as `[userKey, value, writeTime]`.
 */
import type { AggregateFunction, StateKind, StateTtlConfig } from '../../../api/state.js';
import { decodeRecords, encodeRecord } from '../../codec/index.js';
import { UsageError } from '../../../util/errors.js';
import { stateKey } from '../state-key.js';
import { checkListElement, checkListElements, VOID_NAMESPACE, type InternalKvState } from '../state-backend.js';
import { KeyBuilder, latin1Slice, MAX_KEY_BYTES, StateKeyTooLargeError } from './key-layout.js';
import type { LmdbStore } from './lmdb-store.js';

type Ns = string | number;

/** What the states need from their backend. */
export interface StateHost {
  readonly store: LmdbStore;
  readonly operatorName: string;
  /** Changes whenever the current key does, so states know when to rebuild their cached key. */
  readonly epoch: number;
  /** The current key's group (checked against the range); throws for a missing or foreign key. */
  currentKeyGroup(): number;
  /** The current key in the primitive key encoding (valid until the key changes). */
  currentKeyBytes(): Buffer;
  now(): number;
  /** A new number for a list element (increasing, so elements keep their order). */
  nextSeq(): number;
}

/** A stored value with the wall-clock time it was last written (or read, per the TTL config). */
interface Stamped {
  v: unknown;
  t: number;
}

/** Decodes a value written by encodeRecord. */
export function decodeValue(bytes: Uint8Array): unknown {
  return decodeRecords(bytes)[0];
}

/** A list element's key suffix: its sequence number, 6 bytes big-endian, as a latin1 string. */
export function seqSuffix(n: number): string {
  const hi = Math.floor(n / 0x100000000);
  const lo = n >>> 0;
  return String.fromCharCode(hi >>> 8, hi & 0xff, lo >>> 24, (lo >>> 16) & 0xff, (lo >>> 8) & 0xff, lo & 0xff);
}

/** A key (with namespace) as the store takes it: the latin1 string and the bytes. */
interface BuiltKey {
  str: string;
  buf: Buffer;
}

export abstract class LmdbState implements InternalKvState {
  abstract readonly kind: StateKind;
  /** Whether each key's contents are many entries under a prefix (list, map) rather than one value. */
  abstract readonly prefixed: boolean;
  protected ns: Ns = VOID_NAMESPACE;
  private builtEpoch = -1;
  private readonly kb = new KeyBuilder();
  private readonly other = new KeyBuilder();
  /** [group][state id][namespace][key] of the current key and namespace: latin1 string and bytes. */
  protected keyStr = '';
  protected keyBuf: Buffer = Buffer.alloc(0);
  protected readonly ttlMs: number;
  protected readonly touchOnRead: boolean;
  protected readonly returnExpired: boolean;

  constructor(
    protected readonly host: StateHost,
    readonly name: string,
    readonly id: number,
    protected readonly ttl: StateTtlConfig | undefined,
  ) {
    this.ttlMs = ttl?.ttlMillis ?? 0;
    this.touchOnRead = ttl?.updateType === 'OnReadAndWrite';
    this.returnExpired = ttl?.stateVisibility === 'ReturnExpiredIfNotCleanedUp';
  }

  get store(): LmdbStore {
    return this.host.store;
  }

  setCurrentNamespace(namespace: Ns): void {
    if (namespace === this.ns) return;
    this.ns = namespace;
    this.builtEpoch = -1;
  }

  /** Makes keyStr/keyBuf those of the current key and namespace (rebuilt only when either changed). */
  protected key(): void {
    if (this.builtEpoch === this.host.epoch) return;
    const kg = this.host.currentKeyGroup();
    const kb = this.kb.reset().u16(kg).u16(this.id).primitive(this.ns).bytes(this.host.currentKeyBytes());
    this.checkSize(kb.pos);
    this.keyStr = kb.string1();
    this.keyBuf = kb.view();
    this.builtEpoch = this.host.epoch;
  }

  /** The key of the current key in another namespace (valid until the next call). */
  protected keyFor(ns: Ns): BuiltKey {
    const kb = this.other.reset().u16(this.host.currentKeyGroup()).u16(this.id).primitive(ns).bytes(this.host.currentKeyBytes());
    this.checkSize(kb.pos);
    return { str: kb.string1(), buf: kb.view() };
  }

  /** The key of an entry being restored (valid until the next call). */
  protected keyOf(keyGroup: number, ns: Ns, mapKey: unknown): BuiltKey {
    const kb = this.other.reset().u16(keyGroup).u16(this.id).primitive(ns).primitive(mapKey);
    this.checkSize(kb.pos);
    return { str: kb.string1(), buf: kb.view() };
  }

  protected checkSize(bytes: number): void {
    // List elements and map entries add a suffix to this key; leave room for a list's 6 bytes at least.
    if (bytes + (this.prefixed ? 6 : 0) > MAX_KEY_BYTES) throw new StateKeyTooLargeError(bytes, this.host.operatorName);
  }

  clear(): void {
    this.key();
    if (this.prefixed) this.store.clearSub(this.keyStr, this.keyBuf);
    else this.store.put(this.keyStr, null);
  }

  /** Whether a stamped entry has expired (and is then treated as absent). */
  protected expired(t: number, now: number): boolean {
    return !this.returnExpired && now - t >= this.ttlMs;
  }

  protected now(): number {
    return this.host.now();
  }

  /**
   * Internal access for the window operator: something other than undefined when the namespace has contents
   * (the stored bytes of a single value; `true` for a list or map).
   */
  loadNs(ns: Ns): unknown {
    const k = this.keyFor(ns);
    if (this.prefixed) return this.store.scanSub(k.str, k.buf, 1).length > 0 ? true : undefined;
    return this.store.get(k.str, k.buf);
  }

  removeNs(ns: Ns): void {
    const k = this.keyFor(ns);
    if (this.prefixed) this.store.clearSub(k.str, k.buf);
    else this.store.put(k.str, null);
  }

  /** Puts back one entry of a snapshot in its canonical form. */
  abstract restoreEntry(keyGroup: number, ns: Ns, mapKey: unknown, value: unknown): void;
}

/** One value per key and namespace; TTL wraps it with its write time. */
abstract class SingleValueState extends LmdbState {
  readonly prefixed = false;

  protected getValue(): unknown {
    this.key();
    const bytes = this.store.get(this.keyStr, this.keyBuf);
    if (bytes === undefined) return undefined;
    const s = decodeValue(bytes);
    if (!this.ttl) return s;
    const e = s as Stamped;
    const now = this.now();
    if (this.expired(e.t, now)) {
      this.store.put(this.keyStr, null);
      return undefined;
    }
    if (this.touchOnRead) {
      e.t = now;
      this.store.put(this.keyStr, encodeRecord(e));
    }
    return e.v;
  }

  protected setValue(v: unknown): void {
    this.key();
    this.store.put(this.keyStr, encodeRecord(this.ttl ? { v, t: this.now() } : v));
  }

  /** The value stored in a namespace, undefined when there is none or it expired (for merging windows). */
  protected liveValueNs(ns: Ns): unknown {
    const k = this.keyFor(ns);
    const bytes = this.store.get(k.str, k.buf);
    if (bytes === undefined) return undefined;
    const s = decodeValue(bytes);
    if (!this.ttl) return s;
    const e = s as Stamped;
    return this.expired(e.t, this.now()) ? undefined : e.v;
  }

  restoreEntry(keyGroup: number, ns: Ns, mapKey: unknown, value: unknown): void {
    this.store.put(this.keyOf(keyGroup, ns, mapKey).str, encodeRecord(value));
  }

  /** Folds the live values of `sources` into `target` with `combine`, removing the sources. */
  protected mergeWith(target: Ns, sources: Ns[], combine: (a: unknown, b: unknown) => unknown): void {
    let acc: unknown = undefined;
    for (const ns of sources) {
      const v = this.liveValueNs(ns);
      if (v !== undefined) acc = acc === undefined ? v : combine(acc, v);
      this.removeNs(ns);
    }
    if (acc === undefined) return;
    const saved = this.ns;
    this.setCurrentNamespace(target);
    const cur = this.getValue();
    this.setValue(cur === undefined ? acc : combine(cur, acc));
    this.setCurrentNamespace(saved);
  }
}

export class LmdbValueState extends SingleValueState {
  readonly kind = 'value' as const;
  constructor(host: StateHost, name: string, id: number, ttl: StateTtlConfig | undefined, private readonly defaultValue: unknown) {
    super(host, name, id, ttl);
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

export class LmdbReducingState extends SingleValueState {
  readonly kind = 'reducing' as const;
  constructor(host: StateHost, name: string, id: number, ttl: StateTtlConfig | undefined, private readonly reduce: (a: unknown, b: unknown) => unknown) {
    super(host, name, id, ttl);
  }
  get(): unknown {
    return this.getValue() ?? null;
  }
  add(v: unknown): void {
    const prev = this.getValue();
    this.setValue(prev === undefined ? v : this.reduce(prev, v));
  }
  mergeNamespaces(target: Ns, sources: Ns[]): void {
    this.mergeWith(target, sources, this.reduce);
  }
}

export class LmdbAggregatingState extends SingleValueState {
  readonly kind = 'aggregating' as const;
  constructor(host: StateHost, name: string, id: number, ttl: StateTtlConfig | undefined, private readonly fn: AggregateFunction<unknown, unknown, unknown>) {
    super(host, name, id, ttl);
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
    this.mergeWith(target, sources, (a, b) => {
      if (typeof this.fn.merge !== 'function') throw new UsageError('Merging windows (session windows) with aggregate() need an AggregateFunction with merge(a, b).');
      return this.fn.merge(a, b);
    });
  }
}

/** One entry per element, keyed by an increasing sequence number; with TTL each element has its own time. */
export class LmdbListState extends LmdbState {
  readonly kind = 'list' as const;
  readonly prefixed = true;

  get(): unknown[] {
    this.key();
    const entries = this.store.scanSub(this.keyStr, this.keyBuf);
    if (!this.ttl) return entries.map((e) => decodeValue(e.value));
    const now = this.now();
    const out: unknown[] = [];
    for (const e of entries) {
      const s = decodeValue(e.value) as Stamped;
      if (this.expired(s.t, now)) {
        this.store.putSub(this.keyStr, this.keyBuf, e.suffix, null);
        continue;
      }
      if (this.touchOnRead) {
        s.t = now;
        this.store.putSub(this.keyStr, this.keyBuf, e.suffix, encodeRecord(s));
      }
      out.push(s.v);
    }
    return out;
  }

  add(v: unknown): void {
    checkListElement(v, 'add');
    this.key();
    this.store.putSub(this.keyStr, this.keyBuf, seqSuffix(this.host.nextSeq()), encodeRecord(this.ttl ? { v, t: this.now() } : v));
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

  /** Moves the sources' elements (as stored, expired ones too: reads drop those) behind the target's. */
  mergeNamespaces(target: Ns, sources: Ns[]): void {
    const moved: Uint8Array[] = [];
    for (const ns of sources) {
      const k = this.keyFor(ns);
      for (const e of this.store.scanSub(k.str, k.buf)) moved.push(e.value);
      this.store.clearSub(k.str, k.buf);
    }
    if (moved.length === 0) return;
    const t = this.keyFor(target);
    for (const bytes of moved) this.store.putSub(t.str, t.buf, seqSuffix(this.host.nextSeq()), bytes);
  }

  restoreEntry(keyGroup: number, ns: Ns, mapKey: unknown, value: unknown): void {
    const k = this.keyOf(keyGroup, ns, mapKey);
    for (const el of value as unknown[]) this.store.putSub(k.str, k.buf, seqSuffix(this.host.nextSeq()), encodeRecord(el));
  }
}

/** A map entry's stored form: the user's key, the value, its write time (0 without TTL). */
type MapEntry = [unknown, unknown, number];

/** One entry per user key, keyed by the user key in state-key form (so composite keys compare by value). */
export class LmdbMapState extends LmdbState {
  readonly kind = 'map' as const;
  readonly prefixed = true;
  private readonly entryKey = new KeyBuilder();

  /** The suffix string and full key of a user key under the current key and namespace. */
  private entry(k: unknown): { suffix: string; full: Buffer } {
    this.key();
    const kb = this.entryKey.reset().bytes(this.keyBuf).primitive(stateKey(k));
    if (kb.pos > MAX_KEY_BYTES) throw new StateKeyTooLargeError(kb.pos, this.host.operatorName);
    const full = kb.view();
    return { suffix: latin1Slice(full, this.keyBuf.length, full.length), full };
  }

  /** The entry unless it expired (then it is removed); reading it extends it with OnReadAndWrite. */
  private live(suffix: string, bytes: Uint8Array, now: number): MapEntry | undefined {
    const e = decodeValue(bytes) as MapEntry;
    if (!this.ttl) return e;
    if (!this.returnExpired && now - e[2] >= this.ttlMs) {
      this.store.putSub(this.keyStr, this.keyBuf, suffix, null);
      return undefined;
    }
    if (this.touchOnRead) {
      e[2] = now;
      this.store.putSub(this.keyStr, this.keyBuf, suffix, encodeRecord(e));
    }
    return e;
  }

  private lookup(k: unknown): MapEntry | undefined {
    const { suffix, full } = this.entry(k);
    const bytes = this.store.getSub(this.keyStr, suffix, full);
    return bytes === undefined ? undefined : this.live(suffix, bytes, this.ttl ? this.now() : 0);
  }

  get(k: unknown): unknown {
    const e = this.lookup(k);
    return e === undefined ? null : e[1];
  }
  put(k: unknown, v: unknown): void {
    const { suffix } = this.entry(k);
    this.store.putSub(this.keyStr, this.keyBuf, suffix, encodeRecord([k, v, this.ttl ? this.now() : 0]));
  }
  putAll(entries: Map<unknown, unknown> | Iterable<[unknown, unknown]> | Record<string, unknown>): void {
    const it: Iterable<[unknown, unknown]> =
      entries instanceof Map || Symbol.iterator in (entries as object) ? (entries as Iterable<[unknown, unknown]>) : Object.entries(entries as Record<string, unknown>);
    for (const [k, v] of it) this.put(k, v);
  }
  remove(k: unknown): void {
    const { suffix } = this.entry(k);
    this.store.putSub(this.keyStr, this.keyBuf, suffix, null);
  }
  contains(k: unknown): boolean {
    return this.lookup(k) !== undefined;
  }
  private liveEntries(limit = Infinity): MapEntry[] {
    this.key();
    const stored = this.store.scanSub(this.keyStr, this.keyBuf, this.ttl ? Infinity : limit);
    const now = this.ttl ? this.now() : 0;
    const out: MapEntry[] = [];
    for (const s of stored) {
      const e = this.live(s.suffix, s.value, now);
      if (e !== undefined && out.push(e) >= limit) break;
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
    return this.liveEntries(1).length === 0;
  }
  iterator(): Iterator<[unknown, unknown]> {
    return (this.entries() as Array<[unknown, unknown]>)[Symbol.iterator]();
  }

  restoreEntry(keyGroup: number, ns: Ns, mapKey: unknown, value: unknown): void {
    const k = this.keyOf(keyGroup, ns, mapKey);
    const prefix = Buffer.from(k.buf);
    for (const [smk, e] of value as Map<unknown, MapEntry>) {
      const full = this.entryKey.reset().bytes(prefix).primitive(smk);
      if (full.pos > MAX_KEY_BYTES) throw new StateKeyTooLargeError(full.pos, this.host.operatorName);
      this.store.putSub(k.str, prefix, full.string1().slice(prefix.length), encodeRecord(e));
    }
  }
}
