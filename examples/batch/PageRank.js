/**
 * PageRank with a bulk iteration, as Flink's PageRankBasic example.
 *
 *   bin/flink run examples/batch/PageRank.js [--pages <path>] [--links <path>] [--output <path>]
 *                                            [--numPages <n>] [--iterations <k>]
 *
 * Input: pages, one (long) id per line; links, `<from> <to>` per line (directed, space separated).
 * Every page starts at rank 1/numPages. In each superstep a page splits its rank evenly over its out-links, each
 * page sums what it receives, and the new rank is 0.85 * sum + 0.15 / numPages. As in Flink's example, a page
 * without out-links passes nothing on (its rank is lost) and a page that nothing links to drops out of the result,
 * so give every page at least one in-link and one out-link (a self-link will do) for the textbook ranks.
 * The loop ends after --iterations supersteps (default 10) or as soon as no page's rank moved by more than 0.0001
 * (--epsilon, a flink-ts addition, sets another threshold).
 * Without --numPages the pages are counted first.
 *
 * Output: one line `<page> <rank>` per page; printed in the client without --output.
 */
import { ExecutionEnvironment, ParameterTool, UsageError } from 'flink-ts';

const DAMPENING_FACTOR = 0.85;
const params = ParameterTool.fromArgs(process.argv.slice(2));
// Flink's example fixes the threshold at 0.0001; --epsilon (ours) changes it, e.g. 0 to run every iteration.
const EPSILON = params.getDouble('epsilon', 0.0001);
const maxIterations = positive('iterations', 10);
const env = ExecutionEnvironment.getExecutionEnvironment();

const pages = params.has('pages')
  ? env.readCsvFile(params.get('pages'), { fieldDelimiter: ' ', types: ['number'] }).map((row) => row[0])
  : builtIn('pages', env.fromCollection(builtInPages()));
const links = params.has('links')
  ? env.readCsvFile(params.get('links'), { fieldDelimiter: ' ', types: ['number', 'number'] })
  : builtIn('links', env.fromCollection(builtInLinks()));

let numPages = positive('numPages', undefined);
if (numPages === undefined) numPages = params.has('pages') ? await pages.count() : builtInPages().length;
const n = numPages;

// [page, rank]
const pagesWithRanks = pages.map((page) => [page, 1 / n]);

// [page, [targets...]]: the loop-invariant side of the join, built once.
const adjacency = links.groupBy(0).reduceGroup((rows, out) => {
  out.collect([rows[0][0], rows.map((r) => r[1])]);
});

const iteration = pagesWithRanks.iterate(maxIterations);

const newRanks = iteration
  .join(adjacency).where(0).equalTo(0)
  .flatMap(([[, rank], [, targets]], out) => {
    const share = rank / targets.length;
    for (const t of targets) out.collect([t, share]);
  })
  .groupBy(0).aggregate('SUM', 1)
  .map(([page, sum]) => [page, sum * DAMPENING_FACTOR + (1 - DAMPENING_FACTOR) / n]);

// The loop goes on while some page (present in both supersteps) moved by more than EPSILON.
const stillMoving = newRanks
  .join(iteration).where(0).equalTo(0)
  .filter(([[, now], [, before]]) => Math.abs(now - before) > EPSILON);

const finalRanks = iteration.closeWith(newRanks, stillMoving);

if (params.has('output')) {
  finalRanks.writeAsCsv(params.get('output'), '\n', ' ', 'OVERWRITE');
  await env.execute('Basic Page Rank Example');
} else {
  console.log('Printing result to stdout. Use --output to specify output path.');
  await finalRanks.print();
}

/** A whole-number flag >= 1, or the default; anything else stops the program with what to pass. */
function positive(key, fallback) {
  const v = params.getInt(key, fallback);
  if (v !== undefined && v < 1) throw new UsageError(`--${key} must be at least 1, got ${v}.`);
  return v;
}

function builtIn(what, dataSet) {
  console.log(`Executing PageRank example with default ${what} data set.`);
  console.log(`Use --${what} to specify file input.`);
  return dataSet;
}

// The built-in graph: 12 pages; every page has in- and out-links, pages 1 and 7 are the popular ones.
function builtInPages() {
  return [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
}
function builtInLinks() {
  return [
    [1, 2], [1, 7], [2, 1], [2, 3], [3, 1], [3, 4], [3, 7], [4, 5], [5, 1], [5, 6],
    [6, 7], [7, 1], [7, 8], [8, 7], [8, 9], [9, 10], [9, 1], [10, 11], [11, 12], [11, 7],
    [12, 1], [12, 4], [6, 2], [10, 7],
  ];
}
