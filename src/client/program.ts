/**
 * Running a program in the client, as `bin/flink run` does: bundle it, import it in plan mode, and turn
 * each `execute()` into a job submission (waiting for the result unless detached). `info` only plans.
 */
import type { CapturedPipeline, JobExecutionResultData } from '../api/context.js';
import { setExecutionContext } from '../api/context.js';
import { CoreOptions, ExecutionOptions, JobManagerOptions, PipelineOptions, savepointRestoreSettings, type Configuration } from '../config/index.js';
import { buildJobGraph, FAILED_REPLAY_PREFIX, importBundle, type JobGraph } from '../graph/index.js';
import { decodeRecords, encodeRecord } from '../runtime/codec/index.js';
import { deserializeError, FlinkError, UsageError } from '../util/errors.js';
import { bundleProgram, type JobBundle } from './bundler.js';
import { localExecutorFactory, markJobFailure, restJobExecutor, type JobExecutor } from './job-executor.js';
import { clientPath } from './client-paths.js';
import { clusterRestClient } from './cluster-address.js';
import type { ProgressLine } from './job-progress.js';

export interface ProgramOptions {
  programPath: string;
  args: string[];
  parallelism?: number;
  detached: boolean;
  /** 'remote' (default) | 'local'. */
  target: string;
  config: Configuration;
  jobManagerOverride?: string;
  /** The command line set rest.address (`-D`): that endpoint, not the HA leader's, is meant. */
  restAddressGiven?: boolean;
  savepointPath?: string;
  allowNonRestoredState: boolean;
  shutdownOnAttachedExit: boolean;
  print: (line: string) => void;
  /** An attached run on a terminal: the line that shows the job's progress while it runs. */
  progress?: ProgressLine;
  /** The `-D` settings, which travel with each job (JobGraph.jobConfiguration). */
  jobConfiguration?: Record<string, string>;
  /** Warnings about the program, on stderr. */
  warn: (line: string) => void;
}

const CLIENT_CONDITIONS: ReadonlySet<string> = new Set([
  'CLUSTER_UNREACHABLE',
  'CONFIG_INVALID',
  'REST_ERROR',
  'PROGRAM_MISSING_JOB',
  // Deploying to YARN failed: the ResourceManager, HDFS or the application itself, not the program.
  'YARN_RM_UNREACHABLE',
  'YARN_RM_ERROR',
  'YARN_INSUFFICIENT_RESOURCES',
  'YARN_DEPLOYMENT',
  'YARN_APPLICATION_FAILED',
  'YARN_APPLICATION_ENDED',
  'YARN_AM_NOT_REGISTERED',
  // Staging in HDFS for YARN: the NameNode not answering, a bad hdfs:// URI.
  'HDFS_NAMENODE_UNREACHABLE',
  'HDFS_BAD_URI',
]);

const NO_JOB =
  "The program didn't contain a Flink job. Perhaps you forgot to call execute() on the execution environment.";

export class ProgramInvocationError extends FlinkError {
  constructor(message: string, cause?: unknown) {
    super('PROGRAM_INVOCATION', message, { cause });
    this.name = 'ProgramInvocationException';
  }
}

/** The program stopped on a usage mistake (a bad flag): its message says what to pass, no stack trace needed. */
export class ProgramUsageError extends FlinkError {
  constructor(message: string) {
    super('PROGRAM_USAGE', message);
    this.name = 'ProgramInvocationException';
  }
}

/** The program ran to its end without calling execute(). */
export class ProgramMissingJobError extends FlinkError {
  constructor() {
    super('PROGRAM_MISSING_JOB', NO_JOB);
    this.name = 'ProgramMissingJobException';
  }
}

export class JobExecutionError extends FlinkError {
  constructor(message: string, cause?: unknown) {
    super('JOB_EXECUTION_FAILED', message, { cause });
    this.name = 'JobExecutionException';
  }
}


