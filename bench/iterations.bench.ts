/**
 * Iterations side by side with Apache Flink: PageRank (bulk iteration) and ConnectedComponents (delta iteration)
 * on one generated graph, run by flink-ts (examples/batch/*.js through `bin/flink run` on a real standalone
 * cluster) and by Apache Flink 1.20 (bench/flink-java: the same algorithms on Flink's DataSet API, a local
 * environment in one JVM) at the same parallelism, in the same run. Both sides' results are checked against each
 * other (ranks within a relative 1e-9, components exactly).
 *
 *   node dist/bench/iterations.bench.js [--vertices 1000000] [--edges 10000000] [--seed 1] [--parallelism 2]
 *        [--jobs pagerank,cc] [--sides flink-ts,flink] [--pr-iterations 10] [--cc-iterations 100]
 *        [--taskmanagers 1] [--slots 2] [--java-opts "-Xmx8g"] [--flink-managed 2g] [--conf key=value]... [--json <file>] [--keep]
 *
 * Reports per job and side: total time (wall clock of the submission, and the job's own runtime), the time of each
 * superstep, and the peak RSS of the processes (flink-ts: the JobManager and TaskManager daemons; Flink: its JVM),
 * polled every 50 ms. flink-ts's superstep times come from the job's REST details (GET /jobs/:id); Flink's from
 * the open() calls of a function inside the step (from one superstep's start to the next).
 * Needs java and mvn (the Java side is compiled on first use, offline if the jars are in ~/.m2).
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateGraph, type GraphFiles } from './graph-generator.js';
import { flinkHome, machine, rssMiB, StandaloneBenchCluster, type JobRun } from './cluster-harness.js';

interface Args {
  vertices: number;
  edges: number;
  seed: number;
  parallelism: number;
  jobs: Array<'pagerank' | 'cc'>;
  sides: Array<'flink-ts' | 'flink'>;
  prIterations: number;
  /** PageRank's termination threshold (Flink's example: 0.0001; 0 runs every iteration). */
  prEpsilon: number;
  ccIterations: number;
  taskManagers: number;
  slots: number;
  javaOpts: string[];
  /** Flink's taskmanager.memory.managed.size in its local environment. */
  flinkManaged: string;
  conf: string[];
  json: string | undefined;
  keep: boolean;
}

const USAGE =
  'Usage: iterations.bench.js [--vertices N] [--edges M] [--seed S] [--parallelism P] [--jobs pagerank,cc] [--sides flink-ts,flink] ' +
  '[--pr-iterations K] [--pr-epsilon E] [--cc-iterations K] [--taskmanagers T] [--slots S] [--java-opts "..."] [--flink-managed 2g] [--conf key=value]... [--json file] [--keep]';

function parseArgs(argv: string[]): Args {
  const a: Args = {
    vertices: 1_000_000, edges: 10_000_000, seed: 1, parallelism: 2, jobs: ['pagerank', 'cc'], sides: ['flink-ts', 'flink'],
    prIterations: 10, prEpsilon: 0.0001, ccIterations: 100, taskManagers: 1, slots: 2, javaOpts: [], flinkManaged: '2g', conf: [], json: undefined, keep: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    const v = argv[i + 1] ?? '';
    const num = (): number => {
      const n = Number(v);
      if (!Number.isSafeInteger(n) || n < 1) throw new Error(`${k} needs a whole number >= 1, got '${v}'.\n${USAGE}`);
      return n;
    };
    switch (k) {
      case '--vertices': a.vertices = num(); break;
      case '--edges': a.edges = num(); break;
      case '--seed': a.seed = num(); break;
      case '--parallelism': a.parallelism = num(); break;
      case '--pr-iterations': a.prIterations = num(); break;
      case '--pr-epsilon':
        a.prEpsilon = Number(v);
        if (!(a.prEpsilon >= 0)) throw new Error(`--pr-epsilon needs a number >= 0, got '${v}'.\n${USAGE}`);
        break;
      case '--cc-iterations': a.ccIterations = num(); break;
      case '--taskmanagers': a.taskManagers = num(); break;
      case '--slots': a.slots = num(); break;
      case '--jobs': a.jobs = v.split(',').map((j) => checkOne(j, ['pagerank', 'cc'], k)); break;
      case '--sides': a.sides = v.split(',').map((s) => checkOne(s, ['flink-ts', 'flink'], k)); break;
      case '--flink-managed': a.flinkManaged = v; break;
      case '--java-opts': a.javaOpts = v.split(/\s+/).filter((o) => o !== ''); break;
      case '--conf': a.conf.push(v.replace('=', ': ')); break;
      case '--json': a.json = v; break;
      case '--keep': a.keep = true; i--; break;
      default: throw new Error(`Unknown argument ${k}.\n${USAGE}`);
    }
    i++;
  }
  if (a.taskManagers * a.slots < a.parallelism) throw new Error(`--taskmanagers x --slots (${a.taskManagers * a.slots}) is less than --parallelism ${a.parallelism}.`);
  return a;
}

