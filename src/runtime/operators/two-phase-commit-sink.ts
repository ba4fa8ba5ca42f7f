/**
 * The operator of a TwoPhaseCommitSinkFunction (see api/sinks/two-phase-commit.ts for the user's side).
 *
 * Every call into the user's function (invoke, preCommit, commit, abort, recover*) runs on one queue, in call
 * order, so the function never sees two calls at once; while the queue is long the task is held back.
 * Operator state: one {@link TwoPhaseCommitStateItem} per subtask and checkpoint, Flink's State of a
 * TwoPhaseCommitSinkFunction: the transaction opened at the checkpoint (aborted on restore) and the
 * pre-committed ones waiting for their checkpoint (committed on restore).
 */
import type { SinkContext, TwoPhaseCommitHooks } from '../../api/sinks/two-phase-commit.js';
import { FlinkError } from '../../util/errors.js';
import { bindOperator, SINK_HOOKS, type OperatorContext, type OperatorFactory, type StreamOperator } from './operator.js';

const MAX_QUEUED = 64;

export interface TransactionHolder {
  handle: unknown;
  /** When the transaction began (processing time, epoch ms). */
  transactionStartTime: number;
}

export interface TwoPhaseCommitStateItem {
  /** Format version of this item. */
  v: 1;
  kind: 'two-phase-commit';
  /** The transaction that was open at the checkpoint: its records come again after a restore. */
  pendingTransaction: TransactionHolder | null;
  /** Pre-committed transactions, oldest first, each with the checkpoint that commits it. */
  pendingCommitTransactions: Array<TransactionHolder & { checkpointId: number }>;
}

export class TwoPhaseCommitStateError extends FlinkError {
  constructor(what: string) {
    super('TWO_PHASE_COMMIT_STATE', `The two-phase-commit sink cannot read its state from the checkpoint: ${what}. Give the sink the uid it had (DataStreamSink.uid), or start without that state.`);
  }
}

function parseItem(item: unknown): TwoPhaseCommitStateItem {
  const o = item as Partial<TwoPhaseCommitStateItem> | null;
  if (o === null || typeof o !== 'object' || o.kind !== 'two-phase-commit') throw new TwoPhaseCommitStateError('an item is not two-phase-commit sink state');
  if (o.v !== 1) throw new TwoPhaseCommitStateError(`state format version ${String(o.v)} is not known to this flink-ts version`);
  if (!Array.isArray(o.pendingCommitTransactions)) throw new TwoPhaseCommitStateError('an item lacks its pending transactions');
  return o as TwoPhaseCommitStateItem;
}

interface PendingCommit extends TransactionHolder {
  checkpointId: number;
  preCommitted: Promise<void>;
  committing: boolean;
}

class TwoPhaseCommitSinkOperator implements StreamOperator {
  private readonly fn: TwoPhaseCommitHooks;
  private current: TransactionHolder | undefined;
  private pendingCommits: PendingCommit[] = [];
  private restored: TwoPhaseCommitStateItem[] = [];
  private queue: Promise<void> = Promise.resolve();
  private queued = 0;
  private watermark = Number.NEGATIVE_INFINITY;
  private readonly context: SinkContext;
  private closed = false;
  /** Commits of notifyCheckpointComplete calls still running. */
  private readonly notifications = new Set<Promise<void>>();

  constructor(private readonly ctx: OperatorContext) {
    this.fn = ctx.transformation.fns[0] as TwoPhaseCommitHooks;
    this.context = this.contextAt(() => ctx.element.timestamp);
    // As in Flink, the runtime context is there before any state is touched.
    this.fn.setRuntimeContext(ctx.runtime);
  }

  initializeState(restored: unknown[] | undefined): void {
    this.restored = (restored ?? []).map(parseItem);
  }

  async open(): Promise<void> {
    await this.fn.open?.(this.ctx.runtime);
    // Recovery runs after open(), so that the function's connections exist; Flink runs it before.
    for (const item of this.restored) {
      for (const t of item.pendingCommitTransactions) await this.fn.recoverAndCommit(t.handle);
      if (item.pendingTransaction) await this.fn.recoverAndAbort(item.pendingTransaction.handle);
    }
    this.restored = [];
    this.current = this.begin();
  }

