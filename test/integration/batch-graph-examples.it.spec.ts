/**
 * The four graph examples (PageRank, ConnectedComponents, KMeans, TransitiveClosureNaive) run with bin/flink at
 * parallelism 4 on a real standalone cluster (two TaskManagers of two slots), on generated inputs of a few
 * thousand vertices; their output is compared with plain reference implementations computed in the test
 * (power iteration, union-find, Lloyd's algorithm, breadth-first closure). Each also runs once without flags on
 * its built-in data.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { EXAMPLES_DIR, StandaloneCluster, nonEmptyLines, type CommandResult } from './support/standalone-cluster.js';
import { outputLines } from './support/api-harness.js';
import {
  closureGraph,
  componentsGraph,
  connectedComponents,
  idLines,
  kMeans,
  kMeansData,
  pageRank,
  pageRankGraph,
  pairLines,
  transitiveClosure,
  type Edge,
} from '../support/graph-references.js';

const example = (name: string): string => join(EXAMPLES_DIR, 'batch', name);
const PARALLELISM = '4';
/** Iterative jobs on a shared 2-core machine: generous, a hang still fails the test. */
const RUN_TIMEOUT = 300_000;

function assertSucceeded(r: CommandResult): void {
  assert.equal(r.exitCode, 0, r.describe);
}

/** `<a> <b>` lines as number pairs; every line must have exactly two numeric fields. */
function numberRows(lines: string[], fields: number): number[][] {
  return lines.map((l) => {
    const parts = l.split(' ');
    assert.equal(parts.length, fields, `expected ${fields} space-separated fields: ${JSON.stringify(l)}`);
    const row = parts.map(Number);
    assert.ok(row.every((v) => Number.isFinite(v)), `not numbers: ${JSON.stringify(l)}`);
    return row;
  });
}

const sortedPairs = (rows: ReadonlyArray<readonly number[]>): string[] => rows.map((r) => r.join(' ')).sort();

/** Printed tuples `(a,b)` of the client's stdout, after the "Printing result" line. */
function printedTuples(r: CommandResult): string[] {
  const lines = nonEmptyLines(r.stdout);
  const at = lines.indexOf('Printing result to stdout. Use --output to specify output path.');
  assert.ok(at >= 0, r.describe);
  return lines.slice(at + 1).filter((l) => l.startsWith('('));
}

