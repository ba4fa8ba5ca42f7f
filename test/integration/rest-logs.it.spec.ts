/**
 * Logs and stdout over REST on a real standalone cluster (issue 12): bin/start-cluster.sh with one TaskManager;
 * a job's print() output (and console.log of its functions, which run in the TaskManager's task threads) is
 * found through GET /taskmanagers/:id/stdout, the TaskManager's files through /logs, the JobManager's log
 * through /jobmanager/log, and the end of a file through a byte range, as the dashboard follows it.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { loadConfiguration } from '../../src/config/index.js';
import { MiniCluster } from '../../src/minicluster/index.js';
import { setLogSink } from '../../src/util/logger.js';
import { StandaloneCluster, waitFor } from './support/standalone-cluster.js';

interface LogInfo {
  name: string;
  size: number;
  mtime: number;
}

describe('logs and stdout over REST (standalone cluster)', function () {
  this.timeout(180_000);

  let cluster: StandaloneCluster;
  let tmId: string;

  before(async function () {
    this.timeout(120_000);
    cluster = await StandaloneCluster.start({ taskManagers: 1, slotsPerTaskManager: 2 });
    const tms = (await cluster.rest<{ taskmanagers: Array<{ id: string }> }>('/taskmanagers')).taskmanagers;
    assert.equal(tms.length, 1);
    tmId = (tms[0] as { id: string }).id;
  });

  after(async () => cluster?.stop());

  async function text(path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string; headers: Headers }> {
    const res = await cluster.restResponse(path, { headers });
    return { status: res.status, body: await res.text(), headers: res.headers };
  }

  it("finds a job's print() and console.log output in GET /taskmanagers/:id/stdout", async () => {
    const dir = await cluster.tempDir('print');
    const job = join(dir, 'printer.js');
    const marker = `printed${process.pid}x${Date.now()}`;
    await writeFile(
      job,
      `import { StreamExecutionEnvironment } from 'flink-ts';
const marker = process.argv[2];
const env = StreamExecutionEnvironment.getExecutionEnvironment();
env
  .fromElements(1, 2, 3, 4, 5, 6)
  .map((n) => {
    console.log(marker + ' logged ' + n);
    return marker + ' value ' + n * 10;
  })
  .print();
await env.execute('Printer');
`,
    );
    const r = await cluster.flink(['run', '-p', '2', job, marker]);
    assert.equal(r.exitCode, 0, r.describe);

    // Worker threads' output reaches the process's stdout asynchronously: wait for all of it.
    let seen = '';
    const stdout = await waitFor('the job output in the TaskManager stdout', 30_000, async () => {
      const res = await text(`/taskmanagers/${tmId}/stdout`);
      assert.equal(res.status, 200, res.body);
      seen = res.body;
      const values = [...res.body.matchAll(new RegExp(`^(\\d)> ${marker} value (\\d+)$`, 'gm'))];
      const logged = [...res.body.matchAll(new RegExp(`^${marker} logged (\\d)$`, 'gm'))];
      return values.length === 6 && logged.length === 6 ? { res, values, logged } : undefined;
    }).catch((err: Error) => {
      throw new Error(`${err.message}\n--- GET /taskmanagers/${tmId}/stdout answered:\n${seen}\n--- flink run:\n${r.describe}`);
    });
    assert.match(stdout.res.headers.get('content-type') ?? '', /^text\/plain/);
    assert.deepEqual(stdout.values.map((m) => Number(m[2])).sort((a, b) => a - b), [10, 20, 30, 40, 50, 60]);
    // Two subtasks, print()'s prefix is the subtask index + 1.
    assert.deepEqual([...new Set(stdout.values.map((m) => m[1]))].sort(), ['1', '2']);
    // The same bytes as the .out file bin/flink-daemon.sh redirected the TaskManager's output to.
    assert.equal(stdout.res.body, await cluster.readLog('taskexecutor', 0, 'out'));

    // Following the file: only what comes after the bytes already read.
    const size = Buffer.byteLength(stdout.res.body);
    const lastLine = `${(stdout.values.at(-1) as RegExpMatchArray)[0]}\n`;
    const tail = await text(`/taskmanagers/${tmId}/stdout`, { Range: `bytes=${size - Buffer.byteLength(lastLine)}-` });
    assert.equal(tail.status, 206, tail.body);
    assert.equal(tail.headers.get('accept-ranges'), 'bytes');
    assert.equal(tail.headers.get('content-range'), `bytes ${size - Buffer.byteLength(lastLine)}-${size - 1}/${size}`);
    assert.ok(stdout.res.body.endsWith(tail.body), tail.body);
    const nothingNew = await text(`/taskmanagers/${tmId}/stdout`, { Range: `bytes=${size}-` });
    assert.equal(nothingNew.status, 416, nothingNew.body);
    assert.equal(nothingNew.headers.get('content-range'), `bytes */${size}`);
  });

  it("lists the TaskManager's own files and serves one by name", async () => {
    const listing = await cluster.rest<{ logs: LogInfo[] }>(`/taskmanagers/${tmId}/logs`);
    const names = listing.logs.map((l) => l.name);
    const logName = basename(await logPath('taskexecutor', 'log'));
    const outName = basename(await logPath('taskexecutor', 'out'));
    assert.ok(names.includes(logName) && names.includes(outName), names.join(', '));
    // Its own files only: not the JobManager's, which share the log directory.
    assert.ok(names.every((n) => n.includes('-taskexecutor-')), names.join(', '));
    for (const l of listing.logs) {
      assert.deepEqual(Object.keys(l), ['name', 'size', 'mtime']);
      assert.ok(Number.isInteger(l.size) && Number.isInteger(l.mtime) && l.mtime > 0, JSON.stringify(l));
    }
    const log = await text(`/taskmanagers/${tmId}/logs/${encodeURIComponent(logName)}`);
    assert.equal(log.status, 200, log.body);
    assert.match(log.body, /Successful registration at resource manager/);
    assert.equal((await text(`/taskmanagers/${tmId}/log`)).body.slice(0, 200), log.body.slice(0, 200));

    const traversal = await text(`/taskmanagers/${tmId}/logs/${encodeURIComponent('../../../../etc/passwd')}`);
    assert.equal(traversal.status, 404, traversal.body);
    const unknown = await text('/taskmanagers/0123456789abcdef/log');
    assert.equal(unknown.status, 404);
    assert.deepEqual(JSON.parse(unknown.body), { errors: ['TaskManager 0123456789abcdef is not registered with this cluster.'] });
  });

  it("serves the JobManager's log, stdout and files, and byte ranges of them", async () => {
    const log = await text('/jobmanager/log');
    assert.equal(log.status, 200, log.body);
    assert.match(log.body, /StandaloneSessionClusterEntrypoint started\./);
    assert.match(log.body, /Rest endpoint listening at /);

    const head = await text('/jobmanager/log', { Range: 'bytes=0-99' });
    assert.equal(head.status, 206, head.body);
    assert.equal(head.body, Buffer.from(log.body).subarray(0, 100).toString());
    assert.match(head.headers.get('content-range') ?? '', /^bytes 0-99\/\d+$/);

    const stdout = await text('/jobmanager/stdout');
    assert.equal(stdout.status, 200, stdout.body);

    const listing = await cluster.rest<{ logs: LogInfo[] }>('/jobmanager/logs');
    const logName = basename(await logPath('standalonesession', 'log'));
    const names = listing.logs.map((l) => l.name);
    assert.ok(names.includes(logName) && names.every((n) => n.includes('-standalonesession-')), names.join(', '));
    const byName = await text(`/jobmanager/logs/${encodeURIComponent(logName)}`);
    assert.equal(byName.status, 200);
    assert.match(byName.body, /StandaloneSessionClusterEntrypoint started\./);
    // A TaskManager's file is not the JobManager's to serve.
    const tmLog = basename(await logPath('taskexecutor', 'log'));
    assert.equal((await text(`/jobmanager/logs/${encodeURIComponent(tmLog)}`)).status, 404);
  });

  /** The path of daemon 0's log or .out file, whatever $HOSTNAME the scripts used. */
  async function logPath(daemon: 'standalonesession' | 'taskexecutor', ext: 'log' | 'out'): Promise<string> {
    const expected = cluster.logFile(daemon, 0, ext);
    try {
      await stat(expected);
      return expected;
    } catch {
      const listing = await cluster.rest<{ logs: LogInfo[] }>(daemon === 'taskexecutor' ? `/taskmanagers/${tmId}/logs` : '/jobmanager/logs');
      const found = listing.logs.find((l) => l.name.endsWith(`.${ext}`));
      assert.ok(found, `no .${ext} file listed`);
      return join(cluster.logDir, found.name);
    }
  }
});

describe('logs and stdout over REST (embedded local cluster)', function () {
  this.timeout(60_000);

  let dir: string;
  let cluster: MiniCluster | undefined;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'flink-it-local-logs-'));
    await mkdir(join(dir, 'conf'));
    await writeFile(join(dir, 'conf', 'flink-conf.yaml'), `io.tmp.dirs: ${dir}\n`);
    setLogSink(undefined);
    cluster = new MiniCluster({ config: loadConfiguration({ confDir: join(dir, 'conf'), env: {} }), taskManagers: 1, slotsPerTaskManager: 1 });
    await cluster.start();
  });

  after(async () => {
    await cluster?.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function get(path: string): Promise<{ status: number; json: unknown }> {
    const res = await fetch(`${(cluster as MiniCluster).restUrl}${path}`, { signal: AbortSignal.timeout(10_000) });
    return { status: res.status, json: (await res.json()) as unknown };
  }

  it('says that its in-process TaskManager and JobManager have no log files, and how to get them', async () => {
    const tms = (await get('/taskmanagers')).json as { taskmanagers: Array<{ id: string }> };
    const tmId = (tms.taskmanagers[0] as { id: string }).id;
    for (const path of [`/taskmanagers/${tmId}/log`, `/taskmanagers/${tmId}/stdout`, `/taskmanagers/${tmId}/logs`]) {
      const res = await get(path);
      assert.equal(res.status, 404, path);
      const message = (res.json as { errors: string[] }).errors[0] ?? '';
      assert.ok(message.startsWith(`TaskManager ${tmId} has no `), message);
      assert.match(message, /started without a log file .*bin\/taskmanager\.sh start/);
    }
    const jm = await get('/jobmanager/stdout');
    assert.equal(jm.status, 404);
    assert.match((jm.json as { errors: string[] }).errors[0] ?? '', /^The JobManager has no stdout \(\.out\) file: .*bin\/jobmanager\.sh start/);
    assert.deepEqual((await get('/jobmanager/logs')).json, { logs: [] });
  });
});
