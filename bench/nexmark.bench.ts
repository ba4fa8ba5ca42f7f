/**
 * Nexmark on a real standalone cluster: each query program of bench/nexmark/ (generator source → query →
 * blackhole sink, all DataStream jobs) submitted with `bin/flink run -p <p>`, reported as events/s and as events/s
 * per core (events ÷ CPU seconds the TaskManager processes used during the run), next to Flink 1.13's published
 * per-core figures (reference/performance.md) and the targets of issue 7.
 *
 *   node dist/bench/nexmark.bench.js [--events 10000000] [--queries q0,q1,q2,q3,q5,q7,q8,q11] [--parallelism 1,2] [--runs 3]
 *        [--seed 42] [--rate 10000000] [--exchange none|rebalance] [--cpu-prof <dir>] [--json <file>] [--conf key=value]...
 *
 * Layout as in cluster.bench: 2 TaskManagers x 1 slot on 127.0.0.1, a fresh cluster per (query, parallelism).
 * "Events" are all generated events (persons, auctions and bids), as Nexmark counts them. Every run's sink output
 * (count and checksum per subtask) must be the same at every parallelism and match what bench/nexmark/reference.ts
 * computes for the query directly from the generator. A low `--rate` (e.g. 10000 events per second of event time)
 * spreads the events over more event time, so the stateful queries fire many windows. `--exchange rebalance` puts a round-robin exchange before each query's sink,
 * so its results go through the codec (and at p=2 half of them over TCP): the per-record price of a keyBy.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DIST_DIR, machine, StandaloneBenchCluster, stats, type JobRun } from './cluster-harness.js';
import { DEFAULT_CONFIG, NexmarkGenerator } from './nexmark/generator.js';
import { expectedResult } from './nexmark/reference.js';

/** Flink 1.13, events/s per core (nexmark/nexmark README, via reference/performance.md). */
const FLINK_PER_CORE: Record<string, number> = {
  q0: 155_000,
  q1: 157_900,
  q2: 175_200,
  q3: 152_100,
  q5: 22_100,
  q7: 12_300,
  q8: 146_100,
  q11: 39_700,
};
/** Issue 7: q0–q2 at least 1M events/s per core; the stateful queries at least twice Flink's per-core figure. */
const target = (q: string): number => (['q0', 'q1', 'q2'].includes(q) ? 1_000_000 : 2 * (FLINK_PER_CORE[q] ?? 0));

interface Args {
  events: number;
  queries: string[];
  parallelism: number[];
  runs: number;
  seed: number;
  /** Events per second of event time. */
  rate: number;
  exchange: string;
  cpuProf: string | undefined;
  json: string | undefined;
  conf: string[];
}

const USAGE = 'Usage: nexmark.bench.js [--events N] [--queries q0,q1,q2,q3,q5,q7,q8,q11] [--parallelism 1,2] [--runs 3] [--seed 42] [--rate 10000000] [--exchange none|rebalance] [--cpu-prof dir] [--json file] [--conf key=value]...';

