/**
 * What only the disk backend has: its key encoding, its files (where they live, that close() removes them),
 * its write buffer (commits in batches, reads see buffered writes), copies instead of shared objects, and the
 * limit LMDB puts on key size.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListStateDescriptor, MapStateDescriptor, ValueStateDescriptor, type ListState, type MapState, type ValueState } from '../../../../src/api/state.js';
import { EmbeddedLmdbStateBackend, StateKeyTooLargeError } from '../../../../src/runtime/state/lmdb/index.js';
import { KeyBuilder, KeyReader, RESTORED_AREA, prefixEnd } from '../../../../src/runtime/state/lmdb/key-layout.js';
import type { LmdbStore } from '../../../../src/runtime/state/lmdb/lmdb-store.js';
import { assignToKeyGroup } from '../../../../src/runtime/codec/index.js';
import { decodeKeyGroup, encodeKeyGroup, type KeyedStateBackend, type KeyedStateEntry } from '../../../../src/runtime/state/index.js';

describe('embedded-lmdb internals', () => {
  let dir: string;
  const open: KeyedStateBackend[] = [];
  function keyed(o: { maxBufferedEntries?: number; localDirectory?: string } = {}): KeyedStateBackend {
    const b = new EmbeddedLmdbStateBackend(o.maxBufferedEntries === undefined ? {} : { maxBufferedEntries: o.maxBufferedEntries }).createKeyedStateBackend({
      operatorName: 'Count Words',
      maxParallelism: 128,
      keyGroupRange: { start: 0, end: 127 },
      now: () => 0,
      localDirectory: o.localDirectory ?? dir,
    });
    open.push(b);
    return b;
  }
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lmdb-internals-'));
  });
  afterEach(async () => {
    for (const b of open.splice(0)) b.close();
    await rm(dir, { recursive: true, force: true });
  });

  describe('key encoding', () => {
    it('every primitive a key or namespace can be reads back as itself, and the encoding is self-delimiting', () => {
      const values: unknown[] = ['', 'a', 'ä', 'x'.repeat(300), '日本', '\ud800', 'K:[1]', 0, -0, 1, -1.5, 2 ** 53, -Infinity, Infinity, NaN, 10n, -(2n ** 70n), true, false, null, undefined];
      const kb = new KeyBuilder().u16(7);
      for (const v of values) kb.primitive(v);
      const r = new KeyReader().at(kb.copy(), 0);
      assert.equal(r.u16(), 7);
      for (const v of values) {
        const back = r.primitive();
        if (typeof v === 'number' && Number.isNaN(v)) assert.ok(Number.isNaN(back));
        else assert.equal(back, Object.is(v, -0) ? 0 : v, `round trip of ${String(v)}`);
      }
      assert.equal(r.pos, kb.pos, 'every byte was read');
    });

    it('numbers sort by value, and -0 is the same key as 0', () => {
      const nums = [-Infinity, -1e300, -2, -1.5, -1, 0, 1e-300, 1, 1.5, 2, 1e300, Infinity];
      const keys = nums.map((n) => new KeyBuilder().primitive(n).copy());
      for (let i = 1; i < keys.length; i++) assert.ok(Buffer.compare(keys[i - 1]!, keys[i]!) < 0, `${nums[i - 1]} < ${nums[i]}`);
      assert.deepEqual(new KeyBuilder().primitive(-0).copy(), new KeyBuilder().primitive(0).copy());
    });
  });

  it('keeps its environment in a directory of its own under the local directory; close() removes it', () => {
    const b = keyed();
    const v = b.getPartitionedState<ValueState<string>>(new ValueStateDescriptor('v'));
    b.setCurrentKey('a');
    v.update('x');
    b.snapshot(1).release(); // commits
    const envs = readdirSync(dir);
    assert.equal(envs.length, 1);
    assert.match(envs[0]!, /^flink-ts-lmdb-Count_Words-/);
    assert.ok(existsSync(join(dir, envs[0]!, 'data.mdb')));
    b.close();
    b.close();
    assert.deepEqual(readdirSync(dir), []);
  });

  it('writes are committed in batches, and reads see writes that are not committed yet', () => {
    const b = keyed({ maxBufferedEntries: 100 });
    const v = b.getPartitionedState<ValueState<number>>(new ValueStateDescriptor('v'));
    const store = (b as unknown as { store: { commits: number } }).store;
    for (let i = 0; i < 250; i++) {
      b.setCurrentKey(i);
      v.update(i);
    }
    assert.equal(store.commits, 2, '250 writes of distinct keys: two full buffers committed, 50 buffered');
    for (let i = 0; i < 250; i++) {
      b.setCurrentKey(i);
      assert.equal(v.value(), i);
    }
    for (let i = 0; i < 1000; i++) {
      b.setCurrentKey('hot');
      v.update(i);
    }
    assert.equal(store.commits, 2, 'a thousand rewrites of one key take one buffer entry: no commit');
  });

  it('values are copies: changing a value read from state changes the state only through update()', () => {
    const b = keyed();
    const v = b.getPartitionedState<ValueState<{ n: number }>>(new ValueStateDescriptor('v'));
    b.setCurrentKey('a');
    v.update({ n: 1 });
    const read = v.value() as { n: number };
    read.n = 2;
    assert.deepEqual(v.value(), { n: 1 });
    v.update(read);
    assert.deepEqual(v.value(), { n: 2 });
  });

  it('lists and maps stay right across commits, clears and re-adds', () => {
    const b = keyed({ maxBufferedEntries: 2 });
    const l = b.getPartitionedState<ListState<number>>(new ListStateDescriptor('l'));
    const m = b.getPartitionedState<MapState<string, number>>(new MapStateDescriptor('m'));
    b.setCurrentKey('k');
    for (let i = 0; i < 10; i++) l.add(i);
    l.clear();
    l.add(100);
    l.addAll([101, 102]);
    assert.deepEqual([...l.get()], [100, 101, 102]);
    for (let i = 0; i < 10; i++) m.put(`e${i}`, i);
    m.remove('e3');
    m.clear();
    m.put('after', 1);
    assert.deepEqual([...m.entries()], [['after', 1]]);
    assert.equal(b.numKeys(), 1);
  });

  it('a key LMDB cannot hold is refused with a message that says what to do; shorter keys go on working', () => {
    const b = keyed();
    const v = b.getPartitionedState<ValueState<number>>(new ValueStateDescriptor('v'));
    b.setCurrentKey('k'.repeat(3000));
    assert.throws(
      () => v.update(1),
      (e: unknown) => e instanceof StateKeyTooLargeError && e.code === 'STATE_KEY_TOO_LARGE' && /Count Words/.test(e.message) && /at most 1978 bytes/.test(e.message) && /shorter keys/.test(e.message),
    );
    const m = b.getPartitionedState<MapState<string, number>>(new MapStateDescriptor('m'));
    b.setCurrentKey('short');
    assert.throws(() => m.put('m'.repeat(3000), 1), StateKeyTooLargeError);
    v.update(2);
    assert.equal(v.value(), 2);
  });

  it('without a local directory, the environment goes to the system temp directory and is removed on close()', () => {
    const b = new EmbeddedLmdbStateBackend().createKeyedStateBackend({ operatorName: 'No Dir', maxParallelism: 128, keyGroupRange: { start: 0, end: 127 }, now: () => 0 });
    const where = (b as unknown as { store: { directory: string } }).store.directory;
    assert.ok(where.startsWith(join(tmpdir(), 'flink-ts-lmdb-No_Dir-')), where);
    assert.ok(existsSync(where));
    b.close();
    assert.ok(!existsSync(where));
  });

  it('restored state larger than a claim batch reaches its states in several commits and leaves nothing behind', () => {
    const b = keyed();
    const store = (b as unknown as { store: LmdbStore }).store;
    // 3000 keys of 2 KiB values (6 MiB): more than one claim batch by entries and by bytes.
    const groups = new Map<number, KeyedStateEntry[]>();
    const big = 'x'.repeat(2048);
    for (let i = 0; i < 3000; i++) {
      const key = `user-${i}`;
      const kg = assignToKeyGroup(key, 128);
      const list = groups.get(kg) ?? [];
      list.push(['v', '', key, `${i}:${big}`], ['l', '', key, [i, i + 1]], ['m', 7, key, new Map([['a', [i, i, 0]]])]);
      groups.set(kg, list);
    }
    for (const [kg, entries] of groups) b.restoreKeyGroup(kg, encodeKeyGroup(entries));
    const restoredArea = (): number => {
      const prefix = new KeyBuilder().u16(RESTORED_AREA).copy();
      return [...store.keys(prefix, prefixEnd(prefix))].length;
    };
    store.flush();
    assert.equal(restoredArea(), 9000, 'kept on disk until the states are created');
    const commitsBefore = store.commits;
    const v = b.getPartitionedState<ValueState<string>>(new ValueStateDescriptor('v'));
    assert.ok(store.commits - commitsBefore >= 3, `claimed in ${store.commits - commitsBefore} commits`);
    const l = b.getPartitionedState<ListState<number>>(new ListStateDescriptor('l'));
    const m = b.getPartitionedState<MapState<string, number>>(new MapStateDescriptor('m'));
    store.flush();
    assert.equal(restoredArea(), 0, 'every claimed entry left the restored area');
    for (const i of [0, 1234, 2999]) {
      b.setCurrentKey(`user-${i}`);
      assert.equal(v.value(), `${i}:${big}`);
      assert.deepEqual([...l.get()], [i, i + 1]);
      m.setCurrentNamespace(7);
      assert.equal(m.get('a'), i);
    }
    assert.equal(b.numKeys(), 3000);
  });

  it('a snapshot ends its read transaction once it has copied the state, before converting it; writes meanwhile stay out of it', async () => {
    // One key group of 30,000 keys, lists among them.
    const b = new EmbeddedLmdbStateBackend().createKeyedStateBackend({ operatorName: 'One Group', maxParallelism: 1, keyGroupRange: { start: 0, end: 0 }, now: () => 0, localDirectory: dir });
    open.push(b);
    const v = b.getPartitionedState<ValueState<number>>(new ValueStateDescriptor('v'));
    const l = b.getPartitionedState<ListState<number>>(new ListStateDescriptor('l'));
    for (let i = 0; i < 30_000; i++) {
      b.setCurrentKey(`k${i}`);
      v.update(i);
      if (i % 100 === 0) l.addAll([i, i + 1]);
    }
    const store = (b as unknown as { store: { snapshots: Set<unknown> } }).store;
    const snapshot = b.snapshot(1);
    assert.equal(store.snapshots.size, 1, 'the barrier opened a read transaction');
    // The task goes on writing while the snapshot is copied and converted.
    let writing = true;
    let writes = 0;
    const task = (async () => {
      while (writing) {
        b.setCurrentKey(`k${writes % 30_000}`);
        v.update(-1);
        l.add(-1);
        writes++;
        if (writes % 50 === 0) await new Promise<void>((r) => setImmediate(r));
      }
    })();
    const groups: KeyedStateEntry[][] = [];
    try {
      for await (const [, bytes] of snapshot.keyGroups()) {
        assert.equal(store.snapshots.size, 0, 'no read transaction while key groups are converted');
        groups.push(decodeKeyGroup(bytes));
      }
    } finally {
      writing = false;
      await task;
      snapshot.release();
    }
    assert.ok(writes > 0, 'the task wrote while the snapshot was taken');
    const entries = groups.flat();
    assert.equal(entries.filter((e) => e[0] === 'v').length, 30_000);
    assert.ok(entries.every((e) => e[0] !== 'v' || e[3] !== -1), 'no value written after the barrier');
    const lists = entries.filter((e) => e[0] === 'l');
    assert.equal(lists.length, 300);
    assert.ok(lists.every((e) => (e[3] as number[]).length === 2), 'no list element added after the barrier');
    const env = readdirSync(dir).find((d) => d.startsWith('flink-ts-lmdb-One_Group-')) as string;
    assert.deepEqual(readdirSync(join(dir, env)).filter((f) => f.endsWith('.spill')), [], 'the spill file is gone');
  });
});
