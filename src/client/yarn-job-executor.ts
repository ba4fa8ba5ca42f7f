/**
 * `bin/flink run -t yarn-per-job` (and `-m yarn-cluster`): each job gets a YARN application of its own
 * (yarn-deployment.ts), whose JobManager the client then talks to over REST like to any cluster. Attached, it
 * waits for the job's result and then shuts the cluster down; detached, the application ends with its job.
 */
import type { Configuration } from '../config/index.js';
import type { JobGraph } from '../graph/index.js';
import type { JobResult } from '../rest/index.js';
import { FlinkError } from '../util/errors.js';
import { followApplication, ResourceManagerRestClient } from '../yarn/client/index.js';
import type { JobExecutor } from './job-executor.js';
import { ClusterUnreachableError, RestRequestError, type RestClient } from './rest-client.js';
import { deployYarnCluster, registeredAddress, restClientOf, YarnApplicationEndedError } from './yarn-deployment.js';
import type { JobProgress } from './job-progress.js';
import { restJobProgress } from './job-executor.js';

/** How long a new JobManager may take to know the job it submits itself at start. */
const JOB_APPEARS_WITHIN_MS = 60_000;
/** How long a restarted ApplicationMaster may take to register again. */
const NEW_ATTEMPT_WAIT_MS = 180_000;

interface Deployed {
  appId: string;
  address: string;
  client: RestClient;
  jobSeenAt?: number | undefined;
  deployedAt: number;
  /** Since when the JobManager has not answered (its ApplicationMaster died; another attempt may come). */
  unreachableSince?: number | undefined;
}

export function yarnPerJobExecutor(conf: Configuration, o: { detached: boolean; print: (line: string) => void }): JobExecutor {
  const rm = ResourceManagerRestClient.fromEnvironment();
  const deployed = new Map<string, Deployed>();

  const appEnded = async (d: Deployed): Promise<never> => {
    const { report } = await followApplication(d.appId, () => {}, { rm, until: 'final', timeoutMs: 30_000 });
    throw new YarnApplicationEndedError(d.appId, report);
  };

  return {
    description: 'a YARN per-job cluster',
    async submit(graph: JobGraph, bundle: { fileName: string; data: Uint8Array }): Promise<{ jobId: string }> {
      const d = await deployYarnCluster(conf, rm, { print: o.print, defaultName: `Flink per-job cluster: ${graph.jobName}`, job: { graph, bundle, detached: o.detached } });
      deployed.set(graph.jobId, { appId: d.app.applicationId, address: d.address, client: d.client, deployedAt: Date.now() });
      return { jobId: graph.jobId };
    },

    async progress(jobId: string): Promise<JobProgress> {
      const d = deployed.get(jobId);
      if (!d) throw new FlinkError('YARN_UNKNOWN_JOB', `Job ${jobId} was not submitted to YARN by this client.`);
      return restJobProgress(d.client, jobId);
    },

    async result(jobId: string): Promise<JobResult | undefined> {
      const d = deployed.get(jobId);
      if (!d) throw new FlinkError('YARN_UNKNOWN_JOB', `Job ${jobId} was not submitted to YARN by this client.`);
      let answer;
      try {
        answer = await d.client.jobExecutionResult(jobId);
      } catch (err) {
        // The JobManager submits the job itself right after it starts: a moment without it is expected.
        if (err instanceof RestRequestError && err.status === 404 && d.jobSeenAt === undefined && Date.now() - d.deployedAt < JOB_APPEARS_WITHIN_MS) return undefined;
        const report = await rm.getApplicationReport(d.appId).catch(() => undefined);
        if (report && ['FINISHED', 'FAILED', 'KILLED'].includes(report.state)) return appEnded(d);
        // The ApplicationMaster died and YARN starts another attempt (yarn.application-attempts): its JobManager,
        // with ZooKeeper HA, recovers the job once it leads; follow it to its new address and wait for it there.
        if ((err instanceof ClusterUnreachableError || (err instanceof RestRequestError && err.status === 503)) && report) {
          const address = registeredAddress(report.amRPCAddress);
          if (address !== undefined && address !== d.address) {
            o.print(`The ApplicationMaster of ${d.appId} was restarted; following its JobManager at ${address}.`);
            d.address = address;
            d.client = restClientOf(conf, address, d.appId);
            d.deployedAt = Date.now();
            d.jobSeenAt = undefined;
            d.unreachableSince = undefined;
            return undefined;
          }
          // No new attempt registered yet, or the new one does not lead yet: ask again, for a while.
          d.unreachableSince ??= Date.now();
          if (Date.now() - d.unreachableSince < NEW_ATTEMPT_WAIT_MS) return undefined;
          return appEnded(d);
        }
        throw err;
      }
      d.jobSeenAt ??= Date.now();
      d.unreachableSince = undefined;
      if (!answer.completed) return undefined;
      // The result is in hand: the per-job cluster may go (the ApplicationMaster unregisters with the job's status).
      await d.client.shutDownCluster().catch(() => undefined);
      return answer.result;
    },

    async close(): Promise<void> {},
  };
}
