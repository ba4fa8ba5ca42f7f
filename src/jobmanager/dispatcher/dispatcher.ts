/**
 * The Dispatcher: accepts job submissions, stores their bundles in the blob store, runs one JobMaster per
 * job, and answers what the REST API asks. Finished jobs stay listed (the archive) until shutdown.
 *
 * It acts only while its JobManager leads. Every submitted job's graph and bundle go to the HA stores first
 * (ZooKeeper and high-availability.storageDir, or memory with high-availability: NONE); a new leader recovers
 * every job there that has no result yet, from its latest registered checkpoint. A job that reaches a globally
 * terminal state gets a result entry, then its HA data is removed; one that loses its leader is only suspended.
 */
import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { copyFile, mkdir, readdir, rename, rm, stat, unlink } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { CheckpointingOptions, Configuration, JobManagerOptions } from '../../config/index.js';
import type { JobGraph } from '../../graph/index.js';
import { JobMaster, type JobMasterSettings } from '../jobmaster/job-master.js';
import type { ResourceManager } from '../resourcemanager/resource-manager.js';
import {
  isTerminal,
  type AccumulatorInfo,
  type CheckpointConfigInfo,
  type CheckpointRecord,
  type CheckpointStatistics,
  type OperationStatus,
  type SavepointTriggerRequest,
  type ClusterOverview,
  type DispatcherGateway,
  type JobDetails,
  type JobExceptions,
  type JobExecutionResult,
  type JobStatus,
  type JobSubmission,
  type ExecutionConfigInfo,
  type ProgramRunRequest,
  type TaskManagerInfo,
  type UploadedProgram,
  type VertexSubtasks,
  type VertexTaskMetrics,
} from './dispatcher-gateway.js';
import type { MetricRegistry, MetricSample } from '../../metrics/index.js';
import { FlinkError } from '../../util/errors.js';
import type { BlobStore, HighAvailabilityServices } from '../../ha/index.js';
import { getLogger } from '../../util/logger.js';
import { validateJobGraph } from './job-graph-validation.js';
import { SavepointOperations } from './savepoint-operations.js';

const log = getLogger('org.apache.flink.runtime.dispatcher.StandaloneDispatcher');

/** The blob key of a job's bundle. */
const BUNDLE_KEY = 'bundle.mjs';

/** Flink's `rest.async.store-duration` default. */
const DEFAULT_ASYNC_STORE_MS = 5 * 60_000;

export class FlinkJobNotFoundError extends FlinkError {
  constructor(jobId: string) {
    super('JOB_NOT_FOUND', `Job ${jobId} not found`);
    this.name = 'FlinkJobNotFoundException';
  }
}

/** The job takes no checkpoints (a batch job), so it has no checkpoint statistics or settings. */
export class CheckpointingDisabledError extends FlinkError {
  constructor(jobId: string) {
    super('CHECKPOINTING_DISABLED', `Job ${jobId} takes no checkpoints (a batch job): it has no checkpoint statistics or settings.`);
  }
}

export class DuplicateJobSubmissionError extends FlinkError {
  constructor(jobId: string) {
    super('DUPLICATE_JOB', `Job has already been submitted: ${jobId}`);
    this.name = 'DuplicateJobSubmissionException';
  }
}

/** Plans an uploaded program into a job graph and bundle (runs the program in plan mode). */
export type ProgramPlanner = (programPath: string, request: ProgramRunRequest) => Promise<JobSubmission>;

/** A call that only the leading JobManager may serve reached one that does not lead (any more). */
export class NotLeaderError extends FlinkError {
  constructor(what: string) {
    super('NOT_LEADER', `This JobManager is not the leader, so it cannot ${what}. Retry: clients find the leader through ZooKeeper.`, { recoverable: true });
  }
}

export interface DispatcherOptions {
  rm: ResourceManager;
  /** Recovery data: job graphs, completed checkpoints, checkpoint ids, job results. */
  ha: HighAvailabilityServices;
  /** Where job bundles go (the HA blob store under ZooKeeper HA: every JobManager reads them there). */
  blobStore: BlobStore;
  uploadDir: string;
  config: Array<{ key: string; value: string }>;
  /** The cluster's configuration: jobs' checkpoint and restart settings start from it. */
  clusterConfiguration?: Configuration;
  planner?: ProgramPlanner;
  onShutdownRequest(): void;
  /** The cluster's `state.savepoints.dir`: where savepoints go when neither the request nor the job names a directory. */
  defaultSavepointDirectory?: string;
  /** `rest.async.store-duration`: how long savepoint and disposal results stay retrievable (ms). Default 5 min. */
  asyncOperationStoreMs?: number;
  /** The JobManager process's own metrics (heap, CPU, event loop); none when unset. */
  processMetrics?: () => MetricSample[];
  /** Where each job's metrics are registered while it runs (`jobmanager.job` scope), for the reporters. */
  metricRegistry?: MetricRegistry;
  /** The `host` variable of those metrics. */
  metricHost?: string;
}

