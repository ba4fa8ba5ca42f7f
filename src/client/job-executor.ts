/**
 * Where `execute()` sends a job: a remote cluster over REST, or a local cluster in this process
 * (`-t local`). The local one is provided by the entry point (see `registerLocalExecutorFactory`).
 */
import type { JobGraph } from '../graph/index.js';
import type { JobResult } from '../rest/index.js';
import { FlinkError } from '../util/errors.js';
import type { RestClient } from './rest-client.js';
import { headOperatorRecordsOutId, jobProgressOf, sourceVertexIds, type JobProgress } from './job-progress.js';

export interface JobExecutor {
  /** Human-readable target, for messages. */
  readonly description: string;
  submit(graph: JobGraph, bundle: { fileName: string; data: Uint8Array }): Promise<{ jobId: string }>;
  /** Undefined while the job runs. */
  result(jobId: string): Promise<JobResult | undefined>;
  /** The cluster's slots while the job still waits for its own; undefined once it got them. */
  waitingForSlots?(jobId: string): Promise<{ free: number; total: number } | undefined>;
  /** The job's state and record counts, for the progress line of an attached run on a terminal. */
  progress?(jobId: string): Promise<JobProgress>;
  close(): Promise<void>;
}

/** A job's progress read over REST: its details, and each source operator's records from its metrics. */
export async function restJobProgress(client: RestClient, jobId: string): Promise<JobProgress> {
  const details = await client.jobDetails(jobId);
  const fromSources = new Map<string, number>();
  for (const vertexId of sourceVertexIds(details.plan)) {
    const id = headOperatorRecordsOutId(await client.subtaskMetrics(jobId, vertexId));
    if (id === undefined) continue;
    const sum = (await client.subtaskMetrics(jobId, vertexId, [id]))[0]?.sum;
    if (typeof sum === 'number') fromSources.set(vertexId, sum);
  }
  return jobProgressOf(details, fromSources);
}

export function restJobExecutor(client: RestClient, description: string): JobExecutor {
  return {
    description,
    submit: (graph, bundle) => client.submitJob(graph, bundle),
    result: async (jobId) => {
      const r = await client.jobExecutionResult(jobId);
      return r.completed ? r.result : undefined;
    },
    waitingForSlots: async (jobId) => {
      const job = await client.jobDetails(jobId);
      const vertices = Array.isArray(job.vertices) ? (job.vertices as Array<{ status?: unknown }>) : [];
      const waiting = job.state === 'RUNNING' && vertices.length > 0 && vertices.every((v) => v.status === 'SCHEDULED');
      if (!waiting) return undefined;
      const o = await client.overview();
      return { free: Number(o['slots-available']), total: Number(o['slots-total']) };
    },
    progress: (jobId) => restJobProgress(client, jobId),
    close: async () => {},
  };
}

export type LocalExecutorFactory = (opts: { slots: number; config: import('../config/index.js').Configuration }) => Promise<JobExecutor>;

let localFactory: LocalExecutorFactory | undefined;

/** The CLI registers the in-process cluster here, keeping the client free of cluster code. */
export function registerLocalExecutorFactory(f: LocalExecutorFactory): void {
  localFactory = f;
}

export function localExecutorFactory(): LocalExecutorFactory {
  if (!localFactory) throw new FlinkError('NO_LOCAL_EXECUTOR', 'The local target (-t local) is not available in this process.');
  return localFactory;
}

const JOB_FAILURE = Symbol.for('flink-ts.client.job-failure');

/** Tags an error a job of this run rejected with, so an unawaited one is not reported as a crash. */
export function markJobFailure(err: unknown): unknown {
  if (typeof err === 'object' && err !== null) (err as Record<symbol, unknown>)[JOB_FAILURE] = true;
  return err;
}

/** Whether an unhandled rejection is the failure of a job the program did not await (runProgram reports it). */
export function isJobFailure(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as Record<symbol, unknown>)[JOB_FAILURE] === true;
}
