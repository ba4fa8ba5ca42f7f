/**
 * Snapshots and restores, part of the StateBackend contract: call `snapshotContract(name, create)` for each
 * implementation (next to `stateBackendContract`). Shared helpers fill a backend with every kind of state and
 * compare snapshots in a form where the order of map entries does not matter.
 */
import assert from 'node:assert/strict';
import {
  AggregatingStateDescriptor,
  ListStateDescriptor,
  MapStateDescriptor,
  ReducingStateDescriptor,
  StateTtlConfig,
  ValueStateDescriptor,
  type AggregatingState,
  type ListState,
  type MapState,
  type ReducingState,
  type ValueState,
} from '../../../../src/api/state.js';
import { assignToKeyGroup } from '../../../../src/runtime/codec/index.js';
import {
  decodeKeyGroup,
  encodeKeyGroup,
  keyGroupRangeForSubtask,
  type KeyGroupRange,
  type KeyedBackendSnapshot,
  type KeyedSnapshotParticipant,
  type KeyedStateBackend,
  type KeyedStateEntry,
  type StateBackend,
} from '../../../../src/runtime/state/index.js';

export const MAX_PARALLELISM = 128;
const ALL: KeyGroupRange = { start: 0, end: MAX_PARALLELISM - 1 };

const average = {
  createAccumulator: (): [number, number] => [0, 0],
  add: (v: number, a: [number, number]): [number, number] => [a[0] + v, a[1] + 1],
  getResult: (a: [number, number]): number => a[0] / a[1],
  merge: (a: [number, number], b: [number, number]): [number, number] => [a[0] + b[0], a[1] + b[1]],
};

/** Every kind of state, one TTL'd; new descriptors each time, as a restarted operator would create them. */
export function descriptors() {
  const t = new ValueStateDescriptor<string>('ttl');
  t.enableTimeToLive(StateTtlConfig.newBuilder(100).build());
  return {
    v: new ValueStateDescriptor<number>('value'),
    l: new ListStateDescriptor<string>('list'),
    m: new MapStateDescriptor<unknown, string>('map'),
    r: new ReducingStateDescriptor<number>('sum', (a: number, b: number) => a + b),
    a: new AggregatingStateDescriptor('avg', average),
    t,
  };
}

/** Keys of several types (strings, numbers, composite keys). */
export const KEYS: unknown[] = Array.from({ length: 150 }, (_, i) => (i % 3 === 0 ? `user-${i}` : i % 3 === 1 ? i : [i, 'x']));

export function owns(range: KeyGroupRange, key: unknown): boolean {
  const g = assignToKeyGroup(key, MAX_PARALLELISM);
  return g >= range.start && g <= range.end;
}

/** Writes every kind of state for every key the backend owns, in the void namespace and in namespace 7. */
export function fill(b: KeyedStateBackend, keys: unknown[] = KEYS): void {
  const d = descriptors();
  const v = b.getPartitionedState<ValueState<number>>(d.v);
  const l = b.getPartitionedState<ListState<string>>(d.l);
  const m = b.getPartitionedState<MapState<unknown, string>>(d.m);
  const r = b.getPartitionedState<ReducingState<number>>(d.r);
  const a = b.getPartitionedState<AggregatingState<number, number>>(d.a);
  const t = b.getPartitionedState<ValueState<string>>(d.t);
  for (const k of keys) {
    if (!owns(b.keyGroupRange, k)) continue;
    b.setCurrentKey(k);
    v.update(JSON.stringify(k).length);
    l.addAll([`${JSON.stringify(k)}-1`, `${JSON.stringify(k)}-2`]);
    l.setCurrentNamespace(7);
    l.add('in-7');
    l.setCurrentNamespace('');
    m.put([k, 1], 'composite');
    m.put('plain', JSON.stringify(k));
    r.setCurrentNamespace(7);
    r.add(1);
    r.add(2);
    r.setCurrentNamespace('');
    a.add(4);
    a.add(8);
    t.update('fresh');
  }
}

