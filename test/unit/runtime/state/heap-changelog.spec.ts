/**
 * Changelog snapshots of the heap backend (incremental checkpoints): after a full snapshot, each snapshot holds
 * only the keys touched since the previous one, and a full copy followed by its changes resolves to exactly the
 * state a full snapshot would show, timers included, whatever was written, cleared, changed in place or fired.
 */
import assert from 'node:assert/strict';
import {
  ListStateDescriptor,
  MapStateDescriptor,
  ReducingStateDescriptor,
  ValueStateDescriptor,
  type ListState,
  type MapState,
  type ReducingState,
  type ValueState,
} from '../../../../src/api/state.js';
import {
  ChangeOp,
  decodeKeyGroup,
  encodeChanges,
  encodeKeyGroup,
  HashMapStateBackend,
  InternalTimerService,
  resolveKeyGroupChain,
  type KeyedStateBackend,
  type KeyedStateEntry,
} from '../../../../src/runtime/state/index.js';
import { ManualClock } from '../testing-operator-context.js';
import { canonical, readSnapshot, TestingParticipant } from './snapshot-contract.js';

/** A small deterministic generator, so a failure can be replayed. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

async function groupsOf(b: KeyedStateBackend, options?: Parameters<KeyedStateBackend['snapshot']>[1]): Promise<{ changes: boolean; groups: Map<number, Uint8Array> }> {
  const snap = b.snapshot(1, options);
  const groups = new Map<number, Uint8Array>();
  try {
    for await (const [kg, bytes] of snap.keyGroups()) groups.set(kg, bytes);
  } finally {
    snap.release();
  }
  return { changes: snap.changes === true, groups };
}

function resolved(chains: Map<number, Uint8Array[]>): Map<number, KeyedStateEntry[]> {
  const out = new Map<number, KeyedStateEntry[]>();
  for (const [kg, parts] of chains) {
    const entries = decodeKeyGroup(resolveKeyGroupChain(parts));
    if (entries.length > 0) out.set(kg, entries);
  }
  return out;
}

describe('heap backend changelog snapshots', () => {
  const clock = new ManualClock(1_000);
  let backend: KeyedStateBackend;
  let timers: InternalTimerService;

  beforeEach(() => {
    backend = new HashMapStateBackend().createKeyedStateBackend({ operatorName: 'Op', maxParallelism: 128, keyGroupRange: { start: 0, end: 127 }, now: () => clock.now });
    timers = new InternalTimerService(backend, clock, { onEventTime: () => {}, onProcessingTime: () => {} });
  });
  afterEach(() => {
    timers.close();
    backend.close();
  });

  it('a full copy and the changes of later snapshots resolve to the state a full snapshot shows', async () => {
    const next = random(42);
    const pick = (n: number): number => Math.floor(next() * n);
    const value = backend.getPartitionedState<ValueState<{ n: number }>>(new ValueStateDescriptor('value'));
    const list = backend.getPartitionedState<ListState<number>>(new ListStateDescriptor('list'));
    const map = backend.getPartitionedState<MapState<string, number>>(new MapStateDescriptor('map'));
    const sum = backend.getPartitionedState<ReducingState<number>>(new ReducingStateDescriptor('sum', (a: number, b: number) => a + b));
    let watermark = 0;
    const step = (): void => {
      backend.setCurrentKey(`key-${pick(300)}`);
      switch (pick(9)) {
        case 0:
          value.update({ n: pick(1000) });
          break;
        case 1: {
          // Changed in place without update(): a changelog has to see it too.
          const v = value.value();
          if (v !== null) v.n += 1;
          break;
        }
        case 2:
          value.clear();
          break;
        case 3:
          list.setCurrentNamespace(pick(3));
          list.add(pick(100));
          break;
        case 4:
          list.setCurrentNamespace(pick(3));
          list.clear();
          break;
        case 5:
          if (next() < 0.5) map.put(`m${pick(5)}`, pick(100));
          else map.remove(`m${pick(5)}`);
          break;
        case 6:
          sum.setCurrentNamespace(pick(4));
          sum.add(1);
          break;
        case 7:
          timers.registerEventTimeTimer(pick(3), watermark + 1 + pick(50));
          break;
        default:
          if (next() < 0.5) timers.deleteEventTimeTimer(pick(3), watermark + 1 + pick(50));
          else timers.advanceWatermark((watermark += pick(5)));
      }
    };
    for (let i = 0; i < 2000; i++) step();

    const first = await groupsOf(backend, { changelog: { full: true } });
    assert.equal(first.changes, false, 'the first changelog snapshot is a full copy');
    const chains = new Map<number, Uint8Array[]>([...first.groups].map(([kg, b]) => [kg, [b]]));
    for (let round = 0; round < 8; round++) {
      for (let i = 0; i < 300; i++) step();
      // A savepoint in between (no changelog asked) answers in full and does not disturb the recording.
      if (round === 3) assert.equal((await groupsOf(backend)).changes, false);
      const delta = await groupsOf(backend, { changelog: { full: false } });
      assert.equal(delta.changes, true);
      assert.ok(delta.groups.size < 128, `round ${round}: only the key groups touched (${delta.groups.size})`);
      for (const [kg, bytes] of delta.groups) {
        const chain = chains.get(kg);
        if (chain) chain.push(bytes);
        else chains.set(kg, [bytes]);
      }
      const full = await readSnapshot(backend.snapshot(2));
      assert.deepEqual(canonical(resolved(chains)), canonical(full), `round ${round}`);
    }

    // And the resolved chains restore into a new backend (timers included) as the same state.
    const target = new HashMapStateBackend().createKeyedStateBackend({ operatorName: 'Op', maxParallelism: 128, keyGroupRange: { start: 0, end: 127 }, now: () => clock.now });
    const targetTimers = new InternalTimerService(target, clock, { onEventTime: () => {}, onProcessingTime: () => {} });
    for (const [kg, parts] of chains) target.restoreKeyGroup(kg, resolveKeyGroupChain(parts));
    for (const name of ['value', 'list', 'map', 'sum']) {
      const d = { value: new ValueStateDescriptor(name), list: new ListStateDescriptor(name), map: new MapStateDescriptor(name), sum: new ReducingStateDescriptor(name, (a: number, b: number) => a + b) }[name];
      target.getPartitionedState(d as ValueStateDescriptor<unknown>);
    }
    assert.deepEqual(canonical(await readSnapshot(target.snapshot(3))), canonical(await readSnapshot(backend.snapshot(3))));
    assert.equal(targetTimers.numEventTimeTimers(), timers.numEventTimeTimers());
    targetTimers.close();
    target.close();
  });

  it('a snapshot with nothing touched since the previous one has no key groups', async () => {
    const value = backend.getPartitionedState<ValueState<number>>(new ValueStateDescriptor('value'));
    backend.setCurrentKey('a');
    value.update(1);
    await groupsOf(backend, { changelog: { full: true } });
    const empty = await groupsOf(backend, { changelog: { full: false } });
    assert.deepEqual([empty.changes, empty.groups.size], [true, 0]);
    // Asking for a full copy again answers with everything.
    const again = await groupsOf(backend, { changelog: { full: true } });
    assert.deepEqual([again.changes, again.groups.size], [false, 1]);
  });

  it('a participant that keeps no changelog makes every snapshot a full one', async () => {
    const p = new TestingParticipant('_mine');
    backend.registerParticipant(p);
    p.restore('', 'a', 1);
    await groupsOf(backend, { changelog: { full: true } });
    const next = await groupsOf(backend, { changelog: { full: false } });
    assert.equal(next.changes, false);
    assert.equal(next.groups.size, 1);
  });
});

describe('resolveKeyGroupChain', () => {
  it('later entries win; removals drop; timers stay a set of values per key', () => {
    const base = encodeKeyGroup([
      ['v', '', 'a', 1],
      ['v', '', 'b', 2],
      ['_timers', 1, 'a', [0, 10]],
      ['_timers', 1, 'a', [0, 20]],
    ]);
    const changes = encodeChanges([
      ['v', '', 'a', 5, ChangeOp.PUT],
      ['v', '', 'b', null, ChangeOp.REMOVE],
      ['v', '', 'c', 3, ChangeOp.PUT],
      ['_timers', 1, 'a', [0, 10], ChangeOp.DELETE],
      ['_timers', 1, 'a', [0, 30], ChangeOp.ADD],
      ['_timers', 1, 'a', [0, 30], ChangeOp.ADD],
    ]);
    const more = encodeChanges([['v', '', 'c', null, ChangeOp.REMOVE]]);
    const out = decodeKeyGroup(resolveKeyGroupChain([base, changes, more]));
    assert.deepEqual(
      out.map((e) => JSON.stringify(e)).sort(),
      [['v', '', 'a', 5], ['_timers', 1, 'a', [0, 20]], ['_timers', 1, 'a', [0, 30]]].map((e) => JSON.stringify(e)).sort(),
    );
  });
});
