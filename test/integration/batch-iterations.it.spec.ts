/**
 * Batch iterations on a real cluster (a MiniCluster with two TaskManagers of two slots, at parallelism 4 and 1):
 * bulk and delta iterations end by their bound, their termination criterion or an empty workset; aggregators and
 * convergence criteria; loop-invariant inputs; broadcast sets that change every superstep; the REST details.
 */
import assert from 'node:assert/strict';
import { useApiTestCluster, sorted } from './support/api-harness.js';

const PRELUDE =
  "import { ExecutionEnvironment, LongSumAggregator, RichMapFunction, RichFlatMapFunction } from 'flink-ts';\n" +
  'const R = (globalThis.__apiIt ??= { results: {} }).results;\n';

describe('batch iterations on a MiniCluster', function () {
  this.timeout(180_000);
  const c = useApiTestCluster(PRELUDE);

  for (const p of [4, 1]) {
    describe(`parallelism ${p}`, () => {
      it('a bulk iteration runs its step function maxIterations times', async () => {
        const { results: r } = await c.run(`
          const env = ExecutionEnvironment.getExecutionEnvironment();
          const it = env.generateSequence(1, 500).iterate(7);
          R.out = await it.closeWith(it.map((x) => x + 1)).collect();
        `, { parallelism: p });
        assert.deepEqual(sorted(r.out as number[]), sorted(Array.from({ length: 500 }, (_, i) => i + 1 + 7)));
      });

      it('a bulk iteration ends when its termination criterion is empty', async () => {
        const { results: r } = await c.run(`
          const env = ExecutionEnvironment.getExecutionEnvironment();
          const it = env.generateSequence(1, 200).iterate(100);
          const next = it.map((x) => Math.min(x + 10, 1000));
          // Empty once every value reached 1000: after 100 supersteps for x=1, earlier for none... use the max.
          const criterion = next.filter((x) => x < 300);
          R.out = await it.closeWith(next, criterion).collect();
        `, { parallelism: p });
        // Superstep n maps x to x + 10n; the criterion is empty once min(x) + 10n >= 300, i.e. n = 30.
        assert.deepEqual(sorted(r.out as number[]), sorted(Array.from({ length: 200 }, (_, i) => i + 1 + 300)));
      });

      it('a delta iteration (connected components) ends when the workset is empty', async () => {
        const { results: r } = await c.run(`
          const env = ExecutionEnvironment.getExecutionEnvironment();
          const n = 400;
          // Chains of 20 vertices: i and i+1 are linked unless i+1 is a multiple of 20.
          const edges = [];
          for (let i = 0; i + 1 < n; i++) if ((i + 1) % 20 !== 0) edges.push([i, i + 1]);
          const e = env.fromCollection(edges).flatMap((x, out) => { out.collect(x); out.collect([x[1], x[0]]); });
          const vertices = env.generateSequence(0, n - 1).map((v) => [v, v]);
          const it = vertices.iterateDelta(vertices, 1000, 0);
          const candidates = it.getWorkset().join(e).where(0).equalTo(0).with((v, edge) => [edge[1], v[1]])
            .groupBy(0).min(1);
          const changes = candidates.join(it.getSolutionSet()).where(0).equalTo(0)
            .with((cand, old) => (cand[1] < old[1] ? cand : null)).filter((x) => x !== null);
          R.out = await it.closeWith(changes, changes).collect();
        `, { parallelism: p });
        const out = r.out as Array<[number, number]>;
        assert.equal(out.length, 400);
        for (const [v, comp] of out) assert.equal(comp, v - (v % 20), `vertex ${v}`);
      });

      it('aggregators are combined over all instances and a convergence criterion ends the loop', async () => {
        const { results: r } = await c.run(`
          const env = ExecutionEnvironment.getExecutionEnvironment();
          const it = env.generateSequence(1, 100).map((x) => [x, 0, -1]).iterate(50);
          it.registerAggregator('sum', new LongSumAggregator());
          it.registerAggregationConvergenceCriterion('small', new LongSumAggregator(), (superstep, value) => value === 0);
          class Step extends RichMapFunction {
            open() {
              const ctx = this.getIterationRuntimeContext();
              this.superstep = ctx.getSuperstepNumber();
              this.previous = ctx.getPreviousIterationAggregate('sum') ?? -1;
              this.sum = ctx.getIterationAggregator('sum');
              this.small = ctx.getIterationAggregator('small');
            }
            map([x]) {
              const y = x * 2;
              this.sum.aggregate(y);
              if (y < 1000) this.small.aggregate(1);
              return [y, this.superstep, this.previous];
            }
          }
          R.out = await it.closeWith(it.map(new Step())).collect();
        `, { parallelism: p });
        // Values double each superstep; superstep 10 is the first in which none is below 1000 (1 * 2^10), so the
        // criterion ends the loop after it. Its functions saw the sum after superstep 9: 5050 * 2^9.
        const expected = Array.from({ length: 100 }, (_, i) => [(i + 1) * 1024, 10, 5050 * 512]);
        assert.deepEqual(sorted(r.out as unknown[]), sorted(expected));
      });
    });
  }
});
