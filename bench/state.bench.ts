/**
 * Keyed state on the heap backend (`state.backend: hashmap`), in two settings:
 *  - in process, straight on a KeyedStateBackend (one slot's work, no job around it): ValueState
 *    read-modify-write and ListState add per second, with 1K and 1M keys visited in a scrambled order;
 *  - end to end through a real job on a standalone cluster (1 TaskManager, 1 slot, parallelism 1):
 *    sequence → keyBy → flatMap counting in ValueState, next to the same job without state, so the
 *    difference is what the state costs inside a job.
 * Flink's figure to compare with (reference/performance.md): heap ListState add 4.6M/s (JMH, one slot).
 *
 * Run: `npx tsc -p . && node dist/bench/state.bench.js [--seconds 2] [--records 5000000] [--runs 3]
 *       [--keys 1000,1000000] [--skip-cluster] [--skip-in-process]`
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mkdtemp, rm } from 'node:fs/promises';
import { ListStateDescriptor, ValueStateDescriptor, type ListState, type ValueState } from '../src/api/state.js';
import { HashMapStateBackend, type KeyedStateBackend } from '../src/runtime/state/index.js';
import { machine, StandaloneBenchCluster, stats, writeProgram } from './cluster-harness.js';

interface Args {
  seconds: number;
  records: number;
  runs: number;
  keys: number[];
  cluster: boolean;
  inProcess: boolean;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { seconds: 2, records: 5_000_000, runs: 3, keys: [1_000, 1_000_000], cluster: true, inProcess: true };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    const v = argv[i + 1] ?? '';
    if (k === '--seconds') (a.seconds = Number(v)), i++;
    else if (k === '--records') (a.records = Number(v)), i++;
    else if (k === '--runs') (a.runs = Number(v)), i++;
    else if (k === '--keys') (a.keys = v.split(',').map(Number)), i++;
    else if (k === '--skip-cluster') a.cluster = false;
    else if (k === '--skip-in-process') a.inProcess = false;
    else throw new Error(`unknown argument ${k}; see the usage at the top of bench/state.bench.ts`);
  }
  return a;
}

const MAX_PARALLELISM = 128;

function newBackend(): KeyedStateBackend {
  return new HashMapStateBackend().createKeyedStateBackend({
    operatorName: 'bench',
    maxParallelism: MAX_PARALLELISM,
    keyGroupRange: { start: 0, end: MAX_PARALLELISM - 1 },
    now: Date.now,
  });
}

/** The keys in a scrambled but fixed order (a multiplicative permutation), so neighbours are unrelated keys. */
function keyOrder(n: number, asString: boolean): unknown[] {
  const out = new Array<unknown>(n);
  const step = 2_654_435_761 % n || 1;
  for (let i = 0; i < n; i++) {
    const k = (i * step) % n;
    out[i] = asString ? `user-${k}` : k;
  }
  return out;
}

/**
 * Runs `op(i)` in batches for about `seconds` after a warm-up; returns operations per second of wall time and
 * per second of this process's CPU time (the box is shared, and CPU time is what one slot would get alone).
 */
function rate(seconds: number, op: (i: number) => void): { wall: number; cpu: number } {
  const BATCH = 100_000;
  let i = 0;
  const warm = performance.now() + 300;
  while (performance.now() < warm) for (let j = 0; j < BATCH; j++) op(i++);
  let n = 0;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const end = t0 + seconds * 1000;
  while (performance.now() < end) {
    for (let j = 0; j < BATCH; j++) op(i++);
    n += BATCH;
  }
  const wallS = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  return { wall: n / wallS, cpu: n / ((c.user + c.system) / 1e6) };
}

const fmt = (r: { wall: number; cpu: number }): string => `${(r.cpu / 1e6).toFixed(2)} M/s per CPU-second (wall ${(r.wall / 1e6).toFixed(2)} M/s)`;

