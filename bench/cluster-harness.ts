/**
 * A real standalone cluster for the cluster benchmarks: a temporary FLINK_CONF_DIR (free ports on 127.0.0.1,
 * its own pid and log directories), started and stopped with bin/start-cluster.sh / bin/stop-cluster.sh, jobs
 * submitted with `bin/flink run`, and the memory of every daemon read from /proc.
 *
 * ```ts
 * const cluster = await StandaloneBenchCluster.start({ taskManagers: 2, slotsPerTaskManager: 1 });
 * const run = await cluster.runJob(programPath, { parallelism: 2, args: ['--records', '1000'] });
 * await cluster.close();
 * ```
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { freePort, loopbackSetup } from '../test/support/loopback-conf.js';

/** This file runs from <dist>/bench/; the daemons run the very build it belongs to. */
export const DIST_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The checkout with bin/ and conf/: FLINK_HOME, else the parent of the build directory. */
export function flinkHome(): string {
  const home = resolve(process.env['FLINK_HOME'] ?? join(DIST_DIR, '..'));
  if (!existsSync(join(home, 'bin', 'flink'))) {
    throw new Error(`No bin/flink under ${home}: set FLINK_HOME to the flink-ts checkout (the build is ${DIST_DIR}).`);
  }
  return home;
}

export interface ClusterOptions {
  taskManagers: number;
  slotsPerTaskManager: number;
  /** Extra flink-conf.yaml lines (last wins). */
  extraConf?: string[];
  /** Extra node flags for the daemons (env.node.opts), e.g. --cpu-prof. */
  nodeOpts?: string;
  /**
   * JobManagers for an HA cluster (default 1): conf/masters gets `127.0.0.1:<rest port>` for each, the first on
   * `restPort`, the others on free ports, so bin/start-cluster.sh starts them all. extraConf must set up HA.
   */
  jobManagers?: number;
}

export interface ProcessMemory {
  role: 'JobManager' | 'TaskManager';
  pid: number;
  /** Peak resident set size since the last reset (VmHWM), MiB. */
  peakRssMiB: number;
  /** Highest RSS seen by polling, MiB (a cross-check of VmHWM; also works where clear_refs is not allowed). */
  polledPeakRssMiB: number;
  /** Bytes the process wrote through write(2)-like calls during the run: TCP data plane, logs, files. */
  wcharBytes: number;
  /** CPU time (user + system, all threads) the process used during the run, ms. */
  cpuMs: number;
}

export interface JobRun {
  jobId: string;
  /** The JobMaster's net runtime: submission accepted → all tasks finished (includes deployment). */
  netRuntimeMs: number;
  /** First task RUNNING → last task FINISHED, from the REST vertex times (excludes deployment). */
  taskRuntimeMs: number;
  wallMs: number;
  vertices: Array<{
    name: string;
    parallelism: number;
    startTime: number;
    endTime: number;
    readRecords: number;
    writeRecords: number;
    readBytes: number;
    writeBytes: number;
  }>;
  memory: ProcessMemory[];
  /** RSS of each daemon (in `memory` order), MiB, every 250 ms of the run; `ms` since submission. */
  timeline: Array<{ ms: number; rssMiB: number[] }>;
  stdout: string;
}

export class StandaloneBenchCluster {
  private constructor(
    readonly root: string,
    readonly home: string,
    readonly env: Record<string, string>,
    readonly restPort: number,
    private readonly pidDir: string,
    /** The REST ports of all JobManagers, in conf/masters order (only `restPort` without HA). */
    readonly restPorts: readonly number[],
  ) {}

  static async start(o: ClusterOptions): Promise<StandaloneBenchCluster> {
    const home = flinkHome();
    const { root, confDir, pidDir, logDir, restPort } = await loopbackSetup({
      home,
      prefix: 'flink-bench-',
      slotsPerTaskManager: o.slotsPerTaskManager,
      taskManagers: o.taskManagers,
      extraConf: [...(o.nodeOpts ? [`env.node.opts: ${o.nodeOpts}`] : []), ...(o.extraConf ?? [])],
    });
    const restPorts = [restPort];
    while (restPorts.length < (o.jobManagers ?? 1)) {
      const p = await freePort();
      if (!restPorts.includes(p)) restPorts.push(p);
    }
    if (restPorts.length > 1) await writeFile(join(confDir, 'masters'), restPorts.map((p) => `127.0.0.1:${p}\n`).join(''));
    const env: Record<string, string> = {
      ...(process.env as Record<string, string>),
      FLINK_HOME: home,
      FLINK_CONF_DIR: confDir,
      FLINK_PID_DIR: pidDir,
      FLINK_LOG_DIR: logDir,
      FLINK_IDENT_STRING: `bench${process.pid}`,
      FLINK_DIST_DIR: DIST_DIR,
    };
    const cluster = new StandaloneBenchCluster(root, home, env, restPort, pidDir, restPorts);
    try {
      await cluster.exec('start-cluster.sh', [], 120_000);
      await cluster.waitForTaskManagers(o.taskManagers, 60_000);
    } catch (err) {
      await cluster.close();
      throw err;
    }
    return cluster;
  }

