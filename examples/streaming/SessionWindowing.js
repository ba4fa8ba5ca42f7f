/**
 * Session windowing, as Flink's example: per user, events closer than 3 ms in event time form one
 * session; the example sums the clicks of each session.
 *
 *   bin/flink run examples/streaming/SessionWindowing.js [--output <path>]
 *
 * Output: `(user,timestamp,clicks)` per session, the timestamp being that of the session's first event.
 */
import { StreamExecutionEnvironment, ParameterTool, EventTimeSessionWindows, Time } from 'flink-ts';

const params = ParameterTool.fromArgs(process.argv.slice(2));
const env = StreamExecutionEnvironment.getExecutionEnvironment();
env.setParallelism(1);

// [user, event time, clicks]
const input = [
  ['a', 1, 1],
  ['b', 1, 1],
  ['b', 3, 1],
  ['b', 5, 1],
  ['c', 6, 1],
  // 'a' is silent for longer than the gap: a new session for 'a'.
  ['a', 10, 1],
  // 'c' is silent for longer than the gap: a new session for 'c'.
  ['c', 11, 1],
];

// The source stamps each event with its time and emits a watermark after it, as Flink's example source does.
const source = env.addSource(async (ctx) => {
  for (const e of input) {
    ctx.collectWithTimestamp(e, e[1]);
    ctx.emitWatermark(e[1] - 1);
  }
  ctx.emitWatermark(Number.POSITIVE_INFINITY);
}, 'Session Source');

const aggregated = source
  .keyBy(0)
  .window(EventTimeSessionWindows.withGap(Time.milliseconds(3)))
  .sum(2);

if (params.has('output')) {
  aggregated.writeAsText(params.get('output'), 'OVERWRITE');
} else {
  console.log('Printing result to stdout. Use --output to specify output path.');
  aggregated.print();
}

await env.execute('SessionWindowing');
