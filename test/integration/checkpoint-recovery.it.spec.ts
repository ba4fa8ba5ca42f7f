/**
 * Checkpoints and recovery on a real standalone cluster (issue 9): a job with a replayable source, keyed state,
 * an event-time window and a sink that commits per completed checkpoint keeps running through TaskManagers
 * killed with `kill -9`; the committed output has every record's effect exactly once.
 */
import assert from 'node:assert/strict';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { userInfo } from 'node:os';
import { StandaloneCluster, isAlive, waitFor } from './support/standalone-cluster.js';
import { pidListeningOn } from '../support/processes.js';
import { RawWebHdfs, startHdfs, stopHdfs, type HdfsInfo } from './support/hdfs-cluster.js';
import { exactlyOnceJob, parallelPipelineJob } from './support/checkpoint-programs.js';
import { committed, exactlyOnceProblems, localStore, submittedJobId, type CheckpointStore } from './support/exactly-once.js';

interface JobDetails {
  state: string;
  vertices: { parallelism: number; tasks: Record<string, number> }[];
}

/**
 * Runs exactlyOnceJob with a 500 ms checkpoint interval, kills a TaskManager running it `kills` times (each time
 * after a checkpoint of the running attempt completed, and starting a replacement), waits for the job to finish,
 * and returns the committed records.
 */
async function killScenario(
  cluster: StandaloneCluster,
  store: CheckpointStore,
  opts: {
    n: number;
    kills: number;
    mode?: string;
    sink?: 'committing' | 'file-sink';
    conf?: Record<string, string>;
    /** Checks made while the job runs, before the first kill. */
    whileRunning?: (jobId: string) => Promise<void>;
  },
): Promise<unknown[][]> {
  const out = await cluster.tempDir('out');
  const job = join(await cluster.tempDir('jobs'), 'exactly-once.js');
  await writeFile(job, exactlyOnceJob('Exactly once', out, opts.n, 20, opts.sink));
  const conf = {
    'execution.checkpointing.interval': '500ms',
    'execution.checkpointing.mode': opts.mode ?? 'EXACTLY_ONCE',
    'state.checkpoints.dir': store.uri,
    'restart-strategy': 'fixed-delay',
    'restart-strategy.fixed-delay.attempts': '10',
    'restart-strategy.fixed-delay.delay': '200ms',
    ...opts.conf,
  };
  const run = await cluster.flink(['run', '-d', '-p', '2', ...Object.entries(conf).flatMap(([k, v]) => ['-D', `${k}=${v}`]), job]);
  assert.equal(run.exitCode, 0, run.describe);
  const jobId = submittedJobId(run);
  const allRunning = async (): Promise<boolean> => {
    const d = await cluster.rest<JobDetails>(`/jobs/${jobId}`);
    return d.state === 'RUNNING' && d.vertices.every((v) => v.tasks['RUNNING'] === v.parallelism);
  };
  await opts.whileRunning?.(jobId);
  let restoredFrom = 0;
  for (let kill = 0; kill < opts.kills; kill++) {
    // Each kill comes after a checkpoint of the running attempt completed: the restart restores state.
    restoredFrom = await waitFor('the job running with a new completed checkpoint', 60_000, async () => {
      if (!(await allRunning())) return undefined;
      const latest = await store.latestCompleted(jobId);
      return latest > restoredFrom ? latest : undefined;
    });
    const pids = (await cluster.pids('taskexecutor')).filter(isAlive);
    const victim = pids[kill % pids.length] as number;
    process.kill(victim, 'SIGKILL');
    await waitFor(`TaskManager ${victim} to die`, 10_000, () => (isAlive(victim) ? undefined : true));
    await cluster.startTaskManager();
    const state = await cluster.awaitJobState(jobId, ['RESTARTING', 'RUNNING', 'FINISHED', 'FAILED'], 30_000);
    assert.notEqual(state, 'FAILED');
  }
  const final = await cluster.awaitJobState(jobId, ['FINISHED', 'FAILED', 'CANCELED'], 180_000);
  const exceptions = await cluster.rest<{ exceptionHistory: { entries: unknown[] } }>(`/jobs/${jobId}/exceptions`);
  assert.equal(final, 'FINISHED', JSON.stringify(exceptions).slice(0, 3000));
  // Each kill is a failure the job recovered from; the history keeps them.
  assert.ok(exceptions.exceptionHistory.entries.length >= opts.kills, `${exceptions.exceptionHistory.entries.length} entries: ${JSON.stringify(exceptions).slice(0, 2000)}`);
  return committed(out);
}

