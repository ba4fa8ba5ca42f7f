import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseRangeHeader } from '../../../src/jobmanager/rest/byte-ranges.js';
import { ResourceManagerTaskManagerFiles, type TaskManagerFileGateway } from '../../../src/jobmanager/resourcemanager/task-manager-files.js';
import { connectRpc, RpcServer, type RpcConnection } from '../../../src/rpc/rpc-connection.js';
import { serveLogFiles } from '../../../src/taskmanager/log-file-server.js';
import { DaemonLogFiles, MAX_FILE_CHUNK_BYTES } from '../../../src/util/log-files.js';
import { call, startTestServer, type TestServer } from './rest-test-util.js';

const JM = 'flink-u-standalonesession-0-host';
const TM = 'flink-u-taskexecutor-0-host';

/** A log directory as bin/start-cluster.sh leaves it on one host: a JobManager's and a TaskManager's files. */
async function logDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'flink-logs-test-'));
  await writeFile(join(dir, `${JM}.log`), 'jm log line 1\njm log line 2\n');
  await writeFile(join(dir, `${JM}.out`), 'jm stdout\n');
  await writeFile(join(dir, `${JM}.log.1`), 'older jm log\n');
  await writeFile(join(dir, `${TM}.log`), 'tm log\n');
  await writeFile(join(dir, `${TM}.out`), '1> hello\n2> world\n');
  await mkdir(join(dir, `${JM}.dir`));
  await symlink('/etc/hostname', join(dir, `${JM}.link`));
  return dir;
}

