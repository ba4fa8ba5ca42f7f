/**
 * Outer joins, join hints, combineGroup, ungrouped aggregations, crossWithTiny/Huge and zipWithUniqueId on a
 * real in-process cluster (the api harness), at parallelism 4 and 1, against results computed here naively.
 */
import assert from 'node:assert/strict';
import { useApiTestCluster } from './support/api-harness.js';

type Rec = [number, string];

/** Deterministic records with duplicate keys; the job file builds the same ones from this function's source. */
function gen(n: number, keys: number, offset: number, seed: number, tag: string): Rec[] {
  let s = seed;
  const out: Rec[] = [];
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) % 2147483648;
    out.push([(s % keys) + offset, `${tag}${i}`]);
  }
  return out;
}

const PRELUDE =
  "import { ExecutionEnvironment, JoinHint, Aggregations, DataSetUtils } from 'flink-ts';\n" +
  'const R = (globalThis.__apiIt ??= { results: {} }).results;\n' +
  `const gen = ${gen.toString()};\n` +
  // Two sides whose keys overlap in part: keys 0..599 and 300..899, a few thousand records.
  "const A = gen(2000, 600, 0, 7, 'a');\nconst B = gen(1500, 600, 300, 11, 'b');\n" +
  "const show = (x, y) => (x ? x[1] : '-') + '|' + (y ? y[1] : '-');\n";

const A = gen(2000, 600, 0, 7, 'a');
const B = gen(1500, 600, 300, 11, 'b');

type Kind = 'inner' | 'left' | 'right' | 'full';
function naive(kind: Kind): string[] {
  const byKey = new Map<number, Rec[]>();
  for (const b of B) byKey.set(b[0], [...(byKey.get(b[0]) ?? []), b]);
  const aKeys = new Set(A.map((a) => a[0]));
  const out: string[] = [];
  for (const a of A) {
    const m = byKey.get(a[0]) ?? [];
    for (const b of m) out.push(`${a[1]}|${b[1]}`);
    if (m.length === 0 && (kind === 'left' || kind === 'full')) out.push(`${a[1]}|-`);
  }
  if (kind === 'right' || kind === 'full') for (const b of B) if (!aKeys.has(b[0])) out.push(`-|${b[1]}`);
  return out.sort();
}

const HINTS: Record<Kind, string[]> = {
  inner: ['OPTIMIZER_CHOOSES', 'BROADCAST_HASH_FIRST', 'BROADCAST_HASH_SECOND', 'REPARTITION_HASH_FIRST', 'REPARTITION_HASH_SECOND', 'REPARTITION_SORT_MERGE'],
  left: ['OPTIMIZER_CHOOSES', 'BROADCAST_HASH_SECOND', 'REPARTITION_HASH_FIRST', 'REPARTITION_HASH_SECOND', 'REPARTITION_SORT_MERGE'],
  right: ['OPTIMIZER_CHOOSES', 'BROADCAST_HASH_FIRST', 'REPARTITION_HASH_FIRST', 'REPARTITION_HASH_SECOND', 'REPARTITION_SORT_MERGE'],
  full: ['OPTIMIZER_CHOOSES', 'REPARTITION_HASH_FIRST', 'REPARTITION_HASH_SECOND', 'REPARTITION_SORT_MERGE'],
};
const METHOD: Record<Kind, string> = { inner: 'join', left: 'leftOuterJoin', right: 'rightOuterJoin', full: 'fullOuterJoin' };