export async function runProgram(opts: ProgramOptions): Promise<void> {
  const yarnPerJob = opts.target === 'yarn-per-job';
  const yarnSession = opts.target === 'yarn-session';
  if (opts.target !== 'local' && opts.target !== 'remote' && opts.target !== '' && !yarnPerJob && !yarnSession) {
    throw new UsageError(
      `Unknown execution target '${opts.target}': use 'remote' (default), 'local', 'yarn-per-job' (-m yarn-cluster) or 'yarn-session' ` +
        "(-yid <applicationId>); 'yarn-application' is the target of the run-application action.",
    );
  }
  let executor: JobExecutor | undefined;
  const replay: string[] = [];
  let jobs = 0;
  const defaultParallelism = opts.parallelism ?? opts.config.get(CoreOptions.DEFAULT_PARALLELISM);
  // Mistakes in the target or the JobManager address show before the program runs, not as its failure.
  const client =
    opts.target === 'local' || yarnPerJob
      ? undefined
      : yarnSession
        ? (await (await import('./yarn-session.js')).yarnSessionClient(opts.config)).client
        : await clusterRestClient(opts.config, { jobManagerOverride: opts.jobManagerOverride, restAddressGiven: opts.restAddressGiven });
  // After the cluster was found: its temporary directory is removed in the finally below.
  const bundle = await bundleProgram(opts.programPath);
  const getExecutor = async (slots: number): Promise<JobExecutor> => {
    executor ??= client
      ? restJobExecutor(client, opts.jobManagerOverride ?? 'the configured JobManager')
      : yarnPerJob
        ? (await import('./yarn-job-executor.js')).yarnPerJobExecutor(opts.config, { detached: opts.detached, print: opts.print })
        : await localExecutorFactory()({ slots, config: opts.config });
    return executor;
  };

  const executeJob = async (p: CapturedPipeline): Promise<JobExecutionResultData> => {
    jobs++;
    const { graph } = buildJobGraph(p, { args: opts.args, replay: [...replay], programName: bundle.programName, workingDirectory: process.cwd() });
    // As in Flink: what the program set on its environment beats -D, and -s (applied to the built job) beats both.
    const jobConfiguration = { ...opts.jobConfiguration, ...graph.jobConfiguration, ...restoreSettings(opts) };
    if (Object.keys(jobConfiguration).length > 0) graph.jobConfiguration = jobConfiguration;
    if (opts.detached && graph.vertices.some((v) => v.operators.some((o) => o.operator === 'sink:collect' || o.operator === 'sink:count'))) {
      throw new UsageError(
        'Job was submitted in detached mode. Results of job execution, such as accumulators, runtime, etc. are not available. ' +
          "Please make sure your program doesn't call an eager execution function [collect, print, count].",
      );
    }
    const ex = await getExecutor(Math.max(...graph.vertices.map((v) => v.parallelism)));
    const { jobId } = await ex.submit(graph, bundle);
    opts.print(`Job has been submitted with JobID ${jobId}`);
    if (opts.detached) {
      replay.push(encodeAccumulators({}));
      return { jobId, netRuntime: 0, accumulators: {}, detached: true };
    }
    const required = Math.max(...graph.vertices.map((v) => v.parallelism));
    const timeout = opts.config.get(JobManagerOptions.SLOT_REQUEST_TIMEOUT);
    const result = await waitForResult(ex, jobId, async () => {
      const slots = await ex.waitingForSlots?.(jobId);
      if (!slots) return undefined;
      return (
        `Job ${jobId} is waiting for ${required} task slot(s); the cluster has ${slots.free} free of ${slots.total}. ` +
        `It fails after slot.request.timeout (${timeout} ms) unless enough slots become free: start TaskManagers or lower the parallelism (-p).`
      );
    }, opts.print, opts.progress);
    if (result.applicationStatus !== 'SUCCEEDED') {
      const cause = result.failureCause ? deserializeError(result.failureCause) : undefined;
      if (result.applicationStatus === 'CANCELED') throw new JobExecutionError(`Job was cancelled (JobID: ${jobId}).`, cause);
      throw new JobExecutionError(`Job failed (JobID: ${jobId})`, cause);
    }
    const accumulators = decodeAccumulators(result.accumulatorResults);
    replay.push(encodeAccumulators(accumulators));
    opts.print('Program execution finished');
    opts.print(`Job with JobID ${jobId} has finished.`);
    opts.print(`Job Runtime: ${result.netRuntime} ms`);
    return { jobId, netRuntime: result.netRuntime, accumulators };
  };
  // Every execute() leaves one replay entry, a failed one too: the program may catch the failure and go on.
  const inFlight = new Set<Promise<unknown>>();
  const execute = trackedExecute(executeJob, replay, inFlight);

  try {
    await runInPlanMode(bundle, opts.args, {
      mode: 'client',
      defaultParallelism,
      bufferTimeout: opts.config.get(ExecutionOptions.BUFFER_TIMEOUT),
      autoWatermarkInterval: opts.config.get(PipelineOptions.AUTO_WATERMARK_INTERVAL),
      execute,
    });
    if (jobs === 0) throw new ProgramMissingJobError();
    await awaitForgottenJobs(inFlight, opts.warn);
  } finally {
    await executor?.close().catch(() => {});
    await bundle.dispose();
  }
}