function inProcess(args: Args): string[] {
  const lines: string[] = [];
  for (const keys of args.keys) {
    for (const asString of [false, true]) {
      const order = keyOrder(keys, asString);
      const kind = asString ? 'string keys' : 'number keys';
      {
        const backend = newBackend();
        const count = backend.getPartitionedState<ValueState<number>>(new ValueStateDescriptor<number>('count'));
        const r = rate(args.seconds, (i) => {
          backend.setCurrentKey(order[i % keys]);
          count.update((count.value() ?? 0) + 1);
        });
        lines.push(`ValueState read-modify-write  ${String(keys).padStart(8)} ${kind}: ${fmt(r)}`);
        backend.close();
      }
      {
        const backend = newBackend();
        const list = backend.getPartitionedState<ListState<number>>(new ListStateDescriptor<number>('list'));
        // The lists only grow; a run of a few seconds stays within a few hundred MiB.
        const r = rate(args.seconds, (i) => {
          backend.setCurrentKey(order[i % keys]);
          list.add(i);
        });
        lines.push(`ListState add                 ${String(keys).padStart(8)} ${kind}: ${fmt(r)}`);
        backend.close();
      }
      console.log(lines.slice(-2).join('\n'));
    }
  }
  return lines;
}

/** A keyed job counting per key; with `--state false` the same job without state. */
const PROGRAM = `
import { StreamExecutionEnvironment, ParameterTool, RichFlatMapFunction, ValueStateDescriptor } from 'flink-ts';
const params = ParameterTool.fromArgs(process.argv.slice(2));
const n = Number(params.get('records'));
const keys = Number(params.get('keys'));
const withState = params.get('state') === 'true';
const perKey = Math.floor(n / keys);

class CountPerKey extends RichFlatMapFunction {
  open() { this.count = this.getRuntimeContext().getState(new ValueStateDescriptor('count')); }
  flatMap(r, out) {
    const c = (this.count.value() ?? 0) + 1;
    this.count.update(c);
    // Only each key's final count leaves, so the sink does not dominate.
    if (c === perKey) out.collect(r);
  }
}
class NoState extends RichFlatMapFunction {
  flatMap(r, out) { if (r >= n - keys) out.collect(r); }
}

const env = StreamExecutionEnvironment.getExecutionEnvironment();
env.generateSequence(0, n - 1)
  .keyBy((i) => i % keys)
  .flatMap(withState ? new CountPerKey() : new NoState())
  .addSink(() => {});
await env.execute(withState ? 'bench: keyBy -> flatMap with ValueState' : 'bench: keyBy -> flatMap');
`;

async function onCluster(args: Args): Promise<string[]> {
  const lines: string[] = [];
  const work = await mkdtemp(join(tmpdir(), 'flink-state-bench-'));
  const cluster = await StandaloneBenchCluster.start({ taskManagers: 1, slotsPerTaskManager: 1 });
  try {
    const program = await writeProgram(work, 'state-job.js', PROGRAM);
    for (const keys of args.keys) {
      const perRun: Record<string, number[]> = { true: [], false: [] };
      for (let r = 0; r < args.runs; r++) {
        for (const state of ['false', 'true']) {
          const run = await cluster.runJob(program, { parallelism: 1, args: ['--records', String(args.records), '--keys', String(keys), '--state', state] });
          (perRun[state] as number[]).push(args.records / (run.taskRuntimeMs / 1000));
        }
      }
      const without = stats(perRun['false'] as number[]);
      const withState = stats(perRun['true'] as number[]);
      // Per-record cost of the state: the difference of the two jobs' time per record.
      const stateNs = (1e9 / withState.median - 1e9 / without.median).toFixed(0);
      const line =
        `job p=1 ${String(keys).padStart(8)} keys: with ValueState ${(withState.median / 1e6).toFixed(2)} M rec/s ` +
        `(${(withState.min / 1e6).toFixed(2)}..${(withState.max / 1e6).toFixed(2)}), without ${(without.median / 1e6).toFixed(2)} M rec/s ` +
        `(${(without.min / 1e6).toFixed(2)}..${(without.max / 1e6).toFixed(2)}); state adds ${stateNs} ns/record`;
      console.log(line);
      lines.push(line);
    }
  } finally {
    await cluster.close();
    await rm(work, { recursive: true, force: true });
  }
  return lines;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const mc = machine();
  console.log(`${new Date().toISOString()}  ${mc.cpu}, ${mc.cores} cores, ${mc.memGiB.toFixed(1)} GiB, node ${mc.node}, load ${mc.load}`);
  if (args.inProcess) inProcess(args);
  if (args.cluster) await onCluster(args);
}

await main();
