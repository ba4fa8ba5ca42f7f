/**
 * A real standalone cluster for integration tests: `bin/start-cluster.sh` with a private copy of conf/
 * (free loopback ports, two TaskManagers with two slots each), private log and pid directories, and the
 * build this test file belongs to.
 *
 * ```ts
 * let cluster: StandaloneCluster;
 * before(async () => (cluster = await StandaloneCluster.start()));
 * after(async () => cluster?.stop());
 * it('runs', async () => assert.equal((await cluster.flink(['list'])).exitCode, 0));
 * ```
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { restFetch, type FetchFunction } from '../../../src/client/rest-transport.js';
import type { RestSslClientOptions } from '../../../src/config/index.js';
import { loopbackSetup } from '../../support/loopback-conf.js';

// This file runs from <dist>/test/integration/support/; the scripts must run the very build the test belongs to.
export const DIST_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const FLINK_HOME = resolve(process.env['FLINK_HOME'] ?? join(DIST_DIR, '..'));
export const BIN_DIR = join(FLINK_HOME, 'bin');
export const EXAMPLES_DIR = join(FLINK_HOME, 'examples');
export const HOST = hostname();

export type Daemon = 'standalonesession' | 'taskexecutor';

export interface CommandResult {
  readonly stdout: string;
  readonly stderr: string;
  readonly exitCode: number | undefined;
  /** True when the command was killed because it ran past its timeout. */
  readonly timedOut: boolean;
  /** Everything for assertion messages. */
  readonly describe: string;
}

export interface CommandOptions {
  /** Kills the command after this many ms (default 60 s); a hang fails the test instead of stalling it. */
  timeout?: number;
  cwd?: string;
  env?: Record<string, string>;
  /** Kills the command when aborted (for commands a test starts and may have to abandon). */
  signal?: AbortSignal;
}

export interface StandaloneClusterOptions {
  /** Lines appended to flink-conf.yaml (the last occurrence of a key wins). */
  extraConf?: string[];
  /** A flink-conf.yaml to use instead of the installation's; the loopback settings and extraConf go after it. */
  baseConf?: string;
  taskManagers?: number;
  slotsPerTaskManager?: number;
  /** How the test itself reaches a REST endpoint that has security.ssl.rest.enabled (extraConf sets that up). */
  restTls?: RestSslClientOptions;
  /**
   * Extra JobManagers for HA clusters: conf/masters gets `127.0.0.1:<rest port>` and one line per port given here
   * (the REST ports of the others), so bin/start-cluster.sh starts them all.
   */
  standbyRestPorts?: number[];
}

export { freePort } from '../../support/loopback-conf.js';

import { isAlive, waitFor } from '../../support/processes.js';

export { isAlive, waitFor };

export function nonEmptyLines(text: string): string[] {
  return text.split('\n').filter((l) => l.trim() !== '');
}