/**
 * A program whose top level returned while jobs it started still run forgot an `await` (on execute(),
 * print(), collect() or count()). Ending now would lose their results, so wait for them, and for whatever
 * the program chained onto them; then say what to fix. A failed one fails the run.
 */
async function awaitForgottenJobs(inFlight: Set<Promise<unknown>>, warn: (line: string) => void): Promise<void> {
  if (inFlight.size === 0) return;
  let forgotten = 0;
  const failures: unknown[] = [];
  while (inFlight.size > 0) {
    forgotten += inFlight.size;
    for (const r of await Promise.allSettled([...inFlight])) if (r.status === 'rejected') failures.push(r.reason);
    // Let the program's own continuations run (print() writes its rows after its job).
    await new Promise((resolve) => setImmediate(resolve));
  }
  const fix = 'Add `await` before env.execute() (and before print(), collect() and count() of a DataSet) so the program waits for its jobs.';
  if (failures.length > 0) throw new UnawaitedJobError(`The program returned before its job finished, and the job failed. ${fix}`, failures[0]);
  warn(`Warning: the program returned before ${forgotten} of its job(s) finished; flink run waited for them. ${fix}`);
}

/** A job the program started but did not await failed. */
export class UnawaitedJobError extends FlinkError {
  constructor(message: string, cause: unknown) {
    super('UNAWAITED_JOB_FAILED', message, { cause });
  }
}

/** The execution plan of the program's first job (what `flink info` prints). */
export async function planProgram(opts: ProgramOptions): Promise<unknown> {
  const bundle = await bundleProgram(opts.programPath);
  try {
    const graph = await capturePlan(bundle, opts.args, opts.parallelism ?? opts.config.get(CoreOptions.DEFAULT_PARALLELISM), opts.config.get(ExecutionOptions.BUFFER_TIMEOUT));
    return graph.plan;
  } finally {
    await bundle.dispose();
  }
}

/** Runs the program only until its first `execute()` and returns that job's graph. */
export async function capturePlan(bundle: JobBundle, args: string[], defaultParallelism: number, bufferTimeout: number, autoWatermarkInterval = 200): Promise<JobGraph> {
  let captured: JobGraph | undefined;
  let resolveCaptured!: () => void;
  const done = new Promise<void>((r) => (resolveCaptured = r));
  const run = runInPlanMode(bundle, args, {
    mode: 'client',
    defaultParallelism,
    bufferTimeout,
    autoWatermarkInterval,
    execute: (p) => {
      captured = buildJobGraph(p, { args, replay: [], programName: bundle.programName, workingDirectory: process.cwd() }).graph;
      resolveCaptured();
      return new Promise<JobExecutionResultData>(() => {});
    },
  });
  await Promise.race([done, run]);
  if (!captured) throw new ProgramMissingJobError();
  return captured;
}

/** How long a job may wait before the client asks what it waits for, and how often it asks again. */
const EXPLAIN_WAIT_AFTER_MS = 2000;
const EXPLAIN_WAIT_EVERY_MS = 5000;
/** How often the progress line is refreshed. */
const PROGRESS_EVERY_MS = 1000;

