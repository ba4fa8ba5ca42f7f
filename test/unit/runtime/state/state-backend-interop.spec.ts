/**
 * Checkpoints move between the state backends: both write and read the same canonical key-group format, so a
 * snapshot of the heap backend restores into embedded-lmdb (here at another parallelism) and back.
 */
import assert from 'node:assert/strict';
import { HashMapStateBackend, encodeKeyGroup, keyGroupRangeForSubtask, type KeyedStateBackend, type KeyedStateEntry, type StateBackend } from '../../../../src/runtime/state/index.js';
import { EmbeddedLmdbStateBackend } from '../../../../src/runtime/state/lmdb/index.js';
import { KEYS, MAX_PARALLELISM, TestingParticipant, canonical, check, fill, readSnapshot } from './snapshot-contract.js';

describe('state backends: snapshots move between hashmap and embedded-lmdb', () => {
  const open: KeyedStateBackend[] = [];
  function keyed(backend: StateBackend, parallelism = 1, subtask = 0): KeyedStateBackend {
    const b = backend.createKeyedStateBackend({
      operatorName: 'Op',
      maxParallelism: MAX_PARALLELISM,
      keyGroupRange: keyGroupRangeForSubtask(MAX_PARALLELISM, parallelism, subtask),
      now: () => 1_000,
    });
    open.push(b);
    return b;
  }
  function restore(b: KeyedStateBackend, groups: Map<number, KeyedStateEntry[]>): void {
    for (const [kg, entries] of groups) b.restoreKeyGroup(kg, encodeKeyGroup(entries));
  }
  afterEach(() => {
    for (const b of open.splice(0)) b.close();
  });

  it('heap → embedded-lmdb at parallelism 3 → heap at parallelism 1: the same state, key group by key group', async () => {
    const heap = keyed(new HashMapStateBackend());
    fill(heap);
    const timers = new TestingParticipant('_timers');
    heap.registerParticipant(timers);
    for (const k of KEYS.slice(0, 10)) timers.restore(0, typeof k === 'object' ? `K:${JSON.stringify(k)}` : k, 42);
    const original = await readSnapshot(heap.snapshot(1));

    const lmdb = [0, 1, 2].map((i) => keyed(new EmbeddedLmdbStateBackend(), 3, i));
    for (const b of lmdb) restore(b, original);
    for (const b of lmdb) check(b);
    const lmdbTimers = lmdb.map((b) => {
      const p = new TestingParticipant('_timers');
      b.registerParticipant(p);
      return p;
    });
    assert.equal(lmdbTimers.reduce((n, p) => n + p.entriesByKey.size, 0), 10, 'each timer went to the subtask of its key group');

    const back = keyed(new HashMapStateBackend());
    for (const b of lmdb) restore(back, await readSnapshot(b.snapshot(2)));
    check(back);
    const backTimers = new TestingParticipant('_timers');
    back.registerParticipant(backTimers);
    assert.equal(backTimers.entriesByKey.size, 10);
    assert.deepEqual(canonical(await readSnapshot(back.snapshot(3))), canonical(original));
  });

  it('embedded-lmdb → heap: a snapshot of the disk backend restores into the heap backend', async () => {
    const lmdb = keyed(new EmbeddedLmdbStateBackend());
    fill(lmdb);
    const snapshot = await readSnapshot(lmdb.snapshot(1));
    const heap = keyed(new HashMapStateBackend());
    restore(heap, snapshot);
    check(heap);
    assert.deepEqual(canonical(await readSnapshot(heap.snapshot(2))), canonical(snapshot));
  });
});
