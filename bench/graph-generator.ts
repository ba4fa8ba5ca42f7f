/**
 * A deterministic graph for the iteration benchmarks, written in the graph examples' formats: `vertices` (one id
 * per line; the pages of PageRank and the vertices of ConnectedComponents) and `edges` (`<from> <to>` per line;
 * PageRank's links and ConnectedComponents' edges).
 *
 *   node dist/bench/graph-generator.js [--vertices 1000000] [--edges 10000000] [--seed 1] --out <dir>
 *
 * Shape: the vertices (ids 1..n) fall into communities of 1 to 2 * `meanCommunity` - 1 vertices; a ring runs through
 * each community (so every page has an in-link and an out-link, as Flink's PageRank wants), the other edges join
 * random members of one community, their targets skewed towards a few popular members. No edge crosses
 * communities, so connected components has about n / meanCommunity components to find.
 * The same seed and sizes give the same files, byte for byte.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { once } from 'node:events';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { seededRandom } from '../src/util/seeded-random.js';

export interface GraphSpec {
  vertices: number;
  edges: number;
  seed: number;
  /** Mean community size (default 1000). */
  meanCommunity?: number;
}

export interface GraphFiles {
  vertices: string;
  edges: string;
  vertexCount: number;
  edgeCount: number;
  components: number;
}

/** Buffers text and writes it in large chunks, waiting for the stream to drain (streaming, bounded memory). */
class ChunkWriter {
  private buf = '';
  constructor(private readonly out: WriteStream) {}
  /** Appends; true when the caller should `await flush()` (a sync append keeps 10M lines cheap). */
  add(text: string): boolean {
    this.buf += text;
    return this.buf.length >= 1 << 20;
  }
  async flush(): Promise<void> {
    const chunk = this.buf;
    this.buf = '';
    if (!this.out.write(chunk)) await once(this.out, 'drain');
  }
  async end(): Promise<void> {
    this.out.end(this.buf);
    this.buf = '';
    await once(this.out, 'finish');
  }
}

/** Writes `<dir>/vertices` and `<dir>/edges`; returns their paths and what they hold. */
export async function generateGraph(dir: string, spec: GraphSpec): Promise<GraphFiles> {
  const n = spec.vertices;
  const mean = spec.meanCommunity ?? 1000;
  if (!(Number.isSafeInteger(n) && n >= 1 && Number.isSafeInteger(spec.edges) && spec.edges >= 0 && mean >= 1)) {
    throw new Error(`graph-generator: --vertices must be >= 1 and --edges >= 0 (whole numbers); got ${n} and ${spec.edges}.`);
  }
  await mkdir(dir, { recursive: true });
  const rnd = seededRandom(spec.seed);
  // Community c holds ids starts[c] .. starts[c + 1] - 1.
  const starts: number[] = [];
  for (let id = 1; id <= n; ) {
    starts.push(id);
    id += 1 + Math.floor(rnd() * (2 * mean - 1));
  }
  starts.push(n + 1);
  const communities = starts.length - 1;

  const paths = { vertices: join(dir, 'vertices'), edges: join(dir, 'edges') };
  const vw = new ChunkWriter(createWriteStream(paths.vertices));
  for (let id = 1; id <= n; id++) if (vw.add(`${id}\n`)) await vw.flush();
  await vw.end();

  const ew = new ChunkWriter(createWriteStream(paths.edges));
  let written = 0;
  // The rings first (one edge per vertex, a self-loop in a community of one), as far as the edge budget goes.
  for (let c = 0; c < communities && written < spec.edges; c++) {
    const first = starts[c] as number;
    const end = starts[c + 1] as number;
    for (let id = first; id < end && written < spec.edges; id++, written++) {
      if (ew.add(`${id} ${id + 1 < end ? id + 1 : first}\n`)) await ew.flush();
    }
  }
  // The rest: a random community (chosen by vertex, so big communities get more edges), a random source, a
  // target skewed towards the community's first members.
  while (written < spec.edges) {
    const v = 1 + Math.floor(rnd() * n);
    let lo = 0;
    let hi = communities - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((starts[mid] as number) <= v) lo = mid;
      else hi = mid - 1;
    }
    const first = starts[lo] as number;
    const size = (starts[lo + 1] as number) - first;
    const r = rnd();
    if (ew.add(`${v} ${first + Math.floor(r * r * size)}\n`)) await ew.flush();
    written++;
  }
  await ew.end();
  return { ...paths, vertexCount: n, edgeCount: written, components: communities };
}

function parseArgs(argv: string[]): GraphSpec & { out: string } {
  const a = { vertices: 1_000_000, edges: 10_000_000, seed: 1, out: '' };
  for (let i = 0; i < argv.length; i += 2) {
    const k = argv[i];
    const v = argv[i + 1] ?? '';
    switch (k) {
      case '--vertices': a.vertices = Number(v); break;
      case '--edges': a.edges = Number(v); break;
      case '--seed': a.seed = Number(v); break;
      case '--out': a.out = v; break;
      default: throw new Error(`Unknown argument ${k}. Usage: graph-generator.js [--vertices N] [--edges M] [--seed S] --out <dir>`);
    }
  }
  if (!a.out) throw new Error('graph-generator: give --out <dir> for the vertices and edges files.');
  return a;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  try {
    const a = parseArgs(process.argv.slice(2));
    const t0 = performance.now();
    const g = await generateGraph(a.out, a);
    console.log(`${g.vertexCount} vertices, ${g.edgeCount} edges, ${g.components} communities in ${Math.round(performance.now() - t0)} ms: ${g.vertices}, ${g.edges}`);
  } catch (err) {
    console.error(err instanceof Error ? err.message : String(err));
    process.exitCode = 1;
  }
}
