import assert from 'node:assert/strict';
import {
  closureGraph,
  componentsGraph,
  connectedComponents,
  kMeans,
  kMeansData,
  nearest,
  pageRank,
  pageRankGraph,
  transitiveClosure,
} from '../../support/graph-references.js';

const close = (actual: Map<number, number>, expected: Record<number, number>, tol = 1e-12): void => {
  assert.deepEqual([...actual.keys()].sort(), Object.keys(expected).map(Number).sort());
  for (const [k, v] of Object.entries(expected)) assert.ok(Math.abs((actual.get(Number(k)) as number) - v) < tol, `page ${k}: ${actual.get(Number(k))} != ${v}`);
};

describe('graph example references', () => {
  describe('pageRank', () => {
    it('one superstep by hand: rank split over out-links, dampened, 0.15/n added', () => {
      // 1 -> 2, 1 -> 3, 2 -> 3, 3 -> 1; everyone starts at 1/3.
      const r = pageRank([1, 2, 3], [[1, 2], [1, 3], [2, 3], [3, 1]], 3, 1);
      close(r, { 1: 0.85 / 3 + 0.05, 2: 0.85 / 6 + 0.05, 3: 0.85 / 2 + 0.05 });
    });

    it('a page without in-links drops out, a dangling page passes nothing on', () => {
      assert.deepEqual([...pageRank([1, 2], [[1, 2]], 2, 1)], [[2, 0.85 * 0.5 + 0.075]]);
      // Page 2 kept its rank 0.5, so the criterion ends the loop after that first superstep.
      assert.deepEqual([...pageRank([1, 2], [[1, 2]], 2, 5)], [[2, 0.5]]);
      // When page 2 gets rank from two pages its rank changes, the loop goes on, and with nothing received nothing is left.
      assert.equal(pageRank([1, 2, 3], [[1, 2], [3, 2]], 3, 5).size, 0);
    });

    it('stops once no page moves more than 0.0001, short of the exact fixed point', () => {
      const links: Array<[number, number]> = [[1, 2], [2, 1], [2, 2]];
      const r = pageRank([1, 2], links, 2, 100);
      assert.deepEqual(r, pageRank([1, 2], links, 2, 10_000));
      // The fixed point solves r1 = 0.425 r2 + 0.075, r2 = 0.85 r1 + 0.425 r2 + 0.075.
      const r2 = 0.13875 / 0.21375;
      const r1 = 0.425 * r2 + 0.075;
      close(r, { 1: r1, 2: r2 }, 1e-3);
      assert.notEqual(r.get(2), r2);
    });
  });

  it('connectedComponents: smallest id per component, edges either way, edges to unknown vertices ignored', () => {
    const cc = connectedComponents([1, 2, 3, 4, 5, 6, 7], [[2, 1], [3, 2], [5, 4], [6, 99]]);
    assert.deepEqual(Object.fromEntries(cc), { 1: 1, 2: 1, 3: 1, 4: 4, 5: 4, 6: 6, 7: 7 });
    assert.deepEqual(Object.fromEntries(connectedComponents([9, 3, 5], [[9, 5], [5, 3]])), { 9: 3, 3: 3, 5: 3 });
  });

  describe('kMeans', () => {
    it('moves centroids to the means of their points; a centroid nobody chose disappears', () => {
      const points = [[0, 0], [0, 1], [10, 0], [10, 1]] as const;
      const r = kMeans(points, [[1, 1, 0], [2, 9, 0], [3, 100, 100]], 1);
      assert.deepEqual(r.centroids, [[1, 0, 0.5], [2, 10, 0.5]]);
      assert.deepEqual(r.assignment, [[1, 0, 0], [1, 0, 1], [2, 10, 0], [2, 10, 1]]);
    });

    it('zero iterations assign the points to the initial centroids; equal distance goes to the earlier centroid', () => {
      assert.equal(nearest([5, 0], [[7, 0, 0], [3, 10, 0]]), 7);
      assert.deepEqual(kMeans([[4, 0]], [[1, 0, 0], [2, 10, 0]], 0).assignment, [[1, 4, 0]]);
    });
  });

  it('transitiveClosure: paths of up to iterations + 1 edges, cycles included', () => {
    const edges = [[1, 2], [2, 3], [3, 4], [4, 2]] as const;
    assert.deepEqual(transitiveClosure(edges, 1), [[1, 2], [1, 3], [2, 3], [2, 4], [3, 2], [3, 4], [4, 2], [4, 3]]);
    const full = [[1, 2], [1, 3], [1, 4], [2, 2], [2, 3], [2, 4], [3, 2], [3, 3], [3, 4], [4, 2], [4, 3], [4, 4]];
    assert.deepEqual(transitiveClosure(edges, 2), full);
    assert.deepEqual(transitiveClosure(edges, 50), full);
  });

  it('the generators are deterministic per seed and make the shapes the tests rely on', () => {
    assert.deepEqual(pageRankGraph(3, { pages: 50, links: 200, dangling: 5 }), pageRankGraph(3, { pages: 50, links: 200, dangling: 5 }));
    assert.notDeepEqual(pageRankGraph(3, { pages: 50, links: 200 }), pageRankGraph(4, { pages: 50, links: 200 }));
    const pr = pageRankGraph(1, { pages: 300, links: 2000, dangling: 10 });
    assert.equal(new Set(pr.pages).size, 300);
    assert.equal(pr.links.length, 2000);
    assert.ok(pr.pages.every((p) => p > 2 ** 32 && Number.isSafeInteger(p)));
    const cc = componentsGraph(2, { vertices: 1000, edges: 1500, maxGroup: 40 });
    const components = new Set(connectedComponents(cc.vertices, cc.edges).values());
    assert.ok(components.size > 30 && components.size < 900, `${components.size} components`);
    const tc = closureGraph(5, { vertices: 500, edgesPerVertex: 2, cluster: 12 });
    assert.equal(new Set(tc.map((e) => `${e[0]} ${e[1]}`)).size, tc.length);
    assert.ok(transitiveClosure(tc, 100).length < 500 * 12);
    const km = kMeansData(6, { points: 100, k: 4 });
    assert.equal(km.points.length, 100);
    assert.deepEqual(km.centroids.map((c) => c[0]), [1, 2, 3, 4]);
  });
});
