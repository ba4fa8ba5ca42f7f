/**
 * The standalone scripts in bin/, run as a user runs them: real daemons on this host, temporary conf, pid and
 * log directories, free ports on 127.0.0.1.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa, type Result } from 'execa';
import { loopbackSetup } from '../support/loopback-conf.js';
import { isAlive, waitFor } from '../support/processes.js';

// This file runs from <dist>/test/integration/; the scripts must use the very build the test belongs to.
const DIST_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const FLINK_HOME = resolve(process.env['FLINK_HOME'] ?? join(DIST_DIR, '..'));
const BIN = join(FLINK_HOME, 'bin');
const HOST = hostname();

interface Setup {
  readonly root: string;
  readonly confDir: string;
  readonly pidDir: string;
  readonly logDir: string;
  readonly ident: string;
  readonly env: Record<string, string>;
  readonly restPort: number;
}

let counter = 0;

/** A copy of conf/ with its own ports, pid and log directories; `extraConf` lines are appended (last wins). */
async function newSetup(extraConf: string[] = []): Promise<Setup> {
  const { root, confDir, pidDir, logDir, restPort } = await loopbackSetup({
    home: FLINK_HOME,
    prefix: 'flink-scripts-it-',
    slotsPerTaskManager: 2,
    taskManagers: 2,
    extraConf,
  });
  // A comment and a blank line in conf/workers are skipped, as in Flink.
  await writeFile(join(confDir, 'workers'), '# two TaskManagers on this host\nlocalhost\n\nlocalhost\n');
  const ident = `it${process.pid}x${++counter}`;
  const env: Record<string, string> = {
    FLINK_CONF_DIR: confDir,
    FLINK_PID_DIR: pidDir,
    FLINK_LOG_DIR: logDir,
    FLINK_IDENT_STRING: ident,
    FLINK_DIST_DIR: DIST_DIR,
    FLINK_START_NO_WAIT: '0',
  };
  return { root, confDir, pidDir, logDir, ident, env, restPort };
}

function run(setup: Setup, script: string, args: string[] = []): Promise<Result<{ all: true; reject: false }>> {
  return execa(join(BIN, script), args, { env: setup.env, all: true, reject: false, timeout: 90_000 });
}

function lines(text: string | undefined): string[] {
  return (text ?? '').split('\n').filter((l) => l.trim() !== '');
}

async function pidsIn(pidDir: string): Promise<number[]> {
  if (!existsSync(pidDir)) return [];
  const pids: number[] = [];
  for (const name of await readdir(pidDir)) {
    if (!name.endsWith('.pid')) continue;
    pids.push(...lines(await readFile(join(pidDir, name), 'utf8')).map(Number));
  }
  return pids;
}

