/**
 * FileSink, StreamingFileSink and a TwoPhaseCommitSinkFunction on a real standalone cluster (2 TaskManagers x 2
 * slots), file://: a bounded streaming job commits every record exactly once by the time `flink run` returns,
 * under Flink's part file names; a job that fails makes nothing visible.
 */
import assert from 'node:assert/strict';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { StandaloneCluster } from './support/standalone-cluster.js';
import { assertExactlyOnce, checkCommittedOutput, checkNothingVisible, FILE_SINK_PROGRAM, linesOf, readTree, type TreeReader } from './support/file-sink-job.js';

const local: TreeReader = {
  list: async (path) => (await readdir(path, { withFileTypes: true })).map((e) => ({ name: e.name, directory: e.isDirectory() })),
  read: (path) => readFile(path, 'utf8'),
};

describe('exactly-once file sinks on a standalone cluster (file://)', function () {
  let cluster: StandaloneCluster;

  before(async function () {
    this.timeout(120_000);
    cluster = await StandaloneCluster.start();
  });

  after(async function () {
    this.timeout(90_000);
    await cluster?.stop();
  });

  it('a bounded job at -p 2: every record exactly once, committed under Flink names when flink run returns', async function () {
    this.timeout(180_000);
    const dir = await cluster.tempDir('file-sink');
    const program = join(dir, 'file-sinks.mjs');
    await writeFile(program, FILE_SINK_PROGRAM);
    const n = 5000;
    const out = join(dir, 'out');
    const r = await cluster.flink(['run', '-p', '2', program, '--out', `file://${out}`, '--n', String(n), '--txn-dir', join(dir, 'txn')], { timeout: 150_000 });
    assert.equal(r.exitCode, 0, r.describe);
    await checkCommittedOutput(local, out, n);
    // The two-phase-commit sink: one committed transaction per subtask (no checkpoints), no staging file left.
    const txns = await readTree(local, join(dir, 'txn'));
    assert.deepEqual(
      [...txns.keys()].filter((k) => !/^txn-[0-9a-f-]{36}$/.test(k)),
      [],
      'only committed transactions',
    );
    assertExactlyOnce(
      'TwoPhaseCommitSinkFunction',
      linesOf(txns),
      Array.from({ length: n }, (_, i) => `txn-${i + 1}`),
    );
  });

  it('a job that fails makes nothing visible', async function () {
    this.timeout(180_000);
    const dir = await cluster.tempDir('file-sink-failing');
    const program = join(dir, 'file-sinks.mjs');
    await writeFile(program, FILE_SINK_PROGRAM);
    const out = join(dir, 'out');
    const r = await cluster.flink(['run', '-p', '2', program, '--out', out, '--fail-after', '3000', '--txn-dir', join(dir, 'txn')], { timeout: 150_000 });
    assert.notEqual(r.exitCode, 0, r.describe);
    assert.match(r.stdout + r.stderr, /planned source failure after 3000 records/);
    await checkNothingVisible(local, out);
    const txns = await readTree(local, join(dir, 'txn')).catch(() => new Map<string, string>());
    assert.deepEqual(
      [...txns.keys()].filter((k) => !k.startsWith('.')),
      [],
      'no transaction committed',
    );
  });
});
