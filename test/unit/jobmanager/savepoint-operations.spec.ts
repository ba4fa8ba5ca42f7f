/**
 * The dispatcher's savepoint operations: which directory a savepoint goes to, idempotent trigger ids, the
 * bounded result registry (rest.async.store-duration), and disposal on a real file system.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { AsyncOperationRegistry, TooManyOperationsError, UnknownOperationError } from '../../../src/jobmanager/dispatcher/async-operations.js';
import { disposeSavepointAt, NotASavepointError, SavepointNotFoundError } from '../../../src/jobmanager/dispatcher/savepoint-disposal.js';
import {
  SavepointDirectoryMissingError,
  SavepointOperations,
  type SavepointableJob,
  type SavepointTriggerRequest,
} from '../../../src/jobmanager/dispatcher/savepoint-operations.js';
import type { SavepointRequest } from '../../../src/jobmanager/checkpoint/checkpoint-stats.js';
import type { JobGraph } from '../../../src/graph/index.js';
import { waitFor } from '../../support/processes.js';

const JOB = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';

/** A job whose savepoints wait until the test settles them. */
class TestingJob implements SavepointableJob {
  readonly requests: SavepointRequest[] = [];
  private readonly pending: Array<{ resolve: (l: string) => void; reject: (e: Error) => void }> = [];

  constructor(readonly graph: JobGraph) {}

  triggerSavepoint(request: SavepointRequest): Promise<string> {
    this.requests.push(request);
    return new Promise((resolve, reject) => this.pending.push({ resolve, reject }));
  }

  complete(location: string): Promise<void> {
    this.pending.shift()?.resolve(location);
    return settled();
  }

  fail(err: Error): Promise<void> {
    this.pending.shift()?.reject(err);
    return settled();
  }
}

