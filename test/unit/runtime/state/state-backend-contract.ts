/**
 * The contract every StateBackend implementation must keep (STYLE.md: one contract suite per interface):
 * call `stateBackendContract(name, () => new XStateBackend())` from a spec file for each implementation.
 * Time for TTL is a clock the suite moves by hand.
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
  type StateDescriptor,
  type TtlStateVisibility,
  type TtlUpdateType,
  type ValueState,
} from '../../../../src/api/state.js';
import { assignToKeyGroup } from '../../../../src/runtime/codec/index.js';
import {
  keyGroupRangeForSubtask,
  type InternalKvState,
  type KeyGroupRange,
  type KeyedStateBackend,
  type MergingState,
  type StateBackend,
} from '../../../../src/runtime/state/index.js';

const MAX_PARALLELISM = 128;

type Kv<S> = S & InternalKvState;

/** An average: the accumulator is [sum, count]. */
const average = {
  createAccumulator: (): [number, number] => [0, 0],
  add: (v: number, a: [number, number]): [number, number] => [a[0] + v, a[1] + 1],
  getResult: (a: [number, number]): number => a[0] / a[1],
  merge: (a: [number, number], b: [number, number]): [number, number] => [a[0] + b[0], a[1] + b[1]],
};

function ttl(ms: number, update: TtlUpdateType = 'OnCreateAndWrite', visibility: TtlStateVisibility = 'NeverReturnExpired'): StateTtlConfig {
  return StateTtlConfig.newBuilder(ms).setUpdateType(update).setStateVisibility(visibility).build();
}

/** Values in a stable order regardless of the order given (for results whose order is not defined). */
function unordered(values: unknown[]): unknown[] {
  return [...values].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : JSON.stringify(a) > JSON.stringify(b) ? 1 : 0));
}

function withTtl<D extends StateDescriptor>(d: D, config: StateTtlConfig): D {
  d.enableTimeToLive(config);
  return d;
}

