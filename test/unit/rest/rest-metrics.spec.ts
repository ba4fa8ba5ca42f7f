/**
 * The metric endpoints on a REST endpoint over a canned gateway: Flink's ids and value strings, the subtask and
 * operator ids of a vertex, aggregation over subtasks and TaskManagers, back pressure levels, and the answers
 * for unknown jobs, vertices, TaskManagers and malformed parameters.
 */
import assert from 'node:assert/strict';
import type { TaskMetrics } from '../../../src/metrics/index.js';
import { backPressureLevel } from '../../../src/jobmanager/rest/metric-handlers.js';
import { call, NOW, startTestServer, type TestServer } from './rest-test-util.js';
import { jobDetails, newJobId } from './testing-dispatcher-gateway.js';

const VERTEX = 'cbc357ccb763df2852fee8c4fc7d55f2';

function subtask(recordsIn: number, backPressuredMs: number): TaskMetrics {
  return {
    readRecords: recordsIn,
    readBytes: recordsIn * 10,
    writeRecords: recordsIn,
    writeBytes: recordsIn * 10,
    runMs: 5000,
    busyMs: 1000,
    backPressuredMs,
    operators: [
      { recordsIn, recordsOut: recordsIn },
      { recordsIn, recordsOut: 0 },
    ],
    rates: { recordsIn: recordsIn / 5, recordsOut: 0, bytesIn: 0, bytesOut: 0, busyMs: 200, backPressuredMs, idleMs: 800 - backPressuredMs, operators: [] },
  };
}