  get logDir(): string {
    return this.env['FLINK_LOG_DIR'] as string;
  }

  /** The daemons' pids by role, from the pid files start-cluster.sh wrote. */
  async daemons(): Promise<Array<{ role: ProcessMemory['role']; pid: number }>> {
    const out: Array<{ role: ProcessMemory['role']; pid: number }> = [];
    if (!existsSync(this.pidDir)) return out;
    for (const name of (await readdir(this.pidDir)).sort()) {
      if (!name.endsWith('.pid')) continue;
      const role = name.includes('standalonesession') ? 'JobManager' : 'TaskManager';
      for (const line of (await readFile(join(this.pidDir, name), 'utf8')).split('\n')) {
        const pid = Number(line.trim());
        if (pid > 0) out.push({ role, pid });
      }
    }
    return out.sort((a, b) => (a.role === b.role ? 0 : a.role === 'JobManager' ? -1 : 1));
  }

  /** Runs `bin/flink run -p <p> <program> <args>` and collects runtime, metrics and memory. */
  async runJob(program: string, o: { parallelism: number; args: string[]; timeoutMs?: number }): Promise<JobRun> {
    const daemons = await this.daemons();
    const before = new Map(daemons.map((d) => [d.pid, { wchar: readWchar(d.pid), cpu: cpuMs(d.pid) }]));
    for (const d of daemons) resetPeakRss(d.pid);
    const polled = new Map(daemons.map((d) => [d.pid, rssMiB(d.pid)]));
    const timeline: JobRun['timeline'] = [];
    const t0 = performance.now();
    let ticks = 0;
    const poller = setInterval(() => {
      const rss = daemons.map((d) => rssMiB(d.pid));
      daemons.forEach((d, i) => polled.set(d.pid, Math.max(polled.get(d.pid) ?? 0, rss[i] as number)));
      if (ticks++ % 5 === 0) timeline.push({ ms: Math.round(performance.now() - t0), rssMiB: rss });
    }, 50);
    let stdout: string;
    try {
      stdout = await this.exec('flink', ['run', '-p', String(o.parallelism), program, ...o.args], o.timeoutMs ?? 600_000);
    } finally {
      clearInterval(poller);
    }
    const wallMs = performance.now() - t0;
    const memory: ProcessMemory[] = daemons.map((d) => ({
      role: d.role,
      pid: d.pid,
      peakRssMiB: peakRssMiB(d.pid),
      polledPeakRssMiB: Math.max(polled.get(d.pid) ?? 0, rssMiB(d.pid)),
      wcharBytes: readWchar(d.pid) - (before.get(d.pid)?.wchar ?? 0),
      cpuMs: cpuMs(d.pid) - (before.get(d.pid)?.cpu ?? 0),
    }));
    const jobId = /JobID ([0-9a-f]{32})/.exec(stdout)?.[1];
    const runtime = /Job Runtime: (\d+) ms/.exec(stdout)?.[1];
    if (!jobId || runtime === undefined) throw new Error(`Unexpected output of bin/flink run:\n${stdout}`);
    const details = (await (await fetch(`http://127.0.0.1:${this.restPort}/jobs/${jobId}`)).json()) as {
      vertices: Array<{ name: string; parallelism: number; 'start-time': number; 'end-time': number; metrics: Record<string, number> }>;
    };
    const starts = details.vertices.map((v) => v['start-time']).filter((t) => t > 0);
    const ends = details.vertices.map((v) => v['end-time']).filter((t) => t > 0);
    return {
      jobId,
      netRuntimeMs: Number(runtime),
      taskRuntimeMs: Math.max(...ends) - Math.min(...starts),
      wallMs,
      vertices: details.vertices.map((v) => ({
        name: v.name,
        parallelism: v.parallelism,
        startTime: v['start-time'],
        endTime: v['end-time'],
        readRecords: v.metrics['read-records'] ?? 0,
        writeRecords: v.metrics['write-records'] ?? 0,
        readBytes: v.metrics['read-bytes'] ?? 0,
        writeBytes: v.metrics['write-bytes'] ?? 0,
      })),
      memory,
      timeline,
      stdout,
    };
  }