export function stateBackendContract(implementation: string, create: () => StateBackend): void {
  describe(`StateBackend contract: ${implementation}`, () => {
    let clock: { now: number };
    let backend: KeyedStateBackend;

    function keyed(range: KeyGroupRange = { start: 0, end: MAX_PARALLELISM - 1 }): KeyedStateBackend {
      return create().createKeyedStateBackend({ operatorName: 'Op', maxParallelism: MAX_PARALLELISM, keyGroupRange: range, now: () => clock.now });
    }

    beforeEach(() => {
      clock = { now: 1_000 };
      backend = keyed();
    });
    afterEach(() => {
      backend.close();
    });

    function state<S>(d: StateDescriptor): Kv<S> {
      return backend.getPartitionedState<S>(d);
    }

    describe('state kinds', () => {
      it('ValueState: the default until a value is stored; update(null) and clear() bring the default back', () => {
        const s = state<ValueState<number>>(new ValueStateDescriptor('v', undefined, 7));
        const plain = state<ValueState<number>>(new ValueStateDescriptor('plain'));
        backend.setCurrentKey('a');
        assert.equal(s.value(), 7);
        assert.equal(plain.value(), null);
        s.update(1);
        assert.equal(s.value(), 1);
        s.update(null);
        assert.equal(s.value(), 7);
        s.update(2);
        s.clear();
        assert.equal(s.value(), 7);
      });

      it('ListState: elements in insertion order; addAll, update replaces, update([]) empties', () => {
        const s = state<ListState<string>>(new ListStateDescriptor('l'));
        backend.setCurrentKey(1);
        assert.deepEqual([...s.get()], []);
        s.add('x');
        s.addAll(['y', 'z']);
        assert.deepEqual([...s.get()], ['x', 'y', 'z']);
        s.update(['q']);
        assert.deepEqual([...s.get()], ['q']);
        s.update([]);
        assert.deepEqual([...s.get()], []);
        assert.throws(() => s.add(null as unknown as string), /null and undefined cannot be added/);
        s.update(['kept']);
        assert.throws(() => s.addAll(['x', null as unknown as string]), /null and undefined cannot be added/);
        assert.throws(() => s.update(['y', undefined as unknown as string]), /null and undefined cannot be added/);
        assert.deepEqual([...s.get()], ['kept'], 'a refused addAll or update changes nothing');
      });

      it('MapState: user keys (also composite ones) compare by value and come back as given', () => {
        const s = state<MapState<unknown, string>>(new MapStateDescriptor('m'));
        backend.setCurrentKey('k');
        assert.equal(s.isEmpty(), true);
        s.put([1, 'a'], 'tuple');
        s.put({ user: 3 }, 'object');
        s.put(1, 'number');
        s.put('1', 'string');
        assert.equal(s.get([1, 'a']), 'tuple');
        assert.equal(s.get({ user: 3 }), 'object');
        assert.equal(s.get(1), 'number');
        assert.equal(s.get('1'), 'string');
        assert.equal(s.get([1, 'b']), null);
        assert.equal(s.contains([1, 'a']), true);
        // Iteration order is not part of the contract (Flink's heap backend gives hash order, RocksDB key-byte order).
        assert.deepEqual(unordered([...s.keys()]), unordered([[1, 'a'], { user: 3 }, 1, '1']));
        assert.deepEqual(unordered([...s.values()]), unordered(['tuple', 'object', 'number', 'string']));
        assert.deepEqual(
          unordered([...s.entries()]),
          unordered([[[1, 'a'], 'tuple'], [{ user: 3 }, 'object'], [1, 'number'], ['1', 'string']]),
          'entries pair each key with its value',
        );
        s.remove([1, 'a']);
        assert.equal(s.contains([1, 'a']), false);
        s.putAll({ p: 'x' });
        s.putAll(new Map([['q', 'y']]));
        assert.deepEqual(
          unordered([...s.entries()].filter(([k]) => typeof k === 'string')),
          unordered([['1', 'string'], ['p', 'x'], ['q', 'y']]),
        );
        s.clear();
        assert.equal(s.isEmpty(), true);
      });

      it('ReducingState: folds every added value; null when empty', () => {
        const s = state<ReducingState<number>>(new ReducingStateDescriptor('r', (a: number, b: number) => a + b));
        const obj = state<ReducingState<number>>(new ReducingStateDescriptor('r2', { reduce: (a: number, b: number) => Math.max(a, b) }));
        backend.setCurrentKey('a');
        assert.equal(s.get(), null);
        for (const v of [1, 2, 3]) {
          s.add(v);
          obj.add(v);
        }
        assert.equal(s.get(), 6);
        assert.equal(obj.get(), 3);
        s.clear();
        assert.equal(s.get(), null);
      });

      it('AggregatingState: an accumulator per key; null when empty', () => {
        const s = state<AggregatingState<number, number>>(new AggregatingStateDescriptor('avg', average));
        backend.setCurrentKey('a');
        assert.equal(s.get(), null);
        s.add(2);
        s.add(4);
        assert.equal(s.get(), 3);
      });

      it('the same name gives the same state object; another kind under that name is a usage error', () => {
        const a = state<ValueState<number>>(new ValueStateDescriptor('x'));
        assert.equal(state<ValueState<number>>(new ValueStateDescriptor('x')), a);
        assert.throws(() => state(new ListStateDescriptor('x')), /first created as value state and is now asked for as list state/);
      });
    });

    describe('isolation', () => {
      it('every key sees only its own values, in every kind of state', () => {
        const v = state<ValueState<string>>(new ValueStateDescriptor('v'));
        const l = state<ListState<string>>(new ListStateDescriptor('l'));
        const m = state<MapState<string, string>>(new MapStateDescriptor('m'));
        const keys: unknown[] = ['a', 'b', 1, '1', [1, 2], [2, 1], { id: 1 }, true, new Date(5)];
        for (const k of keys) {
          backend.setCurrentKey(k);
          v.update(JSON.stringify(k));
          l.add(JSON.stringify(k));
          m.put('k', JSON.stringify(k));
        }
        for (const k of keys) {
          backend.setCurrentKey(k);
          assert.equal(v.value(), JSON.stringify(k), `key ${JSON.stringify(k)}`);
          assert.deepEqual([...l.get()], [JSON.stringify(k)], `key ${JSON.stringify(k)}`);
          assert.equal(m.get('k'), JSON.stringify(k));
        }
        backend.setCurrentKey('a');
        v.clear();
        backend.setCurrentKey('b');
        assert.equal(v.value(), '"b"');
      });

      it('a string key that looks like an encoded composite key is still its own key', () => {
        const v = state<ValueState<string>>(new ValueStateDescriptor('v'));
        const lookalikes: unknown[] = [[1, 2], `K:${JSON.stringify([1, 2])}`, new Date(5), 'D:5'];
        for (const k of lookalikes) {
          backend.setCurrentKey(k);
          v.update(typeof k === 'string' ? `string ${k}` : `object ${JSON.stringify(k)}`);
        }
        for (const k of lookalikes) {
          backend.setCurrentKey(k);
          assert.equal(v.value(), typeof k === 'string' ? `string ${k}` : `object ${JSON.stringify(k)}`);
        }
        const seen: unknown[] = [];
        backend.applyToAllKeys('v', '', (k) => seen.push(k));
        assert.deepEqual(seen.filter((k) => typeof k === 'string').sort(), ['D:5', 'K:[1,2]']);
      });

      it('every namespace of a key is separate, and the state starts in the void namespace', () => {
        const l = state<ListState<number>>(new ListStateDescriptor('l'));
        backend.setCurrentKey('a');
        l.add(0);
        l.setCurrentNamespace(10);
        l.add(10);
        l.setCurrentNamespace('w');
        l.add(20);
        l.setCurrentNamespace('10');
        assert.deepEqual([...l.get()], [], 'namespace "10" is not namespace 10');
        l.setCurrentNamespace(10);
        assert.deepEqual([...l.get()], [10]);
        l.clear();
        l.setCurrentNamespace('w');
        assert.deepEqual([...l.get()], [20]);
        l.setCurrentNamespace('');
        assert.deepEqual([...l.get()], [0]);
      });

      it('numKeys counts keys with a value in any state; close() drops everything', () => {
        const v = state<ValueState<number>>(new ValueStateDescriptor('v'));
        const l = state<ListState<number>>(new ListStateDescriptor('l'));
        for (const k of ['a', 'b', 'c']) {
          backend.setCurrentKey(k);
          v.update(1);
        }
        backend.setCurrentKey('d');
        l.add(1);
        assert.equal(backend.numKeys(), 4);
        backend.setCurrentKey('a');
        v.clear();
        assert.equal(backend.numKeys(), 3);
        backend.close();
        backend.close();
        assert.equal(backend.numKeys(), 0);
      });
    });

    describe('mergeNamespaces', () => {
      it('ListState concatenates the sources into the target and removes them', () => {
        const l = state<ListState<number> & MergingState>(new ListStateDescriptor('l'));
        backend.setCurrentKey('a');
        for (const [ns, vs] of [[1, [1, 2]], [2, [3]], [3, [4]]] as Array<[number, number[]]>) {
          l.setCurrentNamespace(ns);
          l.addAll(vs);
        }
        l.mergeNamespaces(3, [1, 2]);
        l.setCurrentNamespace(3);
        assert.deepEqual([...l.get()].sort(), [1, 2, 3, 4]);
        for (const ns of [1, 2]) {
          l.setCurrentNamespace(ns);
          assert.deepEqual([...l.get()], []);
        }
      });

      it('ReducingState and AggregatingState combine the sources with the target, also into an empty target', () => {
        const r = state<ReducingState<number> & MergingState>(new ReducingStateDescriptor('r', (a: number, b: number) => a + b));
        const g = state<AggregatingState<number, number> & MergingState>(new AggregatingStateDescriptor('g', average));
        backend.setCurrentKey('a');
        for (const [ns, v] of [['x', 1], ['y', 3], ['z', 8]] as Array<[string, number]>) {
          r.setCurrentNamespace(ns);
          r.add(v);
          g.setCurrentNamespace(ns);
          g.add(v);
        }
        r.mergeNamespaces('z', ['x', 'y']);
        g.mergeNamespaces('new', ['x', 'y', 'z']);
        r.setCurrentNamespace('z');
        assert.equal(r.get(), 12);
        r.setCurrentNamespace('x');
        assert.equal(r.get(), null);
        g.setCurrentNamespace('new');
        assert.equal(g.get(), 4);
        g.setCurrentNamespace('z');
        assert.equal(g.get(), null);
      });

      it('merging only empty sources leaves the target as it was, and other keys are untouched', () => {
        const r = state<ReducingState<number> & MergingState>(new ReducingStateDescriptor('r', (a: number, b: number) => a + b));
        backend.setCurrentKey('b');
        r.setCurrentNamespace(1);
        r.add(100);
        backend.setCurrentKey('a');
        r.setCurrentNamespace(2);
        r.add(5);
        r.mergeNamespaces(2, [1, 7]);
        assert.equal(r.get(), 5);
        backend.setCurrentKey('b');
        r.setCurrentNamespace(1);
        assert.equal(r.get(), 100);
      });
    });

    describe('applyToAllKeys', () => {
      it('visits every key with a value in that state and namespace, as the key selector returned it, and restores the current key', () => {
        const v = state<ValueState<number>>(new ValueStateDescriptor('v'));
        const keys: unknown[] = ['a', 2, [3, 'x'], { id: 4 }];
        for (const k of keys) {
          backend.setCurrentKey(k);
          v.update(1);
          v.setCurrentNamespace('w');
          v.update(2);
          v.setCurrentNamespace('');
        }
        backend.setCurrentKey('other');
        v.setCurrentNamespace('w');
        v.update(3);
        v.setCurrentNamespace('');
        backend.setCurrentKey('current');
        const seen: unknown[] = [];
        backend.applyToAllKeys('v', '', (k) => {
          seen.push(k);
          assert.deepEqual(backend.getCurrentKey(), k);
          // State access inside the callback is scoped to the visited key; clearing is allowed.
          assert.equal(v.value(), 1);
          v.clear();
        });
        assert.equal(seen.length, keys.length);
        for (const k of keys) assert.ok(seen.some((s) => JSON.stringify(s) === JSON.stringify(k)), `key ${JSON.stringify(k)} visited`);
        assert.equal(backend.getCurrentKey(), 'current');
        const after: unknown[] = [];
        backend.applyToAllKeys('v', '', (k) => after.push(k));
        assert.equal(after.length, 0, "every value was cleared");
        backend.applyToAllKeys('v', 'w', (k) => after.push(k));
        assert.equal(after.length, keys.length + 1);
        backend.applyToAllKeys('no-such-state', '', () => assert.fail('no state, no keys'));
      });
    });

    describe('key groups', () => {
      it("a key outside the subtask's key-group range is a usage error naming the key, its group and the range", () => {
        const range = keyGroupRangeForSubtask(MAX_PARALLELISM, 4, 1);
        const owned = keyed(range);
        const v = owned.getPartitionedState<ValueState<number>>(new ValueStateDescriptor('v'));
        const owns = (k: number): boolean => {
          const g = assignToKeyGroup(k, MAX_PARALLELISM);
          return g >= range.start && g <= range.end;
        };
        let inside = 0;
        while (!owns(inside)) inside++;
        let outside = 0;
        while (owns(outside)) outside++;
        owned.setCurrentKey(inside);
        v.update(1);
        assert.equal(v.value(), 1);
        owned.setCurrentKey(outside);
        const g = assignToKeyGroup(outside, MAX_PARALLELISM);
        assert.throws(
          () => v.update(1),
          (e: Error) => e.message.includes(`key ${outside} belongs to key group ${g}`) && e.message.includes(`(${range.start}..${range.end})`) && /same key/.test(e.message),
        );
        // The backend stays usable for keys it owns.
        owned.setCurrentKey(inside);
        assert.equal(v.value(), 1);
        owned.close();
      });
    });

    describe('TTL (processing time, a clock the test moves)', () => {
      it('OnCreateAndWrite: a value expires ttl after its last write, reads do not extend it', () => {
        const v = state<ValueState<string>>(withTtl(new ValueStateDescriptor<string>('v', undefined, 'default'), ttl(100)));
        backend.setCurrentKey('a');
        v.update('x');
        clock.now += 99;
        assert.equal(v.value(), 'x');
        clock.now += 1;
        assert.equal(v.value(), 'default', 'expired at exactly ttl after the write');
        v.update('y');
        clock.now += 60;
        v.update('z');
        clock.now += 60;
        assert.equal(v.value(), 'z', 'the second write restarted the ttl');
        clock.now += 40;
        assert.equal(v.value(), 'default');
        assert.equal(backend.numKeys(), 0, 'the expired value was dropped when read');
      });

      it('OnReadAndWrite: every read extends the lifetime', () => {
        const v = state<ValueState<number>>(withTtl(new ValueStateDescriptor<number>('v'), ttl(100, 'OnReadAndWrite')));
        backend.setCurrentKey('a');
        v.update(1);
        for (let i = 0; i < 5; i++) {
          clock.now += 90;
          assert.equal(v.value(), 1);
        }
        clock.now += 100;
        assert.equal(v.value(), null);
      });

      it('ReturnExpiredIfNotCleanedUp: an expired value is still returned until cleaned up', () => {
        const v = state<ValueState<number>>(withTtl(new ValueStateDescriptor<number>('v'), ttl(100, 'OnCreateAndWrite', 'ReturnExpiredIfNotCleanedUp')));
        backend.setCurrentKey('a');
        v.update(1);
        clock.now += 1_000;
        assert.equal(v.value(), 1);
      });

      it('ListState: each element expires on its own', () => {
        const l = state<ListState<string>>(withTtl(new ListStateDescriptor<string>('l'), ttl(100)));
        backend.setCurrentKey('a');
        l.add('old');
        clock.now += 50;
        l.add('new');
        clock.now += 50;
        assert.deepEqual([...l.get()], ['new']);
        clock.now += 50;
        assert.deepEqual([...l.get()], []);
        assert.equal(backend.numKeys(), 0);
      });

      it('ListState with OnReadAndWrite: reading the list extends every live element', () => {
        const l = state<ListState<string>>(withTtl(new ListStateDescriptor<string>('l'), ttl(100, 'OnReadAndWrite')));
        backend.setCurrentKey('a');
        l.add('a');
        clock.now += 50;
        l.add('b');
        clock.now += 49;
        assert.deepEqual([...l.get()], ['a', 'b']);
        clock.now += 99;
        assert.deepEqual([...l.get()], ['a', 'b']);
      });

      it('MapState: each entry expires on its own; get, contains and iteration agree', () => {
        const m = state<MapState<string, number>>(withTtl(new MapStateDescriptor<string, number>('m'), ttl(100)));
        backend.setCurrentKey('a');
        m.put('first', 1);
        clock.now += 60;
        m.put('second', 2);
        clock.now += 40;
        assert.equal(m.get('first'), null);
        assert.equal(m.contains('first'), false);
        assert.equal(m.get('second'), 2);
        assert.deepEqual([...m.entries()], [['second', 2]]);
        clock.now += 60;
        assert.equal(m.isEmpty(), true);
        assert.deepEqual([...m.keys()], []);
      });

      it('MapState with OnReadAndWrite: reading an entry extends only that entry', () => {
        const m = state<MapState<string, number>>(withTtl(new MapStateDescriptor<string, number>('m'), ttl(100, 'OnReadAndWrite')));
        backend.setCurrentKey('a');
        m.put('read', 1);
        m.put('unread', 2);
        clock.now += 90;
        assert.equal(m.get('read'), 1);
        clock.now += 90;
        assert.deepEqual([...m.keys()], ['read']);
      });

      it('ReducingState and AggregatingState: the accumulated value expires as a whole', () => {
        const r = state<ReducingState<number>>(withTtl(new ReducingStateDescriptor<number>('r', (a, b) => a + b), ttl(100)));
        const g = state<AggregatingState<number, number>>(withTtl(new AggregatingStateDescriptor('g', average), ttl(100)));
        backend.setCurrentKey('a');
        r.add(1);
        g.add(1);
        clock.now += 60;
        r.add(2);
        g.add(3);
        assert.equal(r.get(), 3);
        assert.equal(g.get(), 2);
        clock.now += 100;
        assert.equal(r.get(), null);
        r.add(5);
        assert.equal(r.get(), 5, 'an expired sum does not count into a new one');
        assert.equal(g.get(), null);
      });

      it('merging namespaces leaves expired sources out', () => {
        const r = state<ReducingState<number> & MergingState>(withTtl(new ReducingStateDescriptor<number>('r', (a, b) => a + b), ttl(100)));
        const g = state<AggregatingState<number, number> & MergingState>(withTtl(new AggregatingStateDescriptor('g', average), ttl(100)));
        const l = state<ListState<number> & MergingState>(withTtl(new ListStateDescriptor<number>('l'), ttl(100)));
        backend.setCurrentKey('a');
        for (const s of [r, g, l]) {
          s.setCurrentNamespace('old');
          s.add(1000);
        }
        clock.now += 100;
        for (const s of [r, g, l]) {
          s.setCurrentNamespace('fresh');
          s.add(1);
          s.mergeNamespaces('target', ['old', 'fresh']);
          s.setCurrentNamespace('target');
        }
        assert.equal(r.get(), 1);
        assert.equal(g.get(), 1);
        assert.deepEqual([...l.get()], [1]);
      });

      it('TTL with update type Disabled keeps values forever', () => {
        const v = state<ValueState<number>>(withTtl(new ValueStateDescriptor<number>('v'), ttl(100, 'Disabled')));
        backend.setCurrentKey('a');
        v.update(1);
        clock.now += 1_000_000;
        assert.equal(v.value(), 1);
      });
    });
  
    describe('operator state', () => {
      it('list state: named lists per operator instance; add, addAll, update, clear; null is refused without changing the list', () => {
        const ops = create().createOperatorStateBackend('Op');
        const l = ops.getListState<number>('offsets', false);
        l.add(1);
        l.addAll([2, 3]);
        assert.deepEqual([...ops.getListState<number>('offsets', false).get()], [1, 2, 3], 'the same name is the same list');
        assert.throws(() => l.add(null as unknown as number), /null and undefined cannot be added/);
        assert.throws(() => l.addAll([4, undefined as unknown as number]), /null and undefined cannot be added/);
        assert.throws(() => l.update([5, null as unknown as number]), /null and undefined cannot be added/);
        assert.deepEqual([...l.get()], [1, 2, 3]);
        l.update([9]);
        assert.deepEqual([...l.get()], [9]);
        l.clear();
        assert.deepEqual([...l.get()], []);
        assert.deepEqual([...ops.getListState<number>('other', true).get()], []);
        assert.throws(() => ops.getListState('other', false), /was created as union list state/);
        ops.close();
        ops.close();
      });

      it('broadcast state: one map per name', () => {
        const ops = create().createOperatorStateBackend('Op');
        ops.getBroadcastState<string, number>('rules').set('r1', 1);
        assert.equal(ops.getBroadcastState<string, number>('rules').get('r1'), 1);
        assert.equal(ops.getBroadcastState<string, number>('other').size, 0);
        ops.close();
      });
    });
  });
}
