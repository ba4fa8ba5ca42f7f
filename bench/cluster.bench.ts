/**
 * Cluster throughput: batch WordCount and a streaming map → keyBy → sum job on a real standalone cluster
 * (bin/start-cluster.sh, two TaskManagers with one slot each, jobs through `bin/flink run -p <p>`), in
 * records/s and records/s per slot, with the peak memory of every daemon.
 *
 *   node dist/bench/cluster.bench.js [--records N] [--parallelism 1,2] [--runs 3] [--keys 1000,100000]
 *        [--jobs batch,stream] [--cpu-prof <dir>] [--json <file>] [--conf key=value]...
 *
 * Layout: 2 TaskManagers x 1 slot on this host. At p=2 subtask i of every vertex runs in slot i (slot sharing),
 * so a keyBy channel whose producer and consumer sit in different TaskManagers goes record writer → TaskManager
 * main thread → TCP → other TaskManager → worker; the others stay inside one worker thread. At p=1 the whole
 * job runs in one worker of one TaskManager (the other idles). Every measurement gets a fresh cluster, so its
 * peak memory is its own, not what an earlier job left in a TaskManager's heap.
 */
import { createWriteStream, existsSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { machine, StandaloneBenchCluster, stats, writeProgram, type JobRun } from './cluster-harness.js';

interface Args {
  records: number;
  parallelism: number[];
  runs: number;
  keys: number[];
  jobs: string[];
  cpuProf: string | undefined;
  json: string | undefined;
  /** Extra flink-conf.yaml lines, `--conf key=value` (repeatable). */
  conf: string[];
}

function parseArgs(argv: string[]): Args {
  const a: Args = { records: 10_000_000, parallelism: [1, 2], runs: 3, keys: [1000, 100_000], jobs: ['batch', 'stream'], cpuProf: undefined, json: undefined, conf: [] };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    const v = argv[i + 1];
    const list = (): number[] => (v ?? '').split(',').map(Number).filter((n) => n > 0);
    switch (k) {
      case '--records': a.records = Number(v); break;
      case '--parallelism': a.parallelism = list(); break;
      case '--runs': a.runs = Number(v); break;
      case '--keys': a.keys = list(); break;
      case '--jobs': a.jobs = (v ?? '').split(','); break;
      case '--cpu-prof': a.cpuProf = v; break;
      case '--json': a.json = v; break;
      case '--conf': a.conf.push((v ?? '').replace('=', ': ')); break;
      default: throw new Error(`Unknown argument ${k}. Usage: cluster.bench.js [--records N] [--parallelism 1,2] [--runs 3] [--keys 1000,100000] [--jobs batch,stream] [--cpu-prof dir] [--json file] [--conf key=value]...`);
    }
    i++;
  }
  if (!(a.records > 0) || a.parallelism.length === 0 || !(a.runs > 0)) throw new Error('--records, --parallelism and --runs need positive values.');
  return a;
}

const STREAM_PROGRAM = `
import { StreamExecutionEnvironment, ParameterTool } from 'flink-ts';
const params = ParameterTool.fromArgs(process.argv.slice(2));
const n = Number(params.get('records'));
const keys = Number(params.get('keys'));
const perKey = Math.floor(n / keys);
const env = StreamExecutionEnvironment.getExecutionEnvironment();
env.generateSequence(1, n)
  .map((i) => [i % keys, 1])
  .keyBy(0)
  .sum(1)
  // Only each key's final count reaches the sink, so the sink does not dominate.
  .filter((r) => r[1] === perKey)
  .writeAsText(params.get('output'), 'OVERWRITE');
await env.execute('bench: sequence -> map -> keyBy -> sum');
`;

// Tokenizer as in examples/batch/WordCount.js.
const BATCH_PROGRAM = `
import { ExecutionEnvironment, ParameterTool } from 'flink-ts';
const params = ParameterTool.fromArgs(process.argv.slice(2));
const env = ExecutionEnvironment.getExecutionEnvironment();
env.readTextFile(params.get('input'))
  .flatMap((line, out) => {
    for (const word of line.toLowerCase().split(/\\W+/)) {
      if (word.length > 0) out.collect([word, 1]);
    }
  })
  .groupBy(0)
  .sum(1)
  .map(([word, count]) => word + ' ' + count)
  .writeAsText(params.get('output'), 'OVERWRITE');
await env.execute('bench: batch WordCount');
`;

