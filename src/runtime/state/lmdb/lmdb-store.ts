/**
 * One LMDB environment with a bounded write buffer in front of it.
 *
 * Why a write buffer: every LMDB commit copies the B-tree pages it touched, so one transaction per state
 * update halves the update rate (docs/benchmarks.md). Keyed state has no natural batch boundary the backend
 * sees (processElement is called record by record), so writes collect here and are committed together in one
 * synchronous transaction when the buffer holds `maxEntries` entries or `maxBytes` bytes, and before every
 * whole-range read (snapshots, applyToAllKeys, numKeys). Reads look in the buffer first. The buffer is the
 * only state held on the JavaScript heap, and it is bounded; everything else is in the memory-mapped file.
 *
 * Entries of list and map state (many LMDB keys under one prefix) are buffered per prefix, so a read of the
 * whole list or map merges the buffered entries with the stored range without committing first, and clearing
 * a list or map is one marker instead of a delete per element.
 *
 * Durability comes from checkpoints, not from this file, so commits are not synced (noSync, noMetaSync), as
 * Flink runs RocksDB without its write-ahead log.
 */
import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { RootDatabase, Transaction } from 'lmdb';
import { latin1Slice, prefixEnd } from './key-layout.js';

/**
 * lmdb is loaded when the first environment opens, not when this module is imported: every task worker imports
 * the state backends, and loading lmdb's native addon costs each of them about 40 ms and 10 MiB (measured) in
 * jobs that keep their state on the heap.
 */
let lmdbModule: typeof import('lmdb') | undefined;
function lmdb(): typeof import('lmdb') {
  return (lmdbModule ??= createRequire(import.meta.url)('lmdb') as typeof import('lmdb'));
}

/** Buffered entries of one list's or map's prefix. */
interface PrefixOverlay {
  /** The prefix bytes (a copy), to build full keys at commit time. */
  readonly prefix: Buffer;
  /** Whether everything stored under the prefix was cleared after the last commit. */
  cleared: boolean;
  /** Suffix (latin1 string of its bytes) → new value, or null for a removed entry. */
  readonly entries: Map<string, Uint8Array | null>;
}

export interface LmdbStoreOptions {
  /** The environment's directory (created by the caller, removed by close()). */
  directory: string;
  /** Commit when this many entries are buffered. */
  maxEntries: number;
  /** Commit when the buffered values take this many bytes. */
  maxBytes: number;
}

/** One entry of a prefix, merged from the store and the buffer. */
export interface SubEntry {
  /** The key's bytes after the prefix, as a latin1 string. */
  suffix: string;
  value: Uint8Array;
}

export class LmdbStore {
  private db: RootDatabase<Buffer, Buffer> | undefined;
  private readonly pending = new Map<string, Uint8Array | null>();
  private readonly overlays = new Map<string, PrefixOverlay>();
  private count = 0;
  private bytes = 0;
  private readonly snapshots = new Set<Transaction>();
  /** Commits so far (for tests and the benchmark). */
  commits = 0;

  constructor(private readonly options: LmdbStoreOptions) {
    this.db = lmdb().open<Buffer, Buffer>({
      path: options.directory,
      keyEncoding: 'binary',
      encoding: 'binary',
      noSync: true,
      noMetaSync: true,
      // No other process opens this file, and nothing needs LMDB's file lock to protect it.
      overlappingSync: false,
      // Skips zeroing pages that are about to be overwritten; the file is private to this task.
      noMemInit: true,
      // Not MDB_WRITEMAP, although it measured 1.5-2x faster here: with it LMDB aborts the process on an assertion
      // in mdb_freelist_save after removals (a known LMDB bug; docs/benchmarks.md).
    });
  }

  private get env(): RootDatabase<Buffer, Buffer> {
    if (this.db === undefined) throw new Error('embedded-lmdb: the state backend was used after it was closed');
    return this.db;
  }

  /** The environment's directory. */
  get directory(): string {
    return this.options.directory;
  }

  get closed(): boolean {
    return this.db === undefined;
  }