describe('DataSet joins, hints and more of the DataSet API on a MiniCluster', function () {
  this.timeout(300_000);
  const c = useApiTestCluster(PRELUDE);

  for (const p of [4, 1]) {
    describe(`parallelism ${p}`, () => {
      for (const kind of ['inner', 'left', 'right', 'full'] as const) {
        it(`${METHOD[kind]} with every hint it accepts equals the nested-loop result`, async () => {
          const { results: r } = await c.run(
            `
            const env = ExecutionEnvironment.getExecutionEnvironment();
            const a = env.fromCollection(A).rebalance();
            const b = env.fromCollection(B).rebalance();
            const parts = [];
            for (const hint of ${JSON.stringify(HINTS[kind])}) {
              parts.push(a.${METHOD[kind]}(b, JoinHint[hint]).where(0).equalTo(0).with(show).map((s) => [hint, s]));
            }
            ${kind === 'inner' ? "parts.push(a.joinWithTiny(b).where(0).equalTo(0).map(([x, y]) => ['tiny', show(x, y)]));\n" + "parts.push(a.joinWithHuge(b).where((r) => r[0]).equalTo(0).with(show).map((s) => ['huge', s]));" : ''}
            R.out = {};
            for (const [hint, s] of await parts.reduce((x, y) => x.union(y)).collect()) (R.out[hint] ??= []).push(s);
            `,
            { parallelism: p },
          );
          const out = r.out as Record<string, string[]>;
          const expected = naive(kind);
          const names = [...HINTS[kind], ...(kind === 'inner' ? ['tiny', 'huge'] : [])];
          assert.deepEqual(Object.keys(out).sort(), names.sort());
          for (const name of names) assert.deepEqual((out[name] ?? []).sort(), expected, `${METHOD[kind]} with ${name}`);
        });
      }

      it('combineGroup, ungrouped aggregations, minBy/maxBy, crossWithTiny/Huge and zipWithUniqueId', async () => {
        const { results: r } = await c.run(
          `
          const env = ExecutionEnvironment.getExecutionEnvironment();
          const nums = env.generateSequence(1, 1000).rebalance();
          const parts = [];
          const tag = (name, ds) => parts.push(ds.map((x) => [name, x]));
          // A partial count per key and partition, then the final one.
          const partial = nums.map((x) => [x % 10, 1]).groupBy(0).combineGroup((vs, out) => out.collect([vs[0][0], vs.length]));
          tag('partial', partial);
          tag('total', partial.groupBy(0).sum(1));
          tag('perPartition', nums.combineGroup({ combine(vs, out) { out.collect(vs.length); } }));
          tag('sorted', nums.map((x) => [x % 3, x]).groupBy(0).sortGroup(1, 'DESCENDING').combineGroup((vs, out) => out.collect(vs.map((v) => v[1]))));
          const rows = nums.map((x) => [x % 7, x, (x * 37) % 101]);
          tag('agg', rows.aggregate(Aggregations.SUM, 1).and(Aggregations.MIN, 2).andMax(0));
          tag('sum', rows.sum(1));
          tag('max', rows.max(2));
          tag('minBy', rows.minBy(2, 1));
          tag('maxBy', rows.maxBy(2, 1));
          tag('groupedMaxBy', rows.groupBy(0).maxBy(2));
          const small = env.fromElements('x', 'y', 'z');
          tag('crossTiny', env.generateSequence(1, 40).crossWithTiny(small));
          tag('crossHuge', small.crossWithHuge(env.generateSequence(1, 40)).with((s, n) => s + n));
          tag('cross', env.generateSequence(1, 5).cross(small));
          tag('ids', DataSetUtils.zipWithUniqueId(nums));
          R.out = {};
          for (const [n, x] of await parts.reduce((a, b) => a.union(b)).collect()) (R.out[n] ??= []).push(x);
          try { env.fromElements(1).fullOuterJoin(env.fromElements(2), JoinHint.BROADCAST_HASH_FIRST); } catch (e) { R.badHint = e.message; }
          `,
          { parallelism: p },
        );
        const out = r.out as Record<string, unknown[]>;
        const partial = out.partial as Array<[number, number]>;
        assert.ok(partial.length >= 10 && partial.length <= 10 * p, `${partial.length} partial groups`);
        assert.deepEqual((out.total as Array<[number, number]>).sort((x, y) => x[0] - y[0]), Array.from({ length: 10 }, (_, k) => [k, 100]));
        const perPartition = out.perPartition as number[];
        assert.ok(perPartition.length <= p);
        assert.equal(perPartition.reduce((x, y) => x + y, 0), 1000);
        for (const g of out.sorted as number[][]) assert.deepEqual(g, [...g].sort((x, y) => y - x), 'each combined group is sorted');
        assert.equal((out.sorted as number[][]).flat().length, 1000);

        const rows = Array.from({ length: 1000 }, (_, i) => [(i + 1) % 7, i + 1, ((i + 1) * 37) % 101]);
        const [agg] = out.agg as number[][];
        assert.equal(out.agg?.length, 1);
        assert.equal(agg?.[1], 500500);
        assert.equal(agg?.[2], 0);
        assert.equal(agg?.[0], 6);
        assert.equal((out.sum as number[][])[0]?.[1], 500500);
        assert.equal((out.max as number[][])[0]?.[2], 100);
        const byMin = [...rows].sort((x, y) => (x[2] as number) - (y[2] as number) || (x[1] as number) - (y[1] as number))[0];
        const byMax = [...rows].sort((x, y) => (y[2] as number) - (x[2] as number) || (y[1] as number) - (x[1] as number))[0];
        assert.deepEqual(out.minBy, [byMin]);
        assert.deepEqual(out.maxBy, [byMax]);
        const groupedMax = out.groupedMaxBy as number[][];
        assert.equal(groupedMax.length, 7);
        for (const g of groupedMax) assert.equal(g[2], Math.max(...rows.filter((x) => x[0] === g[0]).map((x) => x[2] as number)));

        const pairs = (xs: unknown[]): string[] => xs.map((x) => JSON.stringify(x)).sort();
        const nums40 = Array.from({ length: 40 }, (_, i) => i + 1);
        assert.deepEqual(pairs(out.crossTiny ?? []), pairs(nums40.flatMap((n) => ['x', 'y', 'z'].map((s) => [n, s]))));
        assert.deepEqual(pairs(out.crossHuge ?? []), pairs(nums40.flatMap((n) => ['x', 'y', 'z'].map((s) => s + n))));
        assert.deepEqual(pairs(out.cross ?? []), pairs([1, 2, 3, 4, 5].flatMap((n) => ['x', 'y', 'z'].map((s) => [n, s]))));

        const ids = out.ids as Array<[number, number]>;
        assert.equal(ids.length, 1000);
        assert.equal(new Set(ids.map((x) => x[0])).size, 1000, 'ids are unique');
        assert.deepEqual(ids.map((x) => x[1]).sort((x, y) => x - y), Array.from({ length: 1000 }, (_, i) => i + 1));
        assert.ok(ids.every(([id]) => Number.isSafeInteger(id) && id >= 0));
        assert.match(String(r.badHint), /Invalid JoinHint for fullOuterJoin\(\): BROADCAST_HASH_FIRST\. Use one of JoinHint\.OPTIMIZER_CHOOSES/);
      });
    });
  }
});
