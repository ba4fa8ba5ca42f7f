/**
 * Waits until a freshly started standalone cluster answers on its REST endpoint with enough TaskManagers.
 * `bin/start-cluster.sh` runs it last, so `bin/start-cluster.sh && bin/flink run ...` works at once:
 *
 *   node dist/src/client/await-cluster.js --configDir conf --taskmanagers 2 --timeout 30 [--logDir log]
 *
 * With `high-availability: zookeeper` it asks the REST endpoint of whichever JobManager ZooKeeper names as leader
 * (the JobManagers may still be electing one when the wait begins, and the leader may change during it).
 *
 * Prints nothing when the cluster is ready (exit 0); prints a warning and exits 2 when it is not ready in time;
 * exits 1 on bad arguments or a bad configuration.
 */
import { pathToFileURL } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { HighAvailabilityOptions, loadConfiguration, logDir, restAddress, RestOptions, restScheme, restSslClientOptions, type Configuration } from '../config/index.js';
import { createClientHaServices, type ClientHighAvailabilityServices, type LeaderInformation } from '../ha/index.js';
import { UsageError } from '../util/errors.js';
import { describeLeaderLookup } from './cluster-address.js';
import { restFetch, type FetchFunction } from './rest-transport.js';

export interface AwaitClusterOptions {
  /**
   * Base URL of the REST endpoint, e.g. `http://127.0.0.1:8081`; or a function that tells the current one (the HA
   * leader's), undefined while none is known.
   */
  readonly restUrl: string | (() => string | undefined);
  /** How many TaskManagers `/overview` must report. 0 waits only for the REST endpoint to answer. */
  readonly taskManagers: number;
  readonly timeoutMs: number;
  /** Time between two requests; 200 ms unless given. */
  readonly intervalMs?: number;
  readonly signal?: AbortSignal;
  /** How requests are sent (TLS: see rest-transport.ts); Node's fetch unless given. */
  readonly fetch?: FetchFunction;
}

export interface AwaitClusterResult {
  readonly ready: boolean;
  /** TaskManagers in the last answer, or undefined if the endpoint never answered. */
  readonly taskManagers: number | undefined;
  /** Why the last request failed, when the endpoint did not answer at all. */
  readonly lastError: string | undefined;
}

/** The REST base URL a client of this configuration uses. */
export function restUrl(conf: Configuration): string {
  const host = restAddress(conf);
  // An IPv6 literal needs brackets in a URL.
  return `${restScheme(conf)}://${host.includes(':') ? `[${host}]` : host}:${conf.get(RestOptions.PORT)}`;
}

/**
 * Polls `GET <restUrl>/overview` until it reports at least `taskManagers` TaskManagers or the time is up.
 * Each request has its own timeout, so a hanging endpoint cannot stretch the wait.
 */
export async function awaitCluster(options: AwaitClusterOptions): Promise<AwaitClusterResult> {
  const intervalMs = options.intervalMs ?? 200;
  const deadline = Date.now() + options.timeoutMs;
  // Bounded in count as well as in time.
  const maxAttempts = Math.ceil(options.timeoutMs / Math.max(1, intervalMs)) + 1;
  const given = options.restUrl;
  const current = typeof given === 'string' ? (): string => given : given;
  const send = options.fetch ?? ((u, init) => fetch(u, init));
  let taskManagers: number | undefined;
  let lastError: string | undefined;

  for (let attempt = 0; attempt < maxAttempts; attempt++) {
    options.signal?.throwIfAborted();
    const remaining = deadline - Date.now();
    if (remaining <= 0) break;
    const requestSignal = AbortSignal.timeout(Math.min(2_000, remaining));
    const signal = options.signal ? AbortSignal.any([options.signal, requestSignal]) : requestSignal;
    const base = current();
    try {
      if (base === undefined) throw new Error('no leader known yet');
      const res = await send(new URL('/overview', base).href, { signal });
      if (res.ok) {
        const body = (await res.json()) as { taskmanagers?: unknown };
        if (typeof body.taskmanagers === 'number') {
          taskManagers = body.taskmanagers;
          lastError = undefined;
          if (taskManagers >= options.taskManagers) return { ready: true, taskManagers, lastError };
        }
      } else {
        await res.body?.cancel();
        lastError = `HTTP ${res.status}`;
      }
    } catch (err) {
      options.signal?.throwIfAborted();
      lastError = describe(err);
    }
    const wait = Math.min(intervalMs, deadline - Date.now());
    if (wait > 0) await sleep(wait, undefined, options.signal ? { signal: options.signal } : undefined);
  }
  return { ready: false, taskManagers, lastError };
}

