/**
 * FileSink and StreamingFileSink writing to a real HDFS (scripts/hadoop.sh, reused when one runs): a bounded
 * streaming job at -p 2 commits every record exactly once under Flink names, read back through WebHDFS itself.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { RawWebHdfs, startHdfs, stopHdfs, type HdfsInfo } from './support/hdfs-cluster.js';
import { BIN_DIR, DIST_DIR, runCommand } from './support/standalone-cluster.js';
import { checkCommittedOutput, FILE_SINK_PROGRAM, type TreeReader } from './support/file-sink-job.js';

describe('exactly-once file sinks on a real HDFS (scripts/hadoop.sh)', function () {
  let hdfs: HdfsInfo | undefined;
  let raw: RawWebHdfs;
  let scratch = '';
  const run = randomUUID().slice(0, 8);
  const user = process.env.HADOOP_USER_NAME || userInfo().username;

  before(async function () {
    this.timeout(420_000);
    hdfs = await startHdfs();
    raw = new RawWebHdfs(hdfs.webhdfs, user);
    scratch = await mkdtemp(join(tmpdir(), 'file-sink-hdfs-it-'));
  });

  after(async function () {
    this.timeout(180_000);
    try {
      if (hdfs) await raw.delete(`/it-file-sink-${run}`).catch(() => {});
    } finally {
      await stopHdfs(hdfs);
      if (scratch) await rm(scratch, { recursive: true, force: true });
    }
  });

  it('a bounded job at -p 2 commits every record exactly once into hdfs://, under Flink names', async function () {
    this.timeout(240_000);
    const info = hdfs as HdfsInfo;
    const program = join(scratch, 'file-sinks.mjs');
    await writeFile(program, FILE_SINK_PROGRAM);
    const dir = `/it-file-sink-${run}`;
    const n = 5000;
    const env: Record<string, string> = { ...(process.env as Record<string, string>), FLINK_DIST_DIR: DIST_DIR, HADOOP_CONF_DIR: info.confDir };
    const r = await runCommand(join(BIN_DIR, 'flink'), ['run', '-t', 'local', '-p', '2', program, '--out', `${info.defaultFs}${dir}`, '--n', String(n)], env, { timeout: 200_000 });
    assert.equal(r.exitCode, 0, r.describe);
    const reader: TreeReader = {
      list: async (path) => (await raw.list(path)).map((s) => ({ name: s.pathSuffix, directory: s.type === 'DIRECTORY' })),
      read: (path) => raw.read(path),
    };
    await checkCommittedOutput(reader, dir, n);
  });
});
