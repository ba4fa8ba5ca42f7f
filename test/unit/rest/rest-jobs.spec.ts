import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { errorFromJavaSerializedThrowable, readJavaObject, type JavaObject } from '../../../src/rest/index.js';
import { serializeError } from '../../../src/util/errors.js';
import { NOW, call, chunkedMultipartPost, startTestServer, type TestServer } from './rest-test-util.js';
import { SLOT_SHARING_GROUP, jobDetails, newJobId } from './testing-dispatcher-gateway.js';

describe('REST endpoint: /jobs', () => {
  let server: TestServer;

  beforeEach(async () => {
    server = await startTestServer();
  });

  afterEach(async () => {
    await server.close();
  });

  it('lists job ids with their status on GET /jobs', async () => {
    const a = server.gateway.addJob(jobDetails({ jobId: newJobId(), status: 'RUNNING' }));
    const b = server.gateway.addJob(jobDetails({ jobId: newJobId(), status: 'FINISHED', endTime: NOW - 10 }));
    const res = await call(server, 'GET', '/jobs');
    assert.equal(res.status, 200);
    assert.deepEqual(res.json, {
      jobs: [
        { id: a.jobId, status: 'RUNNING' },
        { id: b.jobId, status: 'FINISHED' },
      ],
    });
  });

  it("answers GET /jobs/overview with Flink's field names and task counts", async () => {
    const running = server.gateway.addJob(jobDetails({ jobId: newJobId() }));
    const finished = server.gateway.addJob(
      jobDetails({ jobId: newJobId(), name: 'Batch', status: 'FINISHED', endTime: 1_572_941_999_000 }),
    );
    const res = await call(server, 'GET', '/jobs/overview');
    assert.equal(res.status, 200);
    const tasks = {
      total: 4, created: 0, scheduled: 0, deploying: 1, running: 3, finished: 0, canceling: 0, canceled: 0,
      failed: 0, reconciling: 0, initializing: 0,
    };
    assert.deepEqual(res.json, {
      jobs: [
        {
          jid: running.jobId, name: 'Socket Window WordCount', state: 'RUNNING', 'start-time': 1_572_941_993_000,
          'end-time': -1, duration: NOW - 1_572_941_993_000, 'last-modification': 1_572_941_994_000, tasks,
        },
        {
          jid: finished.jobId, name: 'Batch', state: 'FINISHED', 'start-time': 1_572_941_993_000,
          'end-time': 1_572_941_999_000, duration: 6000, 'last-modification': 1_572_941_994_000, tasks,
        },
      ],
    });
  });

  it('answers GET /jobs/:jobid with details, vertices, timestamps and status counts', async () => {
    const job = server.gateway.addJob(jobDetails({ jobId: newJobId() }));
    const res = await call(server, 'GET', `/jobs/${job.jobId}`);
    assert.equal(res.status, 200);
    const zeroTasks = {
      CREATED: 0, SCHEDULED: 0, DEPLOYING: 0, RUNNING: 0, FINISHED: 0, CANCELING: 0, CANCELED: 0, FAILED: 0,
      RECONCILING: 0, INITIALIZING: 0,
    };
    assert.deepEqual(res.json, {
      jid: job.jobId,
      name: 'Socket Window WordCount',
      isStoppable: false,
      state: 'RUNNING',
      'job-type': 'STREAMING',
      'start-time': 1_572_941_993_000,
      'end-time': -1,
      duration: 7000,
      maxParallelism: -1,
      now: NOW,
      timestamps: {
        INITIALIZING: 0, CREATED: 1_572_941_993_000, RUNNING: 1_572_941_993_500, FAILING: 0, FAILED: 0,
        CANCELLING: 0, CANCELED: 0, FINISHED: 0, RESTARTING: 0, SUSPENDED: 0, RECONCILING: 0,
      },
      vertices: [
        {
          id: 'cbc357ccb763df2852fee8c4fc7d55f2',
          slotSharingGroupId: SLOT_SHARING_GROUP,
          name: 'Source: Socket Stream -> Flat Map',
          maxParallelism: 128,
          parallelism: 2,
          status: 'RUNNING',
          'start-time': 1_572_941_993_600,
          'end-time': -1,
          duration: NOW - 1_572_941_993_600,
          tasks: { ...zeroTasks, RUNNING: 2 },
          metrics: {
            'read-bytes': 0, 'read-bytes-complete': true, 'write-bytes': 1024, 'write-bytes-complete': true,
            'read-records': 0, 'read-records-complete': true, 'write-records': 10, 'write-records-complete': true,
            'accumulated-backpressured-time': 0, 'accumulated-idle-time': 0, 'accumulated-busy-time': 0,
          },
        },
        {
          id: '90bea66de1c231edf33913ecd54406c1',
          slotSharingGroupId: SLOT_SHARING_GROUP,
          name: 'Window(TumblingProcessingTimeWindows(5000)) -> Sink: Print to Std. Out',
          maxParallelism: 128,
          parallelism: 2,
          status: 'RUNNING',
          'start-time': 1_572_941_993_700,
          'end-time': -1,
          duration: NOW - 1_572_941_993_700,
          tasks: { ...zeroTasks, RUNNING: 1, DEPLOYING: 1 },
          metrics: {
            'read-bytes': 1024, 'read-bytes-complete': true, 'write-bytes': 0, 'write-bytes-complete': true,
            'read-records': 10, 'read-records-complete': true, 'write-records': 0, 'write-records-complete': true,
            'accumulated-backpressured-time': 0, 'accumulated-idle-time': 0, 'accumulated-busy-time': 0,
          },
        },
      ],
      'status-counts': { ...zeroTasks, RUNNING: 2 },
      plan: { jid: job.jobId, name: 'Socket Window WordCount', nodes: [] },
    });
  });

  it('answers the same under /v1/', async () => {
    const job = server.gateway.addJob(jobDetails({ jobId: newJobId() }));
    for (const path of ['/jobs', '/jobs/overview', `/jobs/${job.jobId}`, '/overview', '/config']) {
      const plain = await call(server, 'GET', path);
      const versioned = await call(server, 'GET', `/v1${path}`);
      assert.equal(versioned.status, 200, path);
      assert.deepEqual(versioned.json, plain.json, path);
    }
  });

  it('answers 404 {"errors": ["Job <id> not found"]} for an unknown job', async () => {
    const jobId = newJobId();
    for (const [method, path] of [
      ['GET', `/jobs/${jobId}`],
      ['GET', `/v1/jobs/${jobId}/exceptions`],
      ['GET', `/jobs/${jobId}/execution-result`],
      ['GET', `/jobs/${jobId}/plan`],
      ['GET', `/jobs/${jobId}/config`],
      ['PATCH', `/jobs/${jobId}?mode=cancel`],
    ] as const) {
      const res = await call(server, method, path);
      assert.equal(res.status, 404, `${method} ${path}`);
      assert.deepEqual(res.json, { errors: [`Job ${jobId} not found`] });
    }
  });

  it('answers 400 for a malformed job id', async () => {
    const res = await call(server, 'GET', '/jobs/not-a-job-id');
    assert.equal(res.status, 400);
    assert.deepEqual(res.json, {
      errors: ['Bad request, could not parse parameters: Cannot resolve path parameter (jobid) from value "not-a-job-id".'],
    });
  });

  it('cancels with PATCH ?mode=cancel (202) and with GET yarn-cancel', async () => {
    const a = server.gateway.addJob(jobDetails({ jobId: newJobId() }));
    const b = server.gateway.addJob(jobDetails({ jobId: newJobId() }));
    const patched = await call(server, 'PATCH', `/jobs/${a.jobId}?mode=cancel`);
    assert.equal(patched.status, 202);
    assert.deepEqual(patched.json, {});
    const yarn = await call(server, 'GET', `/jobs/${b.jobId}/yarn-cancel`);
    assert.equal(yarn.status, 202);
    assert.deepEqual(server.gateway.calls.cancellations, [a.jobId, b.jobId]);
    const other = await call(server, 'PATCH', `/jobs/${a.jobId}?mode=explode`);
    assert.equal(other.status, 400);
  });

  it('answers GET /jobs/:jobid/exceptions with the 1.9 fields and the exception history', async () => {
    const job = server.gateway.addJob(jobDetails({ jobId: newJobId(), status: 'FAILED', endTime: NOW }));
    const failure = 'java.lang.RuntimeException: boom\n\tat Map.map(Map.ts:1)';
    server.gateway.exceptions.set(job.jobId, {
      rootException: failure,
      timestamp: NOW - 5,
      allExceptions: [
        { exception: failure, timestamp: NOW - 6, taskName: 'Map (1/2)', location: '127.0.0.1:40111', taskManagerId: 'tm-1' },
        // A failure of the whole job (a lost TaskManager): in the history, not in the failed-task list.
        { exception: 'TaskManagerLostException: gone', timestamp: NOW - 4, location: '127.0.0.1:40112', taskManagerId: 'tm-2' },
      ],
      truncated: false,
    });
    const res = await call(server, 'GET', `/jobs/${job.jobId}/exceptions`);
    assert.equal(res.status, 200);
    assert.deepEqual(res.json, {
      'root-exception': failure,
      timestamp: NOW - 5,
      'all-exceptions': [
        {
          exception: failure,
          task: 'Map (1/2)',
          location: '127.0.0.1:40111',
          endpoint: '127.0.0.1:40111',
          timestamp: NOW - 6,
          taskManagerId: 'tm-1',
        },
      ],
      truncated: false,
      exceptionHistory: {
        entries: [
          {
            exceptionName: 'java.lang.RuntimeException',
            stacktrace: failure,
            timestamp: NOW - 6,
            failureLabels: {},
            taskName: 'Map (1/2)',
            location: '127.0.0.1:40111',
            endpoint: '127.0.0.1:40111',
            taskManagerId: 'tm-1',
            concurrentExceptions: [],
          },
          {
            exceptionName: 'TaskManagerLostException',
            stacktrace: 'TaskManagerLostException: gone',
            timestamp: NOW - 4,
            failureLabels: {},
            location: '127.0.0.1:40112',
            endpoint: '127.0.0.1:40112',
            taskManagerId: 'tm-2',
            concurrentExceptions: [],
          },
        ],
        truncated: false,
      },
    });
    const none = server.gateway.addJob(jobDetails({ jobId: newJobId() }));
    const empty = await call(server, 'GET', `/jobs/${none.jobId}/exceptions`);
    assert.deepEqual(empty.json, {
      'root-exception': null,
      timestamp: null,
      'all-exceptions': [],
      truncated: false,
      exceptionHistory: { entries: [], truncated: false },
    });
  });

  it('answers GET /jobs/:jobid/execution-result: IN_PROGRESS, then COMPLETED with the failure cause', async () => {
    const job = server.gateway.addJob(jobDetails({ jobId: newJobId() }));
    const pending = await call(server, 'GET', `/jobs/${job.jobId}/execution-result`);
    assert.deepEqual(pending.json, { status: { id: 'IN_PROGRESS' } });

    const cause = new Error('user function failed');
    const failure = serializeError(new Error('Job failed', { cause }));
    server.gateway.results.set(job.jobId, {
      jobId: job.jobId,
      applicationStatus: 'FAILED',
      accumulatorResults: { lines: 'AAEC' },
      netRuntime: 1234,
      failureCause: failure,
    });
    const done = await call(server, 'GET', `/jobs/${job.jobId}/execution-result`);
    const body = done.json as { status: unknown; 'job-execution-result': Record<string, unknown> };
    assert.deepEqual(body.status, { id: 'COMPLETED' });
    const r = body['job-execution-result'];
    assert.equal(r.id, job.jobId);
    assert.equal(r['application-status'], 'FAILED');
    assert.deepEqual(r['accumulator-results'], { lines: 'AAEC' });
    assert.equal(r['net-runtime'], 1234);
    const fc = r['failure-cause'] as Record<string, string>;
    assert.equal(fc.class, 'Error');
    assert.match(fc['stack-trace'] as string, /^Error: Job failed\n\tat /);
    assert.match(fc['stack-trace'] as string, /\nCaused by: Error: user function failed\n\tat /);
    // A Java-serialized org.apache.flink.util.SerializedThrowable, as Flink's client expects.
    const bytes = Buffer.from(fc['serialized-throwable'] as string, 'base64');
    assert.equal(bytes.readUInt16BE(0), 0xaced, 'Java serialization magic');
    const thrown = readJavaObject(bytes) as JavaObject;
    assert.equal(thrown.className, 'org.apache.flink.util.SerializedThrowable');
    assert.equal(thrown.fields.get('originalErrorClassName'), 'Error');
    assert.equal(thrown.fields.get('detailMessage'), 'Error: Job failed');
    assert.equal(thrown.fields.get('fullStringifiedStackTrace'), fc['stack-trace']);
    assert.equal((thrown.fields.get('cause') as JavaObject).fields.get('detailMessage'), 'Error: user function failed');
    assert.deepEqual(errorFromJavaSerializedThrowable(bytes), failure);
  });

  it('answers GET /jobs/:jobid/plan and /config', async () => {
    const job = server.gateway.addJob(jobDetails({ jobId: newJobId(), name: 'Plan me' }));
    const executionConfig = {
      'execution-mode': 'PIPELINED',
      'restart-strategy': 'Restart deactivated.',
      'job-parallelism': 2,
      'object-reuse-mode': false,
      'user-config': { input: 'x' },
    };
    server.gateway.configs.set(job.jobId, executionConfig);
    const plan = await call(server, 'GET', `/jobs/${job.jobId}/plan`);
    assert.deepEqual(plan.json, { plan: { jid: job.jobId, name: 'Socket Window WordCount', nodes: [] } });
    const config = await call(server, 'GET', `/jobs/${job.jobId}/config`);
    assert.deepEqual(config.json, {
      jid: job.jobId,
      name: 'Plan me',
      // Once: Flink's client reads execution-config strictly, so a nested copy would fail it.
      'execution-config': executionConfig,
    });
  });

  describe('POST /jobs', () => {
    function submission(graph: unknown, bundle: Uint8Array, request?: unknown): FormData {
      const form = new FormData();
      form.append(
        'request',
        JSON.stringify(request ?? { jobGraphFileName: 'graph.json', jobJarFileNames: ['job.mjs'], jobArtifactFileNames: [] }),
      );
      form.append('file_0', new Blob([JSON.stringify(graph)]), 'graph.json');
      form.append('file_1', new Blob([bundle]), 'job.mjs');
      return form;
    }

    it('hands the parsed job graph and the bundle bytes to the dispatcher and answers 202 jobUrl', async () => {
      const jobId = newJobId();
      const graph = { jobId, name: 'WordCount', vertices: [{ id: 'v1', parallelism: 2 }] };
      const bundle = new Uint8Array([0, 1, 2, 250, 255, 10, 13]);
      const res = await call(server, 'POST', '/jobs', submission(graph, bundle));
      assert.equal(res.status, 202, res.text);
      assert.deepEqual(res.json, { jobUrl: `/jobs/${jobId}` });
      const [received] = server.gateway.calls.submissions;
      assert.ok(received);
      assert.deepEqual(received.jobGraph, graph);
      assert.equal(received.bundle.fileName, 'job.mjs');
      assert.deepEqual([...received.bundle.data], [...bundle]);
    });

    it('answers 400 when a named file is missing or the graph is not JSON', async () => {
      const missing = await call(
        server,
        'POST',
        '/jobs',
        submission({}, new Uint8Array([1]), {
          jobGraphFileName: 'graph.json',
          jobJarFileNames: ['other.mjs'],
          jobArtifactFileNames: [],
        }),
      );
      assert.equal(missing.status, 400);
      assert.deepEqual(missing.json, { errors: ['Jar file other.mjs could not be found on the server.'] });

      const form = new FormData();
      form.append('request', JSON.stringify({ jobGraphFileName: 'graph.json', jobJarFileNames: ['job.mjs'] }));
      form.append('file_0', new Blob(['{not json']), 'graph.json');
      form.append('file_1', new Blob(['x']), 'job.mjs');
      const bad = await call(server, 'POST', '/jobs', form);
      assert.equal(bad.status, 400);
      assert.deepEqual(bad.json, { errors: ['Failed to deserialize JobGraph.'] });

      const notMultipart = await call(server, 'POST', '/jobs', '{}', { 'Content-Type': 'application/json' });
      assert.equal(notMultipart.status, 400);
      assert.equal(server.gateway.calls.submissions.length, 0);
    });

    it('answers 413 when the upload exceeds the max content length, and keeps serving', async () => {
      await server.close();
      server = await startTestServer({ maxContentLength: 64 * 1024 });
      const big = new Uint8Array(256 * 1024).fill(7);
      const res = await call(server, 'POST', '/jobs', submission({ name: 'big' }, big));
      assert.equal(res.status, 413);
      assert.match((res.json as { errors: string[] }).errors[0] as string, /max-content-length \(65536 bytes\)/);
      assert.equal(server.gateway.calls.submissions.length, 0);
      const after = await call(server, 'GET', '/jobs');
      assert.equal(after.status, 200);
    });

    it('answers 413 for a chunked upload (no Content-Length) that grows past the limit', async () => {
      await server.close();
      server = await startTestServer({ maxContentLength: 64 * 1024 });
      const answer = await chunkedMultipartPost(`${server.url}/jobs`, { field: 'file_0', name: 'job.mjs' }, 32, 8 * 1024);
      assert.equal(answer.status, 413);
      assert.match(answer.body, /Request entity too large/);
      assert.deepEqual(await readdir(server.uploadDir), []);
    });
  });
});
