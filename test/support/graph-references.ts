import { seededRandom } from '../../src/util/seeded-random.js';
export { seededRandom };
/**
 * Plain, single-process reference implementations of the four classic graph examples (PageRank, connected
 * components, k-means, transitive closure), written without the dataflow API so the example tests compare the
 * cluster's answers with something computed independently; plus seeded generators for their inputs.
 *
 * ```ts
 * const g = pageRankGraph(7, { pages: 2000, links: 12000 });
 * const ranks = pageRank(g.pages, g.links, g.pages.length, 30);
 * ```
 *
 * Each reference follows the semantics of the matching Flink example (including its edge cases, such as a page
 * without in-links dropping out of PageRank's result), so that it can be compared record for record.
 */

export type Edge = readonly [number, number];
export type Point = readonly [number, number];
/** `[id, x, y]`, as in Flink's centroid file. */
export type Centroid = readonly [number, number, number];

/** PageRank's dampening factor and the rank change below which a page counts as converged (Flink's values). */
export const DAMPENING = 0.85;
export const EPSILON = 0.0001;

// ---------------------------------------------------------------------------------------------------------------
// References
// ---------------------------------------------------------------------------------------------------------------

/**
 * Power iteration with the semantics of Flink's PageRankBasic: every page starts at 1/numPages; in a superstep a
 * page hands rank/outDegree to each link target (a page without out-links hands nothing on: its rank is lost), a
 * page receiving nothing drops out, and the new rank is `0.85 * received + 0.15 / numPages`. The loop ends after
 * `maxIterations` or after the first superstep in which no page present in both rounds moved more than EPSILON.
 */
export function pageRank(pages: readonly number[], links: readonly Edge[], numPages: number, maxIterations: number): Map<number, number> {
  const out = new Map<number, number[]>();
  for (const [s, t] of links) {
    const list = out.get(s);
    if (list) list.push(t);
    else out.set(s, [t]);
  }
  let ranks = new Map<number, number>(pages.map((p) => [p, 1 / numPages]));
  for (let i = 0; i < maxIterations; i++) {
    const received = new Map<number, number>();
    for (const [page, rank] of ranks) {
      const targets = out.get(page);
      if (!targets) continue;
      const share = rank / targets.length;
      for (const t of targets) received.set(t, (received.get(t) ?? 0) + share);
    }
    const next = new Map<number, number>();
    for (const [page, sum] of received) next.set(page, DAMPENING * sum + (1 - DAMPENING) / numPages);
    let moved = false;
    for (const [page, rank] of next) {
      const before = ranks.get(page);
      if (before !== undefined && Math.abs(rank - before) > EPSILON) {
        moved = true;
        break;
      }
    }
    ranks = next;
    if (!moved) break;
  }
  return ranks;
}

/**
 * Connected components by union-find: each vertex maps to the smallest vertex id of its component. Edges count
 * in both directions; an edge with an end that is not a vertex is ignored (the example cannot reach it either).
 */
export function connectedComponents(vertices: readonly number[], edges: readonly Edge[]): Map<number, number> {
  const parent = new Map<number, number>(vertices.map((v) => [v, v]));
  const find = (v: number): number => {
    let root = v;
    while (parent.get(root) !== root) root = parent.get(root) as number;
    // Path compression keeps later finds short.
    let cur = v;
    while (cur !== root) {
      const next = parent.get(cur) as number;
      parent.set(cur, root);
      cur = next;
    }
    return root;
  };
  for (const [a, b] of edges) {
    if (!parent.has(a) || !parent.has(b)) continue;
    const ra = find(a);
    const rb = find(b);
    // The smaller id becomes the root, so a root is its component's minimum.
    if (ra < rb) parent.set(rb, ra);
    else if (rb < ra) parent.set(ra, rb);
  }
  return new Map(vertices.map((v) => [v, find(v)]));
}

/** Euclidean distance, as Flink's KMeans computes it. */
export function distance(a: Point, b: Point): number {
  return Math.sqrt((a[0] - b[0]) * (a[0] - b[0]) + (a[1] - b[1]) * (a[1] - b[1]));
}