  // ---- single entries (value, reducing, aggregating state; restored entries) ----

  /** The value under `key` (`keyStr` is its latin1 string), or undefined. The bytes are valid until the next read. */
  get(keyStr: string, key: Buffer): Uint8Array | undefined {
    const p = this.pending.get(keyStr);
    if (p !== undefined) return p === null ? undefined : p;
    const b = this.env.getBinaryFast(key);
    // getBinaryFast hands out a reused buffer whose byteLength is larger than the value: cut it to the value.
    return b === undefined ? undefined : new Uint8Array(b.buffer, b.byteOffset, b.length);
  }

  /** Stores (or with null removes) the value under the key whose latin1 string is `keyStr`. */
  put(keyStr: string, value: Uint8Array | null): void {
    const before = this.pending.size;
    this.pending.set(keyStr, value);
    if (this.pending.size > before) this.count++;
    this.bytes += keyStr.length + (value === null ? 0 : value.length);
    if (this.count >= this.options.maxEntries || this.bytes >= this.options.maxBytes) this.flush();
  }

  // ---- entries under a prefix (list elements, map entries) ----

  /** One entry under a prefix, or undefined. The bytes are valid until the next read. */
  getSub(prefixStr: string, suffixStr: string, fullKey: Buffer): Uint8Array | undefined {
    const o = this.overlays.get(prefixStr);
    if (o !== undefined) {
      const p = o.entries.get(suffixStr);
      if (p !== undefined) return p === null ? undefined : p;
      if (o.cleared) return undefined;
    }
    const b = this.env.getBinaryFast(fullKey);
    return b === undefined ? undefined : new Uint8Array(b.buffer, b.byteOffset, b.length);
  }

  /** Stores (or with null removes) one entry under a prefix. */
  putSub(prefixStr: string, prefix: Buffer, suffixStr: string, value: Uint8Array | null): void {
    const o = this.overlay(prefixStr, prefix);
    const before = o.entries.size;
    o.entries.set(suffixStr, value);
    if (o.entries.size > before) this.count++;
    this.bytes += suffixStr.length + (value === null ? 0 : value.length);
    if (this.count >= this.options.maxEntries || this.bytes >= this.options.maxBytes) this.flush();
  }

  /** Removes every entry under a prefix. */
  clearSub(prefixStr: string, prefix: Buffer): void {
    const o = this.overlay(prefixStr, prefix);
    this.count -= o.entries.size;
    o.entries.clear();
    o.cleared = true;
  }

  private overlay(prefixStr: string, prefix: Buffer): PrefixOverlay {
    let o = this.overlays.get(prefixStr);
    if (o === undefined) {
      o = { prefix: Buffer.from(prefix), cleared: false, entries: new Map() };
      this.overlays.set(prefixStr, o);
      this.count++;
    }
    return o;
  }

  /**
   * Every entry under a prefix in key order, the buffered ones merged in; at most `limit`. Materialized, so
   * callers may write while going through them.
   */
  scanSub(prefixStr: string, prefix: Buffer, limit = Infinity): SubEntry[] {
    const out: SubEntry[] = [];
    const o = this.overlays.get(prefixStr);
    const n = prefix.length;
    if (o === undefined || (!o.cleared && o.entries.size === 0)) {
      for (const { key, value } of this.env.getRange({ start: prefix, end: prefixEnd(prefix), limit })) {
        out.push({ suffix: latin1Slice(key, n, key.length), value });
      }
      return out;
    }
    const buffered = [...o.entries].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    let i = 0;
    /** Adds an entry; true when the limit is reached. */
    const emit = (suffix: string, value: Uint8Array): boolean => out.push({ suffix, value }) >= limit;
    if (!o.cleared) {
      for (const { key, value } of this.env.getRange({ start: prefix, end: prefixEnd(prefix) })) {
        const suffix = latin1Slice(key, n, key.length);
        let b = buffered[i];
        while (b !== undefined && b[0] < suffix) {
          i++;
          if (b[1] !== null && emit(b[0], b[1])) return out;
          b = buffered[i];
        }
        if (b !== undefined && b[0] === suffix) {
          // the buffered value replaces (or with null removes) the stored one
          i++;
          if (b[1] !== null && emit(suffix, b[1])) return out;
        } else if (emit(suffix, value)) return out;
      }
    }
    for (; i < buffered.length; i++) {
      const b = buffered[i] as [string, Uint8Array | null];
      if (b[1] !== null && emit(b[0], b[1])) return out;
    }
    return out;
  }