  processElement(record: unknown): void {
    const txn = (this.current as TransactionHolder).handle;
    if (this.queued === 0) {
      const r = this.fn.invoke(txn, record, this.context);
      if (r instanceof Promise) this.track(r);
    } else {
      // Runs later: the record's timestamp has to be kept for it.
      const ts = this.ctx.element.timestamp;
      const context = this.contextAt(() => ts);
      this.track(this.queue.then(() => this.fn.invoke(txn, record, context)));
    }
  }

  processWatermark(watermark: number): void {
    this.watermark = watermark;
  }

  available(): boolean {
    return this.queued < MAX_QUEUED;
  }

  snapshotState(checkpointId: number): unknown[] {
    const txn = this.current;
    // After the end of the input (a checkpoint of a finished task) everything is committed already.
    if (txn) {
      const preCommitted = this.enqueue(() => this.fn.preCommit(txn.handle));
      this.pendingCommits.push({ ...txn, checkpointId, preCommitted, committing: false });
      this.current = this.begin();
    }
    const next = this.current;
    const item: TwoPhaseCommitStateItem = {
      v: 1,
      kind: 'two-phase-commit',
      pendingTransaction: next ? { handle: next.handle, transactionStartTime: next.transactionStartTime } : null,
      pendingCommitTransactions: this.pendingCommits.map((p) => ({ handle: p.handle, transactionStartTime: p.transactionStartTime, checkpointId: p.checkpointId })),
    };
    return [item];
  }

  async finishSnapshot(checkpointId: number): Promise<void> {
    // The state of checkpoint n names the transactions of earlier checkpoints not committed yet, too.
    await Promise.all(this.pendingCommits.filter((p) => p.checkpointId <= checkpointId).map((p) => p.preCommitted));
  }

  async notifyCheckpointComplete(checkpointId: number): Promise<void> {
    const due = this.pendingCommits.filter((p) => !p.committing && p.checkpointId <= checkpointId);
    // A failing commit fails the task through the queue; a restore commits the transaction again.
    const done = this.commitAll(due).catch(() => {});
    this.notifications.add(done);
    await done;
    this.notifications.delete(done);
  }

  async endInput(): Promise<void> {
    // The end of a bounded input: the open transaction is the last one; everything is committed now.
    const last = this.current as TransactionHolder;
    this.current = undefined;
    await this.enqueue(() => this.fn.preCommit(last.handle));
    // Commits a notification started finish first: the task may end as soon as this returns.
    await Promise.all(this.notifications);
    await this.commitAll(this.pendingCommits.filter((p) => !p.committing));
    await this.enqueue(() => this.fn.commit(last.handle));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      // Not ended normally: the open transaction will never be committed (its records come again, if at all).
      const open = this.current;
      this.current = undefined;
      if (open) await this.enqueue(() => this.fn.abort(open.handle)).catch(() => {});
    } finally {
      await this.fn.close?.();
    }
  }

  private begin(): TransactionHolder {
    return { handle: this.fn.beginTransaction(), transactionStartTime: this.ctx.processingTime.getCurrentProcessingTime() };
  }

  private async commitAll(due: PendingCommit[]): Promise<void> {
    for (const p of due) p.committing = true;
    try {
      for (const p of due) {
        await p.preCommitted;
        await this.enqueue(() => this.fn.commit(p.handle));
        this.pendingCommits = this.pendingCommits.filter((x) => x !== p);
      }
    } finally {
      for (const p of due) p.committing = false;
    }
  }

  private contextAt(timestamp: () => number): SinkContext {
    const clock = this.ctx.processingTime;
    return {
      currentProcessingTime: () => clock.getCurrentProcessingTime(),
      currentWatermark: () => this.watermark,
      timestamp: () => {
        const t = timestamp();
        return Number.isNaN(t) ? null : t;
      },
    };
  }

  /** Queues a user call after every call before it; its failure fails the task. */
  private enqueue(call: () => void | Promise<void>): Promise<void> {
    const run = this.queue.then(call);
    this.track(run);
    return run;
  }

  private track(p: Promise<unknown>): void {
    this.queued++;
    this.queue = p.then(
      () => {
        if (--this.queued === MAX_QUEUED - 1) this.ctx.signalAvailable();
      },
      (err: unknown) => {
        this.queued--;
        if (!this.closed) this.ctx.fail(err);
      },
    );
  }
}

export const twoPhaseCommitSink: OperatorFactory = (ctx) => bindOperator(new TwoPhaseCommitSinkOperator(ctx), SINK_HOOKS);