/** The id of the centroid nearest to `p`; on equal distance the earlier centroid wins (strict `<`, as Flink). */
export function nearest(p: Point, centroids: readonly Centroid[]): number {
  let best = Number.MAX_VALUE;
  let id = -1;
  for (const c of centroids) {
    const d = distance(p, [c[1], c[2]]);
    if (d < best) {
      best = d;
      id = c[0];
    }
  }
  return id;
}

/**
 * Lloyd's algorithm with the rules of Flink's KMeans: `iterations` rounds of "assign each point to its nearest
 * centroid, move each centroid to the mean of its points" (a centroid no point chose disappears), then every point
 * is assigned to its nearest final centroid.
 */
export function kMeans(points: readonly Point[], initial: readonly Centroid[], iterations: number): { centroids: Centroid[]; assignment: Array<[number, number, number]> } {
  let centroids: Centroid[] = [...initial];
  for (let i = 0; i < iterations; i++) {
    const sums = new Map<number, [number, number, number]>();
    for (const p of points) {
      const id = nearest(p, centroids);
      const s = sums.get(id);
      if (s) {
        s[0] += p[0];
        s[1] += p[1];
        s[2] += 1;
      } else {
        sums.set(id, [p[0], p[1], 1]);
      }
    }
    centroids = [...sums].map(([id, [x, y, n]]) => [id, x / n, y / n] as const);
  }
  return { centroids, assignment: points.map((p) => [nearest(p, centroids), p[0], p[1]]) };
}

/**
 * Transitive closure by breadth-first search from every edge source: the pairs (a, b) with a path of 1 to
 * `maxIterations + 1` edges from a to b (Flink's naive closure adds one edge per superstep, starting from the
 * edges themselves). With enough iterations this is the full closure. Pairs come back sorted.
 */
export function transitiveClosure(edges: readonly Edge[], maxIterations: number): Array<[number, number]> {
  const out = new Map<number, number[]>();
  for (const [s, t] of edges) {
    const list = out.get(s);
    if (list) list.push(t);
    else out.set(s, [t]);
  }
  const maxHops = maxIterations + 1;
  const pairs: Array<[number, number]> = [];
  for (const source of [...out.keys()].sort((a, b) => a - b)) {
    const reached = new Set<number>();
    let frontier = [source];
    for (let hop = 1; hop <= maxHops && frontier.length > 0; hop++) {
      const next: number[] = [];
      for (const v of frontier) {
        for (const t of out.get(v) ?? []) {
          if (!reached.has(t)) {
            reached.add(t);
            next.push(t);
          }
        }
      }
      frontier = next;
    }
    for (const t of [...reached].sort((a, b) => a - b)) pairs.push([source, t]);
  }
  return pairs;
}

// ---------------------------------------------------------------------------------------------------------------
// Seeded generators
// ---------------------------------------------------------------------------------------------------------------

/**
 * Vertex ids that look like real longs: sparse, above 2^32 and shuffled, so a program that assumes small dense
 * ids or int-sized ids shows it.
 */
export function vertexIds(rnd: () => number, n: number): number[] {
  const ids = Array.from({ length: n }, (_, i) => 5_000_000_000 + i * 7 + Math.floor(rnd() * 7));
  for (let i = ids.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [ids[i], ids[j]] = [ids[j] as number, ids[i] as number];
  }
  return ids;
}

/**
 * A directed graph for PageRank: a ring through all pages (so most pages have in- and out-links) plus random links
 * biased towards a few popular pages; `dangling` pages get no out-links at all, as the web has.
 */
