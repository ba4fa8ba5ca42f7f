import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeStateFile, readStateFile, encodeFrame, type StateFrame } from '../../../../src/runtime/checkpoint/task-state-file.js';
import { loadRestoredState } from '../../../../src/runtime/checkpoint/restore-assignment.js';
import type { CheckpointMetadata } from '../../../../src/runtime/checkpoint/types.js';
import { HashMapStateBackend, keyGroupRangeForSubtask, splitEvenly } from '../../../../src/runtime/state/index.js';
import { ValueStateDescriptor, type ValueState } from '../../../../src/api/state.js';

async function* frames(list: Array<StateFrame | Uint8Array>): AsyncGenerator<StateFrame | Uint8Array> {
  yield* list;
}

describe('checkpoint state files and restore assignment', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'flink-ts-restore-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('a state file reads back frame by frame, also frames encoded ahead', async () => {
    const written: StateFrame[] = [
      { op: 'a', items: [1, 'two', { three: 3 }] },
      { op: 'a', kg: 7, b: new Uint8Array([1, 2, 3]) },
      { op: 'b', os: { lists: [{ name: 'l', union: false, items: [1] }], broadcast: [] } },
    ];
    const size = await writeStateFile(dir, 'f', frames([written[0] as StateFrame, encodeFrame(written[1] as StateFrame), written[2] as StateFrame]));
    assert.ok(size > 0);
    const all = await readStateFile(join(dir, 'f'), () => true);
    assert.equal(all.length, 3);
    assert.deepEqual(all[0], written[0]);
    assert.deepEqual([...(all[1] as { b: Uint8Array }).b], [1, 2, 3]);
    assert.deepEqual(await readStateFile(join(dir, 'f'), (f) => f.op === 'b'), [written[2]]);
  });

  it('frames larger than one read (a key group of megabytes) come back whole, and the frames after them too', async () => {
    const big = new Uint8Array(3 * 1024 * 1024 + 17).map((_, i) => i % 251);
    await writeStateFile(dir, 'big', frames([{ op: 'a', items: ['before'] }, { op: 'a', kg: 3, b: big }, { op: 'a', items: ['after'] }]));
    const all = await readStateFile(join(dir, 'big'), () => true);
    assert.equal(all.length, 3);
    const kg = all[1] as { b: Uint8Array };
    assert.equal(kg.b.byteLength, big.byteLength);
    assert.ok(Buffer.from(kg.b).equals(Buffer.from(big)));
    assert.deepEqual(all[2], { op: 'a', items: ['after'] });
  });

  /** Keyed values 0..keys-1 (value = key * 10) written by `p` subtasks, plus each subtask's list items. */
  async function checkpointAt(p: number, keys: number, maxParallelism = 128): Promise<CheckpointMetadata> {
    const subtasks: CheckpointMetadata['operators'][number]['subtasks'] = [];
    for (let s = 0; s < p; s++) {
      const range = keyGroupRangeForSubtask(maxParallelism, p, s);
      const backend = new HashMapStateBackend().createKeyedStateBackend({ operatorName: 'op', maxParallelism, keyGroupRange: range, now: Date.now });
      const st = backend.getPartitionedState<ValueState<number>>(new ValueStateDescriptor('v'));
      for (let k = 0; k < keys; k++) {
        try {
          backend.setCurrentKey(k);
          st.update(k * 10);
        } catch {
          // another subtask's key
        }
      }
      const snap = backend.snapshot(1);
      const list: Array<StateFrame | Uint8Array> = [{ op: 'u', items: [`s${s}a`, `s${s}b`] }];
      for await (const [kg, b] of snap.keyGroups()) list.push({ op: 'u', kg, b });
      await writeStateFile(dir, `op_0_${s}`, frames(list));
      subtasks.push({ subtask: s, file: `op_0_${s}`, keyGroupRange: range, operatorState: true });
    }
    return { version: 1, jobId: 'j', checkpointId: 1, timestamp: 0, isSavepoint: true, directory: dir, operators: [{ uid: 'u', name: 'op', parallelism: p, maxParallelism, subtasks }] };
  }

  for (const [from, to] of [
    [2, 2],
    [2, 3],
    [3, 1],
  ] as const) {
    it(`keyed state and list items of ${from} subtasks restore into ${to}, each key exactly once`, async () => {
      const meta = await checkpointAt(from, 500);
      const seen = new Map<number, number>();
      const items: unknown[] = [];
      for (let s = 0; s < to; s++) {
        const range = keyGroupRangeForSubtask(128, to, s);
        const restored = await loadRestoredState(meta, [{ uid: 'u', name: 'op', maxParallelism: 128, keyGroupRange: range }], to, s);
        const r = restored.get('u');
        assert.ok(r);
        items.push(...(r.items ?? []));
        const backend = new HashMapStateBackend().createKeyedStateBackend({ operatorName: 'op', maxParallelism: 128, keyGroupRange: range, now: Date.now });
        for (const [g, b] of r.keyGroups) {
          assert.ok(g >= range.start && g <= range.end, `group ${g} is in ${range.start}..${range.end}`);
          backend.restoreKeyGroup(g, b);
        }
        const st = backend.getPartitionedState<ValueState<number>>(new ValueStateDescriptor('v'));
        backend.applyToAllKeys('v', '', (k) => {
          seen.set(k as number, (seen.get(k as number) ?? 0) + 1);
          assert.equal(st.value(), (k as number) * 10);
        });
        if (from === to) assert.deepEqual(r.items, [`s${s}a`, `s${s}b`], 'same parallelism: a subtask gets its own items back');
      }
      assert.equal(seen.size, 500);
      assert.ok([...seen.values()].every((c) => c === 1));
      assert.deepEqual([...items].sort(), Array.from({ length: from }, (_, s) => [`s${s}a`, `s${s}b`]).flat().sort());
    });
  }

  it('refuses keyed state written with another max parallelism, naming both', async () => {
    const meta = await checkpointAt(1, 10, 128);
    await assert.rejects(
      loadRestoredState(meta, [{ uid: 'u', name: 'op', maxParallelism: 256, keyGroupRange: { start: 0, end: 255 } }], 1, 0),
      /max parallelism 256.*written with 128/,
    );
  });

  it('splitEvenly gives contiguous shares that differ by at most one', () => {
    const items = Array.from({ length: 10 }, (_, i) => i);
    const shares = [0, 1, 2].map((s) => splitEvenly(items, 3, s));
    assert.deepEqual(shares, [[0, 1, 2, 3], [4, 5, 6], [7, 8, 9]]);
  });
});