describe('checkpoints and recovery on a standalone cluster', function () {
  this.timeout(300_000);
  let cluster: StandaloneCluster;

  before(async () => {
    // One slot each: the job (parallelism 2) runs on both, so every kill hits it, and it waits for the replacement.
    cluster = await StandaloneCluster.start({ taskManagers: 2, slotsPerTaskManager: 1 });
  });
  after(async () => {
    await cluster?.stop();
  });

  it('survives TaskManagers killed with kill -9; the FileSink commits every record exactly once', async () => {
    const store = localStore(await cluster.tempDir('checkpoints'));
    const records = await killScenario(cluster, store, { n: 40_000, kills: 3, sink: 'file-sink' });
    assert.deepEqual(exactlyOnceProblems(records, 40_000), []);
  });

  it('with unaligned checkpoints too: in-flight data is stored and fed in again, exactly once', async () => {
    const store = localStore(await cluster.tempDir('checkpoints'));
    const records = await killScenario(cluster, store, { n: 30_000, kills: 2, sink: 'file-sink', conf: { 'execution.checkpointing.unaligned': 'true' } });
    assert.deepEqual(exactlyOnceProblems(records, 30_000), []);
  });

  it('with incremental checkpoints: keyed state goes to shared chunk and change files, and recovery is exactly once', async () => {
    const dir = await cluster.tempDir('checkpoints');
    const store = localStore(dir);
    const records = await killScenario(cluster, store, {
      n: 30_000,
      kills: 2,
      sink: 'file-sink',
      conf: { 'state.backend.incremental': 'true' },
      whileRunning: async (jobId) => {
        // The heap backend's later checkpoints hold only what changed: a kill then restores a full copy plus changes.
        await waitFor('shared chunk files and a change file of a completed checkpoint', 60_000, async () => {
          const files = await readdir(join(dir, jobId, 'shared')).catch(() => []);
          const chunks = files.some((f) => !f.startsWith('changes-'));
          return (await store.latestCompleted(jobId)) > 1 && chunks && files.some((f) => f.startsWith('changes-')) ? true : undefined;
        });
      },
    });
    assert.deepEqual(exactlyOnceProblems(records, 30_000), []);
  });

  it('with the embedded-lmdb state backend: its state is checkpointed and restored exactly once', async () => {
    const store = localStore(await cluster.tempDir('checkpoints'));
    const records = await killScenario(cluster, store, { n: 20_000, kills: 2, sink: 'file-sink', conf: { 'state.backend': 'embedded-lmdb' } });
    assert.deepEqual(exactlyOnceProblems(records, 20_000), []);
  });

  it('with AT_LEAST_ONCE checkpoints nothing is lost (records may repeat)', async () => {
    const store = localStore(await cluster.tempDir('checkpoints'));
    const records = await killScenario(cluster, store, { n: 30_000, kills: 2, mode: 'AT_LEAST_ONCE' });
    assert.deepEqual(exactlyOnceProblems(records, 30_000, true), []);
  });
});

