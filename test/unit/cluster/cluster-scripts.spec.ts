/**
 * What start-cluster.sh and stop-cluster.sh do on which host, with Testing runners for the other hosts (the real
 * SSH path is covered by test/integration/ssh-cluster.it.spec.ts on namespace hosts).
 */
import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  HostsFileError,
  SshAuthRefusedError,
  SshOptionsError,
  startCluster,
  stopCluster,
  type ClusterScriptContext,
  type HostEntry,
  type HostRunner,
  type OutputSink,
} from '../../../src/cluster/index.js';
import { loadConfiguration } from '../../../src/config/index.js';

/** A host that records what it was asked to run; it can refuse to open, or fail a script. */
class TestingHostRunner implements HostRunner {
  opened = 0;
  closed = 0;
  constructor(
    readonly host: string,
    private readonly log: string[],
    private readonly behaviour: { openFails?: boolean; failScript?: string; gate?: Promise<void> } = {},
  ) {}
  async open(): Promise<void> {
    this.opened++;
    if (this.behaviour.openFails) throw new SshAuthRefusedError(this.host, `host ${this.host} refused the SSH login (testing)`);
  }
  async run(script: string, args: readonly string[], out: OutputSink): Promise<void> {
    await this.behaviour.gate;
    this.log.push(`${this.host} ${script} ${args.join(' ')}`.trim());
    out.stdout(`ran ${script} on ${this.host}`);
    if (this.behaviour.failScript === script) throw new Error(`${script} failed on ${this.host} (testing)`);
  }
  async close(): Promise<void> {
    this.closed++;
  }
}

