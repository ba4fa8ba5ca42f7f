/**
 * Pid files in a directory other local users can write to (/tmp by default): bin/ scripts never signal a process
 * that is not their daemon, and never write through a link someone planted. Real scripts, real daemons, temporary
 * conf, pid and log directories on 127.0.0.1.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, lstatSync } from 'node:fs';
import { readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa, type Result } from 'execa';
import { loopbackSetup } from '../support/loopback-conf.js';
import { BIN_DIR as BIN, DIST_DIR, FLINK_HOME, HOST } from './support/standalone-cluster.js';
import { isAlive, waitFor } from '../support/processes.js';


interface Setup {
  readonly root: string;
  readonly pidDir: string;
  readonly ident: string;
  readonly env: Record<string, string>;
}

let counter = 0;

function lines(text: string | undefined): string[] {
  return (text ?? '').split('\n').filter((l) => l.trim() !== '');
}

describe('pid files of the bin/ scripts', function () {
  this.timeout(120_000);

  const setups: Setup[] = [];
  const children: ChildProcess[] = [];

  async function setup(): Promise<Setup> {
    const { root, confDir, pidDir, logDir } = await loopbackSetup({
      home: FLINK_HOME,
      prefix: 'flink-pid-it-',
      slotsPerTaskManager: 1,
      taskManagers: 1,
    });
    const ident = `pid${process.pid}x${++counter}`;
    const s: Setup = {
      root,
      pidDir,
      ident,
      env: { FLINK_CONF_DIR: confDir, FLINK_PID_DIR: pidDir, FLINK_LOG_DIR: logDir, FLINK_IDENT_STRING: ident, FLINK_DIST_DIR: DIST_DIR },
    };
    setups.push(s);
    return s;
  }

  function run(s: Setup, script: string, args: string[] = []): Promise<Result<{ all: true; reject: false }>> {
    return execa(join(BIN, script), args, { env: s.env, all: true, reject: false, timeout: 90_000 });
  }

  function pidFile(s: Setup, daemon: 'standalonesession' | 'taskexecutor'): string {
    return join(s.pidDir, `flink-${s.ident}-${daemon}.pid`);
  }

  /** An unrelated process of this user, the kind a stale or planted pid file points at. */
  async function unrelatedProcess(): Promise<number> {
    const child = spawn('sleep', ['300'], { stdio: 'ignore' });
    children.push(child);
    const pid = child.pid;
    assert.ok(pid !== undefined, 'sleep started');
    await waitFor('sleep to run', 10_000, () => (isAlive(pid) ? true : undefined));
    return pid;
  }

  after(async function () {
    this.timeout(60_000);
    for (const s of setups) {
      for (const daemon of ['taskexecutor', 'standalonesession'] as const) {
        const f = pidFile(s, daemon);
        if (existsSync(f) && !lstatSync(f).isSymbolicLink()) {
          for (const pid of lines(await readFile(f, 'utf8')).map(Number)) {
            if (Number.isInteger(pid) && pid > 0 && isAlive(pid) && !children.some((c) => c.pid === pid)) process.kill(pid, 'SIGKILL');
          }
        }
      }
      await rm(s.root, { recursive: true, force: true });
    }
    for (const c of children) c.kill('SIGKILL');
  });

  it('stop leaves a process alone that is not our daemon, says so, and forgets its pid', async () => {
    const s = await setup();
    const victim = await unrelatedProcess();
    const file = pidFile(s, 'taskexecutor');
    await writeFile(file, `${victim}\n`);

    const stop = await run(s, 'taskmanager.sh', ['stop']);
    assert.equal(stop.exitCode, 0, stop.all);
    assert.deepEqual(lines(stop.all), [
      `pid ${victim} in ${file} is not a flink-ts taskexecutor; not signalling it.`,
      `No taskexecutor daemon to stop on host ${HOST}.`,
    ]);
    assert.ok(isAlive(victim), 'the unrelated process still runs');
    assert.ok(!existsSync(file), 'the pid is dropped from the pid file');
  });

  it('stop-all stops our daemons and skips a foreign pid among them', async () => {
    const s = await setup();
    const start = await run(s, 'jobmanager.sh', ['start']);
    assert.equal(start.exitCode, 0, start.all);
    const file = pidFile(s, 'standalonesession');
    const [daemon] = lines(await readFile(file, 'utf8')).map(Number);
    assert.ok(daemon !== undefined && isAlive(daemon), 'the JobManager runs');
    const victim = await unrelatedProcess();
    await writeFile(file, `${victim}\n${daemon}\n`);

    const stop = await run(s, 'jobmanager.sh', ['stop-all']);
    assert.equal(stop.exitCode, 0, stop.all);
    assert.deepEqual(lines(stop.all), [
      `pid ${victim} in ${file} is not a flink-ts standalonesession; not signalling it.`,
      `Stopping standalonesession daemon (pid: ${daemon}) on host ${HOST}.`,
    ]);
    await waitFor('the JobManager to exit', 15_000, () => (isAlive(daemon) ? undefined : true));
    assert.ok(isAlive(victim), 'the unrelated process still runs');
    assert.ok(!existsSync(file));
  });

  it('start refuses a pid file that is a symbolic link and leaves its target as it was', async () => {
    const s = await setup();
    const target = join(s.root, 'precious.txt');
    await writeFile(target, 'keep me\n');
    const file = pidFile(s, 'taskexecutor');
    await symlink(target, file);

    for (const action of ['start', 'stop', 'stop-all']) {
      const res = await run(s, 'taskmanager.sh', [action]);
      assert.equal(res.exitCode, 1, res.all);
      assert.deepEqual(lines(res.all), [
        `Error: the pid file ${file} is a symbolic link; refusing to use it. Remove it, or set env.pid.dir (or FLINK_PID_DIR) to a directory only you can write to.`,
      ]);
    }
    assert.equal(await readFile(target, 'utf8'), 'keep me\n');
    assert.ok(lstatSync(file).isSymbolicLink(), 'the link is left for its owner to inspect');
  });

  it('start does not write through a link planted at the old temporary pid path', async () => {
    const s = await setup();
    const target = join(s.root, 'precious.txt');
    await writeFile(target, 'keep me\n');
    const file = pidFile(s, 'taskexecutor');
    const first = await run(s, 'taskmanager.sh', ['start']);
    assert.equal(first.exitCode, 0, first.all);
    // With a daemon running, the next start rewrites the pid file; that is where a planted link would bite.
    await symlink(target, `${file}.tmp`);

    const second = await run(s, 'taskmanager.sh', ['start']);
    assert.equal(second.exitCode, 0, second.all);
    assert.equal(await readFile(target, 'utf8'), 'keep me\n');
    assert.ok(lstatSync(file).isFile(), 'the pid file is a regular file');
    const daemons = lines(await readFile(file, 'utf8')).map(Number);
    assert.equal(daemons.length, 2);
    for (const pid of daemons) assert.ok(isAlive(pid), `TaskManager ${pid} runs`);
    // No temporary files are left behind next to it.
    assert.deepEqual((await readdir(s.pidDir)).filter((n) => n.startsWith('.flink-')), []);

    const stop = await run(s, 'taskmanager.sh', ['stop-all']);
    assert.equal(stop.exitCode, 0, stop.all);
    assert.deepEqual(lines(stop.all), daemons.map((p) => `Stopping taskexecutor daemon (pid: ${p}) on host ${HOST}.`));
    assert.equal(await readFile(target, 'utf8'), 'keep me\n');
  });
});