describe('graph examples on a standalone cluster (2 TaskManagers x 2 slots, parallelism 4)', function () {
  this.timeout(RUN_TIMEOUT + 60_000);
  let cluster: StandaloneCluster;
  before(async function () {
    this.timeout(120_000);
    cluster = await StandaloneCluster.start();
  });
  after(async () => {
    await cluster?.stop();
  });

  async function run(name: string, args: string[]): Promise<CommandResult> {
    const r = await cluster.flink(['run', '-p', PARALLELISM, example(name), ...args], { timeout: RUN_TIMEOUT });
    assertSucceeded(r);
    return r;
  }

  describe('PageRank.js', () => {
    const graph = pageRankGraph(8101, { pages: 2500, links: 15_000, dangling: 25 });
    let dir: string;
    before(async () => {
      dir = await cluster.tempDir('pagerank');
      await writeFile(join(dir, 'pages'), idLines(graph.pages));
      await writeFile(join(dir, 'links'), pairLines(graph.links));
    });

    async function ranks(iterations: number): Promise<{ actual: Map<number, number>; expected: Map<number, number> }> {
      const out = join(dir, `out-${iterations}`);
      await run('PageRank.js', ['--pages', join(dir, 'pages'), '--links', join(dir, 'links'), '--output', out, '--numPages', String(graph.pages.length), '--iterations', String(iterations)]);
      const rows = numberRows(await outputLines(out), 2);
      const actual = new Map(rows.map(([p, r]) => [p as number, r as number]));
      assert.equal(actual.size, rows.length, 'a page appears twice in the output');
      return { actual, expected: pageRank(graph.pages, graph.links, graph.pages.length, iterations) };
    }

    function assertClose(actual: Map<number, number>, expected: Map<number, number>): void {
      assert.deepEqual([...actual.keys()].sort(), [...expected.keys()].sort());
      for (const [page, rank] of expected) {
        const got = actual.get(page) as number;
        // Sums run in another order on the cluster: equal up to rounding.
        assert.ok(Math.abs(got - rank) <= 1e-9 * Math.max(rank, 1e-12) + 1e-15, `page ${page}: ${got}, expected ${rank}`);
      }
    }

    it('ranks the pages as a power iteration does, stopping when no rank moves more than 0.0001', async () => {
      const { actual, expected } = await ranks(50);
      // The criterion, not the bound, ended the reference loop: 50 and 51 iterations give the same ranks.
      assert.deepEqual(pageRank(graph.pages, graph.links, graph.pages.length, 51), expected);
      // The dangling pages lose their rank, the pages without in-links drop out: the total is below 1.
      const total = [...expected.values()].reduce((a, b) => a + b, 0);
      assert.ok(total < 0.999, `total rank ${total}`);
      assertClose(actual, expected);
    });

    it('stops after --iterations supersteps when the ranks still move', async () => {
      const { actual, expected } = await ranks(2);
      assert.notDeepEqual(expected, pageRank(graph.pages, graph.links, graph.pages.length, 3), 'the ranks would not have moved any more');
      assertClose(actual, expected);
    });

    it('without flags: ranks of the built-in pages, printed', async () => {
      const r = await cluster.flink(['run', '-p', PARALLELISM, example('PageRank.js')], { timeout: RUN_TIMEOUT });
      assertSucceeded(r);
      assert.match(r.stdout, /Executing PageRank example with default pages data set\.\nUse --pages to specify file input\./);
      const tuples = printedTuples(r);
      assert.equal(tuples.length, 12, r.describe);
      for (const t of tuples) assert.match(t, /^\(\d+,0\.\d+(e-\d+)?\)$/);
    });
  });

  describe('ConnectedComponents.js', () => {
    const graph = componentsGraph(8202, { vertices: 3000, edges: 3600, maxGroup: 80 });
    let dir: string;
    before(async () => {
      dir = await cluster.tempDir('components');
      await writeFile(join(dir, 'vertices'), idLines(graph.vertices));
      await writeFile(join(dir, 'edges'), pairLines(graph.edges));
    });

    async function components(iterations: number): Promise<number[][]> {
      const out = join(dir, `out-${iterations}`);
      await run('ConnectedComponents.js', ['--vertices', join(dir, 'vertices'), '--edges', join(dir, 'edges'), '--output', out, '--iterations', String(iterations)]);
      return numberRows(await outputLines(out), 2);
    }

    it('gives every vertex the smallest id of its component, as union-find does (the workset runs empty)', async () => {
      const expected = connectedComponents(graph.vertices, graph.edges);
      assert.ok(new Set(expected.values()).size > 50, 'the graph should have many components');
      assert.deepEqual(sortedPairs(await components(1000)), sortedPairs([...expected]));
    });

    it('after one superstep (the bound) a vertex holds the smallest id among itself and its neighbours', async () => {
      const best = new Map(graph.vertices.map((v) => [v, v]));
      const offer = ([a, b]: Edge): void => void best.set(b, Math.min(best.get(b) as number, a));
      for (const [a, b] of graph.edges) {
        offer([a, b]);
        offer([b, a]);
      }
      const union = connectedComponents(graph.vertices, graph.edges);
      assert.notDeepEqual(best, union, 'one superstep should not be enough for this graph');
      assert.deepEqual(sortedPairs(await components(1)), sortedPairs([...best]));
    });

    it('without flags: the built-in graph, printed', async () => {
      const r = await cluster.flink(['run', '-p', PARALLELISM, example('ConnectedComponents.js')], { timeout: RUN_TIMEOUT });
      assertSucceeded(r);
      assert.match(r.stdout, /Executing Connected Components example with default vertices data set\.\nUse --vertices to specify file input\./);
      const tuples = printedTuples(r);
      assert.equal(tuples.length, 14, r.describe);
      for (const t of tuples) assert.match(t, /^\(\d+,\d+\)$/);
    });
  });

  describe('KMeans.js', () => {
    const data = kMeansData(8303, { points: 3000, k: 6 });
    let dir: string;
    before(async () => {
      dir = await cluster.tempDir('kmeans');
      await writeFile(join(dir, 'points'), pairLines(data.points));
      await writeFile(join(dir, 'centroids'), pairLines(data.centroids));
    });

    it("assigns every point to the centroid Lloyd's algorithm ends with", async () => {
      const out = join(dir, 'out');
      await run('KMeans.js', ['--points', join(dir, 'points'), '--centroids', join(dir, 'centroids'), '--output', out, '--iterations', '10']);
      const expected = kMeans(data.points, data.centroids, 10);
      assert.ok(new Set(expected.assignment.map((a) => a[0])).size >= 4, 'the clusters should not collapse');
      assert.deepEqual(sortedPairs(numberRows(await outputLines(out), 3)), sortedPairs(expected.assignment));
    });

    it('without flags: the built-in points, printed with their centroid', async () => {
      const r = await cluster.flink(['run', '-p', PARALLELISM, example('KMeans.js')], { timeout: RUN_TIMEOUT });
      assertSucceeded(r);
      assert.match(r.stdout, /Executing K-Means example with default point data set\.\nUse --points to specify file input\./);
      const tuples = printedTuples(r);
      assert.equal(tuples.length, 24, r.describe);
      for (const t of tuples) assert.match(t, /^\([123],-?\d+(\.\d+)? -?\d+(\.\d+)?\)$/);
      // Three clouds, three centroids: each cloud ends up with its own centroid.
      const points = tuples.map((t) => /^\((\d),(\S+) (\S+)\)$/.exec(t)?.slice(1).map(Number) as [number, number, number]);
      const cloud = (x: number, y: number): number => (x < -5 ? 0 : y < -5 ? 1 : 2);
      const idOfCloud = new Map<number, Set<number>>();
      for (const [id, x, y] of points) idOfCloud.set(cloud(x, y), (idOfCloud.get(cloud(x, y)) ?? new Set()).add(id));
      assert.deepEqual([...idOfCloud.values()].map((ids) => ids.size), [1, 1, 1]);
      assert.equal(new Set([...idOfCloud.values()].flatMap((ids) => [...ids])).size, 3);
    });
  });

  describe('TransitiveClosureNaive.js', () => {
    const edges = closureGraph(8404, { vertices: 1500, edgesPerVertex: 2, cluster: 14 });
    let dir: string;
    before(async () => {
      dir = await cluster.tempDir('closure');
      await writeFile(join(dir, 'edges'), pairLines(edges));
    });

    async function closure(iterations: number): Promise<string[]> {
      const out = join(dir, `out-${iterations}`);
      await run('TransitiveClosureNaive.js', ['--edges', join(dir, 'edges'), '--output', out, '--iterations', String(iterations)]);
      return sortedPairs(numberRows(await outputLines(out), 2));
    }

    it('finds every pair a breadth-first search finds, ending when a superstep finds no new pair', async () => {
      const expected = transitiveClosure(edges, 1000);
      assert.deepEqual(transitiveClosure(edges, 20), expected, 'the closure should need fewer than 20 supersteps');
      assert.deepEqual(await closure(1000), sortedPairs(expected));
    });

    it('with --iterations 2: the pairs joined by at most three edges', async () => {
      const expected = transitiveClosure(edges, 2);
      assert.ok(expected.length < transitiveClosure(edges, 1000).length);
      assert.deepEqual(await closure(2), sortedPairs(expected));
    });

    it('without flags: the closure of the built-in graph, printed', async () => {
      const r = await cluster.flink(['run', '-p', PARALLELISM, example('TransitiveClosureNaive.js')], { timeout: RUN_TIMEOUT });
      assertSucceeded(r);
      assert.match(r.stdout, /Executing TransitiveClosureNaive example with default edges data set\.\nUse --edges to specify file input\./);
      const tuples = printedTuples(r);
      for (const t of tuples) assert.match(t, /^\(\d+,\d+\)$/);
      // 1 reaches 2..8, 2 reaches 3..8, 3..6 reach 3..6, 7 reaches 8, 10 reaches 11.
      assert.equal(tuples.length, 7 + 6 + 4 * 4 + 1 + 1, r.describe);
    });
  });
  it('a bad flag stops an example with what to pass, exit code 1 and no stack trace', async () => {
    for (const name of ['PageRank', 'ConnectedComponents', 'KMeans', 'TransitiveClosureNaive']) {
      const r = await cluster.flink(['run', '-p', PARALLELISM, example(`${name}.js`), '--iterations', '0'], { timeout: RUN_TIMEOUT });
      assert.equal(r.exitCode, 1, r.describe);
      assert.match(r.stderr, /--iterations must be at least 1, got 0\./, r.describe);
      assert.doesNotMatch(r.stderr, /^\s+at /m, r.describe);
    }
  });
});
