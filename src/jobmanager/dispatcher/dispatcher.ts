/**
 * The Dispatcher: accepts job submissions, stores their bundles in the blob store, runs one JobMaster per
 * job, and answers what the REST API asks. Finished jobs stay listed (the archive) until shutdown.
 */
import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { copyFile, mkdir, readdir, rename, rm, stat, unlink } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { childPath, getFileSystem, type FileSystem } from '../../fs/index.js';
import { Configuration, JobManagerOptions } from '../../config/index.js';
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
} from './dispatcher-gateway.js';
import { FlinkError } from '../../util/errors.js';
import { getLogger } from '../../util/logger.js';
import { validateJobGraph } from './job-graph-validation.js';
import { SavepointOperations } from './savepoint-operations.js';

const log = getLogger('org.apache.flink.runtime.dispatcher.StandaloneDispatcher');

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

export interface DispatcherOptions {
  rm: ResourceManager;
  blobDir: string;
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
}

export class Dispatcher implements DispatcherGateway {
  private readonly jobs = new Map<string, JobMaster>();
  private readonly blobs: FileSystem;
  /** Removals of finished jobs' bundles still under way; close() waits for them. */
  private readonly cleanups = new Set<Promise<unknown>>();
  private readonly savepoints: SavepointOperations;

  constructor(private readonly o: DispatcherOptions) {
    this.blobs = getFileSystem(o.blobDir);
    this.savepoints = new SavepointOperations({
      job: (jobId) => this.get(jobId),
      defaultSavepointDirectory: o.defaultSavepointDirectory,
      storeDurationMs: o.asyncOperationStoreMs ?? DEFAULT_ASYNC_STORE_MS,
    });
  }

  async start(): Promise<void> {
    await this.blobs.mkdirs(this.o.blobDir);
    await mkdir(this.o.uploadDir, { recursive: true });
  }

  async submitJob(submission: JobSubmission): Promise<{ jobId: string }> {
    const graph = validateJobGraph(submission.jobGraph);
    if (this.jobs.has(graph.jobId)) throw new DuplicateJobSubmissionError(graph.jobId);
    const settings = { ...jobMasterSettings(graph), ...(this.o.clusterConfiguration ? { clusterConfiguration: this.o.clusterConfiguration } : {}) };
    const dir = this.jobBlobDir(graph.jobId);
    const writer = await this.blobs.create(childPath(dir, 'bundle.mjs'), 'OVERWRITE');
    try {
      const { bundle } = submission;
      if ('path' in bundle) {
        // Chunk by chunk: a large bundle never sits in the JobManager's memory as a whole.
        for await (const chunk of createReadStream(bundle.path)) await writer.write(chunk as Buffer);
      } else {
        await writer.write(bundle.data);
      }
      await writer.commit();
    } catch (err) {
      await writer.abort();
      throw err;
    }
    const jm = new JobMaster(graph, this.o.rm, () => {}, settings);
    this.jobs.set(graph.jobId, jm);
    log.info(`Received JobGraph submission '${graph.jobName}' (${graph.jobId}).`);
    void jm.start();
    const cleanup = jm.whenTerminated().then(() => this.blobs.delete(dir, true).catch(() => false));
    this.cleanups.add(cleanup);
    void cleanup.finally(() => this.cleanups.delete(cleanup));
    return { jobId: graph.jobId };
  }

  /** The job bundle for TaskManagers (served by the resource manager's RPC). */
  async readJobBundle(jobId: string): Promise<Uint8Array> {
    try {
      const chunks: Uint8Array[] = [];
      for await (const c of this.blobs.open(childPath(this.jobBlobDir(jobId), 'bundle.mjs'))) chunks.push(c);
      return Buffer.concat(chunks);
    } catch (err) {
      throw new FlinkError('BLOB_NOT_FOUND', `No bundle stored for job ${jobId}.`, { cause: err });
    }
  }

  /** Where a job's bundle lives in the blob store (`blob.storage.directory`: a local path or any URI). */
  private jobBlobDir(jobId: string): string {
    return childPath(this.o.blobDir, `job_${jobId}`);
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
    await Promise.all([...this.jobs.values()].filter((j) => !isTerminal(j.status)).map((j) => j.cancel().catch(() => {})));
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
