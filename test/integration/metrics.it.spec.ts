/**
 * Metrics on a real standalone cluster (issue 12): what a user reads over REST while a job runs — task and
 * operator counters with Flink's ids that grow, rates, busy and back-pressured time, a vertex's back pressure,
 * the job's uptime and checkpoint counts, the JobManager's and each TaskManager's own metrics — and the progress
 * line of an attached `bin/flink run` on a terminal.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { BIN_DIR, StandaloneCluster, waitFor, type CommandResult } from './support/standalone-cluster.js';

interface Vertex {
  id: string;
  name: string;
}
type MetricValue = { id: string; value: string };
type Aggregate = { id: string; min?: number; max?: number; avg?: number; sum?: number };

/** A job that runs until cancelled, at a bounded rate, through a chain of named operators and a keyBy. */
const STEADY_JOB = `import { StreamExecutionEnvironment, DataGeneratorSource, RateLimiterStrategy, WatermarkStrategy } from 'flink-ts';
const env = StreamExecutionEnvironment.getExecutionEnvironment();
env.enableCheckpointing(300);
env
  .fromSource(new DataGeneratorSource((i) => i, Number.MAX_SAFE_INTEGER, RateLimiterStrategy.perSecond(2000)), WatermarkStrategy.noWatermarks(), 'Numbers')
  .map((n) => n * 2).name('Double')
  .filter((n) => n % 4 === 0).name('Fours')
  .keyBy((n) => n % 8)
  .map((n) => n + 1).name('Plus one')
  .addSink(() => {}).name('Drop');
await env.execute('Steady metrics job');
`;

/**
 * A fast source into a sink that takes 50 µs a record: the source is back-pressured. Tasks that share a slot share
 * a thread, where a slow reader only slows its source down by taking turns with it; so the source has two
 * subtasks and the sink one: the second source subtask runs in a thread of its own and fills its output.
 */
const BACK_PRESSURED_JOB = `import { StreamExecutionEnvironment, DataGeneratorSource, RateLimiterStrategy, WatermarkStrategy } from 'flink-ts';
const env = StreamExecutionEnvironment.getExecutionEnvironment();
env
  .fromSource(new DataGeneratorSource((i) => i, Number.MAX_SAFE_INTEGER, RateLimiterStrategy.noOp()), WatermarkStrategy.noWatermarks(), 'Fast')
  .setParallelism(2)
  .rebalance()
  .addSink(() => {
    const from = process.hrtime.bigint();
    while (process.hrtime.bigint() - from < 50000n) {}
  }).name('Slow').setParallelism(1);
await env.execute('Back-pressured job');
`;

/** A job that ends by itself after a few seconds (for the attached run's progress line). */
const SHORT_JOB = `import { StreamExecutionEnvironment, DataGeneratorSource, RateLimiterStrategy, WatermarkStrategy } from 'flink-ts';
const env = StreamExecutionEnvironment.getExecutionEnvironment();
env
  .fromSource(new DataGeneratorSource((i) => i, 12000, RateLimiterStrategy.perSecond(4000)), WatermarkStrategy.noWatermarks(), 'Short')
  .map((n) => n + 1)
  .addSink(() => {});
await env.execute('Short job');
`;

function submittedJobId(r: CommandResult): string {
  const m = /Job has been submitted with JobID ([0-9a-f]{32})/.exec(r.stdout);
  assert.ok(m, r.describe);
  return m[1] as string;
}