describe('cluster scripts: which script runs on which host', () => {
  let dir: string;
  let confDir: string;
  let binDir: string;
  let log: string[];
  let stdout: string[];
  let stderr: string[];
  let runners: Map<string, TestingHostRunner>;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'flink-cluster-scripts-'));
    confDir = join(dir, 'conf');
    binDir = join(dir, 'bin');
    await mkdir(confDir);
    await mkdir(binDir);
    // This host's scripts: they only say what they were asked.
    for (const script of ['jobmanager.sh', 'taskmanager.sh']) {
      await writeFile(join(binDir, script), `#!/bin/sh\necho "local ${script} $*"\n`);
      await chmod(join(binDir, script), 0o755);
    }
    log = [];
    stdout = [];
    stderr = [];
    runners = new Map();
  });
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  async function context(conf: string[], behaviour: Record<string, ConstructorParameters<typeof TestingHostRunner>[2]> = {}, sshOpts = ''): Promise<ClusterScriptContext> {
    await writeFile(join(confDir, 'flink-conf.yaml'), `${conf.join('\n')}\n`);
    return {
      conf: loadConfiguration({ confDir }),
      confDir,
      binDir,
      out: { stdout: (l) => stdout.push(l), stderr: (l) => stderr.push(l) },
      sshOptions: { text: sshOpts, source: 'env.ssh.opts' },
      remoteRunner: (entry: HostEntry) => {
        const r = new TestingHostRunner(entry.host, log, behaviour[entry.host]);
        runners.set(entry.host, r);
        return r;
      },
    };
  }

  const HA = ['high-availability: zookeeper', 'high-availability.zookeeper.quorum: zk1:2181', `high-availability.storageDir: file:///tmp/flink-ha-unit`];

  it('HA: a JobManager with its host and port on every master, then a TaskManager per workers line, one connection per host', async () => {
    await writeFile(join(confDir, 'masters'), 'h1:8081\nh2:8082\n');
    await writeFile(join(confDir, 'workers'), 'h2\nh3\nh3\n');
    const r = await startCluster(await context(HA));
    assert.equal(r.exitCode, 0, stderr.join('\n'));
    assert.equal(stdout[0], 'Starting HA cluster with 2 masters.');
    assert.deepEqual(log.slice(0, 2).sort(), ['h1 jobmanager.sh start h1 8081', 'h2 jobmanager.sh start h2 8082']);
    assert.deepEqual(log.slice(2).sort(), ['h2 taskmanager.sh start', 'h3 taskmanager.sh start', 'h3 taskmanager.sh start']);
    assert.equal(r.taskManagersStarted, 3);
    assert.deepEqual([...runners.keys()].sort(), ['h1', 'h2', 'h3']);
    for (const runner of runners.values()) assert.deepEqual([runner.opened, runner.closed], [1, 1], runner.host);
  });

  it('not HA: the JobManager starts here, TaskManagers on the workers; hosts that mean this machine run without SSH', async () => {
    await writeFile(join(confDir, 'workers'), 'localhost\nh2\n127.0.0.1\n');
    const r = await startCluster(await context([]));
    assert.equal(r.exitCode, 0, stderr.join('\n'));
    assert.equal(stdout[0], 'Starting cluster.');
    assert.ok(stdout.includes('local jobmanager.sh start'), stdout.join('\n'));
    assert.equal(stdout.filter((l) => l === 'local taskmanager.sh start').length, 2, stdout.join('\n'));
    assert.deepEqual(log, ['h2 taskmanager.sh start']);
  });

  it('a host that cannot be reached is named once, even when it is master and worker, and the others start', async () => {
    await writeFile(join(confDir, 'masters'), 'h1\nh2\n');
    await writeFile(join(confDir, 'workers'), 'h2\nh3\n');
    const r = await startCluster(await context(HA, { h2: { openFails: true }, h3: { failScript: 'taskmanager.sh' } }));
    assert.equal(r.exitCode, 1);
    assert.deepEqual(log.sort(), ['h1 jobmanager.sh start h1', 'h3 taskmanager.sh start']);
    assert.deepEqual(stderr, [
      'Error: host h2 refused the SSH login (testing)',
      'Error: on host h3: taskmanager.sh failed on h3 (testing)',
      'Error: 2 of 2 TaskManager(s) failed to start; see the messages above.',
    ]);
    assert.equal(r.jobManagersStarted, false);
  });

  it('stop: TaskManagers first (stop-all once per host), then the JobManagers', async () => {
    await writeFile(join(confDir, 'masters'), 'h1\nh2\n');
    await writeFile(join(confDir, 'workers'), 'h3\nh3\nh4\n');
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    const ctx = await context(HA, { h4: { gate } });
    const stopping = stopCluster(ctx);
    // h3 is done while h4 still works: the hosts of a phase run in parallel, and no JobManager stops before h4.
    for (let i = 0; i < 50 && !log.includes('h3 taskmanager.sh stop-all'); i++) await new Promise((r) => setImmediate(r));
    assert.deepEqual(log, ['h3 taskmanager.sh stop-all']);
    release();
    const r = await stopping;
    assert.equal(r.exitCode, 0);
    assert.deepEqual(log.slice(0, 2), ['h3 taskmanager.sh stop-all', 'h4 taskmanager.sh stop-all']);
    assert.deepEqual(log.slice(2).sort(), ['h1 jobmanager.sh stop', 'h2 jobmanager.sh stop']);
  });

  it('mistakes in the hosts files or in env.ssh.opts stop everything before anything starts', async () => {
    await writeFile(join(confDir, 'workers'), 'h2\n');
    await assert.rejects(startCluster(await context(HA)), (e: unknown) => e instanceof HostsFileError && /No masters file/.test(e.message));
    await assert.rejects(startCluster(await context([], {}, '-o ProxyJump=x')), SshOptionsError);
    assert.deepEqual(log, []);
    assert.deepEqual(stdout, []);
    // A cluster on this machine alone never reads the SSH settings.
    await writeFile(join(confDir, 'workers'), 'localhost\n');
    assert.equal((await startCluster(await context([], {}, '-o ProxyJump=x'))).exitCode, 0);
  });
});