/** Checks what {@link fill} wrote, for the keys the backend owns. */
export function check(b: KeyedStateBackend, keys: unknown[] = KEYS): void {
  const d = descriptors();
  const v = b.getPartitionedState<ValueState<number>>(d.v);
  const l = b.getPartitionedState<ListState<string>>(d.l);
  const m = b.getPartitionedState<MapState<unknown, string>>(d.m);
  const r = b.getPartitionedState<ReducingState<number>>(d.r);
  const a = b.getPartitionedState<AggregatingState<number, number>>(d.a);
  const t = b.getPartitionedState<ValueState<string>>(d.t);
  for (const k of keys) {
    if (!owns(b.keyGroupRange, k)) continue;
    b.setCurrentKey(k);
    const s = JSON.stringify(k);
    assert.equal(v.value(), s.length, `value of ${s}`);
    assert.deepEqual([...l.get()], [`${s}-1`, `${s}-2`], `list of ${s}`);
    l.setCurrentNamespace(7);
    assert.deepEqual([...l.get()], ['in-7'], `list of ${s} in namespace 7`);
    l.setCurrentNamespace('');
    assert.equal(m.get([k, 1]), 'composite');
    assert.equal(m.get('plain'), s);
    assert.equal([...m.keys()].length, 2);
    assert.equal(r.get(), null, 'the sum is in namespace 7 only');
    r.setCurrentNamespace(7);
    assert.equal(r.get(), 3);
    r.setCurrentNamespace('');
    assert.equal(a.get(), 6);
    assert.equal(t.value(), 'fresh');
  }
}

/** A snapshot's key groups, decoded; releases it. */
export async function readSnapshot(s: KeyedBackendSnapshot): Promise<Map<number, KeyedStateEntry[]>> {
  const out = new Map<number, KeyedStateEntry[]>();
  try {
    let last = -1;
    for await (const [kg, bytes] of s.keyGroups()) {
      assert.ok(kg > last, 'key groups come in ascending order');
      last = kg;
      out.set(kg, decodeKeyGroup(bytes));
    }
  } finally {
    s.release();
  }
  return out;
}

/** Entries in a form that compares equal whatever the order of entries and of map contents. */
export function canonical(groups: Map<number, KeyedStateEntry[]>): Array<[number, string[]]> {
  const text = (v: unknown): string =>
    JSON.stringify(v, (_k, x: unknown) => {
      if (x instanceof Map) return { map: [...x].map((e) => JSON.stringify(e)).sort() };
      if (typeof x === 'bigint') return `${x}n`;
      return x;
    });
  return [...groups].sort((a, b) => a[0] - b[0]).map(([kg, entries]) => [kg, entries.map(text).sort()]);
}

/** A participant like the timer service: a map of entries on the heap. */
export class TestingParticipant implements KeyedSnapshotParticipant {
  readonly entriesByKey = new Map<string, [string | number, unknown, unknown]>();
  constructor(readonly name: string) {}
  entries(): Iterable<[string | number, unknown, unknown]> {
    return this.entriesByKey.values();
  }
  restore(namespace: string | number, mapKey: unknown, value: unknown): void {
    this.entriesByKey.set(JSON.stringify([namespace, mapKey]), [namespace, mapKey, value]);
  }
}

