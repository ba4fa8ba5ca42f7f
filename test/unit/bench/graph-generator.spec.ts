import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateGraph } from '../../../bench/graph-generator.js';
import { connectedComponents } from '../../support/graph-references.js';

describe('benchmark graph generator', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'graph-generator-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const read = async (path: string): Promise<number[][]> =>
    (await readFile(path, 'utf8')).split('\n').filter((l) => l !== '').map((l) => l.split(' ').map(Number));

  it('writes ids 1..n and `a b` edges in which every vertex has an in- and an out-edge, communities apart', async () => {
    const g = await generateGraph(join(dir, 'a'), { vertices: 5000, edges: 40_000, seed: 3, meanCommunity: 100 });
    const vertices = (await read(g.vertices)).map((r) => r[0] as number);
    const edges = (await read(g.edges)) as Array<[number, number]>;
    assert.deepEqual(vertices, Array.from({ length: 5000 }, (_, i) => i + 1));
    assert.equal(edges.length, 40_000);
    assert.ok(edges.every((e) => e.length === 2 && e.every((v) => v >= 1 && v <= 5000)));
    assert.equal(new Set(edges.map((e) => e[0])).size, 5000);
    assert.equal(new Set(edges.map((e) => e[1])).size, 5000);
    assert.equal(new Set(connectedComponents(vertices, edges).values()).size, g.components);
  });

  it('gives the same files for the same seed and sizes, other files for another seed', async () => {
    const spec = { vertices: 2000, edges: 9000, seed: 9 };
    const a = await generateGraph(join(dir, 'b'), spec);
    const b = await generateGraph(join(dir, 'c'), spec);
    const c = await generateGraph(join(dir, 'd'), { ...spec, seed: 10 });
    assert.equal(await readFile(a.edges, 'utf8'), await readFile(b.edges, 'utf8'));
    assert.notEqual(await readFile(a.edges, 'utf8'), await readFile(c.edges, 'utf8'));
  });
});