describe('a TaskManager that hangs', function () {
  this.timeout(300_000);
  let cluster: StandaloneCluster;
  const stopped: number[] = [];

  before(async () => {
    // A spare slot for the restart, and a short heartbeat timeout: a stopped process never closes its connection.
    cluster = await StandaloneCluster.start({
      taskManagers: 3,
      slotsPerTaskManager: 1,
      extraConf: ['heartbeat.interval: 500', 'heartbeat.timeout: 4000'],
    });
  });
  after(async () => {
    for (const pid of stopped) if (isAlive(pid)) process.kill(pid, 'SIGCONT');
    await cluster?.stop();
  });

  it('is noticed by heartbeat.timeout; the job restarts on the other slots from its checkpoint, exactly once', async () => {
    const out = await cluster.tempDir('out');
    const checkpoints = localStore(await cluster.tempDir('checkpoints'));
    const job = join(await cluster.tempDir('jobs'), 'hang.js');
    await writeFile(job, exactlyOnceJob('Hanging TaskManager', out, 30_000));
    // A restart delay long enough for `flink list` to see the job RESTARTING.
    const conf = ['execution.checkpointing.interval=500ms', `state.checkpoints.dir=${checkpoints.uri}`, 'restart-strategy=fixed-delay', 'restart-strategy.fixed-delay.attempts=3', 'restart-strategy.fixed-delay.delay=4s'];
    const run = await cluster.flink(['run', '-d', '-p', '2', ...conf.flatMap((c) => ['-D', c]), job]);
    assert.equal(run.exitCode, 0, run.describe);
    const jobId = submittedJobId(run);
    const subtasks = await waitFor('a completed checkpoint', 60_000, async () => {
      if ((await checkpoints.latestCompleted(jobId)) === 0) return undefined;
      const d = await cluster.rest<{ vertices: { id: string }[] }>(`/jobs/${jobId}`);
      const v = await cluster.rest<{ subtasks: { status: string; endpoint: string }[] }>(`/jobs/${jobId}/vertices/${d.vertices.at(-1)?.id ?? ''}`);
      return v.subtasks.every((s) => s.status === 'RUNNING') ? v.subtasks : undefined;
    });
    const port = Number((subtasks[0] as { endpoint: string }).endpoint.split(':')[1]);
    const victim = await pidListeningOn(port, await cluster.pids('taskexecutor'));
    assert.ok(victim, `a TaskManager process listens on data port ${port}`);
    process.kill(victim, 'SIGSTOP');
    stopped.push(victim);
    await cluster.awaitJobState(jobId, ['RESTARTING', 'FAILED'], 20_000);
    const list = await cluster.flink(['list']);
    assert.match(list.stdout, /-+ Running\/Restarting Jobs -+\n.* : [0-9a-f]{32} : Hanging TaskManager \(RESTARTING\)/, list.describe);
    const final = await cluster.awaitJobState(jobId, ['FINISHED', 'FAILED', 'CANCELED'], 180_000);
    const exceptions = await cluster.rest<{ 'root-exception'?: string }>(`/jobs/${jobId}/exceptions`);
    assert.equal(final, 'FINISHED', JSON.stringify(exceptions).slice(0, 2000));
    assert.match(exceptions['root-exception'] ?? '', /heartbeat timed out after 4000 ms/);
    assert.deepEqual(exactlyOnceProblems(await committed(out), 30_000), []);
  });
});

