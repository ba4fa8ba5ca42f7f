/**
 * Incremental checkpoints of keyed state: a full copy in shared chunks, then change files holding only what was
 * touched; a restore (also at another parallelism) reads the chains back into the state of the last checkpoint.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ValueStateDescriptor, type ValueState } from '../../../../src/api/state.js';
import { IncrementalKeyedState, type SharedUse } from '../../../../src/runtime/checkpoint/incremental-keyed-state.js';
import { loadRestoredState } from '../../../../src/runtime/checkpoint/restore-assignment.js';
import { writeStateFile, type StateFrame } from '../../../../src/runtime/checkpoint/task-state-file.js';
import type { CheckpointMetadata } from '../../../../src/runtime/checkpoint/types.js';
import { HashMapStateBackend, keyGroupRangeForSubtask, type KeyedStateBackend } from '../../../../src/runtime/state/index.js';

const KEYS = 2000;

describe('incremental keyed state: full copies and change files', () => {
  let dir: string;
  let backend: KeyedStateBackend;
  let value: ValueState<number>;
  let inc: IncrementalKeyedState;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'flink-ts-incremental-'));
    backend = new HashMapStateBackend().createKeyedStateBackend({ operatorName: 'op', maxParallelism: 128, keyGroupRange: { start: 0, end: 127 }, now: Date.now });
    value = backend.getPartitionedState<ValueState<number>>(new ValueStateDescriptor('v'));
    for (let k = 0; k < KEYS; k++) {
      backend.setCurrentKey(k);
      value.update(k);
    }
    inc = new IncrementalKeyedState(pathToFileURL(join(dir, 'shared')).href);
  });
  afterEach(async () => {
    backend.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** Takes checkpoint `id` as a task does (snapshot at the barrier, write later) and returns its metadata. */
  async function checkpoint(id: number, epoch = inc.currentEpoch()): Promise<{ meta: CheckpointMetadata; use: SharedUse }> {
    const snap = backend.snapshot(id, { changelog: { full: inc.wantsFull('u') } });
    return write(id, snap, epoch);
  }

  async function write(id: number, snap: ReturnType<KeyedStateBackend['snapshot']>, epoch: number): Promise<{ meta: CheckpointMetadata; use: SharedUse }> {
    const use: SharedUse = { used: new Map(), uploaded: 0 };
    const chk = join(dir, `chk-${id}`);
    async function* frames(): AsyncGenerator<StateFrame> {
      yield* inc.frames('u', snap, epoch, use);
    }
    try {
      await writeStateFile(pathToFileURL(chk).href, 'op_0_0', frames());
    } finally {
      snap.release();
    }
    inc.written(id, use.used);
    inc.notify(id, true);
    const range = { start: 0, end: 127 };
    const meta: CheckpointMetadata = {
      version: 1,
      jobId: 'j',
      checkpointId: id,
      timestamp: 0,
      isSavepoint: false,
      directory: pathToFileURL(chk).href,
      shared: [...use.used.keys()],
      operators: [{ uid: 'u', name: 'op', parallelism: 1, maxParallelism: 128, subtasks: [{ subtask: 0, file: 'op_0_0', keyGroupRange: range, operatorState: false }] }],
    };
    return { meta, use };
  }

  async function restoredValues(meta: CheckpointMetadata, parallelism: number): Promise<Map<number, number>> {
    const out = new Map<number, number>();
    for (let s = 0; s < parallelism; s++) {
      const range = keyGroupRangeForSubtask(128, parallelism, s);
      const target = new HashMapStateBackend().createKeyedStateBackend({ operatorName: 'op', maxParallelism: 128, keyGroupRange: range, now: Date.now });
      await loadRestoredState(meta, [{ uid: 'u', name: 'op', maxParallelism: 128, keyGroupRange: range }], parallelism, s, undefined, (_uid, kg, bytes) =>
        target.restoreKeyGroup(kg, bytes),
      );
      const st = target.getPartitionedState<ValueState<number>>(new ValueStateDescriptor('v'));
      target.applyToAllKeys('v', '', (k) => {
        assert.ok(!out.has(k as number), `key ${String(k)} restored once`);
        out.set(k as number, st.value() as number);
      });
      target.close();
    }
    return out;
  }

  it('later checkpoints upload only the touched keys, and restore (also rescaled) to the latest state', async () => {
    const first = await checkpoint(1);
    assert.ok(first.use.uploaded > 10_000, 'the first checkpoint uploads a full copy');
    // Touch 1% of the keys: change 15, remove 5.
    for (let k = 0; k < 20; k++) {
      backend.setCurrentKey(k * 97);
      if (k < 15) value.update(-k);
      else value.clear();
    }
    const second = await checkpoint(2);
    assert.ok(second.use.uploaded < first.use.uploaded / 10, `the second uploads only changes (${second.use.uploaded} of ${first.use.uploaded} bytes)`);
    const files = await readdir(join(dir, 'shared'));
    assert.equal(files.filter((f) => f.startsWith('changes-')).length, 1);
    assert.ok(second.meta.shared?.some((f) => f.includes('/changes-')), 'the checkpoint lists the change file among its shared files');
    for (const parallelism of [1, 3]) {
      const restored = await restoredValues(second.meta, parallelism);
      assert.equal(restored.size, KEYS - 5, `parallelism ${parallelism}`);
      for (let k = 0; k < 20; k++) assert.equal(restored.get(k * 97), k < 15 ? -k : undefined);
      assert.equal(restored.get(1), 1);
    }
    // The first checkpoint still restores as it was.
    assert.equal((await restoredValues(first.meta, 1)).get(97), 97);
  });

  it('after a failed write, change snapshots taken before it cannot be written, and the next one is full again', async () => {
    await checkpoint(1);
    backend.setCurrentKey(1);
    value.update(100);
    const epoch = inc.currentEpoch();
    const pending = backend.snapshot(2, { changelog: { full: inc.wantsFull('u') } });
    assert.equal(pending.changes, true);
    inc.fail();
    await assert.rejects(write(2, pending, epoch), /could not be written/);
    assert.equal(inc.wantsFull('u'), true);
    const third = await checkpoint(3);
    assert.equal((await restoredValues(third.meta, 1)).get(1), 100);
  });
});