/** Lets promise callbacks run. */
function settled(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function graph(jobConfiguration?: Record<string, string>): JobGraph {
  return { jobId: JOB, ...(jobConfiguration ? { jobConfiguration } : {}) } as JobGraph;
}

function request(overrides: Partial<SavepointTriggerRequest> = {}): SavepointTriggerRequest {
  return { targetDirectory: undefined, then: 'continue', formatType: 'CANONICAL', triggerId: undefined, ...overrides };
}

describe('dispatcher: savepoint operations', () => {
  let now: number;
  let job: TestingJob;

  function operations(defaultSavepointDirectory?: string, maxEntries = 16): SavepointOperations {
    return new SavepointOperations({
      job: (id) => {
        if (id !== JOB) throw Object.assign(new Error(`Job ${id} not found`), { name: 'FlinkJobNotFoundException' });
        return job;
      },
      defaultSavepointDirectory,
      storeDurationMs: 60_000,
      maxEntries,
      now: () => now,
    });
  }

  beforeEach(() => {
    now = 1_000_000;
    job = new TestingJob(graph());
  });

  it('refuses a savepoint without a directory (none asked for, none configured) and one of an unknown job', () => {
    assert.throws(() => operations().trigger(JOB, request()), SavepointDirectoryMissingError);
    assert.throws(() => operations('/sp').trigger('ffffffffffffffffffffffffffffffff', request()), /not found/);
    assert.equal(job.requests.length, 0);
  });

  it("takes the request's directory, else the job's state.savepoints.dir, else the cluster's, and passes what follows", () => {
    const ops = operations('hdfs:///cluster/savepoints');
    const plain = job;
    ops.trigger(JOB, request({ targetDirectory: 'file:///asked' }));
    ops.trigger(JOB, request());
    job = new TestingJob(graph({ 'state.savepoints.dir': 'file:///job/savepoints' }));
    ops.trigger(JOB, request({ then: 'drain', formatType: 'NATIVE' }));
    assert.deepEqual(plain.requests, [
      { targetDirectory: 'file:///asked', then: 'continue', formatType: 'CANONICAL' },
      { targetDirectory: 'hdfs:///cluster/savepoints', then: 'continue', formatType: 'CANONICAL' },
    ]);
    assert.deepEqual(job.requests, [{ targetDirectory: 'file:///job/savepoints', then: 'drain', formatType: 'NATIVE' }]);
  });

  it('reports IN_PROGRESS, then the location or the failure; a retried trigger id takes no second savepoint', async () => {
    const ops = operations('/sp');
    const triggerId = '0123456789abcdef0123456789abcdef';
    assert.deepEqual(ops.trigger(JOB, request({ triggerId })), { triggerId });
    assert.deepEqual(ops.trigger(JOB, request({ triggerId })), { triggerId });
    assert.equal(job.requests.length, 1);
    assert.deepEqual(ops.status(JOB, triggerId), { status: 'IN_PROGRESS' });
    await job.complete('/sp/savepoint-a1b2c3-0123456789ab');
    assert.deepEqual(ops.status(JOB, triggerId), { status: 'SUCCESS', result: '/sp/savepoint-a1b2c3-0123456789ab' });

    const { triggerId: other } = ops.trigger(JOB, request());
    assert.notEqual(other, triggerId);
    await job.fail(new Error('Checkpoint was declined (tasks not ready)'));
    const failed = ops.status(JOB, other);
    assert.equal(failed.status, 'FAILURE');
    assert.equal(failed.status === 'FAILURE' && failed.error.message, 'Checkpoint was declined (tasks not ready)');
    assert.throws(() => ops.status(JOB, 'ffffffffffffffffffffffffffffffff'), UnknownOperationError);
  });

  it('forgets a result rest.async.store-duration after the operation ended, never while it runs', async () => {
    const ops = operations('/sp');
    const { triggerId } = ops.trigger(JOB, request());
    now += 10 * 60_000;
    assert.deepEqual(ops.status(JOB, triggerId), { status: 'IN_PROGRESS' });
    await job.complete('/sp/1');
    now += 59_000;
    assert.equal(ops.status(JOB, triggerId).status, 'SUCCESS');
    now += 2_000;
    assert.throws(() => ops.status(JOB, triggerId), /There is no savepoint operation with triggerId=/);
  });

  it('holds a bounded number of operations: the oldest finished results go first, and running ones are never dropped', async () => {
    const registry = new AsyncOperationRegistry<number>({ storeDurationMs: 0, maxEntries: 2, now: () => now });
    let release!: (n: number) => void;
    registry.registerIfAbsent('running', () => new Promise<number>((r) => (release = r)));
    registry.registerIfAbsent('done-1', () => Promise.resolve(1));
    await settled();
    registry.registerIfAbsent('done-2', () => Promise.resolve(2));
    await settled();
    assert.equal(registry.status('done-1'), undefined);
    assert.deepEqual(registry.status('done-2'), { status: 'SUCCESS', result: 2 });
    // done-2 makes room for another; then only running entries are left and a new one is refused.
    registry.registerIfAbsent('more', () => new Promise<number>(() => {}));
    assert.equal(registry.status('done-2'), undefined);
    assert.throws(() => registry.registerIfAbsent('too-many', () => new Promise<number>(() => {})), TooManyOperationsError);
    release(7);
    await settled();
    assert.deepEqual(registry.status('running'), { status: 'SUCCESS', result: 7 });
  });

  it('refuses new operations when every entry is still running', () => {
    const registry = new AsyncOperationRegistry<number>({ storeDurationMs: 0, maxEntries: 1, now: () => now });
    registry.registerIfAbsent('a', () => new Promise<number>(() => {}));
    assert.throws(() => registry.registerIfAbsent('b', () => new Promise<number>(() => {})), TooManyOperationsError);
  });

  describe('disposal', () => {
    let dir: string;

    beforeEach(async () => {
      dir = await mkdtemp(join(tmpdir(), 'flink-savepoint-disposal-'));
    });

    afterEach(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    async function savepoint(name: string): Promise<string> {
      const sp = join(dir, name);
      await mkdir(join(sp, 'op-1'), { recursive: true });
      await writeFile(join(sp, '_metadata'), 'metadata');
      await writeFile(join(sp, 'op-1', 'state'), 'state');
      return sp;
    }

    it('removes a savepoint directory given as a path, a file:// URI or its _metadata file', async () => {
      const a = await savepoint('savepoint-a1b2c3-000000000001');
      const b = await savepoint('savepoint-a1b2c3-000000000002');
      const c = await savepoint('savepoint-a1b2c3-000000000003');
      await disposeSavepointAt(`${a}/`);
      await disposeSavepointAt(pathToFileURL(b).href);
      await disposeSavepointAt(join(c, '_metadata'));
      for (const p of [a, b, c]) assert.equal(existsSync(p), false, p);
      assert.equal(existsSync(dir), true, 'the parent directory stays');
    });

    it('refuses a directory without _metadata and a path that does not exist, touching nothing', async () => {
      const plain = join(dir, 'not-a-savepoint');
      await mkdir(plain);
      await writeFile(join(plain, 'data'), 'keep me');
      await assert.rejects(disposeSavepointAt(plain), NotASavepointError);
      await assert.rejects(disposeSavepointAt(join(plain, 'data')), NotASavepointError);
      assert.equal(existsSync(join(plain, 'data')), true);
      await assert.rejects(disposeSavepointAt(join(dir, 'missing')), SavepointNotFoundError);
    });

    it('runs as an operation polled by trigger id', async () => {
      const ops = operations('/sp');
      const sp = await savepoint('savepoint-a1b2c3-000000000004');
      const { triggerId } = ops.dispose(sp);
      const bad = ops.dispose(join(dir, 'missing'));
      const done = (id: string) => () => (ops.disposalStatus(id).status === 'IN_PROGRESS' ? undefined : ops.disposalStatus(id));
      assert.deepEqual(await waitFor('the disposal to end', 10_000, done(triggerId), 10), { status: 'SUCCESS', result: undefined });
      assert.equal(existsSync(sp), false);
      const failed = await waitFor('the failed disposal to end', 10_000, done(bad.triggerId), 10);
      assert.equal(failed.status === 'FAILURE' && failed.error.code, 'SAVEPOINT_NOT_FOUND');
      assert.throws(() => ops.disposalStatus('ffffffffffffffffffffffffffffffff'), UnknownOperationError);
    });
  });
});
