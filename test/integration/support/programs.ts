/** Job programs several integration specs submit, as source text for a `.js` file. */

export interface TickerOptions {
  /** One ticking source per subtask instead of one in all. */
  parallel?: boolean;
  /** Milliseconds between two ticks (default 20). */
  periodMs?: number;
  /** Takes checkpoints at this interval. */
  checkpointIntervalMs?: number;
  /** More names to import from flink-ts (e.g. ParameterTool). */
  imports?: string[];
  /** Statements before the pipeline (e.g. reading the program's arguments). */
  preamble?: string;
  /** What follows the source (default: doubled and dropped). */
  then?: string;
}

/**
 * A job that runs until cancelled: one slow record stream (one per subtask when `parallel`), by default doubled
 * and dropped. Its source yields, so cancellation and back pressure reach it.
 */
export function tickerJob(jobName: string, opts: TickerOptions = {}): string {
  const names = ['StreamExecutionEnvironment', ...(opts.imports ?? [])].join(', ');
  return `import { ${names} } from 'flink-ts';
${opts.preamble ?? ''}
const env = StreamExecutionEnvironment.getExecutionEnvironment();
${opts.checkpointIntervalMs === undefined ? '' : `env.enableCheckpointing(${opts.checkpointIntervalMs});`}
env
  .addSource(async (ctx) => {
    for (let i = 0; ctx.isRunning(); i++) {
      ctx.collect(i);
      await new Promise((r) => setTimeout(r, ${opts.periodMs ?? 20}));
      await ctx.yield();
    }
  }, 'Ticker'${opts.parallel ? ', { parallel: true }' : ''})
  ${opts.then ?? '.map((n) => n * 2).addSink(() => {})'};
await env.execute(${JSON.stringify(jobName)});
`;
}