function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  // fetch wraps the interesting part (ECONNREFUSED, ...) in `cause`.
  const cause = err.cause instanceof Error ? `: ${err.cause.message}` : '';
  return `${err.message}${cause}`;
}

interface CliArgs {
  confDir: string | undefined;
  logDir: string | undefined;
  taskManagers: number;
  timeoutSeconds: number;
}

function parseCli(argv: readonly string[]): CliArgs {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      configDir: { type: 'string' },
      logDir: { type: 'string' },
      taskmanagers: { type: 'string' },
      timeout: { type: 'string' },
    },
    strict: true,
    allowPositionals: false,
  });
  return {
    confDir: values.configDir,
    logDir: values.logDir,
    taskManagers: wholeNumber('--taskmanagers', values.taskmanagers ?? '1'),
    timeoutSeconds: wholeNumber('--timeout', values.timeout ?? '30'),
  };
}

function wholeNumber(name: string, text: string): number {
  if (!/^\d+$/.test(text)) throw new UsageError(`${name} must be a whole number, not '${text}'.`);
  return Number(text);
}

/**
 * The command line: `--configDir DIR` (else FLINK_CONF_DIR or <home>/conf), `--taskmanagers N` (1),
 * `--timeout SECONDS` (30), `--logDir DIR` (named in the warning; else env.log.dir). Returns the exit code.
 */
export async function main(argv: readonly string[]): Promise<number> {
  let args: CliArgs;
  let conf: Configuration;
  let logs: string;
  let send: FetchFunction;
  let ha: ClientHighAvailabilityServices | undefined;
  try {
    args = parseCli(argv);
    conf = loadConfiguration(args.confDir === undefined ? {} : { confDir: args.confDir });
    send = restFetch(restSslClientOptions(conf));
    logs = args.logDir ?? logDir(conf);
    if (conf.get(HighAvailabilityOptions.HA_MODE) === 'ZOOKEEPER') ha = createClientHaServices(conf);
  } catch (err) {
    process.stderr.write(`Error: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
  const timeoutMs = args.timeoutSeconds * 1000;
  const notReady = (where: string, why?: string): number => {
    process.stderr.write(
      `Warning: the cluster did not report ${args.taskManagers} TaskManager(s) within ${args.timeoutSeconds} s ` +
        `(${where})${why === undefined ? '' : `: ${why}`}. Check the logs in ${logs}.\n`,
    );
    return 2;
  };
  if (ha === undefined) {
    const url = restUrl(conf);
    const result = await awaitCluster({ restUrl: url, taskManagers: args.taskManagers, timeoutMs, fetch: send });
    return result.ready ? 0 : notReady(`REST at ${url}`);
  }
  // The leader is followed for the whole wait: the JobManagers may not have elected one yet.
  const deadline = Date.now() + timeoutMs;
  let leader: LeaderInformation | undefined;
  const lookup = `REST leader from ${describeLeaderLookup(conf)}`;
  try {
    await ha.start();
    await ha.restLeaderRetrieval().start((l) => (leader = l));
    const result = await awaitCluster({ restUrl: () => leader?.address, taskManagers: args.taskManagers, timeoutMs: Math.max(0, deadline - Date.now()), fetch: send });
    if (result.ready) return 0;
    return notReady(`${lookup}: ${leader?.address ?? 'none found'}`);
  } catch (err) {
    return notReady(lookup, err instanceof Error ? err.message : String(err));
  } finally {
    await ha.close();
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv.slice(2));
}
