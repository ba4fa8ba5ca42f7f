/**
 * Streaming iterations (Flink's StreamIterationHead / StreamIterationTail). The head is a source, the
 * tail a sink; subtask i of both runs in slot i (the job master places subtask i of every vertex in slot i,
 * and both have the iteration's parallelism), so they share one worker thread and pass records through an
 * in-memory queue found by job, iteration and subtask, as Flink's BlockingQueueBroker does. No edge of
 * the job graph closes the loop, so the graph stays acyclic.
 *
 * Watermarks: the head emits +Infinity at once, as Flink's head does, so the loop never holds back event
 * time downstream; fed-back records may therefore be behind the watermark.
 *
 * Back pressure: the tail runs on the same thread as the head and must not block, so the queue is not
 * bounded; the head empties it only as fast as its outputs take records. A loop that feeds back more
 * than it lets out grows this queue (Flink's bounded queue would dead-lock instead).
 */
import type { OperatorFactory } from './operator.js';
import { FlinkError } from '../../util/errors.js';

/** The head and tail of one parallel instance of an iteration must share a worker thread. */
export class IterationPlacementError extends FlinkError {
  constructor(task: string) {
    super('ITERATION_HEAD_NOT_COLOCATED', `${task}: the iteration head of this parallel instance does not run in the same slot, so feedback cannot reach it.`);
  }
}

/** Longest pause between checks for cancellation while the head waits for feedback. */
const WAKE_MS = 100;
/** Records the head emits between two `ctx.yield()` calls. */
const BATCH = 1024;

export class FeedbackQueue {
  private values: unknown[] = [];
  private timestamps: number[] = [];
  private next = 0;
  private wake: (() => void) | undefined;
  /** Set once the head ended: later feedback is dropped, as Flink drops records after the head's wait time. */
  closed = false;
  /** Set when the head's operator is created (every task of a worker is created before any opens). */
  hasHead = false;

  get size(): number {
    return this.values.length - this.next;
  }

  push(value: unknown, timestamp: number): void {
    if (this.closed) return;
    this.values.push(value);
    this.timestamps.push(timestamp);
    const w = this.wake;
    if (w) {
      this.wake = undefined;
      w();
    }
  }

  /** Takes the oldest record; its timestamp is in `lastTimestamp`. Call only when size > 0. */
  take(): unknown {
    const i = this.next++;
    const v = this.values[i];
    this.lastTimestamp = this.timestamps[i] as number;
    this.values[i] = undefined;
    if (this.next === this.values.length) {
      this.values = [];
      this.timestamps = [];
      this.next = 0;
    } else if (this.next > 4096 && this.next * 2 > this.values.length) {
      this.values = this.values.slice(this.next);
      this.timestamps = this.timestamps.slice(this.next);
      this.next = 0;
    }
    return v;
  }
  lastTimestamp = Number.NaN;

  /** Resolves on the next push, or after `ms`. */
  waitFor(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wake = undefined;
        resolve();
      }, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  close(): void {
    this.closed = true;
    this.values = [];
    this.timestamps = [];
    this.next = 0;
    this.wake?.();
  }
}

/**
 * The queues of this worker thread. A closed queue stays registered so a tail that opens late does not
 * create a new one nobody reads; the worker thread, and with it this map, ends with the job.
 */
const broker = new Map<string, FeedbackQueue>();

export function feedbackQueue(jobId: string, iterationId: number, subtask: number): FeedbackQueue {
  const key = `${jobId}-${iterationId}-${subtask}`;
  let q = broker.get(key);
  if (!q) broker.set(key, (q = new FeedbackQueue()));
  return q;
}

export const iterationHead: OperatorFactory = (ctx) => {
  const maxWait = ctx.params.maxWaitTime as number;
  const queue = feedbackQueue(ctx.jobId, ctx.params.iterationId as number, ctx.subtask);
  queue.hasHead = true;
  return {
    run: async () => {
      const q = queue;
      const out = ctx.output;
      const el = ctx.element;
      out.emitWatermark(Number.POSITIVE_INFINITY);
      let last = Date.now();
      while (!ctx.cancelled) {
        if (q.size > 0) {
          for (let n = 0; n < BATCH && q.size > 0; n++) {
            const v = q.take();
            el.timestamp = q.lastTimestamp;
            out.collect(v);
          }
          last = Date.now();
          await ctx.yield();
          continue;
        }
        let wait = WAKE_MS;
        if (maxWait > 0) {
          const left = last + maxWait - Date.now();
          if (left <= 0) break;
          wait = Math.min(wait, left);
        }
        await q.waitFor(wait);
      }
      q.close();
    },
    close: () => queue.close(),
  };
};

export const iterationTail: OperatorFactory = (ctx) => {
  let queue: FeedbackQueue;
  const el = ctx.element;
  return {
    open: () => {
      queue = feedbackQueue(ctx.jobId, ctx.params.iterationId as number, ctx.subtask);
      // Without its head in this worker the feedback would vanish: fail loudly instead.
      if (!queue.hasHead) throw new IterationPlacementError(ctx.taskName);
    },
    processElement: (r) => queue.push(r, el.timestamp),
  };
};
