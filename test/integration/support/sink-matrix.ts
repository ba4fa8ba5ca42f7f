/**
 * The file-sink matrix of issue 6: writeAsText and writeAsCsv, from the DataStream and the DataSet API, at
 * parallelism 1 and 4, with an empty and a non-empty input. Every output is checked the moment `flink run`
 * returns: the file (or the part files 1..n) exists under its final name, holds exactly the expected lines,
 * and no hidden in-progress file is left beside it. The same matrix runs on file:// and on hdfs://.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CommandResult } from './standalone-cluster.js';

/** Reads outputs back through something other than flink-ts' own FileSystem. */
export interface OutputReader {
  /** Names in a directory; undefined when the path is a plain file; throws when nothing is there. */
  list(path: string): Promise<string[] | undefined>;
  read(path: string): Promise<string>;
}

export interface SinkMatrixOptions {
  /** Where the program and its input go (a local directory). */
  workDir: string;
  /** Where the input file lives, as the job sees it (a local path or an hdfs:// URI). */
  writeInput(name: string, text: string): Promise<string>;
  /** The directory the outputs go to, as the job sees it; `<outBase>/<case>/<sink>`. */
  outBase: string;
  /** The same directory as `reader` takes it. */
  readerBase: string;
  reader: OutputReader;
  run(args: string[]): Promise<CommandResult>;
}

const PROGRAM = `
import { ExecutionEnvironment, StreamExecutionEnvironment, ParameterTool } from 'flink-ts';
const p = ParameterTool.fromArgs(process.argv.slice(2));
const out = p.get('out');
if (p.get('api') === 'dataset') {
  const env = ExecutionEnvironment.getExecutionEnvironment();
  // distinct() puts an exchange before the sinks: their tasks see the end of an empty input at once.
  const lines = env.readTextFile(p.get('input')).distinct();
  lines.map((l) => 'text:' + l).writeAsText(out + '/text');
  lines.map((l) => ['csv', l, l.length]).writeAsCsv(out + '/csv');
  await env.execute('sink matrix (DataSet)');
} else {
  const env = StreamExecutionEnvironment.getExecutionEnvironment();
  const lines = env.readTextFile(p.get('input')).rebalance();
  lines.map((l) => 'text:' + l).writeAsText(out + '/text');
  lines.map((l) => ['csv', l, l.length]).writeAsCsv(out + '/csv');
  await env.execute('sink matrix (DataStream)');
}
`;

/** Runs every case of the matrix; fails with every case that went wrong, not just the first. */
export async function runSinkMatrix(o: SinkMatrixOptions): Promise<void> {
  const program = join(o.workDir, 'sink-matrix.mjs');
  await writeFile(program, PROGRAM);
  const lines = Array.from({ length: 2000 }, (_, i) => `line-${i}`);
  const inputs = {
    empty: await o.writeInput('empty.txt', ''),
    data: await o.writeInput('data.txt', `${lines.join('\n')}\n`),
  };
  const problems: string[] = [];
  for (const api of ['datastream', 'dataset'] as const) {
    for (const parallelism of [1, 4]) {
      for (const input of ['empty', 'data'] as const) {
        const name = `${api}-p${parallelism}-${input}`;
        const r = await o.run(['run', '-p', String(parallelism), program, '--api', api, '--input', inputs[input], '--out', `${o.outBase}/${name}`]);
        if (r.exitCode !== 0) {
          problems.push(`${name}: flink run failed\n${r.describe}`);
          continue;
        }
        const expected = input === 'empty' ? [] : lines;
        const sinks: Array<[string, string[]]> = [
          ['text', expected.map((l) => `text:${l}`)],
          ['csv', expected.map((l) => `csv,${l},${l.length}`)],
        ];
        for (const [sink, want] of sinks) {
          const problem = await checkOutput(o.reader, `${o.readerBase}/${name}/${sink}`, parallelism, want);
          if (problem) problems.push(`${name} ${sink}: ${problem}`);
        }
        // For parallelism 1 the in-progress files sit beside the outputs, so the case directory shows them.
        const left = await o.reader.list(`${o.readerBase}/${name}`).catch(() => undefined);
        if (left?.sort().join(',') !== 'csv,text') problems.push(`${name}: expected only csv and text in the output directory, found [${left?.join(', ')}]`);
      }
    }
  }
  assert.deepEqual(problems, [], problems.join('\n'));
}

async function checkOutput(reader: OutputReader, path: string, parallelism: number, want: string[]): Promise<string | undefined> {
  let names: string[] | undefined;
  try {
    names = await reader.list(path);
  } catch (err) {
    return `no output at ${path} when flink run returned (${(err as Error).message})`;
  }
  let files: string[];
  if (parallelism === 1) {
    if (names !== undefined) return `expected a file at ${path}, found a directory with [${names.join(', ')}]`;
    files = [path];
  } else {
    const expectedNames = Array.from({ length: parallelism }, (_, i) => String(i + 1));
    if (names === undefined) return `expected a directory of ${parallelism} files at ${path}, found a file`;
    if ([...names].sort().join(',') !== [...expectedNames].sort().join(',')) {
      return `expected exactly the files [${expectedNames.join(', ')}] in ${path}, found [${names.join(', ')}]`;
    }
    files = expectedNames.map((n) => `${path}/${n}`);
  }
  const got: string[] = [];
  for (const f of files) got.push(...(await reader.read(f)).split('\n').filter((l) => l !== ''));
  got.sort();
  const sorted = [...want].sort();
  if (got.length !== sorted.length || got.some((l, i) => l !== sorted[i])) {
    return `expected ${sorted.length} lines, read ${got.length} (first differences: ${JSON.stringify(got.slice(0, 3))} vs ${JSON.stringify(sorted.slice(0, 3))})`;
  }
  return undefined;
}
