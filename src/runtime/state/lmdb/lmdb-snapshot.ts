/**
 * Snapshots of the embedded-lmdb backend. The synchronous part, at the barrier, is small: commit the write
 * buffer, open an LMDB read transaction (a consistent view that later commits do not change) and encode the
 * participants' entries, which live on the heap and change right after.
 *
 * The rest runs while the task keeps processing records, in two phases. First the view's raw keys and values
 * are copied, key group by key group, into a spill file next to the environment, and the read transaction ends.
 * Then each key group is read back from that file, converted to the canonical form (snapshot.ts) and handed out.
 *
 * Why the spill file: LMDB cannot reuse a page freed after the oldest open read transaction began, and every
 * update the task makes copies a page. Held for the whole conversion (which for 1 GB of state takes tens of
 * seconds, longer while the task competes for the thread), the transaction let the data file grow by several
 * KiB per update: 56 GB in one benchmark, until the disk was full. Copying raw bytes is several times faster
 * than converting them, and only for that time does the file grow.
 */
import { closeSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
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

/**
 * How long the copy runs before the task gets a turn for its records. Long enough that the task writes (and LMDB
 * copies pages) during only a small part of the copy, short enough not to hold records up for long.
 */
const COPY_SLICE_MS = 100;
/** Entries copied between two looks at the clock. */
const CLOCK_EVERY = 1024;
/** Writes to the spill file go through a buffer of this size. */
const SPILL_BUFFER_BYTES = 1 << 20;
/** Spill records: an entry of a state, and a restored entry of an unclaimed name (by its index). */
const STATE_ENTRY = 0;
const RESTORED_ENTRY = 1;

let spills = 0;

export function lmdbSnapshot(src: LmdbSnapshotSource): KeyedBackendSnapshot {
  const participantGroups = encodeParticipants(src.participants, src.maxParallelism);
  const { txn, release: endTransaction } = src.store.snapshot();
  const spillPath = join(src.store.directory, `snapshot-${process.pid}-${++spills}.spill`);
  let released = false;
  const release = (): void => {
    if (released) return;
    released = true;
    endTransaction();
    rmSync(spillPath, { force: true });
  };
  const byId = new Map(src.states.map((s) => [s.id, s]));
  const { store, unclaimed, range } = src;
  return {
    keyGroups: async function* () {
      const sections: Array<{ kg: number; bytes: number }> = [];
      const out = new SpillWriter(spillPath);
      try {
        // Phase 1: the view's raw entries into the spill file, then no more read transaction.
        const kb = new KeyBuilder();
        let sinceClock = 0;
        let sliceEnds = performance.now() + COPY_SLICE_MS;
        for (let kg = range.start; kg <= range.end; kg++) {
          const before = out.written;
          const start = kb.reset().u16(kg).copy();
          for (const { key, value } of store.range(start, prefixEnd(start), txn)) {
            out.entry(STATE_ENTRY, key, value);
            if (++sinceClock >= CLOCK_EVERY) {
              sinceClock = 0;
              if (performance.now() >= sliceEnds) {
                await yieldToTask();
                if (released) throw new Error('embedded-lmdb: the snapshot was read after it was released');
                sliceEnds = performance.now() + COPY_SLICE_MS;
              }
            }
          }
          for (let i = 0; i < unclaimed.length; i++) {
            const from = kb.reset().u16(RESTORED_AREA).primitive(unclaimed[i] as string).u16(kg).copy();
            for (const { value } of store.range(from, prefixEnd(from), txn)) out.entry(RESTORED_ENTRY, i, value);
          }
          if (out.written > before || participantGroups.has(kg)) sections.push({ kg, bytes: out.written - before });
        }
        out.close();
        endTransaction();
        // Phase 2: each key group in the canonical form, from the spill file.
        const input = out.written === 0 ? undefined : openSync(spillPath, 'r');
        try {
          for (const { kg, bytes } of sections) {
            if (released) throw new Error('embedded-lmdb: the snapshot was read after it was released');
            const section = Buffer.allocUnsafe(bytes);
            if (bytes > 0 && readSync(input as number, section, 0, bytes, null) !== bytes) throw new Error(`embedded-lmdb: the snapshot's spill file ${spillPath} ended early`);
            const entries = canonicalEntries(section, byId, unclaimed);
            const p = participantGroups.get(kg);
            if (p !== undefined) for (const e of decodeKeyGroup(p)) entries.push(e);
            if (entries.length > 0) yield [kg, encodeKeyGroup(entries)] as [number, Uint8Array];
            // Between key groups the task gets its thread back for records.
            await yieldToTask();
          }
        } finally {
          if (input !== undefined) closeSync(input);
        }
      } finally {
        out.close();
        rmSync(spillPath, { force: true });
      }
    },
    release,
  };
}

function yieldToTask(): Promise<void> {
  return new Promise<void>((resolve) => setImmediate(resolve));
}

/**
 * Spill records: u8 kind, then for a state entry a u16 key length and the key, for a restored entry the u16
 * index of its name; then a u32 value length and the value.
 */
class SpillWriter {
  private fd: number | undefined;
  private readonly buf = Buffer.allocUnsafe(SPILL_BUFFER_BYTES);
  private pos = 0;
  written = 0;

  constructor(readonly path: string) {}

  entry(kind: number, key: Buffer | number, value: Uint8Array): void {
    const keyBytes = typeof key === 'number' ? 0 : key.length;
    const size = 1 + 2 + keyBytes + 4 + value.length;
    if (this.pos + size > this.buf.length) this.flush();
    if (size > this.buf.length) {
      // Larger than the buffer (a big list element or map value): written on its own.
      const one = Buffer.allocUnsafe(size);
      this.put(one, 0, kind, key, value);
      this.write(one, size);
    } else {
      this.pos = this.put(this.buf, this.pos, kind, key, value);
    }
    this.written += size;
  }

  private put(b: Buffer, at: number, kind: number, key: Buffer | number, value: Uint8Array): number {
    let p = b.writeUInt8(kind, at);
    if (typeof key === 'number') p = b.writeUInt16LE(key, p);
    else {
      p = b.writeUInt16LE(key.length, p);
      p += key.copy(b, p);
    }
    p = b.writeUInt32LE(value.length, p);
    b.set(value, p);
    return p + value.length;
  }

  private flush(): void {
    if (this.pos === 0) return;
    this.write(this.buf, this.pos);
    this.pos = 0;
  }

  private write(b: Buffer, n: number): void {
    this.fd ??= openSync(this.path, 'w');
    let off = 0;
    while (off < n) off += writeSync(this.fd, b, off, n - off);
  }

  close(): void {
    if (this.fd === undefined && this.pos === 0) return;
    this.flush();
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

/** One key group's spilled entries in the canonical form: a list's elements and a map's entries gathered under their key. */
function canonicalEntries(section: Buffer, byId: Map<number, { name: string; kind: StateKind }>, unclaimed: string[]): KeyedStateEntry[] {
  const entries: KeyedStateEntry[] = [];
  const reader = new KeyReader();
  let list: unknown[] | undefined;
  let map: Map<unknown, unknown> | undefined;
  let prefix = '';
  let p = 0;
  while (p < section.length) {
    const kind = section.readUInt8(p);
    if (kind === RESTORED_ENTRY) {
      const name = unclaimed[section.readUInt16LE(p + 1)] as string;
      const len = section.readUInt32LE(p + 3);
      const [ns, k, v] = decodeValue(section.subarray(p + 7, p + 7 + len)) as [Ns, unknown, unknown];
      entries.push([name, ns, k, v]);
      p += 7 + len;
      continue;
    }
    const keyLen = section.readUInt16LE(p + 1);
    const key = section.subarray(p + 3, p + 3 + keyLen);
    const valueAt = p + 3 + keyLen;
    const len = section.readUInt32LE(valueAt);
    const value = section.subarray(valueAt + 4, valueAt + 4 + len);
    p = valueAt + 4 + len;
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
    const kp = latin1Slice(key, 0, r.pos);
    if (kp !== prefix) {
      prefix = kp;
      if (meta.kind === 'list') entries.push([meta.name, ns, mapKey, (list = [])]);
      else entries.push([meta.name, ns, mapKey, (map = new Map())]);
    }
    if (meta.kind === 'list') (list as unknown[]).push(decodeValue(value));
    else (map as Map<unknown, unknown>).set(r.primitive(), decodeValue(value));
  }
  return entries;
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
