/**
 * With high-availability: zookeeper, TaskManagers and clients find the leading JobManager through a real ZooKeeper
 * (scripts/zookeeper.sh, free ports of 127.0.0.1) and follow it when it changes. The leaders are stand-ins: contender
 * processes (support/ha-contender.ts) that win the real election and publish the addresses of small servers this
 * test runs (a REST endpoint answering /jobs/overview and /overview, an RPC resource manager that checks the
 * leader session id). The TaskManager and bin/flink are the real ones, started by the scripts with only the
 * configuration; its rest.address/rest.port point where nothing listens, so only ZooKeeper can lead them there.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import zookeeper from 'node-zookeeper-client';
import { loopbackSetup } from '../support/loopback-conf.js';
import { TestingResourceManager } from '../support/testing-resource-manager.js';
import { ContenderProcess, killAllContenders } from './support/ha-contender-process.js';
import { BIN_DIR, DIST_DIR, FLINK_HOME, isAlive, nonEmptyLines, runCommand, waitFor, type CommandResult } from './support/standalone-cluster.js';
import { ZooKeeperServer } from './support/zookeeper-server.js';

type ConfMap = Record<string, string>;

/** A REST endpoint of a stand-in JobManager: one running job named `jobName`, and `taskManagers` in /overview. */
class FakeRestEndpoint {
  readonly requests: string[] = [];
  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(jobName: string, taskManagers = 1): Promise<FakeRestEndpoint> {
    const jid = randomBytes(16).toString('hex');
    let endpoint: FakeRestEndpoint | undefined;
    const server = createServer((req, res) => {
      endpoint?.requests.push(`${req.method ?? ''} ${req.url ?? ''}`);
      const body =
        req.url === '/jobs/overview'
          ? { jobs: [{ jid, name: jobName, state: 'RUNNING', 'start-time': Date.now(), 'end-time': -1, duration: 1 }] }
          : req.url === '/overview'
            ? { taskmanagers: taskManagers, 'slots-total': taskManagers, 'slots-available': 0, 'jobs-running': 1 }
            : undefined;
      res.writeHead(body ? 200 : 404, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(body ?? { errors: ['Not found.'] }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const addr = server.address();
    endpoint = new FakeRestEndpoint(server, `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`);
    return endpoint;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

interface HaSetup {
  readonly clusterId: string;
  /** The HA keys, as the contenders get them. */
  readonly ha: ConfMap;
  readonly confDir: string;
  readonly logDir: string;
  readonly pidDir: string;
  readonly ident: string;
  /** FLINK_CONF_DIR, FLINK_LOG_DIR, FLINK_PID_DIR, FLINK_IDENT_STRING, FLINK_DIST_DIR for the scripts. */
  readonly env: Record<string, string>;
}

describe('HA: TaskManagers and clients follow the leader through ZooKeeper (real ZooKeeper, stand-in leaders)', function () {
  this.timeout(180_000);
  let zk: ZooKeeperServer | undefined;
  let storage = '';
  let n = 0;
  const roots: string[] = [];
  const closers: Array<() => Promise<unknown>> = [];

  before(async function () {
    // The first start on a machine resolves ZooKeeper's jars from Maven Central.
    this.timeout(360_000);
    storage = await mkdtemp(join(tmpdir(), 'flink-it-ha-clients-'));
    zk = await ZooKeeperServer.standalone();
  });

  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close().catch(() => undefined);
    await killAllContenders();
    for (const root of roots.splice(0)) await rm(root, { recursive: true, force: true });
  });

  after(async function () {
    this.timeout(120_000);
    await zk?.stop();
    await rm(storage, { recursive: true, force: true });
  });

  /** A loopback conf/ with the HA keys of a cluster id of its own (`clusterId` in the file unless overridden). */
  async function haSetup(extra: ConfMap = {}): Promise<HaSetup> {
    if (!zk) throw new Error('ZooKeeper is not running');
    const clusterId = `/hatm_${process.pid}_${++n}`;
    const ha: ConfMap = {
      'high-availability': 'zookeeper',
      'high-availability.zookeeper.quorum': zk.quorum,
      'high-availability.storageDir': `file://${storage}/recovery`,
      'high-availability.cluster-id': clusterId,
    };
    const file = { ...ha, 'high-availability.zookeeper.client.connection-timeout': '3 s', ...extra };
    const s = await loopbackSetup({
      home: FLINK_HOME,
      prefix: 'flink-it-ha-clients-',
      slotsPerTaskManager: 1,
      taskManagers: 1,
      extraConf: Object.entries(file).map(([k, v]) => `${k}: ${v}`),
    });
    roots.push(s.root);
    const ident = `hatm${process.pid}c${n}`;
    const env = { FLINK_CONF_DIR: s.confDir, FLINK_LOG_DIR: s.logDir, FLINK_PID_DIR: s.pidDir, FLINK_IDENT_STRING: ident, FLINK_DIST_DIR: DIST_DIR };
    return { clusterId, ha, confDir: s.confDir, logDir: s.logDir, pidDir: s.pidDir, ident, env };
  }

  async function rest(jobName: string, taskManagers = 1): Promise<FakeRestEndpoint> {
    const endpoint = await FakeRestEndpoint.start(jobName, taskManagers);
    closers.push(() => endpoint.close());
    return endpoint;
  }

  async function resourceManager(): Promise<TestingResourceManager> {
    const rm = await new TestingResourceManager(undefined).start();
    closers.push(() => rm.close());
    return rm;
  }

  const flink = (s: HaSetup, args: readonly string[]): Promise<CommandResult> => runCommand(join(BIN_DIR, 'flink'), args, s.env, { timeout: 60_000 });

  /** Until `c` leads; returns its leader session id. */
  const leads = (c: ContenderProcess): Promise<string> => waitFor(`${c.address} to lead`, 60_000, () => c.leaderSessionId);

  describe('bin/flink', () => {
    it('list with only the configuration asks the leader named in ZooKeeper, and the new leader after a failover', async () => {
      const s = await haSetup();
      const [restA, restB] = [await rest('Job at leader A'), await rest('Job at leader B')];
      const a = await ContenderProcess.start('127.0.0.1:1', s.ha, { rest_server: restA.url });
      await leads(a);
      const b = await ContenderProcess.start('127.0.0.1:2', s.ha, { rest_server: restB.url });

      const first = await flink(s, ['list']);
      assert.equal(first.exitCode, 0, first.describe);
      assert.match(first.stdout, /: Job at leader A \(RUNNING\)/, first.describe);
      assert.deepEqual(restA.requests, ['GET /jobs/overview']);

      await a.close();
      await leads(b);
      const second = await flink(s, ['list']);
      assert.equal(second.exitCode, 0, second.describe);
      assert.match(second.stdout, /: Job at leader B \(RUNNING\)/, second.describe);
      assert.deepEqual(restA.requests, ['GET /jobs/overview'], 'the old leader was not asked again');
    });

    it('no leader for the cluster id: one message naming the quorum and the cluster id; -z names the cluster id that has one', async () => {
      const s = await haSetup({ 'high-availability.cluster-id': '/nobody_here' });
      const endpoint = await rest('Job under -z');
      const a = await ContenderProcess.start('127.0.0.1:1', s.ha, { rest_server: endpoint.url });
      await leads(a);

      const none = await flink(s, ['list']);
      assert.equal(none.exitCode, 1, none.describe);
      assert.match(
        none.stderr,
        new RegExp(
          `No leading JobManager was found in ZooKeeper ${zk?.quorum ?? ''} \\(high-availability\\.zookeeper\\.quorum\\), ` +
            'cluster-id /nobody_here \\(high-availability\\.cluster-id\\) within 3000 ms\\.',
        ),
        none.describe,
      );
      assert.doesNotMatch(none.stderr, /\n\s+at /, 'no stack trace');
      assert.equal(await znodeExists(zk?.quorum ?? '', '/flink/nobody_here'), false, 'looking for a leader created no node for the mistyped cluster id');

      const z = await flink(s, ['list', '-z', s.clusterId]);
      assert.equal(z.exitCode, 0, z.describe);
      assert.match(z.stdout, /: Job under -z \(RUNNING\)/, z.describe);
    });
  });

  describe("bin/start-cluster.sh's wait for the cluster", () => {
    const awaitCluster = (s: HaSetup, timeoutSeconds: number): Promise<CommandResult> =>
      runCommand(process.execPath, [join(DIST_DIR, 'src', 'client', 'await-cluster.js'), '--configDir', s.confDir, '--taskmanagers', '2', '--timeout', String(timeoutSeconds)], {}, {
        timeout: 90_000,
      });

    it('asks the leader ZooKeeper names, also when one is elected only after the wait began', async () => {
      const s = await haSetup();
      const endpoint = await rest('unused', 2);
      const waiting = awaitCluster(s, 60);
      // The wait is under way (its ZooKeeper session is open) before any JobManager leads.
      await waitFor('the wait to connect to ZooKeeper', 30_000, async () => ((await zooKeeperSessions()) > 0 ? true : undefined));
      const a = await ContenderProcess.start('127.0.0.1:1', s.ha, { rest_server: endpoint.url });
      await leads(a);
      const r = await waiting;
      assert.equal(r.exitCode, 0, r.describe);
      assert.equal(r.stderr, '', r.describe);
      assert.ok(endpoint.requests.includes('GET /overview'));
    });

    it('no leader in time: a warning that names ZooKeeper and the cluster id, exit code 2', async () => {
      const s = await haSetup();
      const r = await awaitCluster(s, 2);
      assert.equal(r.exitCode, 2, r.describe);
      assert.match(r.stderr, new RegExp(`^Warning: the cluster did not report 2 TaskManager\\(s\\) within 2 s \\(REST leader from ZooKeeper .*cluster-id ${s.clusterId} \\(high-availability\\.cluster-id\\): none found\\)\\.`), r.describe);
    });
  });

  describe('a TaskManager process', () => {
    async function taskManagerPid(s: HaSetup): Promise<number> {
      const file = join(s.pidDir, `flink-${s.ident}-taskexecutor.pid`);
      return waitFor('the TaskManager pid file', 10_000, async () => (existsSync(file) ? nonEmptyLines(await readFile(file, 'utf8')).map(Number)[0] : undefined));
    }

    async function taskManagerLog(s: HaSetup, ext: 'log' | 'out' = 'log'): Promise<string> {
      const name = (await readdir(s.logDir)).find((f) => f.startsWith(`flink-${s.ident}-taskexecutor-0-`) && f.endsWith(`.${ext}`));
      return name === undefined ? '' : readFile(join(s.logDir, name), 'utf8');
    }

    async function startTaskManager(s: HaSetup): Promise<CommandResult> {
      const r = await runCommand(join(BIN_DIR, 'taskmanager.sh'), ['start'], s.env, { timeout: 60_000 });
      closers.push(async () => {
        await runCommand(join(BIN_DIR, 'taskmanager.sh'), ['stop'], s.env, { timeout: 60_000 });
        const file = join(s.pidDir, `flink-${s.ident}-taskexecutor.pid`);
        for (const pid of existsSync(file) ? nonEmptyLines(await readFile(file, 'utf8')).map(Number) : []) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
      });
      return r;
    }

    it('registers at the leader named in ZooKeeper with its session id, and at the new leader after kill -9 of the old one, without restarting', async () => {
      const s = await haSetup();
      const [rmA, rmB] = [await resourceManager(), await resourceManager()];
      const a = await ContenderProcess.start(rmA.address, s.ha);
      rmA.sessionId = await leads(a);
      const b = await ContenderProcess.start(rmB.address, s.ha);

      const started = await startTaskManager(s);
      assert.equal(started.exitCode, 0, started.describe);
      const pid = await taskManagerPid(s);
      await waitFor('registration at leader A', 60_000, () => (rmA.registrations.length === 1 ? true : undefined));
      const tmId = rmA.registrations[0]?.tmId;
      assert.equal(rmA.registrations[0]?.leaderSessionId, rmA.sessionId);

      await a.kill();
      rmB.sessionId = await leads(b);
      await waitFor('registration at leader B', 60_000, () => (rmB.registrations.length === 1 ? true : undefined));
      assert.equal(rmB.registrations[0]?.tmId, tmId, 'the same TaskManager');
      assert.equal(rmB.registrations[0]?.leaderSessionId, rmB.sessionId);
      assert.ok(isAlive(pid), 'the TaskManager process still runs');
      assert.equal(await taskManagerPid(s), pid);
      // The old leader (a stand-in whose RPC server outlives the contender) heard that the TaskManager left it.
      await waitFor('the TaskManager to leave leader A', 10_000, () => (rmA.disconnects.includes(tmId ?? '') ? true : undefined));
      const log = await taskManagerLog(s);
      assert.match(log, new RegExp(`The JobManager leader changed from ${rmA.address} \\(session ${rmA.sessionId ?? ''}\\) to ${rmB.address}`));
      assert.match(log, new RegExp(`Successful registration at resource manager ${rmB.address} under registration id ${rmB.sessionId ?? ''}`));
    });

    it('no leader within taskmanager.registration.timeout: it exits, its log naming ZooKeeper, the quorum key and the cluster id', async () => {
      // Longer than taskmanager.sh's 2 s look at a new daemon, so the pid file still names it when the wait begins.
      const s = await haSetup({ 'taskmanager.registration.timeout': '6 s' });
      await startTaskManager(s);
      const pid = await taskManagerPid(s);
      await waitFor('the TaskManager to give up', 30_000, () => (isAlive(pid) ? undefined : true));
      const log = await taskManagerLog(s);
      assert.match(log, /No JobManager leader known yet; waiting for one in ZooKeeper /);
      assert.match(log, new RegExp(`No JobManager leader was found in ZooKeeper \\S+ \\(high-availability\\.zookeeper\\.quorum\\), cluster-id ${s.clusterId} within 6000 ms \\(taskmanager\\.registration\\.timeout\\)`));
    });

    it('a storage directory of a scheme flink-ts has no file system for: the start fails with one line naming the key', async () => {
      const s = await haSetup({ 'high-availability.storageDir': 's3://bucket/flink/recovery' });
      const r = await startTaskManager(s);
      // taskmanager.sh reports a daemon that exits within its first 2 s; on a busy machine the exit may come later.
      const out = await waitFor('the TaskManager to fail its start', 30_000, async () => {
        const text = await taskManagerLog(s, 'out');
        return /could not start TaskManagerRunner/.test(text) ? text : undefined;
      });
      const line = nonEmptyLines(out).find((l) => l.startsWith('Error: could not start TaskManagerRunner: '));
      assert.match(line ?? '', /^Error: could not start TaskManagerRunner: high-availability\.storageDir s3:\/\/bucket\/flink\/recovery: flink-ts has no file system for the scheme 's3'/, `${out}\n${r.describe}`);
      if (r.exitCode !== 0) assert.match(r.stderr, /flink-ts has no file system for the scheme 's3'/, r.describe);
    });
  });

  /** Client connections of the ZooKeeper server other than the one asking (`mntr` four-letter word). */
  async function zooKeeperSessions(): Promise<number> {
    const port = zk?.ports[0] ?? 0;
    const text = await new Promise<string>((resolve) => {
      const chunks: Buffer[] = [];
      const sock = connect(port, '127.0.0.1', () => sock.end('mntr'));
      sock.setTimeout(2000, () => sock.destroy());
      sock.on('data', (c: Buffer) => chunks.push(c));
      sock.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
      sock.on('error', () => resolve(''));
    });
    const alive = Number(/^zk_num_alive_connections\s+(\d+)$/m.exec(text)?.[1] ?? '0');
    return Math.max(0, alive - 1);
  }
});

/** Whether `path` exists in the ZooKeeper at `quorum` (a session of its own, closed afterwards). */
async function znodeExists(quorum: string, path: string): Promise<boolean> {
  const client = zookeeper.createClient(quorum, { sessionTimeout: 5_000, retries: 0 });
  try {
    await new Promise<void>((res, rej) => {
      const timer = setTimeout(() => rej(new Error(`no ZooKeeper session at ${quorum} within 10 s`)), 10_000);
      client.once('connected', () => {
        clearTimeout(timer);
        res();
      });
      client.connect();
    });
    return await new Promise<boolean>((res, rej) => client.exists(path, (err, stat) => (err ? rej(err) : res(stat !== null && stat !== undefined))));
  } finally {
    client.close();
  }
}