  /** Stops the cluster with bin/stop-cluster.sh; kills what is left of its own daemons; removes the temp dir. */
  async close(keepRoot = process.env["FLINK_BENCH_KEEP"] === "1"): Promise<void> {
    const daemons = await this.daemons().catch(() => []);
    await this.exec('stop-cluster.sh', [], 60_000).catch((err: Error) => process.stderr.write(`stop-cluster.sh: ${err.message}\n`));
    for (const d of daemons) {
      if (isAlive(d.pid)) {
        try {
          process.kill(d.pid, 'SIGKILL');
        } catch {
          // gone meanwhile
        }
      }
    }
    if (!keepRoot) await rm(this.root, { recursive: true, force: true });
  }

  /** Runs a bin/ script; resolves to its stdout, rejects with stdout+stderr on a non-zero exit. */
  exec(script: string, args: string[], timeoutMs: number): Promise<string> {
    return new Promise((res, rej) => {
      execFile(join(this.home, 'bin', script), args, { env: this.env, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
        if (err) rej(new Error(`bin/${script} ${args.join(' ')} failed: ${err.message}\n${stdout}\n${stderr}`));
        else res(stdout);
      });
    });
  }

  private async waitForTaskManagers(n: number, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let seen = -1;
    for (let i = 0; i < 600 && Date.now() < deadline; i++) {
      try {
        const r = (await (await fetch(`http://127.0.0.1:${this.restPort}/overview`)).json()) as { taskmanagers?: number; 'slots-total'?: number };
        seen = r.taskmanagers ?? -1;
        if (seen >= n) return;
      } catch {
        // not up yet
      }
      await sleep(100);
    }
    throw new Error(`The benchmark cluster did not report ${n} TaskManagers within ${timeoutMs} ms (saw ${seen}); logs in ${this.logDir}.`);
  }
}

export { freePort } from '../test/support/loopback-conf.js';

function statusField(pid: number, field: string): number {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

export const rssMiB = (pid: number): number => statusField(pid, 'VmRSS');
export const peakRssMiB = (pid: number): number => statusField(pid, 'VmHWM');

/** Resets VmHWM to the current RSS (Linux: "5" > clear_refs), so the next reading is this run's peak. */
export function resetPeakRss(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

function readWchar(pid: number): number {
  try {
    const m = /^wchar:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/io`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** utime + stime of all threads, from /proc/<pid>/stat (clock ticks, 100 per second on Linux). */
function cpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return 0;
  }
}

import { isAlive } from '../test/support/processes.js';

export { isAlive };

/** Writes `text` to `<dir>/<name>` and returns the path. */
export async function writeProgram(dir: string, name: string, text: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

/** Median, min and max of a list of numbers. */
export function stats(xs: number[]): { median: number; min: number; max: number } {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  const median = s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
  return { median, min: s[0] ?? NaN, max: s[s.length - 1] ?? NaN };
}

/** The machine the figures come from. */
export function machine(): { cpu: string; cores: number; memGiB: number; node: string; load: string } {
  const cpuinfo = safeRead('/proc/cpuinfo');
  const meminfo = safeRead('/proc/meminfo');
  return {
    cpu: /^model name\s*:\s*(.*)$/m.exec(cpuinfo)?.[1] ?? 'unknown',
    cores: (cpuinfo.match(/^processor\s*:/gm) ?? []).length,
    memGiB: Number(/^MemTotal:\s+(\d+)/m.exec(meminfo)?.[1] ?? 0) / 1024 / 1024,
    node: process.version,
    load: safeRead('/proc/loadavg').split(' ').slice(0, 3).join(' '),
  };
}

function safeRead(p: string): string {
  try {
    return readFileSync(p, 'utf8');
  } catch {
    return '';
  }
}

// --- The stateful committing job of the recovery benchmarks ---------------------------------------------------

/**
 * A stateful job whose output is committed per completed checkpoint: a counting source with its offset in
 * operator state, keyBy, a keyed ValueState count, and a sink that renames `<out>/part-<subtask>-<checkpoint id>`
 * into place when the checkpoint completes (so a new file is new committed output).
 */
export function committingJobProgram(out: string): string {
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

export interface JobDetails {
  state: string;
  vertices: Array<{ id: string; parallelism: number; tasks: Record<string, number> }>;
}

/** The job is RUNNING and so is every one of its tasks (not only scheduled or deploying). */
export function allTasksRunning(d: JobDetails | undefined): boolean {
  return d?.state === 'RUNNING' && d.vertices.every((v) => v.tasks['RUNNING'] === v.parallelism);
}

/**
 * Writes committingJobProgram to `<work>/recovery.js` and submits it detached at parallelism 2 with checkpoints
 * every `intervalMs` to `<work>/checkpoints`; its output goes to `<work>/out`.
 */
export async function submitCommittingJob(cluster: StandaloneBenchCluster, work: string, intervalMs: number): Promise<{ jobId: string; out: string }> {
  const out = join(work, 'out');
  await mkdir(out, { recursive: true });
  const job = await writeProgram(work, 'recovery.js', committingJobProgram(out));
  const submitted = await cluster.exec(
    'flink',
    ['run', '-d', '-p', '2', '-D', `execution.checkpointing.interval=${intervalMs}ms`, '-D', `state.checkpoints.dir=file://${join(work, 'checkpoints')}`, job],
    60_000,
  );
  const jobId = /JobID ([0-9a-f]{32})/.exec(submitted)?.[1];
  if (!jobId) throw new Error(`Unexpected output of bin/flink run -d:\n${submitted}`);
  return { jobId, out };
}

/**
 * When the newest committed part file of a directory was written. Each file is looked at once (the directory
 * grows by a file per checkpoint and subtask, and it is polled every few ms while a failover is timed).
 */
export class CommitWatcher {
  readonly #seen = new Set<string>();
  #newest = 0;

  constructor(private readonly dir: string) {}

  /** The newest commit's mtime, ms since the epoch (0: none yet). */
  async newest(): Promise<number> {
    if (!existsSync(this.dir)) return 0;
    for (const f of await readdir(this.dir)) {
      if (f.endsWith('.tmp') || this.#seen.has(f)) continue;
      this.#seen.add(f);
      this.#newest = Math.max(this.#newest, (await stat(join(this.dir, f))).mtimeMs);
    }
    return this.#newest;
  }
}

/** GET on a REST endpoint of 127.0.0.1, JSON (follows redirects). */
export async function restJson<T>(port: number, path: string): Promise<T> {
  return (await (await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(10_000) })).json()) as T;
}

/** Polls `probe` every `everyMs` until it gives a value (a rejection counts as none); throws after `timeoutMs`. */
export async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>, everyMs = 10): Promise<T> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined) return v;
    await sleep(everyMs);
  }
  throw new Error(`timed out waiting for ${what}`);
}

