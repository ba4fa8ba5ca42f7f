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
import { capturePlan } from './program.js';

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

async function planHere(req: PlanRequest): Promise<PlanReply> {
  const bundle = req.bundled ? await existingBundle(req.programPath, req.bundled.programName) : await bundleProgram(req.programPath);
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

/** A bundle made by the client, used as it is (the file stays: it belongs to the caller). */
async function existingBundle(path: string, programName: string): Promise<JobBundle> {
  const abs = resolve(path);
  const data = await readFile(abs).catch(() => {
    throw new ProgramNotFoundError(path);
  });
  return { programName, fileName: basename(abs), data, path: abs, dispose: async () => {} };
}

if (!isMainThread && parentPort && (workerData as PlanRequest | undefined)?.programPath) {
  const port = parentPort;
  planHere(workerData as PlanRequest).then(
    (r) => port.postMessage(r),
    (err) => port.postMessage({ ok: false, error: serializeError(err) } satisfies PlanReply),
  );
}
