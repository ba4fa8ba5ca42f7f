/**
 * The `bin/flink` actions. Each parses its own options, prints Flink's lines, and throws on failure; the
 * frontend (cli.ts) turns a thrown error into Flink's error output and the exit code.
 */
import { existsSync, statSync } from 'node:fs';
import { parseDynamicProperty } from '../config/index.js';
import { FlinkError, UsageError } from '../util/errors.js';
import type { ProgramOptions } from './program.js';
import { CANCEL_OPTIONS, INFO_OPTIONS, LIST_OPTIONS, RUN_OPTIONS, type ActionName } from './cli-help.js';
import { yarnRunOptions } from './yarn-cli-options.js';
import { executionTarget } from './yarn-session.js';
import {
  CliActionError,
  clusterClient,
  jobManagerOverride,
  loadConfig,
  parse,
  parseJobId,
  restAddressGiven,
  type Action,
  type CliIo,
} from './cli-common.js';
import type { CommandLine } from './cli-options.js';
import { cancelWithSavepoint, savepoint, stop } from './cli-savepoint-actions.js';
import type { JobOverview, RestClient } from './rest-client.js';

export type { CliIo } from './cli-common.js';

const CANCEL_WAIT_MS = 60_000;
const DATE_PAD = (n: number): string => String(n).padStart(2, '0');

export function formatStartTime(ms: number): string {
  const d = new Date(ms);
  return (
    `${DATE_PAD(d.getDate())}.${DATE_PAD(d.getMonth() + 1)}.${d.getFullYear()} ` +
    `${DATE_PAD(d.getHours())}:${DATE_PAD(d.getMinutes())}:${DATE_PAD(d.getSeconds())}`
  );
}

const SCHEDULED_STATES = new Set(['CREATED', 'INITIALIZING']);
const GLOBALLY_TERMINAL_STATES = new Set(['FINISHED', 'CANCELED', 'FAILED']);

function printJobs(jobs: JobOverview[], io: CliIo): void {
  // Flink groups by state name and then sorts by start time, so equal start times keep state order.
  const sorted = [...jobs].sort(
    (a, b) => a['start-time'] - b['start-time'] || a.state.toLowerCase().localeCompare(b.state.toLowerCase()),
  );
  for (const j of sorted) io.out(`${formatStartTime(j['start-time'])} : ${j.jid} : ${j.name} (${j.state})`);
}

const list: Action = async (args, io) => {
  const cl = parse('list', [...LIST_OPTIONS, ...yarnRunOptions()], args, false, io);
  if (!cl) return;
  const any = cl.has('r') || cl.has('s') || cl.has('a');
  const showAll = cl.has('a');
  const showRunning = !any || cl.has('r');
  const showScheduled = !any || cl.has('s');
  const client = await clusterClient(cl, io);

  io.out('Waiting for response...');
  let jobs: JobOverview[];
  try {
    jobs = await client.jobsOverview();
  } catch (err) {
    throw new CliActionError('Failed to retrieve job list.', err);
  }
  const running = jobs.filter((j) => !SCHEDULED_STATES.has(j.state) && !GLOBALLY_TERMINAL_STATES.has(j.state));
  const scheduled = jobs.filter((j) => SCHEDULED_STATES.has(j.state));
  const terminated = jobs.filter((j) => GLOBALLY_TERMINAL_STATES.has(j.state));
  const section = (header: string, rows: JobOverview[]): void => {
    io.out(header);
    printJobs(rows, io);
    io.out('--------------------------------------------------------------');
  };
  if (showRunning || showAll) {
    if (running.length === 0) io.out('No running jobs.');
    else section('------------------ Running/Restarting Jobs -------------------', running);
  }
  if (showScheduled || showAll) {
    if (scheduled.length === 0) io.out('No scheduled jobs.');
    else section('----------------------- Scheduled Jobs -----------------------', scheduled);
  }
  if (showAll && terminated.length > 0) {
    section('---------------------- Terminated Jobs -----------------------', terminated);
  }
};

/** Polls the job until it is CANCELED; bounded in time and count. */
async function awaitCanceled(client: RestClient, jobId: string): Promise<void> {
  const deadline = Date.now() + CANCEL_WAIT_MS;
  let pause = 50;
  let state = 'unknown';
  for (let attempt = 0; attempt < 1000 && Date.now() < deadline; attempt++) {
    const details = await client.jobDetails(jobId);
    state = typeof details.state === 'string' ? details.state : 'unknown';
    if (state === 'CANCELED') return;
    if (GLOBALLY_TERMINAL_STATES.has(state)) {
      throw new FlinkError('JOB_NOT_CANCELED', `The job reached the terminal state ${state} instead of CANCELED.`);
    }
    await new Promise((resolve) => setTimeout(resolve, pause));
    pause = Math.min(pause * 2, 500);
  }
  throw new FlinkError(
    'JOB_NOT_CANCELED',
    `The job did not reach CANCELED within ${CANCEL_WAIT_MS / 1000} s (last state: ${state}). ` +
      'Check the JobManager log; "bin/flink list" shows its current state.',
  );
}

