/**
 * Where `execute()` sends a job: a remote cluster over REST, or a local cluster in this process
 * (`-t local`). The local one is provided by the entry point (see `registerLocalExecutorFactory`).
 */
import type { JobGraph } from '../graph/index.js';
import type { JobResult } from '../rest/index.js';
import { FlinkError } from '../util/errors.js';
import type { RestClient } from './rest-client.js';

export interface JobExecutor {
  /** Human-readable target, for messages. */
  readonly description: string;
  submit(graph: JobGraph, bundle: { fileName: string; data: Uint8Array }): Promise<{ jobId: string }>;
  /** Undefined while the job runs. */
  result(jobId: string): Promise<JobResult | undefined>;
  close(): Promise<void>;
}

export function restJobExecutor(client: RestClient, description: string): JobExecutor {
  return {
    description,
    submit: (graph, bundle) => client.submitJob(graph, bundle),
    result: async (jobId) => {
      const r = await client.jobExecutionResult(jobId);
      return r.completed ? r.result : undefined;
    },
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
