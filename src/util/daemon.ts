/**
 * What both daemons share: argument parsing, startup logging, a clean exit on SIGTERM/SIGINT, and a
 * clear one-line error (not a stack trace) when the configuration is wrong.
 */
import type { Logger } from './logger.js';

const MESSAGE_ONLY_CODES: ReadonlySet<string> = new Set([
  'CONFIG_INVALID',
  'BIND_FAILED',
  'REST_BIND_FAILED',
  // Bad or unreachable HA settings: the message names the key, the value and what to do.
  'HA_STORAGE_DIR',
  'HA_ZOOKEEPER_UNREACHABLE',
  'HA_ZOOKEEPER_AUTH',
]);

export interface DaemonArgs {
  configDir?: string;
  host?: string;
  'webui-port'?: string;
  dynamic: Record<string, string>;
}

export function parseDaemonArgs(argv: string[]): DaemonArgs {
  const out: DaemonArgs = { dynamic: {} };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    const next = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`Missing value after ${a}`);
      return v;
    };
    if (a === '--configDir' || a === '-c') out.configDir = next();
    else if (a === '--host') out.host = next();
    else if (a === '--webui-port') out['webui-port'] = next();
    else if (a === '-D') {
      const [k, ...v] = next().split('=');
      out.dynamic[k as string] = v.join('=');
    } else if (a.startsWith('-D')) {
      const [k, ...v] = a.slice(2).split('=');
      out.dynamic[k as string] = v.join('=');
    }
  }
  return out;
}

export async function runDaemon(name: string, log: Logger, start: (args: DaemonArgs) => Promise<() => Promise<void>>): Promise<void> {
  log.info('--------------------------------------------------------------------------------');
  log.info(` Starting ${name} (flink-ts, Node.js ${process.version}, pid ${process.pid}).`);
  log.info('--------------------------------------------------------------------------------');
  let stop: (() => Promise<void>) | undefined;
  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    log.info(`RECEIVED SIGNAL ${signal}: Shutting down ${name}.`);
    void (stop?.() ?? Promise.resolve()).finally(() => {
      log.info(`${name} stopped.`);
      process.exit(0);
    });
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('unhandledRejection', (err) => log.error('Unhandled rejection.', err));
  try {
    stop = await start(parseDaemonArgs(process.argv.slice(2)));
    // bin/flink-daemon.sh waits for this line (or the process's end) to report the start.
    log.info(`${name} started.`);
  } catch (err) {
    const e = err as Error & { code?: string };
    // Conditions with a complete message need no stack trace; anything else is a bug worth one.
    log.error(`Could not start ${name}: ${e.message}`, e.code !== undefined && MESSAGE_ONLY_CODES.has(e.code) ? undefined : err);
    process.stderr.write(`Error: could not start ${name}: ${e.message}\n`);
    process.exit(1);
  }
}
