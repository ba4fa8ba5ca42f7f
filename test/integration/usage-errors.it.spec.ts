/**
 * Usage mistakes a user makes with a real installation, each answered with one message that names the cause
 * and the fix, the right exit code, and no stack trace: a bad -m, more parallelism than slots, a taken or
 * foreign bind address, a read-only output, a forgotten `await`, an uploaded program that calls process.exit.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { execa } from 'execa';
import { loopbackSetup } from '../support/loopback-conf.js';
import { isAlive } from '../support/processes.js';
import { BIN_DIR, DIST_DIR, EXAMPLES_DIR, FLINK_HOME, runCommand, StandaloneCluster, type CommandResult } from './support/standalone-cluster.js';

/** A frame of a JavaScript stack trace: a usage mistake must not show one. */
const STACK_FRAME = /^\s+at /m;

function assertNoStack(r: CommandResult): void {
  assert.doesNotMatch(`${r.stdout}\n${r.stderr}`, STACK_FRAME, `a usage mistake shows no stack trace\n${r.describe}`);
}

describe('usage mistakes get one clear message', function () {
  this.timeout(120_000);
  let cluster: StandaloneCluster;
  let work: string;

  before(async function () {
    cluster = await StandaloneCluster.start();
    work = await cluster.tempDir('usage');
  });

  after(async function () {
    this.timeout(90_000);
    await cluster?.stop();
  });

  async function program(name: string, lines: string[]): Promise<string> {
    const file = join(work, name);
    await writeFile(file, ["import { ExecutionEnvironment, StreamExecutionEnvironment } from 'flink-ts';", ...lines].join('\n'));
    return file;
  }

  it('run -m with a malformed address says what a JobManager address looks like, before running the program', async () => {
    const r = await cluster.flink(['run', '-m', 'not a host:xx', join(EXAMPLES_DIR, 'batch', 'WordCount.js')]);
    assert.equal(r.exitCode, 1, r.describe);
    assert.match(r.stdout, /The JobManager address 'not a host:xx' is not valid\. Use host:port/, r.describe);
    assert.doesNotMatch(r.stdout, /Printing result/, 'the program did not run');
    assertNoStack(r);
  });

  it('-p beyond the free slots: flink run says what the job waits for, then fails after -D slot.request.timeout naming the slots', async () => {
    const r = await cluster.flink(['run', '-p', '5', '-D', 'slot.request.timeout=3s', join(EXAMPLES_DIR, 'batch', 'WordCount.js')], { timeout: 60_000 });
    assert.equal(r.exitCode, 1, r.describe);
    assert.match(r.stdout, /is waiting for 5 task slot\(s\); the cluster has 4 free of 4\./, r.describe);
    assert.match(r.stderr, /Could not acquire 5 slot\(s\) for job [0-9a-f]{32} within slot\.request\.timeout \(3000 ms\): the cluster has 2 TaskManager\(s\) with 4 slot\(s\), 4 free\./, r.describe);
    assert.match(r.stderr, /lower the parallelism \(-p\)/, r.describe);
    assertNoStack(r);
  });

  it('an output on a read-only file system is named as such, at -p 1 (in the sink) and -p 2 (its directory)', async () => {
    // A read-only tmpfs in a private mount namespace: it exists only for the command, nothing to clean up.
    const ro = join(work, 'read-only');
    await mkdir(ro);
    for (const p of ['1', '2']) {
      const cmd = `mount -t tmpfs -o ro tmpfs '${ro}' && exec '${join(BIN_DIR, 'flink')}' run -t local -p ${p} '${join(EXAMPLES_DIR, 'batch', 'WordCount.js')}' --output '${ro}/out'`;
      const r = await runCommand('unshare', ['-rm', 'sh', '-c', cmd], cluster.env);
      assert.equal(r.exitCode, 1, r.describe);
      const what = p === '1' ? `write ${ro}/out` : `create directory ${ro}/out`;
      assert.ok(r.stderr.includes(`Could not ${what}: the file system is read-only. Choose an output path on a writable file system.`), r.describe);
      assertNoStack(r);
    }
  });

  it('a program that forgets `await` on execute() still gets its output before flink run returns, and is told to add it', async () => {
    const out = join(work, 'no-await-out');
    const file = await program('no-await.mjs', [
      'const env = StreamExecutionEnvironment.getExecutionEnvironment();',
      "env.fromElements('a', 'b', 'c').writeAsText(process.argv[2]);",
      "env.execute('forgot await');",
    ]);
    const r = await cluster.flink(['run', file, out]);
    assert.equal(r.exitCode, 0, r.describe);
    assert.equal(existsSync(out), true, `the output exists when flink run returns\n${r.describe}`);
    assert.deepEqual((await readFile(out, 'utf8')).split('\n').filter(Boolean), ['a', 'b', 'c']);
    assert.match(r.stderr, /the program returned before 1 of its job\(s\) finished; flink run waited for them\. Add `await` before env\.execute\(\)/, r.describe);
  });

  it('a program that forgets `await` on print() still prints its rows', async () => {
    const file = await program('no-await-print.mjs', ['ExecutionEnvironment.getExecutionEnvironment().fromElements(1, 2, 3).map((x) => x * 7).print();']);
    const r = await cluster.flink(['run', file]);
    assert.equal(r.exitCode, 0, r.describe);
    assert.deepEqual(r.stdout.split('\n').filter((l) => /^\d+$/.test(l)), ['7', '14', '21'], r.describe);
    assert.match(r.stderr, /Add `await`/, r.describe);
  });

  it('a failing job the program did not await fails flink run with its cause and the missing `await`', async () => {
    const file = await program('no-await-fails.mjs', [
      'const env = StreamExecutionEnvironment.getExecutionEnvironment();',
      "env.fromElements(1).map(() => { throw new Error('broken on purpose'); }).print();",
      "env.execute('forgot await, fails');",
    ]);
    const r = await cluster.flink(['run', file]);
    assert.equal(r.exitCode, 1, r.describe);
    assert.match(r.stderr, /The program returned before its job finished, and the job failed\. Add `await`/, r.describe);
    assert.match(r.stderr, /broken on purpose/, r.describe);
  });

  it('an uploaded program that calls process.exit is refused at once with 400, naming the call', async () => {
    const file = await program('exits.mjs', ['process.exit(3);']);
    const form = new FormData();
    form.append('jarfile', new Blob([await readFile(file)]), 'exits.mjs');
    const uploaded = await cluster.rest<{ filename: string }>('/jars/upload', { method: 'POST', body: form });
    const jarId = uploaded.filename.split('/').pop() as string;
    const res = await cluster.restResponse(`/jars/${jarId}/run`, { method: 'POST', signal: AbortSignal.timeout(20_000) });
    const body = (await res.json()) as { errors: string[] };
    assert.equal(res.status, 400, JSON.stringify(body));
    assert.match(body.errors.join(' '), /called process\.exit\(3\) before it reached execute\(\)\. A job program must not exit the process/);
    assert.doesNotMatch(body.errors.join(' '), STACK_FRAME);
  });
});

