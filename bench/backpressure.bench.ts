/**
 * Back pressure bounds memory: a fast source → keyBy → a deliberately slow addSink on a real standalone
 * cluster (2 TaskManagers x 1 slot, p=2, so half of the keyBy exchange crosses TCP). If credits did not
 * throttle the source, the whole stream (records x payload bytes) would pile up in some queue; with them, the
 * TaskManagers' RSS stays flat and the source finishes only just before the sink.
 *
 *   node dist/bench/backpressure.bench.js [--records 2000000] [--payload 200] [--sinks async,sync] [--parallelism 2]
 *
 * Sinks: `async` returns a promise that waits 5 ms every 500 records (the sink operator's pending limit
 * pauses the task); `sync` busy-waits 5 ms every 500 records. `fast` (the reference) does nothing.
 * Exits 1 if a TaskManager's RSS grows by more than half the stream's size or 128 MiB during a slow run.
 */
import { join } from 'node:path';
import { machine, StandaloneBenchCluster, writeProgram, type JobRun } from './cluster-harness.js';

const PROGRAM = `
import { StreamExecutionEnvironment, ParameterTool } from 'flink-ts';
const params = ParameterTool.fromArgs(process.argv.slice(2));
const n = Number(params.get('records'));
const pad = 'x'.repeat(Number(params.get('payload')));
const mode = params.get('sink');
const env = StreamExecutionEnvironment.getExecutionEnvironment();
const keyed = env.generateSequence(1, n).map((i) => [i % 1000, pad]).keyBy(0);
let seen = 0;
if (mode === 'async') {
  keyed.addSink(async () => {
    if (++seen % 500 === 0) await new Promise((r) => setTimeout(r, 5));
  });
} else if (mode === 'sync') {
  keyed.addSink(() => {
    if (++seen % 500 === 0) {
      const end = Date.now() + 5;
      while (Date.now() < end);
    }
  });
} else {
  keyed.addSink(() => {});
}
await env.execute('bench: back pressure, ' + mode + ' sink');
`;

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? dflt) : dflt;
}

const MAX_GROWTH_MIB = 128;

interface Outcome {
  sink: string;
  run: JobRun;
  streamMiB: number;
  growthMiB: number[];
  /** RSS change between 25% and 75% of the run: the steady state, after the task threads started. */
  driftMiB: number[];
  sourceLeadMs: number;
}

function analyse(sink: string, run: JobRun): Outcome {
  const source = run.vertices[0];
  const sinkVertex = run.vertices[run.vertices.length - 1];
  const streamMiB = (source?.writeBytes ?? 0) / 2 ** 20;
  const tms = run.memory.map((m, i) => ({ m, i })).filter(({ m }) => m.role === 'TaskManager');
  const growthMiB = tms.map(({ i }) => {
    const series = run.timeline.map((s) => s.rssMiB[i] ?? 0);
    const base = series[0] ?? 0;
    return Math.max(0, ...series) - base;
  });
  const at = (f: number): JobRun['timeline'][number] | undefined => run.timeline[Math.min(run.timeline.length - 1, Math.floor(f * (run.timeline.length - 1)))];
  const driftMiB = tms.map(({ i }) => (at(0.75)?.rssMiB[i] ?? 0) - (at(0.25)?.rssMiB[i] ?? 0));
  return { sink, run, streamMiB, growthMiB, driftMiB, sourceLeadMs: (sinkVertex?.endTime ?? 0) - (source?.endTime ?? 0) };
}

function describe(o: Outcome, records: number): string {
  const tmIdx = o.run.memory.map((m, i) => ({ m, i })).filter(({ m }) => m.role === 'TaskManager');
  const pick = [0, 0.25, 0.5, 0.75, 1].map((f) => o.run.timeline[Math.min(o.run.timeline.length - 1, Math.floor(f * (o.run.timeline.length - 1)))]);
  const series = tmIdx.map(({ m, i }) => `TM#${m.pid} ${pick.map((s) => (s?.rssMiB[i] ?? 0).toFixed(0)).join(' → ')} MiB`).join('; ');
  return [
    `${o.sink} sink: ${records.toLocaleString('en')} records, ${o.streamMiB.toFixed(0)} MiB through the keyBy exchange, job runtime ${o.run.netRuntimeMs} ms ` +
      `(${((records / o.run.netRuntimeMs) * 1000 / 1e3).toFixed(0)}K rec/s)`,
    `  source finished ${o.sourceLeadMs} ms before the sink`,
    `  TaskManager RSS over the run (start, 25%, 50%, 75%, end): ${series}`,
    `  peak RSS growth ${o.growthMiB.map((g) => g.toFixed(0)).join(' / ')} MiB (worker thread start included), ` +
      `steady-state drift (25% → 75%) ${o.driftMiB.map((g) => g.toFixed(0)).join(' / ')} MiB; VmHWM ${o.run.memory.map((m) => `${m.role} ${m.peakRssMiB.toFixed(0)}`).join(', ')} MiB`,
  ].join('\n');
}

async function main(): Promise<void> {
  const records = Number(arg('records', '2000000'));
  const payload = Number(arg('payload', '200'));
  const parallelism = Number(arg('parallelism', '2'));
  const sinks = arg('sinks', 'async,sync').split(',');
  const mc = machine();
  console.log(`${new Date().toISOString()}  ${mc.cpu}, ${mc.cores} cores, node ${mc.node}, load ${mc.load}`);
  const cluster = await StandaloneBenchCluster.start({ taskManagers: 2, slotsPerTaskManager: 1 });
  let failed = false;
  try {
    const program = await writeProgram(join(cluster.root, 'jobs'), 'backpressure.js', PROGRAM);
    const run = (sink: string): Promise<JobRun> =>
      cluster.runJob(program, { parallelism, args: ['--records', String(records), '--payload', String(payload), '--sink', sink] });
    const fast = analyse('fast', await run('fast'));
    console.log(describe(fast, records));
    for (const sink of sinks) {
      const o = analyse(sink, await run(sink));
      console.log(describe(o, records));
      const limit = Math.min(MAX_GROWTH_MIB, o.streamMiB / 2);
      const ok = o.growthMiB.every((g) => g <= limit) && o.run.netRuntimeMs > fast.run.netRuntimeMs;
      console.log(`  ${ok ? 'PASS' : 'FAIL'}: RSS growth ${ok ? 'stays within' : 'exceeds'} ${limit.toFixed(0)} MiB (half the stream, at most ${MAX_GROWTH_MIB}) and the slow sink paces the job`);
      if (!ok) failed = true;
    }
  } finally {
    await cluster.close();
  }
  if (failed) process.exitCode = 1;
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
