/**
 * The recovery store contracts against the implementations that need no ZooKeeper: in memory (high-availability:
 * NONE, through StandaloneHaServices) and on the file system (job results, blobs) in a temporary directory.
 * The ZooKeeper implementations run the same contracts in test/integration/ha-zookeeper.it.spec.ts.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileSystemBlobStore, FileSystemJobResultStore, StandaloneHaServices } from '../../../src/ha/index.js';
import {
  blobStoreContract,
  checkpointIdCounterContract,
  completedCheckpointStoreContract,
  jobGraphStoreContract,
  jobResultStoreContract,
  newJobId,
} from '../../support/ha-store-contracts.js';

describe('HA recovery stores without ZooKeeper', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'flink-ha-stores-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const standalone = (): StandaloneHaServices => new StandaloneHaServices('localhost:6123', 'http://localhost:8081');

  describe('in memory (high-availability: NONE)', () => {
    describe('JobGraphStore', () => jobGraphStoreContract(async () => standalone().jobGraphStore()));
    describe('CompletedCheckpointStore', () => completedCheckpointStoreContract((n) => standalone().createCompletedCheckpointStore(newJobId(), n)));
    describe('CheckpointIdCounter', () => checkpointIdCounterContract(() => standalone().createCheckpointIdCounter(newJobId())));
    describe('JobResultStore', () => jobResultStoreContract(async () => standalone().jobResultStore()));
  });

  describe('on the file system', () => {
    describe('JobResultStore (delete on commit)', () => jobResultStoreContract(async () => new FileSystemJobResultStore(`file://${dir}/jrs-delete`, true)));
    describe('JobResultStore (kept on commit)', () => jobResultStoreContract(async () => new FileSystemJobResultStore(join(dir, 'jrs-keep'), false)));
    describe('BlobStore', () => blobStoreContract(async () => new FileSystemBlobStore(`file://${dir}/cluster`)));

    it("job result files are Flink's <jobid>_DIRTY.json, then <jobid>.json when kept", async () => {
      const store = new FileSystemJobResultStore(join(dir, 'jrs-names'), false);
      const jobId = newJobId();
      await store.createDirtyResult({ jobId, applicationStatus: 'SUCCEEDED', netRuntime: 1 });
      assert.deepEqual(await readdir(join(dir, 'jrs-names')), [`${jobId}_DIRTY.json`]);
      await store.markResultAsClean(jobId);
      assert.deepEqual(await readdir(join(dir, 'jrs-names')), [`${jobId}.json`]);
      assert.equal(await store.hasCleanJobResultEntry(jobId), true);
      await store.markResultAsClean(jobId); // already clean: nothing to do
    });

    it('blobs live under blob/job_<jobid>/blob_<key>', async () => {
      const store = new FileSystemBlobStore(join(dir, 'cluster-layout'));
      const jobId = newJobId();
      await store.put(jobId, 'bundle', Buffer.from('x'));
      assert.deepEqual(await readdir(join(dir, 'cluster-layout', 'blob', `job_${jobId}`)), ['blob_bundle']);
    });
  });

  it('standalone services: one leader with the default session id, and cleanupJobData forgets the job', async () => {
    const ha = standalone();
    await ha.start();
    const election = ha.jobManagerLeaderElection();
    const granted: string[] = [];
    await election.start({ grantLeadership: async (id) => void granted.push(id), revokeLeadership: async () => undefined });
    assert.deepEqual(granted, ['00000000-0000-0000-0000-000000000000']);
    assert.equal(election.hasLeadership('00000000-0000-0000-0000-000000000000'), true);
    const jobId = newJobId();
    await ha.jobGraphStore().putJobGraph(jobId, Buffer.from('g'));
    await (await ha.createCheckpointIdCounter(jobId)).getAndIncrement();
    await ha.cleanupJobData(jobId);
    assert.deepEqual(await ha.jobGraphStore().getJobIds(), []);
    assert.equal(await (await ha.createCheckpointIdCounter(jobId)).get(), 1);
    const seen: Array<string | undefined> = [];
    await ha.restLeaderRetrieval().start((l) => seen.push(l?.address));
    assert.deepEqual(seen, ['http://localhost:8081']);
    await election.close();
    assert.equal(election.hasLeadership('00000000-0000-0000-0000-000000000000'), false);
  });
});
