/**
 * A sort that outgrows its memory: records are sorted in memory while the managed memory grants room; when it
 * refuses, the buffer is sorted and written as a run to a spill file, and reading merges the runs k-way.
 */
import type { OperatorMemory } from './memory-manager.js';
import { mergeSorted } from './merge.js';
import type { RecordSizer } from './size-estimator.js';
import { readSpillFile, SpillWriter } from './spill-file.js';

export interface SorterOptions {
  /** A run holds at least this many records even when no memory is granted, so sorting always progresses. */
  readonly minRunRecords?: number;
  /** At most this many runs are merged at once (each holds a block in memory while read); more are merged first. */
  readonly maxFanIn?: number;
}

export class ExternalSorter<T> {
  private buffer: T[] = [];
  private bytes = 0;
  private reserved = 0;
  private readonly runs: string[] = [];
  private readonly sizer: RecordSizer;
  private readonly minRun: number;
  private readonly maxFanIn: number;
  private closed = false;
  /** Records added (in memory and spilled). */
  count = 0;

  constructor(
    private readonly memory: OperatorMemory,
    private readonly compare: (a: T, b: T) => number,
    options: SorterOptions = {},
  ) {
    this.sizer = memory.sizer();
    this.minRun = options.minRunRecords ?? 64;
    this.maxFanIn = Math.max(2, options.maxFanIn ?? 32);
  }

  /** Whether any run was written to disk. */
  get spilled(): boolean {
    return this.runs.length > 0;
  }

  /** The number of runs on disk now. */
  get runCount(): number {
    return this.runs.length;
  }

  add(record: T): void {
    this.buffer.push(record);
    this.count++;
    if ((this.bytes += this.sizer.size(record)) > this.reserved) this.grow();
  }

  /** Writes records that are already in this sorter's order as a run of their own (a hash table's contents). */
  addSortedRun(sorted: Iterable<T>): void {
    const n = this.writeRun(sorted);
    this.count += n;
  }

  /**
   * The records in order. In memory it is the sorted buffer itself; after spilling it merges the runs (the buffer
   * is spilled first, so the memory goes back to the slot while the merge reads one block per run).
   */
  sorted(): Iterable<T> {
    if (this.runs.length === 0) return this.buffer.sort(this.compare);
    if (this.buffer.length > 0) this.spillBuffer();
    return mergeSorted(this.runs.map((p) => readSpillFile(p) as Iterable<T>), this.compare);
  }

  /** Drops the records, gives the memory back and removes the runs. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.buffer = [];
    this.memory.release(this.reserved);
    this.reserved = 0;
    for (const p of this.runs.splice(0)) this.memory.removeSpillFile(p);
    this.memory.untrack(this);
  }

  private grow(): void {
    const chunk = this.memory.chunkBytes;
    while (this.bytes > this.reserved) {
      if (this.memory.tryReserve(chunk)) {
        this.reserved += chunk;
        continue;
      }
      if (this.buffer.length >= this.minRun) this.spillBuffer();
      return;
    }
  }

  private spillBuffer(): void {
    const records = this.buffer.sort(this.compare);
    this.buffer = [];
    this.bytes = 0;
    this.memory.release(this.reserved);
    this.reserved = 0;
    this.writeRun(records);
  }

  private writeRun(records: Iterable<T>): number {
    const path = this.memory.newSpillFile();
    let n = 0;
    try {
      const w = new SpillWriter(path);
      try {
        for (const r of records) {
          w.write(r);
          n++;
        }
      } finally {
        w.finish();
      }
    } catch (err) {
      this.memory.removeSpillFile(path);
      throw err;
    }
    this.runs.push(path);
    if (this.runs.length >= this.maxFanIn) this.mergeRuns();
    return n;
  }

  /** Merges every run into one, so reading never opens more than maxFanIn files. */
  private mergeRuns(): void {
    const old = this.runs.splice(0);
    const merged = mergeSorted(old.map((p) => readSpillFile(p) as Iterable<T>), this.compare);
    const path = this.memory.newSpillFile();
    try {
      const w = new SpillWriter(path);
      try {
        for (const r of merged) w.write(r);
      } finally {
        w.finish();
      }
    } catch (err) {
      this.memory.removeSpillFile(path);
      this.runs.push(...old);
      throw err;
    }
    for (const p of old) this.memory.removeSpillFile(p);
    this.runs.push(path);
  }
}
