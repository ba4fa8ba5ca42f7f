/**
 * Checkpoints that fail (issue 9): a snapshot that throws and a checkpoint that times out are reported in
 * `/jobs/:jobid/checkpoints` and do not fail the job until more than
 * `execution.checkpointing.tolerable-failed-checkpoints` fail in a row; one more fails it with a clear cause.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { StandaloneCluster, waitFor, type CommandResult } from './support/standalone-cluster.js';

/** A job whose map function's snapshotState throws, or stalls for `stallMs`, for checkpoint ids in `bad`. */
function flakyJob(name: string, bad: number[], stallMs: number): string {
  return `import { StreamExecutionEnvironment } from 'flink-ts';
const env = StreamExecutionEnvironment.getExecutionEnvironment();
env
  .addSource(async (ctx) => {
    for (let i = 0; ctx.isRunning(); i++) {
      ctx.collect(i);
      await new Promise((r) => setTimeout(r, 2));
    }
  }, 'Ticks')
  .map({
    map: (x) => x,
    snapshotState(ctx) {
      if (!${JSON.stringify(bad)}.includes(ctx.getCheckpointId())) return;
      if (${stallMs} === 0) throw new Error('snapshot ' + ctx.getCheckpointId() + ' refused on purpose');
      const until = Date.now() + ${stallMs};
      while (Date.now() < until) {}
    },
  })
  .addSink(() => {});
await env.execute(${JSON.stringify(name)});
`;
}

function submittedJobId(r: CommandResult): string {
  const m = /Job has been submitted with JobID ([0-9a-f]{32})/.exec(r.stdout);
  assert.ok(m, r.describe);
  return m[1] as string;
}

interface CheckpointStats {
  counts: { completed: number; failed: number };
  latest: { failed: { failure_message?: string } | null };
}

describe('failed checkpoints', function () {
  this.timeout(240_000);
  let cluster: StandaloneCluster;
  let checkpoints: string;

  before(async () => {
    cluster = await StandaloneCluster.start({ taskManagers: 1, slotsPerTaskManager: 2 });
    checkpoints = await cluster.tempDir('checkpoints');
  });
  after(async () => {
    await cluster?.stop();
  });

  async function submit(name: string, bad: number[], stallMs: number, conf: string[]): Promise<string> {
    const job = join(await cluster.tempDir('jobs'), `${name.replace(/\W+/g, '-')}.js`);
    await writeFile(job, flakyJob(name, bad, stallMs));
    const base = ['execution.checkpointing.interval=300ms', `state.checkpoints.dir=file://${checkpoints}`, 'restart-strategy=none'];
    const run = await cluster.flink(['run', '-d', ...[...base, ...conf].flatMap((c) => ['-D', c]), job]);
    assert.equal(run.exitCode, 0, run.describe);
    return submittedJobId(run);
  }

  it('a declined and an expired checkpoint are reported; within the tolerable number the job runs on', async () => {
    // Checkpoints 1 and 2 are refused; 3 onwards complete.
    const jobId = await submit('Tolerant', [1, 2], 0, ['execution.checkpointing.tolerable-failed-checkpoints=2']);
    const stats = await waitFor('a completed checkpoint after the failed ones', 60_000, async () => {
      const s = await cluster.rest<CheckpointStats>(`/jobs/${jobId}/checkpoints`);
      return s.counts.completed >= 1 && s.counts.failed >= 2 ? s : undefined;
    });
    assert.match(JSON.stringify(stats), /refused on purpose/);
    assert.equal((await cluster.rest<{ state: string }>(`/jobs/${jobId}`)).state, 'RUNNING');
    await cluster.flink(['cancel', jobId]);

    // Checkpoint 1 stalls its task past the 1 s timeout; the task is busy meanwhile, so the next one may expire too.
    const slow = await submit('Slow snapshot', [1], 1300, ['execution.checkpointing.timeout=1s', 'execution.checkpointing.tolerable-failed-checkpoints=3']);
    const s2 = await waitFor('the expired checkpoint reported, and a later one completed', 60_000, async () => {
      const s = await cluster.rest<CheckpointStats>(`/jobs/${slow}/checkpoints`);
      return s.counts.failed >= 1 && s.counts.completed >= 1 ? s : undefined;
    });
    assert.match(JSON.stringify(s2), /expired after 1000 ms/);
    assert.equal((await cluster.rest<{ state: string }>(`/jobs/${slow}`)).state, 'RUNNING');
    await cluster.flink(['cancel', slow]);
  });

  it('one failed checkpoint more than tolerated fails the job, saying why', async () => {
    const jobId = await submit('Intolerant', [1, 2, 3], 0, []);
    assert.equal(await cluster.awaitJobState(jobId, ['FAILED', 'FINISHED', 'CANCELED'], 60_000), 'FAILED');
    const ex = await cluster.rest<{ 'root-exception': string }>(`/jobs/${jobId}/exceptions`);
    assert.match(ex['root-exception'], /Exceeded the tolerable number of failed checkpoints \(0, execution\.checkpointing\.tolerable-failed-checkpoints\)/);
    assert.match(ex['root-exception'], /refused on purpose/);
  });
});