export class Dispatcher implements DispatcherGateway {
  private readonly jobs = new Map<string, JobMaster>();
  /** The leader session this dispatcher acts under; undefined while its JobManager does not lead. */
  private leaderSessionId: string | undefined;
  /** Removals of finished jobs' bundles still under way; close() waits for them. */
  private readonly cleanups = new Set<Promise<unknown>>();
  private readonly savepoints: SavepointOperations;

  constructor(private readonly o: DispatcherOptions) {
    this.savepoints = new SavepointOperations({
      job: (jobId) => this.get(jobId),
      defaultSavepointDirectory: o.defaultSavepointDirectory,
      storeDurationMs: o.asyncOperationStoreMs ?? DEFAULT_ASYNC_STORE_MS,
    });
  }

  async start(): Promise<void> {
    await mkdir(this.o.uploadDir, { recursive: true });
  }

  /** The JobManager leads: finishes the cleanup of ended jobs, then recovers every job that has no result yet. */
  async grantLeadership(leaderSessionId: string): Promise<void> {
    this.leaderSessionId = leaderSessionId;
    const results = this.o.ha.jobResultStore();
    for (const dirty of await results.getDirtyResults()) await this.cleanupJob(dirty.jobId);
    const store = this.o.ha.jobGraphStore();
    let recovered = 0;
    for (const jobId of await store.getJobIds()) {
      if (this.leaderSessionId !== leaderSessionId) return;
      const known = this.jobs.get(jobId);
      if ((known && known.status !== 'SUSPENDED') || (await results.hasJobResultEntry(jobId))) continue;
      log.info(`Trying to recover job with job id ${jobId}.`);
      try {
        const bytes = await store.recoverJobGraph(jobId);
        if (bytes === undefined) continue;
        await this.runJob(validateJobGraph(JSON.parse(Buffer.from(bytes).toString('utf8')) as JobSubmission['jobGraph']), true);
        recovered++;
      } catch (err) {
        log.error(`Could not recover job ${jobId}: ${(err as Error).message}`);
      }
    }
    log.info(`Successfully recovered ${recovered} persisted job graphs.`);
  }

  /** The JobManager no longer leads: its running jobs are suspended (the next leader recovers them). */
  async revokeLeadership(): Promise<void> {
    this.leaderSessionId = undefined;
    const running = [...this.jobs.values()].filter((j) => !isTerminal(j.status) && j.status !== 'SUSPENDED');
    await Promise.all(running.map((j) => j.suspend().catch(() => {})));
    await Promise.all(running.map((j) => this.o.ha.jobGraphStore().releaseJobGraph(j.jobId).catch(() => {})));
  }

  async submitJob(submission: JobSubmission): Promise<{ jobId: string }> {
    if (this.leaderSessionId === undefined) throw new NotLeaderError('accept jobs');
    const graph = validateJobGraph(submission.jobGraph);
    const known = this.jobs.get(graph.jobId);
    if ((known && known.status !== 'SUSPENDED') || (await this.o.ha.jobResultStore().hasJobResultEntry(graph.jobId))) throw new DuplicateJobSubmissionError(graph.jobId);
    const { bundle } = submission;
    // Chunk by chunk from a file: a large bundle never sits in the JobManager's memory as a whole.
    await this.o.blobStore.put(graph.jobId, BUNDLE_KEY, 'path' in bundle ? (createReadStream(bundle.path) as AsyncIterable<Uint8Array>) : bundle.data);
    await this.o.ha.jobGraphStore().putJobGraph(graph.jobId, Buffer.from(JSON.stringify(submission.jobGraph), 'utf8'));
    log.info(`Received JobGraph submission '${graph.jobName}' (${graph.jobId}).`);
    await this.runJob(graph, false);
    return { jobId: graph.jobId };
  }