export function snapshotContract(implementation: string, create: () => StateBackend): void {
  describe(`StateBackend contract, snapshots: ${implementation}`, () => {
    let clock: { now: number };
    const open: KeyedStateBackend[] = [];

    function keyed(range: KeyGroupRange = ALL): KeyedStateBackend {
      const b = create().createKeyedStateBackend({ operatorName: 'Op', maxParallelism: MAX_PARALLELISM, keyGroupRange: range, now: () => clock.now });
      open.push(b);
      return b;
    }

    beforeEach(() => {
      clock = { now: 1_000 };
    });
    afterEach(() => {
      for (const b of open.splice(0)) b.close();
    });

    it('a snapshot restores every kind of state, namespace and TTL stamp into a new backend', async () => {
      const source = keyed();
      fill(source);
      const groups = await readSnapshot(source.snapshot(1));
      assert.ok(groups.size > 60, 'the keys spread over many key groups');
      const target = keyed();
      for (const [kg, entries] of groups) target.restoreKeyGroup(kg, encodeKeyGroup(entries));
      check(target);
      assert.equal(target.numKeys(), KEYS.length);
      assert.deepEqual(canonical(await readSnapshot(target.snapshot(2))), canonical(groups), 'the restored backend snapshots the same state');
      // The TTL stamp travelled with the value: it expires 100 ms after the original write, not after the restore.
      clock.now += 100;
      const t = target.getPartitionedState<ValueState<string>>(descriptors().t);
      target.setCurrentKey(KEYS[0]);
      assert.equal(t.value(), null);
    });

    it('restored at another parallelism, each backend keeps only the key groups of its range', async () => {
      const source = keyed();
      fill(source);
      const groups = await readSnapshot(source.snapshot(1));
      const halves = [0, 1].map((i) => keyed(keyGroupRangeForSubtask(MAX_PARALLELISM, 2, i)));
      for (const h of halves) for (const [kg, entries] of groups) h.restoreKeyGroup(kg, encodeKeyGroup(entries));
      for (const h of halves) check(h);
      const counts = halves.map((h) => h.numKeys());
      assert.equal(counts[0]! + counts[1]!, KEYS.length);
      assert.equal(counts[0], KEYS.filter((k) => owns(halves[0]!.keyGroupRange, k)).length);
      for (const h of halves) {
        const own = await readSnapshot(h.snapshot(2));
        for (const kg of own.keys()) assert.ok(kg >= h.keyGroupRange.start && kg <= h.keyGroupRange.end, `group ${kg} in ${JSON.stringify(h.keyGroupRange)}`);
      }
    });

    it('restored before the states exist: each state gets its entries when created, and unclaimed entries stay in later snapshots', async () => {
      const source = keyed();
      fill(source);
      const groups = await readSnapshot(source.snapshot(1));
      const target = keyed();
      for (const [kg, entries] of groups) target.restoreKeyGroup(kg, encodeKeyGroup(entries));
      // Only the value state is created before the next checkpoint.
      const v = target.getPartitionedState<ValueState<number>>(descriptors().v);
      target.setCurrentKey(KEYS[1]);
      assert.equal(v.value(), JSON.stringify(KEYS[1]).length);
      assert.deepEqual(canonical(await readSnapshot(target.snapshot(2))), canonical(groups));
      check(target);
    });

    it('participants: their entries join the snapshot at the barrier and go back to them when they register', async () => {
      const source = keyed();
      const timers = new TestingParticipant('_timers');
      source.registerParticipant(timers);
      for (const k of ['a', 'b', 'c']) timers.restore(5, k, { timestamp: 10, key: k });
      const snapshot = source.snapshot(1);
      timers.entriesByKey.clear(); // changes after the barrier are not in the snapshot
      const groups = await readSnapshot(snapshot);
      assert.equal([...groups.values()].flat().length, 3);
      const target = keyed();
      for (const [kg, entries] of groups) target.restoreKeyGroup(kg, encodeKeyGroup(entries));
      const restored = new TestingParticipant('_timers');
      target.registerParticipant(restored);
      assert.deepEqual([...restored.entries()].map((e) => e[1]).sort(), ['a', 'b', 'c']);
      assert.deepEqual(restored.entriesByKey.get(JSON.stringify([5, 'b']))?.[2], { timestamp: 10, key: 'b' });
    });

    it('a snapshot shows the state at the barrier: later changes are not in it', async () => {
      const b = keyed();
      const v = b.getPartitionedState<ValueState<number>>(new ValueStateDescriptor('v'));
      const l = b.getPartitionedState<ListState<number>>(new ListStateDescriptor('l'));
      for (const k of ['a', 'b']) {
        b.setCurrentKey(k);
        v.update(1);
        l.add(1);
      }
      const snapshot = b.snapshot(1);
      b.setCurrentKey('a');
      v.update(2);
      l.add(2);
      b.setCurrentKey('b');
      v.clear();
      l.clear();
      b.setCurrentKey('c');
      v.update(3);
      const entries = [...(await readSnapshot(snapshot)).values()].flat();
      assert.deepEqual(
        entries.map(([name, ns, k, value]) => JSON.stringify([name, ns, k, value])).sort(),
        ['["l","","a",[1]]', '["l","","b",[1]]', '["v","","a",1]', '["v","","b",1]'],
      );
      b.setCurrentKey('a');
      assert.equal(v.value(), 2, 'processing went on after the barrier');
    });

    it('an empty backend has no key groups in its snapshot; release() may come before reading', async () => {
      const b = keyed();
      b.getPartitionedState(new ValueStateDescriptor('v'));
      assert.equal((await readSnapshot(b.snapshot(1))).size, 0);
      b.snapshot(2).release();
    });
  });
}