/** Polls the job's result; once, when the job is slow to start, prints what it waits for. */
async function waitForResult(
  ex: JobExecutor,
  jobId: string,
  explainWait: () => Promise<string | undefined>,
  print: (line: string) => void,
  progress: ProgressLine | undefined,
): Promise<NonNullable<Awaited<ReturnType<JobExecutor['result']>>>> {
  let delay = 50;
  let nextExplain = Date.now() + EXPLAIN_WAIT_AFTER_MS;
  let nextProgress = Date.now() + PROGRESS_EVERY_MS;
  try {
    for (;;) {
      const r = await ex.result(jobId);
      if (r) return r;
      if (nextExplain > 0 && Date.now() >= nextExplain) {
        const why = await explainWait().catch(() => undefined);
        if (why) {
          progress?.clear();
          print(why);
        }
        nextExplain = why ? 0 : Date.now() + EXPLAIN_WAIT_EVERY_MS;
      }
      if (progress && ex.progress && Date.now() >= nextProgress) {
        nextProgress = Date.now() + PROGRESS_EVERY_MS;
        // The line is a courtesy: a failed read leaves it as it was, the result polling goes on.
        const p = await ex.progress(jobId).catch(() => undefined);
        if (p) progress.show(p);
      }
      await new Promise((res) => setTimeout(res, delay));
      delay = Math.min(500, Math.round(delay * 1.5));
    }
  } finally {
    progress?.clear();
  }
}

/**
 * A program's execute() over a job runner: a failed job leaves its replay entry (the program may catch the
 * failure and go on, and the replay must see it fail again), and every job stays in `inFlight` until it settled,
 * so a job the program did not await is still waited for.
 */
export function trackedExecute(
  run: (p: CapturedPipeline) => Promise<JobExecutionResultData>,
  replay: string[],
  inFlight: Set<Promise<unknown>>,
): (p: CapturedPipeline) => Promise<JobExecutionResultData> {
  return (p) => {
    const job = run(p).catch((err: unknown) => {
      if (replay.length === p.executeIndex) replay.push(`${FAILED_REPLAY_PREFIX}${err instanceof Error ? err.message : String(err)}`);
      throw markJobFailure(err);
    });
    inFlight.add(job);
    void job.then(
      () => inFlight.delete(job),
      () => inFlight.delete(job),
    );
    return job;
  };
}

/** `-s <savepoint> [-n]`: the job restores from the savepoint (a plain relative path is the client's, made absolute). */
function restoreSettings(opts: ProgramOptions): Record<string, string> {
  if (opts.savepointPath === undefined) return {};
  return savepointRestoreSettings(clientPath(opts.savepointPath), opts.allowNonRestoredState);
}

/** A job result's accumulators, decoded (each one travels as a codec-serialized value in base64). */
export function decodeAccumulators(results: Readonly<Record<string, string>>): Record<string, unknown> {
  const accumulators: Record<string, unknown> = {};
  for (const [name, b64] of Object.entries(results)) accumulators[name] = decodeRecords(Buffer.from(b64, 'base64'))[0];
  return accumulators;
}

export function encodeAccumulators(acc: Record<string, unknown>): string {
  return Buffer.from(encodeRecord(acc)).toString('base64');
}

/** Imports the bundle with `ctx` installed and process.argv set as the program expects. */
export async function runInPlanMode(bundle: JobBundle, args: string[], ctx: Parameters<typeof setExecutionContext>[0]): Promise<void> {
  const savedArgv = process.argv;
  process.argv = [process.argv[0] as string, bundle.programName, ...args];
  setExecutionContext(ctx);
  try {
    await importBundle(bundle.path);
  } catch (err) {
    // Conditions of the client itself (cluster unreachable, bad configuration) are not the program's failure.
    if (err instanceof FlinkError && CLIENT_CONDITIONS.has(err.code)) throw err;
    if (err instanceof FlinkError && err.code === 'USAGE') throw new ProgramUsageError(`The main method caused an error: ${err.message}`);
    if (err instanceof FlinkError && err.code === 'PROGRAM_INVOCATION') {
      throw new ProgramInvocationError(`The main method caused an error: ${err.message}`, err.cause ?? undefined);
    }
    const msg = err instanceof Error ? err.message : String(err);
    throw new ProgramInvocationError(`The main method caused an error: ${msg}`, err);
  } finally {
    process.argv = savedArgv;
  }
}
