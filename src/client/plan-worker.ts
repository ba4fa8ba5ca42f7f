/**
 * Plans a program in a worker thread: bundle it, run it to its first execute(), and hand back the
 * JobGraph and the bundle. The JobManager uses it for programs uploaded through REST (`/jars/:id/run`),
 * so user code never runs in, or leaks into, the JobManager's own thread.
 */
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import type { ProgramRunRequest } from '../rest/index.js';
import { CoreOptions, ExecutionOptions, PipelineOptions, savepointRestoreSettings, type Configuration } from '../config/index.js';
import { readFile } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { deserializeError, FlinkError, serializeError } from '../util/errors.js';
import type { SerializedError } from '../util/errors.js';
import { bundleProgram, ProgramNotFoundError, type JobBundle } from './bundler.js';
import type { CapturedPipeline, JobExecutionResultData } from '../api/context.js';
import { buildJobGraph } from '../graph/index.js';
import { capturePlan, decodeAccumulators, encodeAccumulators, JobExecutionError, ProgramMissingJobError, runInPlanMode, trackedExecute } from './program.js';

export interface PlanRequest {
  programPath: string;
  args: string[];
  defaultParallelism: number;
  bufferTimeout: number;
  autoWatermarkInterval?: number;
  jobId?: string;
  /** Settings added to the job's configuration (a savepoint to restore from). */
  jobConfiguration?: Record<string, string>;
  /** Settings under the program's own (`-D` of run-application): what the program sets on its environment wins. */
  defaultJobConfiguration?: Record<string, string>;
  /**
   * The file is a job bundle already (application mode: the client bundled it), with the program's own name;
   * bundling it again would repeat the bundle's prologue.
   */
  bundled?: { programName: string };
}

/** A planned program: the JobGraph (as JSON) and the bundle to submit with it. */
export interface PlannedJob {
  jobGraph: unknown;
  bundle: { fileName: string; data: Uint8Array };
}

type PlanReply = { ok: true; jobGraph: unknown; fileName: string; data: Uint8Array } | { ok: false; error: SerializedError };

/** An uploaded program could not be planned for a reason in the program (it exited, it hung). */
export class ProgramPlanningError extends FlinkError {
  constructor(message: string, cause?: unknown) {
    super('PROGRAM_INVOCATION', message, { cause });
  }
}

/** Plans the program in a fresh worker thread and returns what to submit. */
export function planInWorker(req: PlanRequest, timeoutMs = 60_000): Promise<PlannedJob> {
  return new Promise((resolve, reject) => {
    const w = new Worker(new URL(import.meta.url), { workerData: req, stdout: true, stderr: true });
    // Nobody reads the program's console output here; drain it so a chatty program cannot block on it.
    w.stdout.resume();
    w.stderr.resume();
    let settled = false;
    const settle = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      fn();
    };
    const name = basename(req.programPath);
    const timer = setTimeout(() => {
      void w.terminate();
      settle(() =>
        reject(
          new ProgramPlanningError(
            `Planning ${name} did not reach execute() within ${timeoutMs / 1000} s. The program's top level must build the ` +
              'pipeline and call execute() without waiting for anything else (input, timers, network).',
          ),
        ),
      );
    }, timeoutMs);
    w.once('message', (m: PlanReply) => {
      void w.terminate();
      settle(() => (m.ok ? resolve({ jobGraph: m.jobGraph, bundle: { fileName: m.fileName, data: m.data } }) : reject(deserializeError(m.error) as FlinkError)));
    });
    w.once('error', (err) => settle(() => reject(err)));
    // process.exit() in a worker thread ends only the thread: the program gave up before its execute().
    w.once('exit', (code) =>
      settle(() =>
        reject(
          new ProgramPlanningError(
            `The program ${name} called process.exit(${code}) before it reached execute(). A job program must not exit the ` +
              'process: remove the process.exit() call (throw an Error to fail the program instead).',
          ),
        ),
      ),
    );
  });
}

/** The JobManager's planner for uploaded programs, with this cluster's defaults. */
export function programPlannerFor(conf: Configuration): (programPath: string, req: ProgramRunRequest) => Promise<PlannedJob> {
  return (programPath, req) =>
    planInWorker({
      programPath,
      args: req.programArgs,
      defaultParallelism: req.parallelism ?? conf.get(CoreOptions.DEFAULT_PARALLELISM),
      bufferTimeout: conf.get(ExecutionOptions.BUFFER_TIMEOUT),
      autoWatermarkInterval: conf.get(PipelineOptions.AUTO_WATERMARK_INTERVAL),
      ...(req.jobId ? { jobId: req.jobId } : {}),
      ...(req.savepointPath ? { jobConfiguration: savepointRestoreSettings(req.savepointPath, req.allowNonRestoredState ?? false) } : {}),
    });
}

/** What a job of a program run with {@link runInWorker} ended with, as the program's execute() sees it. */
export type RunJobOutcome = { ok: true; jobId: string; netRuntime: number; accumulatorResults: Record<string, string> } | { ok: false; message: string };

type RunMessage = { type: 'job'; jobGraph: unknown; fileName: string; data: Uint8Array } | { type: 'done' } | { type: 'failed'; error: SerializedError };

/**
 * Runs the program to its end in a fresh worker thread (application mode): each execute() becomes a call of
 * `runJob` with the planned job, whose outcome the program's execute() then returns (or throws), so programs
 * with several jobs, or code after execute(), run as under `bin/flink run`. The first job gets `req.jobId`.
 * Resolves with the number of jobs once the program returned; rejects with the program's own failure.
 */