function parseArgs(argv: string[]): Args {
  const a: Args = { events: 10_000_000, queries: Object.keys(FLINK_PER_CORE), parallelism: [1, 2], runs: 3, seed: DEFAULT_CONFIG.seed, rate: DEFAULT_CONFIG.rate, exchange: 'none', cpuProf: undefined, json: undefined, conf: [] };
  for (let i = 0; i < argv.length; i += 2) {
    const k = argv[i];
    const v = argv[i + 1] ?? '';
    switch (k) {
      case '--events': a.events = Number(v); break;
      case '--queries': a.queries = v.split(',').filter((q) => q.length > 0); break;
      case '--parallelism': a.parallelism = v.split(',').map(Number); break;
      case '--runs': a.runs = Number(v); break;
      case '--seed': a.seed = Number(v); break;
      case '--rate': a.rate = Number(v); break;
      case '--exchange': a.exchange = v; break;
      case '--cpu-prof': a.cpuProf = v; break;
      case '--json': a.json = v; break;
      case '--conf': a.conf.push(v.replace('=', ': ')); break;
      default: throw new Error(`Unknown argument ${k}. ${USAGE}`);
    }
  }
  if (!(Number.isInteger(a.events) && a.events > 0) || !(Number.isInteger(a.rate) && a.rate > 0) || !Number.isInteger(a.seed) || !(a.runs > 0) || a.parallelism.length === 0 || a.parallelism.some((p) => !(Number.isInteger(p) && p > 0))) {
    throw new Error(`--events, --rate, --runs and --parallelism need positive integers, --seed an integer. ${USAGE}`);
  }
  if (a.exchange !== 'none' && a.exchange !== 'rebalance') throw new Error(`--exchange must be none or rebalance. ${USAGE}`);
  for (const q of a.queries) {
    if (!existsSync(programPath(q))) throw new Error(`No program for query ${q} (${programPath(q)}); queries with programs: ${Object.keys(FLINK_PER_CORE).filter((x) => existsSync(programPath(x))).join(', ')}.`);
  }
  return a;
}

const programPath = (q: string): string => join(DIST_DIR, 'bench', 'nexmark', `${q}.js`);

interface Measurement {
  query: string;
  parallelism: number;
  events: number;
  exchange: string;
  runs: JobRun[];
  /** `count checksum` summed over subtasks, per run. */
  outputs: string[];
}

/** Sums the blackhole sinks' `<subtask> <count> <checksum>` lines. */
function readOutput(path: string): { count: number; checksum: number } {
  let count = 0;
  let checksum = 0;
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const [, c, s] = line.split(' ');
    if (c === undefined || s === undefined) continue;
    count += Number(c);
    checksum = (checksum + Number(s)) >>> 0;
  }
  return { count, checksum };
}

/** Bids among events 0..n-1: offsets 4..49 of every group of 50 (Nexmark's 1/3/46 proportions). */
function bidsIn(n: number): number {
  const c = DEFAULT_CONFIG;
  const total = c.personProportion + c.auctionProportion + c.bidProportion;
  const full = Math.floor(n / total);
  return full * c.bidProportion + Math.max(0, (n % total) - c.personProportion - c.auctionProportion);
}

/**
 * The generator alone in this process, events per CPU second (best of 3): the ceiling for the stateless queries,
 * whose jobs are the generator plus a fused filter/map/sink chain.
 */
function generatorAlone(events: number, seed: number): number {
  const gen = new NexmarkGenerator({ seed });
  let best = 0;
  let sink = 0;
  for (let round = 0; round < 3; round++) {
    const c0 = process.cpuUsage();
    for (let n = 0; n < events; n++) sink += gen.event(n).type;
    const c = process.cpuUsage(c0);
    best = Math.max(best, events / ((c.user + c.system) / 1e6));
  }
  if (sink < 0) console.log(sink);
  return best;
}

const fmt = (v: number): string => (v >= 1e6 ? `${(v / 1e6).toFixed(2)}M` : v >= 1e3 ? `${(v / 1e3).toFixed(0)}K` : String(Math.round(v)));

const tmCpuMs = (r: JobRun): number => r.memory.filter((p) => p.role === 'TaskManager').reduce((s, p) => s + p.cpuMs, 0);

function row(m: Measurement): string {
  const rate = stats(m.runs.map((r) => (m.events / r.netRuntimeMs) * 1000));
  const cpu = stats(m.runs.map(tmCpuMs));
  const perCore = stats(m.runs.map((r) => m.events / (tmCpuMs(r) / 1000)));
  const flink = FLINK_PER_CORE[m.query] ?? 0;
  const goal = target(m.query);
  return (
    `| ${m.query}${m.exchange === 'none' ? '' : ` + ${m.exchange}`} | ${m.parallelism} | ${fmt(rate.median)} (${fmt(rate.min)}..${fmt(rate.max)}) | ${(cpu.median / 1000).toFixed(2)} s | ` +
    `**${fmt(perCore.median)}** (${fmt(perCore.min)}..${fmt(perCore.max)}) | ${fmt(flink)} | ${(perCore.median / flink).toFixed(1)}× | ` +
    `${fmt(goal)} ${perCore.median >= goal ? 'met' : '**missed**'} |`
  );
}

