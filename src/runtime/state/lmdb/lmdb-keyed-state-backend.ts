/**
 * The keyed state backend of `state.backend: embedded-lmdb`: the heap backend's semantics (value, list, map,
 * reducing and aggregating state; namespaces; TTL; merging namespaces; participants) with the values in an
 * LMDB environment on local disk instead of on the JavaScript heap. The key layout is in key-layout.ts, the
 * bounded write buffer in lmdb-store.ts, the state kinds in lmdb-states.ts, snapshots in lmdb-snapshot.ts.
 *
 * Participants (timers, a keyed reduce's values) stay on the heap, as in the heap backend, and join snapshots
 * through their entries().
 */
import type { AggregatingStateDescriptor, ReducingStateDescriptor, StateDescriptor, ValueStateDescriptor } from '../../../api/state.js';
import { assignToKeyGroup, encodeRecord } from '../../codec/index.js';
import { UsageError } from '../../../util/errors.js';
import { keyFromStateKey, stateKey } from '../state-key.js';
import type { KeyedBackendSnapshot, KeyedSnapshotParticipant } from '../snapshot.js';
import { keyGroupEntries } from '../key-group-entries.js';
import { NO_KEY, type InternalKvState, type KeyGroupRange, type KeyedStateBackend, type KeyedStateBackendOptions } from '../state-backend.js';
import { KeyBuilder, KeyReader, latin1Slice, prefixEnd, RESTORED_AREA } from './key-layout.js';
import { LmdbStore, type LmdbStoreOptions } from './lmdb-store.js';
import { LmdbAggregatingState, LmdbListState, LmdbMapState, LmdbReducingState, LmdbValueState, decodeValue, type LmdbState, type StateHost } from './lmdb-states.js';
import { lmdbSnapshot } from './lmdb-snapshot.js';

type Ns = string | number;

/** State ids are u16 in keys. */
const MAX_STATES = 0xffff;

/**
 * Restored entries moved from the restored area to their state per transaction: bounds what a claim holds on
 * the heap (a batch of stored values) whatever the size of the restored state.
 */
const CLAIM_BATCH_ENTRIES = 1024;
const CLAIM_BATCH_BYTES = 4 * 1024 * 1024;

export class LmdbKeyedStateBackend implements KeyedStateBackend, StateHost {
  readonly keyGroupRange: KeyGroupRange;
  readonly store: LmdbStore;
  readonly operatorName: string;
  epoch = 0;
  private rawKey: unknown = undefined;
  private group = -1;
  private readonly keyPart = new KeyBuilder();
  private keyBytes: Buffer = Buffer.alloc(0);
  private readonly states = new Map<string, LmdbState>();
  private readonly participants = new Map<string, KeyedSnapshotParticipant>();
  /** Names with restored entries that no state or participant has claimed yet (kept in the restored area). */
  private readonly unclaimed = new Set<string>();
  private seq = 0;
  private closed = false;

  constructor(
    readonly options: KeyedStateBackendOptions,
    store: LmdbStoreOptions,
  ) {
    this.keyGroupRange = options.keyGroupRange;
    this.operatorName = options.operatorName;
    this.store = new LmdbStore(store);
  }

  setCurrentKey(key: unknown): void {
    this.rawKey = key;
    this.group = -1;
    this.epoch++;
  }

  getCurrentKey(): unknown {
    return this.rawKey;
  }

  currentKeyGroup(): number {
    if (this.group < 0) this.resolveKey();
    return this.group;
  }

  currentKeyBytes(): Buffer {
    if (this.group < 0) this.resolveKey();
    return this.keyBytes;
  }

