/**
 * DataGeneratorSource's operator: `generator(index)` for this subtask's contiguous share of the indices,
 * optionally rate limited (the source's rate divided among its subtasks, as Flink's RateLimiterStrategy
 * does). Records go out in batches between `ctx.yield()` calls, so back pressure and cancellation act.
 */
import { bindFunction, type OperatorFactory } from './operator.js';
import { BatchRateLimiter, pauseUnless } from './source-timing.js';

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
  let closed = false;
  const stopped = (): boolean => closed || ctx.cancelled;
  return {
    open: () => gen.open(ctx.runtime),
    run: async () => {
      const { start, end } = generatorShare(ctx.params.count as number, ctx.subtask, ctx.parallelism);
      const rate = ctx.params.recordsPerSecond as number | null;
      const limiter = rate === null ? undefined : new BatchRateLimiter(rate / ctx.parallelism, Date.now(), BATCH);
      const out = ctx.output;
      const call = gen.call;
      let i = start;
      while (i < end && !stopped()) {
        let n = BATCH;
        if (limiter) {
          const grant = limiter.acquire(Date.now());
          if (grant.permits === 0) {
            await pauseUnless(grant.waitMs, stopped);
            continue;
          }
          n = grant.permits;
        }
        const stop = Math.min(end, i + n);
        for (; i < stop; i++) out.collect(call(i));
        await ctx.yield();
      }
    },
    close: async () => {
      if (closed) return;
      closed = true;
      await gen.close();
    },
  };
};
