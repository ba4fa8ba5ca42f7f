/** awaitLeader: the bounded wait for the first leader a retrieval names (bin/flink's lookup of the REST leader). */
import assert from 'node:assert/strict';
import { awaitLeader, type LeaderInformation, type LeaderRetrieval } from '../../../src/ha/index.js';
import { TestingLeaderRetrieval } from '../../support/testing-leader-retrieval.js';

const leader: LeaderInformation = { address: 'http://127.0.0.1:8081', leaderSessionId: '7a2f9c1e-0000-4000-8000-000000000001' };

describe('awaitLeader', () => {
  it('resolves with the leader known at start', async () => {
    assert.deepEqual(await awaitLeader(new TestingLeaderRetrieval(leader), 1_000), leader);
  });

  it('waits through "no leader" for the first leader named', async () => {
    const retrieval = new TestingLeaderRetrieval(undefined);
    const waiting = awaitLeader(retrieval, 10_000);
    retrieval.announce(undefined);
    retrieval.announce(leader);
    assert.deepEqual(await waiting, leader);
  });

  it('resolves with undefined when no leader is named in time, or when aborted', async () => {
    assert.equal(await awaitLeader(new TestingLeaderRetrieval(undefined), 50), undefined);
    const abort = new AbortController();
    const waiting = awaitLeader(new TestingLeaderRetrieval(undefined), 10_000, abort.signal);
    abort.abort();
    assert.equal(await waiting, undefined);
  });

  it('rejects with the error of a retrieval that cannot start (ZooKeeper unreachable)', async () => {
    const failing: LeaderRetrieval = {
      start: () => Promise.reject(new Error('Could not connect to ZooKeeper')),
      close: async () => {},
    };
    await assert.rejects(awaitLeader(failing, 10_000), /Could not connect to ZooKeeper/);
  });
});