function describeResult(cmd: string, r: { stdout: string; stderr: string; exitCode: number | undefined; timedOut: boolean }): string {
  return `$ ${cmd}\nexit code: ${r.exitCode}${r.timedOut ? ' (timed out)' : ''}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
}

/** Runs a command without throwing on a non-zero exit; stdout and stderr are kept apart. */
export async function runCommand(file: string, args: readonly string[], env: Record<string, string>, opts: CommandOptions = {}): Promise<CommandResult> {
  const r = await execa(file, args, {
    env: { ...env, ...opts.env },
    reject: false,
    timeout: opts.timeout ?? 60_000,
    stdin: 'ignore',
    ...(opts.cwd !== undefined ? { cwd: opts.cwd } : {}),
    ...(opts.signal !== undefined ? { cancelSignal: opts.signal } : {}),
  });
  const base = { stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? ''), exitCode: r.exitCode, timedOut: r.timedOut };
  return { ...base, describe: describeResult(`${file} ${args.join(' ')}`, base) };
}

let counter = 0;

export class StandaloneCluster {
  private stopped = false;
  private readonly seenPids = new Set<number>();

  /** What bin/start-cluster.sh printed (stdout and stderr). */
  startOutput = '';

  private constructor(
    readonly root: string,
    readonly confDir: string,
    readonly logDir: string,
    readonly pidDir: string,
    readonly ident: string,
    readonly restPort: number,
    readonly rpcPort: number,
    readonly taskManagers: number,
    readonly slotsPerTaskManager: number,
    /** FLINK_CONF_DIR, FLINK_LOG_DIR, FLINK_PID_DIR, FLINK_IDENT_STRING, FLINK_DIST_DIR for every script. */
    readonly env: Record<string, string>,
    private readonly restTls: RestSslClientOptions | undefined,
  ) {
    this.fetchRest = restFetch(restTls);
  }

  private readonly fetchRest: FetchFunction;

  /** `127.0.0.1:<rest port>`, what `-m` takes. */
  get address(): string {
    return `127.0.0.1:${this.restPort}`;
  }

  get restUrl(): string {
    return `${this.restTls ? 'https' : 'http'}://${this.address}`;
  }

  /**
   * Creates the temp setup and runs bin/start-cluster.sh, then waits until every slot is registered.
   * If anything fails on the way, whatever was started is stopped before the error is rethrown.
   */
  static async start(opts: StandaloneClusterOptions = {}): Promise<StandaloneCluster> {
    const taskManagers = opts.taskManagers ?? 2;
    const slots = opts.slotsPerTaskManager ?? 2;
    const { root, confDir, logDir, pidDir, restPort, rpcPort } = await loopbackSetup({
      home: FLINK_HOME,
      prefix: 'flink-it-cluster-',
      slotsPerTaskManager: slots,
      taskManagers,
      ...(opts.extraConf ? { extraConf: opts.extraConf } : {}),
      ...(opts.baseConf ? { baseConf: opts.baseConf } : {}),
    });
    if (opts.standbyRestPorts !== undefined) {
      await writeFile(join(confDir, 'masters'), [restPort, ...opts.standbyRestPorts].map((p) => `127.0.0.1:${p}\n`).join(''));
    }
    const ident = `it${process.pid}c${++counter}`;
    const env: Record<string, string> = {
      FLINK_CONF_DIR: confDir,
      FLINK_LOG_DIR: logDir,
      FLINK_PID_DIR: pidDir,
      FLINK_IDENT_STRING: ident,
      FLINK_DIST_DIR: DIST_DIR,
    };
    const cluster = new StandaloneCluster(root, confDir, logDir, pidDir, ident, restPort, rpcPort, taskManagers, slots, env, opts.restTls);
    try {
      const started = await runCommand(join(BIN_DIR, 'start-cluster.sh'), [], env, { timeout: 90_000 });
      cluster.startOutput = `${started.stdout}\n${started.stderr}`;
      await cluster.rememberPids();
      if (started.exitCode !== 0) throw new Error(`start-cluster.sh failed\n${started.describe}`);
      // start-cluster.sh only warns when the TaskManagers are late; the tests need every slot.
      await waitFor(`${taskManagers * slots} registered slots`, 30_000, async () => {
        const o = await cluster.rest<{ 'slots-total': number; taskmanagers: number }>('/overview');
        return o.taskmanagers === taskManagers && o['slots-total'] === taskManagers * slots ? o : undefined;
      }, 100);
    } catch (err) {
      await cluster.stop();
      throw err;
    }
    return cluster;
  }

  /** Runs bin/flink with the cluster's environment. */
  flink(args: readonly string[], opts: CommandOptions = {}): Promise<CommandResult> {
    return runCommand(join(BIN_DIR, 'flink'), args, this.env, opts);
  }

  /** GET (or another method) on the REST API; throws with the body on a non-2xx answer. */
  async rest<T = unknown>(path: string, init: RequestInit = {}): Promise<T> {
    const res = await this.restResponse(path, init);
    const text = await res.text();
    if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${path} answered ${res.status}: ${text}`);
    return (text === '' ? undefined : JSON.parse(text)) as T;
  }

  restResponse(path: string, init: RequestInit = {}): Promise<Response> {
    return this.fetchRest(`${this.restUrl}${path}`, { signal: AbortSignal.timeout(10_000), ...init });
  }

  /** Polls /jobs/:id until it is in one of `states`; returns that state. */
  async awaitJobState(jobId: string, states: readonly string[], timeoutMs = 30_000): Promise<string> {
    return waitFor(`job ${jobId} in ${states.join('/')}`, timeoutMs, async () => {
      const j = await this.rest<{ state: string }>(`/jobs/${jobId}`);
      return states.includes(j.state) ? j.state : undefined;
    });
  }

  /** Starts one more TaskManager with bin/taskmanager.sh start (e.g. to replace a killed one). */
  async startTaskManager(): Promise<void> {
    const r = await runCommand(join(BIN_DIR, 'taskmanager.sh'), ['start'], this.env, { timeout: 60_000 });
    await this.rememberPids();
    if (r.exitCode !== 0) throw new Error(`taskmanager.sh start failed\n${r.describe}`);
  }

  pidFile(daemon: Daemon): string {
    return join(this.pidDir, `flink-${this.ident}-${daemon}.pid`);
  }

  /** The pids in a daemon's pid file, in start order (index n is daemon instance n). */
  async pids(daemon: Daemon): Promise<number[]> {
    const file = this.pidFile(daemon);
    if (!existsSync(file)) return [];
    return nonEmptyLines(await readFile(file, 'utf8')).map(Number);
  }

  /** `flink-<ident>-<daemon>-<n>-<host>.log` / `.out`. */
  logFile(daemon: Daemon, n: number, ext: 'log' | 'out' = 'log'): string {
    return join(this.logDir, `flink-${this.ident}-${daemon}-${n}-${HOST}.${ext}`);
  }

  /** The text of a daemon's log or .out file ('' while it does not exist). */
  async readLog(daemon: Daemon, n: number, ext: 'log' | 'out' = 'log'): Promise<string> {
    let file = this.logFile(daemon, n, ext);
    if (!existsSync(file)) {
      // The scripts name files after $HOSTNAME, which an environment may set differently from os.hostname().
      const prefix = `flink-${this.ident}-${daemon}-${n}-`;
      const found = (await readdir(this.logDir)).find((f) => f.startsWith(prefix) && f.endsWith(`.${ext}`));
      if (found === undefined) return '';
      file = join(this.logDir, found);
    }
    return readFile(file, 'utf8');
  }

  /** A fresh directory under the cluster's temp dir (removed with the cluster). */
  async tempDir(name: string): Promise<string> {
    const dir = join(this.root, 'work', `${name}-${++counter}`);
    await mkdir(dir, { recursive: true });
    return dir;
  }

  /**
   * bin/stop-cluster.sh, then SIGKILL for every daemon it did not stop; removes the temp dir.
   * Idempotent, and every step runs even when an earlier one fails.
   */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    const problems: string[] = [];
    await this.rememberPids().catch(() => {});
    if ([...this.seenPids].some(isAlive)) {
      const r = await runCommand(join(BIN_DIR, 'stop-cluster.sh'), [], this.env, { timeout: 60_000 }).catch(
        (err: unknown) => ({ exitCode: undefined, describe: String(err) }),
      );
      if (r.exitCode !== 0) problems.push(r.describe);
    }
    for (const pid of this.seenPids) {
      if (!isAlive(pid)) continue;
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone meanwhile
      }
    }
    if (process.env['FLINK_IT_KEEP'] !== '1') await rm(this.root, { recursive: true, force: true }).catch(() => {});
    if (problems.length > 0) console.warn(`stop-cluster.sh did not finish cleanly:\n${problems.join('\n')}`);
  }

  private async rememberPids(): Promise<void> {
    if (!existsSync(this.pidDir)) return;
    for (const name of await readdir(this.pidDir)) {
      if (!name.endsWith('.pid')) continue;
      for (const pid of nonEmptyLines(await readFile(join(this.pidDir, name), 'utf8')).map(Number)) {
        if (Number.isInteger(pid) && pid > 0) this.seenPids.add(pid);
      }
    }
  }
}