  // ---- commits, whole ranges, snapshots ----

  /** Commits every buffered write in one transaction. */
  flush(): void {
    if (this.count === 0 && this.pending.size === 0 && this.overlays.size === 0) return;
    const db = this.env;
    // The keys are built before the transaction begins, so that the transaction's callback hardly allocates: a
    // worker stopped inside a synchronous transaction (out of memory, terminate()) never releases lmdb-js's
    // write lock, and lmdb-js's teardown of the environment then waits for that lock forever.
    const writes: Array<[Buffer, Uint8Array | null]> = [];
    for (const [k, v] of this.pending) writes.push([Buffer.from(k, 'latin1'), v]);
    const cleared: Buffer[] = [];
    for (const o of this.overlays.values()) {
      if (o.cleared) cleared.push(o.prefix);
      for (const [s, v] of o.entries) writes.push([Buffer.concat([o.prefix, Buffer.from(s, 'latin1')]), v]);
    }
    db.transactionSync(() => {
      // Clears first: an overlay's own entries were written after its clear.
      for (const prefix of cleared) {
        const stale = [...db.getKeys({ start: prefix, end: prefixEnd(prefix) })];
        for (const k of stale) db.removeSync(k);
      }
      for (const [key, v] of writes) {
        if (v === null) db.removeSync(key);
        else db.putSync(key, v as Buffer);
      }
    });
    this.commits++;
    this.pending.clear();
    this.overlays.clear();
    this.count = 0;
    this.bytes = 0;
  }

  /** Keys and values in [start, end) as stored (commit first to include the buffer); `txn` reads a snapshot. */
  range(start: Buffer, end: Buffer | undefined, txn?: Transaction): Iterable<{ key: Buffer; value: Buffer }> {
    return this.env.getRange({ start, ...(end === undefined ? {} : { end }), ...(txn === undefined ? {} : { transaction: txn }) });
  }

  /** Keys in [start, end) as stored (commit first to include the buffer). */
  keys(start: Buffer, end: Buffer | undefined): Iterable<Buffer> {
    return this.env.getKeys({ start, ...(end === undefined ? {} : { end }) });
  }

  /**
   * Commits the buffer and opens a read transaction on the result: a consistent view that later writes do
   * not change, read while processing goes on. `release` must be called once it is read.
   */
  snapshot(): { txn: Transaction; release: () => void } {
    this.flush();
    const txn = this.env.useReadTransaction();
    this.snapshots.add(txn);
    let released = false;
    return {
      txn,
      release: () => {
        if (released) return;
        released = true;
        this.snapshots.delete(txn);
        if (this.db !== undefined) txn.done();
      },
    };
  }

  /** Closes the environment and removes its directory; safe to call twice. Buffered writes are dropped. */
  close(): void {
    const db = this.db;
    if (db === undefined) return;
    this.db = undefined;
    this.pending.clear();
    this.overlays.clear();
    this.count = 0;
    this.bytes = 0;
    const errors: unknown[] = [];
    for (const txn of this.snapshots) {
      try {
        txn.done();
      } catch (err) {
        errors.push(err);
      }
    }
    this.snapshots.clear();
    try {
      // With no asynchronous writes (this store makes none), lmdb-js closes the environment synchronously.
      db.close().catch(() => {});
    } catch (err) {
      errors.push(err);
    }
    try {
      rmSync(this.options.directory, { recursive: true, force: true });
    } catch (err) {
      errors.push(err);
    }
    if (errors.length > 0) throw new AggregateError(errors, `embedded-lmdb: closing the state in ${this.options.directory} failed`);
  }
}
