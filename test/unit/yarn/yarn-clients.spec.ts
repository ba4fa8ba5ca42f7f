/** ApplicationMasterClient and NodeManagerClient against TestingIpcServer standing in for the RM and a NodeManager. */
import assert from 'node:assert/strict';
import {
  APPLICATION_MASTER_PROTOCOL,
  ApplicationMasterClient,
  CONTAINER_MANAGEMENT_PROTOCOL,
  ContainerRequestFailedError,
  IpcConnectionClosedError,
  NMTokenCache,
  NmTokenMissingError,
  NodeManagerClient,
  UnregisterTimeoutError,
  formatContainerId,
  parseContainerId,
  type Container,
  type HadoopToken,
  type StartContainersRequest,
} from '../../../src/yarn/index.js';
import { waitFor } from '../../support/processes.js';
import { TestingIpcServer } from './testing-ipc-server.js';

const token = (name: string, kind: string): HadoopToken => ({ identifier: Buffer.from(`${name}-id`), password: Buffer.from(`${name}-pw`), kind, service: '' });
const AMRM_1 = token('amrm-1', 'YARN_AM_RM_TOKEN');
const AMRM_2 = token('amrm-2', 'YARN_AM_RM_TOKEN');
const T = 'flinkts.yarn.';
const b64 = (t: HadoopToken): string => Buffer.from(t.identifier).toString('base64');

describe('ApplicationMasterClient', function () {
  this.timeout(20_000);
  let rm: TestingIpcServer;
  let am: ApplicationMasterClient;

  beforeEach(async () => {
    rm = new TestingIpcServer([AMRM_1]);
    await rm.start();
    am = new ApplicationMasterClient({ host: '127.0.0.1', port: rm.port, amRmToken: AMRM_1 });
  });

  afterEach(async () => {
    await am.close();
    await rm.close();
  });

  it('registers and allocates on ApplicationMasterProtocolPB, keeping NMTokens and a renewed AMRMToken for the next connection', async () => {
    const nmToken = token('nm', 'NMToken');
    rm.onCall = (call) => {
      assert.equal(call.protocol, APPLICATION_MASTER_PROTOCOL);
      if (call.method === 'registerApplicationMaster') {
        const req = call.request<{ host: string; rpcPort: number; trackingUrl: string }>(`${T}RegisterApplicationMasterRequest`);
        call.reply(`${T}RegisterApplicationMasterResponse`, { maximumCapability: { memory: 8192, virtualCores: 8 }, queue: `for ${req.host}:${req.rpcPort} ${req.trackingUrl}` });
      } else {
        call.reply(`${T}AllocateResponse`, { responseId: 1, nmTokens: [{ nodeId: { host: 'nm1', port: 45454 }, token: nmToken }], amRmToken: AMRM_2 });
      }
    };
    const reg = await am.registerApplicationMaster({ host: 'am-host', rpcPort: 6123, trackingUrl: 'http://am-host:8081' });
    assert.equal(reg.queue, 'for am-host:6123 http://am-host:8081');
    assert.deepEqual(reg.maximumCapability, { memory: 8192, virtualCores: 8 });
    const res = await am.allocate({ responseId: 0, ask: [{ priority: { priority: 1 }, resourceName: '*', capability: { memory: 1024, virtualCores: 1 }, numContainers: 2 }] });
    assert.equal(res.responseId, 1);
    const ask = rm.connections[0]?.calls[1]?.request<{ ask: { numContainers: number; resourceName: string }[] }>(`${T}AllocateRequest`).ask;
    assert.deepEqual(ask?.map((a) => [a.resourceName, a.numContainers]), [['*', 2]]);
    assert.deepEqual(Buffer.from(am.nmTokens.get('nm1:45454')?.password ?? []), Buffer.from('nm-pw'));
    assert.equal(am.amRmToken, res.amRmToken);

    // The RM rolled its key: after the connection drops, the client reconnects with the new token.
    rm.accept(AMRM_2);
    rm.dropConnections();
    await waitUntilClosed(am);
    await am.allocate({ responseId: 1 });
    assert.deepEqual(rm.connections.map((c) => c.users), [[b64(AMRM_1)], [b64(AMRM_2)]]);
  });

  it('asks finishApplicationMaster again until the RM confirms the unregistration, within a bound', async () => {
    let asked = 0;
    rm.onCall = (call) => call.reply(`${T}FinishApplicationMasterResponse`, { isUnregistered: ++asked >= 3 });
    const res = await am.finishApplicationMaster({ finalApplicationStatus: 'APP_SUCCEEDED', diagnostics: 'ok' }, { retryIntervalMs: 10 });
    assert.equal(res.isUnregistered, true);
    assert.equal(asked, 3);
    const req = rm.connections[0]?.calls[0]?.request<{ finalApplicationStatus: string; diagnostics: string }>(`${T}FinishApplicationMasterRequest`);
    assert.deepEqual(req, { finalApplicationStatus: 'APP_SUCCEEDED', diagnostics: 'ok' });

    rm.onCall = (call) => call.reply(`${T}FinishApplicationMasterResponse`, { isUnregistered: false });
    await assert.rejects(am.finishApplicationMaster({ finalApplicationStatus: 'APP_FAILED' }, { timeoutMs: 50, retryIntervalMs: 10 }), UnregisterTimeoutError);
  });

  it('close() is idempotent and later calls are refused', async () => {
    rm.onCall = (call) => call.reply(`${T}AllocateResponse`, { responseId: 1 });
    await am.allocate({ responseId: 0 });
    await Promise.all([am.close(), am.close()]);
    await assert.rejects(am.allocate({ responseId: 1 }), IpcConnectionClosedError);
  });
});

