/**
 * Running a program in the client, as `bin/flink run` does: bundle it, import it in plan mode, and turn
 * each `execute()` into a job submission (waiting for the result unless detached). `info` only plans.
 */
import type { CapturedPipeline, JobExecutionResultData } from '../api/context.js';
import { setExecutionContext } from '../api/context.js';
import { CoreOptions, ExecutionOptions, type Configuration } from '../config/index.js';
import { buildJobGraph, FAILED_REPLAY_PREFIX, importBundle, type JobGraph } from '../graph/index.js';
import { decodeRecords, encodeRecord } from '../runtime/codec/index.js';
import { deserializeError, FlinkError, UsageError } from '../util/errors.js';
import { bundleProgram, type JobBundle } from './bundler.js';
import { localExecutorFactory, restJobExecutor, type JobExecutor } from './job-executor.js';
import { restClientFor } from './rest-client.js';

export interface ProgramOptions {
  programPath: string;
  args: string[];
  parallelism?: number;
  detached: boolean;
  /** 'remote' (default) | 'local'. */
  target: string;
  config: Configuration;
  jobManagerOverride?: string;
  savepointPath?: string;
  allowNonRestoredState: boolean;
  shutdownOnAttachedExit: boolean;
  print: (line: string) => void;
}

const CLIENT_CONDITIONS: ReadonlySet<string> = new Set(['CLUSTER_UNREACHABLE', 'CONFIG_INVALID', 'REST_ERROR', 'PROGRAM_MISSING_JOB']);

const NO_JOB =
  "The program didn't contain a Flink job. Perhaps you forgot to call execute() on the execution environment.";

export class ProgramInvocationError extends FlinkError {
  constructor(message: string, cause?: unknown) {
    super('PROGRAM_INVOCATION', message, { cause });
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
  if (opts.savepointPath !== undefined) {
    throw new UsageError('Restoring from a savepoint (-s) is not supported yet; it comes with checkpoints and savepoints.');
  }
  const bundle = await bundleProgram(opts.programPath);
  let executor: JobExecutor | undefined;
  const replay: string[] = [];
  let jobs = 0;
  const defaultParallelism = opts.parallelism ?? opts.config.get(CoreOptions.DEFAULT_PARALLELISM);
  const getExecutor = async (slots: number): Promise<JobExecutor> => {
    if (executor) return executor;
    if (opts.target === 'local') {
      executor = await localExecutorFactory()({ slots, config: opts.config });
    } else if (opts.target === 'remote' || opts.target === '') {
      const client = restClientFor(opts.config, opts.jobManagerOverride);
      executor = restJobExecutor(client, opts.jobManagerOverride ?? 'the configured JobManager');
    } else {
      throw new UsageError(`Unknown execution target '${opts.target}': use 'remote' (default) or 'local'. YARN targets come with the YARN issue.`);
    }
    return executor;
  };

  const executeJob = async (p: CapturedPipeline): Promise<JobExecutionResultData> => {
    jobs++;
    const { graph } = buildJobGraph(p, { args: opts.args, replay: [...replay], programName: bundle.programName, workingDirectory: process.cwd() });
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
    const result = await waitForResult(ex, jobId);
    if (result.applicationStatus !== 'SUCCEEDED') {
      const cause = result.failureCause ? deserializeError(result.failureCause) : undefined;
      if (result.applicationStatus === 'CANCELED') throw new JobExecutionError(`Job was cancelled (JobID: ${jobId}).`, cause);
      throw new JobExecutionError(`Job failed (JobID: ${jobId})`, cause);
    }
    const accumulators: Record<string, unknown> = {};
    for (const [name, b64] of Object.entries(result.accumulatorResults)) accumulators[name] = decodeRecords(Buffer.from(b64, 'base64'))[0];
    replay.push(encodeAccumulators(accumulators));
    opts.print('Program execution finished');
    opts.print(`Job with JobID ${jobId} has finished.`);
    opts.print(`Job Runtime: ${result.netRuntime} ms`);
    return { jobId, netRuntime: result.netRuntime, accumulators };
  };
  // Every execute() leaves one replay entry, a failed one too: the program may catch the failure and go on.
  const execute = async (p: CapturedPipeline): Promise<JobExecutionResultData> => {
    try {
      return await executeJob(p);
    } catch (err) {
      if (replay.length === p.executeIndex) replay.push(`${FAILED_REPLAY_PREFIX}${err instanceof Error ? err.message : String(err)}`);
      throw err;
    }
  };

  try {
    await runInPlanMode(bundle, opts.args, {
      mode: 'client',
      defaultParallelism,
      bufferTimeout: opts.config.get(ExecutionOptions.BUFFER_TIMEOUT),
      execute,
    });
    if (jobs === 0) throw new ProgramMissingJobError();
  } finally {
    await executor?.close().catch(() => {});
    await bundle.dispose();
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
export async function capturePlan(bundle: JobBundle, args: string[], defaultParallelism: number, bufferTimeout: number): Promise<JobGraph> {
  let captured: JobGraph | undefined;
  let resolveCaptured!: () => void;
  const done = new Promise<void>((r) => (resolveCaptured = r));
  const run = runInPlanMode(bundle, args, {
    mode: 'client',
    defaultParallelism,
    bufferTimeout,
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

async function waitForResult(ex: JobExecutor, jobId: string): Promise<NonNullable<Awaited<ReturnType<JobExecutor['result']>>>> {
  let delay = 50;
  for (;;) {
    const r = await ex.result(jobId);
    if (r) return r;
    await new Promise((res) => setTimeout(res, delay));
    delay = Math.min(500, Math.round(delay * 1.5));
  }
}

function encodeAccumulators(acc: Record<string, unknown>): string {
  return Buffer.from(encodeRecord(acc)).toString('base64');
}

/** Imports the bundle with `ctx` installed and process.argv set as the program expects. */
async function runInPlanMode(bundle: JobBundle, args: string[], ctx: Parameters<typeof setExecutionContext>[0]): Promise<void> {
  const savedArgv = process.argv;
  process.argv = [process.argv[0] as string, bundle.programName, ...args];
  setExecutionContext(ctx);
  try {
    await importBundle(bundle.path);
  } catch (err) {
    // Conditions of the client itself (cluster unreachable, bad configuration) are not the program's failure.
    if (err instanceof FlinkError && CLIENT_CONDITIONS.has(err.code)) throw err;
    if (err instanceof FlinkError && (err.code === 'USAGE' || err.code === 'PROGRAM_INVOCATION')) {
      throw new ProgramInvocationError(`The main method caused an error: ${err.message}`, err.cause ?? undefined);
    }
    const msg = err instanceof Error ? err.message : String(err);
    throw new ProgramInvocationError(`The main method caused an error: ${msg}`, err);
  } finally {
    process.argv = savedArgv;
  }
}