  /** Starts a JobMaster for the job, with its HA stores; when the job ends for good, its HA data goes. */
  private async runJob(graph: JobGraph, recovered: boolean): Promise<void> {
    const conf = this.o.clusterConfiguration ?? Configuration.fromMap({});
    const checkpoints = await this.o.ha.createCompletedCheckpointStore(graph.jobId, conf.get(CheckpointingOptions.MAX_RETAINED_CHECKPOINTS));
    const idCounter = await this.o.ha.createCheckpointIdCounter(graph.jobId);
    const settings: JobMasterSettings = {
      ...jobMasterSettings(graph),
      ...(this.o.clusterConfiguration ? { clusterConfiguration: this.o.clusterConfiguration } : {}),
      recovery: { checkpoints, idCounter, recovered },
    };
    const jm = new JobMaster(graph, this.o.rm, () => {}, settings);
    this.jobs.set(graph.jobId, jm);
    const unregister = this.o.metricRegistry?.add({
      scope: 'jobmanager.job',
      variables: { host: this.o.metricHost ?? 'localhost', job_id: graph.jobId, job_name: graph.jobName },
      collect: () => jm.metricSamples(),
    });
    void jm.start();
    // The job's metrics go when it ends here (finished, or suspended when leadership moves).
    void jm.whenTerminated().then(() => unregister?.());
    const cleanup = jm.whenTerminated().then(() => (isTerminal(jm.status) ? this.jobEnded(jm) : undefined));
    this.cleanups.add(cleanup);
    void cleanup.finally(() => this.cleanups.delete(cleanup));
  }

  /** A job reached a globally terminal state: its result is recorded, then its HA data and bundle removed. */
  private async jobEnded(jm: JobMaster): Promise<void> {
    const r = jm.executionResult();
    if (r === undefined) return;
    try {
      await this.o.ha.jobResultStore().createDirtyResult({
        jobId: r.jobId,
        applicationStatus: r.applicationStatus,
        netRuntime: r.netRuntime,
        ...(r.failureCause ? { failure: r.failureCause } : {}),
      });
    } catch (err) {
      log.warn(`Could not record the result of job ${jm.jobId}: ${(err as Error).message}`);
      return;
    }
    await this.cleanupJob(jm.jobId);
  }

  /** Removes a finished job's HA data and bundle, then marks its result clean (kept dirty when that fails). */
  private async cleanupJob(jobId: string): Promise<void> {
    try {
      await this.o.ha.cleanupJobData(jobId);
      await this.o.blobStore.deleteAll(jobId);
      await this.o.ha.jobResultStore().markResultAsClean(jobId);
    } catch (err) {
      log.warn(`Could not clean up the data of job ${jobId} yet: ${(err as Error).message}`);
    }
  }

  /** The job bundle for TaskManagers (served by the resource manager's RPC). */
  async readJobBundle(jobId: string): Promise<Uint8Array> {
    const bytes = await this.o.blobStore.get(jobId, BUNDLE_KEY).catch((err: unknown) => {
      throw new FlinkError('BLOB_NOT_FOUND', `No bundle stored for job ${jobId}.`, { cause: err });
    });
    if (bytes === undefined) throw new FlinkError('BLOB_NOT_FOUND', `No bundle stored for job ${jobId}.`);
    return bytes;
  }

  jobMaster(jobId: string): JobMaster | undefined {
    return this.jobs.get(jobId);
  }

  allJobMasters(): JobMaster[] {
    return [...this.jobs.values()];
  }

  async listJobs(): Promise<Array<{ jobId: string; status: JobStatus }>> {
    return [...this.jobs.values()].map((j) => ({ jobId: j.jobId, status: j.status }));
  }

  async jobsOverview(): Promise<JobDetails[]> {
    return [...this.jobs.values()].map((j) => j.details());
  }

  async jobDetails(jobId: string): Promise<JobDetails> {
    return this.get(jobId).details();
  }

  async cancelJob(jobId: string): Promise<void> {
    const jm = this.get(jobId);
    if (isTerminal(jm.status)) {
      throw new FlinkError('JOB_NOT_RUNNING', `Job ${jobId} is not running anymore (${jm.status}).`);
    }
    log.info(`Job ${jobId} is being cancelled.`);
    void jm.cancel();
  }

