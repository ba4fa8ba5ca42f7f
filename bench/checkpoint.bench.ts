/**
 * Checkpoint duration on a real standalone cluster: a job loads `--state-mb` of keyed ValueState (keys of ~12 bytes,
 * values of 100 bytes), then keeps updating a small part of it; checkpoints run every `--interval` ms to a local
 * directory. Reported per state backend (and full or incremental): the end-to-end duration of `--checkpoints`
 * completed checkpoints (p50, p99 = the slowest of few), their size, and the synchronous part of the slowest
 * subtask, from `/jobs/:jobid/checkpoints`.
 *
 *   node dist/bench/checkpoint.bench.js [--state-mb 10,1000] [--backends hashmap,embedded-lmdb] [--incremental false]
 *        [--checkpoints 10] [--interval 2000] [--heap 8g]
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { machine, StandaloneBenchCluster } from './cluster-harness.js';

interface Args {
  stateMb: number[];
  backends: string[];
  incremental: boolean[];
  checkpoints: number;
  interval: number;
  heap: string;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { stateMb: [10, 1000], backends: ['hashmap', 'embedded-lmdb'], incremental: [false], checkpoints: 10, interval: 2000, heap: '8g' };
  for (let i = 0; i < argv.length; i += 2) {
    const v = argv[i + 1] ?? '';
    switch (argv[i]) {
      case '--state-mb':
        a.stateMb = v.split(',').map(Number);
        break;
      case '--backends':
        a.backends = v.split(',');
        break;
      case '--incremental':
        a.incremental = v.split(',').map((x) => x === 'true');
        break;
      case '--checkpoints':
        a.checkpoints = Number(v);
        break;
      case '--interval':
        a.interval = Number(v);
        break;
      case '--heap':
        a.heap = v;
        break;
      default:
        throw new Error(`Usage: checkpoint.bench.js [--state-mb 10,1000] [--backends hashmap,embedded-lmdb] [--incremental false,true] [--checkpoints 10] [--interval 2000] [--heap 8g]  (unknown: ${argv[i]})`);
    }
  }
  return a;
}

const VALUE_BYTES = 100;

/** The job: `keys` keys loaded once, then one update in every thousand keys a second. */
function program(keys: number): string {
  return `import { StreamExecutionEnvironment, ValueStateDescriptor } from 'flink-ts';
const env = StreamExecutionEnvironment.getExecutionEnvironment();
const VALUE = 'v'.repeat(${VALUE_BYTES});
env
  .addSource(async (ctx) => {
    for (let i = 0; i < ${keys} && ctx.isRunning(); i++) {
      ctx.collect(i);
      if ((i & 4095) === 0) await ctx.yield();
    }
    for (let i = 0; ctx.isRunning(); i = (i + 1) % ${keys}) {
      ctx.collect(i);
      if (i % ${Math.max(1, Math.floor(keys / 1000))} === 0) await new Promise((r) => setTimeout(r, 1));
    }
  }, 'Keys')
  .keyBy((i) => 'key-' + i)
  .map({
    open(ctx) { this.v = ctx.getState(new ValueStateDescriptor('v')); },
    map(i) { this.v.update(VALUE); return i; },
  })
  .addSink(() => {});
await env.execute('Checkpoint bench');
`;
}

async function rest<T>(port: number, path: string): Promise<T> {
  return (await (await fetch(`http://127.0.0.1:${port}${path}`)).json()) as T;
}

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}`);
}

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? NaN;
}

interface History {
  history: Array<{ id: number; status: string; end_to_end_duration: number; state_size: number; checkpointed_size?: number }>;
}

async function measure(args: Args, stateMb: number, backend: string, incremental: boolean): Promise<string> {
  const keys = Math.round((stateMb * 1024 * 1024) / (VALUE_BYTES + 12));
  const cluster = await StandaloneBenchCluster.start({
    taskManagers: 1,
    slotsPerTaskManager: 1,
    extraConf: [`taskmanager.heap.size: ${args.heap}`, `state.backend: ${backend}`, `state.backend.incremental: ${incremental}`],
  });
  try {
    const work = join(cluster.root, 'work');
    await mkdir(work, { recursive: true });
    const job = join(work, 'checkpoint.js');
    await writeFile(job, program(keys));
    const out = await cluster.exec(
      'flink',
      ['run', '-d', '-D', `execution.checkpointing.interval=${args.interval}ms`, '-D', `state.checkpoints.dir=file://${join(work, 'checkpoints')}`, '-D', 'execution.checkpointing.timeout=10min', job],
      60_000,
    );
    const jobId = /JobID ([0-9a-f]{32})/.exec(out)?.[1];
    if (!jobId) throw new Error(out);
    // Loaded: the keyed vertex has seen every key once.
    const loadStart = Date.now();
    await until('the state to be loaded', 30 * 60_000, async () => {
      const d = await rest<{ vertices: Array<{ metrics: Record<string, number> }> }>(cluster.restPort, `/jobs/${jobId}`);
      return (d.vertices[1]?.metrics['read-records'] ?? 0) >= keys ? true : undefined;
    });
    const loadMs = Date.now() - loadStart;
    const firstAfter = (await rest<{ counts: { total: number } }>(cluster.restPort, `/jobs/${jobId}/checkpoints`)).counts.total + 1;
    const seen = new Map<number, History['history'][number]>();
    await until(`${args.checkpoints} checkpoints`, 60 * 60_000, async () => {
      const h = await rest<History>(cluster.restPort, `/jobs/${jobId}/checkpoints`);
      for (const c of h.history) if (c.id >= firstAfter && c.status === 'COMPLETED') seen.set(c.id, c);
      return seen.size >= args.checkpoints ? true : undefined;
    });
    await cluster.exec('flink', ['cancel', jobId], 60_000);
    const done = [...seen.values()].slice(0, args.checkpoints);
    const durations = done.map((c) => c.end_to_end_duration);
    const size = Math.max(...done.map((c) => c.state_size));
    const written = done.map((c) => c.checkpointed_size ?? c.state_size);
    return (
      `| ${stateMb} MB (${keys.toLocaleString('en')} keys) | ${backend}${incremental ? ' incremental' : ''} | ${percentile(durations, 50)} | ` +
      `${percentile(durations, 99)} | ${(size / 1048576).toFixed(1)} | ${(percentile(written, 50) / 1048576).toFixed(1)} | ${(loadMs / 1000).toFixed(0)} s |`
    );
  } finally {
    await cluster.close();
  }
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const m = machine();
  const rows: string[] = [];
  for (const mb of args.stateMb) {
    for (const backend of args.backends) {
      for (const inc of args.incremental) {
        const row = await measure(args, mb, backend, inc);
        process.stdout.write(`${row}\n`);
        rows.push(row);
      }
    }
  }
  process.stdout.write(
    `\n${new Date().toISOString().slice(0, 10)}, ${m.cpu}, ${m.cores} cores, node ${m.node}; ${args.checkpoints} checkpoints every ${args.interval} ms\n` +
      '| keyed state | backend | p50 ms | p99 ms | state MiB | written per checkpoint MiB (p50) | load time |\n|---|---|---|---|---|---|---|\n' +
      `${rows.join('\n')}\n`,
  );
}

await main();