describe('metrics on a standalone cluster (issue 12)', function () {
  this.timeout(240_000);
  let cluster: StandaloneCluster;
  let dir: string;

  before(async () => {
    cluster = await StandaloneCluster.start();
    dir = await cluster.tempDir('metrics-jobs');
    await writeFile(join(dir, 'steady.js'), STEADY_JOB);
    await writeFile(join(dir, 'back-pressured.js'), BACK_PRESSURED_JOB);
    await writeFile(join(dir, 'short.js'), SHORT_JOB);
  });

  after(async () => cluster?.stop());

  async function runDetached(file: string, parallelism: number, dynamic: string[] = []): Promise<{ jobId: string; vertices: Vertex[] }> {
    const r = await cluster.flink(['run', '-d', '-p', String(parallelism), ...dynamic.flatMap((d) => ['-D', d]), join(dir, file)]);
    assert.equal(r.exitCode, 0, r.describe);
    const jobId = submittedJobId(r);
    await cluster.awaitJobState(jobId, ['RUNNING']);
    const { vertices } = await cluster.rest<{ vertices: Vertex[] }>(`/jobs/${jobId}`);
    return { jobId, vertices };
  }

  async function cancel(jobId: string): Promise<void> {
    await cluster.rest(`/jobs/${jobId}?mode=cancel`, { method: 'PATCH' }).catch(() => {});
    await cluster.awaitJobState(jobId, ['CANCELED', 'FINISHED', 'FAILED']);
  }

  function sumOf(rows: Aggregate[], id: string): number {
    const row = rows.find((r) => r.id === id);
    assert.ok(row && typeof row.sum === 'number', `no sum for ${id} in ${JSON.stringify(rows)}`);
    return row.sum;
  }

  it('counts records per task and per operator under Flink ids, and the counts grow while the job runs', async () => {
    const { jobId, vertices } = await runDetached('steady.js', 2, [`state.checkpoints.dir=file://${join(dir, 'checkpoints')}`]);
    try {
      const source = vertices.find((v) => v.name.startsWith('Source: Numbers')) ?? (vertices[0] as Vertex);
      const keyed = vertices.find((v) => v.name.includes('Plus one'));
      assert.ok(keyed, `no vertex for the operators after keyBy: ${JSON.stringify(vertices)}`);

      // Per subtask and operator: `<subtask>.<name>` and `<subtask>.<operator>.<name>`, operator names as Flink writes them.
      // Tasks report once a second: the ids are there from the first report on.
      const ids = await waitFor('the first metrics of the source', 30_000, async () => {
        const listed = (await cluster.rest<Array<{ id: string }>>(`/jobs/${jobId}/vertices/${source.id}/metrics`)).map((m) => m.id);
        return listed.includes('0.numRecordsOut') && listed.includes('1.numRecordsOut') ? listed : undefined;
      });
      for (const id of ['0.numRecordsOut', '1.numRecordsOut', '0.numRecordsOutPerSecond', '0.backPressuredTimeMsPerSecond', '0.Double.numRecordsIn', '0.Fours.numRecordsOut']) {
        assert.ok(ids.includes(id), `${id} missing from ${ids.join(', ')}`);
      }

      const path = `/jobs/${jobId}/vertices/${keyed.id}/subtasks/metrics?get=numRecordsIn,Plus_one.numRecordsIn,numRecordsInPerSecond,busyTimeMsPerSecond,idleTimeMsPerSecond&agg=sum,max`;
      const first = await waitFor('records reaching the keyed vertex', 30_000, async () => {
        const rows = await cluster.rest<Aggregate[]>(path);
        return (rows.find((r) => r.id === 'numRecordsIn')?.sum ?? 0) > 0 ? rows : undefined;
      });
      const later = await waitFor('the keyed vertex counting on', 30_000, async () => {
        const rows = await cluster.rest<Aggregate[]>(path);
        return sumOf(rows, 'numRecordsIn') > sumOf(first, 'numRecordsIn') ? rows : undefined;
      });
      // The head operator of the chain sees exactly what the task reads.
      assert.ok(Math.abs(sumOf(later, 'Plus_one.numRecordsIn') - sumOf(later, 'numRecordsIn')) <= 2000, JSON.stringify(later));
      // A quarter of the source's 2000/s per subtask pass the filter: about 1000/s over both subtasks.
      await waitFor('a records-in rate', 30_000, async () => sumOf(await cluster.rest<Aggregate[]>(path), 'numRecordsInPerSecond') > 100 || undefined);
      const busy = later.find((r) => r.id === 'busyTimeMsPerSecond');
      const idle = later.find((r) => r.id === 'idleTimeMsPerSecond');
      assert.ok(busy && idle && (busy.max as number) >= 0 && (busy.max as number) <= 1000 && (idle.max as number) > 0, JSON.stringify(later));

      // One subtask's own metrics, with string values as Flink answers them.
      const one = await cluster.rest<MetricValue[]>(`/jobs/${jobId}/vertices/${keyed.id}/subtasks/1/metrics?get=numRecordsIn,buffers.inPoolUsage`);
      assert.deepEqual(one.map((m) => m.id).sort(), ['buffers.inPoolUsage', 'numRecordsIn']);
      assert.ok(one.every((m) => typeof m.value === 'string' && Number.isFinite(Number(m.value))), JSON.stringify(one));

      // The job's own metrics on the JobManager: it runs, never restarted, and takes checkpoints.
      const jobMetrics = await waitFor('a completed checkpoint in the job metrics', 30_000, async () => {
        const m = await cluster.rest<MetricValue[]>(`/jobs/${jobId}/metrics?get=uptime,numRestarts,numberOfCompletedCheckpoints,lastCheckpointDuration`);
        return Number(m.find((x) => x.id === 'numberOfCompletedCheckpoints')?.value) > 0 ? m : undefined;
      });
      const value = (id: string): number => Number(jobMetrics.find((m) => m.id === id)?.value);
      assert.ok(value('uptime') > 0, JSON.stringify(jobMetrics));
      assert.equal(value('numRestarts'), 0);
      assert.ok(value('lastCheckpointDuration') >= 0, JSON.stringify(jobMetrics));
    } finally {
      await cancel(jobId);
    }
  });

  it("answers the JobManager's and every TaskManager's own metrics, one by one and aggregated", async () => {
    const jm = await cluster.rest<MetricValue[]>('/jobmanager/metrics?get=Status.JVM.Memory.Heap.Used,numRegisteredTaskManagers,taskSlotsTotal,Status.JVM.CPU.Load');
    const jmValue = (id: string): number => Number(jm.find((m) => m.id === id)?.value);
    assert.equal(jmValue('numRegisteredTaskManagers'), 2);
    assert.equal(jmValue('taskSlotsTotal'), 4);
    assert.ok(jmValue('Status.JVM.Memory.Heap.Used') > 0);
    assert.ok(jmValue('Status.JVM.CPU.Load') >= 0 && jmValue('Status.JVM.CPU.Load') <= 1);

    const { taskmanagers } = await cluster.rest<{ taskmanagers: Array<{ id: string }> }>('/taskmanagers');
    const listed = (await cluster.rest<Array<{ id: string }>>(`/taskmanagers/${taskmanagers[0]?.id}/metrics`)).map((m) => m.id);
    for (const id of ['Status.JVM.Memory.Heap.Used', 'Status.JVM.Memory.Heap.Max', 'Status.JVM.CPU.Load', 'Status.Node.Memory.RSS', 'Status.Node.EventLoop.Delay.P99']) {
      assert.ok(listed.includes(id), `${id} missing from ${listed.join(', ')}`);
    }
    const heap = await cluster.rest<Aggregate[]>('/taskmanagers/metrics?get=Status.JVM.Memory.Heap.Used&agg=min,sum');
    assert.ok((heap[0]?.min ?? 0) > 0 && (heap[0]?.sum ?? 0) >= 2 * (heap[0]?.min ?? 0), JSON.stringify(heap));

    const res = await cluster.restResponse('/taskmanagers/metrics?get=Status.JVM.CPU.Load&agg=median');
    assert.equal(res.status, 400);
    assert.match(await res.text(), /Unknown aggregation 'median'.*min, max, avg, sum/);
    const unknown = await cluster.restResponse('/taskmanagers/no-such-taskmanager/metrics');
    assert.equal(unknown.status, 404);
  });

  it('shows a source held up by a slow sink as back-pressured, and the sink as busy', async () => {
    const { jobId, vertices } = await runDetached('back-pressured.js', 2);
    try {
      const source = vertices.find((v) => v.name.includes('Fast')) as Vertex;
      const sink = vertices.find((v) => v.name.includes('Slow')) as Vertex;
      const bp = await waitFor('high back pressure at the source', 60_000, async () => {
        const b = await cluster.rest<{ status: string; 'backpressure-level'?: string; subtasks?: Array<{ ratio: number }> }>(
          `/jobs/${jobId}/vertices/${source.id}/backpressure`,
        );
        return b['backpressure-level'] === 'high' ? b : undefined;
      });
      assert.equal(bp.status, 'ok');
      assert.ok(Math.max(...(bp.subtasks ?? []).map((s) => s.ratio)) > 0.5, JSON.stringify(bp));
      // The sink works nearly all the time (its rate shows from its second report on).
      await waitFor('a busy sink', 30_000, async () => {
        const busy = await cluster.rest<Aggregate[]>(`/jobs/${jobId}/vertices/${sink.id}/subtasks/metrics?get=busyTimeMsPerSecond&agg=max`);
        return (busy[0]?.max ?? 0) > 500 || undefined;
      });
    } finally {
      await cancel(jobId);
    }
  });

  it('an attached run on a terminal shows one updating progress line; piped output has none', async () => {
    // `script` gives bin/flink a pseudo-terminal, as an interactive shell would.
    const command = [join(BIN_DIR, 'flink'), 'run', join(dir, 'short.js')].map((a) => `'${a}'`).join(' ');
    const onTerminal = await execa('script', ['-qfec', command, '/dev/null'], { env: cluster.env, timeout: 120_000, reject: false, stdin: 'ignore' });
    const shown = onTerminal.stdout;
    assert.equal(onTerminal.exitCode, 0, shown);
    assert.match(shown, /\rRUNNING {2}\d+:\d\d {2}records in [\d,]+ \([\d.]+[KMG]?\/s\) {2}out [\d,]+/, JSON.stringify(shown));
    // The line is erased before the usual closing lines.
    assert.match(shown, /\r\x1b\[KProgram execution finished/, JSON.stringify(shown));
    assert.match(shown, /Job Runtime: \d+ ms/);

    const piped = await cluster.flink(['run', join(dir, 'short.js')], { timeout: 120_000 });
    assert.equal(piped.exitCode, 0, piped.describe);
    assert.ok(!piped.stdout.includes('\r') && !piped.stdout.includes('records in'), piped.describe);
  });
});
