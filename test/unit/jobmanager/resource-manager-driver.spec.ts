/** The ResourceManager tells its ResourceDriver what it lacks (real RPC connections on 127.0.0.1). */
import assert from 'node:assert/strict';
import { DEFAULT_LEADER_ID } from '../../../src/ha/index.js';
import { ResourceManager } from '../../../src/jobmanager/resourcemanager/resource-manager.js';
import { RpcServer, connectRpc, type RpcConnection } from '../../../src/rpc/rpc-connection.js';
import { ResourceManagerGateway } from '../../../src/rpc/gateways.js';
import { setLogSink } from '../../../src/util/logger.js';
import { waitFor } from '../../support/processes.js';

describe('ResourceManager with a ResourceDriver', function () {
  this.timeout(20_000);
  let rm: ResourceManager;
  let server: RpcServer;
  const open: RpcConnection[] = [];
  let events: string[];

  before(() => setLogSink(undefined));

  beforeEach(async () => {
    events = [];
    rm = new ResourceManager({
      heartbeatIntervalMs: 60_000,
      heartbeatTimeoutMs: 120_000,
      slotRequestTimeoutMs: 10_000,
      rpcTimeoutMs: 5_000,
      evenlySpreadOutSlots: false,
      onTaskManagerLost: () => {},
      onTaskStateUpdate: () => {},
      onTaskMetrics: () => {},
      onSuperstepReport: () => {},
      onCheckpointAck: () => {},
      onCheckpointDecline: () => {},
      readJobBundle: () => Promise.resolve(new Uint8Array()),
      driver: {
        onSlotDemand: (n) => events.push(`demand ${n}`),
        onTaskManagerRegistered: (id) => events.push(`registered ${id}`),
        onTaskManagerLost: (id) => events.push(`lost ${id}`),
      },
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

  async function register(tmId: string): Promise<RpcConnection> {
    const conn = await connectRpc('127.0.0.1', server.port, 5_000);
    open.push(conn);
    await conn.call(
      ResourceManagerGateway.registerTaskExecutor,
      { tmId, host: '127.0.0.1', dataPort: 4242, slots: 2, hardware: { cpuCores: 1, physicalMemory: 1, freeMemory: 1, managedMemory: 0 } },
      5_000,
    );
    return conn;
  }

  it('declares the slots a waiting request lacks as TaskManagers come, and none once it is served', async () => {
    const slots = rm.allocateSlots('job-1', 3);
    assert.deepEqual(events, ['demand 3']);
    await register('container_01');
    assert.deepEqual(events.slice(1), ['registered container_01', 'demand 1']);
    await register('container_02');
    assert.equal((await slots).length, 3);
    assert.equal(events.at(-1), 'demand 0');
  });

  it('tells the driver of a TaskManager that is lost, and what the waiting requests lack then', async () => {
    const conn = await register('container_07');
    assert.equal((await rm.allocateSlots('job-1', 2)).length, 2);
    const waiting = rm.allocateSlots('job-2', 2).catch(() => undefined);
    assert.equal(events.at(-1), 'demand 2');
    events.length = 0;
    conn.close();
    await waitFor('the loss', 5_000, () => (events.includes('lost container_07') ? true : undefined), 10);
    assert.deepEqual(events, ['lost container_07', 'demand 2'], 'the slots job-1 held are gone with it; job-2 still lacks 2');
    rm.close();
    await waiting;
  });
});
