/**
 * The ZooKeeper HA services against a real ZooKeeper from scripts/zookeeper.sh (standalone, and a 3-server
 * ensemble) on free ports of 127.0.0.1, with the storage directory in a temporary directory. Contenders that must
 * die like a JobManager (kill -9) run as child processes (support/ha-contender.ts); retrieval and the stores run
 * here. Every test has its own cluster id, so nothing of one test is seen by another.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import zookeeper from 'node-zookeeper-client';
import { Configuration } from '../../src/config/index.js';
import { createHaServices, ZooKeeperHaServices, type LeaderInformation } from '../../src/ha/index.js';
import { waitFor } from '../support/processes.js';
import {
  blobStoreContract,
  checkpointIdCounterContract,
  completedCheckpointStoreContract,
  jobGraphStoreContract,
  jobResultStoreContract,
  newJobId,
} from '../support/ha-store-contracts.js';
import { ZooKeeperStateHandleStore } from '../../src/ha/zookeeper/zookeeper-state-handle-store.js';
import { ContenderProcess, killAllContenders } from './support/ha-contender-process.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { ZooKeeperServer } from './support/zookeeper-server.js';

type ConfMap = Record<string, string>;

/** What a retrieval heard, newest last. */
interface Followed {
  readonly seen: Array<LeaderInformation | undefined>;
  readonly current: LeaderInformation | undefined;
}

function harness(): {
  cluster(extra?: ConfMap): ConfMap;
  open(conf: ConfMap): ZooKeeperHaServices;
  follow(ha: ZooKeeperHaServices): Promise<Followed>;
  closeAll(): Promise<void>;
  zk(): ZooKeeperServer;
  storage(): string;
  setUp(server: () => Promise<ZooKeeperServer>): void;
} {
  let server: ZooKeeperServer | undefined;
  let storage = '';
  let n = 0;
  const opened: ZooKeeperHaServices[] = [];
  const h = {
    cluster: (extra: ConfMap = {}): ConfMap => ({
      'high-availability': 'zookeeper',
      'high-availability.zookeeper.quorum': h.zk().quorum,
      'high-availability.storageDir': `file://${storage}/recovery`,
      'high-availability.cluster-id': `/it_${process.pid}_${++n}`,
      ...extra,
    }),
    open: (conf: ConfMap): ZooKeeperHaServices => {
      const ha = createHaServices(Configuration.fromMap(conf));
      assert.ok(ha instanceof ZooKeeperHaServices);
      opened.push(ha);
      return ha;
    },
    follow: async (ha: ZooKeeperHaServices): Promise<Followed> => {
      const seen: Array<LeaderInformation | undefined> = [];
      await ha.jobManagerLeaderRetrieval().start((l) => seen.push(l));
      return {
        seen,
        get current() {
          return seen.at(-1);
        },
      };
    },
    closeAll: async (): Promise<void> => {
      await killAllContenders();
      for (const ha of opened.splice(0)) await ha.close();
    },
    zk: (): ZooKeeperServer => {
      if (!server) throw new Error('ZooKeeper is not running');
      return server;
    },
    storage: (): string => storage,
    setUp(start: () => Promise<ZooKeeperServer>): void {
      before(async function () {
        // The first start on a machine resolves ZooKeeper's jars from Maven Central.
        this.timeout(360_000);
        storage = await mkdtemp(join(tmpdir(), 'flink-ha-it-'));
        server = await start();
      });
      afterEach(async () => h.closeAll());
      after(async function () {
        this.timeout(120_000);
        await h.closeAll();
        await server?.stop();
        await rm(storage, { recursive: true, force: true });
      });
    },
  };
  return h;
}

/** Until `retrieval` names `contender` as leader under its current leader session id. */
async function waitForRetrievalOf(r: Followed, contender: ContenderProcess): Promise<LeaderInformation> {
  return waitFor(`retrieval to name ${contender.address}`, 60_000, () => {
    const id = contender.leaderSessionId;
    return id !== undefined && r.current?.leaderSessionId === id ? r.current : undefined;
  });
}