/** Waits until the client's connection noticed the drop (its next call then opens a new one). */
async function waitUntilClosed(am: ApplicationMasterClient): Promise<void> {
  // A peek at the private connection: the client itself only finds out on its next call, which would then fail.
  const conn = await (am as unknown as { connection: Promise<{ isOpen: boolean }> }).connection;
  await waitFor('the client to see its connection dropped', 5_000, () => (conn.isOpen ? undefined : true), 10);
}

describe('NodeManagerClient', function () {
  this.timeout(20_000);
  let nm: TestingIpcServer;
  let client: NodeManagerClient;
  const NM_TOKEN = token('nm-a', 'NMToken');
  let cache: NMTokenCache;

  beforeEach(async () => {
    nm = new TestingIpcServer([NM_TOKEN]);
    await nm.start();
    cache = new NMTokenCache();
    client = new NodeManagerClient({ nmTokens: cache });
  });

  afterEach(async () => {
    await client.close();
    await nm.close();
  });

  function container(seq: number): Container {
    return {
      id: parseContainerId(`container_1700000000000_0001_01_00000${seq}`),
      nodeId: { host: '127.0.0.1', port: nm.port },
      containerToken: token(`container-${seq}`, 'ContainerToken'),
    };
  }

  it('starts a container on its node with that node\'s NMToken, passing the launch context and container token', async () => {
    cache.set(`127.0.0.1:${nm.port}`, NM_TOKEN);
    nm.onCall = (call) => {
      const req = call.request<StartContainersRequest>(`${T}StartContainersRequest`);
      call.reply(`${T}StartContainersResponse`, { succeededRequests: req.startContainerRequest.map(() => container(2).id) });
    };
    await client.startContainer(container(2), { command: ['echo hi'], environment: [{ key: 'A', value: 'b' }], tokens: Buffer.from('HDTS\x00\x00\x00', 'latin1') });
    const call = nm.connections[0]?.calls[0];
    assert.equal(call?.protocol, CONTAINER_MANAGEMENT_PROTOCOL);
    assert.equal(call?.method, 'startContainers');
    const sent = call?.request<StartContainersRequest>(`${T}StartContainersRequest`).startContainerRequest[0];
    assert.deepEqual(sent?.containerLaunchContext.command, ['echo hi']);
    assert.deepEqual(sent?.containerLaunchContext.environment, [{ key: 'A', value: 'b' }]);
    assert.equal(Buffer.from(sent?.containerToken.identifier ?? []).toString(), 'container-2-id');
    assert.deepEqual(nm.connections[0]?.users, [b64(NM_TOKEN)]);
  });

  it('turns a container the NodeManager refused into ContainerRequestFailedError with its exception', async () => {
    cache.set(`127.0.0.1:${nm.port}`, NM_TOKEN);
    nm.onCall = (call) =>
      call.reply(`${T}StartContainersResponse`, {
        failedRequests: [{ containerId: container(3).id, exception: { className: 'org.apache.hadoop.yarn.exceptions.InvalidAuxServiceException', message: 'The auxService:x does not exist' } }],
      });
    await assert.rejects(client.startContainer(container(3), { command: ['x'] }), (err: unknown) => {
      assert.ok(err instanceof ContainerRequestFailedError);
      assert.equal(err.code, 'YARN_CONTAINER_REQUEST_FAILED');
      assert.equal(err.containerId, 'container_1700000000000_0001_01_000003');
      assert.equal(err.exceptionClassName, 'org.apache.hadoop.yarn.exceptions.InvalidAuxServiceException');
      return true;
    });
  });

  it('reports statuses and stops containers; without an NMToken for the node it says so', async () => {
    await assert.rejects(client.stopContainer(container(4).nodeId ?? {}, container(4).id ?? {}), NmTokenMissingError);
    cache.set(`127.0.0.1:${nm.port}`, NM_TOKEN);
    nm.onCall = (call) =>
      call.method === 'getContainerStatuses'
        ? call.reply(`${T}GetContainerStatusesResponse`, { status: [{ containerId: container(4).id, state: 'CONTAINER_RUNNING', exitStatus: -1000 }] })
        : call.reply(`${T}StopContainersResponse`, { succeededRequests: [container(4).id] });
    const status = await client.getContainerStatus(container(4).nodeId ?? {}, container(4).id ?? {});
    assert.equal(status.state, 'CONTAINER_RUNNING');
    assert.equal(formatContainerId(status.containerId), 'container_1700000000000_0001_01_000004');
    await client.stopContainer(container(4).nodeId ?? {}, container(4).id ?? {});
    assert.equal(nm.connections.length, 1, 'one connection per node, reused');

    // The same token sent again keeps the connection; a new one (the RM rolled its key) opens another with it.
    cache.update([{ nodeId: { host: '127.0.0.1', port: nm.port }, token: { ...NM_TOKEN } }]);
    await client.getContainerStatus(container(4).nodeId ?? {}, container(4).id ?? {});
    assert.equal(nm.connections.length, 1);
    const renewed = token('nm-b', 'NMToken');
    nm.accept(renewed);
    cache.update([{ nodeId: { host: '127.0.0.1', port: nm.port }, token: renewed }]);
    await client.getContainerStatus(container(4).nodeId ?? {}, container(4).id ?? {});
    assert.deepEqual(nm.connections.map((c) => c.users), [[b64(NM_TOKEN)], [b64(renewed)]]);
  });
});
