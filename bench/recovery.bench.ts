/**
 * Recovery time on a real standalone cluster: a stateful job (counting source with its offset in operator state,
 * keyed ValueState, a sink that commits once per completed checkpoint) runs with checkpoints every `--interval`
 * and otherwise default settings (so the default restart strategy, fixed-delay with 1 s, applies). A TaskManager
 * running the job is killed with SIGKILL; measured from the kill: until the job is RUNNING again with every task
 * RUNNING, and until the sink commits its first file after the kill. A spare TaskManager provides the slot, and
 * the killed one is started again before the next round.
 *
 *   node dist/bench/recovery.bench.js [--kills 5] [--interval 1000] [--conf key=value]...
 */
import { existsSync } from 'node:fs';
import { readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { machine, StandaloneBenchCluster, stats } from './cluster-harness.js';
import { pidListeningOn } from '../test/support/processes.js';

interface Args {
  kills: number;
  interval: number;
  conf: string[];
}

function parseArgs(argv: string[]): Args {
  const a: Args = { kills: 5, interval: 1000, conf: [] };
  for (let i = 0; i < argv.length; i += 2) {
    const v = argv[i + 1] ?? '';
    switch (argv[i]) {
      case '--kills':
        a.kills = Number(v);
        break;
      case '--interval':
        a.interval = Number(v);
        break;
      case '--conf':
        a.conf.push(v.replace('=', ': '));
        break;
      default:
        throw new Error(`Usage: recovery.bench.js [--kills 5] [--interval 1000] [--conf key=value]...  (unknown: ${argv[i]})`);
    }
  }
  return a;
}

function program(out: string): string {
  return `import { StreamExecutionEnvironment, ListStateDescriptor, ValueStateDescriptor } from 'flink-ts';
import { renameSync, writeFileSync } from 'node:fs';
const env = StreamExecutionEnvironment.getExecutionEnvironment();
class Counter {
  next = 0;
  initializeState(ctx) {
    this.offset = ctx.getOperatorStateStore().getListState(new ListStateDescriptor('offset'));
    if (ctx.isRestored()) for (const v of this.offset.get()) this.next = v;
  }
  snapshotState() { this.offset.update([this.next]); }
  async run(ctx) {
    while (ctx.isRunning()) {
      for (let k = 0; k < 50; k++) ctx.collect(this.next++);
      await new Promise((r) => setTimeout(r, 5));
    }
  }
}
class CommitSink {
  buffer = [];
  pending = [];
  setRuntimeContext(rc) { this.subtask = rc.getIndexOfThisSubtask(); }
  initializeState(ctx) { this.state = ctx.getOperatorStateStore().getListState(new ListStateDescriptor('pending')); }
  invoke(v) { this.buffer.push(v); }
  snapshotState(ctx) { this.pending.push({ id: ctx.getCheckpointId(), n: this.buffer.length }); this.buffer = []; this.state.update(this.pending); }
  notifyCheckpointComplete(id) {
    for (const p of this.pending) if (p.id <= id) {
      const f = ${JSON.stringify(out)} + '/part-' + this.subtask + '-' + p.id;
      writeFileSync(f + '.tmp', String(p.n));
      renameSync(f + '.tmp', f);
    }
    this.pending = this.pending.filter((p) => p.id > id);
  }
}
env.addSource(new Counter(), 'Counter')
  .keyBy((x) => x % 97)
  .map({
    open(ctx) { this.count = ctx.getState(new ValueStateDescriptor('count')); },
    map(x) { const c = (this.count.value() ?? 0) + 1; this.count.update(c); return c; },
  })
  .addSink(new CommitSink());
await env.execute('Recovery bench');
`;
}

async function rest<T>(port: number, path: string): Promise<T> {
  return (await (await fetch(`http://127.0.0.1:${port}${path}`)).json()) as T;
}

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>, everyMs = 10): Promise<T> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const cluster = await StandaloneBenchCluster.start({ taskManagers: 3, slotsPerTaskManager: 1, extraConf: args.conf });
  const port = cluster.restPort;
  try {
    const work = join(cluster.root, 'work');
    const out = join(work, 'out');
    const checkpoints = join(work, 'checkpoints');
    await cluster.exec('flink', ['--version'], 30_000);
    const { mkdir } = await import('node:fs/promises');
    await mkdir(out, { recursive: true });
    const job = join(work, 'recovery.js');
    await writeFile(job, program(out));
    const submitted = await cluster.exec(
      'flink',
      ['run', '-d', '-p', '2', '-D', `execution.checkpointing.interval=${args.interval}ms`, '-D', `state.checkpoints.dir=file://${checkpoints}`, job],
      60_000,
    );
    const jobId = /JobID ([0-9a-f]{32})/.exec(submitted)?.[1];
    if (!jobId) throw new Error(submitted);
    const running: number[] = [];
    const committed: number[] = [];
    for (let k = 0; k < args.kills; k++) {
      // Wait for a steady state: all tasks running and a commit after the last restart.
      const since = Date.now();
      await until('the job running and committing', 60_000, async () => {
        const d = await rest<{ state: string; vertices: { id: string; parallelism: number; tasks: Record<string, number> }[] }>(port, `/jobs/${jobId}`);
        if (d.state !== 'RUNNING' || !d.vertices.every((v) => v.tasks['RUNNING'] === v.parallelism)) return undefined;
        return (await newestCommit(out)) > since ? true : undefined;
      });
      const d = await rest<{ vertices: { id: string }[] }>(port, `/jobs/${jobId}`);
      const v = await rest<{ subtasks: { endpoint: string }[] }>(port, `/jobs/${jobId}/vertices/${d.vertices.at(-1)?.id ?? ''}`);
      const tmPids = (await cluster.daemons()).filter((x) => x.role === 'TaskManager').map((x) => x.pid);
      const victim = await pidListeningOn(Number(v.subtasks[0]?.endpoint.split(':')[1]), tmPids);
      if (!victim) throw new Error('no TaskManager process found for the job');
      const killedAt = Date.now();
      process.kill(victim, 'SIGKILL');
      await until('RESTARTING', 20_000, async () => ((await rest<{ state: string }>(port, `/jobs/${jobId}`)).state !== 'RUNNING' ? true : undefined));
      await until('RUNNING again', 60_000, async () => {
        const j = await rest<{ state: string; vertices: { parallelism: number; tasks: Record<string, number> }[] }>(port, `/jobs/${jobId}`);
        return j.state === 'RUNNING' && j.vertices.every((x) => x.tasks['RUNNING'] === x.parallelism) ? true : undefined;
      });
      running.push(Date.now() - killedAt);
      await until('a commit after the kill', 60_000, async () => ((await newestCommit(out)) > killedAt ? true : undefined));
      committed.push(Date.now() - killedAt);
      process.stdout.write(`kill ${k + 1}: RUNNING again after ${running.at(-1)} ms, first new commit after ${committed.at(-1)} ms\n`);
      await cluster.exec('taskmanager.sh', ['start'], 60_000);
    }
    const m = machine();
    const r = stats(running);
    const c = stats(committed);
    process.stdout.write(
      `\n${new Date().toISOString().slice(0, 10)}, ${m.cpu}, ${m.cores} cores, node ${m.node}\n` +
        `checkpoint interval ${args.interval} ms, default restart strategy; ${args.kills} kills\n` +
        `kill -9 -> RUNNING: median ${r.median} ms (min ${r.min}, max ${r.max})\n` +
        `kill -9 -> first committed output: median ${c.median} ms (min ${c.min}, max ${c.max})\n`,
    );
  } finally {
    await cluster.close();
  }
}

/** When the newest committed part file was written (ms since the epoch; 0: none). */
async function newestCommit(dir: string): Promise<number> {
  if (!existsSync(dir)) return 0;
  let newest = 0;
  for (const f of await readdir(dir)) {
    if (f.endsWith('.tmp')) continue;
    newest = Math.max(newest, (await stat(join(dir, f))).mtimeMs);
  }
  return newest;
}

await main();
