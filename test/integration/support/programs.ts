/** Job programs several integration specs submit, as source text for a `.js` file. */

/**
 * A job that runs until cancelled: one slow record stream (one per subtask when `parallel`), doubled and
 * dropped. Its source yields, so cancellation and back pressure reach it.
 */
export function tickerJob(jobName: string, opts: { parallel?: boolean } = {}): string {
  return `import { StreamExecutionEnvironment } from 'flink-ts';
const env = StreamExecutionEnvironment.getExecutionEnvironment();
env
  .addSource(async (ctx) => {
    for (let i = 0; ctx.isRunning(); i++) {
      ctx.collect(i);
      await new Promise((r) => setTimeout(r, 20));
      await ctx.yield();
    }
  }, 'Ticker'${opts.parallel ? ', { parallel: true }' : ''})
  .map((n) => n * 2)
  .addSink(() => {});
await env.execute(${JSON.stringify(jobName)});
`;
}
