/** Hadoop IPC v9 framing and the client connection, against TestingIpcServer on 127.0.0.1. */
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import {
  IpcAuthenticationError,
  IpcConnectError,
  IpcConnection,
  IpcConnectionClosedError,
  IpcFatalError,
  IpcRemoteError,
  IpcTimeoutError,
  type HadoopToken,
  type IpcConnectionInit,
} from '../../../src/yarn/index.js';
import { CallIds, FrameDecoder, connectionHeader, parseResponseFrame, requestFrame } from '../../../src/yarn/ipc/ipc-frames.js';
import { encodeDelimited } from '../../../src/yarn/ipc/proto-codec.js';
import { waitFor } from '../../support/processes.js';
import { TestingIpcServer, type TestingCall } from './testing-ipc-server.js';

const PROTOCOL = 'org.apache.hadoop.yarn.api.ApplicationMasterProtocolPB';
const TOKEN: HadoopToken = { identifier: Buffer.from('amrm-id-1'), password: Buffer.from('amrm-pw-1'), kind: 'YARN_AM_RM_TOKEN', service: '' };
const REQ = 'flinkts.yarn.AllocateRequest';
const RES = 'flinkts.yarn.AllocateResponse';

describe('Hadoop IPC frames', () => {
  it('opens with "hrpc", version 9, service class 0 and the auth protocol', () => {
    assert.equal(connectionHeader(0xdf).toString('hex'), '6872706309' + '00' + 'df');
  });

  it('writes call ids and retry counts zigzag-encoded (sint32): the SASL id -33 is one byte 0x41', () => {
    const frame = requestFrame({ callId: CallIds.SASL, clientId: new Uint8Array(0), retryCount: -1 });
    // length 11, then the delimited header: rpcKind 2, rpcOp 0, callId zigzag(-33)=65, empty clientId, retryCount zigzag(-1)=1
    assert.equal(frame.toString('hex'), '0000000b' + '0a' + '0802' + '1000' + '1841' + '2200' + '2801');
  });

  it('reads the response call id as uint32 and gives it back signed (4294967263 is -33)', () => {
    const header = encodeDelimited('flinkts.hadoop.ipc.RpcResponseHeader', { callId: 4294967263, status: 'FATAL', errorDetail: 'FATAL_UNAUTHORIZED', errorMsg: 'no' });
    const { header: h, rest } = parseResponseFrame(header);
    assert.equal(h.callId, -33);
    assert.equal(h.status, 'FATAL');
    assert.equal(h.errorDetail, 'FATAL_UNAUTHORIZED');
    assert.equal(rest.length, 0);
  });

  it('reassembles frames split anywhere across socket chunks, and refuses a frame over the limit', () => {
    const a = requestFrame({ callId: 1, clientId: new Uint8Array(16), retryCount: 0 }, Uint8Array.of(3, 1, 2, 3));
    const b = requestFrame({ callId: 2, clientId: new Uint8Array(16), retryCount: 0 });
    const all = Buffer.concat([a, b]);
    for (let cut = 1; cut < all.length; cut++) {
      const d = new FrameDecoder();
      const frames = [...d.push(all.subarray(0, cut)), ...d.push(all.subarray(cut))];
      assert.deepEqual(frames, [a.subarray(4), b.subarray(4)], `cut at ${cut}`);
    }
    assert.throws(() => new FrameDecoder(10).push(Buffer.from([0, 0, 0, 11])), /exceeds the limit/);
  });
});