describe('ZooKeeper HA services (real ZooKeeper)', function () {
  this.timeout(180_000);
  const h = harness();
  h.setUp(() => ZooKeeperServer.standalone());

  describe('leader election and retrieval', () => {
    it('two contenders: exactly one leads, retrieval names it with its leader session id, and only it may write', async () => {
      const conf = h.cluster();
      const [a, b] = await Promise.all([ContenderProcess.start('jm-a:6123', conf), ContenderProcess.start('jm-b:6123', conf)]);
      const leader = await waitFor('a leader', 60_000, () => [a, b].find((c) => c.leaderSessionId !== undefined));
      const standby = leader === a ? b : a;
      const ha = h.open(conf);
      const info = await waitForRetrievalOf(await h.follow(ha), leader);
      assert.equal(info.address, leader.address);
      assert.equal(standby.count('granted'), 0);
      // Flink's layout: one latch node per process, the address under /leader/<component>/connection_info.
      assert.equal((await ha.client.getChildren('/leader/latch'))?.length, 2);
      assert.ok(await ha.client.exists('/leader/resource_manager/connection_info'));
      const jobId = newJobId();
      const refused = await standby.put(jobId);
      assert.equal(refused.ok, false);
      assert.equal(refused.code, 'HA_NOT_LEADER');
      assert.equal((await leader.put(jobId)).ok, true);
      assert.deepEqual(await ha.jobGraphStore().getJobIds(), [jobId]);
    });

    it('the leader closes its services: the standby leads at once and retrieval follows', async () => {
      const conf = h.cluster();
      const a = await ContenderProcess.start('jm-a:6123', conf);
      await waitFor('a to lead', 60_000, () => a.leaderSessionId);
      const b = await ContenderProcess.start('jm-b:6123', conf);
      const r = await h.follow(h.open(conf));
      await waitForRetrievalOf(r, a);
      await a.close();
      await waitFor('b to lead', 60_000, () => b.leaderSessionId);
      const info = await waitForRetrievalOf(r, b);
      assert.equal(info.address, 'jm-b:6123');
      assert.notEqual(info.leaderSessionId, a.events.find((e) => e.event === 'granted')?.id);
    });

    it('the leader is killed with SIGKILL: the standby leads once ZooKeeper expires the session, and retrieval follows', async () => {
      const conf = h.cluster();
      const a = await ContenderProcess.start('jm-a:6123', conf);
      await waitFor('a to lead', 60_000, () => a.leaderSessionId);
      const b = await ContenderProcess.start('jm-b:6123', conf);
      const r = await h.follow(h.open(conf));
      await waitForRetrievalOf(r, a);
      await a.kill();
      // Bounded by the default session timeout (5 s) plus a ZooKeeper tick; the bound here only guards a hang.
      await waitFor('b to lead', 60_000, () => b.leaderSessionId);
      assert.equal((await waitForRetrievalOf(r, b)).address, 'jm-b:6123');
    });

    it("a new leader replaces a stale connection_info of another session, and publishes each component's address", async () => {
      const conf = h.cluster();
      const stale = h.open(conf);
      await stale.start();
      await stale.client.ensurePath('/leader/rest_server');
      await stale.client.create('/leader/rest_server/connection_info', Buffer.from('{"address":"http://old:8081","leaderSessionId":"old"}'), 'EPHEMERAL');
      const leaderHa = h.open(conf);
      const election = leaderHa.jobManagerLeaderElection();
      await election.start({
        grantLeadership: async (id) => {
          await election.confirmLeadership(id, 'new:6123');
          await election.confirmLeadership(id, 'http://new:8081', 'rest_server');
        },
        revokeLeadership: async () => undefined,
      });
      const rest: Array<string | undefined> = [];
      await h.open(conf).restLeaderRetrieval().start((l) => rest.push(l?.address));
      await waitFor('the new REST address', 30_000, () => (rest.at(-1) === 'http://new:8081' ? true : undefined));
      const node = await stale.client.getData('/leader/rest_server/connection_info');
      assert.equal(node?.stat.ephemeralOwner, leaderHa.client.sessionId);
      const rm: Array<string | undefined> = [];
      await h.open(conf).jobManagerLeaderRetrieval().start((l) => rm.push(l?.address));
      await waitFor('the RPC address', 30_000, () => (rm.at(-1) === 'new:6123' ? true : undefined));
    });

    it('a leader whose latch node is gone cannot write (fenced) and stops leading', async () => {
      const conf = h.cluster();
      const leaderHa = h.open(conf);
      const grants: string[] = [];
      let revokes = 0;
      await leaderHa.jobManagerLeaderElection().start({
        grantLeadership: async (id) => void grants.push(id),
        revokeLeadership: async () => void revokes++,
      });
      assert.equal(grants.length, 1);
      const other = h.open(conf);
      await other.start();
      const [latch] = (await other.client.getChildren('/leader/latch')) ?? [];
      assert.ok(latch);
      await other.client.remove(`/leader/latch/${latch}`);
      await assert.rejects(leaderHa.jobGraphStore().putJobGraph(newJobId(), Buffer.from('late')), { code: 'HA_NOT_LEADER' });
      await waitFor('the revoke', 30_000, () => (revokes > 0 ? true : undefined));
      // Still the only contender: it runs again with a new latch node and a new leader session id.
      await waitFor('a new grant', 30_000, () => (grants.length === 2 ? true : undefined));
      assert.notEqual(grants[1], grants[0]);
      assert.deepEqual(await other.jobGraphStore().getJobIds(), []);
    });
  });

  describe('fencing in ZooKeeper', () => {
    it('a write fenced by a latch node that no longer exists is refused by ZooKeeper, and changes nothing', async () => {
      const ha = h.open(h.cluster());
      await ha.start();
      await ha.client.ensurePath('/leader/latch');
      const latch = await ha.client.create('/leader/latch/_c_test-latch-', Buffer.alloc(0), 'EPHEMERAL_SEQUENTIAL');
      // The store's process goes on believing it holds this latch after the node is gone.
      const store = new ZooKeeperStateHandleStore(ha.client, '/jobgraphs', 'lock-1', () => latch);
      await store.addAndLock('job-a', Buffer.from('{"path":"file:///a"}'));
      await ha.client.remove(latch);
      await assert.rejects(store.addAndLock('job-b', Buffer.from('{"path":"file:///b"}')), { code: 'HA_NOT_LEADER' });
      await assert.rejects(store.releaseAndTryRemove('job-a'), { code: 'HA_NOT_LEADER' });
      assert.deepEqual(await store.names(), ['job-a']);
    });
  });

  describe('ZooKeeper trouble', () => {
    it('a ZooKeeper restart shorter than the session timeout keeps leadership (suspended connections are tolerated by default)', async () => {
      // A session timeout longer than the default, so that a slow restart on a loaded machine is still "brief".
      const conf = h.cluster({ 'high-availability.zookeeper.client.session-timeout': '20 s' });
      const a = await ContenderProcess.start('jm-a:6123', conf);
      const id = await waitFor('a to lead', 60_000, () => a.leaderSessionId);
      await h.zk().stopServers();
      await waitFor('a to see the connection suspended', 30_000, () => (a.has('state', { state: 'SUSPENDED' }) ? true : undefined));
      await h.zk().start();
      await waitFor('a to reconnect', 60_000, () => (a.has('state', { state: 'RECONNECTED' }) ? true : undefined));
      assert.equal(a.count('revoked'), 0, JSON.stringify(a.events));
      assert.equal(a.leaderSessionId, id);
      const r = await h.follow(h.open(conf));
      assert.equal((await waitForRetrievalOf(r, a)).leaderSessionId, id);
    });

    it('with tolerate-suspended-connections: false the same restart revokes, and leadership comes back with a new session id', async () => {
      const conf = h.cluster({
        'high-availability.zookeeper.client.session-timeout': '20 s',
        'high-availability.zookeeper.client.tolerate-suspended-connections': 'false',
      });
      const a = await ContenderProcess.start('jm-a:6123', conf);
      const id = await waitFor('a to lead', 60_000, () => a.leaderSessionId);
      await h.zk().stopServers();
      await waitFor('a to give up leadership', 30_000, () => (a.has('revoked') ? true : undefined));
      await h.zk().start();
      const again = await waitFor('a to lead again', 60_000, () => a.leaderSessionId);
      assert.notEqual(again, id);
    });

    it('a fenced write cut off when the connection breaks is tried again once ZooKeeper answers again (a brief outage fails no checkpoint)', async () => {
      // Through a proxy, so that the write is on its way (sent, unanswered) when the connection breaks, as when a
      // server restarts in the middle of a checkpoint's registration.
      const zk = h.zk();
      const proxy = await TcpProxy.start(zk.host, zk.ports[0] as number);
      try {
        const ha = h.open(h.cluster({ 'high-availability.zookeeper.quorum': `127.0.0.1:${proxy.port}` }));
        await ha.start();
        await ha.client.ensurePath('/leader/latch');
        await ha.client.ensurePath('/jobs/j1/checkpoints');
        const latch = await ha.client.create('/leader/latch/_c_test-latch-', Buffer.alloc(0), 'EPHEMERAL_SEQUENTIAL');
        const store = new ZooKeeperStateHandleStore(ha.client, '/jobs/j1/checkpoints', 'lock-1', () => latch);
        proxy.hold();
        const write = store.fencedMulti('Registering checkpoint 1', [{ type: 'create', path: '/jobs/j1/checkpoints/0000000000000000001', data: Buffer.from('{}') }]);
        await waitFor('the write on its way', 10_000, () => (proxy.holding ? true : undefined), 10);
        proxy.cut();
        proxy.release();
        await write;
        assert.deepEqual(await store.names(), ['0000000000000000001']);
      } finally {
        await proxy.close();
      }
    });

    it('a full ZooKeeper restart keeps job graphs, checkpoint pointers and the checkpoint id counter', async () => {
      const conf = h.cluster();
      const jobId = newJobId();
      const before = h.open(conf);
      await before.jobGraphStore().putJobGraph(jobId, Buffer.from('the graph'));
      const checkpoints = await before.createCompletedCheckpointStore(jobId, 2);
      await checkpoints.addCheckpoint({ checkpointId: 1, metadataPath: 'file:///cp/chk-1/_metadata', timestamp: 1 });
      await checkpoints.addCheckpoint({ checkpointId: 2, metadataPath: 'file:///cp/chk-2/_metadata', timestamp: 2 });
      const counter = await before.createCheckpointIdCounter(jobId);
      await counter.getAndIncrement();
      await counter.getAndIncrement();
      await before.close();
      await h.zk().stopServers();
      await h.zk().start();
      const after = h.open(conf);
      assert.deepEqual(await after.jobGraphStore().getJobIds(), [jobId]);
      assert.equal(Buffer.from((await after.jobGraphStore().recoverJobGraph(jobId)) ?? []).toString(), 'the graph');
      assert.deepEqual(
        (await (await after.createCompletedCheckpointStore(jobId, 2)).getAllCheckpoints()).map((c) => c.metadataPath),
        ['file:///cp/chk-1/_metadata', 'file:///cp/chk-2/_metadata'],
      );
      assert.equal(await (await after.createCheckpointIdCounter(jobId)).get(), 3);
    });
  });

  describe('recovery stores on ZooKeeper', () => {
    describe('JobGraphStore', () => jobGraphStoreContract(async () => h.open(h.cluster()).jobGraphStore()));
    describe('CompletedCheckpointStore', () => completedCheckpointStoreContract((n) => h.open(h.cluster()).createCompletedCheckpointStore(newJobId(), n)));
    describe('CheckpointIdCounter', () => checkpointIdCounterContract(() => h.open(h.cluster()).createCheckpointIdCounter(newJobId())));
    describe('JobResultStore', () => jobResultStoreContract(async () => h.open(h.cluster()).jobResultStore()));
    describe('BlobStore', () => blobStoreContract(async () => h.open(h.cluster()).blobStore()));

    it('locks: what another JobManager uses is not removed until it lets go', async () => {
      const conf = h.cluster();
      const jobId = newJobId();
      const a = h.open(conf);
      const b = h.open(conf);
      await a.jobGraphStore().putJobGraph(jobId, Buffer.from('g'));
      const aCheckpoints = await a.createCompletedCheckpointStore(jobId, 1);
      await aCheckpoints.addCheckpoint({ checkpointId: 7, metadataPath: 'file:///cp/chk-7/_metadata', timestamp: 7 });
      const bCheckpoints = await b.createCompletedCheckpointStore(jobId, 1);
      assert.equal(await b.jobGraphStore().removeJobGraph(jobId), false);
      assert.deepEqual(await b.jobGraphStore().getJobIds(), [jobId]);
      assert.deepEqual(await bCheckpoints.shutdown(true), []);
      await assert.rejects(b.cleanupJobData(jobId), { code: 'HA_DATA_LOCKED', message: /job graph.*checkpoint 7/ });
      await a.close(); // its ephemeral locks go with its session
      assert.equal(await b.jobGraphStore().removeJobGraph(jobId), true);
      assert.deepEqual((await bCheckpoints.shutdown(true)).map((c) => c.checkpointId), [7]);
    });

    it('cleanupJobData removes everything of the job: graph (and its file), checkpoints, counter, leader node, blobs', async () => {
      const conf = h.cluster();
      const jobId = newJobId();
      const keep = newJobId();
      const ha = h.open(conf);
      await ha.jobGraphStore().putJobGraph(jobId, Buffer.from('g'));
      await ha.jobGraphStore().putJobGraph(keep, Buffer.from('other job'));
      await (await ha.createCompletedCheckpointStore(jobId, 1)).addCheckpoint({ checkpointId: 1, metadataPath: 'file:///m', timestamp: 1 });
      await (await ha.createCheckpointIdCounter(jobId)).getAndIncrement();
      await ha.client.ensurePath(`/leader/${jobId}`);
      await ha.blobStore().put(jobId, 'bundle', Buffer.from('b'));
      assert.equal((await readdir(ha.clusterDir.replace(/^file:\/\//, ''))).filter((f) => f.startsWith('submittedJobGraph')).length, 2);
      await ha.cleanupJobData(jobId);
      for (const path of [`/jobgraphs/${jobId}`, `/jobs/${jobId}`, `/leader/${jobId}`]) assert.equal(await ha.client.exists(path), undefined, path);
      assert.equal(await ha.blobStore().get(jobId, 'bundle'), undefined);
      assert.deepEqual(await ha.jobGraphStore().getJobIds(), [keep]);
      assert.equal((await readdir(ha.clusterDir.replace(/^file:\/\//, ''))).filter((f) => f.startsWith('submittedJobGraph')).length, 1);
    });

    it('ACL creator: nodes are written with the credentials, and a session without them cannot read them', async () => {
      const conf = h.cluster({
        'high-availability.zookeeper.client.acl': 'creator',
        'high-availability.zookeeper.client.authorization': 'digest:flink:secret',
      });
      const ha = h.open(conf);
      const jobId = newJobId();
      await ha.jobGraphStore().putJobGraph(jobId, Buffer.from('g'));
      assert.deepEqual(await ha.jobGraphStore().getJobIds(), [jobId]);
      const stranger = zookeeper.createClient(h.zk().quorum, { sessionTimeout: 5000 });
      try {
        await new Promise<void>((resolve) => {
          stranger.once('connected', () => resolve());
          stranger.connect();
        });
        const err = await new Promise<unknown>((resolve) => stranger.getData(`${ha.client.namespace}/jobgraphs/${jobId}`, (e) => resolve(e)));
        assert.equal((err as { name?: string } | null)?.name, 'NO_AUTH');
      } finally {
        stranger.close();
      }
    });
  });
});

describe('ZooKeeper HA services on a 3-server ensemble', function () {
  this.timeout(180_000);
  const h = harness();
  h.setUp(() => ZooKeeperServer.ensembleOfThree());

  it('keep leadership and working stores when the ZooKeeper leader is killed', async () => {
    const conf = h.cluster();
    const a = await ContenderProcess.start('jm-a:6123', conf);
    const id = await waitFor('a to lead', 60_000, () => a.leaderSessionId);
    const ha = h.open(conf);
    const jobId = newJobId();
    await ha.jobGraphStore().putJobGraph(jobId, Buffer.from('before'));
    const counter = await ha.createCheckpointIdCounter(jobId);
    assert.equal(await counter.getAndIncrement(), 1);
    const leaderIndex = await waitFor('the ZooKeeper leader', 30_000, () => h.zk().leaderIndex());
    const reconnectsBefore = a.count('state', { state: 'RECONNECTED' });
    process.kill(await h.zk().pidOf(leaderIndex), 'SIGKILL');
    // Every server drops its clients while the remaining two elect a new leader; the clients then reconnect.
    await waitFor('a to reconnect', 60_000, () => (a.count('state', { state: 'RECONNECTED' }) > reconnectsBefore ? true : undefined));
    assert.equal(a.count('revoked'), 0, JSON.stringify(a.events));
    assert.equal(a.leaderSessionId, id);
    await ha.jobGraphStore().putJobGraph(jobId, Buffer.from('after'));
    assert.equal(Buffer.from((await ha.jobGraphStore().recoverJobGraph(jobId)) ?? []).toString(), 'after');
    assert.equal(await counter.getAndIncrement(), 2);
    const r = await h.follow(h.open(conf));
    assert.equal((await waitForRetrievalOf(r, a)).leaderSessionId, id);
  });
});
