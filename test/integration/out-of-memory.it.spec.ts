/**
 * Out of memory, on a real cluster with a small TaskManager heap: a task that outgrows its slot fails with a
 * message naming the slot and the limit while the TaskManager lives on; a TaskManager process whose main heap
 * fills up dies, and the job's failure cause says it ran out of memory, with the end of the daemon's .out.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StandaloneCluster, isAlive, waitFor } from './support/standalone-cluster.js';
import { tickerJob } from './support/programs.js';

/**
 * Preloaded into the daemons with env.node.opts: in the TaskManager only, fills the main thread's heap once the
 * file `<this file>.trigger` exists. That is how a runaway main thread dies: V8 prints its fatal error to the
 * .out file and aborts the process.
 */
const MAIN_HEAP_FILLER = `const fs = require('node:fs');
if ((process.argv[1] || '').endsWith('taskmanager/entrypoint.js')) {
  const timer = setInterval(() => {
    if (!fs.existsSync(__filename + '.trigger')) return;
    clearInterval(timer);
    const hoard = [];
    for (;;) hoard.push(new Array(100000).fill(Math.random()));
  }, 50);
  timer.unref();
}
`;

const HOARDING_JOB = `import { StreamExecutionEnvironment } from 'flink-ts';
const env = StreamExecutionEnvironment.getExecutionEnvironment();
const hoard = [];
env
  .generateSequence(1, 1000000000)
  .map((n) => {
    hoard.push(new Array(1000).fill(n));
    return n;
  })
  .name('Hoarder')
  .addSink(() => {});
await env.execute('Hoarding Job');
`;

const TICKER_JOB = tickerJob('Ticker Before The Fall');

interface Exceptions {
  'root-exception': string;
}

describe('out of memory (real cluster, taskmanager.heap.size: 64m, 2 slots)', function () {
  this.timeout(180_000);
  let cluster: StandaloneCluster | undefined;
  let helperDir: string;
  let filler: string;

  before(async function () {
    this.timeout(120_000);
    helperDir = await mkdtemp(join(tmpdir(), 'flink-it-oom-'));
    filler = join(helperDir, 'fill-main-heap.cjs');
    await writeFile(filler, MAIN_HEAP_FILLER);
    cluster = await StandaloneCluster.start({
      taskManagers: 1,
      slotsPerTaskManager: 2,
      extraConf: ['taskmanager.heap.size: 64m', `env.node.opts: --require ${filler}`],
    });
  });

  after(async function () {
    this.timeout(60_000);
    await cluster?.stop();
    await rm(helperDir, { recursive: true, force: true });
  });

  async function job(name: string, text: string): Promise<string> {
    const file = join(await (cluster as StandaloneCluster).tempDir('jobs'), name);
    await writeFile(file, text);
    return file;
  }

  it('a task that outgrows its slot fails the job with the slot, its limit and the keys; the TaskManager lives on', async () => {
    const c = cluster as StandaloneCluster;
    const [tmPid] = await c.pids('taskexecutor');
    const r = await c.flink(['run', '-p', '1', await job('hoarding.js', HOARDING_JOB)], { timeout: 120_000 });
    assert.equal(r.exitCode, 1, r.describe);
    assert.match(r.stderr, /Hoarder.* ran out of memory in slot \d of TaskManager [0-9a-f]+: its heap limit is 32 MiB \(taskmanager\.heap\.size: 64mb shared by 2 slot\(s\)\)\. Raise taskmanager\.heap\.size/, r.describe);

    const jobId = /JobID ([0-9a-f]{32})/.exec(r.stdout)?.[1];
    assert.ok(jobId, r.describe);
    const exceptions = await c.rest<Exceptions>(`/jobs/${jobId}/exceptions`);
    assert.match(exceptions['root-exception'], /TaskOutOfMemoryError: .*ran out of memory in slot/);

    assert.ok(tmPid !== undefined && isAlive(tmPid), 'the TaskManager process still runs');
    const overview = await c.rest<{ taskmanagers: number; 'slots-available': number }>('/overview');
    assert.equal(overview.taskmanagers, 1);
    await waitFor('both slots free again', 15_000, async () => ((await c.rest<{ 'slots-available': number }>('/overview'))['slots-available'] === 2 ? true : undefined));
  });

  // Last: the TaskManager does not survive it.
  it("a TaskManager whose main heap fills up dies, and the job's failure cause says so with the end of its .out", async () => {
    const c = cluster as StandaloneCluster;
    const [tmPid] = await c.pids('taskexecutor');
    const abandon = new AbortController();
    const client = c.flink(['run', '-p', '1', await job('ticker.js', TICKER_JOB)], { timeout: 120_000, signal: abandon.signal });
    try {
      const jobId = await waitFor('the ticker job to run', 60_000, async () => {
        const jobs = (await c.rest<{ jobs: { jid: string; name: string; state: string }[] }>('/jobs/overview')).jobs;
        return jobs.find((j) => j.name === 'Ticker Before The Fall' && j.state === 'RUNNING')?.jid;
      });
      await writeFile(`${filler}.trigger`, '');
      await waitFor('the TaskManager process to die', 60_000, () => (tmPid !== undefined && isAlive(tmPid) ? undefined : true), 100);
      assert.equal(await c.awaitJobState(jobId, ['FAILED', 'CANCELED', 'FINISHED'], 30_000), 'FAILED');

      const root = (await c.rest<Exceptions>(`/jobs/${jobId}/exceptions`))['root-exception'];
      assert.match(root, /TaskManager with id [0-9a-f]+ \(127\.0\.0\.1:\d+\) is no longer reachable: its process ran out of memory/, root);
      assert.match(root, /taskmanager\.heap\.size: 64mb\)\. Raise taskmanager\.heap\.size/, root);
      assert.ok(root.includes(`Last lines of ${c.logFile('taskexecutor', 0, 'out')}`) || /Last lines of \S+taskexecutor-0-\S+\.out/.test(root), root);
      assert.match(root, /JavaScript heap out of memory/, root);

      const r = await client;
      assert.equal(r.exitCode, 1, r.describe);
      assert.match(r.stderr, /its process ran out of memory/, r.describe);
    } finally {
      abandon.abort();
      await client;
    }
  });
});