describe('REST: metrics', () => {
  let server: TestServer;
  const jobId = newJobId();

  before(async () => {
    server = await startTestServer();
    server.gateway.addJob(jobDetails({ jobId }));
    server.gateway.vertexMetrics.set(`${jobId}/${VERTEX}`, { operators: ['Source: Socket Stream', 'Flat Map'], subtasks: [subtask(100, 50), subtask(300, 700), undefined] });
    server.gateway.jobMetricSamples.set(jobId, [{ name: 'uptime', kind: 'gauge', value: 1234 }]);
    server.gateway.taskManagerInfos.push(...(['tm-a', 'tm-b'].map((id) => ({ ...server.gateway.taskManagerInfos[0], id })) as typeof server.gateway.taskManagerInfos));
    server.gateway.taskManagerMetricSamples.set('tm-a', [{ name: 'Status.JVM.Memory.Heap.Used', kind: 'gauge', value: 100 }]);
    server.gateway.taskManagerMetricSamples.set('tm-b', [{ name: 'Status.JVM.Memory.Heap.Used', kind: 'gauge', value: 300 }]);
  });

  after(async () => server?.close());

  it('answers a vertex per subtask and operator, with ids as Flink writes them', async () => {
    const listed = (await call(server, 'GET', `/jobs/${jobId}/vertices/${VERTEX}/metrics`)).json as Array<{ id: string }>;
    const ids = listed.map((m) => m.id);
    for (const id of ['0.numRecordsIn', '1.busyTimeMsPerSecond', '0.Source__Socket_Stream.numRecordsOut', '1.Flat_Map.numRecordsIn']) assert.ok(ids.includes(id), id);
    const values = await call(server, 'GET', `/v1/jobs/${jobId}/vertices/${VERTEX}/metrics?get=1.numRecordsIn,0.Flat_Map.numRecordsIn`);
    assert.deepEqual(values.json, [
      { id: '1.numRecordsIn', value: '300' },
      { id: '0.Flat_Map.numRecordsIn', value: '100' },
    ]);
  });

  it('aggregates over the subtasks that reported, or the ones asked for', async () => {
    const all = await call(server, 'GET', `/jobs/${jobId}/vertices/${VERTEX}/subtasks/metrics?get=numRecordsIn,numRecordsInPerSecond&agg=min,max,avg,sum`);
    assert.deepEqual(all.json, [
      { id: 'numRecordsIn', min: 100, max: 300, avg: 200, sum: 400 },
      { id: 'numRecordsInPerSecond', min: 20, max: 60, avg: 40, sum: 80 },
    ]);
    const first = await call(server, 'GET', `/jobs/${jobId}/vertices/${VERTEX}/subtasks/metrics?get=numRecordsIn&agg=sum&subtasks=0`);
    assert.deepEqual(first.json, [{ id: 'numRecordsIn', sum: 100 }]);
    const one = await call(server, 'GET', `/jobs/${jobId}/vertices/${VERTEX}/subtasks/1/metrics?get=Source__Socket_Stream.numRecordsOut`);
    assert.deepEqual(one.json, [{ id: 'Source__Socket_Stream.numRecordsOut', value: '300' }]);
  });

  it("rates a vertex's back pressure by its subtasks' back-pressured time, with Flink's levels", async () => {
    const bp = await call(server, 'GET', `/jobs/${jobId}/vertices/${VERTEX}/backpressure`);
    assert.equal(bp.status, 200);
    assert.deepEqual(bp.json, {
      status: 'ok',
      'backpressure-level': 'high',
      'end-timestamp': NOW,
      subtasks: [
        { subtask: 0, 'backpressure-level': 'ok', ratio: 0.05, idleRatio: 0.75, busyRatio: 0.2 },
        { subtask: 1, 'backpressure-level': 'high', ratio: 0.7, idleRatio: 0.1, busyRatio: 0.2 },
        { subtask: 2, 'backpressure-level': 'ok', ratio: 0, idleRatio: 0, busyRatio: 0 },
      ],
    });
    assert.deepEqual([0.1, 0.11, 0.5, 0.51].map(backPressureLevel), ['ok', 'low', 'low', 'high']);
  });

  it("answers a job's, the JobManager's and the TaskManagers' metrics, and aggregates over TaskManagers", async () => {
    assert.deepEqual((await call(server, 'GET', `/jobs/${jobId}/metrics?get=uptime`)).json, [{ id: 'uptime', value: '1234' }]);
    assert.deepEqual((await call(server, 'GET', '/jobmanager/metrics')).json, [{ id: 'Status.JVM.Memory.Heap.Used' }]);
    assert.deepEqual((await call(server, 'GET', '/taskmanagers/tm-b/metrics?get=Status.JVM.Memory.Heap.Used')).json, [{ id: 'Status.JVM.Memory.Heap.Used', value: '300' }]);
    const agg = await call(server, 'GET', '/taskmanagers/metrics?get=Status.JVM.Memory.Heap.Used&agg=sum,max&taskmanagers=tm-a,tm-b');
    assert.deepEqual(agg.json, [{ id: 'Status.JVM.Memory.Heap.Used', sum: 400, max: 300 }]);
  });

  it('says what is wrong: unknown job, vertex, subtask or TaskManager, and a bad aggregation', async () => {
    const other = newJobId();
    assert.deepEqual(await call(server, 'GET', `/jobs/${other}/metrics`).then((a) => [a.status, a.json]), [404, { errors: [`Job ${other} not found`] }]);
    const noVertex = await call(server, 'GET', `/jobs/${jobId}/vertices/${'0'.repeat(32)}/subtasks/metrics`);
    assert.equal(noVertex.status, 404);
    assert.equal((await call(server, 'GET', `/jobs/${jobId}/vertices/${VERTEX}/subtasks/7/metrics`)).status, 404);
    assert.equal((await call(server, 'GET', '/taskmanagers/nope/metrics')).status, 404);
    const bad = await call(server, 'GET', `/jobs/${jobId}/vertices/${VERTEX}/subtasks/metrics?get=numRecordsIn&agg=median`);
    assert.equal(bad.status, 400);
    assert.match(JSON.stringify(bad.json), /Unknown aggregation 'median'/);
  });
});