describe('daemons that cannot bind say which key to change', function () {
  this.timeout(120_000);
  const roots: string[] = [];
  const pids = new Set<number>();

  after(async function () {
    for (const pid of pids) {
      if (isAlive(pid)) process.kill(pid, 'SIGKILL');
    }
    for (const r of roots) await rm(r, { recursive: true, force: true });
  });

  async function startJobManager(extraConf: string[]): Promise<{ all: string; exitCode: number | undefined; rpcPort: number }> {
    const s = await loopbackSetup({ home: FLINK_HOME, prefix: 'flink-bind-it-', slotsPerTaskManager: 1, taskManagers: 1, extraConf });
    roots.push(s.root);
    const env = { FLINK_CONF_DIR: s.confDir, FLINK_PID_DIR: s.pidDir, FLINK_LOG_DIR: s.logDir, FLINK_IDENT_STRING: `bind${process.pid}`, FLINK_DIST_DIR: DIST_DIR };
    const r = await execa(join(BIN_DIR, 'jobmanager.sh'), ['start'], { env, all: true, reject: false, timeout: 60_000 });
    const pidFile = join(s.pidDir, `flink-bind${process.pid}-standalonesession.pid`);
    if (existsSync(pidFile)) for (const p of (await readFile(pidFile, 'utf8')).split('\n').filter(Boolean)) pids.add(Number(p));
    return { all: String(r.all ?? ''), exitCode: r.exitCode, rpcPort: s.rpcPort };
  }

  it('an RPC port in use names jobmanager.rpc.port', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    try {
      const port = (blocker.address() as { port: number }).port;
      const r = await startJobManager([`jobmanager.rpc.port: ${port}`]);
      assert.equal(r.exitCode, 1, r.all);
      assert.match(r.all, new RegExp(`Could not start the JobManager's RPC endpoint on 127\\.0\\.0\\.1:${port}: the port is already in use by another process.*set jobmanager\\.rpc\\.port to a free port`), r.all);
      assert.doesNotMatch(r.all, STACK_FRAME, r.all);
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
  });

  it('a REST bind address that is not this host names rest.bind-address instead of asking to free the port', async () => {
    const cases: Array<[string, string]> = [
      ['999.1.1.1', 'is neither an IP address nor a host name that resolves'],
      ['192.0.2.1', 'is not an address of this machine'],
    ];
    for (const [address, why] of cases) {
      const r = await startJobManager([`rest.bind-address: ${address}`]);
      assert.equal(r.exitCode, 1, r.all);
      assert.ok(r.all.includes(`Could not start the REST server on ${address}:`) && r.all.includes(why) && r.all.includes('Set rest.bind-address'), r.all);
      assert.doesNotMatch(r.all, /[Ff]ree the port/, r.all);
      assert.doesNotMatch(r.all, STACK_FRAME, r.all);
    }
  });
});