describe('REST endpoint: JobManager logs and stdout', () => {
  let dir: string;
  let server: TestServer;

  beforeEach(async () => {
    dir = await logDir();
    server = await startTestServer({ jobManagerLogFile: join(dir, `${JM}.log`) });
  });

  afterEach(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('serves the log and the .out file next to it as text/plain', async () => {
    const log = await call(server, 'GET', '/jobmanager/log');
    assert.equal(log.status, 200);
    assert.equal(log.text, 'jm log line 1\njm log line 2\n');
    assert.match(log.headers.get('content-type') ?? '', /^text\/plain/);
    assert.equal(log.headers.get('accept-ranges'), 'bytes');
    const out = await call(server, 'GET', '/v1/jobmanager/stdout');
    assert.equal(out.status, 200);
    assert.equal(out.text, 'jm stdout\n');
  });

  it('lists only its own regular files, with Flink\'s name, size and mtime', async () => {
    const res = await call(server, 'GET', '/jobmanager/logs');
    assert.equal(res.status, 200);
    const logs = (res.json as { logs: Array<{ name: string; size: number; mtime: number }> }).logs;
    assert.deepEqual(logs.map((l) => l.name), [`${JM}.log`, `${JM}.log.1`, `${JM}.out`]);
    assert.deepEqual(logs.map((l) => l.size), [28, 13, 10]);
    for (const l of logs) {
      assert.deepEqual(Object.keys(l), ['name', 'size', 'mtime']);
      assert.ok(Number.isInteger(l.mtime) && Math.abs(l.mtime - Date.now()) < 600_000, `mtime ${l.mtime}`);
    }
  });

  it('serves a listed file by name and nothing else', async () => {
    const old = await call(server, 'GET', `/jobmanager/logs/${JM}.log.1`);
    assert.equal(old.status, 200);
    assert.equal(old.text, 'older jm log\n');
    for (const name of [`${TM}.log`, `${JM}.link`, `${JM}.dir`, '..%2F..%2F..%2Fetc%2Fpasswd', `..%2F${JM}.log`, '..%2F']) {
      const res = await call(server, 'GET', `/jobmanager/logs/${name}`);
      assert.equal(res.status, 404, `${name}: ${res.text}`);
      assert.match((res.json as { errors: string[] }).errors[0] ?? '', /has no file named .* among its log files/);
    }
  });

  it('answers byte ranges with 206 and Content-Range, and 416 past the end', async () => {
    const size = 28;
    const from = await call(server, 'GET', '/jobmanager/log', undefined, { Range: 'bytes=14-' });
    assert.equal(from.status, 206);
    assert.equal(from.text, 'jm log line 2\n');
    assert.equal(from.headers.get('content-range'), `bytes 14-27/${size}`);
    assert.equal(from.headers.get('content-length'), '14');

    const mid = await call(server, 'GET', '/jobmanager/log', undefined, { Range: 'bytes=3-5' });
    assert.equal(mid.status, 206);
    assert.equal(mid.text, 'log');
    assert.equal(mid.headers.get('content-range'), `bytes 3-5/${size}`);

    const clamped = await call(server, 'GET', '/jobmanager/log', undefined, { Range: 'bytes=20-1000' });
    assert.equal(clamped.status, 206);
    assert.equal(clamped.headers.get('content-range'), `bytes 20-27/${size}`);

    const tail = await call(server, 'GET', '/jobmanager/log', undefined, { Range: 'bytes=-2' });
    assert.equal(tail.status, 206);
    assert.equal(tail.text, '2\n');
    assert.equal(tail.headers.get('content-range'), `bytes 26-27/${size}`);

    const past = await call(server, 'GET', '/jobmanager/log', undefined, { Range: `bytes=${size}-` });
    assert.equal(past.status, 416);
    assert.equal(past.headers.get('content-range'), `bytes */${size}`);
    assert.match((past.json as { errors: string[] }).errors[0] ?? '', /has 28 bytes/);

    // Ranges this endpoint does not take are ignored: the whole file.
    for (const header of ['bytes=5-2', 'bytes=0-1,4-5', 'lines=1-2']) {
      const whole = await call(server, 'GET', '/jobmanager/log', undefined, { Range: header });
      assert.equal(whole.status, 200, header);
      assert.equal(whole.text.length, size);
    }
  });

  it('says how to get a log file when the JobManager has none, and lists nothing', async () => {
    const bare = await startTestServer();
    try {
      for (const path of ['/jobmanager/log', '/jobmanager/stdout', '/jobmanager/logs/x.log']) {
        const res = await call(bare, 'GET', path);
        assert.equal(res.status, 404, path);
        const message = (res.json as { errors: string[] }).errors[0] ?? '';
        assert.match(message, /The JobManager has no .*started without a log file/);
        assert.match(message, /bin\/jobmanager\.sh start/);
      }
      assert.deepEqual((await call(bare, 'GET', '/jobmanager/logs')).json, { logs: [] });
    } finally {
      await bare.close();
    }
  });
});

describe('REST endpoint: TaskManager logs and stdout over RPC', () => {
  let dir: string;
  let rpc: RpcServer;
  let tmSide: RpcConnection;
  let jmSide: RpcConnection;
  let server: TestServer;
  const chunks: Array<{ offset: number; maxBytes: number; got: number }> = [];

  /** The JobManager's end of a TaskManager connection; the TaskManager's end serves `files`. */
  async function connectTaskManager(files: DaemonLogFiles): Promise<void> {
    let accepted: ((c: RpcConnection) => void) | undefined;
    const arrived = new Promise<RpcConnection>((resolve) => (accepted = resolve));
    rpc = new RpcServer('127.0.0.1', 0, (c) => accepted?.(c));
    await rpc.start();
    tmSide = await connectRpc('127.0.0.1', rpc.port, 5_000);
    serveLogFiles(tmSide, files);
    jmSide = await arrived;
  }

  async function start(files: DaemonLogFiles): Promise<void> {
    await connectTaskManager(files);
    const real = new ResourceManagerTaskManagerFiles((id) => (id === 'tm-1' ? jmSide : undefined), 5_000);
    const recording: TaskManagerFileGateway = {
      requestTaskManagerLogList: (id) => real.requestTaskManagerLogList(id),
      requestTaskManagerFileChunk: async (id, file, offset, maxBytes) => {
        const chunk = await real.requestTaskManagerFileChunk(id, file, offset, maxBytes);
        chunks.push({ offset, maxBytes, got: chunk.data.length });
        return chunk;
      },
    };
    server = await startTestServer({ taskManagerFiles: recording });
  }

  beforeEach(async () => {
    chunks.length = 0;
    dir = await logDir();
  });

  afterEach(async () => {
    await server?.close();
    tmSide?.close();
    await rpc?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('serves its log, stdout, listing and files by name', async () => {
    await start(new DaemonLogFiles(join(dir, `${TM}.log`), { who: 'TaskManager tm-1', startHint: 'bin/taskmanager.sh start' }));
    assert.equal((await call(server, 'GET', '/taskmanagers/tm-1/log')).text, 'tm log\n');
    const out = await call(server, 'GET', '/taskmanagers/tm-1/stdout');
    assert.equal(out.status, 200);
    assert.equal(out.text, '1> hello\n2> world\n');
    const list = await call(server, 'GET', '/taskmanagers/tm-1/logs');
    assert.deepEqual((list.json as { logs: Array<{ name: string }> }).logs.map((l) => l.name), [`${TM}.log`, `${TM}.out`]);
    assert.equal((await call(server, 'GET', `/taskmanagers/tm-1/logs/${TM}.out`)).text, '1> hello\n2> world\n');
    const range = await call(server, 'GET', '/taskmanagers/tm-1/stdout', undefined, { Range: 'bytes=9-' });
    assert.equal(range.status, 206);
    assert.equal(range.text, '2> world\n');
    assert.equal(range.headers.get('content-range'), 'bytes 9-17/18');
    assert.equal((await call(server, 'GET', '/taskmanagers/tm-1/stdout', undefined, { Range: 'bytes=18-' })).status, 416);
    for (const name of [`${JM}.log`, '..%2F..%2Fetc%2Fpasswd', `${TM}.link`]) {
      assert.equal((await call(server, 'GET', `/taskmanagers/tm-1/logs/${name}`)).status, 404, name);
    }
  });

  it('streams a large file in chunks of at most 1 MiB, also for a range across chunks', async () => {
    const big = Buffer.alloc(2 * MAX_FILE_CHUNK_BYTES + 12_345);
    for (let i = 0; i < big.length; i++) big[i] = 97 + (i % 26);
    await writeFile(join(dir, `${TM}.out`), big);
    await start(new DaemonLogFiles(join(dir, `${TM}.log`), { who: 'TaskManager tm-1', startHint: 'bin/taskmanager.sh start' }));

    const whole = await fetch(`${server.url}/taskmanagers/tm-1/stdout`);
    assert.equal(whole.status, 200);
    assert.ok(Buffer.from(await whole.arrayBuffer()).equals(big));
    assert.equal(chunks.length, 3);
    assert.ok(chunks.every((c) => c.maxBytes <= MAX_FILE_CHUNK_BYTES && c.got <= MAX_FILE_CHUNK_BYTES), JSON.stringify(chunks));

    const from = MAX_FILE_CHUNK_BYTES - 10;
    const to = MAX_FILE_CHUNK_BYTES + 20;
    const part = await fetch(`${server.url}/taskmanagers/tm-1/stdout`, { headers: { Range: `bytes=${from}-${to}` } });
    assert.equal(part.status, 206);
    assert.equal(part.headers.get('content-range'), `bytes ${from}-${to}/${big.length}`);
    assert.ok(Buffer.from(await part.arrayBuffer()).equals(big.subarray(from, to + 1)));
  });

  it('answers 404 for an unknown TaskManager, as GET /taskmanagers/:id does', async () => {
    await start(new DaemonLogFiles(join(dir, `${TM}.log`), { who: 'TaskManager tm-1', startHint: 'bin/taskmanager.sh start' }));
    for (const path of ['/taskmanagers/nope/log', '/taskmanagers/nope/stdout', '/taskmanagers/nope/logs', '/taskmanagers/nope/logs/a.log']) {
      const res = await call(server, 'GET', path);
      assert.equal(res.status, 404, path);
      assert.deepEqual(res.json, { errors: ['TaskManager nope is not registered with this cluster.'] });
    }
  });

  it('says why a TaskManager started without a log file has no log or stdout', async () => {
    await start(new DaemonLogFiles(undefined, { who: 'TaskManager tm-1', startHint: 'bin/taskmanager.sh start (or bin/start-cluster.sh)' }));
    for (const [path, what] of [['/taskmanagers/tm-1/log', 'log file'], ['/taskmanagers/tm-1/stdout', 'stdout'], ['/taskmanagers/tm-1/logs', 'log files']] as const) {
      const res = await call(server, 'GET', path);
      assert.equal(res.status, 404, path);
      const message = (res.json as { errors: string[] }).errors[0] ?? '';
      assert.ok(message.includes(`TaskManager tm-1 has no ${what}`), message);
      assert.match(message, /started without a log file/);
      assert.match(message, /bin\/taskmanager\.sh start/);
    }
  });

  it('answers 500 naming the TaskManager when its connection is gone mid-way', async () => {
    await start(new DaemonLogFiles(join(dir, `${TM}.log`), { who: 'TaskManager tm-1', startHint: 'bin/taskmanager.sh start' }));
    tmSide.close();
    const res = await call(server, 'GET', '/taskmanagers/tm-1/log');
    assert.equal(res.status, 500);
    assert.match((res.json as { errors: string[] }).errors[0] ?? '', /^Failed to transfer file from TaskManager tm-1: /);
  });
});

describe('log files of a daemon', () => {
  let dir: string;
  beforeEach(async () => (dir = await mkdtemp(join(tmpdir(), 'flink-logs-yarn-'))));
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  it('finds a YARN container\'s stdout next to its log (jobmanager.log → jobmanager.out) and lists its files only', async () => {
    for (const [name, text] of [['jobmanager.log', 'log\n'], ['jobmanager.out', 'out\n'], ['jobmanager.err', 'err\n'], ['prelaunch.out', 'x\n'], ['launch_container.sh', '#!\n']]) {
      await writeFile(join(dir, name as string), text as string);
    }
    const files = new DaemonLogFiles(join(dir, 'jobmanager.log'), { who: 'The JobManager', startHint: '' });
    assert.equal(files.stdoutFile, join(dir, 'jobmanager.out'));
    assert.equal(Buffer.from((await files.read({ type: 'STDOUT' }, 0, 100)).data).toString(), 'out\n');
    assert.deepEqual((await files.list()).map((f) => f.name), ['jobmanager.err', 'jobmanager.log', 'jobmanager.out']);
  });

  it('parses the Range headers it takes and ignores the others', () => {
    assert.deepEqual(parseRangeHeader('bytes=10-'), { kind: 'from', start: 10 });
    assert.deepEqual(parseRangeHeader('bytes=0-99'), { kind: 'from', start: 0, end: 99 });
    assert.deepEqual(parseRangeHeader('bytes=-500'), { kind: 'suffix', length: 500 });
    assert.deepEqual(parseRangeHeader(' Bytes = 7 - 7 '), { kind: 'from', start: 7, end: 7 });
    for (const ignored of [undefined, '', 'bytes=', 'bytes=-', 'bytes=9-3', 'bytes=1-2,5-6', 'items=1-2', 'bytes=a-b']) {
      assert.equal(parseRangeHeader(ignored), undefined, String(ignored));
    }
  });
});
