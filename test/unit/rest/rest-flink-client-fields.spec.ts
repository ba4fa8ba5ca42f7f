/**
 * The endpoints and fields Flink 1.20's Java client (RestClusterClient) needs beyond the basics: job status,
 * accumulators, vertex details and watermarks, TaskManager details, the JobManager's environment, and the
 * dashboard's feature flags. Field lists follow Flink's message classes (their @JsonCreator properties).
 */
import assert from 'node:assert/strict';
import { dashboardConfigJson, jobManagerEnvironmentJson } from '../../../src/jobmanager/rest/json-format.js';
import { NOW, call, startTestServer, type TestServer } from './rest-test-util.js';
import { jobDetails, newJobId } from './testing-dispatcher-gateway.js';

const VERTEX = 'cbc357ccb763df2852fee8c4fc7d55f2';

const IO_METRICS_KEYS = [
  'accumulated-backpressured-time', 'accumulated-busy-time', 'accumulated-idle-time', 'read-bytes', 'read-bytes-complete',
  'read-records', 'read-records-complete', 'write-bytes', 'write-bytes-complete', 'write-records', 'write-records-complete',
];

describe("REST endpoint: what Flink's Java client reads", () => {
  let server: TestServer;

  beforeEach(async () => {
    server = await startTestServer();
  });

  afterEach(async () => {
    await server.close();
  });

  it('answers GET /jobs/:jobid/status with the status only', async () => {
    const job = server.gateway.addJob(jobDetails({ jobId: newJobId(), status: 'FINISHED', endTime: NOW }));
    const res = await call(server, 'GET', `/jobs/${job.jobId}/status`);
    assert.equal(res.status, 200);
    assert.deepEqual(res.json, { status: 'FINISHED' });
    const unknown = newJobId();
    const missing = await call(server, 'GET', `/v1/jobs/${unknown}/status`);
    assert.equal(missing.status, 404);
    assert.deepEqual(missing.json, { errors: [`Job ${unknown} not found`] });
  });

  it('answers GET /jobs/:jobid/accumulators, with serialized values only when asked', async () => {
    const job = server.gateway.addJob(jobDetails({ jobId: newJobId() }));
    server.gateway.accumulators.set(job.jobId, [{ name: 'lines', type: 'sum', value: '42', serialized: 'AQI=' }]);
    const plain = await call(server, 'GET', `/jobs/${job.jobId}/accumulators`);
    assert.deepEqual(plain.json, {
      'job-accumulators': [],
      'user-task-accumulators': [{ name: 'lines', type: 'sum', value: '42' }],
      'serialized-user-task-accumulators': {},
    });
    const withValues = await call(server, 'GET', `/jobs/${job.jobId}/accumulators?includeSerializedValue=true`);
    assert.deepEqual((withValues.json as Record<string, unknown>)['serialized-user-task-accumulators'], { lines: 'AQI=' });
    const bad = await call(server, 'GET', `/jobs/${job.jobId}/accumulators?includeSerializedValue=maybe`);
    assert.equal(bad.status, 400);
  });

  it('answers GET /jobs/:jobid/vertices/:vertexid with one entry per subtask', async () => {
    const job = server.gateway.addJob(jobDetails({ jobId: newJobId() }));
    server.gateway.vertexSubtasks.set(`${job.jobId}/${VERTEX}`, {
      id: VERTEX,
      name: 'Source: Socket Stream -> Flat Map',
      parallelism: 2,
      maxParallelism: 128,
      subtasks: [
        {
          subtask: 0,
          status: 'RUNNING',
          attempt: 0,
          taskManager: { id: 'tm-1', host: '127.0.0.1', dataPort: 40111 },
          startTime: NOW - 1000,
          endTime: -1,
          metrics: { readBytes: 0, writeBytes: 1024, readRecords: 0, writeRecords: 10 },
        },
        { subtask: 1, status: 'SCHEDULED', attempt: 0, startTime: -1, endTime: -1, metrics: { readBytes: 0, writeBytes: 0, readRecords: 0, writeRecords: 0 } },
      ],
    });
    const res = await call(server, 'GET', `/jobs/${job.jobId}/vertices/${VERTEX}`);
    assert.equal(res.status, 200);
    const body = res.json as { subtasks: Array<Record<string, unknown>> } & Record<string, unknown>;
    assert.deepEqual(Object.keys(body).sort(), ['id', 'maxParallelism', 'name', 'now', 'parallelism', 'subtasks']);
    assert.equal(body.now, NOW);
    const [running, waiting] = body.subtasks;
    assert.deepEqual(Object.keys(running ?? {}).sort(), [
      'attempt', 'duration', 'end-time', 'endpoint', 'host', 'metrics', 'start-time', 'start_time', 'status', 'status-duration',
      'subtask', 'taskmanager-id',
    ]);
    assert.equal(running?.endpoint, '127.0.0.1:40111');
    assert.equal(running?.['taskmanager-id'], 'tm-1');
    assert.equal(running?.duration, 1000);
    assert.deepEqual(Object.keys(running?.metrics as object).sort(), IO_METRICS_KEYS);
    assert.deepEqual(running?.['status-duration'], { CREATED: -1, SCHEDULED: -1, DEPLOYING: -1, INITIALIZING: -1, RUNNING: 1000 });
    // Not deployed yet: Flink's placeholders.
    assert.equal(waiting?.host, '(unassigned)');
    assert.equal(waiting?.endpoint, '(unassigned)');
    assert.equal(waiting?.['taskmanager-id'], '(unassigned)');
    assert.equal(waiting?.duration, -1);
  });

  it("answers GET /jobs/:jobid/vertices/:vertexid/watermarks with each subtask's input watermark as a Java long string", async () => {
    const job = server.gateway.addJob(jobDetails({ jobId: newJobId() }));
    const io = { readBytes: 0, writeBytes: 0, readRecords: 0, writeRecords: 0 };
    const subtask = (i: number, inputWatermark?: number) => ({
      subtask: i, status: 'RUNNING' as const, attempt: 0, startTime: NOW, endTime: -1, metrics: io, ...(inputWatermark === undefined ? {} : { inputWatermark }),
    });
    server.gateway.vertexSubtasks.set(`${job.jobId}/${VERTEX}`, {
      id: VERTEX, name: 'v', parallelism: 4, maxParallelism: 128,
      // No watermark yet, a real one, the end of input, and one that has not reported.
      subtasks: [subtask(0, -(2 ** 63)), subtask(1, 1_700_000_000_123), subtask(2, 2 ** 63), subtask(3)],
    });
    const res = await call(server, 'GET', `/jobs/${job.jobId}/vertices/${VERTEX}/watermarks`);
    assert.equal(res.status, 200);
    assert.deepEqual(res.json, [
      { id: '0.currentInputWatermark', value: '-9223372036854775808' },
      { id: '1.currentInputWatermark', value: '1700000000123' },
      { id: '2.currentInputWatermark', value: '9223372036854775807' },
    ]);
  });

  it('answers GET /jobs/:jobid/vertices/:vertexid/watermarks of a source vertex with an empty list, as Flink does', async () => {
    const job = server.gateway.addJob(jobDetails({ jobId: newJobId() }));
    server.gateway.vertexSubtasks.set(`${job.jobId}/${VERTEX}`, { id: VERTEX, name: 'v', parallelism: 1, maxParallelism: 128, subtasks: [] });
    const res = await call(server, 'GET', `/jobs/${job.jobId}/vertices/${VERTEX}/watermarks`);
    assert.equal(res.status, 200);
    assert.deepEqual(res.json, []);
  });

  it('answers GET /jobs/:jobid/vertices/:vertexid/subtasktimes with when each subtask ran, in Flink\'s fields', async () => {
    const job = server.gateway.addJob(jobDetails({ jobId: newJobId() }));
    const io = { readBytes: 0, writeBytes: 0, readRecords: 0, writeRecords: 0 };
    const tm = { id: 'tm-1', host: '127.0.0.1', dataPort: 40111 };
    server.gateway.vertexSubtasks.set(`${job.jobId}/${VERTEX}`, {
      id: VERTEX, name: 'Map', parallelism: 3, maxParallelism: 128,
      subtasks: [
        { subtask: 0, status: 'FINISHED', attempt: 0, taskManager: tm, startTime: NOW - 3000, endTime: NOW - 1000, metrics: io },
        { subtask: 1, status: 'RUNNING', attempt: 0, taskManager: tm, startTime: NOW - 500, endTime: -1, metrics: io },
        { subtask: 2, status: 'SCHEDULED', attempt: 0, startTime: -1, endTime: -1, metrics: io },
      ],
    });
    const res = await call(server, 'GET', `/jobs/${job.jobId}/vertices/${VERTEX}/subtasktimes`);
    assert.equal(res.status, 200);
    const body = res.json as { subtasks: Array<{ timestamps: Record<string, number> } & Record<string, unknown>> } & Record<string, unknown>;
    assert.deepEqual(Object.keys(body).sort(), ['id', 'name', 'now', 'subtasks']);
    assert.equal(body.id, VERTEX);
    assert.equal(body.now, NOW);
    const [done, running, waiting] = body.subtasks;
    assert.deepEqual(Object.keys(done ?? {}).sort(), ['duration', 'endpoint', 'host', 'subtask', 'timestamps']);
    assert.deepEqual(Object.keys(done?.timestamps ?? {}).sort(), [
      'CANCELED', 'CANCELING', 'CREATED', 'DEPLOYING', 'FAILED', 'FINISHED', 'INITIALIZING', 'RECONCILING', 'RUNNING', 'SCHEDULED',
    ]);
    assert.equal(done?.timestamps.RUNNING, NOW - 3000);
    assert.equal(done?.timestamps.FINISHED, NOW - 1000);
    assert.equal(done?.duration, 2000);
    assert.equal(done?.endpoint, '127.0.0.1:40111');
    assert.equal(running?.timestamps.RUNNING, NOW - 500);
    assert.equal(running?.timestamps.FINISHED, 0);
    assert.equal(running?.duration, 500);
    assert.equal(waiting?.duration, -1);
    assert.equal(waiting?.timestamps.RUNNING, 0);
    assert.equal(waiting?.endpoint, '(unassigned)');
    const missing = await call(server, 'GET', `/jobs/${job.jobId}/vertices/0123456789abcdef0123456789abcdef/subtasktimes`);
    assert.equal(missing.status, 404);
  });

  it('answers 404 for a vertex the job does not have and 400 for a malformed vertex id', async () => {
    const job = server.gateway.addJob(jobDetails({ jobId: newJobId() }));
    const other = '0123456789abcdef0123456789abcdef';
    for (const path of [`/jobs/${job.jobId}/vertices/${other}`, `/jobs/${job.jobId}/vertices/${other}/watermarks`]) {
      const res = await call(server, 'GET', path);
      assert.equal(res.status, 404, path);
      assert.deepEqual(res.json, { errors: [`Job ${job.jobId} has no vertex ${other}.`] });
    }
    const bad = await call(server, 'GET', `/jobs/${job.jobId}/vertices/not-a-vertex`);
    assert.equal(bad.status, 400);
  });

  it('answers GET /taskmanagers/:taskmanagerid with the list entry, its slots and memory figures', async () => {
    const [tm] = server.gateway.taskManagerInfos;
    const res = await call(server, 'GET', `/taskmanagers/${encodeURIComponent(tm?.id ?? '')}`);
    assert.equal(res.status, 200);
    const body = res.json as Record<string, unknown>;
    const list = ((await call(server, 'GET', '/taskmanagers')).json as { taskmanagers: Array<Record<string, unknown>> }).taskmanagers[0];
    for (const [k, v] of Object.entries(list ?? {})) assert.deepEqual(body[k], v, k);
    const oneSlot = { cpuCores: 1, taskHeapMemory: 119, taskOffHeapMemory: 0, managedMemory: 30, networkMemory: 0, extendedResources: {} };
    assert.deepEqual(body.allocatedSlots, [
      { jobId: 'c0ffee00c0ffee00c0ffee00c0ffee00', resource: oneSlot },
      { jobId: 'c0ffee00c0ffee00c0ffee00c0ffee00', resource: oneSlot },
    ]);
    const metrics = body.metrics as Record<string, unknown>;
    assert.equal(metrics.heapMax, 500_000_000);
    assert.deepEqual(metrics.garbageCollectors, []);
    assert.equal(Object.keys(metrics).length, 21, "every field of Flink's TaskManagerMetricsInfo");
    const missing = await call(server, 'GET', '/taskmanagers/nobody');
    assert.equal(missing.status, 404);
    assert.deepEqual(missing.json, { errors: ['TaskManager nobody is not registered with this cluster.'] });
  });

  it('answers GET /jobmanager/environment with the Node.js runtime in place of the JVM', async () => {
    const res = await call(server, 'GET', '/jobmanager/environment');
    assert.equal(res.status, 200);
    const body = res.json as { jvm: { version: string; arch: string; options: string[] }; classpath: string[] };
    assert.equal(body.jvm.version, `Node.js ${process.versions.node} (V8 ${process.versions.v8})`);
    assert.equal(body.jvm.arch, process.arch);
    assert.deepEqual(body.jvm.options, process.execArgv);
    assert.deepEqual(body.classpath, []);
    assert.deepEqual(jobManagerEnvironmentJson({ versions: { node: '20.1.0', v8: '11.3' }, arch: 'arm64', execArgv: ['--max-old-space-size=512'] }), {
      jvm: { version: 'Node.js 20.1.0 (V8 11.3)', arch: 'arm64', options: ['--max-old-space-size=512'] },
      classpath: [],
    });
  });

  it("GET /config lists every feature flag of Flink's dashboard; web-submit follows its argument", async () => {
    const res = await call(server, 'GET', '/config');
    assert.deepEqual((res.json as Record<string, unknown>).features, {
      'web-submit': true,
      'web-cancel': true,
      'web-rescale': false,
      'web-history': false,
    });
    assert.equal(dashboardConfigJson('1', 'r', new Date(NOW), false).features['web-submit'], false);
    assert.ok(Number.isInteger(dashboardConfigJson('1', 'r', new Date(NOW))['timezone-offset']), 'an int for Java');
  });
});
