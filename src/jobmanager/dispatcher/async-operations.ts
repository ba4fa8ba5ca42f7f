/**
 * Asynchronous operations the REST API triggers and clients poll by trigger id (savepoints, stop-with-savepoint,
 * savepoint disposal). A result stays retrievable for `rest.async.store-duration` after the operation ended, as
 * in Flink; the registry is bounded in entries too, so a client that triggers without ever polling cannot grow
 * the JobManager's memory.
 */
import { FlinkError, serializeError, type SerializedError } from '../../util/errors.js';

export type OperationStatus<T> =
  | { status: 'IN_PROGRESS' }
  | { status: 'SUCCESS'; result: T }
  | { status: 'FAILURE'; error: SerializedError };

/** No operation is (or is any longer) registered under the key the client asked about. */
export class UnknownOperationError extends FlinkError {
  constructor(message: string) {
    super('UNKNOWN_OPERATION', message);
    this.name = 'UnknownOperationKeyException';
  }
}

/** The registry is full of operations that are still running. */
export class TooManyOperationsError extends FlinkError {
  constructor(limit: number) {
    super(
      'TOO_MANY_OPERATIONS',
      `${limit} asynchronous operations (savepoints, disposals) are in progress or waiting to be polled; ` +
        'wait for some to finish before triggering more.',
    );
  }
}

export interface AsyncOperationRegistryOptions {
  /** How long a finished operation's result is kept, in ms; 0 keeps it until the entry limit pushes it out. */
  storeDurationMs: number;
  /** The most operations (running or finished) kept at once; the oldest finished ones go first. */
  maxEntries: number;
  now?: () => number;
}

interface Entry<T> {
  status: OperationStatus<T>;
  /** When it finished; undefined while it runs. */
  completedAt: number | undefined;
}

export class AsyncOperationRegistry<T> {
  private readonly entries = new Map<string, Entry<T>>();
  private readonly now: () => number;
  private closed = false;

  constructor(private readonly o: AsyncOperationRegistryOptions) {
    this.now = o.now ?? (() => Date.now());
  }

  /**
   * Starts the operation under `key` unless one is registered there already (a retried trigger with the same
   * id must not take a second savepoint). Returns whether it started.
   */
  registerIfAbsent(key: string, start: () => Promise<T>): boolean {
    this.expire();
    if (this.entries.has(key)) return false;
    if (this.entries.size >= this.o.maxEntries) this.evictOldestFinished();
    if (this.entries.size >= this.o.maxEntries) throw new TooManyOperationsError(this.o.maxEntries);
    const entry: Entry<T> = { status: { status: 'IN_PROGRESS' }, completedAt: undefined };
    this.entries.set(key, entry);
    let running: Promise<T>;
    try {
      running = start();
    } catch (err) {
      running = Promise.reject(err);
    }
    running.then(
      (result) => this.finish(key, entry, { status: 'SUCCESS', result }),
      (err: unknown) => this.finish(key, entry, { status: 'FAILURE', error: serializeError(err) }),
    );
    return true;
  }

  /** The operation's status; undefined for a key never registered or whose result has expired. */
  status(key: string): OperationStatus<T> | undefined {
    this.expire();
    return this.entries.get(key)?.status;
  }

  /** Forgets every entry; operations still running finish unobserved. */
  close(): void {
    this.closed = true;
    this.entries.clear();
  }

  private finish(key: string, entry: Entry<T>, status: OperationStatus<T>): void {
    // A registry closed (or an entry evicted) meanwhile keeps nothing.
    if (this.closed || this.entries.get(key) !== entry) return;
    entry.status = status;
    entry.completedAt = this.now();
  }

  private expire(): void {
    if (this.o.storeDurationMs <= 0) return;
    const oldest = this.now() - this.o.storeDurationMs;
    for (const [key, e] of this.entries) if (e.completedAt !== undefined && e.completedAt < oldest) this.entries.delete(key);
  }

  private evictOldestFinished(): void {
    let oldestKey: string | undefined;
    let oldestAt = Infinity;
    for (const [key, e] of this.entries) {
      if (e.completedAt !== undefined && e.completedAt < oldestAt) {
        oldestAt = e.completedAt;
        oldestKey = key;
      }
    }
    if (oldestKey !== undefined) this.entries.delete(oldestKey);
  }
}
