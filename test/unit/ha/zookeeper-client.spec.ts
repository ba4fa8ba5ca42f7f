/**
 * ZooKeeperClient's connection states and failure handling against a scripted stand-in for node-zookeeper-client
 * (the real library against a real ZooKeeper runs in test/integration/ha-zookeeper.it.spec.ts).
 */
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import zookeeper, { type Client } from 'node-zookeeper-client';
import { ZooKeeperClient, type ConnectionState, type ZooKeeperClientSettings } from '../../../src/ha/index.js';
import { waitFor } from '../../support/processes.js';

type Cb = (err: unknown, ...values: unknown[]) => void;

/** A library client whose connection the test drives; operations answer at once unless `hang` is set. */
class TestingLibClient extends EventEmitter {
  closed = false;
  hang = false;
  readonly pending: Cb[] = [];
  constructor(readonly sessionId: Buffer) {
    super();
  }
  connect(): void {}
  close(): void {
    this.closed = true;
    setImmediate(() => this.emitState(zookeeper.State.DISCONNECTED));
  }
  addAuthInfo(): void {}
  getSessionId(): Buffer {
    return this.sessionId;
  }
  getSessionTimeout(): number {
    return 400;
  }
  #answer(cb: Cb, ...values: unknown[]): void {
    if (this.hang) this.pending.push(cb);
    else queueMicrotask(() => cb(null, ...values));
  }
  mkdirp(path: string, _acl: unknown, cb: Cb): void {
    this.#answer(cb, path);
  }
  exists(_path: string, ...rest: unknown[]): void {
    this.#answer(rest.at(-1) as Cb, { version: 0, ephemeralOwner: Buffer.alloc(8), numChildren: 0 });
  }
  emitState(state: unknown): void {
    this.emit('state', state);
  }
}

const SETTINGS: ZooKeeperClientSettings = {
  quorum: '127.0.0.1:1',
  namespace: '/flink/unit',
  sessionTimeoutMs: 400,
  connectionTimeoutMs: 300,
  retryWaitMs: 50,
  maxRetryAttempts: 1,
  acl: 'open',
  authorization: [],
};

function harness(settings: ZooKeeperClientSettings = SETTINGS): { client: ZooKeeperClient; libs: TestingLibClient[]; states: ConnectionState[] } {
  const libs: TestingLibClient[] = [];
  const client = new ZooKeeperClient(settings, {
    createClient: () => {
      const lib = new TestingLibClient(Buffer.from(`0000000${libs.length + 1}`.slice(-8)));
      libs.push(lib);
      return lib as unknown as Client;
    },
  });
  const states: ConnectionState[] = [];
  client.onConnectionStateChange((s) => states.push(s));
  return { client, libs, states };
}

async function started(h: ReturnType<typeof harness>): Promise<void> {
  const start = h.client.start();
  await waitFor('the library client', 2_000, () => h.libs[0]);
  h.libs[0]?.emitState(zookeeper.State.SYNC_CONNECTED);
  await start;
}

describe('ZooKeeperClient connection states', () => {
  it('reports SUSPENDED when the connection breaks and RECONNECTED when it is back with the same session', async () => {
    const h = harness();
    await started(h);
    try {
      assert.equal(h.client.state, 'CONNECTED');
      h.libs[0]?.emitState(zookeeper.State.DISCONNECTED);
      assert.deepEqual(h.states, ['SUSPENDED']);
      h.libs[0]?.emitState(zookeeper.State.SYNC_CONNECTED);
      assert.deepEqual(h.states, ['SUSPENDED', 'RECONNECTED']);
      assert.equal(h.libs.length, 1);
    } finally {
      await h.client.close();
    }
  });

  it('declares LOST after 90% of the session timeout without ZooKeeper, fails what was in flight, and starts a new session', async () => {
    const h = harness({ ...SETTINGS, maxRetryAttempts: 0 });
    await started(h);
    try {
      const lib = h.libs[0] as TestingLibClient;
      lib.hang = true;
      const op = h.client.exists('/x').then(
        () => assert.fail('the operation in flight should fail'),
        (err: unknown) => err,
      );
      lib.emitState(zookeeper.State.DISCONNECTED);
      await waitFor('LOST', 5_000, () => (h.states.includes('LOST') ? true : undefined));
      assert.equal(((await op) as { code?: string }).code, 'HA_ZOOKEEPER_CONNECTION_LOST');
      assert.equal(lib.closed, true);
      const next = await waitFor('a new library client', 2_000, () => h.libs[1]);
      next.emitState(zookeeper.State.SYNC_CONNECTED);
      assert.deepEqual(h.states, ['SUSPENDED', 'LOST', 'CONNECTED']);
      assert.equal(h.client.sessionId, next.sessionId.toString('hex'));
      assert.notEqual(h.client.sessionId, lib.sessionId.toString('hex'));
    } finally {
      await h.client.close();
    }
  });

  it('declares LOST at once when the session expired', async () => {
    const h = harness();
    await started(h);
    try {
      h.libs[0]?.emitState(zookeeper.State.DISCONNECTED);
      h.libs[0]?.emitState(zookeeper.State.EXPIRED);
      assert.deepEqual(h.states, ['SUSPENDED', 'LOST']);
      assert.equal(h.libs.length, 2);
    } finally {
      await h.client.close();
    }
  });

  it('suspends when ZooKeeper stops answering on a connection that looks open', async () => {
    const h = harness();
    await started(h);
    try {
      (h.libs[0] as TestingLibClient).hang = true;
      await waitFor('SUSPENDED', 5_000, () => (h.states.includes('SUSPENDED') ? true : undefined));
      await waitFor('LOST', 5_000, () => (h.states.includes('LOST') ? true : undefined));
    } finally {
      await h.client.close();
    }
  });

  it('fails start with one line naming high-availability.zookeeper.quorum when no server answers in time', async () => {
    const h = harness();
    await assert.rejects(h.client.start(), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'HA_ZOOKEEPER_UNREACHABLE');
      assert.match(err.message, /^Could not connect to ZooKeeper at 127\.0\.0\.1:1 \(high-availability\.zookeeper\.quorum\) within 300 ms/);
      assert.doesNotMatch(err.message, /\n/);
      return true;
    });
    assert.equal(h.libs[0]?.closed, true);
    assert.equal(h.client.state, 'CLOSED');
  });

  it('refuses the creator ACL without credentials before connecting', async () => {
    const h = harness({ ...SETTINGS, acl: 'creator' });
    await assert.rejects(h.client.start(), { code: 'HA_ZOOKEEPER_AUTH', message: /client\.acl: creator needs credentials: set high-availability\.zookeeper\.client\.authorization/ });
    assert.equal(h.libs.length, 0);
  });

  it('close is safe to call twice, and operations after it fail clearly', async () => {
    const h = harness();
    await started(h);
    await h.client.close();
    await h.client.close();
    await assert.rejects(h.client.exists('/x'), { code: 'HA_CLOSED' });
  });
});