  async jobExceptions(jobId: string): Promise<JobExceptions> {
    const { root, all } = this.get(jobId).exceptionHistory();
    const out: JobExceptions = { allExceptions: all, truncated: false };
    if (root) {
      out.rootException = root.exception;
      out.timestamp = root.timestamp;
    }
    return out;
  }

  async jobExecutionResult(jobId: string): Promise<JobExecutionResult | undefined> {
    return this.get(jobId).executionResult();
  }

  async jobConfig(jobId: string): Promise<ExecutionConfigInfo> {
    const g = this.get(jobId).graph;
    return {
      'execution-mode': g.mode === 'BATCH' ? 'BATCH' : 'PIPELINED',
      'restart-strategy': 'Restart deactivated.',
      'job-parallelism': g.defaultParallelism,
      'object-reuse-mode': false,
      'user-config': { args: g.args.join(' ') },
    };
  }

  async jobAccumulators(jobId: string): Promise<AccumulatorInfo[]> {
    return this.get(jobId).accumulatorInfos();
  }

  async jobVertexDetails(jobId: string, vertexId: string): Promise<VertexSubtasks | undefined> {
    return this.get(jobId).vertexSubtasks(vertexId);
  }

  async jobVertexTaskMetrics(jobId: string, vertexId: string): Promise<VertexTaskMetrics | undefined> {
    return this.get(jobId).vertexTaskMetrics(vertexId);
  }

  async jobMetrics(jobId: string): Promise<MetricSample[]> {
    return this.get(jobId).metricSamples();
  }

  async jobManagerMetrics(): Promise<MetricSample[]> {
    return this.jobManagerMetricSamples();
  }

  /** The `jobmanager` scope: the process's metrics and the cluster's (numRegisteredTaskManagers, ...). */
  jobManagerMetricSamples(): MetricSample[] {
    const { total, free } = this.o.rm.slotCounts();
    const running = [...this.jobs.values()].filter((j) => !isTerminal(j.status)).length;
    return [
      ...(this.o.processMetrics?.() ?? []),
      { name: 'numRegisteredTaskManagers', kind: 'gauge', value: this.o.rm.listTaskManagers().length },
      { name: 'numRunningJobs', kind: 'gauge', value: running },
      { name: 'taskSlotsAvailable', kind: 'gauge', value: free },
      { name: 'taskSlotsTotal', kind: 'gauge', value: total },
    ];
  }

  async taskManagerMetrics(taskManagerId: string): Promise<MetricSample[] | undefined> {
    return this.o.rm.taskManagerMetrics(taskManagerId);
  }

  async clusterOverview(): Promise<ClusterOverview> {
    const { total, free } = this.o.rm.slotCounts();
    const count = (s: JobStatus[]): number => [...this.jobs.values()].filter((j) => s.includes(j.status)).length;
    return {
      taskManagers: this.o.rm.listTaskManagers().length,
      slotsTotal: total,
      slotsAvailable: free,
      jobsRunning: count(['INITIALIZING', 'CREATED', 'RUNNING', 'FAILING', 'CANCELLING', 'RESTARTING', 'RECONCILING']),
      jobsFinished: count(['FINISHED']),
      jobsCancelled: count(['CANCELED']),
      jobsFailed: count(['FAILED']),
    };
  }

  async taskManagers(): Promise<TaskManagerInfo[]> {
    return this.o.rm.listTaskManagers().map((tm) => ({
      id: tm.id,
      path: `tcp://${tm.host}:${tm.dataPort}`,
      dataPort: tm.dataPort,
      lastHeartbeat: tm.lastHeartbeat,
      slotsNumber: tm.slots,
      freeSlots: tm.slots - tm.allocated.size,
      allocatedSlots: [...tm.allocated.values()],
      hardware: tm.hardware,
    }));
  }

  async clusterConfig(): Promise<Array<{ key: string; value: string }>> {
    return this.o.config;
  }

  async uploadProgram(fileName: string, path: string): Promise<UploadedProgram> {
    const name = basename(fileName);
    if (!/\.(m?js|cjs|ts|mts)$/.test(name)) {
      throw new FlinkError('BAD_PROGRAM_FILE', `Only JavaScript or TypeScript programs (.js, .mjs, .ts) can be uploaded, not '${name}'.`);
    }
    const id = `${randomUUID()}_${name}`;
    const target = join(this.o.uploadDir, id);
    await moveFile(path, target);
    const s = await stat(target);
    return { id, name, uploaded: s.mtimeMs, size: s.size };
  }

