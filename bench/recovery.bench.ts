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
import { join } from 'node:path';
import {
  allTasksRunning,
  CommitWatcher,
  machine,
  parseKillBenchArgs,
  restJson as rest,
  StandaloneBenchCluster,
  stats,
  submitCommittingJob,
  until,
  type JobDetails,
} from './cluster-harness.js';
import { pidListeningOn } from '../test/support/processes.js';


async function main(): Promise<void> {
  const args = parseKillBenchArgs(process.argv.slice(2), 'Usage: recovery.bench.js [--kills 5] [--interval 1000] [--conf key=value]...');
  const cluster = await StandaloneBenchCluster.start({ taskManagers: 3, slotsPerTaskManager: 1, extraConf: args.conf });
  const port = cluster.restPort;
  try {
    await cluster.exec('flink', ['--version'], 30_000);
    const { jobId, out } = await submitCommittingJob(cluster, join(cluster.root, 'work'), args.interval);
    const commits = new CommitWatcher(out);
    const running: number[] = [];
    const committed: number[] = [];
    for (let k = 0; k < args.kills; k++) {
      // Wait for a steady state: all tasks running and a commit after the last restart.
      const since = Date.now();
      await until('the job running and committing', 60_000, async () =>
        allTasksRunning(await rest<JobDetails>(port, `/jobs/${jobId}`)) && (await commits.newest()) > since ? true : undefined,
      );
      const d = await rest<JobDetails>(port, `/jobs/${jobId}`);
      const v = await rest<{ subtasks: { endpoint: string }[] }>(port, `/jobs/${jobId}/vertices/${d.vertices.at(-1)?.id ?? ''}`);
      const tmPids = (await cluster.daemons()).filter((x) => x.role === 'TaskManager').map((x) => x.pid);
      const victim = await pidListeningOn(Number(v.subtasks[0]?.endpoint.split(':')[1]), tmPids);
      if (!victim) throw new Error('no TaskManager process found for the job');
      const killedAt = Date.now();
      process.kill(victim, 'SIGKILL');
      await until('RESTARTING', 20_000, async () => ((await rest<{ state: string }>(port, `/jobs/${jobId}`)).state !== 'RUNNING' ? true : undefined));
      await until('RUNNING again', 60_000, async () => (allTasksRunning(await rest<JobDetails>(port, `/jobs/${jobId}`)) ? true : undefined));
      running.push(Date.now() - killedAt);
      await until('a commit after the kill', 60_000, async () => ((await commits.newest()) > killedAt ? true : undefined));
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

await main();
