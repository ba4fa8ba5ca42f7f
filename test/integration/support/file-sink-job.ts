/**
 * A bounded streaming job with the three exactly-once sinks (FileSink with the default hourly buckets,
 * StreamingFileSink rolling by size with its own prefix and suffix, a user's TwoPhaseCommitSinkFunction), and
 * the check of its output as a user would make it: every record exactly once, in files with Flink's names,
 * no hidden file left. Runs on file:// and hdfs://; the output is read back without flink-ts' FileSystem.
 */
import assert from 'node:assert/strict';

export const FILE_SINK_PROGRAM = `
import { StreamExecutionEnvironment, ParameterTool, FileSink, StreamingFileSink, TwoPhaseCommitSinkFunction,
  BasePathBucketAssigner, DefaultRollingPolicy, OutputFileConfig, SimpleStringEncoder } from 'flink-ts';
import { appendFileSync, mkdirSync, renameSync, rmSync, existsSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
const p = ParameterTool.fromArgs(process.argv.slice(2));
const out = p.get('out');
const n = Number(p.get('n'));
const failAfter = Number(p.get('fail-after', '0'));

/** A transaction is a staging file; commit renames it into place. */
class FilePerTransaction extends TwoPhaseCommitSinkFunction {
  constructor(dir) { super(); this.dir = dir; }
  open() { mkdirSync(this.dir, { recursive: true }); }
  beginTransaction() { return { id: randomUUID() }; }
  invoke(txn, value) { appendFileSync(this.dir + '/.txn-' + txn.id, value + '\\n'); }
  preCommit(txn) { if (!existsSync(this.dir + '/.txn-' + txn.id)) appendFileSync(this.dir + '/.txn-' + txn.id, ''); }
  commit(txn) { if (existsSync(this.dir + '/.txn-' + txn.id)) renameSync(this.dir + '/.txn-' + txn.id, this.dir + '/txn-' + txn.id); }
  abort(txn) { rmSync(this.dir + '/.txn-' + txn.id, { force: true }); }
}

const env = StreamExecutionEnvironment.getExecutionEnvironment();
const numbers = failAfter > 0
  ? env.addSource(async function* () {
      for (let i = 1; i <= failAfter; i++) yield i;
      throw new Error('planned source failure after ' + failAfter + ' records');
    }, 'Failing source')
  : env.fromSequence(1, n);
const spread = numbers.rebalance();
spread.map((i) => 'file-sink-' + i).sinkTo(FileSink.forRowFormat(out + '/filesink', new SimpleStringEncoder()).build());
spread.map((i) => ['streaming', i]).addSink(
  StreamingFileSink.forRowFormat(out + '/streaming')
    .withBucketAssigner(new BasePathBucketAssigner())
    .withRollingPolicy(DefaultRollingPolicy.builder().withMaxPartSize(4096).build())
    .withOutputFileConfig(OutputFileConfig.builder().withPartPrefix('events').withPartSuffix('.txt').build())
    .build(),
);
if (p.has('txn-dir')) spread.map((i) => 'txn-' + i).addSink(new FilePerTransaction(p.get('txn-dir')));
await env.execute('exactly-once file sinks');
`;

/** Reads the output back without flink-ts' FileSystem. */
export interface TreeReader {
  /** Entries of a directory; throws when it does not exist. */
  list(path: string): Promise<Array<{ name: string; directory: boolean }>>;
  read(path: string): Promise<string>;
}

/** Every file below `dir`: path relative to it → content. */
export async function readTree(reader: TreeReader, dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const visit = async (abs: string, rel: string): Promise<void> => {
    for (const e of await reader.list(abs)) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.directory) await visit(`${abs}/${e.name}`, r);
      else out.set(r, await reader.read(`${abs}/${e.name}`));
    }
  };
  await visit(dir, '');
  return out;
}

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

function linesOf(files: Map<string, string>): string[] {
  return [...files.values()].flatMap((c) => c.split('\n').filter((l) => l !== ''));
}

function assertExactlyOnce(what: string, lines: string[], expected: string[]): void {
  const seen = new Set<string>();
  const twice = lines.filter((l) => (seen.has(l) ? true : (seen.add(l), false)));
  assert.deepEqual(twice.slice(0, 5), [], `${what}: records written twice`);
  assert.deepEqual(
    expected.filter((e) => !seen.has(e)).slice(0, 5),
    [],
    `${what}: records missing`,
  );
  assert.equal(lines.length, expected.length, `${what}: ${lines.length} lines for ${expected.length} records`);
}

/** Checks the output of a successful run of FILE_SINK_PROGRAM over 1..n. */
export async function checkCommittedOutput(reader: TreeReader, out: string, n: number): Promise<void> {
  const numbers = Array.from({ length: n }, (_, i) => i + 1);

  const fileSink = await readTree(reader, `${out}/filesink`);
  for (const rel of fileSink.keys()) {
    assert.match(rel, new RegExp(`^\\d{4}-\\d{2}-\\d{2}--\\d{2}/part-${UUID}-\\d+$`), 'FileSink: hourly bucket directory, Flink part name, nothing hidden');
  }
  assertExactlyOnce('FileSink', linesOf(fileSink), numbers.map((i) => `file-sink-${i}`));

  const streaming = await readTree(reader, `${out}/streaming`);
  for (const [rel, content] of streaming) {
    assert.match(rel, new RegExp(`^events-${UUID}-\\d+\\.txt$`), 'StreamingFileSink: prefix and suffix, nothing hidden');
    assert.ok(Buffer.byteLength(content) <= 4096 + '(streaming,99999)\n'.length, `${rel} rolled at the maximum part size (${Buffer.byteLength(content)} bytes)`);
  }
  assert.ok(streaming.size >= 2, 'several part files');
  assertExactlyOnce('StreamingFileSink', linesOf(streaming), numbers.map((i) => `(streaming,${i})`));
}

/**
 * After a failed run: no file is visible. Hidden in-progress files of the cancelled sink tasks may stay, as in
 * Flink (a cancelled task is not closed); they carry the sink's names and a restore of the job removes them.
 */
export async function checkNothingVisible(reader: TreeReader, out: string): Promise<void> {
  for (const sink of ['filesink', 'streaming']) {
    let files: Map<string, string>;
    try {
      files = await readTree(reader, `${out}/${sink}`);
    } catch {
      continue; // never created: fine
    }
    const visible = [...files.keys()].filter((rel) => !/^[._]/.test(rel.slice(rel.lastIndexOf('/') + 1)));
    assert.deepEqual(visible, [], `${sink}: nothing visible after the failure`);
    for (const rel of files.keys()) assert.match(rel, new RegExp(`(^|/)\\.{1,2}(part|events)-${UUID}-\\d+`), `${sink}: only the sink's own hidden files`);
  }
}

export { assertExactlyOnce, linesOf };
