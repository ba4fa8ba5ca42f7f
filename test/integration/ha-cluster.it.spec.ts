/**
 * JobManager high availability on one host: a real ZooKeeper (scripts/zookeeper.sh), two JobManagers from
 * conf/masters started by bin/start-cluster.sh, TaskManagers and `bin/flink` that find the leader through
 * ZooKeeper. A kill -9 of the leader hands the running job to the standby, which restarts it from its latest
 * checkpoint with nothing lost or repeated in the committed output.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StandaloneCluster, isAlive, runCommand, waitFor, BIN_DIR } from './support/standalone-cluster.js';
import { ZooKeeperServer, freePorts } from './support/zookeeper-server.js';
import { exactlyOnceJob } from './support/checkpoint-programs.js';
import { committed, exactlyOnceProblems, localStore, submittedJobId } from './support/exactly-once.js';

interface JobDetails {
  state: string;
  vertices: { parallelism: number; tasks: Record<string, number> }[];
}

describe('JobManager high availability with ZooKeeper (two JobManagers on one host)', function () {
  this.timeout(600_000);
  let zk: ZooKeeperServer | undefined;
  let cluster: StandaloneCluster | undefined;
  let storage: string | undefined;
  /** The REST ports of the JobManagers, in conf/masters order. */
  let restPorts: number[] = [];

  before(async () => {
    zk = await ZooKeeperServer.standalone();
    storage = await mkdtemp(join(tmpdir(), 'flink-it-ha-'));
    const [standby] = await freePorts(1);
    cluster = await StandaloneCluster.start({
      taskManagers: 2,
      slotsPerTaskManager: 2,
      standbyRestPorts: [standby as number],
      extraConf: [
        'high-availability: zookeeper',
        `high-availability.zookeeper.quorum: ${zk.quorum}`,
        `high-availability.storageDir: file://${storage}/recovery`,
        'high-availability.cluster-id: /it_cluster_one',
        'high-availability.jobmanager.port: 0',
      ],
    });
    restPorts = [cluster.restPort, standby as number];
  });

  after(async () => {
    await cluster?.stop();
    await zk?.stop();
    if (storage) await rm(storage, { recursive: true, force: true });
  });

  /** How a JobManager's REST endpoint answers: 200 as leader, 307 (to the leader) as standby, or not at all. */
  async function role(port: number): Promise<'leader' | 'standby' | 'down' | number> {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/overview`, { redirect: 'manual', signal: AbortSignal.timeout(5_000) });
      await res.arrayBuffer();
      return res.status === 200 ? 'leader' : res.status === 307 ? 'standby' : res.status;
    } catch {
      return 'down';
    }
  }

  async function leaderIndex(): Promise<number> {
    return waitFor('one leading JobManager and one standby', 30_000, async () => {
      const roles = await Promise.all(restPorts.map(role));
      const i = roles.indexOf('leader');
      return i >= 0 && roles.filter((r) => r === 'leader').length === 1 ? i : undefined;
    });
  }

  async function restAt<T>(port: number, path: string): Promise<T> {
    const res = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(10_000) });
    const text = await res.text();
    if (!res.ok) throw new Error(`GET ${path} on ${port} answered ${res.status}: ${text}`);
    return JSON.parse(text) as T;
  }

  /** Writes exactlyOnceJob (FileSink, checkpoints every 500 ms); returns the arguments of bin/flink run. */
  async function exactlyOnceRun(c: StandaloneCluster, name: string, file: string, n: number) {
    const out = await c.tempDir('out');
    const store = localStore(await c.tempDir('checkpoints'));
    const job = join(await c.tempDir('jobs'), file);
    await writeFile(job, exactlyOnceJob(name, out, n, 20, 'file-sink'));
    const conf = ['execution.checkpointing.interval=500ms', `state.checkpoints.dir=${store.uri}`];
    return { out, store, n, args: ['-p', '2', ...conf.flatMap((x) => ['-D', x]), job] };
  }

  /** Submits exactlyOnceJob detached; returns where it writes and its id. */
  async function submitExactlyOnce(c: StandaloneCluster, name: string, file: string, n: number) {
    const { args, ...job } = await exactlyOnceRun(c, name, file, n);
    const run = await c.flink(['run', '-d', ...args]);
    assert.equal(run.exitCode, 0, run.describe);
    return { ...job, jobId: submittedJobId(run) };
  }

  it('start-cluster.sh starts both masters; one leads and the other redirects to it', async () => {
    const c = cluster as StandaloneCluster;
    assert.match(c.startOutput, /Starting HA cluster with 2 masters\./);
    const leader = await leaderIndex();
    const other = restPorts[1 - leader] as number;
    const res = await fetch(`http://127.0.0.1:${other}/overview`, { redirect: 'manual' });
    assert.equal(res.status, 307);
    assert.equal(res.headers.get('location'), `http://127.0.0.1:${restPorts[leader]}/overview`);
    // Both TaskManagers registered at the leader, through ZooKeeper.
    const overview = await restAt<{ taskmanagers: number }>(other, '/overview').catch(() => undefined);
    assert.equal(overview?.taskmanagers, 2, 'a client that follows the redirect sees the leader');
  });

  it('bin/flink list finds the leader with only the configuration', async () => {
    const c = cluster as StandaloneCluster;
    const r = await c.flink(['list']);
    assert.equal(r.exitCode, 0, r.describe);
  });

  it('kill -9 of the leader: the standby recovers the job from its latest checkpoint, exactly once; the attached bin/flink run follows it and reports the result', async () => {
    const c = cluster as StandaloneCluster;
    const { out, store, n, args } = await exactlyOnceRun(c, 'HA exactly once', 'ha.js', 40_000);
    // Attached: the client waits for the job's result, which the new leader gives after the failover.
    const attached = c.flink(['run', ...args], { timeout: 300_000 });
    const leader = await leaderIndex();
    const jobId = await waitFor('the job at the leader', 60_000, async () => {
      const jobs = await restAt<{ jobs: { jid: string; name: string }[] }>(restPorts[leader] as number, '/jobs/overview').catch(() => undefined);
      return jobs?.jobs.find((j) => j.name === 'HA exactly once')?.jid;
    });
    const standbyPort = restPorts[1 - leader] as number;
    await waitFor('a completed checkpoint', 60_000, async () => ((await store.latestCompleted(jobId)) > 0 ? true : undefined));

    const pids = await c.pids('standalonesession');
    const victim = pids[leader] as number;
    const beforeKill = await store.latestCompleted(jobId);
    process.kill(victim, 'SIGKILL');
    const killedAt = Date.now();
    await waitFor(`JobManager ${victim} to die`, 10_000, () => (isAlive(victim) ? undefined : true));
    await waitFor('the standby leading with the job RUNNING on every task', 60_000, async () => {
      const d = await restAt<JobDetails>(standbyPort, `/jobs/${jobId}`).catch(() => undefined);
      return d?.state === 'RUNNING' && d.vertices.every((v) => v.tasks['RUNNING'] === v.parallelism) ? true : undefined;
    });
    const failoverMs = Date.now() - killedAt;
    console.log(`      (kill -9 of the leader to the job RUNNING on the new leader: ${failoverMs} ms)`);
    // The new leader owns the checkpoints the old one retained: they go once newer ones subsume them.
    await waitFor(`checkpoint ${beforeKill} and older, from before the failover, removed`, 60_000, async () => {
      const ids = await store.completedIds(jobId);
      return ids.length > 0 && ids.every((id) => id > beforeKill) ? true : undefined;
    });

    const final = await waitFor('the job to end', 180_000, async () => {
      const d = await restAt<JobDetails>(standbyPort, `/jobs/${jobId}`).catch(() => undefined);
      return d && ['FINISHED', 'FAILED', 'CANCELED'].includes(d.state) ? d.state : undefined;
    });
    assert.equal(final, 'FINISHED');
    assert.deepEqual(exactlyOnceProblems(await committed(out), n), []);
    const run = await attached;
    assert.equal(run.exitCode, 0, run.describe);
    assert.equal(submittedJobId(run), jobId);
    assert.match(run.stdout, new RegExp(`Job with JobID ${jobId} has finished\\.`), run.describe);

    // The old leader comes back as a standby.
    const restarted = await runCommand(join(BIN_DIR, 'jobmanager.sh'), ['start', '127.0.0.1', String(restPorts[leader])], c.env, { timeout: 60_000 });
    assert.equal(restarted.exitCode, 0, restarted.describe);
    await waitFor('the restarted JobManager to answer as a standby', 30_000, async () => ((await role(restPorts[leader] as number)) === 'standby' ? true : undefined));
    // It took the killed one's log index: the survivor's log was neither shared nor rotated away.
    const logs = await readdir(c.logDir);
    assert.ok(!logs.some((f) => f.startsWith(`flink-${c.ident}-standalonesession-${1 - leader}-`) && f.endsWith('.log.1')), logs.join(' '));
    assert.ok(logs.some((f) => f.startsWith(`flink-${c.ident}-standalonesession-${leader}-`) && f.endsWith('.log.1')), logs.join(' '));
  });

  it('a brief ZooKeeper restart neither moves leadership nor restarts the running job', async () => {
    const c = cluster as StandaloneCluster;
    const { out, store, jobId, n } = await submitExactlyOnce(c, 'Through a ZooKeeper restart', 'zk-restart.js', 60_000);
    const leader = await leaderIndex();
    const port = restPorts[leader] as number;
    await waitFor('a completed checkpoint', 60_000, async () => ((await store.latestCompleted(jobId)) > 0 ? true : undefined));

    await (zk as ZooKeeperServer).stopServers();
    await (zk as ZooKeeperServer).start();
    const final = await waitFor('the job to end', 180_000, async () => {
      const d = await restAt<JobDetails>(port, `/jobs/${jobId}`).catch(() => undefined);
      return d && ['FINISHED', 'FAILED', 'CANCELED'].includes(d.state) ? d.state : undefined;
    });
    assert.equal(final, 'FINISHED');
    assert.equal(await leaderIndex(), leader, 'the same JobManager still leads');
    const exceptions = await restAt<{ exceptionHistory: { entries: unknown[] } }>(port, `/jobs/${jobId}/exceptions`);
    assert.deepEqual(exceptions.exceptionHistory.entries, [], 'the job never restarted');
    assert.deepEqual(exactlyOnceProblems(await committed(out), n), []);
  });
});
