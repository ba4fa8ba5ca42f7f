/**
 * `bin/flink`: Flink's command line frontend. `node dist/src/client/cli.js <action> [options] [arguments]`.
 *
 * Actions: run, run-application, info, list, stop, cancel, savepoint, -h/--help, -v/--version. Output and
 * error shapes follow Flink's CliFrontend: argument mistakes print the message and a help hint; other failures
 * print the dashed "The program finished with the following exception:" block on stderr. Exit code 1 on error.
 */
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { FlinkError, formatErrorChain, serializeError } from '../util/errors.js';
import { ACTIONS, type CliIo } from './cli-actions.js';
import { flinkHome, versionInfo } from './cli-environment.js';
import { generalHelp, type ActionName } from './cli-help.js';
import { isJobFailure, registerLocalExecutorFactory } from './job-executor.js';
import { ProgressLine } from './job-progress.js';

/** Our own conditions: the message says it all, printed without a stack trace or the causes behind it. */
const MESSAGE_ONLY_CODES: ReadonlySet<string> = new Set([
  'USAGE',
  'PROGRAM_USAGE',
  'CONFIG',
  'CONFIG_INVALID',
  'CLUSTER_UNREACHABLE',
  // High availability: no leader in ZooKeeper, ZooKeeper not answering, credentials refused.
  'NO_LEADER',
  'HA_ZOOKEEPER_UNREACHABLE',
  'HA_ZOOKEEPER_AUTH',
  'REST_ERROR',
  'JOB_NOT_CANCELED',
  'PROGRAM_NOT_FOUND',
  'PROGRAM_PARSE',
  'PROGRAM_MISSING_JOB',
  'FILE_EXISTS',
  'FILE_NOT_FOUND',
  'NO_RESOURCE_AVAILABLE',
  'FILE_WRITE_FAILED',
  'FILE_PERMISSION_DENIED',
  // A savepoint or disposal the cluster reported as failed (the message carries its errors), or one not awaited to its end.
  'OPERATION_FAILED',
  'CLIENT_TIMEOUT',
  // YARN: the ResourceManager not answering or refusing, too few resources, an application that ended early.
  'YARN_RM_UNREACHABLE',
  'YARN_RM_ERROR',
  'YARN_INSUFFICIENT_RESOURCES',
  'YARN_DEPLOYMENT',
  'YARN_APPLICATION_FAILED',
  'YARN_APPLICATION_NOT_FOUND',
  'YARN_APPLICATION_ENDED',
  'YARN_AM_NOT_REGISTERED',
  'YARN_NO_SESSION',
  'HDFS_NAMENODE_UNREACHABLE',
  'HDFS_BAD_URI',
]);

/** Wrappers that say what failed; their causes say why. */
const WRAPPER_CODES: ReadonlySet<string> = new Set(['CLI_ACTION_FAILED', 'UNAWAITED_JOB_FAILED']);

function code(err: unknown): string | undefined {
  const c = (err as { code?: unknown } | null)?.code;
  return typeof c === 'string' ? c : undefined;
}

/** A user-facing error: messages for our own conditions, the full chain (with stacks) for program failures. */
export function formatCliError(err: unknown): string {
  if (ownCondition(err)) return messageChain(err);
  const parts: string[] = [];
  let cur: unknown = err;
  for (let depth = 0; cur !== undefined && cur !== null && depth < 10; depth++) {
    const prefix = depth === 0 ? '' : 'Caused by: ';
    if (cur instanceof FlinkError && WRAPPER_CODES.has(cur.code)) {
      parts.push(prefix + cur.message);
      cur = cur.cause;
    } else if (cur instanceof FlinkError && MESSAGE_ONLY_CODES.has(cur.code)) {
      parts.push(prefix + cur.message);
      break;
    } else {
      parts.push(prefix + formatErrorChain(serializeError(cur)));
      break;
    }
  }
  return parts.join('\n');
}

function causeOf(err: unknown): unknown {
  return typeof err === 'object' && err !== null ? (err as { cause?: unknown }).cause : undefined;
}

/** Whether one of our own conditions (a job that got no slots, a read-only output) is somewhere in the chain. */
function ownCondition(err: unknown): boolean {
  for (let cur = err, depth = 0; cur !== undefined && cur !== null && depth < 10; cur = causeOf(cur), depth++) {
    if (MESSAGE_ONLY_CODES.has(code(cur) ?? '')) return true;
  }
  return false;
}