  /** The current key's group (checked against the range) and its encoded state-key form, once per key. */
  private resolveKey(): void {
    if (this.rawKey === NO_KEY) {
      throw new UsageError(
        `Keyed state of ${this.operatorName} was used where there is no current key (processBroadcastElement): ` +
          'use ctx.applyToKeyedState(descriptor, (key, state) => ...) to reach the keyed state there.',
      );
    }
    const kg = assignToKeyGroup(this.rawKey, this.options.maxParallelism);
    const r = this.keyGroupRange;
    if (kg < r.start || kg > r.end) {
      throw new UsageError(
        `The key ${String(this.rawKey)} belongs to key group ${kg}, which this subtask of ${this.operatorName} does not own ` +
          `(${r.start}..${r.end}). The key selector must return the same key for a record every time it is called: ` +
          'do not use random values or mutable fields as keys.',
      );
    }
    this.keyBytes = this.keyPart.reset().primitive(stateKey(this.rawKey)).view();
    this.group = kg;
  }

  now(): number {
    return this.options.now();
  }

  nextSeq(): number {
    return this.seq++;
  }

  getPartitionedState<S>(descriptor: StateDescriptor): S & InternalKvState {
    const existing = this.states.get(descriptor.name);
    if (existing) {
      if (existing.kind !== descriptor.kind) {
        throw new UsageError(`State '${descriptor.name}' of ${this.operatorName} was first created as ${existing.kind} state and is now asked for as ${descriptor.kind} state; use another name.`);
      }
      return existing as unknown as S & InternalKvState;
    }
    const id = this.states.size + 1;
    if (id > MAX_STATES) throw new UsageError(`${this.operatorName} has more than ${MAX_STATES} keyed states; the embedded-lmdb backend numbers them in 16 bits.`);
    const ttl = descriptor.ttl?.isEnabled() ? descriptor.ttl : undefined;
    const name = descriptor.name;
    let s: LmdbState;
    switch (descriptor.kind) {
      case 'value':
        s = new LmdbValueState(this, name, id, ttl, (descriptor as ValueStateDescriptor<unknown>).defaultValue);
        break;
      case 'list':
        s = new LmdbListState(this, name, id, ttl);
        break;
      case 'map':
        s = new LmdbMapState(this, name, id, ttl);
        break;
      case 'reducing': {
        const f = (descriptor as ReducingStateDescriptor<unknown>).reduceFunction as unknown;
        const reduce = typeof f === 'function' ? (f as (a: unknown, b: unknown) => unknown) : (a: unknown, b: unknown) => (f as { reduce(a: unknown, b: unknown): unknown }).reduce(a, b);
        s = new LmdbReducingState(this, name, id, ttl, reduce);
        break;
      }
      case 'aggregating':
        s = new LmdbAggregatingState(this, name, id, ttl, (descriptor as AggregatingStateDescriptor<unknown, unknown, unknown>).aggregateFunction);
        break;
    }
    this.states.set(name, s);
    const state = s;
    this.claimRestored(name, (kg, ns, k, v) => state.restoreEntry(kg, ns, k, v));
    return s as unknown as S & InternalKvState;
  }

  applyToAllKeys(stateName: string, namespace: Ns, fn: (key: unknown) => void): void {
    const s = this.states.get(stateName);
    if (!s) return;
    this.store.flush();
    const saved = this.rawKey;
    const kb = new KeyBuilder();
    const reader = new KeyReader();
    for (let kg = this.keyGroupRange.start; kg <= this.keyGroupRange.end; kg++) {
      const prefix = kb.reset().u16(kg).u16(s.id).primitive(namespace).copy();
      // One key group's keys at a time: fn may write state, and the list must not hold every key of the backend.
      const keys: unknown[] = [];
      let last = '';
      for (const key of this.store.keys(prefix, prefixEnd(prefix))) {
        const r = reader.at(key, prefix.length);
        const k = r.primitive();
        // A list or map has many entries per key, one after the other: visit the key once.
        const span = latin1Slice(key, prefix.length, r.pos);
        if (span === last && keys.length > 0) continue;
        last = span;
        keys.push(k);
      }
      for (const k of keys) {
        this.setCurrentKey(keyFromStateKey(k));
        fn(this.rawKey);
      }
    }
    this.setCurrentKey(saved);
  }