const HEADER = [
  '| query | p | events/s (job runtime) | TaskManager CPU | events/s per core | Flink 1.13 per core | ratio | target |',
  '|---|---|---|---|---|---|---|---|',
];

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const mc = machine();
  console.log(`${new Date().toISOString()}  ${mc.cpu}, ${mc.cores} cores, ${mc.memGiB.toFixed(1)} GiB, node ${mc.node}, load ${mc.load}`);
  console.log(`Nexmark: ${args.events.toLocaleString('en')} events per run (${bidsIn(args.events).toLocaleString('en')} bids), ${args.runs} runs; 2 TaskManagers x 1 slot`);
  console.log(`generator alone, in this process: ${fmt(generatorAlone(Math.min(args.events, 2_000_000), args.seed))} events per CPU second`);
  const nodeOpts = args.cpuProf ? `--cpu-prof --cpu-prof-dir=${args.cpuProf}` : undefined;
  const work = await mkdtemp(join(tmpdir(), 'flink-bench-nexmark-'));
  const results: Measurement[] = [];
  /** The sink result per query, from the first run: every later run at every parallelism must give the same. */
  const expected = new Map<string, string>();
  try {
    for (const query of args.queries) {
      const reference = expectedResult(query, args.events, { seed: args.seed, rate: args.rate });
      if (reference) console.log(`${query}: expecting ${reference.count.toLocaleString('en')} result rows, checksum ${reference.checksum}`);
      for (const p of args.parallelism) {
        const m: Measurement = { query, parallelism: p, events: args.events, exchange: args.exchange, runs: [], outputs: [] };
        const cluster = await StandaloneBenchCluster.start({ taskManagers: 2, slotsPerTaskManager: 1, extraConf: args.conf, ...(nodeOpts ? { nodeOpts } : {}) });
        try {
          for (let r = 0; r < args.runs; r++) {
            const output = join(work, `${query}-p${p}-${r}.txt`);
            const run = await cluster.runJob(programPath(query), { parallelism: p, args: ['--events', String(args.events), '--seed', String(args.seed), '--rate', String(args.rate), '--exchange', args.exchange, '--output', output] });
            const out = readOutput(output);
            const key = `${out.count} ${out.checksum}`;
            if (!expected.has(query)) expected.set(query, key);
            if (expected.get(query) !== key) throw new Error(`${query} at p=${p}, run ${r + 1}: sink saw count/checksum ${key}, an earlier run saw ${expected.get(query)}`);
            if (reference && (reference.count !== out.count || reference.checksum !== out.checksum)) {
              throw new Error(`${query} at p=${p}, run ${r + 1}: the sink saw ${out.count} rows with checksum ${out.checksum}, the reference computes ${reference.count} rows with checksum ${reference.checksum}`);
            }
            m.runs.push(run);
            m.outputs.push(key);
            console.log(`  ${query} p=${p} run ${r + 1}: ${run.netRuntimeMs} ms, TaskManager CPU ${tmCpuMs(run)} ms, sink ${out.count.toLocaleString('en')} records`);
          }
        } finally {
          await cluster.close();
        }
        results.push(m);
      }
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  console.log(['', ...HEADER, ...results.map(row)].join('\n'));
  if (args.json) {
    await writeFile(
      args.json,
      JSON.stringify({ machine: mc, date: new Date().toISOString(), events: args.events, results: results.map((r) => ({ ...r, runs: r.runs.map(({ stdout: _s, timeline: _t, ...rest }) => rest) })) }, null, 2),
    );
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
