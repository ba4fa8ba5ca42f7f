/**
 * JobManager failover time with ZooKeeper HA on one host: a real ZooKeeper (scripts/zookeeper.sh, a free
 * loopback port), two JobManagers from conf/masters, two TaskManagers, and the stateful committing job of
 * recovery.bench.ts with checkpoints every `--interval`; everything else at its default, so the figure is the
 * default failover time (in particular the ZooKeeper session timeout, which a crashed leader's session has to run
 * out before a standby may lead). Each round kills the leading JobManager with SIGKILL and measures, from the
 * kill: until the job is RUNNING with every task RUNNING on the other JobManager (its REST polled every 20 ms),
 * and until the sink commits its first file after that. The logs of ZooKeeper and the daemons give where the time
 * went. The killed JobManager is started again (`bin/jobmanager.sh start 127.0.0.1 <port>`, it comes back as a
 * standby) before the next round.
 *
 *   node dist/bench/ha-failover.bench.js [--kills 5] [--interval 1000] [--conf key=value]...
 *
 * FLINK_BENCH_KEEP=1 keeps the cluster's directory (logs, with a copy of ZooKeeper's log) after the run.
 */
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  allTasksRunning,
  CommitWatcher,
  daemonLogFiles,
  isAlive,
  machine,
  parseKillBenchArgs,
  readLogLines,
  restJson,
  StandaloneBenchCluster,
  stats,
  submitCommittingJob,
  until,
  type JobDetails,
  type KillBenchArgs as Args,
  type LogLine,
} from './cluster-harness.js';
import { pidListeningOn } from '../test/support/processes.js';
import { ZooKeeperServer } from '../test/integration/support/zookeeper-server.js';

const USAGE = 'Usage: ha-failover.bench.js [--kills 5] [--interval 1000] [--conf key=value]...';


/** The poll period while a failover is timed: the figures are this much too high at most. */
const POLL_MS = 20;

/** How a JobManager's REST endpoint answers: 200 as leader, 307 (to the leader) as standby. */
async function role(port: number): Promise<'leader' | 'standby' | 'other'> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/overview`, { redirect: 'manual', signal: AbortSignal.timeout(5_000) });
    await res.arrayBuffer();
    return res.status === 200 ? 'leader' : res.status === 307 ? 'standby' : 'other';
  } catch {
    return 'other';
  }
}

/** The job's details from this JobManager itself (not following a redirect), or undefined while it does not lead. */
async function jobOn(port: number, jobId: string): Promise<JobDetails | undefined> {
  const res = await fetch(`http://127.0.0.1:${port}/jobs/${jobId}`, { redirect: 'manual', signal: AbortSignal.timeout(5_000) });
  const text = await res.text();
  return res.status === 200 ? (JSON.parse(text) as JobDetails) : undefined;
}

/** The steps of one failover, ms after the kill (undefined: not found in the logs). */
interface Steps {
  /** The last TaskManager noticed that the leader is gone (and cancelled the job's tasks). */
  taskManagersNoticed?: number;
  /** ZooKeeper expires the killed leader's session (its ephemeral latch node goes with it). */
  sessionExpired?: number;
  /** The standby logs that it leads. */
  newLeader?: number;
  /** It starts recovering the job (job graph read from ZooKeeper and the storage directory). */
  jobRecovery?: number;
  /** Its JobMaster found the latest completed checkpoint. */
  checkpointFound?: number;
  /** The last TaskManager registered at the new leader. */
  taskManagersRegistered?: number;
  /** The JobMaster sent every task to the TaskManagers. */
  tasksDeployed?: number;
  /** The bench saw every task RUNNING on the new leader's REST API. */
  running: number;
  /** The new leader completed its first checkpoint of the job. */
  firstCheckpoint?: number;
  /** The bench saw the first file the sink committed after that. */
  committed: number;
}

/** The steps in the order they happen, each with the step it waits for (undefined: the kill). */
const STEPS: Array<{ key: keyof Steps; name: string; after?: keyof Steps }> = [
  { key: 'taskManagersNoticed', name: 'both TaskManagers cancelled the old tasks' },
  { key: 'sessionExpired', name: "ZooKeeper expired the dead leader's session" },
  { key: 'newLeader', name: 'the standby leads', after: 'sessionExpired' },
  { key: 'jobRecovery', name: 'job recovery started', after: 'newLeader' },
  { key: 'checkpointFound', name: 'latest checkpoint found', after: 'jobRecovery' },
  { key: 'taskManagersRegistered', name: 'both TaskManagers registered', after: 'newLeader' },
  { key: 'tasksDeployed', name: 'tasks deployed', after: 'newLeader' },
  { key: 'running', name: 'every task RUNNING (REST)', after: 'tasksDeployed' },
  { key: 'firstCheckpoint', name: 'first checkpoint completed', after: 'running' },
  { key: 'committed', name: 'first new committed output', after: 'firstCheckpoint' },
];

