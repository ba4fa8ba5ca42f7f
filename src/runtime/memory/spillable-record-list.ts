/**
 * An append-only list of records that can be read as many times as needed (a cached loop-invariant input, read
 * once per superstep). Records stay in memory while the managed memory grants room; after the first refusal the
 * rest go to a spill file, so the order of reading is the order of adding.
 */
import type { OperatorMemory } from './memory-manager.js';
import type { RecordSizer } from './size-estimator.js';
import { readSpillFile, SpillWriter } from './spill-file.js';

export class SpillableRecordList<T> implements Iterable<T> {
  private memoryPart: T[] = [];
  private bytes = 0;
  private reserved = 0;
  private writer: SpillWriter | undefined;
  private readonly sizer: RecordSizer;
  private closed = false;
  /** Records added. */
  size = 0;

  constructor(private readonly memory: OperatorMemory) {
    this.sizer = memory.sizer();
  }

  get spilled(): boolean {
    return this.writer !== undefined;
  }

  add(record: T): void {
    this.size++;
    if (this.writer) {
      this.writer.write(record);
      return;
    }
    this.memoryPart.push(record);
    if ((this.bytes += this.sizer.size(record)) > this.reserved) this.grow();
  }

  *[Symbol.iterator](): Iterator<T> {
    const inMemory = this.memoryPart;
    const n = inMemory.length;
    for (let i = 0; i < n; i++) yield inMemory[i] as T;
    const w = this.writer;
    if (!w) return;
    w.flush();
    yield* readSpillFile(w.path) as Iterable<T>;
  }

  /**
   * Moves the records held in memory to disk and gives their memory back, for a structure with a better claim on
   * it (a hash join's build side, while this list holds the probe records that came early). Later records go to
   * disk too; the order of reading stays the order of adding. True when memory was given back.
   */
  spillAll(): boolean {
    if (this.memoryPart.length === 0) return false;
    const old = this.writer;
    const w = new SpillWriter(this.memory.newSpillFile());
    try {
      for (const r of this.memoryPart) w.write(r);
      if (old) {
        old.finish();
        for (const r of readSpillFile(old.path)) w.write(r);
      }
    } catch (err) {
      try {
        w.finish();
      } finally {
        this.memory.removeSpillFile(w.path);
      }
      throw err;
    }
    if (old) this.memory.removeSpillFile(old.path);
    this.writer = w;
    this.memoryPart = [];
    this.bytes = 0;
    this.memory.release(this.reserved);
    this.reserved = 0;
    return true;
  }

  /** Empties the list (keeps it usable), giving back its memory and removing its file. */
  clear(): void {
    this.memoryPart = [];
    this.bytes = 0;
    this.size = 0;
    this.memory.release(this.reserved);
    this.reserved = 0;
    const w = this.writer;
    this.writer = undefined;
    if (w) {
      try {
        w.finish();
      } finally {
        this.memory.removeSpillFile(w.path);
      }
    }
  }

  /** Drops the records, gives the memory back and removes the file. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.clear();
    } finally {
      this.memory.untrack(this);
    }
  }

  private grow(): void {
    const chunk = this.memory.chunkBytes;
    while (this.bytes > this.reserved) {
      if (this.memory.tryReserve(chunk)) {
        this.reserved += chunk;
        continue;
      }
      // Records already in memory stay there (they are read first); the ones from now on go to disk.
      this.writer = new SpillWriter(this.memory.newSpillFile());
      return;
    }
  }
}