const cancel: Action = async (args, io) => {
  const cl = parse('cancel', [...CANCEL_OPTIONS, ...yarnRunOptions()], args, false, io);
  if (!cl) return;
  if (cl.has('s')) return cancelWithSavepoint(cl, io);
  const raw = cl.args[0];
  if (raw === undefined) throw new UsageError('Missing JobID. Specify a JobID to cancel a job.');
  const jobId = parseJobId(raw);
  const client = await clusterClient(cl, io);
  io.out(`Cancelling job ${jobId}.`);
  try {
    await client.cancelJob(jobId);
    await awaitCanceled(client, jobId);
  } catch (err) {
    throw new CliActionError(`Could not cancel job ${jobId}.`, err);
  }
  io.out(`Cancelled job ${jobId}.`);
};

/** `run -t yarn-application`: that target is the run-application action's. */
export class ApplicationTargetWithRunError extends UsageError {
  constructor() {
    super(
      "The 'yarn-application' target runs the program in the cluster, which the run action does not: use " +
        "'bin/flink run-application -t yarn-application <program-file> <arguments>' (or -t yarn-per-job with run).",
    );
  }
}

function parallelismOf(cl: CommandLine): number | undefined {
  const p = cl.value('p');
  if (p === undefined) return undefined;
  const n = Number(p);
  if (!/^\d+$/.test(p.trim()) || !Number.isInteger(n) || n < 1) {
    throw new UsageError(`The parallelism must be a positive number: ${p}`);
  }
  return n;
}

function programOptions(cl: CommandLine, io: CliIo, action: 'run' | 'run-application' | 'info'): ProgramOptions {
  const [programPath, ...programArgs] = cl.args;
  if (programPath === undefined) {
    throw new UsageError(`Missing program file. Specify the job file to ${action}: ${action} [OPTIONS] <program-file> <arguments>`);
  }
  if (!existsSync(programPath)) throw new UsageError(`Program file does not exist: ${programPath}`);
  if (!statSync(programPath).isFile()) throw new UsageError(`Program file is not a file: ${programPath}`);
  const parallelism = parallelismOf(cl);
  const config = loadConfig(cl, io);
  const target = executionTarget(config, { target: cl.value('t'), jobManager: cl.value('m') }, (line) => io.err(line));
  const opts: ProgramOptions = {
    programPath,
    args: programArgs,
    detached: cl.has('d') || cl.has('yd'),
    target,
    config,
    allowNonRestoredState: cl.has('n'),
    shutdownOnAttachedExit: cl.has('sae'),
    print: (line: string) => io.out(line),
    warn: (line: string) => io.err(line),
  };
  // The progress line only on a terminal: piped or redirected output keeps Flink's lines alone.
  // Not for -t local either: the job's print() output shares this terminal and would run into the line.
  const progress = io.progress?.();
  if (progress && !opts.detached && target !== 'local') opts.progress = progress;
  if (parallelism !== undefined) opts.parallelism = parallelism;
  const dynamic = cl.values('D');
  if (dynamic.length > 0) opts.jobConfiguration = Object.fromEntries(dynamic.map(parseDynamicProperty));
  const jm = jobManagerOverride(cl);
  if (jm !== undefined) opts.jobManagerOverride = jm;
  if (restAddressGiven(cl)) opts.restAddressGiven = true;
  const savepoint = cl.value('s');
  if (savepoint !== undefined) opts.savepointPath = savepoint;
  return opts;
}

const run: Action = async (args, io) => {
  const cl = parse('run', [...RUN_OPTIONS, ...yarnRunOptions()], args, true, io);
  if (!cl) return;
  const opts = programOptions(cl, io, 'run');
  if (opts.target === 'yarn-application') throw new ApplicationTargetWithRunError();
  const { runProgram } = await import('./program.js');
  await runProgram(opts);
};

/** Application Mode: the cluster (a YARN ApplicationMaster) runs the program's main, not this client. */
const runApplication: Action = async (args, io) => {
  const cl = parse('run-application', [...RUN_OPTIONS, ...yarnRunOptions()], args, true, io);
  if (!cl) return;
  const opts = programOptions(cl, io, 'run-application');
  const { runApplication: deploy, UnsupportedApplicationTargetError } = await import('./yarn-application.js');
  if (opts.target !== 'yarn-application') throw new UnsupportedApplicationTargetError(opts.target);
  await deploy(opts);
};

const info: Action = async (args, io) => {
  const cl = parse('info', INFO_OPTIONS, args, true, io);
  if (!cl) return;
  const opts = programOptions(cl, io, 'info');
  const { planProgram } = await import('./program.js');
  const plan = await planProgram(opts);
  io.out('----------------------- Execution Plan -----------------------');
  io.out(typeof plan === 'string' ? plan : JSON.stringify(plan, null, 2));
  io.out('--------------------------------------------------------------');
  io.out('');
  io.out('No description provided.');
};

export const ACTIONS: Readonly<Record<ActionName, Action>> = {
  run,
  'run-application': runApplication,
  info,
  list,
  cancel,
  stop,
  savepoint,
};