function firstAfter(lines: readonly LogLine[], since: number, re: RegExp): LogLine | undefined {
  return lines.find((l) => l.at >= since && re.test(l.text));
}

/** Reads the steps of the failover that began at `killedAt` from the logs. */
async function stepsFromLogs(cluster: StandaloneBenchCluster, zk: ZooKeeperServer, jobId: string, killedAt: number, running: number, committed: number): Promise<Steps & { sessionTimeoutMs?: number }> {
  const jm = await readLogLines(await daemonLogFiles(cluster, 'JobManager'));
  const zkLines = await readLogLines([zooKeeperLog(zk)]);
  const after = (lines: readonly LogLine[], re: RegExp): number | undefined => {
    const l = firstAfter(lines, killedAt, re);
    return l === undefined ? undefined : l.at - killedAt;
  };
  // Per TaskManager, the first such line after the kill; the slower TaskManager says when the step is done.
  const tms = await Promise.all((await daemonLogFiles(cluster, 'TaskManager')).map((f) => readLogLines([f])));
  const slowest = (re: RegExp): number | undefined => {
    const ts = tms.map((lines) => after(lines, re));
    return ts.length === 0 || ts.some((t) => t === undefined) ? undefined : Math.max(...(ts as number[]));
  };
  const expiry = firstAfter(zkLines, killedAt, /Expiring session 0x[0-9a-f]+, timeout of \d+ms exceeded/);
  return {
    taskManagersNoticed: slowest(/ - JobManager lost: /),
    ...(expiry ? { sessionExpired: expiry.at - killedAt, sessionTimeoutMs: Number(/timeout of (\d+)ms/.exec(expiry.text)?.[1]) } : {}),
    newLeader: after(jm, / - This process leads now with leader session id /),
    jobRecovery: after(jm, new RegExp(` - Trying to recover job with job id ${jobId}`)),
    checkpointFound: after(jm, new RegExp(` - Recovering job ${jobId} from its latest completed checkpoint`)),
    taskManagersRegistered: slowest(/ - Successful registration at resource manager /),
    tasksDeployed: after(jm, new RegExp(` - Deployed \\d+ task\\(s\\) of job ${jobId}`)),
    running,
    firstCheckpoint: after(jm, new RegExp(` - Completed checkpoint \\d+ for job ${jobId}`)),
    committed,
  };
}

function zooKeeperLog(zk: ZooKeeperServer): string {
  return join(zk.home, 'standalone', 'zookeeper.log');
}

const fmt = (ms: number | undefined): string => (ms === undefined ? '?' : String(Math.round(ms)));

async function main(): Promise<void> {
  const args = parseKillBenchArgs(process.argv.slice(2), USAGE);
  const work = await mkdtemp(join(tmpdir(), 'flink-bench-ha-'));
  let zk: ZooKeeperServer | undefined;
  let cluster: StandaloneBenchCluster | undefined;
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      const keep = process.env['FLINK_BENCH_KEEP'] === '1';
      if (keep && zk && cluster) await copyFile(zooKeeperLog(zk), join(cluster.logDir, 'zookeeper.log')).catch(() => undefined);
      await cluster?.close().catch((err: Error) => process.stderr.write(`closing the cluster: ${err.message}\n`));
      await zk?.stop().catch((err: Error) => process.stderr.write(`stopping ZooKeeper: ${err.message}\n`));
      await rm(work, { recursive: true, force: true });
      if (keep && cluster) process.stderr.write(`kept ${cluster.root}\n`);
    })());
  // The daemons and ZooKeeper run in sessions of their own, so Ctrl-C reaches only this process.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => void close().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143)));
  }
  try {
    zk = await ZooKeeperServer.standalone();
    cluster = await StandaloneBenchCluster.start({
      taskManagers: 2,
      slotsPerTaskManager: 1,
      jobManagers: 2,
      extraConf: [
        'high-availability: zookeeper',
        `high-availability.zookeeper.quorum: ${zk.quorum}`,
        `high-availability.storageDir: file://${work}/recovery`,
        'high-availability.jobmanager.port: 0',
        ...args.conf,
      ],
    });
    await rounds(args, zk, cluster, work);
  } finally {
    await close();
  }
}

