/**
 * Managed memory of a slot. A slot is a worker thread with a heap limit of its own; its MemoryManager holds the
 * slot's share of `taskmanager.memory.managed.size` (or `.fraction`), which every task of the slot draws from.
 * Operators reserve bytes (estimates, see size-estimator.ts) before they hold more records, and spill to
 * `io.tmp.dirs` when a reservation is refused. Each operator gets an {@link OperatorMemory} handle that tracks its
 * reservations and spill files, so closing it gives everything back.
 */
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManagedMemoryExhaustedError } from './memory-error.js';
import { RecordSizer } from './size-estimator.js';
import { removeFile } from './spill-file.js';
import { ExternalSorter, type SorterOptions } from './external-sorter.js';
import { SpillableRecordList } from './spillable-record-list.js';

/** What a slot's worker is told about its managed memory (travels in the worker's init message). */
export interface SlotMemorySettings {
  /** This slot's share, in bytes. */
  readonly budgetBytes: number;
  /** The key that sets it (taskmanager.memory.managed.size or .fraction), named when a job runs out. */
  readonly key: string;
  /** How the budget came about, for messages. */
  readonly description: string;
  /** One directory per entry of io.tmp.dirs, private to this slot's worker; created on the first spill. */
  readonly spillDirs: readonly string[];
}

export class MemoryManager {
  private reservedBytes = 0;
  private nextDir = 0;
  private seq = 0;
  private readonly created = new Set<string>();

  constructor(readonly settings: SlotMemorySettings) {}

  get budget(): number {
    return this.settings.budgetBytes;
  }

  get reserved(): number {
    return this.reservedBytes;
  }

  /** Takes `bytes` from the budget; false (and nothing taken) when the budget has not that much left. */
  tryReserve(bytes: number): boolean {
    if (this.reservedBytes + bytes > this.settings.budgetBytes) return false;
    this.reservedBytes += bytes;
    return true;
  }

  release(bytes: number): void {
    this.reservedBytes = Math.max(0, this.reservedBytes - bytes);
  }

  /** A fresh file path for spilling, in the io.tmp.dirs directories in turn. */
  newSpillPath(owner: string): string {
    const dirs = this.settings.spillDirs;
    const dir = dirs[this.nextDir++ % dirs.length] as string;
    if (!this.created.has(dir)) {
      mkdirSync(dir, { recursive: true });
      this.created.add(dir);
    }
    return join(dir, `${owner.replace(/[^A-Za-z0-9_-]+/g, '_').slice(0, 60)}-${++this.seq}.spill`);
  }

  forOperator(owner: string): OperatorMemory {
    return new OperatorMemory(this, owner);
  }
}

/** An operator's view of its slot's managed memory: `ctx.memory`. */
export class OperatorMemory {
  private reservedBytes = 0;
  private readonly files = new Set<string>();
  private readonly closeables = new Set<{ close(): void }>();

  constructor(
    private readonly manager: MemoryManager,
    /** The task and operator, for file names and messages. */
    readonly owner: string,
  ) {}

  /** The slot's whole managed memory, in bytes (shared with the other tasks of the slot). */
  get budget(): number {
    return this.manager.budget;
  }

  /** What this operator holds now. */
  get reserved(): number {
    return this.reservedBytes;
  }

  /** A sensible unit to reserve at a time: few calls per run, fine enough for small budgets. */
  get chunkBytes(): number {
    return Math.min(1024 * 1024, Math.max(4096, Math.floor(this.manager.budget / 32)));
  }

  tryReserve(bytes: number): boolean {
    if (!this.manager.tryReserve(bytes)) return false;
    this.reservedBytes += bytes;
    return true;
  }

  release(bytes: number): void {
    const b = Math.min(bytes, this.reservedBytes);
    this.reservedBytes -= b;
    this.manager.release(b);
  }

  /** A new spill file path; the file is removed when released or when this handle closes. */
  newSpillFile(): string {
    const path = this.manager.newSpillPath(this.owner);
    this.files.add(path);
    return path;
  }

  removeSpillFile(path: string): void {
    this.files.delete(path);
    removeFile(path);
  }

  sizer(): RecordSizer {
    return new RecordSizer();
  }

  /** A sorter drawing from this operator's memory; closed with this handle at the latest. */
  sorter<T>(compare: (a: T, b: T) => number, options: SorterOptions = {}): ExternalSorter<T> {
    return this.track(new ExternalSorter<T>(this, compare, options));
  }

  /** An append-only list that can be read many times, spilling its tail when the memory runs out. */
  list<T>(): SpillableRecordList<T> {
    return this.track(new SpillableRecordList<T>(this));
  }

  /** The error for data that must be in memory at once and is more than the budget: names the key to raise. */
  exhausted(what: string): ManagedMemoryExhaustedError {
    const s = this.manager.settings;
    return new ManagedMemoryExhaustedError(
      `${this.owner}: ${what} needs more managed memory than its slot has (${formatBytes(s.budgetBytes)}; ${s.description}) ` +
        `and cannot be spilled to disk. Raise ${s.key}${s.key.endsWith('.fraction') ? ' (or set taskmanager.memory.managed.size)' : ''}, ` +
        'raise the parallelism, or change the job so less data must be in memory at once.',
    );
  }

  /** Gives back every reservation and removes every spill file of this operator. Idempotent. */
  close(): void {
    const errors: unknown[] = [];
    for (const c of [...this.closeables]) {
      try {
        c.close();
      } catch (err) {
        errors.push(err);
      }
    }
    this.closeables.clear();
    for (const f of [...this.files]) {
      try {
        this.removeSpillFile(f);
      } catch (err) {
        errors.push(err);
      }
    }
    this.release(this.reservedBytes);
    if (errors.length > 0) throw errors[0];
  }

  /** @internal the structures unregister themselves when closed. */
  untrack(c: { close(): void }): void {
    this.closeables.delete(c);
  }

  private track<C extends { close(): void }>(c: C): C {
    this.closeables.add(c);
    return c;
  }
}

function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${(n / (1024 * 1024)).toFixed(1)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${n} bytes`;
}

/** Used where no worker configured the slot (unit tests, the client's local runs): 256 MiB in the system temp dir. */
const DEFAULT_SETTINGS: SlotMemorySettings = {
  budgetBytes: 256 * 1024 * 1024,
  key: 'taskmanager.memory.managed.size',
  description: 'the default for tasks outside a TaskManager',
  spillDirs: [join(tmpdir(), `flink-ts-spill-${process.pid}`)],
};

// One per thread: a slot is a worker thread, so module state is the slot's.
let slotManager: MemoryManager | undefined;

/** Sets the managed memory of this thread's slot (called once by the worker's entry point). */
export function configureSlotMemory(settings: SlotMemorySettings): void {
  slotManager = new MemoryManager(settings);
}

/** The managed memory of the slot this thread runs. */
export function slotMemory(): MemoryManager {
  return (slotManager ??= new MemoryManager(DEFAULT_SETTINGS));
}
