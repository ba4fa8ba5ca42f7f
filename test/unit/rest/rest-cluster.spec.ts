import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import { basename, dirname } from 'node:path';
import { RestServerEndpoint, tokenizeArguments } from '../../../src/jobmanager/rest/index.js';
import { call, startTestServer, type TestServer } from './rest-test-util.js';
import { TestingDispatcherGateway, jobDetails, newJobId } from './testing-dispatcher-gateway.js';

describe('REST endpoint: cluster, jars, errors', () => {
  let server: TestServer;

  beforeEach(async () => {
    server = await startTestServer();
  });

  afterEach(async () => {
    await server.close();
  });

  it('answers GET /config with the dashboard configuration', async () => {
    const res = await call(server, 'GET', '/config');
    assert.equal(res.status, 200);
    const body = res.json as Record<string, unknown>;
    assert.deepEqual(Object.keys(body).sort(), [
      'features', 'flink-revision', 'flink-version', 'refresh-interval', 'timezone-name', 'timezone-offset',
    ]);
    assert.equal(body['flink-version'], '0.1.0-test');
    assert.equal(body['flink-revision'], 'abc1234');
    assert.equal(body['refresh-interval'], 3000);
    assert.equal(typeof body['timezone-name'], 'string');
    assert.equal(typeof body['timezone-offset'], 'number');
    assert.equal((body.features as Record<string, unknown>)['web-submit'], true);
  });

  it('answers GET /overview', async () => {
    const res = await call(server, 'GET', '/overview');
    assert.deepEqual(res.json, {
      taskmanagers: 2,
      'slots-total': 8,
      'slots-available': 5,
      'jobs-running': 1,
      'jobs-finished': 3,
      'jobs-cancelled': 1,
      'jobs-failed': 0,
      'flink-version': '0.1.0-test',
      'flink-commit': 'abc1234',
    });
  });

  it('answers GET /taskmanagers and /jobmanager/config', async () => {
    const tms = await call(server, 'GET', '/taskmanagers');
    assert.deepEqual(tms.json, {
      taskmanagers: [
        {
          id: '127.0.0.1:42135-6ba1b2',
          path: 'tcp://127.0.0.1:42135',
          dataPort: 40111,
          jmxPort: -1,
          // The time of the last heartbeat, as Flink means it despite the name.
          timeSinceLastHeartbeat: 1_572_941_999_000,
          slotsNumber: 4,
          freeSlots: 2,
          // A CPU core per slot; heap (the hardware's freeMemory: 476 MiB) and managed memory (122 MiB) by slot.
          totalResource: { cpuCores: 4, taskHeapMemory: 476, taskOffHeapMemory: 0, managedMemory: 122, networkMemory: 0, extendedResources: {} },
          freeResource: { cpuCores: 2, taskHeapMemory: 238, taskOffHeapMemory: 0, managedMemory: 61, networkMemory: 0, extendedResources: {} },
          hardware: { cpuCores: 8, physicalMemory: 16_000_000_000, freeMemory: 500_000_000, managedMemory: 128_000_000 },
          memoryConfiguration: {
            frameworkHeap: 0,
            taskHeap: 500_000_000,
            frameworkOffHeap: 0,
            taskOffHeap: 0,
            networkMemory: 0,
            managedMemory: 128_000_000,
            jvmMetaspace: 0,
            jvmOverhead: 0,
            totalFlinkMemory: 628_000_000,
            totalProcessMemory: 628_000_000,
          },
          blocked: false,
        },
      ],
    });
    const conf = await call(server, 'GET', '/v1/jobmanager/config');
    assert.deepEqual(conf.json, [
      { key: 'jobmanager.rpc.address', value: 'localhost' },
      { key: 'rest.port', value: '8081' },
    ]);
  });

  it('answers 404 "Not found: <path>" for unknown paths, with the CORS header', async () => {
    for (const [method, path] of [
      ['GET', '/nope'],
      ['GET', '/v1/nope'],
      ['GET', '/'],
      ['POST', '/nope'],
    ] as const) {
      const res = await call(server, method, path);
      assert.equal(res.status, 404, `${method} ${path}`);
      assert.deepEqual(res.json, { errors: [`Not found: ${path}`] });
      assert.equal(res.headers.get('access-control-allow-origin'), '*');
    }
  });

  it('answers 405 with the allowed methods for a wrong method on a known path', async () => {
    for (const [method, path, allowed] of [
      ['POST', '/overview', 'GET'],
      ['DELETE', '/v1/taskmanagers', 'GET'],
      ['PUT', `/jobs/${newJobId()}`, 'GET, PATCH'],
      ['GET', '/jars/0d9a_job.js/run', 'POST'],
      ['GET', '/cluster', 'DELETE'],
    ] as const) {
      const res = await call(server, method, path);
      assert.equal(res.status, 405, `${method} ${path}`);
      assert.equal(res.headers.get('allow'), allowed, `${method} ${path}`);
      const body = res.json as { errors: string[] };
      assert.deepEqual(Object.keys(body), ['errors'], `${method} ${path}: Flink's error shape`);
      assert.match(body.errors[0] ?? '', new RegExp(`^Method ${method} is not allowed on `), `${method} ${path}`);
    }
  });

  it('hands unknown GETs outside /v1 to the static handler when one is set', async () => {
    await server.close();
    server = await startTestServer({
      staticHandler: async (_req, res, path) => {
        if (path !== '/' && path !== '/index.html') return false;
        res.writeHead(200, { 'Content-Type': 'text/html' });
        res.end('<html>flink</html>');
        return true;
      },
    });
    const index = await call(server, 'GET', '/');
    assert.equal(index.status, 200);
    assert.equal(index.text, '<html>flink</html>');
    assert.equal((await call(server, 'GET', '/missing.js')).status, 404);
    assert.equal((await call(server, 'GET', '/v1/')).status, 404);
  });

  it('answers 500 with the message when the gateway fails, and keeps serving', async () => {
    server.gateway.failWith = new Error('dispatcher exploded');
    const res = await call(server, 'GET', '/overview');
    assert.equal(res.status, 500);
    const errors = (res.json as { errors: string[] }).errors;
    assert.equal(errors[0], 'Internal server error.');
    assert.match(errors[1] as string, /^Error: dispatcher exploded/);
    server.gateway.failWith = undefined;
    assert.equal((await call(server, 'GET', '/overview')).status, 200);
  });

  it('answers 413 for a JSON body over the max content length', async () => {
    await server.close();
    server = await startTestServer({ maxContentLength: 1000 });
    const res = await call(server, 'POST', '/jars/x/run', JSON.stringify({ programArgs: 'a'.repeat(5000) }), {
      'Content-Type': 'application/json',
    });
    assert.equal(res.status, 413);
  });

  it('shuts the cluster down on DELETE /cluster after answering', async () => {
    const res = await call(server, 'DELETE', '/cluster');
    assert.equal(res.status, 200);
    for (let i = 0; i < 100 && server.gateway.calls.shutdowns === 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(server.gateway.calls.shutdowns, 1);
  });

  describe('/jars', () => {
    async function upload(name: string, content: string): Promise<{ status: number; json: unknown }> {
      const form = new FormData();
      form.append('jarfile', new Blob([content]), name);
      return call(server, 'POST', '/jars/upload', form);
    }

    it('uploads a program, lists it, runs it with shell-split arguments, and deletes it', async () => {
      const up = await upload('word-count.mjs', 'export default 1;');
      assert.equal(up.status, 200);
      const filename = (up.json as { filename: string; status: string }).filename;
      assert.equal((up.json as { status: string }).status, 'success');
      assert.equal(dirname(filename), server.uploadDir);
      const jarId = basename(filename);
      assert.match(jarId, /^[0-9a-f-]{36}_word-count\.mjs$/);
      assert.equal(Buffer.from(server.gateway.calls.uploads[0]?.data ?? []).toString(), 'export default 1;');
      // Temporary upload files are gone once the request is done.
      assert.deepEqual(await readdir(server.uploadDir), []);

      const list = await call(server, 'GET', '/jars');
      assert.deepEqual(list.json, {
        address: server.url,
        files: [{ id: jarId, name: 'word-count.mjs', uploaded: 1_572_941_990_000, entry: [] }],
      });

      const jobId = newJobId();
      const run = await call(
        server,
        'POST',
        `/jars/${jarId}/run?parallelism=3`,
        JSON.stringify({ programArgs: `--input "/tmp/a b.txt" --name 'x y' plain`, jobId, allowNonRestoredState: true }),
        { 'Content-Type': 'application/json' },
      );
      assert.equal(run.status, 200, JSON.stringify(run.json));
      assert.deepEqual(run.json, { jobid: jobId });
      assert.deepEqual(server.gateway.calls.runs[0], {
        programId: jarId,
        request: {
          programArgs: ['--input', '/tmp/a b.txt', '--name', 'x y', 'plain'],
          parallelism: 3,
          allowNonRestoredState: true,
          jobId,
        },
      });

      const viaQuery = await call(server, 'POST', `/v1/jars/${jarId}/run?programArgsList=a&programArgsList=b%20c`);
      assert.equal(viaQuery.status, 200);
      assert.deepEqual(server.gateway.calls.runs[1]?.request.programArgs, ['a', 'b c']);

      const both = await call(server, 'POST', `/jars/${jarId}/run`, JSON.stringify({ programArgs: 'a', programArgsList: ['a'] }));
      assert.equal(both.status, 400);

      const deleted = await call(server, 'DELETE', `/jars/${jarId}`);
      assert.equal(deleted.status, 200);
    });

    it('answers 400 for a non-program upload, an unknown jar, and a bad parallelism', async () => {
      const bad = await upload('evil.exe', 'MZ');
      assert.equal(bad.status, 400);
      assert.equal(server.gateway.calls.uploads.length, 0);
      const unknown = await call(server, 'POST', '/jars/nope.mjs/run');
      assert.equal(unknown.status, 400);
      assert.match((unknown.json as { errors: string[] }).errors[0] as string, /nope\.mjs does not exist/);
      const up = await upload('job.js', 'x');
      const jarId = basename((up.json as { filename: string }).filename);
      const p = await call(server, 'POST', `/jars/${jarId}/run?parallelism=zero`);
      assert.equal(p.status, 400);
      assert.equal(server.gateway.calls.runs.length, 0);
    });
  });

  it('binds the next free port of a range', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const taken = (blocker.address() as { port: number }).port;
    const endpoint = new RestServerEndpoint({
      gateway: new TestingDispatcherGateway(),
      bindAddress: '127.0.0.1',
      port: `${taken}-${taken + 20}`,
      maxContentLength: 1000,
      uploadDir: server.uploadDir,
      flinkVersion: 'x',
      flinkRevision: 'y',
    });
    try {
      await endpoint.start();
      assert.ok(endpoint.port > taken && endpoint.port <= taken + 20, String(endpoint.port));
      assert.equal((await call(endpoint, 'GET', '/jobs')).status, 200);
    } finally {
      await endpoint.close();
      await endpoint.close();
      await new Promise((resolve) => blocker.close(resolve));
    }
    assert.equal(endpoint.state, 'closed');
  });

  it('lists jobs added after start (no caching)', async () => {
    const job = server.gateway.addJob(jobDetails({ jobId: newJobId() }));
    const res = await call(server, 'GET', '/jobs');
    assert.deepEqual(res.json, { jobs: [{ id: job.jobId, status: 'RUNNING' }] });
  });
});

describe('tokenizeArguments', () => {
  it('splits like a shell: quotes group, backslashes escape', () => {
    assert.deepEqual(tokenizeArguments(`a  "b c" 'd "e"' f\\ g --k="v w" ""`), ['a', 'b c', 'd "e"', 'f g', '--k=v w', '']);
    assert.deepEqual(tokenizeArguments('   '), []);
    assert.throws(() => tokenizeArguments('"open'), /Unterminated double quote/);
  });
});