/** ~`words` words in lines of 10, from a 10,000-word vocabulary with a skewed (roughly Zipf-like) frequency. */
async function generateText(path: string, words: number): Promise<number> {
  let seed = 42;
  const rnd = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
  const vocab: string[] = [];
  for (let i = 0; i < 10_000; i++) {
    const len = 3 + Math.floor(rnd() * 8);
    let w = '';
    for (let j = 0; j < len; j++) w += String.fromCharCode(97 + Math.floor(rnd() * 26));
    vocab.push(w);
  }
  const out = createWriteStream(path);
  let chunk = '';
  for (let i = 0; i < words; i++) {
    const r = rnd();
    chunk += vocab[Math.floor(r * r * vocab.length)] as string;
    chunk += i % 10 === 9 ? '\n' : ' ';
    if (chunk.length >= 1 << 20) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  out.end(chunk + '\n');
  await once(out, 'finish');
  return statSync(path).size;
}

/** All lines of a sink's output: the file itself at p=1, the files of the directory when parallel. */
async function outputLines(path: string): Promise<string[]> {
  if (!existsSync(path)) return [];
  const files = statSync(path).isDirectory() ? (await readdir(path)).map((n) => join(path, n)) : [path];
  return files.flatMap((f) => readFileSync(f, 'utf8').split('\n').filter((l) => l.length > 0));
}

interface Measurement {
  job: string;
  parallelism: number;
  records: number;
  bytesIn: number;
  runs: JobRun[];
}

const M = (v: number): string => `${(v / 1e6).toFixed(2)}M`;
const K = (v: number): string => (v >= 1e6 ? M(v) : v >= 1e3 ? `${(v / 1e3).toFixed(0)}K` : String(Math.round(v)));

function report(m: Measurement): string {
  const rate = stats(m.runs.map((r) => (m.records / r.netRuntimeMs) * 1000));
  const taskRate = stats(m.runs.map((r) => (m.records / r.taskRuntimeMs) * 1000));
  const runtime = stats(m.runs.map((r) => r.netRuntimeMs));
  const lines = [
    `${m.job}  p=${m.parallelism}  ${m.records.toLocaleString('en')} records, ${m.runs.length} runs`,
    `  job net runtime  median ${runtime.median} ms (${runtime.min}..${runtime.max})`,
    `  records/s        median ${K(rate.median)} (${K(rate.min)}..${K(rate.max)})   per slot ${K(rate.median / m.parallelism)}` +
      `   [task time only: ${K(taskRate.median)}, per slot ${K(taskRate.median / m.parallelism)}]`,
  ];
  if (m.bytesIn > 0) lines.push(`  input MB/s       median ${((m.bytesIn / 1e6 / runtime.median) * 1000).toFixed(1)}`);
  const last = m.runs[m.runs.length - 1] as JobRun;
  const exchange = last.vertices.slice(1).reduce((s, v) => s + v.readBytes, 0);
  if (exchange > 0) lines.push(`  exchange bytes   ${(exchange / 2 ** 20).toFixed(1)} MiB (${(exchange / m.records).toFixed(1)} B/record); vertices: ${last.vertices.map((v) => `${v.name} in ${v.readRecords} out ${v.writeRecords}`).join(' | ')}`);
  const roles = last.memory.map((p, i) => {
    const peaks = m.runs.map((r) => r.memory[i]?.peakRssMiB ?? 0);
    const polled = m.runs.map((r) => r.memory[i]?.polledPeakRssMiB ?? 0);
    const wchar = stats(m.runs.map((r) => r.memory[i]?.wcharBytes ?? 0)).median;
    return `${p.role}#${p.pid} peak ${Math.max(...peaks).toFixed(0)} MiB (polled ${Math.max(...polled).toFixed(0)}), wrote ${(wchar / 2 ** 20).toFixed(1)} MiB`;
  });
  lines.push(`  memory           ${roles.join('; ')}`);
  const tmCpu = stats(m.runs.map((r) => r.memory.filter((p) => p.role === 'TaskManager').reduce((s, p) => s + p.cpuMs, 0)));
  lines.push(`  TaskManager CPU  median ${tmCpu.median} ms = ${((tmCpu.median * 1000) / m.records).toFixed(3)} µs/record (${tmCpu.min}..${tmCpu.max} ms)`);
  return lines.join('\n');
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const mc = machine();
  console.log(`${new Date().toISOString()}  ${mc.cpu}, ${mc.cores} cores, ${mc.memGiB.toFixed(1)} GiB, node ${mc.node}, load ${mc.load}`);
  console.log('layout: 2 TaskManagers x 1 slot on 127.0.0.1, a fresh cluster for every measurement');
  const nodeOpts = args.cpuProf ? `--cpu-prof --cpu-prof-dir=${args.cpuProf}` : undefined;
  const work = await mkdtemp(join(tmpdir(), 'flink-bench-work-'));
  const results: Measurement[] = [];
  /** Runs one job `args.runs` times on a fresh cluster, so no measurement sees memory an earlier job left behind. */
  const measure = async (m: Measurement, once: (cluster: StandaloneBenchCluster, run: number) => Promise<JobRun>): Promise<void> => {
    const cluster = await StandaloneBenchCluster.start({ taskManagers: 2, slotsPerTaskManager: 1, extraConf: args.conf, ...(nodeOpts ? { nodeOpts } : {}) });
    try {
      for (let r = 0; r < args.runs; r++) m.runs.push(await once(cluster, r));
    } finally {
      await cluster.close();
    }
    results.push(m);
    console.log(report(m));
  };
  try {
    const streamProgram = await writeProgram(work, 'stream-keyby.js', STREAM_PROGRAM);
    const batchProgram = await writeProgram(work, 'batch-wordcount.js', BATCH_PROGRAM);
    const textPath = join(work, 'words.txt');
    let textBytes = 0;
    if (args.jobs.includes('batch')) {
      textBytes = await generateText(textPath, args.records);
      console.log(`generated ${args.records.toLocaleString('en')} words, ${(textBytes / 2 ** 20).toFixed(1)} MiB`);
    }
    for (const p of args.parallelism) {
      if (args.jobs.includes('batch')) {
        await measure({ job: 'batch WordCount', parallelism: p, records: args.records, bytesIn: textBytes, runs: [] }, async (cluster, r) => {
          const output = join(cluster.root, `wc-out-${r}`);
          const run = await cluster.runJob(batchProgram, { parallelism: p, args: ['--input', textPath, '--output', output] });
          const total = (await outputLines(output)).reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
          if (total !== args.records) throw new Error(`batch WordCount counted ${total} words, expected ${args.records}`);
          return run;
        });
      }
      if (args.jobs.includes('stream')) {
        for (const keys of args.keys) {
          const n = Math.floor(args.records / keys) * keys;
          await measure({ job: `stream map→keyBy→sum, ${K(keys)} keys`, parallelism: p, records: n, bytesIn: 0, runs: [] }, async (cluster, r) => {
            const output = join(cluster.root, `stream-out-${r}`);
            const run = await cluster.runJob(streamProgram, { parallelism: p, args: ['--records', String(n), '--keys', String(keys), '--output', output] });
            const lines = (await outputLines(output)).length;
            if (lines !== keys) throw new Error(`the streaming job reported ${lines} final counts, expected one per key (${keys})`);
            return run;
          });
        }
      }
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  if (args.json) {
    await writeFile(args.json, JSON.stringify({ machine: mc, date: new Date().toISOString(), results: results.map((r) => ({ ...r, runs: r.runs.map(({ stdout: _s, timeline: _t, ...rest }) => rest) })) }, null, 2));
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