  numKeys(): number {
    if (this.closed) return 0;
    this.store.flush();
    const kb = new KeyBuilder();
    const reader = new KeyReader();
    let n = 0;
    for (let kg = this.keyGroupRange.start; kg <= this.keyGroupRange.end; kg++) {
      const start = kb.reset().u16(kg).copy();
      const keys = new Set<string>();
      for (const key of this.store.keys(start, prefixEnd(start))) {
        const r = reader.at(key, 4);
        r.primitive(); // the namespace
        const from = r.pos;
        r.primitive();
        keys.add(latin1Slice(key, from, r.pos));
      }
      n += keys.size;
    }
    return n;
  }

  registerParticipant(participant: KeyedSnapshotParticipant): void {
    this.participants.set(participant.name, participant);
    this.claimRestored(participant.name, (_kg, ns, k, v) => participant.restore(ns, k, v));
  }

  snapshot(): KeyedBackendSnapshot {
    return lmdbSnapshot({
      store: this.store,
      range: this.keyGroupRange,
      maxParallelism: this.options.maxParallelism,
      states: [...this.states.values()].map((s) => ({ id: s.id, name: s.name, kind: s.kind })),
      participants: [...this.participants.values()],
      unclaimed: [...this.unclaimed],
    });
  }

  restoreKeyGroup(keyGroup: number, bytes: Uint8Array): void {
    if (keyGroup < this.keyGroupRange.start || keyGroup > this.keyGroupRange.end) return;
    const kb = new KeyBuilder();
    // Entry by entry: a key group decoded as a whole takes several times its bytes on the heap.
    for (const [name, ns, k, v] of keyGroupEntries(bytes)) {
      const st = this.states.get(name);
      if (st) {
        st.restoreEntry(keyGroup, ns, k, v);
        continue;
      }
      const p = this.participants.get(name);
      if (p) {
        p.restore(ns, k, v);
        continue;
      }
      // Kept on disk in the canonical form until a state (whose kind says how to store it) or participant claims it.
      this.unclaimed.add(name);
      kb.reset().u16(RESTORED_AREA).primitive(name).u16(keyGroup).u48(this.nextSeq());
      this.store.put(kb.string1(), encodeRecord([ns, k, v]));
    }
  }

  /**
   * Hands the restored entries of `name` to whoever now owns that name, and drops them from the restored area.
   * Batch by batch, each batch's removal committed with its rewritten entries: the heap holds one batch however
   * large the restored state is, and no read transaction stays open, so LMDB reuses the pages the removals free
   * instead of growing the file by the whole state again.
   */
  private claimRestored(name: string, restore: (keyGroup: number, ns: Ns, mapKey: unknown, value: unknown) => void): void {
    if (!this.unclaimed.delete(name)) return;
    const prefix = new KeyBuilder().u16(RESTORED_AREA).primitive(name).copy();
    const end = prefixEnd(prefix);
    const at = prefix.length;
    for (;;) {
      // Commits the last batch (its removals included): the next read starts after it.
      this.store.flush();
      const batch: Array<{ key: string; value: Uint8Array }> = [];
      let bytes = 0;
      for (const { key, value } of this.store.range(prefix, end)) {
        batch.push({ key: latin1Slice(key, 0, key.length), value });
        bytes += value.length;
        if (batch.length >= CLAIM_BATCH_ENTRIES || bytes >= CLAIM_BATCH_BYTES) break;
      }
      if (batch.length === 0) return;
      for (const { key, value } of batch) {
        const kg = (key.charCodeAt(at) << 8) | key.charCodeAt(at + 1);
        const [ns, k, v] = decodeValue(value) as [Ns, unknown, unknown];
        restore(kg, ns, k, v);
        this.store.put(key, null);
      }
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.states.clear();
    this.participants.clear();
    this.unclaimed.clear();
    this.store.close();
  }
}