/**
 * The messages of a chain down to the first of our own conditions: what went wrong and what to do, without
 * the stack traces of the layers that passed it on, or the system error it explains.
 */
function messageChain(err: unknown): string {
  const lines: string[] = [];
  let previous = '';
  for (let cur = err, depth = 0; cur !== undefined && cur !== null && depth < 10; cur = causeOf(cur), depth++) {
    const message = cur instanceof Error ? cur.message : String(cur);
    // Wrappers often repeat their cause ("The main method caused an error: Job failed ...").
    if (!previous.includes(message)) lines.push(`${lines.length === 0 ? '' : 'Caused by: '}${message}`);
    previous = message;
    if (MESSAGE_ONLY_CODES.has(code(cur) ?? '')) break;
  }
  return lines.join('\n');
}

/** Prints a failure as bin/flink does (a usage mistake with the help hint, else the dashed block); returns exit code 1. */
export function printError(err: unknown, io: Pick<CliIo, 'out' | 'err'>): number {
  if (code(err) === 'USAGE') {
    io.out((err as Error).message);
    io.out('');
    io.out('Use the help option (-h or --help) to get help on the command.');
    return 1;
  }
  io.err('');
  io.err('------------------------------------------------------------');
  io.err(' The program finished with the following exception:');
  io.err('');
  io.err(formatCliError(err));
  return 1;
}

/** Runs one CLI invocation; resolves with the exit code. Never rejects. */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const [action, ...params] = argv;
  if (action === undefined) {
    for (const line of generalHelp()) io.out(line);
    io.out('Please specify an action.');
    return 1;
  }
  try {
    if (action === '-h' || action === '--help') {
      for (const line of generalHelp()) io.out(line);
      return 0;
    }
    if (action === '-v' || action === '--version') {
      const v = versionInfo(io.home);
      io.out(`Version: ${v.version}, Commit ID: ${v.commitId}`);
      return 0;
    }
    const handler = Object.hasOwn(ACTIONS, action) ? ACTIONS[action as ActionName] : undefined;
    if (!handler) {
      io.out(`"${action}" is not a valid action.`);
      io.out('');
      io.out('Valid actions are "run", "run-application", "list", "info", "savepoint", "stop", or "cancel".');
      io.out('');
      io.out('Specify the version option (-v or --version) to print Flink version.');
      io.out('');
      io.out('Specify the help option (-h or --help) to get help on the command.');
      return 1;
    }
    await handler(params, io);
    return 0;
  } catch (err) {
    return printError(err, io);
  }
}

function installationDir(): string {
  try {
    return flinkHome();
  } catch {
    // Only `-v` reads it; a missing installation shows as version 'unknown' there.
    return process.cwd();
  }
}

function processIo(): CliIo {
  let progress: ProgressLine | undefined;
  return {
    out: (line) => {
      progress?.clear();
      process.stdout.write(`${line}\n`);
    },
    err: (line) => {
      progress?.clear();
      process.stderr.write(`${line}\n`);
    },
    progress: () => (process.stdout.isTTY ? (progress ??= new ProgressLine(process.stdout)) : undefined),
    home: installationDir(),
  };
}

/** Exits once stdout and stderr are flushed; idle keep-alive sockets must not hold the CLI open. */
function exitAfterFlush(exitCode: number): void {
  let pending = 2;
  const done = (): void => {
    if (--pending === 0) process.exit(exitCode);
  };
  process.stdout.write('', done);
  process.stderr.write('', done);
}

function isEntryPoint(): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return import.meta.url === pathToFileURL(realpathSync(script)).href;
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  // `-t local` runs jobs on a cluster inside this process; the CLI, an entry point, brings it in.
  registerLocalExecutorFactory(async (o) => (await import('../minicluster/index.js')).localJobExecutor(o));
  // A reader that went away (`bin/flink run ... | head`) is not an error of the program.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
  });
  const io = processIo();
  const fatal = (err: unknown): void => exitAfterFlush(printError(err, io));
  // A job the program started without `await` that fails rejects unhandled; flink run waits for such jobs
  // and reports the failure with what to fix, so it is not a crash.
  process.on('unhandledRejection', (err) => {
    if (!isJobFailure(err)) fatal(err);
  });
  process.on('uncaughtException', fatal);
  void main(process.argv.slice(2), io).then(exitAfterFlush, fatal);
}
