/**
 * Seed 004's "Standalone Cluster HA" on real hosts: three namespace hosts with their own sshd
 * (scripts/netns-hosts.sh), JobManagers on h1 and h2 (conf/masters), TaskManagers on h2 and h3 (conf/workers),
 * a three-server ZooKeeper ensemble and HDFS from scripts/ on the root namespace's gateway address, recovery metadata
 * and checkpoints in HDFS. bin/start-cluster.sh, bin/flink and bin/stop-cluster.sh run on h1, as a user logged in there would run them.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { NamespaceHosts } from '../support/netns-hosts.js';
import { waitFor } from '../support/processes.js';
import { MultiHostInstall } from './support/multi-host-install.js';
import { nonEmptyLines } from './support/standalone-cluster.js';
import { ZooKeeperServer } from './support/zookeeper-server.js';
import { RawWebHdfs, startPrivateHdfs, stopHdfs, type HdfsInfo } from './support/hdfs-cluster.js';
import { exactlyOnceJob } from './support/checkpoint-programs.js';
import { committed, exactlyOnceProblems, submittedJobId } from './support/exactly-once.js';

interface JobDetails {
  state: string;
  vertices: { parallelism: number; tasks: Record<string, number> }[];
}

const MASTERS = ['h1', 'h2'];

describe('JobManager high availability on several hosts over SSH (seed 004: ZooKeeper, recovery metadata in HDFS)', function () {
  this.timeout(300_000);
  let hosts: NamespaceHosts | undefined;
  let zk: ZooKeeperServer | undefined;
  let hdfs: HdfsInfo | undefined;
  let hdfsHome: string | undefined;
  let install: MultiHostInstall | undefined;
  let webHdfs: RawWebHdfs;

  before(async function () {
    this.timeout(300_000);
    hosts = await NamespaceHosts.up(3);
    zk = await ZooKeeperServer.ensembleOfThree(hosts.gateway);
    hdfsHome = await mkdtemp(join(tmpdir(), 'flink-it-ha-hdfs-'));
    hdfs = await startPrivateHdfs(hosts.gateway, hdfsHome);
    webHdfs = new RawWebHdfs(hdfs.webhdfs, process.env['HADOOP_USER_NAME'] || userInfo().username);
    // The hosts name the root namespace `gateway` in their /etc/hosts: the seed's keys with that name.
    const nameNode = `hdfs://gateway:${new URL(hdfs.defaultFs).port}`;
    install = await MultiHostInstall.create(hosts, {
      masters: MASTERS.map((h) => `${h}:8081`),
      workers: ['h2', 'h3'],
      extraConf: [
        'high-availability: zookeeper',
        `high-availability.zookeeper.quorum: ${zk.ports.map((p) => `gateway:${p}`).join(',')}`,
        'high-availability.zookeeper.path.root: /flink',
        'high-availability.cluster-id: /standalone_cluster_one',
        `high-availability.storageDir: ${nameNode}/flink/recovery`,
        `state.checkpoints.dir: ${nameNode}/flink/checkpoints`,
        // HDFS runs on free ports here, so its WebHDFS port is not the default 9870.
        `fs.hdfs.webhdfs.address: gateway:${new URL(hdfs.webhdfs).port}`,
      ],
    });
  });

  // Whatever a failed test left running stops as a user's cluster would, then dies with the hosts.
  after(async function () {
    this.timeout(300_000);
    if (install) await install.script('h1', 'stop-cluster.sh').catch(() => undefined);
    await hosts?.close();
    await zk?.stop();
    await stopHdfs(hdfs).catch((err: unknown) => console.warn(String(err)));
    if (hdfsHome) await rm(hdfsHome, { recursive: true, force: true });
  });

  function address(host: string): string {
    return (hosts as NamespaceHosts).host(host).address;
  }

  /** How a JobManager's REST endpoint answers: 200 as leader, 307 (to the leader) as standby, or not at all. */
  async function role(host: string): Promise<{ role: 'leader' | 'standby' | 'down' | number; location?: string }> {
    try {
      const res = await fetch(`http://${address(host)}:8081/overview`, { redirect: 'manual', signal: AbortSignal.timeout(5_000) });
      await res.arrayBuffer();
      if (res.status === 307) return { role: 'standby', location: res.headers.get('location') ?? '' };
      return { role: res.status === 200 ? 'leader' : res.status };
    } catch {
      return { role: 'down' };
    }
  }

  /** The master that leads while every other one that runs is a standby. */
  async function leader(among: readonly string[] = MASTERS): Promise<string> {
    return waitFor('one leading JobManager, the others standbys', 60_000, async () => {
      const roles = await Promise.all(among.map(role));
      const leaders = among.filter((_, i) => roles[i]?.role === 'leader');
      return leaders.length === 1 && roles.every((r) => r.role === 'leader' || r.role === 'standby') ? leaders[0] : undefined;
    }, 200);
  }

  async function rest<T>(host: string, path: string): Promise<T> {
    return (install as MultiHostInstall).rest<T>(host, path);
  }

  async function jobManagerPid(host: string): Promise<number> {
    const jms = (await (install as MultiHostInstall).daemons(host)).filter((p) => p.includes('jobmanager/entrypoint.js'));
    assert.equal(jms.length, 1, `one JobManager on ${host}: ${jms.join('\n')}`);
    return Number((jms[0] as string).split(' ')[0]);
  }

  /** The newest checkpoint of the job with its _metadata in HDFS (0: none yet). */
  async function latestCheckpointInHdfs(jobId: string): Promise<number> {
    let latest = 0;
    for (const e of await webHdfs.list(`/flink/checkpoints/${jobId}`).catch(() => [])) {
      const id = Number(/^chk-(\d+)$/.exec(e.pathSuffix)?.[1] ?? 0);
      if (id <= latest) continue;
      const files = await webHdfs.list(`/flink/checkpoints/${jobId}/${e.pathSuffix}`).catch(() => []);
      if (files.some((f) => f.pathSuffix === '_metadata')) latest = id;
    }
    return latest;
  }

  it('start-cluster.sh on h1 starts both masters over SSH; one leads, the other redirects to it; both TaskManagers register', async () => {
    const i = install as MultiHostInstall;
    const start = await i.script('h1', 'start-cluster.sh');
    assert.equal(start.exitCode, 0, start.describe);
    const out = nonEmptyLines(start.stdout);
    assert.equal(out[0], 'Starting HA cluster with 2 masters.', start.describe);
    for (const line of ['Starting standalonesession daemon on host h1.', 'Starting standalonesession daemon on host h2.', 'Starting taskexecutor daemon on host h2.', 'Starting taskexecutor daemon on host h3.']) {
      assert.ok(out.includes(line), `missing '${line}'\n${start.describe}`);
    }

    const lead = await leader();
    const other = MASTERS.find((h) => h !== lead) as string;
    const r = await role(other);
    assert.equal(r.role, 'standby');
    assert.equal(r.location, `http://${lead}:8081/overview`, 'the standby redirects to the address the leader published');

    const tms = await waitFor('2 TaskManagers at the leader', 60_000, async () => {
      const body = await rest<{ taskmanagers: { path: string }[] }>(lead, '/taskmanagers');
      return body.taskmanagers.length === 2 ? body.taskmanagers : undefined;
    }, 200);
    const at = tms.map((t) => new URL(t.path.replace(/^tcp:/, 'http:')).hostname).sort();
    assert.deepEqual(at, [address('h2'), address('h3')].sort());
  });

  it('kill -9 of the leader JobManager: the standby recovers the job from its latest checkpoint in HDFS, exactly once; the old leader comes back as a standby', async () => {
    const i = install as MultiHostInstall;
    const h = hosts as NamespaceHosts;
    // The sink's output is on a path every host shares (the run directory), so the test reads what h2 and h3 committed.
    const out = join(h.dir, 'out');
    await mkdir(out, { recursive: true });
    const job = join(h.dir, 'jobs', 'ha.js');
    await mkdir(join(h.dir, 'jobs'), { recursive: true });
    const n = 40_000;
    await writeFile(job, exactlyOnceJob('HA on several hosts', out, n, 20, 'file-sink'));

    const run = await i.script('h1', 'flink', ['run', '-d', '-p', '2', '-D', 'execution.checkpointing.interval=500ms', job]);
    assert.equal(run.exitCode, 0, run.describe);
    const jobId = submittedJobId({ ...run, timedOut: false });
    const recovery = await webHdfs.list('/flink/recovery/standalone_cluster_one');
    assert.ok(recovery.some((f) => f.pathSuffix.startsWith('submittedJobGraph')), `the job graph in HDFS: ${JSON.stringify(recovery)}`);

    const lead = await leader();
    const standby = MASTERS.find((x) => x !== lead) as string;
    await waitFor('a completed checkpoint in HDFS', 90_000, async () => ((await latestCheckpointInHdfs(jobId)) > 0 ? true : undefined), 250);

    const victim = await jobManagerPid(lead);
    process.kill(victim, 'SIGKILL');
    const killedAt = Date.now();
    await waitFor(`the JobManager on ${lead} to die`, 10_000, async () => ((await i.daemons(lead)).some((p) => p.startsWith(`${victim} `)) ? undefined : true), 100);
    await waitFor(`${standby} leading with the job RUNNING on every task`, 90_000, async () => {
      const d = await rest<JobDetails>(standby, `/jobs/${jobId}`).catch(() => undefined);
      return d?.state === 'RUNNING' && d.vertices.every((v) => v.tasks['RUNNING'] === v.parallelism) ? true : undefined;
    }, 200);
    console.log(`      (kill -9 of the leader on ${lead} to the job RUNNING on ${standby}: ${Date.now() - killedAt} ms)`);

    const final = await waitFor('the job to end', 180_000, async () => {
      const d = await rest<JobDetails>(standby, `/jobs/${jobId}`).catch(() => undefined);
      return d && ['FINISHED', 'FAILED', 'CANCELED'].includes(d.state) ? d.state : undefined;
    }, 250);
    assert.equal(final, 'FINISHED');
    assert.deepEqual(exactlyOnceProblems(await committed(out), n), []);

    // The old leader, started again the way start-cluster.sh starts it, follows the new one.
    const restarted = await i.script(lead, 'jobmanager.sh', ['start', lead, '8081']);
    assert.equal(restarted.exitCode, 0, restarted.describe);
    await waitFor(`the restarted JobManager on ${lead} to answer as a standby`, 60_000, async () => ((await role(lead)).role === 'standby' ? true : undefined), 200);
    assert.equal((await role(lead)).location, `http://${standby}:8081/overview`);
    assert.equal(await leader(), standby);
  });

  it('ZooKeeper trouble: the ensemble\'s leader killed leaves the job running untouched; the whole ensemble restarted loses no HA data; the job finishes exactly once', async () => {
    const i = install as MultiHostInstall;
    const h = hosts as NamespaceHosts;
    const z = zk as ZooKeeperServer;
    const out = join(h.dir, 'out-zk');
    await mkdir(out, { recursive: true });
    const job = join(h.dir, 'jobs', 'zk-trouble.js');
    const n = 120_000;
    await writeFile(job, exactlyOnceJob('HA through ZooKeeper trouble', out, n, 20, 'file-sink'));
    const run = await i.script('h1', 'flink', ['run', '-d', '-p', '2', '-D', 'execution.checkpointing.interval=500ms', job]);
    assert.equal(run.exitCode, 0, run.describe);
    const jobId = submittedJobId({ ...run, timedOut: false });
    const lead = await leader();
    await waitFor('a completed checkpoint in HDFS', 90_000, async () => ((await latestCheckpointInHdfs(jobId)) > 0 ? true : undefined), 250);

    // One server of three killed (the one leading the ensemble): the other two elect a leader and serve on.
    const zkLeader = await waitFor('the ZooKeeper leader', 30_000, () => z.leaderIndex(), 200);
    process.kill(await z.pidOf(zkLeader), 'SIGKILL');
    await waitFor('a new ZooKeeper leader among the two left', 60_000, async () => {
      const now = await z.leaderIndex();
      return now !== undefined && now !== zkLeader ? true : undefined;
    }, 200);
    const during = await rest<JobDetails & { 'start-time': number }>(lead, `/jobs/${jobId}`);
    assert.equal(during.state, 'RUNNING');
    assert.equal(await leader(), lead, 'the same JobManager leads');
    const exceptions = await rest<{ exceptionHistory: { entries: unknown[] } }>(lead, `/jobs/${jobId}/exceptions`);
    assert.deepEqual(exceptions.exceptionHistory.entries, [], 'the job did not restart');

    // Every server stopped and started again (the killed one too): whatever leads afterwards finds the job in
    // ZooKeeper and HDFS, and its output stays exactly once.
    await z.stopServers();
    await z.start();
    const final = await waitFor('the job to end', 240_000, async () => {
      const at = await leader().catch(() => undefined);
      const d = at ? await rest<JobDetails>(at, `/jobs/${jobId}`).catch(() => undefined) : undefined;
      return d && ['FINISHED', 'FAILED', 'CANCELED'].includes(d.state) ? d.state : undefined;
    }, 500);
    assert.equal(final, 'FINISHED');
    assert.deepEqual(exactlyOnceProblems(await committed(out), n), []);
    const after = await leader();
    const restarts = (await rest<{ exceptionHistory: { entries: unknown[] } }>(after, `/jobs/${jobId}/exceptions`)).exceptionHistory.entries.length;
    console.log(`      (full ZooKeeper restart: leader ${lead} -> ${after}, ${restarts} restart(s) of the job)`);
  });

  it('stop-cluster.sh on h1 leaves no flink-ts process on any host', async () => {
    const i = install as MultiHostInstall;
    const stop = await i.script('h1', 'stop-cluster.sh');
    assert.equal(stop.exitCode, 0, stop.describe);
    await waitFor('no flink-ts daemon on any host', 60_000, async () => {
      for (const x of i.hosts.hosts) if ((await i.daemons(x.name)).length > 0) return undefined;
      return true;
    }, 200);
    for (const x of i.hosts.hosts) {
      const left = (await i.hosts.processes(x.name)).filter((p) => p.includes(i.home));
      assert.deepEqual(left, [], `nothing of the installation runs on ${x.name}`);
    }
  });
});
