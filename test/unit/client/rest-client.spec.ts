import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ClusterUnreachableError,
  RestClient,
  RestRequestError,
  parseJobManagerAddress,
  restClientFor,
} from '../../../src/client/rest-client.js';
import { Configuration } from '../../../src/config/index.js';
import { serializeError } from '../../../src/util/errors.js';
import { startTestServer, type TestServer } from '../rest/rest-test-util.js';
import { closedPort } from './client-test-util.js';
import { jobDetails, newJobId } from '../rest/testing-dispatcher-gateway.js';

describe('RestClient', () => {
  let server: TestServer;
  let client: RestClient;

  beforeEach(async () => {
    server = await startTestServer();
    client = new RestClient({ baseUrl: server.url, timeoutMs: 5000 });
  });

  afterEach(async () => {
    await server.close();
  });

  it('submits a job graph and bundle with POST /jobs', async () => {
    const jobId = newJobId();
    const graph = { jobId, name: 'WordCount', vertices: [] };
    const data = new Uint8Array([1, 2, 3, 0, 255]);
    assert.deepEqual(await client.submitJob(graph, { fileName: 'word-count.mjs', data }), { jobId });
    const [received] = server.gateway.calls.submissions;
    assert.deepEqual(received?.jobGraph, graph);
    assert.equal(received?.bundle.fileName, 'word-count.mjs');
    assert.deepEqual([...(received?.bundle.data ?? [])], [...data]);
  });

  it('reads the jobs overview, job details and exceptions', async () => {
    const job = server.gateway.addJob(jobDetails({ jobId: newJobId(), name: 'Streaming' }));
    const [row] = await client.jobsOverview();
    assert.equal(row?.jid, job.jobId);
    assert.equal(row?.name, 'Streaming');
    assert.equal(row?.state, 'RUNNING');
    assert.equal(row?.['start-time'], job.startTime);
    const details = await client.jobDetails(job.jobId);
    assert.equal(details.jid, job.jobId);
    assert.equal(details.state, 'RUNNING');
    const ex = await client.jobExceptions(job.jobId);
    assert.deepEqual(ex['all-exceptions'], []);
  });

  it('cancels a job', async () => {
    const job = server.gateway.addJob(jobDetails({ jobId: newJobId() }));
    await client.cancelJob(job.jobId);
    assert.deepEqual(server.gateway.calls.cancellations, [job.jobId]);
  });

  it('rebuilds the execution result and its failure cause', async () => {
    const job = server.gateway.addJob(jobDetails({ jobId: newJobId() }));
    assert.deepEqual(await client.jobExecutionResult(job.jobId), { completed: false });
    const failureCause = serializeError(new Error('Job failed', { cause: new TypeError('bad record') }));
    server.gateway.results.set(job.jobId, {
      jobId: job.jobId,
      applicationStatus: 'FAILED',
      accumulatorResults: { count: 'AQI=' },
      netRuntime: 42,
      failureCause,
    });
    assert.deepEqual(await client.jobExecutionResult(job.jobId), {
      completed: true,
      result: {
        jobId: job.jobId,
        applicationStatus: 'FAILED',
        accumulatorResults: { count: 'AQI=' },
        netRuntime: 42,
        failureCause,
      },
    });
  });

  it("turns Flink's error answers into RestRequestError with the status and errors", async () => {
    const jobId = newJobId();
    const err = await client.jobDetails(jobId).then(
      () => assert.fail('expected a 404'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof RestRequestError);
    assert.equal(err.code, 'REST_ERROR');
    assert.equal(err.status, 404);
    assert.deepEqual(err.errors, [`Job ${jobId} not found`]);
    assert.equal(err.message, `Job ${jobId} not found`);
  });

  it('reads the overview, TaskManagers and configs, uploads and runs a jar, shuts the cluster down', async () => {
    assert.equal((await client.overview())['slots-total'], 8);
    assert.equal((await client.taskManagers()).taskmanagers.length, 1);
    assert.equal((await client.config())['flink-version'], '0.1.0-test');
    assert.deepEqual(await client.jobManagerConfig(), server.gateway.config);

    const dir = await mkdtemp(join(tmpdir(), 'flink-client-test-'));
    try {
      const file = join(dir, 'job.mjs');
      await writeFile(file, 'export {};');
      const { filename } = await client.uploadJar(file);
      const jarId = filename.slice(filename.lastIndexOf('/') + 1);
      const jobId = newJobId();
      assert.deepEqual(await client.runJar(jarId, { programArgs: ['--in', 'a b'], parallelism: 2, jobId }), { jobId });
      assert.deepEqual(server.gateway.calls.runs[0]?.request, { programArgs: ['--in', 'a b'], parallelism: 2, jobId });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }

    await client.shutDownCluster();
    for (let i = 0; i < 100 && server.gateway.calls.shutdowns === 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(server.gateway.calls.shutdowns, 1);
  });
});

describe('RestClient without a cluster', () => {
  it('fails with ClusterUnreachableError within 15 s when nothing listens', async () => {
    const port = await closedPort();
    const client = new RestClient({
      baseUrl: `http://127.0.0.1:${port}`,
      timeoutMs: 15_000,
      describeAddressSource: `-m 127.0.0.1:${port}`,
    });
    const started = Date.now();
    for (const attempt of [() => client.jobsOverview(), () => client.cancelJob(newJobId())]) {
      const err = await attempt().then(
        () => assert.fail('expected ClusterUnreachableError'),
        (e: unknown) => e,
      );
      assert.ok(err instanceof ClusterUnreachableError, String(err));
      assert.equal(err.code, 'CLUSTER_UNREACHABLE');
      assert.equal(
        err.message,
        `Could not reach the JobManager at http://127.0.0.1:${port} (-m 127.0.0.1:${port}): connection refused. ` +
          "Is the cluster running? Start it with bin/start-cluster.sh, or point -m at the JobManager's REST address.",
      );
    }
    assert.ok(Date.now() - started < 15_000, `took ${Date.now() - started} ms`);
  });
});

describe('restClientFor', () => {
  it('uses -m host:port when given, else rest.address and rest.port', () => {
    const conf = Configuration.fromMap({ 'rest.address': '10.0.0.7', 'rest.port': '9081' });
    assert.equal(restClientFor(conf).url, 'http://10.0.0.7:9081');
    assert.equal(restClientFor(conf, 'jm.example.org:8082').url, 'http://jm.example.org:8082');
    const fallback = Configuration.fromMap({ 'jobmanager.rpc.address': 'master-1' });
    assert.equal(restClientFor(fallback).url, 'http://master-1:8081');
  });

  it('rejects a malformed -m address with a usage error', () => {
    assert.equal(parseJobManagerAddress('[::1]:8081'), 'http://[::1]:8081');
    assert.equal(parseJobManagerAddress('http://localhost:8081/'), 'http://localhost:8081');
    for (const bad of ['localhost', 'localhost:', 'localhost:99999', ':8081', 'a b:1']) {
      assert.throws(() => parseJobManagerAddress(bad), { code: 'USAGE' }, bad);
    }
  });
});

describe('RestClient following the leader (ZooKeeper HA)', () => {
  const jobId = 'a'.repeat(32);
  const inProgress = { status: { id: 'IN_PROGRESS' } };
  const completed = {
    status: { id: 'COMPLETED' },
    'job-execution-result': { id: jobId, 'application-status': 'SUCCEEDED', 'accumulator-results': {}, 'net-runtime': 5 },
  };
  type Answer = { status: number; body: unknown } | 'down';

  /** A fetch where each endpoint answers from its own script (the last answer repeats); calls are recorded. */
  function endpoints(scripts: Record<string, Answer[]>) {
    const calls: string[] = [];
    const fetchFn = async (url: string | URL): Promise<Response> => {
      const origin = new URL(url).origin;
      calls.push(origin);
      const script = scripts[origin] ?? ['down'];
      const answer = (script.length > 1 ? script.shift() : script[0]) as Answer;
      if (answer === 'down') throw Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } });
      return new Response(JSON.stringify(answer.body), { status: answer.status });
    };
    return { calls, fetchFn };
  }
  const notFound = { status: 404, body: { errors: ['Job not found'] } };

  it('waits for a job across a failover: the old leader gone, the new one first without the job, then its result', async () => {
    const a = 'http://jm-a:8081';
    const b = 'http://jm-b:8081';
    const { calls, fetchFn } = endpoints({ [a]: [{ status: 200, body: inProgress }, 'down'], [b]: [notFound, notFound, { status: 200, body: completed }] });
    // ZooKeeper still names the dead leader once (its session has not expired), then the new one.
    const named = [a, b];
    const client = new RestClient({
      baseUrl: a,
      timeoutMs: 1000,
      fetch: fetchFn,
      leader: { relocate: async () => (named.length > 1 ? (named.shift() as string) : (named[0] as string)), budgetMs: 10_000 },
    });
    assert.deepEqual(await client.jobExecutionResult(jobId), { completed: false });
    const r = await client.jobExecutionResult(jobId);
    assert.equal(r.completed && r.result.applicationStatus, 'SUCCEEDED');
    assert.deepEqual(calls, [a, a, a, b, b, b]);
    assert.equal(client.url, b);
  });

  it('a job the leader it always asked does not know is an answer, not a failover', async () => {
    const a = 'http://jm-a:8081';
    const { calls, fetchFn } = endpoints({ [a]: [{ status: 200, body: inProgress }, notFound] });
    const client = new RestClient({ baseUrl: a, timeoutMs: 1000, fetch: fetchFn, leader: { relocate: async () => a, budgetMs: 10_000 } });
    await client.jobExecutionResult(jobId);
    await assert.rejects(client.jobExecutionResult(jobId), (err: unknown) => err instanceof RestRequestError && err.status === 404);
    assert.equal(calls.length, 2);
  });

  it('gives up after the budget with the error of the last attempt', async () => {
    const a = 'http://jm-a:8081';
    const { calls, fetchFn } = endpoints({ [a]: ['down'] });
    const client = new RestClient({ baseUrl: a, timeoutMs: 1000, fetch: fetchFn, leader: { relocate: async () => a, budgetMs: 600 } });
    await assert.rejects(client.jobExecutionResult(jobId), ClusterUnreachableError);
    assert.ok(calls.length >= 2 && calls.length <= 5, `${calls.length} attempts within the budget`);
  });
});
