/**
 * Streaming WordCount, as Flink's example: a running count per word over a text file (or a built-in text).
 *
 *   bin/flink run examples/streaming/WordCount.js [--input <path>] [--output <path>]
 *
 * Output: one line `<word> <count>` per update. Without --output the lines go to the TaskManagers' stdout
 * (the .out files), as in Flink.
 */
import { StreamExecutionEnvironment, ParameterTool } from 'flink-ts';
import { WORDS } from '../data/words.js';

const params = ParameterTool.fromArgs(process.argv.slice(2));
const env = StreamExecutionEnvironment.getExecutionEnvironment();

const text = params.has('input') ? env.readTextFile(params.get('input')) : env.fromCollection(WORDS);

const counts = text
  .flatMap((line, out) => {
    for (const word of line.toLowerCase().split(/\W+/)) {
      if (word.length > 0) out.collect([word, 1]);
    }
  })
  .name('Tokenizer')
  .keyBy(0)
  .sum(1)
  .map(([word, count]) => `${word} ${count}`);

if (params.has('output')) {
  counts.writeAsText(params.get('output'), 'OVERWRITE');
} else {
  console.log('Printing result to stdout. Use --output to specify output path.');
  counts.print();
}

await env.execute('Streaming WordCount');