// --- Logs ------------------------------------------------------------------------------------------------------

/** One line of a daemon's or ZooKeeper's log: when it was written (ms since the epoch) and its text. */
export interface LogLine {
  at: number;
  text: string;
  file: string;
}

const LOG_TIME = /^(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d),(\d{3}) /;

/**
 * The lines of log files that start with a `yyyy-MM-dd HH:mm:ss,SSS` local time (Flink's layout, which the
 * daemons and scripts/zookeeper.sh's servers both write), oldest first; continuation lines (stack traces) are left
 * out. Files that do not exist are skipped.
 */
export async function readLogLines(files: readonly string[]): Promise<LogLine[]> {
  const lines: LogLine[] = [];
  for (const file of files) {
    const text = await readFile(file, 'utf8').catch(() => '');
    for (const line of text.split('\n')) {
      const m = LOG_TIME.exec(line);
      if (!m) continue;
      const [y, mo, d, h, mi, s, ms] = m.slice(1).map(Number) as [number, number, number, number, number, number, number];
      lines.push({ at: new Date(y, mo - 1, d, h, mi, s, ms).getTime(), text: line.slice(m[0].length), file });
    }
  }
  return lines.sort((a, b) => a.at - b.at);
}

/** The cluster's daemon log files (rotated ones too) of JobManagers or TaskManagers. */
export async function daemonLogFiles(cluster: StandaloneBenchCluster, role: ProcessMemory['role']): Promise<string[]> {
  const kind = role === 'JobManager' ? '-standalonesession-' : '-taskexecutor-';
  return (await readdir(cluster.logDir).catch(() => [] as string[]))
    .filter((f) => f.includes(kind) && /\.log(\.\d+)?$/.test(f))
    .map((f) => join(cluster.logDir, f));
}

/** Arguments of the kill-and-recover benchmarks: rounds, checkpoint interval, extra flink-conf.yaml lines. */
export interface KillBenchArgs {
  kills: number;
  interval: number;
  conf: string[];
}

/** Parses `[--kills 5] [--interval 1000] [--conf key=value]...`; anything else throws with `usage`. */
export function parseKillBenchArgs(argv: string[], usage: string): KillBenchArgs {
  const a: KillBenchArgs = { kills: 5, interval: 1000, conf: [] };
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
        throw new Error(`${usage}  (unknown: ${argv[i]})`);
    }
  }
  return a;
}