export function pageRankGraph(seed: number, o: { pages: number; links: number; dangling?: number }): { pages: number[]; links: Edge[] } {
  const rnd = seededRandom(seed);
  const pages = vertexIds(rnd, o.pages);
  const dangling = new Set(pages.slice(0, o.dangling ?? 0));
  const links: Edge[] = [];
  for (let i = 0; i < pages.length; i++) {
    const s = pages[i] as number;
    if (!dangling.has(s)) links.push([s, pages[(i + 1) % pages.length] as number]);
  }
  while (links.length < o.links) {
    const s = pages[Math.floor(rnd() * pages.length)] as number;
    if (dangling.has(s)) continue;
    // Squaring the uniform draw favours low indexes: a few pages collect many links.
    const t = pages[Math.floor(rnd() * rnd() * pages.length)] as number;
    links.push([s, t]);
  }
  return { pages, links };
}

/**
 * An undirected graph with many components: vertices fall into groups of 1 to `maxGroup`, edges join random
 * vertices of the same group (a group may end up split further), edges listed once in a random direction.
 */
export function componentsGraph(seed: number, o: { vertices: number; edges: number; maxGroup: number }): { vertices: number[]; edges: Edge[] } {
  const rnd = seededRandom(seed);
  const vertices = vertexIds(rnd, o.vertices);
  const groups: number[][] = [];
  for (let i = 0; i < vertices.length; ) {
    const size = 1 + Math.floor(rnd() * o.maxGroup);
    groups.push(vertices.slice(i, i + size));
    i += size;
  }
  const big = groups.filter((g) => g.length > 1);
  const edges: Edge[] = [];
  while (edges.length < o.edges && big.length > 0) {
    const g = big[Math.floor(rnd() * big.length)] as number[];
    const a = g[Math.floor(rnd() * g.length)] as number;
    const b = g[Math.floor(rnd() * g.length)] as number;
    if (a !== b) edges.push([a, b]);
  }
  return { vertices, edges };
}

/** A sparse directed graph of small clusters (so its closure stays small), cycles allowed, no duplicate edges. */
export function closureGraph(seed: number, o: { vertices: number; edgesPerVertex: number; cluster: number }): Edge[] {
  const rnd = seededRandom(seed);
  const vertices = vertexIds(rnd, o.vertices);
  const seen = new Set<string>();
  const edges: Edge[] = [];
  for (let i = 0; i < vertices.length; i++) {
    const base = i - (i % o.cluster);
    const size = Math.min(o.cluster, vertices.length - base);
    for (let k = 0; k < o.edgesPerVertex; k++) {
      // Mostly forward edges (long chains need many supersteps), a few backward ones make cycles.
      const j = rnd() < 0.9 ? Math.min(base + size - 1, i + 1 + Math.floor(rnd() * 3)) : base + Math.floor(rnd() * size);
      const e: Edge = [vertices[i] as number, vertices[j] as number];
      if (j === i || seen.has(`${e[0]} ${e[1]}`)) continue;
      seen.add(`${e[0]} ${e[1]}`);
      edges.push(e);
    }
  }
  return edges;
}

/** `n` points scattered around `k` centres (two decimal places, as a text file would hold them) and `k` initial centroids. */
export function kMeansData(seed: number, o: { points: number; k: number }): { points: Point[]; centroids: Centroid[] } {
  const rnd = seededRandom(seed);
  const round = (v: number): number => Math.round(v * 100) / 100;
  const centres = Array.from({ length: o.k }, () => [rnd() * 200 - 100, rnd() * 200 - 100] as const);
  const gauss = (): number => Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());
  const points: Point[] = Array.from({ length: o.points }, () => {
    const c = centres[Math.floor(rnd() * centres.length)] as Point;
    return [round(c[0] + gauss() * 12), round(c[1] + gauss() * 12)] as const;
  });
  const centroids: Centroid[] = Array.from({ length: o.k }, (_, i) => [i + 1, round(rnd() * 200 - 100), round(rnd() * 200 - 100)] as const);
  return { points, centroids };
}

/** The lines of an ids file (one id per line) or an edge file (`a b` per line), as the examples read them. */
export function idLines(ids: readonly number[]): string {
  return ids.map((v) => `${v}\n`).join('');
}
export function pairLines(pairs: ReadonlyArray<readonly number[]>): string {
  return pairs.map((p) => `${p.join(' ')}\n`).join('');
}
