/**
 * hdfs:// against a real HDFS (scripts/hadoop.sh): the FileSystem contract, WordCount reading from and
 * writing to HDFS at parallelism 4, and the errors a user meets (NameNode stopped, wrong port).
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { getFileSystem, HdfsFileSystem, NameNodeUnreachableError, resolveHdfsSettings, type FileSystem } from '../../src/fs/index.js';
import { fileSystemContract } from '../unit/fs/file-system-contract.js';
import { RawWebHdfs, startHdfs, stopHdfs, type HdfsInfo } from './support/hdfs-cluster.js';
import { BIN_DIR, DIST_DIR, EXAMPLES_DIR, FLINK_HOME, freePort, runCommand, StandaloneCluster } from './support/standalone-cluster.js';
import { runSinkMatrix } from './support/sink-matrix.js';
import { filesToRead, listEligibleFiles } from '../../src/runtime/operators/file-monitor-source.js';
import { diffCounts, expectedCounts, generateText, parseCountLines } from './support/word-data.js';

const SEED = 20261121;

describe('hdfs:// on a real HDFS (scripts/hadoop.sh)', function () {
  let hdfs: HdfsInfo;
  let raw: RawWebHdfs;
  let scratch = '';
  const savedConfDir = process.env.HADOOP_CONF_DIR;
  const user = process.env.HADOOP_USER_NAME || userInfo().username;
  const run = randomUUID().slice(0, 8);

  before(async function () {
    // A fresh machine resolves nothing here (CI caches the jars), but formatting and starting takes a while.
    this.timeout(420_000);
    hdfs = await startHdfs();
    process.env.HADOOP_CONF_DIR = hdfs.confDir;
    raw = new RawWebHdfs(hdfs.webhdfs, user);
    scratch = await mkdtemp(join(tmpdir(), 'hdfs-it-'));
  });

  after(async function () {
    this.timeout(180_000);
    if (savedConfDir === undefined) delete process.env.HADOOP_CONF_DIR;
    else process.env.HADOOP_CONF_DIR = savedConfDir;
    try {
      if (hdfs && !hdfs.startedHere) await raw.delete(`/it-${run}`).catch(() => {});
    } finally {
      await stopHdfs(hdfs);
      if (scratch) await rm(scratch, { recursive: true, force: true });
    }
  });

  fileSystemContract('HdfsFileSystem on the real HDFS', async () => {
    const base = `${hdfs.defaultFs}/it-${run}/contract/${randomUUID()}`;
    const fs = getFileSystem(base);
    await fs.mkdirs(base);
    return { fs, base, cleanup: async () => void (await fs.delete(base, true)) };
  });

  it('getFileSystem finds the NameNode HTTP address in $HADOOP_CONF_DIR/hdfs-site.xml', async () => {
    const fs = getFileSystem(`${hdfs.defaultFs}/`) as HdfsFileSystem;
    assert.ok(fs instanceof HdfsFileSystem);
    assert.equal((await fs.stat(`${hdfs.defaultFs}/`))?.isDirectory, true);
    const settings = resolveHdfsSettings(fs.authority);
    assert.equal(settings.endpoints[0]?.baseUrl, hdfs.webhdfs);
  });

  it('batch WordCount at -p 4 reads its input from hdfs:// and writes its output to hdfs://, its bundle stored in hdfs://', async function () {
    this.timeout(180_000);
    const text = generateText(SEED, 3_000_000, 3000);
    const dir = `/it-${run}/wordcount`;
    await raw.mkdirs(dir);
    await raw.put(`${dir}/input.txt`, text);
    const confDir = join(scratch, 'conf');
    await cp(join(FLINK_HOME, 'conf'), confDir, { recursive: true });
    const env: Record<string, string> = {
      ...(process.env as Record<string, string>),
      FLINK_CONF_DIR: confDir,
      FLINK_DIST_DIR: DIST_DIR,
      HADOOP_CONF_DIR: hdfs.confDir,
    };
    const input = `${hdfs.defaultFs}${dir}/input.txt`;
    const output = `${hdfs.defaultFs}${dir}/counts`;
    // The JobManager keeps the job bundle in HDFS too (blob.storage.directory), and removes it after the job.
    const blobs = `${hdfs.defaultFs}/it-${run}/blobs`;
    const r = await runCommand(
      join(BIN_DIR, 'flink'),
      ['run', '-t', 'local', '-p', '4', '-D', `blob.storage.directory=${blobs}`, join(EXAMPLES_DIR, 'batch', 'WordCount.js'), '--input', input, '--output', output],
      env,
      { timeout: 150_000 },
    );
    assert.equal(r.exitCode, 0, r.describe);
    assert.deepEqual(await raw.list(`/it-${run}/blobs`), [], 'the bundle directory was created in HDFS and is gone after the job');

    // Read back through WebHDFS itself, not through flink-ts.
    const listing = await raw.list(`${dir}/counts`);
    assert.deepEqual(listing.map((s) => s.pathSuffix).sort(), ['1', '2', '3', '4'], 'one file per subtask, no temporary files left');
    const actual = new Map<string, number>();
    for (const f of listing) {
      assert.ok(f.length > 0, `output file ${f.pathSuffix} is not empty: the input was split across the 4 readers`);
      for (const { word, count } of parseCountLines(await raw.read(`${dir}/counts/${f.pathSuffix}`), `hdfs file ${f.pathSuffix}`)) {
        assert.equal(actual.has(word), false, `word "${word}" written twice`);
        actual.set(word, count);
      }
    }
    assert.equal(diffCounts(actual, expectedCounts(text)), undefined);
  });

  it('readCsvFile / writeAsCsv (DataSet) and readTextFile / writeAsCsv (DataStream) work on hdfs://, and NO_OVERWRITE refuses an existing output', async function () {
    this.timeout(180_000);
    const dir = `/it-${run}/csv`;
    await raw.mkdirs(dir);
    const rows = Array.from({ length: 20_000 }, (_, i) => `k${i % 97},${i}`);
    await raw.put(`${dir}/in.csv`, `${rows.join('\n')}\n`);
    const program = join(scratch, 'csv-job.mjs');
    await writeFile(
      program,
      [
        "import { ExecutionEnvironment, StreamExecutionEnvironment, ParameterTool } from 'flink-ts';",
        'const p = ParameterTool.fromArgs(process.argv.slice(2));',
        "if (p.get('api') === 'dataset') {",
        '  const env = ExecutionEnvironment.getExecutionEnvironment();',
        "  env.readCsvFile(p.get('input'), { types: ['string', 'int'] }).map(([k, n]) => [k, n * 2]).writeAsCsv(p.get('output'));",
        "  await env.execute('csv on hdfs (DataSet)');",
        '} else {',
        '  const env = StreamExecutionEnvironment.getExecutionEnvironment();',
        "  env.readTextFile(p.get('input')).map((l) => l.split(',')).map(([k, n]) => [k, Number(n) + 1]).writeAsCsv(p.get('output'));",
        "  await env.execute('csv on hdfs (DataStream)');",
        '}',
      ].join('\n'),
    );
    const env: Record<string, string> = { ...(process.env as Record<string, string>), FLINK_DIST_DIR: DIST_DIR, HADOOP_CONF_DIR: hdfs.confDir };
    const input = `${hdfs.defaultFs}${dir}/in.csv`;
    const readBack = async (name: string): Promise<string[]> => {
      const files = await raw.list(`${dir}/${name}`);
      const lines: string[] = [];
      for (const f of files) lines.push(...(await raw.read(`${dir}/${name}/${f.pathSuffix}`)).split('\n').filter(Boolean));
      return lines.sort();
    };
    for (const [api, f] of [
      ['dataset', (n: number) => n * 2],
      ['datastream', (n: number) => n + 1],
    ] as const) {
      const output = `${hdfs.defaultFs}${dir}/out-${api}`;
      const r = await runCommand(join(BIN_DIR, 'flink'), ['run', '-t', 'local', '-p', '2', program, '--api', api, '--input', input, '--output', output], env, { timeout: 150_000 });
      assert.equal(r.exitCode, 0, r.describe);
      const expected = rows.map((row) => {
        const [k, n] = row.split(',');
        return `${k},${f(Number(n))}`;
      });
      assert.deepEqual(await readBack(`out-${api}`), expected.sort(), `${api}: every row once, transformed`);
    }
    const again = await runCommand(join(BIN_DIR, 'flink'), ['run', '-t', 'local', '-p', '2', program, '--api', 'dataset', '--input', input, '--output', `${hdfs.defaultFs}${dir}/out-dataset`], env, { timeout: 150_000 });
    assert.notEqual(again.exitCode, 0, 'writing to an existing path without OVERWRITE fails');
    assert.match(again.stdout + again.stderr, /already exists/);
  });

  it('file sinks on a standalone cluster: both APIs, -p 1 and 4, empty and non-empty input, complete in hdfs:// when flink run returns', async function () {
    this.timeout(420_000);
    const dir = `/it-${run}/sinks`;
    await raw.mkdirs(dir);
    // The daemons inherit HADOOP_CONF_DIR from this process (set in before()).
    const cluster = await StandaloneCluster.start();
    try {
      await runSinkMatrix({
        workDir: await cluster.tempDir('sinks'),
        writeInput: async (name, text) => {
          await raw.put(`${dir}/${name}`, text);
          return `${hdfs.defaultFs}${dir}/${name}`;
        },
        outBase: `${hdfs.defaultFs}${dir}/out`,
        readerBase: `${dir}/out`,
        reader: {
          list: async (path) => {
            const entries = await raw.list(path);
            const single = entries.length === 1 ? entries[0] : undefined;
            return single && single.pathSuffix === '' && single.type === 'FILE' ? undefined : entries.map((e) => e.pathSuffix);
          },
          read: (path) => raw.read(path),
        },
        run: (args) => cluster.flink(args, { timeout: 150_000 }),
      });
    } finally {
      await cluster.stop();
    }
  });

  it('readFile watches an hdfs:// directory: new and rewritten files are picked up, hidden ones skipped; PROCESS_ONCE reads it in a job', async function () {
    this.timeout(180_000);
    const dir = `/it-${run}/watched`;
    const root = `${hdfs.defaultFs}${dir}`;
    await raw.mkdirs(dir);
    await raw.put(`${dir}/a.txt`, 'a1\na2\n');
    await raw.put(`${dir}/_SUCCESS`, '');
    await raw.put(`${dir}/.a.txt.crc`, 'x');
    const fs = getFileSystem(root);
    // What PROCESS_CONTINUOUSLY does on every interval, here step by step.
    const seen = new Map<string, number>();
    const names = (files: { path: string }[]): string[] => files.map((f) => f.path);
    assert.deepEqual(names(filesToRead(await listEligibleFiles(fs, root), seen, () => true)), [`${root}/a.txt`]);
    assert.deepEqual(names(filesToRead(await listEligibleFiles(fs, root), seen, () => true)), [], 'nothing changed, nothing to read');
    await raw.put(`${dir}/b.txt`, 'b1\n');
    assert.deepEqual(names(filesToRead(await listEligibleFiles(fs, root), seen, () => true)), [`${root}/b.txt`]);
    const before = seen.get(`${root}/a.txt`) as number;
    await waitForClockTick(before);
    await raw.put(`${dir}/a.txt`, 'a1\na2\na3\n');
    assert.deepEqual(names(filesToRead(await listEligibleFiles(fs, root), seen, () => true)), [`${root}/a.txt`], 'a rewritten file is read again');

    const program = join(scratch, 'read-file-job.mjs');
    const output = join(scratch, 'read-file-out');
    await writeFile(
      program,
      [
        "import { StreamExecutionEnvironment, ParameterTool, TextInputFormat, FileProcessingMode } from 'flink-ts';",
        'const p = ParameterTool.fromArgs(process.argv.slice(2));',
        'const env = StreamExecutionEnvironment.getExecutionEnvironment();',
        "env.readFile(new TextInputFormat(p.get('input')), p.get('input'), FileProcessingMode.PROCESS_ONCE).writeAsText(p.get('output'));",
        "await env.execute('readFile on hdfs');",
      ].join('\n'),
    );
    const env: Record<string, string> = { ...(process.env as Record<string, string>), FLINK_DIST_DIR: DIST_DIR, HADOOP_CONF_DIR: hdfs.confDir };
    const r = await runCommand(join(BIN_DIR, 'flink'), ['run', '-t', 'local', '-p', '2', program, '--input', root, '--output', output], env, { timeout: 150_000 });
    assert.equal(r.exitCode, 0, r.describe);
    const lines: string[] = [];
    for (const f of ['1', '2']) lines.push(...(await readFile(join(output, f), 'utf8')).split('\n').filter(Boolean));
    assert.deepEqual(lines.sort(), ['a1', 'a2', 'a3', 'b1']);
  });

  it('a wrong port (the NameNode RPC port instead of its HTTP port) says it is not WebHDFS', async () => {
    const authority = hdfs.defaultFs.replace(/^hdfs:\/\//, '');
    const fs = new HdfsFileSystem({ authority, settings: resolveHdfsSettings(authority, { webhdfsAddress: authority }, { HADOOP_USER_NAME: user }) });
    await assert.rejects(fs.exists(`${hdfs.defaultFs}/`), (e: unknown) => {
      assert.ok(e instanceof NameNodeUnreachableError, String(e));
      assert.match(e.message, new RegExp(`http://${authority}/webhdfs/v1`));
      assert.match(e.message, /fs\.hdfs\.webhdfs\.address/);
      assert.match(e.message, /not as WebHDFS/);
      return true;
    });
  });

  describe('with the NameNode stopped', () => {
    let fs: FileSystem;
    let expectedUrl: string;
    let expectedSource: string;

    before(async function () {
      this.timeout(180_000);
      if (hdfs.startedHere) {
        // Ours to stop: the real thing.
        await stopHdfs(hdfs);
        expectedUrl = hdfs.webhdfs;
        expectedSource = join(hdfs.confDir, 'hdfs-site.xml');
        fs = getFileSystem(`${hdfs.defaultFs}/`);
      } else {
        // Someone else's HDFS keeps running: a copy of its configuration whose NameNode HTTP port has nothing behind it.
        const confDir = join(scratch, 'hadoop-conf-stopped');
        await cp(hdfs.confDir, confDir, { recursive: true });
        const site = join(confDir, 'hdfs-site.xml');
        const port = await freePort();
        const xml = await readFile(site, 'utf8');
        await writeFile(site, xml.replace(/(<name>dfs\.namenode\.http-address<\/name>\s*<value>)[^<]*/, `$1127.0.0.1:${port}`));
        expectedUrl = `http://127.0.0.1:${port}`;
        expectedSource = site;
        process.env.HADOOP_CONF_DIR = confDir;
        fs = getFileSystem(`${hdfs.defaultFs}/`);
        process.env.HADOOP_CONF_DIR = hdfs.confDir;
      }
    });

    it('names the URL and the config that produced it, within seconds', async () => {
      const t0 = Date.now();
      await assert.rejects(fs.list(`${hdfs.defaultFs}/`), (e: unknown) => {
        assert.ok(e instanceof NameNodeUnreachableError, String(e));
        assert.equal(e.code, 'HDFS_NAMENODE_UNREACHABLE');
        assert.match(e.message, new RegExp(`${expectedUrl}/webhdfs/v1`));
        assert.ok(e.message.includes(`dfs.namenode.http-address in ${expectedSource}`), e.message);
        assert.match(e.message, /scripts\/hadoop\.sh start/);
        return true;
      });
      assert.ok(Date.now() - t0 < 10_000, 'fails fast');
    });
  });
});

/** HDFS keeps modification times in milliseconds: waits until the clock passed `ms` so a rewrite gets a new one. */
async function waitForClockTick(ms: number): Promise<void> {
  while (Date.now() <= ms + 1) await new Promise((r) => setImmediate(r));
}
