/**
 * Connected components with a delta iteration, as Flink's example.
 *
 *   bin/flink run examples/batch/ConnectedComponents.js [--vertices <path>] [--edges <path>] [--output <path>]
 *                                                       [--iterations <k>]
 *
 * Input: vertices, one (long) id per line; edges, `<a> <b>` per line (space separated, undirected).
 * Every vertex starts in its own component (its id). In each superstep the vertices whose component changed
 * (the workset; at first all of them) offer their component to their neighbours, and a vertex takes the smallest
 * offer if it is smaller than what it has. Only those changes go into the solution set and form the next
 * workset, so later supersteps touch only the vertices that still change. The loop ends when nothing changed or
 * after --iterations supersteps (default 10). An edge whose end is not a listed vertex is ignored.
 *
 * Output: one line `<vertex> <component>` per vertex, the component being the smallest vertex id it is
 * connected to; printed in the client without --output.
 */
import { ExecutionEnvironment, ParameterTool, UsageError } from 'flink-ts';

const params = ParameterTool.fromArgs(process.argv.slice(2));
const maxIterations = params.getInt('iterations', 10);
if (maxIterations < 1) throw new UsageError(`--iterations must be at least 1, got ${maxIterations}.`);
const env = ExecutionEnvironment.getExecutionEnvironment();

const vertices = params.has('vertices')
  ? env.readCsvFile(params.get('vertices'), { fieldDelimiter: ' ', types: ['number'] }).map((row) => row[0])
  : builtIn('vertices', env.fromCollection(builtInVertices()));
const directed = params.has('edges')
  ? env.readCsvFile(params.get('edges'), { fieldDelimiter: ' ', types: ['number', 'number'] })
  : builtIn('edges', env.fromCollection(builtInEdges()));

// Both directions of every edge.
const edges = directed.flatMap(([a, b], out) => {
  out.collect([a, b]);
  out.collect([b, a]);
});

// [vertex, component]: the solution set and the first workset.
const verticesWithInitialId = vertices.map((v) => [v, v]);

const iteration = verticesWithInitialId.iterateDelta(verticesWithInitialId, maxIterations, 0);

const changes = iteration.getWorkset()
  // A changed vertex offers its component to each neighbour: [neighbour, component].
  .join(edges).where(0).equalTo(0)
  .with(([, component], [, neighbour]) => [neighbour, component])
  .groupBy(0).aggregate('MIN', 1)
  // Keep an offer only where it beats the vertex's current component.
  .join(iteration.getSolutionSet()).where(0).equalTo(0)
  .filter(([offer, current]) => offer[1] < current[1])
  .map(([offer]) => offer);

// The changes are both the solution-set delta and the next workset.
const result = iteration.closeWith(changes, changes);

if (params.has('output')) {
  result.writeAsCsv(params.get('output'), '\n', ' ', 'OVERWRITE');
  await env.execute('Connected Components Example');
} else {
  console.log('Printing result to stdout. Use --output to specify output path.');
  await result.print();
}

function builtIn(what, dataSet) {
  console.log(`Executing Connected Components example with default ${what} data set.`);
  console.log(`Use --${what} to specify file input.`);
  return dataSet;
}

// The built-in graph: 14 vertices in four components ({1..6}, {7, 8, 9}, {10..13}, {14} alone); the edges are
// listed in directions that make the smallest id travel a few hops.
function builtInVertices() {
  return [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14];
}
function builtInEdges() {
  return [
    [6, 5], [5, 4], [4, 3], [3, 2], [2, 1], [6, 3],
    [9, 8], [8, 7],
    [13, 12], [12, 11], [11, 10], [13, 10],
  ];
}
