/**
 * Flink's TwoPhaseCommitSinkFunction: the base of exactly-once sinks to systems with transactions.
 *
 * ```ts
 * class AppendOnCommit extends TwoPhaseCommitSinkFunction<string, { file: string; lines: string[] }> {
 *   protected beginTransaction() { return { file: `/out/batch-${randomUUID()}`, lines: [] }; }
 *   protected invoke(txn, value) { txn.lines.push(value); }
 *   protected async preCommit(txn) { await writeFile(`${txn.file}.tmp`, txn.lines.join('\n')); }
 *   protected async commit(txn) { await rename(`${txn.file}.tmp`, txn.file).catch(ignoreIfDone); }
 *   protected async abort(txn) { await rm(`${txn.file}.tmp`, { force: true }); }
 * }
 * stream.addSink(new AppendOnCommit());
 * ```
 *
 * Records go into the current transaction. At each checkpoint the current transaction is pre-committed and a new
 * one begins; when the checkpoint completes, every transaction pre-committed for it (or an earlier one) is
 * committed. After a failure, the transactions of the restored checkpoint are committed (`recoverAndCommit`:
 * that checkpoint completed, maybe before they were) and the one that was open is aborted (`recoverAndAbort`).
 * At the end of a bounded input the open transaction is pre-committed and everything is committed.
 *
 * Transactions are stored in checkpoints, so a transaction must be plain data (strings, numbers, arrays, plain
 * objects, Maps, Dates, bytes): class instances come back as plain objects. `commit` must be idempotent: after a
 * failure it may be called again for a transaction it already committed.
 *
 * Each method may return a promise; the sink awaits them one after the other, in the order of the calls, so they
 * never overlap. `beginTransaction` returns the transaction at once: do slow setup in invoke or preCommit.
 * `recoverAndCommit`/`recoverAndAbort` run after `open()`, before the first record.
 */
import { AbstractRichFunction } from '../process-functions.js';

/** What a sink knows about the record being written (Flink's SinkFunction.Context). */
export interface SinkContext {
  currentProcessingTime(): number;
  currentWatermark(): number;
  /** The record's event-time timestamp, or null when it has none. */
  timestamp(): number | null;
}

export abstract class TwoPhaseCommitSinkFunction<IN, TXN> extends AbstractRichFunction {
  /** Starts a transaction and returns its handle (stored in checkpoints: plain data). */
  protected abstract beginTransaction(): TXN;
  /** Writes one record within `transaction`. */
  protected abstract invoke(transaction: TXN, value: IN, context: SinkContext): void | Promise<void>;
  /** Makes the transaction's writes durable, ready to commit; called at a checkpoint. */
  protected abstract preCommit(transaction: TXN): void | Promise<void>;
  /** Makes a pre-committed transaction visible; must be idempotent. */
  protected abstract commit(transaction: TXN): void | Promise<void>;
  /** Drops a transaction that will never be committed. */
  protected abstract abort(transaction: TXN): void | Promise<void>;
  /** A pre-committed transaction from a restored checkpoint: its checkpoint completed. Default: commit. */
  protected recoverAndCommit(transaction: TXN): void | Promise<void> {
    return this.commit(transaction);
  }
  /** The transaction that was open at the restored checkpoint: its records will come again. Default: abort. */
  protected recoverAndAbort(transaction: TXN): void | Promise<void> {
    return this.abort(transaction);
  }
}

/** @internal How the runtime calls the protected methods of a TwoPhaseCommitSinkFunction. */
export interface TwoPhaseCommitHooks<IN = unknown, TXN = unknown> {
  beginTransaction(): TXN;
  invoke(transaction: TXN, value: IN, context: SinkContext): void | Promise<void>;
  preCommit(transaction: TXN): void | Promise<void>;
  commit(transaction: TXN): void | Promise<void>;
  abort(transaction: TXN): void | Promise<void>;
  recoverAndCommit(transaction: TXN): void | Promise<void>;
  recoverAndAbort(transaction: TXN): void | Promise<void>;
  setRuntimeContext(ctx: unknown): void;
  open?(ctx?: unknown): void | Promise<void>;
  close?(): void | Promise<void>;
}
