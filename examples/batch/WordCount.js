/**
 * Batch WordCount, as Flink's example: counts the words of a text file (or of a built-in text).
 *
 *   bin/flink run examples/batch/WordCount.js [--input <path>] [--output <path>]
 *
 * Output: one line `<word> <count>` per distinct word; printed in the client without --output.
 */
import { ExecutionEnvironment, ParameterTool } from 'flink-ts';
import { WORDS } from '../data/words.js';

const params = ParameterTool.fromArgs(process.argv.slice(2));
const env = ExecutionEnvironment.getExecutionEnvironment();

const text = params.has('input') ? env.readTextFile(params.get('input')) : env.fromCollection(WORDS);

const counts = text
  // Tokenize like Flink's example: lower-case, split on non-word characters, drop empty tokens.
  .flatMap((line, out) => {
    for (const word of line.toLowerCase().split(/\W+/)) {
      if (word.length > 0) out.collect([word, 1]);
    }
  })
  .groupBy(0)
  .sum(1)
  .map(([word, count]) => `${word} ${count}`);

if (params.has('output')) {
  counts.writeAsText(params.get('output'), 'OVERWRITE');
  await env.execute('WordCount Example');
} else {
  console.log('Printing result to stdout. Use --output to specify output path.');
  await counts.print();
}
