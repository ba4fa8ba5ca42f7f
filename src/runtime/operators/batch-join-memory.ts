/**
 * What join and coGroup fall back to when the records they must hold outgrow the slot's managed memory: both
 * inputs sorted by key in external sorters (spilling runs to io.tmp.dirs), then merged key by key.
 */
import { compareEntries, compareStateKeys, sortMergeJoin, type ExternalSorter, type JoinKind, type OperatorMemory } from '../memory/index.js';
import { MemoryAccount, sortedGroups, type Entry } from './batch-memory.js';

type Side = 0 | 1;

const entryKey = (e: Entry): unknown => e[0];

/**
 * Both inputs of a two-input operator as `[key, record]` sorted by key. One side can be dropped and started
 * afresh (an iteration's dynamic side after a superstep) while the other is kept: a sorter's output can be read
 * again as long as nothing is added to it.
 */
export class SortedInputs {
  private readonly sorters: [ExternalSorter<Entry>, ExternalSorter<Entry>];

  constructor(private readonly memory: OperatorMemory) {
    this.sorters = [memory.sorter<Entry>(compareEntries), memory.sorter<Entry>(compareEntries)];
  }

  add(side: Side, key: unknown, record: unknown): void {
    this.sorters[side].add([key, record]);
  }

  /** Entries already in key order (a hash table's contents) as one run of their own. */
  addSortedRun(side: Side, entries: Iterable<Entry>): void {
    this.sorters[side].addSortedRun(entries);
  }

  /** Drops one input's records (memory back, runs removed); the sorter of the other input is kept. */
  reset(side: Side): void {
    this.sorters[side].close();
    this.sorters[side] = this.memory.sorter<Entry>(compareEntries);
  }

  /** The join's `[first, second]` record pairs, null for the missing side of an outer join's unmatched record. */
  *joinPairs(kind: JoinKind): Generator<[unknown, unknown]> {
    const spec = { kind, leftKey: entryKey, rightKey: entryKey, compareKeys: compareStateKeys, memory: this.memory };
    for (const [l, r] of sortMergeJoin(this.sorters[0].sorted(), this.sorters[1].sorted(), spec)) {
      yield [l === null ? null : l[1], r === null ? null : r[1]];
    }
  }

  /**
   * Both inputs' groups of each key present on either side (an empty array for a missing side). A group is handed
   * to a user function as an array, so it must fit in memory: past the budget it fails, naming the key.
   */
  *coGroups(): Generator<[unknown[], unknown[]]> {
    const what = "one key's groups handed to the coGroup function as arrays";
    // Each side cuts its own groups and gives their memory back between keys, so each needs its own account.
    const a = sortedGroups(this.sorters[0].sorted(), new MemoryAccount(this.memory), this.memory, what);
    const b = sortedGroups(this.sorters[1].sorted(), new MemoryAccount(this.memory), this.memory, what);
    try {
      let x = a.next();
      let y = b.next();
      while (!x.done || !y.done) {
        const c = x.done ? 1 : y.done ? -1 : compareStateKeys(x.value[0], y.value[0]);
        if (c < 0) {
          yield [(x.value as [unknown, unknown[]])[1], []];
          x = a.next();
        } else if (c > 0) {
          yield [[], (y.value as [unknown, unknown[]])[1]];
          y = b.next();
        } else {
          yield [(x.value as [unknown, unknown[]])[1], (y.value as [unknown, unknown[]])[1]];
          x = a.next();
          y = b.next();
        }
      }
    } finally {
      // Stopped early (close, a failure): the merges still close their spill files.
      a.return(undefined);
      b.return(undefined);
    }
  }

  /** Memory back, runs removed. Idempotent. */
  close(): void {
    try {
      this.sorters[0].close();
    } finally {
      this.sorters[1].close();
    }
  }
}

/**
 * The iterator an operator drains at the end of its input. The drain waits for back pressure between batches,
 * and the task may close the operator meanwhile: stop() then ends the iterator, so its spill files get closed.
 */
export class Draining {
  private it: Iterator<unknown> | undefined;

  of<T>(iterable: Iterable<T>): Iterable<T> {
    const it = iterable[Symbol.iterator]();
    this.it = it;
    return { [Symbol.iterator]: () => it };
  }

  stop(): void {
    const it = this.it;
    this.it = undefined;
    try {
      it?.return?.();
    } catch {
      // Still running (close() from inside the drain's own call): its for-of closes it when the error unwinds.
    }
  }
}
