/**
 * Socket Window WordCount, as Flink's example: counts the words that arrive on a text socket in
 * 5-second processing-time windows.
 *
 *   nc -lk 9999                                                   # a text server to type into
 *   bin/flink run examples/streaming/SocketWindowWordCount.js --port 9999 [--hostname localhost]
 *
 * Output: one line `word : count` per word and window, in the TaskManager's .out file
 * (log/flink-*-taskexecutor-*.out).
 */
import { StreamExecutionEnvironment, ParameterTool, Time } from 'flink-ts';

const params = ParameterTool.fromArgs(process.argv.slice(2));
if (!params.has('port')) {
  console.error(
    "No port specified. Please run 'SocketWindowWordCount.js --hostname <hostname> --port <port>', where hostname " +
      '(localhost by default) and port is the address of the text server.\n' +
      "To start a simple text server, run 'nc -lk <port>' and type the input text into the command line.",
  );
  process.exit(1);
}
const hostname = params.get('hostname', 'localhost');
const port = Number(params.get('port'));

const env = StreamExecutionEnvironment.getExecutionEnvironment();
const text = env.socketTextStream(hostname, port, '\n');

const windowCounts = text
  .flatMap((line, out) => {
    for (const word of line.split(/\s/)) if (word.length > 0) out.collect({ word, count: 1 });
  })
  .keyBy('word')
  .timeWindow(Time.seconds(5))
  .reduce((a, b) => ({ word: a.word, count: a.count + b.count }));

// One printing instance, so the lines carry no subtask prefix.
windowCounts.map((w) => `${w.word} : ${w.count}`).print().setParallelism(1);

await env.execute('Socket Window WordCount');
