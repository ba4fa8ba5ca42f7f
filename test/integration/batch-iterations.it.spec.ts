/**
 * Batch iterations on a real cluster (a MiniCluster with two TaskManagers of two slots, at parallelism 4 and 1):
 * bulk and delta iterations end by their bound, their termination criterion or an empty workset; aggregators and
 * convergence criteria; loop-invariant inputs; broadcast sets that change every superstep; the REST details.
 */
import assert from 'node:assert/strict';
import { useApiTestCluster, sorted } from './support/api-harness.js';
import { waitFor } from '../support/processes.js';

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

      it('a loop-invariant input is read once and joined every superstep (PageRank-style)', async () => {
        const { results: r } = await c.run(`
          const env = ExecutionEnvironment.getExecutionEnvironment();
          const n = 300;
          let parsed = 0;
          // Each page links to the next two (a ring); the link table is built outside the loop.
          const links = env.generateSequence(0, n - 1).flatMap((p, out) => { out.collect([p, (p + 1) % n]); out.collect([p, (p + 2) % n]); });
          const it = env.generateSequence(0, n - 1).map((p) => [p, 1 / n]).iterate(5);
          const next = it.join(links).where(0).equalTo(0).with((page, link) => [link[1], page[1] / 2])
            .groupBy(0).sum(1).map(([p, rank]) => [p, 0.15 / n + 0.85 * rank]);
          R.out = await it.closeWith(next).collect();
        `, { parallelism: p });
        const out = r.out as Array<[number, number]>;
        assert.equal(out.length, 300);
        // On a regular ring every page keeps rank 1/n.
        for (const [, rank] of out) assert.ok(Math.abs(rank - 1 / 300) < 1e-12, String(rank));
      });

      it('a broadcast set built inside the loop is new every superstep (k-means style)', async () => {
        const { results: r } = await c.run(`
          const env = ExecutionEnvironment.getExecutionEnvironment();
          const points = env.fromCollection([...Array.from({ length: 50 }, (_, i) => i / 10), ...Array.from({ length: 50 }, (_, i) => 100 + i / 10)]);
          const it = env.fromElements([0, 0.0], [1, 1.0]).iterate(10);
          class Nearest extends RichMapFunction {
            open() { this.centroids = this.getRuntimeContext().getBroadcastVariable('centroids'); }
            map(x) {
              let best = this.centroids[0];
              for (const c of this.centroids) if (Math.abs(c[1] - x) < Math.abs(best[1] - x)) best = c;
              return [best[0], x, 1];
            }
          }
          const moved = points.map(new Nearest()).withBroadcastSet(it, 'centroids')
            .groupBy(0).reduce((a, b) => [a[0], a[1] + b[1], a[2] + b[2]]).map(([id, s, n]) => [id, s / n]);
          R.out = await it.closeWith(moved).collect();
        `, { parallelism: p });
        const out = (r.out as Array<[number, number]>).sort((a, b) => a[0] - b[0]);
        assert.equal(out.length, 2);
        assert.ok(Math.abs((out[0] as [number, number])[1] - 2.45) < 1e-9, JSON.stringify(out));
        assert.ok(Math.abs((out[1] as [number, number])[1] - 102.45) < 1e-9, JSON.stringify(out));
      });

      it('the REST details show the supersteps and their times', async () => {
        const { results: r } = await c.run(`
          const env = ExecutionEnvironment.getExecutionEnvironment();
          const it = env.generateSequence(1, 100).iterate(4).name('Counting loop');
          it.closeWith(it.map((x) => x + 1)).writeAsText(${JSON.stringify('/dev/null')}, 'OVERWRITE').setParallelism(1);
          R.jobId = (await env.execute('iterations rest')).getJobID();
        `, { parallelism: p });
        const res = await fetch(`${c.restUrl}/jobs/${r.jobId as string}`);
        const details = (await res.json()) as { iterations: Array<{ name: string; kind: string; superstep: number; status: string; supersteps: Array<{ superstep: number; 'duration-ms': number; 'next-count': number }> }> };
        const [info] = details.iterations;
        assert.ok(info, JSON.stringify(details.iterations));
        assert.equal(info.name, 'Counting loop');
        assert.equal(info.kind, 'bulk');
        assert.equal(info.status, 'FINISHED');
        assert.equal(info.superstep, 4);
        assert.deepEqual(info.supersteps.map((s) => s.superstep), [1, 2, 3, 4]);
        for (const s of info.supersteps) {
          assert.equal(s['next-count'], 100);
          assert.ok(s['duration-ms'] >= 0);
        }
        const again = (await (await fetch(`${c.restUrl}/jobs/${r.jobId as string}/iterations`)).json()) as { iterations: unknown[] };
        assert.equal(again.iterations.length, 1);
      });

      it('an operator of the step function may run with less parallelism (a global reduce)', async () => {
        const { results: r } = await c.run(`
          const env = ExecutionEnvironment.getExecutionEnvironment();
          const it = env.generateSequence(1, 10).map((x) => [x, 0]).iterate(3);
          // Every superstep adds the total of the partial solution to each value.
          const total = it.reduce((a, b) => [a[0] + b[0], 0]);
          const next = it.cross(total).with((x, t) => [x[0] + t[0], 0]);
          R.out = await it.closeWith(next).collect();
        `, { parallelism: p });
        let xs = Array.from({ length: 10 }, (_, i) => i + 1);
        for (let s = 0; s < 3; s++) {
          const t = xs.reduce((a, b) => a + b, 0);
          xs = xs.map((x) => x + t);
        }
        assert.deepEqual(sorted((r.out as number[][]).map((x) => x[0] as number)), sorted(xs));
      });
    });
  }

  it('refuses an iteration that is not closed, and the solution set used other than in a join', async () => {
    await assert.rejects(
      c.run(`
        const env = ExecutionEnvironment.getExecutionEnvironment();
        const it = env.generateSequence(1, 10).iterate(3);
        R.out = await it.map((x) => x + 1).collect();
      `, { parallelism: 2 }),
      /was never closed: call closeWith/,
    );
    await assert.rejects(
      c.run(`
        const env = ExecutionEnvironment.getExecutionEnvironment();
        const d = env.fromElements([1, 1]).iterateDelta(env.fromElements([1, 1]), 3, 0);
        R.out = await d.closeWith(d.getSolutionSet().map((x) => x), d.getWorkset()).collect();
      `, { parallelism: 2 }),
      /solution set of a delta iteration can only be joined or co-grouped/,
    );
  });

  it('zipWithIndex numbers every record once, and partitionByRange orders the partitions', async () => {
    const { results: r } = await c.run(`
      const { DataSetUtils } = await import('flink-ts');
      const env = ExecutionEnvironment.getExecutionEnvironment();
      R.zipped = await DataSetUtils.zipWithIndex(env.generateSequence(1, 1000).rebalance()).collect();
      R.ranges = await env.generateSequence(1, 2000).map((x) => [(x * 7919) % 2000, x]).partitionByRange(0)
        .mapPartition((values, out) => { if (values.length) out.collect([Math.min(...values.map((v) => v[0])), Math.max(...values.map((v) => v[0])), values.length]); })
        .collect();
    `, { parallelism: 4 });
    const idx = (r.zipped as Array<[number, number]>).map(([i]) => i).sort((a, b) => a - b);
    assert.deepEqual(idx, Array.from({ length: 1000 }, (_, i) => i));
    const ranges = (r.ranges as Array<[number, number, number]>).sort((a, b) => a[0] - b[0]);
    assert.equal(ranges.reduce((n, x) => n + x[2], 0), 2000);
    for (let i = 1; i < ranges.length; i++) assert.ok((ranges[i - 1] as number[])[1] as number < ((ranges[i] as number[])[0] as number), JSON.stringify(ranges));
    for (const x of ranges) assert.ok(x[2] > 200, `unbalanced: ${JSON.stringify(ranges)}`);
  });
  it('a job cancelled in the middle of its supersteps ends CANCELED, and the cluster runs the next one', async () => {
    const known = new Set((await c.dispatcher.listJobs()).map((j) => j.jobId));
    let settled = false;
    const run = c
      .run(
        `
        const env = ExecutionEnvironment.getExecutionEnvironment();
        const it = env.generateSequence(1, 1000).iterate(1000000);
        R.out = await it.closeWith(it.map((x) => x + 1)).count();
        `,
        { parallelism: 4 },
      )
      .then(
        () => 'finished',
        (e: unknown) => e,
      );
    void run.then(() => (settled = true));
    const jobId = await waitFor('the iteration to run', 30_000, async () => {
      if (settled) throw new Error(`the job ended before it was cancelled: ${String(await run)}`);
      return (await c.dispatcher.listJobs()).find((j) => !known.has(j.jobId) && j.status === 'RUNNING')?.jobId;
    });
    // Wait until a few supersteps went by, then cancel.
    await waitFor('a few supersteps', 30_000, async () => ((await c.dispatcher.jobDetails(jobId)).iterations?.[0]?.superstep ?? 0) > 3 || undefined);
    await c.dispatcher.cancelJob(jobId);
    assert.ok((await run) instanceof Error, 'the program sees the cancellation');
    await waitFor('the job to be CANCELED', 30_000, async () => ((await c.dispatcher.listJobs()).find((j) => j.jobId === jobId)?.status === 'CANCELED') || undefined);
    const { results: r } = await c.run(
      `
      const env = ExecutionEnvironment.getExecutionEnvironment();
      const it = env.generateSequence(1, 10).iterate(3);
      R.out = await it.closeWith(it.map((x) => x + 1)).collect();
      `,
      { parallelism: 4 },
    );
    assert.deepEqual((r.out as number[]).sort((a, b) => a - b), Array.from({ length: 10 }, (_, k) => k + 4));
  });
  it('a function that throws in a later superstep fails the job with its message, without hanging the loop', async () => {
    await assert.rejects(
      c.run(
        `
        const env = ExecutionEnvironment.getExecutionEnvironment();
        const it = env.generateSequence(1, 100).iterate(10);
        const next = it.map(new (class extends RichMapFunction {
          open() { this.superstep = this.getIterationRuntimeContext().getSuperstepNumber(); }
          map(x) { if (this.superstep === 3 && x === 50) throw new Error('bad record 50 in superstep 3'); return x; }
        })());
        R.out = await it.closeWith(next).collect();
        `,
        { parallelism: 4 },
      ),
      (err: Error) => {
        const messages: string[] = [];
        for (let e: unknown = err; e instanceof Error; e = e.cause) messages.push(e.message);
        assert.match(messages.join('\n'), /bad record 50 in superstep 3/);
        return true;
      },
    );
  });
});