describe('IpcConnection', function () {
  this.timeout(20_000);
  let server: TestingIpcServer;
  const open: IpcConnection[] = [];

  async function connect(init: Partial<IpcConnectionInit> = {}): Promise<IpcConnection> {
    const c = await IpcConnection.open({ host: '127.0.0.1', port: server.port, protocol: PROTOCOL, token: TOKEN, ...init });
    open.push(c);
    return c;
  }

  beforeEach(async () => {
    server = new TestingIpcServer([TOKEN]);
    await server.start();
  });

  afterEach(async () => {
    await Promise.all(open.splice(0).map((c) => c.close()));
    await server.close();
  });

  it('authenticates with the token over SASL DIGEST-MD5, then sends the connection context once, with no user', async () => {
    server.onCall = (call) => call.reply(RES, { responseId: 7 });
    const c = await connect();
    const res = await c.call<{ responseId: number }>('allocate', REQ, { responseId: 6 }, RES);
    assert.equal(res.responseId, 7);
    const conn = server.connections[0];
    assert.equal(conn?.header?.toString('hex'), '68727063' + '0900df');
    assert.deepEqual(conn?.users, [Buffer.from('amrm-id-1').toString('base64')]);
    assert.equal(conn?.context?.protocol, PROTOCOL);
    assert.equal(conn?.context?.userInfo?.effectiveUser, undefined);
    assert.equal(conn?.calls[0]?.method, 'allocate');
    assert.equal(conn?.calls[0]?.protocol, PROTOCOL);
    assert.equal(conn?.calls[0]?.request<{ responseId: number }>(REQ).responseId, 6);
  });

  it('matches overlapping calls to their replies by call id, whatever order the replies come in', async () => {
    const held: TestingCall[] = [];
    server.onCall = (call) => {
      held.push(call);
      if (held.length === 3) for (const h of [...held].reverse()) h.reply(RES, { responseId: h.request<{ responseId: number }>(REQ).responseId * 10 });
    };
    const c = await connect();
    const results = await Promise.all([1, 2, 3].map((n) => c.call<{ responseId: number }>('allocate', REQ, { responseId: n }, RES)));
    assert.deepEqual(results.map((r) => r.responseId), [10, 20, 30]);
    assert.deepEqual(new Set(held.map((h) => h.callId)).size, 3);
  });

  it('fails only the call an ERROR reply answers, with the server exception class and message; the connection stays usable', async () => {
    server.onCall = (call) =>
      call.request<{ responseId: number }>(REQ).responseId === 1
        ? call.error('org.apache.hadoop.yarn.exceptions.ApplicationMasterNotRegisteredException', 'Application Master is trying to allocate before registering\n\tat trace')
        : call.reply(RES, { responseId: 2 });
    const c = await connect();
    await assert.rejects(c.call('allocate', REQ, { responseId: 1 }, RES), (err: unknown) => {
      assert.ok(err instanceof IpcRemoteError);
      assert.equal(err.code, 'HADOOP_IPC_REMOTE_ERROR');
      assert.equal(err.exceptionClassName, 'org.apache.hadoop.yarn.exceptions.ApplicationMasterNotRegisteredException');
      assert.equal(err.errorCode, 'ERROR_APPLICATION');
      assert.match(err.remoteMessage, /trying to allocate before registering\n\tat trace/);
      assert.doesNotMatch(err.message, /at trace/); // the first line for people, the whole text kept
      return true;
    });
    assert.equal((await c.call<{ responseId: number }>('allocate', REQ, { responseId: 5 }, RES)).responseId, 2);
    assert.ok(c.isOpen);
  });

  it('on a FATAL reply fails every waiting call and every later one, and closes the connection', async () => {
    const held: TestingCall[] = [];
    server.onCall = (call) => {
      held.push(call);
      if (held.length === 2) held[0]?.fatal('org.apache.hadoop.ipc.RpcServerException', 'bad things', 'FATAL_DESERIALIZING_REQUEST');
    };
    const c = await connect();
    const calls = [1, 2].map((n) => c.call('allocate', REQ, { responseId: n }, RES));
    for (const p of calls) await assert.rejects(p, (err: unknown) => err instanceof IpcFatalError && err.code === 'HADOOP_IPC_FATAL' && err.errorCode === 'FATAL_DESERIALIZING_REQUEST');
    assert.equal(c.isOpen, false);
    await assert.rejects(c.call('allocate', REQ, { responseId: 3 }, RES), IpcFatalError);
  });

  it('reports a refused token, a server that hangs up on our response, and a wrong rspauth as IpcAuthenticationError', async () => {
    const wrong = { ...TOKEN, password: Buffer.from('guessed') };
    await assert.rejects(connect({ token: wrong }), (err: unknown) => {
      assert.ok(err instanceof IpcAuthenticationError);
      assert.equal(err.code, 'HADOOP_IPC_AUTH_FAILED');
      assert.equal(err.exceptionClassName, 'javax.security.sasl.SaslException');
      assert.match(err.message, /Mismatched response/);
      return true;
    });
    server.sasl = 'close-after-response';
    await assert.rejects(connect(), (err: unknown) => err instanceof IpcAuthenticationError && /closed the connection in answer to this client's token/.test(err.message));
    server.sasl = 'bad-rspauth';
    await assert.rejects(connect(), (err: unknown) => err instanceof IpcAuthenticationError && /rspauth does not match/.test(err.message));
  });

  it('without a token: refused by a token-only server with a clear reason, accepted by one that allows SIMPLE', async () => {
    await assert.rejects(connect({ token: undefined }), (err: unknown) => err instanceof IpcAuthenticationError && /accepts only TOKEN\/DIGEST-MD5; this connection has no token/.test(err.message));
    server.sasl = 'simple-allowed';
    server.onCall = (call) => call.reply(RES, { responseId: 1 });
    const c = await connect({ token: undefined, user: 'alice' });
    assert.equal((await c.call<{ responseId: number }>('allocate', REQ, { responseId: 0 }, RES)).responseId, 1);
    assert.equal(server.connections.at(-1)?.context?.userInfo?.effectiveUser, 'alice');
  });

  it('times a call out with IpcTimeoutError, drops its late reply and keeps serving other calls', async () => {
    let late: TestingCall | undefined;
    server.onCall = (call) => (call.request<{ responseId: number }>(REQ).responseId === 1 ? (late = call) : call.reply(RES, { responseId: 42 }));
    const c = await connect({ callTimeoutMs: 100 });
    await assert.rejects(c.call('allocate', REQ, { responseId: 1 }, RES), (err: unknown) => err instanceof IpcTimeoutError && err.code === 'HADOOP_IPC_TIMEOUT' && /allocate/.test(err.message));
    late?.reply(RES, { responseId: 99 });
    assert.equal((await c.call<{ responseId: number }>('allocate', REQ, { responseId: 2 }, RES)).responseId, 42);
  });

  it('bounds the connect and handshake: a refused port is IpcConnectError, a silent server IpcTimeoutError', async () => {
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const deadPort = (probe.address() as { port: number }).port;
    await new Promise((r) => probe.close(r));
    await assert.rejects(IpcConnection.open({ host: '127.0.0.1', port: deadPort, protocol: PROTOCOL, token: TOKEN }), (err: unknown) => err instanceof IpcConnectError && err.code === 'HADOOP_IPC_CONNECT_FAILED');
    server.sasl = 'silent';
    await assert.rejects(connect({ connectTimeoutMs: 200 }), (err: unknown) => err instanceof IpcTimeoutError && /Connecting and authenticating/.test(err.message));
  });

  it('close() is safe to call twice, fails waiting calls with IpcConnectionClosedError and refuses new ones', async () => {
    const c = await connect();
    const waiting = c.call('allocate', REQ, { responseId: 1 }, RES);
    await Promise.all([c.close(), c.close()]);
    await assert.rejects(waiting, (err: unknown) => err instanceof IpcConnectionClosedError && err.code === 'HADOOP_IPC_CLOSED');
    await assert.rejects(c.call('allocate', REQ, { responseId: 2 }, RES), IpcConnectionClosedError);
    await c.close();
  });

  it('pings while idle, as Hadoop clients do', async () => {
    await connect({ pingIntervalMs: 40 });
    await waitFor('two pings', 5_000, () => ((server.connections[0]?.pings ?? 0) >= 2 ? true : undefined), 20);
  });
});
