/**
 * Managed memory on a real cluster: a MiniCluster whose slots get a few KiB of managed memory
 * (taskmanager.memory.managed.size) and spill to two io.tmp.dirs the test owns. Batch jobs give the results a
 * plain computation in the test gives (grouping, sorting, joins, coGroup), their spill directories are gone when
 * they end, and a group that cannot fit fails the job with a message naming the key to raise.
 */
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { sorted, useApiTestCluster } from './support/api-harness.js';
import { waitFor } from '../support/processes.js';

const PRELUDE = "import { ExecutionEnvironment } from 'flink-ts';\nconst R = (globalThis.__apiIt ??= { results: {} }).results;\n";
/** 30,000 words over 4,000 distinct ones, built the same way in the job files. */
const WORDS_JS = 'Array.from({ length: 30000 }, (_, i) => `word${(i * 7919) % 4000}`)';
const WORDS: string[] = Array.from({ length: 30000 }, (_, i) => `word${(i * 7919) % 4000}`);

describe('batch jobs under a tiny managed-memory budget', function () {
  this.timeout(180_000);
  const tmpDirs = (dir: string): string[] => [join(dir, 'tmp-a'), join(dir, 'tmp-b')];
  const c = useApiTestCluster(PRELUDE, (dir) => `taskmanager.memory.managed.size: 256kb\nio.tmp.dirs: ${tmpDirs(dir).join(',')}\n`);

  /** Spill directories (one per slot worker and io.tmp.dirs entry) still on disk. */
  const spillDirs = async (): Promise<string[]> => {
    const found: string[] = [];
    for (const d of tmpDirs(c.dir)) {
      const names = await readdir(d).catch(() => [] as string[]);
      found.push(...names.filter((n) => n.startsWith('flink-ts-spill-')).map((n) => join(d, n)));
    }
    return found;
  };
  afterEach(async () => {
    await waitFor('the spill directories to be removed', 20_000, async () => ((await spillDirs()).length === 0 ? true : undefined));
  });

  it('WordCount (grouped sum) counts every word', async () => {
    const { results } = await c.run(
      `const env = ExecutionEnvironment.getExecutionEnvironment();
       R.counts = await env.fromCollection(${WORDS_JS}).map((w) => [w, 1]).groupBy(0).sum(1).collect();`,
      { parallelism: 2 },
    );
    const expected = new Map<string, number>();
    for (const w of WORDS) expected.set(w, (expected.get(w) ?? 0) + 1);
    assert.deepEqual(sorted(results.counts as unknown[]), sorted([...expected]));
  });

  it('reduceGroup with sortGroup sees each group whole and in order', async () => {
    const { results } = await c.run(
      `const env = ExecutionEnvironment.getExecutionEnvironment();
       R.groups = await env.fromCollection(${WORDS_JS}).map((w, ) => [w.slice(0, 6), w.length * 1000 + Number(w.slice(4))])
         .groupBy(0).sortGroup(1, 'DESCENDING')
         .reduceGroup((values, out) => out.collect([values[0][0], values.length, values.slice(0, 3).map((v) => v[1]).join(',')]))
         .collect();`,
      { parallelism: 2 },
    );
    const groups = new Map<string, number[]>();
    for (const w of WORDS) {
      const k = w.slice(0, 6);
      groups.set(k, [...(groups.get(k) ?? []), w.length * 1000 + Number(w.slice(4))]);
    }
    const expected = [...groups].map(([k, vs]) => {
      const desc = vs.sort((a, b) => b - a);
      return [k, vs.length, desc.slice(0, 3).join(',')];
    });
    assert.deepEqual(sorted(results.groups as unknown[]), sorted(expected));
  });

  it('distinct, coGroup and sortPartition give what a plain computation gives', async () => {
    const { results } = await c.run(
      `const env = ExecutionEnvironment.getExecutionEnvironment();
       const words = env.fromCollection(${WORDS_JS});
       R.distinct = await words.distinct().collect();
       const left = words.map((w) => [Number(w.slice(4)) % 1500, 1]);
       const right = words.map((w) => [Number(w.slice(4)) % 2000 + 500, 1]);
       R.cogroup = await left.coGroup(right).where(0).equalTo(0)
         .with((a, b, out) => out.collect([(a[0] ?? b[0])[0], a.length, b.length])).collect();`,
      { parallelism: 2 },
    );
    assert.deepEqual(sorted(results.distinct as string[]), sorted([...new Set(WORDS)]));
    const count = (f: (n: number) => number): Map<number, number> => {
      const m = new Map<number, number>();
      for (const w of WORDS) m.set(f(Number(w.slice(4))), (m.get(f(Number(w.slice(4)))) ?? 0) + 1);
      return m;
    };
    const a = count((n) => n % 1500);
    const b = count((n) => (n % 2000) + 500);
    const keys = new Set([...a.keys(), ...b.keys()]);
    assert.deepEqual(sorted(results.cogroup as unknown[]), sorted([...keys].map((k) => [k, a.get(k) ?? 0, b.get(k) ?? 0])));

    const { results: one } = await c.run(
      `const env = ExecutionEnvironment.getExecutionEnvironment();
       R.sorted = await env.fromCollection(${WORDS_JS}).map((w, ) => [Number(w.slice(4)), w]).sortPartition(0, 'ASCENDING').collect();`,
      { parallelism: 1 },
    );
    const keysInOrder = (one.sorted as Array<[number, string]>).map((r) => r[0]);
    assert.equal(keysInOrder.length, WORDS.length);
    assert.deepEqual(keysInOrder, WORDS.map((w) => Number(w.slice(4))).sort((x, y) => x - y));
  });

  it('joins (inner and right outer) and a coGroup larger than the memory give the nested-loop results', async () => {
    const { results } = await c.run(
      `const env = ExecutionEnvironment.getExecutionEnvironment();
       const words = env.fromCollection(${WORDS_JS}).map((w) => [Number(w.slice(4)) % 1500, w]);
       const names = env.generateSequence(0, 2999).map((n) => [n, 'name' + n]);
       R.inner = await words.join(names).where(0).equalTo(0).with((w, n) => [w[1], n[1]]).collect();
       R.right = await words.rightOuterJoin(names).where(0).equalTo(0).with((w, n) => [w ? w[1] : null, n[1]]).collect();
       R.cogroup = await words.coGroup(names).where(0).equalTo(0)
         .with((ws, ns, out) => out.collect([(ws[0] ?? ns[0])[0], ws.length, ws.map((w) => w[1]).sort()[0] ?? null, ns.length])).collect();`,
      { parallelism: 2 },
    );
    const word = WORDS.map((w): [number, string] => [Number(w.slice(4)) % 1500, w]);
    const inner = word.map(([k, w]) => [w, `name${k}`]);
    assert.equal((results.inner as unknown[]).length, WORDS.length);
    assert.deepEqual(sorted(results.inner as unknown[]), sorted(inner));
    const unmatched = Array.from({ length: 1500 }, (_, i) => [null, `name${i + 1500}`]);
    assert.deepEqual(sorted(results.right as unknown[]), sorted([...inner, ...unmatched]));
    const groups = new Map<number, string[]>();
    for (const [k, w] of word) groups.set(k, [...(groups.get(k) ?? []), w]);
    const cogroup = Array.from({ length: 3000 }, (_, k) => {
      const ws = (groups.get(k) ?? []).sort();
      return [k, ws.length, ws[0] ?? null, 1];
    });
    assert.deepEqual(sorted(results.cogroup as unknown[]), sorted(cogroup));
  });

  it('a job whose single group does not fit fails with a message naming taskmanager.memory.managed.size', async () => {
    await assert.rejects(
      c.run(
        `const env = ExecutionEnvironment.getExecutionEnvironment();
         R.out = await env.fromCollection(${WORDS_JS}).map((w) => ['all', w]).groupBy(0).reduceGroup((values, out) => out.collect(values.length)).collect();`,
        { parallelism: 2 },
      ),
      (err: Error) => {
        // The client's error says the job failed; its cause chain carries the task's failure.
        const messages: string[] = [];
        for (let e: unknown = err; e instanceof Error; e = e.cause) messages.push(e.message);
        assert.match(messages.join('\n'), /GroupReduce \(\d\/2\): one group handed to the reduceGroup function .*needs more managed memory than its slot has .*Raise taskmanager\.memory\.managed\.size/);
        return true;
      },
    );
  });
  it('a bulk iteration keeps its loop-invariant input in spilled managed memory and gives the same result', async () => {
    const { results } = await c.run(
      `const env = ExecutionEnvironment.getExecutionEnvironment();
       const n = 4000;
       const links = env.generateSequence(0, n - 1).flatMap((p, out) => { for (let k = 1; k <= 5; k++) out.collect([p, (p + k) % n, 'padding-'.repeat(4)]); });
       const it = env.generateSequence(0, n - 1).map((p) => [p, 1 / n]).iterate(3);
       // The links reach the loop through a map: the task caches them and hands them over every superstep.
       const next = links.map((l) => [l[0], l[1]]).join(it).where(0).equalTo(0).with((l, page) => [l[1], page[1] / 5]).groupBy(0).sum(1);
       R.out = await it.closeWith(next).collect();`,
      { parallelism: 2 },
    );
    const out = results.out as Array<[number, number]>;
    assert.equal(out.length, 4000);
    for (const [, rank] of out) assert.ok(Math.abs(rank - 1 / 4000) < 1e-12, String(rank));
  });

  it('a solution set that outgrows managed memory fails with the keys to change', async () => {
    await assert.rejects(
      c.run(
        `const env = ExecutionEnvironment.getExecutionEnvironment();
         const vs = env.generateSequence(0, 40000).map((v) => [v, 'x'.repeat(100)]);
         const d = vs.iterateDelta(vs, 3, 0);
         const delta = d.getWorkset().join(d.getSolutionSet()).where(0).equalTo(0).with((w, s) => s);
         R.out = await d.closeWith(delta, delta.filter(() => false)).count();`,
        { parallelism: 2 },
      ),
      (err: Error) => {
        const messages: string[] = [];
        for (let e: unknown = err; e instanceof Error; e = e.cause) messages.push(e.message);
        assert.match(messages.join('\n'), /solution set .* does not fit in the slot's managed memory.*taskmanager\.memory\.managed\.size.*setSolutionSetUnManaged\(true\)/s);
        return true;
      },
    );
  });
});
