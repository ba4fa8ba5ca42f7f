/**
 * DataGeneratorSource's operator: `generator(index)` for this subtask's contiguous share of the indices,
 * optionally rate limited (the source's rate divided among its subtasks, as Flink's RateLimiterStrategy
 * does). Records go out in batches between `ctx.yield()` calls, so back pressure and cancellation act.
 *
 * Replayable: its position is one {@link IndexRange} per share (see source-positions.ts); restored at another
 * parallelism, a subtask generates the rest of the ranges it was given.
 */
import { bindFunction, type OperatorFactory } from './operator.js';
import { BatchRateLimiter, pauseUnless } from './source-timing.js';
import { restoreRanges, snapshotRanges, type IndexRange } from './source-positions.js';

/** Records emitted between two `ctx.yield()` calls when no rate limit holds them back. */
const BATCH = 1024;

/** Subtask `subtask`'s share [start, end) of 0..count-1: contiguous, the first `count % parallelism` one longer. */
export function generatorShare(count: number, subtask: number, parallelism: number): { start: number; end: number } {
  const base = Math.floor(count / parallelism);
  const extra = count % parallelism;
  const start = subtask * base + Math.min(subtask, extra);
  return { start, end: start + base + (subtask < extra ? 1 : 0) };
}

export const dataGeneratorSource: OperatorFactory = (ctx) => {
  const gen = bindFunction<(index: number) => unknown>(ctx.transformation.fns[0], 'map', 'generator');
  const share = generatorShare(ctx.params.count as number, ctx.subtask, ctx.parallelism);
  let ranges: IndexRange[] = [{ ...share, next: share.start }];
  let closed = false;
  const stopped = (): boolean => closed || ctx.cancelled;
  return {
    initializeState: (restored) => {
      if (restored !== undefined) ranges = restoreRanges(restored, `DataGeneratorSource ${ctx.taskName}`);
    },
    snapshotState: () => snapshotRanges(ranges),
    open: () => gen.open(ctx.runtime),
    run: async () => {
      const rate = ctx.params.recordsPerSecond as number | null;
      const limiter = rate === null ? undefined : new BatchRateLimiter(rate / ctx.parallelism, Date.now(), BATCH);
      const out = ctx.output;
      const call = gen.call;
      for (const range of ranges) {
        let i = range.next;
        while (i < range.end && !stopped()) {
          let n = BATCH;
          if (limiter) {
            const grant = limiter.acquire(Date.now());
            if (grant.permits === 0) {
              await pauseUnless(grant.waitMs, stopped);
              continue;
            }
            n = grant.permits;
          }
          const stop = Math.min(range.end, i + n);
          for (; i < stop; i++) out.collect(call(i));
          // Before the await: a checkpoint taken there must see exactly what went out.
          range.next = i;
          await ctx.yield();
        }
        if (stopped()) return;
      }
    },
    close: async () => {
      if (closed) return;
      closed = true;
      await gen.close();
    },
  };
};