describe('region failover', function () {
  this.timeout(300_000);
  let cluster: StandaloneCluster;

  before(async () => {
    // A spare slot for the restarted region.
    cluster = await StandaloneCluster.start({ taskManagers: 3, slotsPerTaskManager: 1 });
  });
  after(async () => {
    await cluster?.stop();
  });

  it('restarts only the failed subtask of an embarrassingly parallel job; the job stays RUNNING and commits exactly once', async () => {
    const n = 30_000;
    const out = await cluster.tempDir('out');
    const store = localStore(await cluster.tempDir('checkpoints'));
    const job = join(await cluster.tempDir('jobs'), 'parallel.js');
    await writeFile(job, parallelPipelineJob('Parallel pipeline', out, n));
    const conf = ['execution.checkpointing.interval=500ms', `state.checkpoints.dir=${store.uri}`, 'jobmanager.execution.failover-strategy=region'];
    const run = await cluster.flink(['run', '-d', '-p', '2', ...conf.flatMap((c) => ['-D', c]), job]);
    assert.equal(run.exitCode, 0, run.describe);
    const jobId = submittedJobId(run);
    type Subtasks = { subtasks: { subtask: number; status: string; attempt: number; endpoint: string; 'start-time': number }[] };
    const vertex = async (): Promise<Subtasks> => {
      const d = await cluster.rest<{ vertices: { id: string }[] }>(`/jobs/${jobId}`);
      return cluster.rest<Subtasks>(`/jobs/${jobId}/vertices/${d.vertices[0]?.id ?? ''}`);
    };
    const before = await waitFor('both subtasks running with a completed checkpoint', 60_000, async () => {
      const v = await vertex();
      return v.subtasks.every((s) => s.status === 'RUNNING') && (await store.latestCompleted(jobId)) > 0 ? v : undefined;
    });
    const victim = await pidListeningOn(Number(before.subtasks[1]?.endpoint.split(':')[1]), await cluster.pids('taskexecutor'));
    assert.ok(victim);
    process.kill(victim, 'SIGKILL');
    const after = await waitFor('subtask 1 running again in a new attempt', 60_000, async () => {
      const v = await vertex();
      return v.subtasks[1]?.attempt === 1 && v.subtasks[1].status === 'RUNNING' ? v : undefined;
    });
    assert.equal(after.subtasks[0]?.attempt, 0, 'subtask 0 was not restarted');
    assert.equal(after.subtasks[0]?.['start-time'], before.subtasks[0]?.['start-time']);
    assert.equal(await cluster.awaitJobState(jobId, ['FINISHED', 'FAILED', 'CANCELED'], 120_000), 'FINISHED');
    const details = await cluster.rest<{ timestamps: Record<string, number> }>(`/jobs/${jobId}`);
    assert.equal(details.timestamps['RESTARTING'] ?? 0, 0, 'the job itself never restarted');
    const numbers = (await committed(out)).map((r) => r[1] as number).sort((a, b) => a - b);
    assert.equal(numbers.length, n);
    assert.ok(numbers.every((x, i) => x === i), 'every number committed exactly once');
  });
});

describe('checkpoints in HDFS (scripts/hadoop.sh)', function () {
  this.timeout(600_000);
  let hdfs: HdfsInfo | undefined;
  let cluster: StandaloneCluster | undefined;
  const savedConfDir = process.env.HADOOP_CONF_DIR;

  before(async function () {
    this.timeout(420_000);
    hdfs = await startHdfs();
    // The cluster's daemons inherit it and find the NameNode's WebHDFS address there.
    process.env.HADOOP_CONF_DIR = hdfs.confDir;
    cluster = await StandaloneCluster.start({ taskManagers: 2, slotsPerTaskManager: 1 });
  });
  after(async function () {
    this.timeout(180_000);
    await cluster?.stop();
    if (savedConfDir === undefined) delete process.env.HADOOP_CONF_DIR;
    else process.env.HADOOP_CONF_DIR = savedConfDir;
    await stopHdfs(hdfs);
  });

  it('a job checkpointing to hdfs:// recovers from a killed TaskManager exactly once', async () => {
    const info = hdfs as HdfsInfo;
    const raw = new RawWebHdfs(info.webhdfs, process.env.HADOOP_USER_NAME || userInfo().username);
    const base = `/flink-ts-it/checkpoints-${process.pid}-${Date.now()}`;
    const store: CheckpointStore = {
      uri: `${info.defaultFs}${base}`,
      async latestCompleted(jobId) {
        let latest = 0;
        const dirs = await raw.list(`${base}/${jobId}`).catch(() => []);
        for (const d of dirs) {
          const id = Number(/^chk-(\d+)$/.exec(d.pathSuffix)?.[1] ?? 0);
          if (id <= latest) continue;
          const files = await raw.list(`${base}/${jobId}/${d.pathSuffix}`).catch(() => []);
          if (files.some((f) => f.pathSuffix === '_metadata')) latest = id;
        }
        return latest;
      },
    };
    try {
      const records = await killScenario(cluster as StandaloneCluster, store, { n: 20_000, kills: 1 });
      assert.deepEqual(exactlyOnceProblems(records, 20_000), []);
    } finally {
      await raw.delete(base);
    }
  });
});
