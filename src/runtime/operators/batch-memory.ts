/**
 * How the batch operators account their records against the slot's managed memory, and the pieces they share
 * when they spill: a hash table's contents as one sorted run, sorted `[key, record]` entries cut into groups.
 */
import { compareStateKeys, type OperatorMemory } from '../memory/index.js';
import type { RecordSizer } from '../memory/size-estimator.js';

/** What a Map or Set entry costs on top of the key and value themselves (hash slot, entry, boxed key). */
export const ENTRY_BYTES = 48;
/** A table spills only once it holds this many entries, so a slot without memory left still makes progress. */
export const MIN_SPILL_ENTRIES = 64;

/**
 * The bytes an operator's in-memory structure holds (estimates) and what it reserved for them. The caller adds to
 * `bytes` and calls {@link grow} only when `bytes > reserved`, so the hot path is one addition and one comparison.
 */
export class MemoryAccount {
  bytes = 0;
  reserved = 0;
  readonly sizer: RecordSizer;

  constructor(private readonly memory: OperatorMemory) {
    this.sizer = memory.sizer();
  }

  /** Reserves until `bytes` is covered; false when the slot's memory refused (then nothing more is reserved). */
  grow(): boolean {
    const chunk = this.memory.chunkBytes;
    while (this.bytes > this.reserved) {
      if (!this.memory.tryReserve(chunk)) return false;
      this.reserved += chunk;
    }
    return true;
  }

  /** The structure was emptied: give its memory back. */
  reset(): void {
    this.memory.release(this.reserved);
    this.reserved = 0;
    this.bytes = 0;
  }
}

export type Entry = [unknown, unknown];

/** `[key, value]` of a table in key order (the order its spilled runs are merged in). */
export function sortedEntries(table: Map<unknown, unknown>): Entry[] {
  return [...table].sort((a, b) => compareStateKeys(a[0], b[0]));
}

/** The records of hash groups as `[key, record]` in key order, each group in `order` (if given) else as added. */
export function* groupsInKeyOrder(groups: Map<unknown, unknown[]>, order?: (a: unknown, b: unknown) => number): Generator<Entry> {
  const keys = [...groups.keys()].sort(compareStateKeys);
  for (const k of keys) {
    const values = groups.get(k) as unknown[];
    if (order) values.sort(order);
    for (const v of values) yield [k, v];
  }
}

/**
 * Cuts `[key, record]` entries sorted by key into groups: calls `onGroup(key, records)` per key. A group must be in
 * memory at once (it is handed to a user function as an array): past the slot's memory it fails, naming the key.
 */
export function* sortedGroups(entries: Iterable<Entry>, account: MemoryAccount, memory: OperatorMemory, what: string): Generator<[unknown, unknown[]]> {
  let key: unknown;
  let values: unknown[] = [];
  for (const [k, v] of entries) {
    if (values.length > 0 && compareStateKeys(k, key) !== 0) {
      yield [key, values];
      values = [];
      account.reset();
    }
    key = k;
    values.push(v);
    if ((account.bytes += account.sizer.size(v)) > account.reserved && !account.grow() && values.length >= MIN_SPILL_ENTRIES) {
      throw memory.exhausted(`${what} (key ${String(k)}, ${values.length} records so far)`);
    }
  }
  if (values.length > 0) yield [key, values];
  account.reset();
}