export function runInWorker(req: PlanRequest, runJob: (job: PlannedJob) => Promise<RunJobOutcome>, firstJobWithinMs = 60_000): Promise<number> {
  return new Promise((resolve, reject) => {
    const w = new Worker(new URL(import.meta.url), { workerData: { ...req, run: true }, stdout: false, stderr: false });
    let jobs = 0;
    let settled = false;
    const settle = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void w.terminate();
      fn();
    };
    const name = basename(req.programPath);
    const timer = setTimeout(
      () => settle(() => reject(new ProgramPlanningError(`${name} did not reach execute() within ${firstJobWithinMs / 1000} s. The program's top level must build the pipeline and call execute().`))),
      firstJobWithinMs,
    );
    w.on('message', (m: RunMessage) => {
      if (m.type === 'job') {
        jobs++;
        clearTimeout(timer);
        runJob({ jobGraph: m.jobGraph, bundle: { fileName: m.fileName, data: m.data } }).then(
          (outcome) => w.postMessage(outcome),
          (err: Error) => w.postMessage({ ok: false, message: err.message } satisfies RunJobOutcome),
        );
      } else if (m.type === 'done') {
        settle(() => resolve(jobs));
      } else {
        settle(() => reject(deserializeError(m.error) as FlinkError));
      }
    });
    w.once('error', (err) => settle(() => reject(err)));
    w.once('exit', (code) =>
      settle(() => reject(new ProgramPlanningError(`The program ${name} called process.exit(${code}). A job program must not exit the process: throw an Error to fail it instead.`))),
    );
  });
}

/** The worker side of {@link runInWorker}: the program's execute() asks the main thread to run each job. */
async function runHere(req: PlanRequest, port: NonNullable<typeof parentPort>): Promise<void> {
  const bundle = await workerBundle(req);
  const replay: string[] = [];
  const inFlight = new Set<Promise<unknown>>();
  let jobs = 0;
  let queue = Promise.resolve();
  const runJob = async (p: CapturedPipeline): Promise<JobExecutionResultData> => {
    const { graph } = buildJobGraph(p, { args: req.args, replay: [...replay], programName: bundle.programName, workingDirectory: process.cwd() });
    if (jobs++ === 0 && req.jobId) graph.jobId = req.jobId;
    const jobConfiguration = { ...req.defaultJobConfiguration, ...graph.jobConfiguration, ...req.jobConfiguration };
    if (Object.keys(jobConfiguration).length > 0) graph.jobConfiguration = jobConfiguration;
    const outcome = await new Promise<RunJobOutcome>((resolve) => {
      port.once('message', resolve);
      port.postMessage({ type: 'job', jobGraph: graph, fileName: bundle.fileName, data: bundle.data } satisfies RunMessage);
    });
    if (!outcome.ok) throw new JobExecutionError(outcome.message);
    const accumulators = decodeAccumulators(outcome.accumulatorResults);
    replay.push(encodeAccumulators(accumulators));
    return { jobId: outcome.jobId, netRuntime: outcome.netRuntime, accumulators };
  };
  // One job at a time: each reply belongs to the job asked for last.
  const execute = trackedExecute(
    (p) => {
      const job = queue.then(() => runJob(p));
      queue = job.then(
        () => undefined,
        () => undefined,
      );
      return job;
    },
    replay,
    inFlight,
  );
  try {
    await runInPlanMode(bundle, req.args, {
      mode: 'client',
      defaultParallelism: req.defaultParallelism,
      bufferTimeout: req.bufferTimeout,
      autoWatermarkInterval: req.autoWatermarkInterval ?? 200,
      execute,
    });
    if (jobs === 0) throw new ProgramMissingJobError();
    // A job the program did not await still belongs to it.
    while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
  } finally {
    await bundle.dispose();
  }
}

async function planHere(req: PlanRequest): Promise<PlanReply> {
  const bundle = await workerBundle(req);
  try {
    const graph = await capturePlan(bundle, req.args, req.defaultParallelism, req.bufferTimeout, req.autoWatermarkInterval);
    if (req.jobId) graph.jobId = req.jobId;
    if (req.jobConfiguration || req.defaultJobConfiguration) {
      graph.jobConfiguration = { ...req.defaultJobConfiguration, ...graph.jobConfiguration, ...req.jobConfiguration };
    }
    return { ok: true, jobGraph: graph, fileName: bundle.fileName, data: bundle.data };
  } finally {
    await bundle.dispose();
  }
}

/** The program's bundle in a planning thread: the caller's file as it is, or one made here. */
async function workerBundle(req: PlanRequest): Promise<JobBundle> {
  return req.bundled ? existingBundle(req.programPath, req.bundled.programName) : bundleProgram(req.programPath);
}

/** A bundle made by the client, used as it is (the file stays: it belongs to the caller). */
async function existingBundle(path: string, programName: string): Promise<JobBundle> {
  const abs = resolve(path);
  const data = await readFile(abs).catch(() => {
    throw new ProgramNotFoundError(path);
  });
  return { programName, fileName: basename(abs), data, path: abs, dispose: async () => {} };
}

if (!isMainThread && parentPort && (workerData as (PlanRequest & { run?: boolean }) | undefined)?.run) {
  const port = parentPort;
  runHere(workerData as PlanRequest, port).then(
    () => port.postMessage({ type: 'done' } satisfies RunMessage),
    (err) => port.postMessage({ type: 'failed', error: serializeError(err) } satisfies RunMessage),
  );
} else if (!isMainThread && parentPort && (workerData as PlanRequest | undefined)?.programPath) {
  const port = parentPort;
  planHere(workerData as PlanRequest).then(
    (r) => port.postMessage(r),
    (err) => port.postMessage({ ok: false, error: serializeError(err) } satisfies PlanReply),
  );
}
