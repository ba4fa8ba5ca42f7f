/**
 * One contract suite per recovery store interface (src/ha/recovery-stores.ts), run against every implementation:
 * in memory and on the file system in the unit tests, on a real ZooKeeper in the integration tests. Each factory
 * call must give a store with nothing of earlier tests in it (a new cluster id, or new job ids).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { BlobStore, CheckpointIdCounter, CompletedCheckpointStore, JobGraphStore, JobResultStore } from '../../src/ha/index.js';

export function newJobId(): string {
  return randomBytes(16).toString('hex');
}

const text = (b: Uint8Array | undefined): string | undefined => (b === undefined ? undefined : Buffer.from(b).toString('utf8'));

export function jobGraphStoreContract(make: () => Promise<JobGraphStore>): void {
  it('stores, lists, recovers and replaces job graphs', async () => {
    const store = await make();
    const [a, b] = [newJobId(), newJobId()];
    await store.putJobGraph(a, Buffer.from('graph a'));
    await store.putJobGraph(b, Buffer.from('graph b'));
    assert.deepEqual((await store.getJobIds()).sort(), [a, b].sort());
    assert.equal(text(await store.recoverJobGraph(a)), 'graph a');
    await store.putJobGraph(a, Buffer.from('graph a, second version'));
    assert.equal(text(await store.recoverJobGraph(a)), 'graph a, second version');
    assert.deepEqual((await store.getJobIds()).sort(), [a, b].sort());
  });

  it('recovers nothing for an unknown job', async () => {
    const store = await make();
    assert.equal(await store.recoverJobGraph(newJobId()), undefined);
  });

  it('removes a job graph (and removing it again is fine); releasing keeps it', async () => {
    const store = await make();
    const [a, b] = [newJobId(), newJobId()];
    await store.putJobGraph(a, Buffer.from('a'));
    await store.putJobGraph(b, Buffer.from('b'));
    await store.releaseJobGraph(b);
    assert.equal(text(await store.recoverJobGraph(b)), 'b');
    assert.equal(await store.removeJobGraph(a), true);
    assert.equal(await store.removeJobGraph(a), true);
    assert.deepEqual(await store.getJobIds(), [b]);
    assert.equal(await store.recoverJobGraph(a), undefined);
  });
}

const pointer = (id: number): { checkpointId: number; metadataPath: string; timestamp: number } => ({
  checkpointId: id,
  metadataPath: `file:///checkpoints/job/chk-${id}/_metadata`,
  timestamp: 1_700_000_000_000 + id,
});

export function completedCheckpointStoreContract(make: (maxRetained: number) => Promise<CompletedCheckpointStore>): void {
  it('keeps max-retained checkpoints and returns the subsumed ones, oldest first', async () => {
    const store = await make(2);
    assert.equal(store.maxRetained, 2);
    assert.deepEqual(await store.addCheckpoint(pointer(1)), []);
    assert.deepEqual(await store.addCheckpoint(pointer(2)), []);
    assert.deepEqual(await store.addCheckpoint(pointer(3)), [pointer(1)]);
    assert.deepEqual(await store.getAllCheckpoints(), [pointer(2), pointer(3)]);
    assert.deepEqual(await store.getLatestCheckpoint(), pointer(3));
  });

  it('orders by checkpoint id (not by arrival), and an empty store has no latest', async () => {
    const store = await make(3);
    assert.equal(await store.getLatestCheckpoint(), undefined);
    assert.deepEqual(await store.getAllCheckpoints(), []);
    await store.addCheckpoint(pointer(10));
    await store.addCheckpoint(pointer(9));
    await store.addCheckpoint(pointer(100));
    assert.deepEqual(
      (await store.getAllCheckpoints()).map((c) => c.checkpointId),
      [9, 10, 100],
    );
    assert.deepEqual(await store.addCheckpoint(pointer(101)), [pointer(9)]);
    assert.equal((await store.getLatestCheckpoint())?.checkpointId, 101);
  });

  it('shutdown keeps the checkpoints unless the job is globally terminal; then it returns what it removed', async () => {
    const store = await make(2);
    await store.addCheckpoint(pointer(1));
    await store.addCheckpoint(pointer(2));
    assert.deepEqual(await store.shutdown(false), []);
    assert.deepEqual(await store.getAllCheckpoints(), [pointer(1), pointer(2)]);
    assert.deepEqual(await store.shutdown(true), [pointer(1), pointer(2)]);
    assert.deepEqual(await store.getAllCheckpoints(), []);
  });
}

export function checkpointIdCounterContract(make: () => Promise<CheckpointIdCounter>): void {
  it('starts at 1 and counts up', async () => {
    const counter = await make();
    assert.equal(await counter.get(), 1);
    assert.equal(await counter.getAndIncrement(), 1);
    assert.equal(await counter.getAndIncrement(), 2);
    assert.equal(await counter.get(), 3);
  });

  it('continues from a set count and refuses ids below 1', async () => {
    const counter = await make();
    await counter.setCount(42);
    assert.equal(await counter.getAndIncrement(), 42);
    assert.equal(await counter.get(), 43);
    await assert.rejects(counter.setCount(0), RangeError);
  });

  it('gives distinct ids to concurrent callers', async () => {
    const counter = await make();
    const ids = await Promise.all(Array.from({ length: 8 }, () => counter.getAndIncrement()));
    assert.deepEqual([...ids].sort((a, b) => a - b), [1, 2, 3, 4, 5, 6, 7, 8]);
    assert.equal(await counter.get(), 9);
  });
}

export function jobResultStoreContract(make: () => Promise<JobResultStore>): void {
  it('records a dirty result, lists it, and marks it clean', async () => {
    const store = await make();
    const jobId = newJobId();
    assert.equal(await store.hasJobResultEntry(jobId), false);
    await store.createDirtyResult({ jobId, applicationStatus: 'SUCCEEDED', netRuntime: 1234, accumulatorResults: { count: 3 } });
    assert.equal(await store.hasJobResultEntry(jobId), true);
    assert.equal(await store.hasDirtyJobResultEntry(jobId), true);
    assert.equal(await store.hasCleanJobResultEntry(jobId), false);
    const dirty = await store.getDirtyResults();
    assert.deepEqual(
      dirty.filter((r) => r.jobId === jobId),
      [{ jobId, applicationStatus: 'SUCCEEDED', netRuntime: 1234, accumulatorResults: { count: 3 } }],
    );
    await store.markResultAsClean(jobId);
    assert.equal(await store.hasDirtyJobResultEntry(jobId), false);
    assert.equal((await store.getDirtyResults()).some((r) => r.jobId === jobId), false);
  });

  it('keeps the failure of a failed job', async () => {
    const store = await make();
    const jobId = newJobId();
    const failure = { name: 'FlinkError', message: 'boom', code: 'TASK_FAILED' };
    await store.createDirtyResult({ jobId, applicationStatus: 'FAILED', netRuntime: 5, failure });
    const [entry] = (await store.getDirtyResults()).filter((r) => r.jobId === jobId);
    assert.deepEqual(entry?.failure, failure);
    assert.equal(entry?.applicationStatus, 'FAILED');
  });

  it('refuses a second result for a job, and marking a job without a dirty result', async () => {
    const store = await make();
    const jobId = newJobId();
    await store.createDirtyResult({ jobId, applicationStatus: 'CANCELED', netRuntime: 0 });
    await assert.rejects(store.createDirtyResult({ jobId, applicationStatus: 'FAILED', netRuntime: 0 }), { code: 'HA_JOB_RESULT_ENTRY' });
    await assert.rejects(store.markResultAsClean(newJobId()), { code: 'HA_JOB_RESULT_ENTRY' });
  });
}

export function blobStoreContract(make: () => Promise<BlobStore>): void {
  it('puts, gets and deletes blobs of a job', async () => {
    const store = await make();
    const jobId = newJobId();
    await store.put(jobId, 'bundle', Buffer.from('bundle bytes'));
    await store.put(jobId, 'extra.bin', (async function* () {
      yield Buffer.from('chunk 1, ');
      yield Buffer.from('chunk 2');
    })());
    assert.equal(text(await store.get(jobId, 'bundle')), 'bundle bytes');
    assert.equal(text(await store.get(jobId, 'extra.bin')), 'chunk 1, chunk 2');
    assert.equal(await store.get(jobId, 'missing'), undefined);
    assert.equal(await store.delete(jobId, 'bundle'), true);
    assert.equal(await store.delete(jobId, 'bundle'), false);
    await store.deleteAll(jobId);
    assert.equal(await store.get(jobId, 'extra.bin'), undefined);
  });

  it('refuses keys that could leave the job directory', async () => {
    const store = await make();
    await assert.rejects(store.put(newJobId(), '../x', Buffer.from('x')), RangeError);
  });
}
