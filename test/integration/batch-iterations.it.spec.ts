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
    });
  }
});