  async listPrograms(): Promise<UploadedProgram[]> {
    const out: UploadedProgram[] = [];
    for (const id of (await readdir(this.o.uploadDir)).sort()) {
      const m = /^[0-9a-f-]{36}_(.+)$/.exec(id);
      if (!m) continue;
      const s = await stat(join(this.o.uploadDir, id));
      out.push({ id, name: m[1] as string, uploaded: s.mtimeMs, size: s.size });
    }
    return out;
  }

  async deleteProgram(programId: string): Promise<void> {
    await rm(join(this.o.uploadDir, basename(programId)), { force: true });
  }

  async runProgram(programId: string, request: ProgramRunRequest): Promise<{ jobId: string }> {
    const path = join(this.o.uploadDir, basename(programId));
    try {
      await stat(path);
    } catch {
      throw new FlinkError('PROGRAM_NOT_FOUND', `Program ${programId} not found: upload it first (POST /jars/upload).`);
    }
    if (!this.o.planner) throw new FlinkError('WEB_SUBMIT_DISABLED', 'Running uploaded programs is not enabled on this cluster.');
    const submission = await this.o.planner(path, request);
    return this.submitJob(submission);
  }

  async shutDownCluster(): Promise<void> {
    log.info('Shutting down the cluster (requested through REST).');
    setImmediate(() => this.o.onShutdownRequest());
  }

  async checkpointStatistics(jobId: string): Promise<CheckpointStatistics> {
    return this.checkpointing(jobId).checkpointStatistics();
  }

  async checkpointDetails(jobId: string, checkpointId: number): Promise<CheckpointRecord | undefined> {
    return this.checkpointing(jobId).checkpointDetails(checkpointId);
  }

  async checkpointConfig(jobId: string): Promise<CheckpointConfigInfo> {
    return this.checkpointing(jobId).checkpointConfigInfo();
  }

  async triggerSavepoint(jobId: string, request: SavepointTriggerRequest): Promise<{ triggerId: string }> {
    const { triggerId } = this.savepoints.trigger(jobId, request);
    log.info(`Triggering ${request.then === 'continue' ? 'a savepoint' : `a savepoint (then ${request.then})`} for job ${jobId} (trigger ${triggerId}).`);
    return { triggerId };
  }

  async savepointStatus(jobId: string, triggerId: string): Promise<OperationStatus<string>> {
    return this.savepoints.status(jobId, triggerId);
  }

  async disposeSavepoint(path: string): Promise<{ triggerId: string }> {
    log.info(`Disposing savepoint ${path}.`);
    return this.savepoints.dispose(path);
  }

  async savepointDisposalStatus(triggerId: string): Promise<OperationStatus<void>> {
    return this.savepoints.disposalStatus(triggerId);
  }

  async close(): Promise<void> {
    this.savepoints.close();
    // Under ZooKeeper HA a JobManager that stops leaves its jobs to the next leader (or to the cluster's next start).
    if (this.o.ha.mode === 'ZOOKEEPER') await this.revokeLeadership();
    else await Promise.all([...this.jobs.values()].filter((j) => !isTerminal(j.status)).map((j) => j.cancel().catch(() => {})));
    await Promise.all([...this.cleanups]);
  }

  private get(jobId: string): JobMaster {
    const jm = this.jobs.get(jobId);
    if (!jm) throw new FlinkJobNotFoundError(jobId);
    return jm;
  }

  /** The job's JobMaster, if the job takes checkpoints; batch jobs have no checkpoint coordinator, as in Flink. */
  private checkpointing(jobId: string): JobMaster {
    const jm = this.get(jobId);
    if (jm.graph.mode === 'BATCH') throw new CheckpointingDisabledError(jobId);
    return jm;
  }
}

/** The job's own settings (its `-D`s at submission), checked like any configuration. */
function jobMasterSettings(graph: JobGraph): JobMasterSettings {
  const conf = Configuration.fromMap(graph.jobConfiguration ?? {}, '-D');
  return conf.contains(JobManagerOptions.SLOT_REQUEST_TIMEOUT) ? { slotRequestTimeoutMs: conf.get(JobManagerOptions.SLOT_REQUEST_TIMEOUT) } : {};
}

/** Renames, or copies and removes when web.upload.dir is on another file system than the REST upload area. */
async function moveFile(from: string, to: string): Promise<void> {
  try {
    await rename(from, to);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
    await copyFile(from, to);
    await unlink(from);
  }
}