async function rounds(args: Args, zk: ZooKeeperServer, cluster: StandaloneBenchCluster, work: string): Promise<void> {
  const ports = cluster.restPorts;
  await cluster.exec('flink', ['--version'], 30_000);
  const { jobId, out } = await submitCommittingJob(cluster, work, args.interval);
  const commits = new CommitWatcher(out);
  const all: Array<Steps & { sessionTimeoutMs?: number }> = [];
  for (let k = 0; k < args.kills; k++) {
    const since = Date.now();
    const leader = await until('one leading JobManager and one standby', 60_000, async () => {
      const roles = await Promise.all(ports.map(role));
      return roles.filter((r) => r === 'leader').length === 1 && roles.filter((r) => r === 'standby').length === ports.length - 1 ? roles.indexOf('leader') : undefined;
    }, 100);
    const leaderPort = ports[leader] as number;
    const survivorPort = ports[1 - leader] as number;
    // A steady state: every task running and a commit after the previous round.
    await until('the job running and committing', 120_000, async () =>
      allTasksRunning(await restJson<JobDetails>(leaderPort, `/jobs/${jobId}`)) && (await commits.newest()) > since ? true : undefined,
    100);
    const jobManagers = (await cluster.daemons()).filter((d) => d.role === 'JobManager').map((d) => d.pid);
    const victim = await pidListeningOn(leaderPort, jobManagers);
    if (victim === undefined) throw new Error(`no JobManager process of the cluster listens on the leader's REST port ${leaderPort}`);

    const killedAt = Date.now();
    process.kill(victim, 'SIGKILL');
    const runningAt = await until('the job RUNNING on the other JobManager', 120_000, async () => (allTasksRunning(await jobOn(survivorPort, jobId)) ? Date.now() : undefined), POLL_MS);
    // A file newer than that is new output: the first checkpoint of the new leader starts once all tasks run.
    const committedAt = await until('a commit after the failover', 120_000, async () => ((await commits.newest()) > runningAt ? Date.now() : undefined), POLL_MS);
    if (isAlive(victim)) throw new Error(`JobManager ${victim} survived SIGKILL`);

    const steps = await stepsFromLogs(cluster, zk, jobId, killedAt, runningAt - killedAt, committedAt - killedAt);
    all.push(steps);
    process.stdout.write(
      `kill ${k + 1}: leader pid ${victim} (REST ${leaderPort}); RUNNING on the new leader after ${steps.running} ms, first new commit after ${steps.committed} ms\n` +
        `  ${STEPS.map(({ key, name }) => `${name} +${fmt(steps[key])}`).join(', ')}\n`,
    );
    const restarted = await cluster.exec('jobmanager.sh', ['start', '127.0.0.1', String(leaderPort)], 60_000);
    await until(`the restarted JobManager to answer as a standby on ${leaderPort}`, 60_000, async () => ((await role(leaderPort)) === 'standby' ? true : undefined), 100).catch((err: Error) => {
      throw new Error(`${err.message}\n${restarted}`);
    });
  }
  report(args, all);
}

function report(args: Args, all: ReadonlyArray<Steps & { sessionTimeoutMs?: number }>): void {
  const m = machine();
  const r = stats(all.map((s) => s.running));
  const c = stats(all.map((s) => s.committed));
  const timeouts = [...new Set(all.map((s) => s.sessionTimeoutMs).filter((t) => t !== undefined))];
  const lines = [
    '',
    `${new Date().toISOString().slice(0, 10)}, ${m.cpu}, ${m.cores} cores, ${m.memGiB.toFixed(0)} GiB, node ${m.node}, load ${m.load}`,
    `2 JobManagers, 2 TaskManagers x 1 slot, parallelism 2, checkpoint interval ${args.interval} ms, ZooKeeper session timeout ${timeouts.join('/') || '?'} ms` +
      `${args.conf.length ? `, ${args.conf.join(', ')}` : ', default settings otherwise'}; ${all.length} kills`,
    `kill -9 of the leader -> job RUNNING on the new leader: median ${r.median} ms (min ${r.min}, max ${r.max})`,
    `kill -9 of the leader -> first new committed output:   median ${c.median} ms (min ${c.min}, max ${c.max})`,
    '',
    '| step | ms after the kill: median | min | max | per round | ms after the step it waits for: median | that step |',
    '|---|---|---|---|---|---|---|',
  ];
  const median = (xs: number[]): string => (xs.length ? fmt(stats(xs).median) : '?');
  for (const { key, name, after } of STEPS) {
    const xs = all.map((round) => round[key]).filter((x): x is number => x !== undefined);
    const range = stats(xs);
    const gaps = all.flatMap((round) => {
      const t = round[key];
      const before = after === undefined ? 0 : round[after];
      return t === undefined || before === undefined ? [] : [t - before];
    });
    const base = after === undefined ? 'the kill' : STEPS.find((x) => x.key === after)?.name ?? after;
    lines.push(`| ${name} | ${median(xs)} | ${xs.length ? fmt(range.min) : '?'} | ${xs.length ? fmt(range.max) : '?'} | ${all.map((x) => fmt(x[key])).join(', ')} | ${median(gaps)} | ${base} |`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

try {
  await main();
} catch (err) {
  // The message says what failed and where the logs are; the stack would only bury it.
  process.stderr.write(`ha-failover.bench: ${(err as Error).message}\n`);
  process.exitCode = 1;
}