function checkOne<T extends string>(v: string, allowed: readonly T[], flag: string): T {
  if (!(allowed as readonly string[]).includes(v)) throw new Error(`${flag}: '${v}' is not one of ${allowed.join(', ')}.`);
  return v as T;
}

type Job = 'pagerank' | 'cc';

interface SideResult {
  side: 'flink-ts' | 'flink';
  job: Job;
  wallMs: number;
  /** The job's own runtime (flink-ts: the JobMaster's net runtime; Flink: JobExecutionResult.getNetRuntime()). */
  runtimeMs: number;
  /** Milliseconds per superstep, in order; undefined when the side did not report them. */
  superstepsMs: number[] | undefined;
  /** Peak RSS per process, MiB. */
  peakRssMiB: Array<{ process: string; mib: number }>;
  output: string;
}

// ---------------------------------------------------------------------------------------------------------------
// flink-ts
// ---------------------------------------------------------------------------------------------------------------

function exampleArgs(job: Job, g: GraphFiles, out: string, a: Args): string[] {
  return job === 'pagerank'
    ? ['--pages', g.vertices, '--links', g.edges, '--output', out, '--numPages', String(g.vertexCount), '--iterations', String(a.prIterations), '--epsilon', String(a.prEpsilon)]
    : ['--vertices', g.vertices, '--edges', g.edges, '--output', out, '--iterations', String(a.ccIterations)];
}

async function runFlinkTs(job: Job, g: GraphFiles, work: string, a: Args): Promise<SideResult> {
  const program = join(flinkHome(), 'examples', 'batch', job === 'pagerank' ? 'PageRank.js' : 'ConnectedComponents.js');
  const output = join(work, `${job}-flink-ts`);
  // A fresh cluster per run: its peak memory is this job's, not what an earlier job left in a heap.
  const cluster = await StandaloneBenchCluster.start({ taskManagers: a.taskManagers, slotsPerTaskManager: a.slots, extraConf: a.conf });
  let run: JobRun;
  let details: unknown;
  try {
    run = await cluster.runJob(program, { parallelism: a.parallelism, args: exampleArgs(job, g, output, a), timeoutMs: 3_600_000 });
    details = await (await fetch(`http://127.0.0.1:${cluster.restPort}/jobs/${run.jobId}`)).json();
  } finally {
    await cluster.close(a.keep);
  }
  return {
    side: 'flink-ts',
    job,
    wallMs: run.wallMs,
    runtimeMs: run.netRuntimeMs,
    superstepsMs: superstepTimes(details),
    peakRssMiB: run.memory.map((m) => ({ process: `${m.role} ${m.pid}`, mib: Math.max(m.peakRssMiB, m.polledPeakRssMiB) })),
    output,
  };
}

