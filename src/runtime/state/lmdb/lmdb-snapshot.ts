/**
 * Snapshots of the embedded-lmdb backend. The synchronous part, at the barrier, is small: commit the write
 * buffer, open an LMDB read transaction (a consistent view that later commits do not change) and encode the
 * participants' entries, which live on the heap and change right after. The key groups are then read from
 * that view one at a time, converted to the canonical form (snapshot.ts) and handed out while the task keeps
 * processing records; each key group is one contiguous key range.
 */
import type { StateKind } from '../../../api/state.js';
import { assignToKeyGroup } from '../../codec/index.js';
import { keyFromStateKey } from '../state-key.js';
import { decodeKeyGroup, encodeKeyGroup, type KeyedBackendSnapshot, type KeyedSnapshotParticipant, type KeyedStateEntry } from '../snapshot.js';
import type { KeyGroupRange } from '../state-backend.js';
import { KeyBuilder, KeyReader, latin1Slice, prefixEnd, RESTORED_AREA } from './key-layout.js';
import type { LmdbStore } from './lmdb-store.js';
import { decodeValue } from './lmdb-states.js';

type Ns = string | number;

export interface LmdbSnapshotSource {
  store: LmdbStore;
  range: KeyGroupRange;
  maxParallelism: number;
  states: Array<{ id: number; name: string; kind: StateKind }>;
  participants: KeyedSnapshotParticipant[];
  /** Names whose restored entries no state has claimed yet: they are still this subtask's state. */
  unclaimed: string[];
}

export function lmdbSnapshot(src: LmdbSnapshotSource): KeyedBackendSnapshot {
  const participantGroups = encodeParticipants(src.participants, src.maxParallelism);
  const { txn, release } = src.store.snapshot();
  let released = false;
  const byId = new Map(src.states.map((s) => [s.id, s]));
  const store = src.store;
  const unclaimed = src.unclaimed;
  const range = src.range;
  return {
    keyGroups: async function* () {
      const kb = new KeyBuilder();
      const reader = new KeyReader();
      for (let kg = range.start; kg <= range.end; kg++) {
        if (released) throw new Error('embedded-lmdb: the snapshot was read after it was released');
        const entries: KeyedStateEntry[] = [];
        const start = kb.reset().u16(kg).copy();
        let list: unknown[] | undefined;
        let map: Map<unknown, unknown> | undefined;
        let prefix = '';
        for (const { key, value } of store.range(start, prefixEnd(start), txn)) {
          const r = reader.at(key, 2);
          const meta = byId.get(r.u16());
          if (meta === undefined) continue;
          const ns = r.primitive() as Ns;
          const mapKey = r.primitive();
          if (meta.kind !== 'list' && meta.kind !== 'map') {
            entries.push([meta.name, ns, mapKey, decodeValue(value)]);
            continue;
          }
          // A list's elements and a map's entries follow each other under their key's prefix.
          const p = latin1Slice(key, 0, r.pos);
          if (p !== prefix) {
            prefix = p;
            if (meta.kind === 'list') entries.push([meta.name, ns, mapKey, (list = [])]);
            else entries.push([meta.name, ns, mapKey, (map = new Map())]);
          }
          if (meta.kind === 'list') (list as unknown[]).push(decodeValue(value));
          else (map as Map<unknown, unknown>).set(r.primitive(), decodeValue(value));
        }
        for (const name of unclaimed) {
          const from = kb.reset().u16(RESTORED_AREA).primitive(name).u16(kg).copy();
          for (const { value } of store.range(from, prefixEnd(from), txn)) {
            const [ns, k, v] = decodeValue(value) as [Ns, unknown, unknown];
            entries.push([name, ns, k, v]);
          }
        }
        const p = participantGroups.get(kg);
        if (p !== undefined) for (const e of decodeKeyGroup(p)) entries.push(e);
        if (entries.length > 0) yield [kg, encodeKeyGroup(entries)] as [number, Uint8Array];
        // Between key groups the task gets its thread back for records.
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    },
    release: () => {
      released = true;
      release();
    },
  };
}

/** The participants' entries by key group, encoded now (they are mutable heap objects). */
function encodeParticipants(participants: KeyedSnapshotParticipant[], maxParallelism: number): Map<number, Uint8Array> {
  const perGroup = new Map<number, KeyedStateEntry[]>();
  for (const p of participants) {
    for (const [ns, k, v] of p.entries()) {
      const kg = assignToKeyGroup(keyFromStateKey(k), maxParallelism);
      let list = perGroup.get(kg);
      if (list === undefined) perGroup.set(kg, (list = []));
      list.push([p.name, ns, k, v]);
    }
  }
  const out = new Map<number, Uint8Array>();
  for (const [kg, entries] of perGroup) out.set(kg, encodeKeyGroup(entries));
  return out;
}
