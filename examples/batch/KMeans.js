/**
 * K-means clustering of two-dimensional points with a bulk iteration, as Flink's KMeans example.
 *
 *   bin/flink run examples/batch/KMeans.js [--points <path>] [--centroids <path>] [--output <path>]
 *                                          [--iterations <k>]
 *
 * Input: points, `<x> <y>` per line; initial centroids, `<id> <x> <y>` per line (id an integer, coordinates
 * doubles; space separated).
 * In each superstep every point picks the nearest centroid (Euclidean distance; the current centroids reach the
 * mappers as a broadcast set), and each centroid moves to the mean of the points that picked it (a centroid no
 * point picked disappears). After --iterations supersteps (default 10) every point is assigned to its nearest
 * final centroid.
 *
 * Output: one line `<centroid id> <x> <y>` per point; printed in the client without --output.
 */
import { ExecutionEnvironment, ParameterTool, RichMapFunction, UsageError } from 'flink-ts';

const params = ParameterTool.fromArgs(process.argv.slice(2));
const iterations = params.getInt('iterations', 10);
if (iterations < 1) throw new UsageError(`--iterations must be at least 1, got ${iterations}.`);
const env = ExecutionEnvironment.getExecutionEnvironment();

// [x, y]
const points = params.has('points')
  ? env.readCsvFile(params.get('points'), { fieldDelimiter: ' ', types: ['number', 'number'] })
  : builtIn('point', env.fromCollection(builtInPoints()));
// [id, x, y]
const centroids = params.has('centroids')
  ? env.readCsvFile(params.get('centroids'), { fieldDelimiter: ' ', types: ['int', 'number', 'number'] })
  : builtIn('centroid', env.fromCollection(builtInCentroids()));

/** Maps a point to [id of the nearest centroid, x, y]; the centroids come from the broadcast set "centroids". */
class SelectNearestCenter extends RichMapFunction {
  open() {
    // In the loop open() runs every superstep, so this is always that superstep's centroids.
    this.centroids = this.getRuntimeContext().getBroadcastVariable('centroids');
  }
  map([x, y]) {
    let minDistance = Number.MAX_VALUE;
    let closest = -1;
    for (const [id, cx, cy] of this.centroids) {
      const distance = Math.sqrt((x - cx) * (x - cx) + (y - cy) * (y - cy));
      if (distance < minDistance) {
        minDistance = distance;
        closest = id;
      }
    }
    return [closest, x, y];
  }
}

const loop = centroids.iterate(iterations);

const newCentroids = points
  .map(new SelectNearestCenter()).withBroadcastSet(loop, 'centroids')
  // [id, sum x, sum y, count] per centroid, then the mean.
  .map(([id, x, y]) => [id, x, y, 1])
  .groupBy(0)
  .reduce((a, b) => [a[0], a[1] + b[1], a[2] + b[2], a[3] + b[3]])
  .map(([id, sx, sy, count]) => [id, sx / count, sy / count]);

const finalCentroids = loop.closeWith(newCentroids);

const clusteredPoints = points.map(new SelectNearestCenter()).withBroadcastSet(finalCentroids, 'centroids');

if (params.has('output')) {
  clusteredPoints.writeAsCsv(params.get('output'), '\n', ' ', 'OVERWRITE');
  await env.execute('KMeans Example');
} else {
  console.log('Printing result to stdout. Use --output to specify output path.');
  // Flink prints (centroid id,point) with the point as "x y".
  for (const [id, x, y] of await clusteredPoints.collect()) console.log(`(${id},${x} ${y})`);
}

function builtIn(what, dataSet) {
  console.log(`Executing K-Means example with default ${what} data set.`);
  console.log(`Use --${what}s to specify file input.`);
  return dataSet;
}

// The built-in data: 24 points in three loose clouds (around (-8, 6), (2, -7) and (9, 8)) and three initial
// centroids placed away from the clouds' centres.
function builtInPoints() {
  return [
    [-9.1, 5.2], [-7.4, 6.9], [-8.8, 7.3], [-6.9, 5.1], [-8.2, 4.4], [-9.6, 6.6], [-7.7, 7.9], [-8.5, 5.8],
    [1.2, -6.1], [2.8, -7.9], [3.1, -6.4], [0.9, -7.6], [2.2, -8.3], [1.7, -5.9], [3.6, -7.2], [2.5, -6.8],
    [8.4, 7.1], [9.9, 8.8], [10.3, 7.4], [8.1, 9.2], [9.2, 6.9], [7.6, 8.3], [10.8, 9.1], [9.5, 7.7],
  ];
}
function builtInCentroids() {
  return [
    [1, -2.0, 1.0],
    [2, 4.0, -2.0],
    [3, 3.0, 4.0],
  ];
}
