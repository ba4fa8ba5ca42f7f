/**
 * The resource manager and the ways a TaskManager leaves: a clean shutdown, a death its watchdog reports (out of
 * memory or not), and a death nobody reports. Real RPC connections on 127.0.0.1; the TaskManager is a script.
 */
import { DEFAULT_LEADER_ID } from '../../../src/ha/index.js';
import assert from 'node:assert/strict';
import {
  ResourceManager,
  TERMINATION_REPORT_WAIT_MS,
  TaskManagerOutOfMemoryError,
} from '../../../src/jobmanager/resourcemanager/resource-manager.js';
import { RpcServer, connectRpc, type RpcConnection } from '../../../src/rpc/rpc-connection.js';
import { ResourceManagerGateway, type TaskExecutorRegistration, type TaskManagerTerminationReport } from '../../../src/rpc/gateways.js';
import type { FlinkError } from '../../../src/util/errors.js';
import { setLogSink } from '../../../src/util/logger.js';
import { waitFor } from '../../support/processes.js';

describe('ResourceManager: how a TaskManager left', function () {
  this.timeout(20_000);
  let rm: ResourceManager;
  let server: RpcServer;
  let lost: Array<{ tmId: string; error: FlinkError; at: number }>;
  const open: RpcConnection[] = [];

  // The resource manager logs every registration and loss; the assertions say what matters.
  before(() => setLogSink(undefined));

  beforeEach(async () => {
    lost = [];
    rm = new ResourceManager({
      heartbeatIntervalMs: 60_000,
      heartbeatTimeoutMs: 120_000,
      slotRequestTimeoutMs: 10_000,
      rpcTimeoutMs: 5_000,
      evenlySpreadOutSlots: false,
      onTaskManagerLost: (tmId, error) => lost.push({ tmId, error, at: Date.now() }),
      onTaskStateUpdate: () => {},
      onTaskMetrics: () => {},
      onSuperstepReport: () => {},
      onCheckpointAck: () => {},
      onCheckpointDecline: () => {},
      readJobBundle: () => Promise.resolve(new Uint8Array()),
    });
    server = new RpcServer('127.0.0.1', 0, (c) => rm.accept(c));
    await server.start();
    rm.start();
    rm.grantLeadership(DEFAULT_LEADER_ID);
  });

  afterEach(async () => {
    for (const c of open.splice(0)) c.close();
    rm.close();
    await server.close();
  });

  async function connect(): Promise<RpcConnection> {
    const conn = await connectRpc('127.0.0.1', server.port, 5_000);
    open.push(conn);
    return conn;
  }

  async function register(tmId: string, reportsTermination: boolean): Promise<RpcConnection> {
    const conn = await connect();
    const registration: TaskExecutorRegistration = {
      tmId,
      host: '127.0.0.1',
      dataPort: 4242,
      slots: 2,
      hardware: { cpuCores: 1, physicalMemory: 1, freeMemory: 1, managedMemory: 0 },
      ...(reportsTermination ? { reportsTermination: true } : {}),
    };
    await conn.call(ResourceManagerGateway.registerTaskExecutor, registration, 5_000);
    return conn;
  }

  function report(tmId: string, outOfMemory: boolean): TaskManagerTerminationReport {
    return {
      tmId,
      outOfMemory,
      heapSetting: 'taskmanager.heap.size: 64mb',
      outFile: '/logs/flink-taskexecutor-0.out',
      host: 'worker-1',
      tail: outOfMemory ? ['<--- JS stacktrace --->', 'FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory'] : [],
    };
  }

  it('a watched TaskManager that died of out-of-memory: its slots go at once, the loss carries the report', async () => {
    const tm = await register('tm-oom', true);
    assert.equal(rm.slotCounts().total, 2);
    tm.close();
    await waitFor('the slots to go', 5_000, () => (rm.slotCounts().total === 0 ? true : undefined));
    assert.equal(lost.length, 0, 'jobs wait for the report');

    const watchdog = await connect();
    await watchdog.call(ResourceManagerGateway.reportTaskManagerTermination, report('tm-oom', true), 5_000);
    assert.equal(lost.length, 1);
    const error = lost[0]?.error;
    assert.ok(error instanceof TaskManagerOutOfMemoryError);
    assert.equal(error.code, 'TASK_MANAGER_OUT_OF_MEMORY');
    assert.match(error.message, /^TaskManager with id tm-oom \(127\.0\.0\.1:4242\) is no longer reachable: its process ran out of memory \(JavaScript heap out of memory; taskmanager\.heap\.size: 64mb\)\. Raise taskmanager\.heap\.size/);
    assert.ok(error.message.endsWith('Last lines of /logs/flink-taskexecutor-0.out on worker-1:\n<--- JS stacktrace --->\nFATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory'), error.message);
  });

  it('a watched TaskManager that was killed: the report says so without the output', async () => {
    const tm = await register('tm-killed', true);
    tm.close();
    await waitFor('the slots to go', 5_000, () => (rm.slotCounts().total === 0 ? true : undefined));
    await (await connect()).call(ResourceManagerGateway.reportTaskManagerTermination, report('tm-killed', false), 5_000);
    assert.equal(lost.length, 1);
    assert.equal(lost[0]?.error.code, 'TASK_MANAGER_LOST');
    assert.match(lost[0]?.error.message ?? '', /is no longer reachable: its process ended \(killed or crashed, not out of memory\); \/logs\/flink-taskexecutor-0\.out on worker-1 may say why\.$/);
  });

  it('a watched TaskManager whose report never comes is lost after the wait, as a closed connection', async () => {
    const tm = await register('tm-silent', true);
    const closedAt = Date.now();
    tm.close();
    const entry = await waitFor('the loss', TERMINATION_REPORT_WAIT_MS + 5_000, () => lost[0]);
    assert.match(entry?.error.message ?? '', /tm-silent .* is no longer reachable: its connection closed/);
    assert.ok((entry?.at ?? 0) - closedAt >= TERMINATION_REPORT_WAIT_MS - 50, 'not before the wait is over');
  });

  it('an unwatched TaskManager, and one that shuts down on purpose, are lost at once', async () => {
    const plain = await register('tm-plain', false);
    plain.close();
    await waitFor('the loss of tm-plain', 5_000, () => (lost.some((l) => l.tmId === 'tm-plain') ? true : undefined));
    assert.match(lost[0]?.error.message ?? '', /its connection closed/);

    const leaving = await register('tm-leaving', true);
    leaving.notify(ResourceManagerGateway.disconnectTaskManager, { tmId: 'tm-leaving' });
    await waitFor('the loss of tm-leaving', 5_000, () => (lost.some((l) => l.tmId === 'tm-leaving') ? true : undefined));
    assert.match(lost[1]?.error.message ?? '', /tm-leaving .* is no longer reachable: it shut down\.$/);
    leaving.close();
  });
});
