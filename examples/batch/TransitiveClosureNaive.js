/**
 * The transitive closure of a directed graph with a bulk iteration, as Flink's TransitiveClosureNaive example.
 *
 *   bin/flink run examples/batch/TransitiveClosureNaive.js [--edges <path>] [--output <path>] [--iterations <k>]
 *
 * Input: edges, `<from> <to>` per line (long ids, space separated, directed).
 * The paths start as the edges; each superstep extends every path by one edge and keeps each (from, to) pair
 * once. The termination criterion is the set of pairs found in this superstep that were not known before: the
 * loop ends in the first superstep that finds none, or after --iterations supersteps (default 10), in which case
 * the result holds the pairs joined by at most iterations + 1 edges.
 *
 * Output: one line `<from> <to>` per pair with a path from `from` to `to`; printed in the client without --output.
 */
import { ExecutionEnvironment, ParameterTool, UsageError } from 'flink-ts';

const params = ParameterTool.fromArgs(process.argv.slice(2));
console.log('Usage: TransitiveClosure --edges <path> --output <path> --iterations <n>');
const maxIterations = params.getInt('iterations', 10);
if (maxIterations < 1) throw new UsageError(`--iterations must be at least 1, got ${maxIterations}.`);
const env = ExecutionEnvironment.getExecutionEnvironment();

let edges;
if (params.has('edges')) {
  edges = env.readCsvFile(params.get('edges'), { fieldDelimiter: ' ', types: ['number', 'number'] });
} else {
  console.log('Executing TransitiveClosureNaive example with default edges data set.');
  console.log('Use --edges to specify file input.');
  edges = env.fromCollection(builtInEdges());
}

const paths = edges.iterate(maxIterations);

// [from, via] + [via, to] -> [from, to]; with the known paths, each pair once.
const nextPaths = paths
  .join(edges).where(1).equalTo(0)
  .with(([from], [, to]) => [from, to])
  .union(paths)
  .groupBy(0, 1)
  .reduceGroup((pairs, out) => {
    out.collect(pairs[0]);
  });

// The pairs of this superstep that the previous one did not have: empty means the closure is complete.
const newPaths = paths
  .coGroup(nextPaths).where(0).equalTo(0)
  .with((before, now, out) => {
    const known = new Set(before.map(([, to]) => to));
    for (const p of now) if (!known.has(p[1])) out.collect(p);
  });

const transitiveClosure = paths.closeWith(nextPaths, newPaths);

if (params.has('output')) {
  transitiveClosure.writeAsCsv(params.get('output'), '\n', ' ', 'OVERWRITE');
  await env.execute('Transitive Closure Example');
} else {
  console.log('Printing result to stdout. Use --output to specify output path.');
  await transitiveClosure.print();
}

// The built-in graph: a chain 1 -> 2 -> ... -> 6 with a loop back to 3, a branch to 7 and 8, and a separate pair.
function builtInEdges() {
  return [
    [1, 2], [2, 3], [3, 4], [4, 5], [5, 6], [6, 3],
    [2, 7], [7, 8],
    [10, 11],
  ];
}