/** Superstep durations from the job's REST details (`iterations[0].supersteps[].duration-ms`); undefined without them. */
function superstepTimes(details: unknown): number[] | undefined {
  const iterations = (details as { iterations?: Array<{ supersteps?: Array<{ 'duration-ms'?: unknown }> }> }).iterations;
  const steps = iterations?.[0]?.supersteps;
  if (!steps || steps.length === 0) return undefined;
  const ms = steps.map((s) => s['duration-ms']);
  return ms.every((x): x is number => typeof x === 'number') ? ms : undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// Apache Flink
// ---------------------------------------------------------------------------------------------------------------

function sh(cmd: string, args: string[], timeoutMs: number): Promise<string> {
  return new Promise((res, rej) => {
    execFile(cmd, args, { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) rej(new Error(`${cmd} ${args.join(' ')} failed: ${err.message}\n${stdout}\n${stderr}`));
      else res(stdout);
    });
  });
}

/** Compiles bench/flink-java once (offline first); returns the classpath for `java -cp`. */
async function flinkClasspath(): Promise<string> {
  const project = join(flinkHome(), 'bench', 'flink-java');
  const cpFile = join(project, 'target', 'classpath.txt');
  const classes = join(project, 'target', 'classes');
  const built = join(classes, 'flinkts', 'bench', 'PageRankBench.class');
  if (!existsSync(cpFile) || !existsSync(built)) {
    const pom = join(project, 'pom.xml');
    try {
      await sh('mvn', ['-B', '-q', '-o', '-f', pom, 'compile'], 600_000);
    } catch {
      process.stderr.write('mvn offline build failed; resolving the Flink jars from Maven Central\n');
      await sh('mvn', ['-B', '-q', '-f', pom, 'compile'], 1_800_000);
    }
  }
  return `${classes}:${readFileSync(cpFile, 'utf8').trim()}`;
}

