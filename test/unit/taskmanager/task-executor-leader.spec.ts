/**
 * How a TaskExecutor follows the JobManager leader: it registers at the resource manager the leader retrieval
 * names, with that leader's session id; a new leader (another address or another session) ends the old
 * connection and the TaskExecutor registers anew, in the same process; without a leader it waits, bounded by
 * taskmanager.registration.timeout. The resource managers are small RPC servers on 127.0.0.1 that refuse a
 * registration for another session (NOT_LEADER), as the real one does; the retrieval is driven by the test.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Configuration } from '../../../src/config/index.js';
import { createTaskExecutor, type TaskExecutor } from '../../../src/taskmanager/index.js';
import { parseJobManagerAddress } from '../../../src/taskmanager/leader-registration.js';
import { FlinkError } from '../../../src/util/errors.js';
import { setLogSink } from '../../../src/util/logger.js';
import { waitFor } from '../../support/processes.js';
import { TestingLeaderRetrieval } from '../../support/testing-leader-retrieval.js';
import { TestingResourceManager } from '../../support/testing-resource-manager.js';

describe('TaskExecutor: following the JobManager leader', function () {
  this.timeout(30_000);
  const logLines: string[] = [];
  const resourceManagers: TestingResourceManager[] = [];
  const executors: TaskExecutor[] = [];

  beforeEach(() => {
    logLines.length = 0;
    setLogSink((line) => void logLines.push(line));
  });

  afterEach(async () => {
    for (const te of executors.splice(0)) await te.close();
    for (const rm of resourceManagers.splice(0)) await rm.close();
    setLogSink(undefined);
  });

  async function resourceManager(sessionId = randomUUID()): Promise<TestingResourceManager> {
    const rm = await new TestingResourceManager(sessionId).start();
    resourceManagers.push(rm);
    return rm;
  }

  function taskExecutor(retrieval: TestingLeaderRetrieval, o: { registrationTimeoutMs?: number; haServices?: { start(): Promise<void>; close(): Promise<void> } } = {}): TaskExecutor {
    const te = createTaskExecutor(Configuration.fromMap({ 'taskmanager.numberOfTaskSlots': '1' }), {
      jobManagerLeaderRetrieval: retrieval,
      leaderLookup: 'ZooKeeper 127.0.0.1:1 (high-availability.zookeeper.quorum), cluster-id /unit',
      host: '127.0.0.1',
      slotHeap: undefined,
      registrationTimeoutMs: o.registrationTimeoutMs ?? 20_000,
      ...(o.haServices ? { haServices: o.haServices } : {}),
    });
    executors.push(te);
    return te;
  }

  const logged = (pattern: RegExp): boolean => logLines.some((l) => pattern.test(l));

  it('registers at the leader the retrieval names, carrying its leader session id', async () => {
    const rm = await resourceManager();
    const te = taskExecutor(new TestingLeaderRetrieval(rm.leader));
    await te.start();
    assert.equal(rm.registrations.length, 1);
    assert.equal(rm.registrations[0]?.tmId, te.tmId);
    assert.equal(rm.registrations[0]?.leaderSessionId, rm.sessionId);
    assert.ok(logged(new RegExp(`Successful registration at resource manager ${rm.address} under registration id ${rm.sessionId}`)));
  });

  it('a new leader at another address: the old connection ends (its tasks are cancelled, the log says) and it registers there, same process', async () => {
    const [a, b] = [await resourceManager(), await resourceManager()];
    const retrieval = new TestingLeaderRetrieval(a.leader);
    const te = taskExecutor(retrieval);
    await te.start();
    retrieval.announce(b.leader);
    await waitFor('registration at the new leader', 10_000, () => (b.registrations.length === 1 ? true : undefined));
    assert.equal(b.registrations[0]?.tmId, te.tmId);
    assert.equal(b.registrations[0]?.leaderSessionId, b.sessionId);
    // The old leader hears that the TaskManager left on purpose, and its connection closes.
    await waitFor('the old connection to close', 10_000, () => (a.connectionsClosed === 1 ? true : undefined));
    assert.deepEqual(a.disconnects, [te.tmId]);
    assert.equal(a.registrations.length, 1);
    assert.ok(logged(/JobManager lost: the leader changed to 127\.0\.0\.1:\d+\. Cancelling all tasks and reconnecting\./));
  });

  it('the same address under a new leader session id counts as a new leader: it registers again with the new id', async () => {
    const rm = await resourceManager();
    const retrieval = new TestingLeaderRetrieval(rm.leader);
    const te = taskExecutor(retrieval);
    await te.start();
    rm.sessionId = randomUUID();
    retrieval.announce(rm.leader);
    await waitFor('registration under the new session', 10_000, () => (rm.registrations.length === 2 ? true : undefined));
    assert.equal(rm.registrations[1]?.leaderSessionId, rm.sessionId);
    assert.equal(rm.registrations[1]?.tmId, te.tmId);
  });

  it('"no leader known" keeps the connection; the same leader named again changes nothing', async () => {
    const rm = await resourceManager();
    const retrieval = new TestingLeaderRetrieval(rm.leader);
    const te = taskExecutor(retrieval);
    await te.start();
    retrieval.announce(undefined);
    retrieval.announce(rm.leader);
    // Nothing to wait for: a change would be synchronous up to the connection's close, which a second leader would show.
    const other = await resourceManager();
    retrieval.announce(other.leader);
    await waitFor('registration at the other leader', 10_000, () => (other.registrations.length === 1 ? true : undefined));
    assert.equal(rm.registrations.length, 1, 'registered once at the first leader');
    assert.deepEqual(rm.disconnects, [te.tmId], 'left the first leader only for the other one');
    assert.equal(logLines.filter((l) => l.includes('JobManager lost')).length, 1);
  });

  it('waits while no leader is known and registers once one is named', async () => {
    const rm = await resourceManager();
    const retrieval = new TestingLeaderRetrieval(undefined);
    const te = taskExecutor(retrieval);
    let started = false;
    const starting = te.start().then(() => (started = true));
    await waitFor('the waiting line', 10_000, () => (logged(/No JobManager leader known yet; waiting for one in ZooKeeper 127\.0\.0\.1:1/) ? true : undefined));
    assert.equal(started, false);
    retrieval.announce(rm.leader);
    await starting;
    assert.equal(rm.registrations.length, 1);
  });

  it('closed while it waits for a leader: the start ends without registering, and nothing is left waiting', async () => {
    const rm = await resourceManager();
    const retrieval = new TestingLeaderRetrieval(undefined);
    const te = taskExecutor(retrieval);
    const starting = te.start();
    await waitFor('the waiting line', 10_000, () => (logged(/No JobManager leader known yet/) ? true : undefined));
    await te.close();
    await starting;
    retrieval.announce(rm.leader);
    assert.equal(rm.registrations.length + rm.refused.length, 0);
    assert.equal(retrieval.closed, true);
  });

  it('a resource manager that refuses the session (NOT_LEADER) is retried until the retrieval names the right session', async () => {
    const rm = await resourceManager();
    const retrieval = new TestingLeaderRetrieval({ address: rm.address, leaderSessionId: randomUUID() });
    const te = taskExecutor(retrieval);
    const starting = te.start();
    await waitFor('a refused registration', 10_000, () => (rm.refused.length > 0 ? true : undefined));
    retrieval.announce(rm.leader);
    await starting;
    assert.equal(rm.registrations.length, 1);
    assert.equal(rm.registrations[0]?.leaderSessionId, rm.sessionId);
  });

  it('no leader within taskmanager.registration.timeout: one message naming ZooKeeper, the quorum key and the cluster id', async () => {
    const te = taskExecutor(new TestingLeaderRetrieval(undefined), { registrationTimeoutMs: 300 });
    await assert.rejects(te.start(), (err: FlinkError) => {
      assert.equal(err.code, 'REGISTRATION_TIMEOUT');
      assert.match(err.message, /^No JobManager leader was found in ZooKeeper 127\.0\.0\.1:1 \(high-availability\.zookeeper\.quorum\), cluster-id \/unit within 300 ms \(taskmanager\.registration\.timeout\)\./);
      assert.match(err.message, /high-availability\.cluster-id/);
      return true;
    });
  });

  it('a leader that never accepts: the message names its address and where it was found', async () => {
    const rm = await resourceManager();
    await rm.close();
    const te = taskExecutor(new TestingLeaderRetrieval(rm.leader), { registrationTimeoutMs: 500 });
    await assert.rejects(te.start(), (err: FlinkError) => {
      assert.equal(err.code, 'REGISTRATION_TIMEOUT');
      assert.match(err.message, new RegExp(`^Could not register at the JobManager leader ${rm.address} \\(found in ZooKeeper 127\\.0\\.0\\.1:1 `));
      return true;
    });
  });

  it('starts its HA services first and closes them, and the retrieval, on close', async () => {
    const rm = await resourceManager();
    const calls: string[] = [];
    const retrieval = new TestingLeaderRetrieval(rm.leader);
    const te = taskExecutor(retrieval, {
      haServices: {
        start: async () => void calls.push(`start (retrieval started: ${retrieval.started})`),
        close: async () => void calls.push(`close (retrieval closed: ${retrieval.closed})`),
      },
    });
    await te.start();
    await te.close();
    await te.close();
    assert.deepEqual(calls, ['start (retrieval started: false)', 'close (retrieval closed: true)']);
  });

  it('leader addresses: host:port and [v6]:port; anything else is refused with a clear message', () => {
    assert.deepEqual(parseJobManagerAddress('jm-1.example.com:6123'), { host: 'jm-1.example.com', port: 6123 });
    assert.deepEqual(parseJobManagerAddress('[::1]:6123'), { host: '::1', port: 6123 });
    assert.throws(() => parseJobManagerAddress('http://jm:8081/x'), /The JobManager leader's address 'http:\/\/jm:8081\/x' is not host:port\./);
    assert.throws(() => parseJobManagerAddress('jm'), /is not host:port/);
  });
});
