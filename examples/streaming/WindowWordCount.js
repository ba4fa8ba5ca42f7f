/**
 * Window WordCount, as Flink's example: word counts over count windows of `--window` occurrences of a
 * word, sliding every `--slide` occurrences.
 *
 *   bin/flink run examples/streaming/WindowWordCount.js [--input <path>] [--output <path>] [--window 250] [--slide 150]
 *
 * Output: `(word,count)` per window. Without --output the lines go to the TaskManagers' .out files.
 */
import { StreamExecutionEnvironment, ParameterTool } from 'flink-ts';

const params = ParameterTool.fromArgs(process.argv.slice(2));
const windowSize = Number(params.get('window', '250'));
const slideSize = Number(params.get('slide', '150'));
const env = StreamExecutionEnvironment.getExecutionEnvironment();

const text = params.has('input') ? env.readTextFile(params.get('input')) : env.fromCollection(builtInText());
if (!params.has('input')) console.log('Executing WindowWordCount example with default input data set. Use --input to specify file input.');

const counts = text
  .flatMap((line, out) => {
    for (const word of line.toLowerCase().split(/\W+/)) if (word.length > 0) out.collect([word, 1]);
  })
  .keyBy(0)
  .countWindow(windowSize, slideSize)
  .sum(1);

if (params.has('output')) {
  counts.writeAsText(params.get('output'), 'OVERWRITE');
} else {
  console.log('Printing result to stdout. Use --output to specify output path.');
  counts.print();
}

await env.execute('WindowWordCount');

function builtInText() {
  const lines = [];
  for (let i = 0; i < 200; i++) lines.push('to be or not to be that is the question whether tis nobler in the mind to suffer');
  return lines;
}