async function runFlink(job: Job, g: GraphFiles, work: string, a: Args, classpath: string): Promise<SideResult> {
  const output = join(work, `${job}-flink`);
  const main = job === 'pagerank' ? 'flinkts.bench.PageRankBench' : 'flinkts.bench.ConnectedComponentsBench';
  const args = [...a.javaOpts, '-cp', classpath, main, ...exampleArgs(job, g, output, a), '--parallelism', String(a.parallelism), '--managedMemory', a.flinkManaged];
  const t0 = performance.now();
  const child = spawn('java', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  let peak = 0;
  const poller = setInterval(() => {
    if (child.pid !== undefined) peak = Math.max(peak, rssMiB(child.pid));
  }, 50);
  const code = await new Promise<number | null>((res, rej) => {
    child.on('error', rej);
    child.on('close', res);
  }).finally(() => clearInterval(poller));
  const wallMs = performance.now() - t0;
  if (code !== 0) throw new Error(`Flink's ${main} exited with ${code}:\n${stdout}\n${stderr.split('\n').slice(-40).join('\n')}`);
  const runtime = /^Job Runtime: (\d+) ms$/m.exec(stdout)?.[1];
  if (runtime === undefined) throw new Error(`Unexpected output of ${main}:\n${stdout}`);
  const supersteps = [...stdout.matchAll(/^Superstep (\d+): (\d+) ms$/gm)].map((m) => Number(m[2]));
  return { side: 'flink', job, wallMs, runtimeMs: Number(runtime), superstepsMs: supersteps.length > 0 ? supersteps : undefined, peakRssMiB: [{ process: `JVM ${child.pid}`, mib: peak }], output };
}

// ---------------------------------------------------------------------------------------------------------------
// Checking and reporting
// ---------------------------------------------------------------------------------------------------------------

/** `<id> <value>` lines of an output file or of every file in an output directory. */
async function readPairs(path: string): Promise<Map<number, number>> {
  const files = (await stat(path)).isDirectory() ? (await readdir(path)).filter((f) => !f.startsWith('.')).map((f) => join(path, f)) : [path];
  const out = new Map<number, number>();
  for (const f of files) {
    for (const line of (await readFile(f, 'utf8')).split('\n')) {
      if (line === '') continue;
      const sp = line.indexOf(' ');
      out.set(Number(line.slice(0, sp)), Number(line.slice(sp + 1)));
    }
  }
  return out;
}

async function compare(job: Job, a: SideResult, b: SideResult): Promise<string> {
  const x = await readPairs(a.output);
  const y = await readPairs(b.output);
  if (x.size !== y.size) throw new Error(`${job}: ${a.side} has ${x.size} results, ${b.side} ${y.size}.`);
  let worst = 0;
  for (const [k, v] of x) {
    const w = y.get(k);
    if (w === undefined) throw new Error(`${job}: ${k} is in ${a.side}'s result but not in ${b.side}'s.`);
    if (job === 'cc') {
      if (v !== w) throw new Error(`${job}: vertex ${k} is in component ${v} by ${a.side}, ${w} by ${b.side}.`);
    } else {
      const rel = Math.abs(v - w) / Math.max(Math.abs(w), 1e-300);
      worst = Math.max(worst, rel);
      if (rel > 1e-9) throw new Error(`${job}: page ${k} ranks ${v} by ${a.side}, ${w} by ${b.side}.`);
    }
  }
  return job === 'cc' ? `${x.size} vertices in ${new Set(x.values()).size} components, identical` : `${x.size} ranks agree (largest relative difference ${worst.toExponential(1)})`;
}

const secs = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;

function report(r: SideResult): string {
  const steps = r.superstepsMs
    ? `${r.superstepsMs.length} supersteps: ${r.superstepsMs.map((s) => `${s}`).join(', ')} ms`
    : r.side === 'flink-ts' ? 'superstep times: not in the job\'s REST details (GET /jobs/:id) of this build; total only' : 'superstep times: not reported';
  const mem = r.peakRssMiB.map((m) => `${m.process} ${Math.round(m.mib)} MiB`).join(', ');
  const total = r.peakRssMiB.reduce((s, m) => s + m.mib, 0);
  return `  ${r.side.padEnd(8)} wall ${secs(r.wallMs)}, job runtime ${secs(r.runtimeMs)}; ${steps}\n           peak RSS ${Math.round(total)} MiB (${mem})`;
}

async function main(): Promise<void> {
  const a = parseArgs(process.argv.slice(2));
  const mc = machine();
  console.log(`# iterations: ${a.vertices} vertices, ${a.edges} edges, parallelism ${a.parallelism}; ${mc.cpu}, ${mc.cores} cores, ${mc.memGiB.toFixed(1)} GiB, node ${mc.node}, load ${mc.load}`);
  const classpath = a.sides.includes('flink') ? await flinkClasspath() : '';
  const work = await mkdtemp(join(tmpdir(), 'flink-iterations-bench-'));
  const results: SideResult[] = [];
  try {
    const t0 = performance.now();
    const g = await generateGraph(join(work, 'graph'), { vertices: a.vertices, edges: a.edges, seed: a.seed });
    console.log(`graph: ${g.vertexCount} vertices, ${g.edgeCount} edges, ${g.components} communities, generated in ${secs(performance.now() - t0)}`);
    for (const job of a.jobs) {
      console.log(`\n${job === 'pagerank' ? `PageRank (bulk, at most ${a.prIterations} iterations)` : `ConnectedComponents (delta, at most ${a.ccIterations} iterations)`}`);
      const sides: SideResult[] = [];
      for (const side of a.sides) {
        const r = side === 'flink-ts' ? await runFlinkTs(job, g, work, a) : await runFlink(job, g, work, a, classpath);
        console.log(report(r));
        sides.push(r);
        results.push(r);
      }
      const [x, y] = sides;
      if (x && y) {
        console.log(`  results: ${await compare(job, x, y)}`);
        console.log(`  flink-ts / Flink wall-clock ratio: ${(x.wallMs / y.wallMs).toFixed(2)} (job runtime ${(x.runtimeMs / y.runtimeMs).toFixed(2)})`);
      }
    }
  } finally {
    if (!a.keep) await rm(work, { recursive: true, force: true });
    else console.log(`kept ${work}`);
  }
  if (a.json) {
    await writeFile(a.json, JSON.stringify({ machine: mc, date: new Date().toISOString(), args: a, results: results.map(({ output: _o, ...r }) => r) }, null, 2));
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