describe('standalone cluster scripts (bin/)', function () {
  this.timeout(120_000);

  const setups: Setup[] = [];
  const seenPids = new Set<number>();

  async function setup(extraConf: string[] = []): Promise<Setup> {
    const s = await newSetup(extraConf);
    setups.push(s);
    return s;
  }

  after(async function () {
    this.timeout(60_000);
    for (const s of setups) {
      for (const pid of await pidsIn(s.pidDir)) seenPids.add(pid);
      if ((await pidsIn(s.pidDir)).length > 0) await run(s, 'stop-cluster.sh');
    }
    // Whatever the scripts did not stop (a failed assertion half-way, a broken stop script) dies here.
    for (const pid of seenPids) {
      if (isAlive(pid)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
    for (const s of setups) await rm(s.root, { recursive: true, force: true });
  });

  it('start-cluster.sh starts a JobManager and a TaskManager per workers line; stop-cluster.sh stops them', async () => {
    const s = await setup();
    const start = await run(s, 'start-cluster.sh');
    for (const pid of await pidsIn(s.pidDir)) seenPids.add(pid);
    assert.equal(start.exitCode, 0, start.all);

    const out = lines(start.stdout);
    assert.equal(out[0], 'Starting cluster.', start.all);
    assert.ok(out.includes(`Starting standalonesession daemon on host ${HOST}.`), start.all);
    assert.equal(out.filter((l) => l === `Starting taskexecutor daemon on host ${HOST}.`).length, 2, start.all);
    assert.ok(out.includes(`[INFO] 1 instance(s) of taskexecutor are already running on ${HOST}.`), start.all);

    const jmPidFile = join(s.pidDir, `flink-${s.ident}-standalonesession.pid`);
    const tmPidFile = join(s.pidDir, `flink-${s.ident}-taskexecutor.pid`);
    const jmPids = lines(await readFile(jmPidFile, 'utf8')).map(Number);
    const tmPids = lines(await readFile(tmPidFile, 'utf8')).map(Number);
    assert.equal(jmPids.length, 1);
    assert.equal(tmPids.length, 2);
    for (const pid of [...jmPids, ...tmPids]) assert.ok(isAlive(pid), `daemon ${pid} is not running`);

    for (const name of ['standalonesession-0', 'taskexecutor-0', 'taskexecutor-1']) {
      const prefix = join(s.logDir, `flink-${s.ident}-${name}-${HOST}`);
      assert.ok(existsSync(`${prefix}.out`), `${prefix}.out`);
      // The daemon creates its log file itself, possibly a moment after it answers.
      await waitFor(`${prefix}.log`, 10_000, async () => (existsSync(`${prefix}.log`) ? true : undefined), 100);
    }

    // start-cluster.sh already waited for both TaskManagers; their slots must be there too.
    const overview = await waitFor('4 slots in /overview', 10_000, async () => {
      const res = await fetch(`http://127.0.0.1:${s.restPort}/overview`, { signal: AbortSignal.timeout(2_000) });
      const body = (await res.json()) as { taskmanagers: number; 'slots-total': number };
      return body['slots-total'] === 4 ? body : undefined;
    }, 100);
    assert.equal(overview.taskmanagers, 2);

    const stop = await run(s, 'stop-cluster.sh');
    assert.equal(stop.exitCode, 0, stop.all);
    const stopOut = lines(stop.stdout);
    const tmLines = tmPids.map((p) => stopOut.indexOf(`Stopping taskexecutor daemon (pid: ${p}) on host ${HOST}.`));
    const jmLine = stopOut.indexOf(`Stopping standalonesession daemon (pid: ${jmPids[0]}) on host ${HOST}.`);
    assert.ok(tmLines.every((i) => i >= 0) && jmLine >= 0, stop.all);
    assert.ok(tmLines.every((i) => i < jmLine), `TaskManagers stop before the JobManager:\n${stop.all}`);
    for (const pid of [...jmPids, ...tmPids]) assert.ok(!isAlive(pid), `daemon ${pid} still runs after stop-cluster.sh`);
    assert.ok(!existsSync(jmPidFile) && !existsSync(tmPidFile), 'pid files are removed');
  });

  it('start-cluster.sh refuses a malformed configuration with one line and starts nothing', async () => {
    const s = await setup(['taskmanager.numberOfTaskSlots: two']);
    const start = await run(s, 'start-cluster.sh');
    for (const pid of await pidsIn(s.pidDir)) seenPids.add(pid);
    assert.equal(start.exitCode, 1, start.all);
    const out = lines(start.all);
    assert.equal(out.length, 1, start.all);
    assert.match(out[0] ?? '', /taskmanager\.numberOfTaskSlots/);
    assert.deepEqual(await pidsIn(s.pidDir), []);
  });

  it("start-cluster.sh in HA mode without conf/masters prints Flink's message and starts nothing", async () => {
    const s = await setup([
      'high-availability: zookeeper',
      'high-availability.zookeeper.quorum: 127.0.0.1:2181',
      `high-availability.storageDir: file://${tmpdir()}/flink-scripts-it-ha`,
    ]);
    await unlink(join(s.confDir, 'masters'));
    const start = await run(s, 'start-cluster.sh');
    for (const pid of await pidsIn(s.pidDir)) seenPids.add(pid);
    assert.equal(start.exitCode, 1, start.all);
    assert.ok(lines(start.all).includes("No masters file. Please specify masters in 'conf/masters'."), start.all);
    assert.ok(!/Starting/.test(start.all ?? ''), start.all);
    assert.deepEqual(await pidsIn(s.pidDir), []);
  });

  it('jobmanager.sh stop with nothing running says so', async () => {
    const s = await setup();
    const stop = await run(s, 'jobmanager.sh', ['stop']);
    assert.equal(stop.exitCode, 0, stop.all);
    assert.deepEqual(lines(stop.all), [`No standalonesession daemon to stop on host ${HOST}.`]);
  });

  it('a daemon that dies at once is reported with the end of its output and left out of the pid file', async () => {
    const s = await setup(['env.node.opts: --no-such-node-flag']);
    const start = await run(s, 'jobmanager.sh', ['start']);
    for (const pid of await pidsIn(s.pidDir)) seenPids.add(pid);
    assert.equal(start.exitCode, 1, start.all);
    const out = `${s.logDir}/flink-${s.ident}-standalonesession-0-${HOST}.out`;
    assert.ok(lines(start.all).includes(`Error: standalonesession daemon failed to start. Last lines of ${out}:`), start.all);
    assert.match(start.all ?? '', /--no-such-node-flag/);
    assert.deepEqual(await pidsIn(s.pidDir), []);
  });

  it('stop forgets pids of daemons that are gone', async () => {
    const s = await setup();
    const gone = await execa(process.execPath, ['-e', 'console.log(process.pid)']);
    const pidFile = join(s.pidDir, `flink-${s.ident}-taskexecutor.pid`);
    await mkdir(s.pidDir, { recursive: true });
    await writeFile(pidFile, `${gone.stdout}\n`);
    const stop = await run(s, 'taskmanager.sh', ['stop']);
    assert.equal(stop.exitCode, 0, stop.all);
    assert.deepEqual(lines(stop.all), [`No taskexecutor daemon to stop on host ${HOST}.`]);
    assert.ok(!existsSync(pidFile), 'the stale pid file is removed');
  });

  it("conf/slaves (Flink 1.9's name) is read when there is no conf/workers, by start-cluster.sh and stop-cluster.sh", async () => {
    const s = await setup();
    await unlink(join(s.confDir, 'workers'));
    await writeFile(join(s.confDir, 'slaves'), '# the TaskManager hosts, as Flink 1.9 named the file\nlocalhost\n');
    const start = await run(s, 'start-cluster.sh');
    for (const pid of await pidsIn(s.pidDir)) seenPids.add(pid);
    assert.equal(start.exitCode, 0, start.all);
    assert.equal(lines(start.stdout).filter((l) => l === `Starting taskexecutor daemon on host ${HOST}.`).length, 1, start.all);
    const tmPids = lines(await readFile(join(s.pidDir, `flink-${s.ident}-taskexecutor.pid`), 'utf8')).map(Number);
    assert.equal(tmPids.length, 1);

    const stop = await run(s, 'stop-cluster.sh');
    assert.equal(stop.exitCode, 0, stop.all);
    assert.ok(lines(stop.stdout).includes(`Stopping taskexecutor daemon (pid: ${tmPids[0]}) on host ${HOST}.`), stop.all);
    for (const pid of tmPids) assert.ok(!isAlive(pid), `TaskManager ${pid} still runs after stop-cluster.sh`);
  });

  it('conf/workers and conf/slaves with different hosts: start-cluster.sh names both files and starts nothing', async () => {
    const s = await setup();
    await writeFile(join(s.confDir, 'slaves'), 'localhost\nworker-2.example.org\n');
    const workers = join(s.confDir, 'workers');
    const slaves = join(s.confDir, 'slaves');
    const start = await run(s, 'start-cluster.sh');
    for (const pid of await pidsIn(s.pidDir)) seenPids.add(pid);
    assert.equal(start.exitCode, 1, start.all);
    const out = lines(start.all);
    assert.equal(out.length, 1, start.all);
    assert.ok(out[0]?.includes(workers) && out[0].includes(slaves), start.all);
    assert.deepEqual(await pidsIn(s.pidDir), []);

    // The same hosts in both (a copy left behind) are no conflict.
    await writeFile(slaves, 'localhost\nlocalhost\n');
    const stop = await run(s, 'stop-cluster.sh');
    assert.equal(stop.exitCode, 0, stop.all);
    assert.ok(!stop.all?.includes('differ'), stop.all);
  });

  it('bin/flink explains how to build when there is no build', async () => {
    const s = await setup();
    const res = await execa(join(BIN, 'flink'), ['list'], {
      env: { ...s.env, FLINK_DIST_DIR: join(s.root, 'no-dist') },
      all: true,
      reject: false,
    });
    assert.equal(res.exitCode, 1);
    assert.equal(res.all, `flink-ts is not built: run 'npm ci' (or 'npm run build') in ${FLINK_HOME}.`);
  });
});
