/**
 * A DispatcherGateway with canned, mutable data that records every call, for REST, client and CLI tests.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { serializeError } from '../../../src/util/errors.js';
import { UnknownOperationError } from '../../../src/jobmanager/dispatcher/async-operations.js';
import { SavepointDirectoryMissingError, newTriggerId } from '../../../src/jobmanager/dispatcher/savepoint-operations.js';
import type {
  AccumulatorInfo,
  CheckpointConfigInfo,
  CheckpointRecord,
  CheckpointStatistics,
  ClusterOverview,
  DispatcherGateway,
  ExecutionConfigInfo,
  JobDetails,
  JobExceptions,
  JobExecutionResult,
  JobStatus,
  JobSubmission,
  OperationStatus,
  ProgramRunRequest,
  SavepointTriggerRequest,
  TaskManagerInfo,
  UploadedProgram,
  VertexSubtasks,
  VertexTaskMetrics,
} from '../../../src/jobmanager/dispatcher/dispatcher-gateway.js';
import type { MetricSample } from '../../../src/metrics/index.js';

export function newJobId(): string {
  return randomBytes(16).toString('hex');
}

class FlinkJobNotFoundException extends Error {
  constructor(jobId: string) {
    super(`Could not find Flink job (${jobId})`);
    this.name = 'FlinkJobNotFoundException';
  }
}

export const SLOT_SHARING_GROUP = '6a4c0c3d7bd81a3e48c81f4d7a9ee4b5';

export function jobDetails(overrides: Partial<JobDetails> & { jobId: string }): JobDetails {
  return {
    name: 'Socket Window WordCount',
    status: 'RUNNING',
    startTime: 1_572_941_993_000,
    endTime: -1,
    lastModification: 1_572_941_994_000,
    timestamps: { CREATED: 1_572_941_993_000, RUNNING: 1_572_941_993_500 },
    jobType: 'STREAMING',
    maxParallelism: -1,
    vertices: [
      {
        id: 'cbc357ccb763df2852fee8c4fc7d55f2',
        name: 'Source: Socket Stream -> Flat Map',
        parallelism: 2,
        maxParallelism: 128,
        slotSharingGroupId: SLOT_SHARING_GROUP,
        status: 'RUNNING',
        startTime: 1_572_941_993_600,
        endTime: -1,
        tasks: { RUNNING: 2 },
        metrics: { readBytes: 0, writeBytes: 1024, readRecords: 0, writeRecords: 10 },
      },
      {
        id: '90bea66de1c231edf33913ecd54406c1',
        name: 'Window(TumblingProcessingTimeWindows(5000)) -> Sink: Print to Std. Out',
        parallelism: 2,
        maxParallelism: 128,
        slotSharingGroupId: SLOT_SHARING_GROUP,
        status: 'RUNNING',
        startTime: 1_572_941_993_700,
        endTime: -1,
        tasks: { RUNNING: 1, DEPLOYING: 1 },
        metrics: { readBytes: 1024, writeBytes: 0, readRecords: 10, writeRecords: 0 },
      },
    ],
    plan: { jid: overrides.jobId, name: 'Socket Window WordCount', nodes: [] },
    isStoppable: false,
    ...overrides,
  };
}

/** What the job master reports for a streaming job that has taken no checkpoint yet. */
export function emptyCheckpointStatistics(): CheckpointStatistics {
  return {
    counts: { restored: 0, total: 0, inProgress: 0, completed: 0, failed: 0 },
    history: [],
    completedSamples: { stateSize: [], checkpointedSize: [], endToEndDuration: [] },
  };
}

export function checkpointConfigInfo(overrides: Partial<CheckpointConfigInfo> = {}): CheckpointConfigInfo {
  return {
    mode: 'EXACTLY_ONCE',
    interval: 500,
    timeout: 600_000,
    minPause: 0,
    maxConcurrent: 1,
    externalization: { enabled: false, deleteOnCancellation: true },
    stateBackend: 'HashMapStateBackend',
    checkpointStorage: 'FileSystemCheckpointStorage',
    unalignedCheckpoints: false,
    tolerableFailedCheckpoints: 0,
    checkpointsAfterTasksFinish: true,
    ...overrides,
  };
}

/** An asynchronous operation of the testing gateway: IN_PROGRESS for `polls` status calls, then its outcome. */
interface TestingOperation<T> {
  polls: number;
  outcome: { result: T } | { error: Error };
}

function operationStatus<T>(op: TestingOperation<T>): OperationStatus<T> {
  if (op.polls > 0) {
    op.polls--;
    return { status: 'IN_PROGRESS' };
  }
  if ('error' in op.outcome) return { status: 'FAILURE', error: serializeError(op.outcome.error) };
  return { status: 'SUCCESS', result: op.outcome.result };
}

export interface TestingGatewayCalls {
  /** Submissions as received, a bundle given as a file read into `data`. */
  submissions: Array<{ jobGraph: unknown; bundle: { fileName: string; data: Uint8Array } }>;
  cancellations: string[];
  uploads: Array<{ fileName: string; data: Uint8Array }>;
  runs: Array<{ programId: string; request: ProgramRunRequest }>;
  shutdowns: number;
  savepoints: Array<{ jobId: string; request: SavepointTriggerRequest }>;
  disposals: string[];
}

export class TestingDispatcherGateway implements DispatcherGateway {
  readonly jobs = new Map<string, JobDetails>();
  readonly exceptions = new Map<string, JobExceptions>();
  readonly results = new Map<string, JobExecutionResult>();
  readonly configs = new Map<string, ExecutionConfigInfo>();
  readonly accumulators = new Map<string, AccumulatorInfo[]>();
  /** Subtasks by job id and vertex id. */
  readonly vertexSubtasks = new Map<string, VertexSubtasks>();
  /** What subtasks reported, by `<jobId>/<vertexId>`. */
  readonly vertexMetrics = new Map<string, VertexTaskMetrics>();
  readonly jobMetricSamples = new Map<string, MetricSample[]>();
  jobManagerMetricSamples: MetricSample[] = [{ name: 'Status.JVM.Memory.Heap.Used', kind: 'gauge', value: 1024 }];
  /** A TaskManager's own metrics by id. */
  readonly taskManagerMetricSamples = new Map<string, MetricSample[]>();
  readonly programs: UploadedProgram[] = [];
  readonly calls: TestingGatewayCalls = { submissions: [], cancellations: [], uploads: [], runs: [], shutdowns: 0, savepoints: [], disposals: [] };
  /** Checkpoint statistics by job id; a job without an entry has taken no checkpoint. */
  readonly checkpointStats = new Map<string, CheckpointStatistics>();
  readonly checkpointConfigs = new Map<string, CheckpointConfigInfo>();
  /** How a savepoint of a job ends: an error, else its directory (`<target>/savepoint-<job 6>-<12 hex>`). */
  readonly savepointFailures = new Map<string, Error>();
  /** How a disposal of a path ends: an error, else success. */
  readonly disposalFailures = new Map<string, Error>();
  /** How many status polls an operation answers IN_PROGRESS before its outcome. */
  operationPolls = 1;
  /** The cluster's state.savepoints.dir. */
  defaultSavepointDirectory: string | undefined;
  private readonly savepointOps = new Map<string, TestingOperation<string>>();
  private readonly disposalOps = new Map<string, TestingOperation<void>>();
  overview: ClusterOverview = {
    taskManagers: 2,
    slotsTotal: 8,
    slotsAvailable: 5,
    jobsRunning: 1,
    jobsFinished: 3,
    jobsCancelled: 1,
    jobsFailed: 0,
  };
  taskManagerInfos: TaskManagerInfo[] = [
    {
      id: '127.0.0.1:42135-6ba1b2',
      path: 'tcp://127.0.0.1:42135',
      dataPort: 40111,
      lastHeartbeat: 1_572_941_999_000,
      slotsNumber: 4,
      freeSlots: 2,
      allocatedSlots: ['c0ffee00c0ffee00c0ffee00c0ffee00', 'c0ffee00c0ffee00c0ffee00c0ffee00'],
      hardware: { cpuCores: 8, physicalMemory: 16_000_000_000, freeMemory: 500_000_000, managedMemory: 128_000_000 },
    },
  ];
  config: Array<{ key: string; value: string }> = [
    { key: 'jobmanager.rpc.address', value: 'localhost' },
    { key: 'rest.port', value: '8081' },
  ];
  /** How long a cancelled job stays CANCELLING before it is CANCELED. */
  cancelDelayMs = 100;
  /** When set, every call rejects with it (to test 500 answers). */
  failWith: Error | undefined;

  addJob(job: JobDetails): JobDetails {
    this.jobs.set(job.jobId, job);
    return job;
  }

  private job(jobId: string): JobDetails {
    const job = this.jobs.get(jobId);
    if (!job) throw new FlinkJobNotFoundException(jobId);
    return job;
  }

  private check(): void {
    if (this.failWith) throw this.failWith;
  }

  async submitJob(submission: JobSubmission): Promise<{ jobId: string }> {
    this.check();
    const { bundle } = submission;
    // The REST handler removes its temporary files after the call: read the bundle now.
    const data = 'path' in bundle ? new Uint8Array(readFileSync(bundle.path)) : bundle.data;
    this.calls.submissions.push({ jobGraph: submission.jobGraph, bundle: { fileName: bundle.fileName, data } });
    const graph = submission.jobGraph as { jobId?: unknown; name?: unknown } | null;
    const jobId = typeof graph?.jobId === 'string' ? graph.jobId : newJobId();
    this.addJob(jobDetails({ jobId, name: typeof graph?.name === 'string' ? graph.name : 'submitted', status: 'CREATED' }));
    return { jobId };
  }

  async listJobs(): Promise<Array<{ jobId: string; status: JobStatus }>> {
    this.check();
    return [...this.jobs.values()].map((j) => ({ jobId: j.jobId, status: j.status }));
  }

  async jobsOverview(): Promise<JobDetails[]> {
    this.check();
    return [...this.jobs.values()];
  }

  async jobDetails(jobId: string): Promise<JobDetails> {
    this.check();
    return this.job(jobId);
  }

  async cancelJob(jobId: string): Promise<void> {
    this.check();
    const job = this.job(jobId);
    this.calls.cancellations.push(jobId);
    job.status = 'CANCELLING';
    setTimeout(() => {
      job.status = 'CANCELED';
      job.endTime = job.startTime + 5000;
    }, this.cancelDelayMs).unref();
  }

  async jobExceptions(jobId: string): Promise<JobExceptions> {
    this.check();
    this.job(jobId);
    return this.exceptions.get(jobId) ?? { allExceptions: [], truncated: false };
  }

  async jobExecutionResult(jobId: string): Promise<JobExecutionResult | undefined> {
    this.check();
    this.job(jobId);
    return this.results.get(jobId);
  }

  async jobConfig(jobId: string): Promise<ExecutionConfigInfo> {
    this.check();
    this.job(jobId);
    return (
      this.configs.get(jobId) ?? {
        'execution-mode': 'PIPELINED',
        'restart-strategy': 'Restart deactivated.',
        'job-parallelism': 1,
        'object-reuse-mode': false,
        'user-config': {},
      }
    );
  }

  async jobAccumulators(jobId: string): Promise<AccumulatorInfo[]> {
    this.check();
    this.job(jobId);
    return this.accumulators.get(jobId) ?? [];
  }

  async jobVertexDetails(jobId: string, vertexId: string): Promise<VertexSubtasks | undefined> {
    this.check();
    this.job(jobId);
    return this.vertexSubtasks.get(`${jobId}/${vertexId}`);
  }

  async jobVertexTaskMetrics(jobId: string, vertexId: string): Promise<VertexTaskMetrics | undefined> {
    this.check();
    this.job(jobId);
    return this.vertexMetrics.get(`${jobId}/${vertexId}`);
  }

  async jobMetrics(jobId: string): Promise<MetricSample[]> {
    this.check();
    this.job(jobId);
    return this.jobMetricSamples.get(jobId) ?? [];
  }

  async jobManagerMetrics(): Promise<MetricSample[]> {
    this.check();
    return this.jobManagerMetricSamples;
  }

  async taskManagerMetrics(taskManagerId: string): Promise<MetricSample[] | undefined> {
    this.check();
    return this.taskManagerMetricSamples.get(taskManagerId);
  }

  async clusterOverview(): Promise<ClusterOverview> {
    this.check();
    return this.overview;
  }

  async taskManagers(): Promise<TaskManagerInfo[]> {
    this.check();
    return this.taskManagerInfos;
  }

  async clusterConfig(): Promise<Array<{ key: string; value: string }>> {
    this.check();
    return this.config;
  }

  async uploadProgram(fileName: string, path: string): Promise<UploadedProgram> {
    this.check();
    const data = new Uint8Array(readFileSync(path));
    this.calls.uploads.push({ fileName, data });
    const program = { id: `${randomUUID()}_${fileName}`, name: fileName, uploaded: 1_572_941_990_000, size: data.length };
    this.programs.push(program);
    return program;
  }

  async listPrograms(): Promise<UploadedProgram[]> {
    this.check();
    return [...this.programs];
  }

  async deleteProgram(programId: string): Promise<void> {
    this.check();
    const i = this.programs.findIndex((p) => p.id === programId);
    if (i >= 0) this.programs.splice(i, 1);
  }

  async runProgram(programId: string, request: ProgramRunRequest): Promise<{ jobId: string }> {
    this.check();
    this.calls.runs.push({ programId, request });
    const jobId = request.jobId ?? newJobId();
    this.addJob(jobDetails({ jobId, status: 'RUNNING' }));
    return { jobId };
  }

  async shutDownCluster(): Promise<void> {
    this.calls.shutdowns++;
  }

  private streamingJob(jobId: string): JobDetails {
    const job = this.job(jobId);
    if (job.jobType === 'BATCH') throw Object.assign(new Error(`Job ${jobId} takes no checkpoints.`), { code: 'CHECKPOINTING_DISABLED' });
    return job;
  }

  async checkpointStatistics(jobId: string): Promise<CheckpointStatistics> {
    this.check();
    this.streamingJob(jobId);
    return this.checkpointStats.get(jobId) ?? emptyCheckpointStatistics();
  }

  async checkpointDetails(jobId: string, checkpointId: number): Promise<CheckpointRecord | undefined> {
    return (await this.checkpointStatistics(jobId)).history.find((c) => c.id === checkpointId);
  }

  async checkpointConfig(jobId: string): Promise<CheckpointConfigInfo> {
    this.check();
    this.streamingJob(jobId);
    return this.checkpointConfigs.get(jobId) ?? checkpointConfigInfo();
  }

  async triggerSavepoint(jobId: string, request: SavepointTriggerRequest): Promise<{ triggerId: string }> {
    this.check();
    const job = this.job(jobId);
    const target = request.targetDirectory ?? this.defaultSavepointDirectory;
    if (target === undefined) throw new SavepointDirectoryMissingError(jobId);
    const triggerId = request.triggerId ?? newTriggerId();
    const key = `${jobId}/${triggerId}`;
    if (this.savepointOps.has(key)) return { triggerId };
    this.calls.savepoints.push({ jobId, request });
    const error = this.savepointFailures.get(jobId);
    const location = `${target.replace(/\/+$/, '')}/savepoint-${jobId.slice(0, 6)}-${randomBytes(6).toString('hex')}`;
    this.savepointOps.set(key, { polls: this.operationPolls, outcome: error ? { error } : { result: location } });
    if (!error && request.then !== 'continue') {
      job.status = request.then === 'cancel' ? 'CANCELED' : 'FINISHED';
      job.endTime = job.startTime + 5000;
    }
    return { triggerId };
  }

  async savepointStatus(jobId: string, triggerId: string): Promise<OperationStatus<string>> {
    this.check();
    const op = this.savepointOps.get(`${jobId}/${triggerId}`);
    if (!op) throw new UnknownOperationError(`There is no savepoint operation with triggerId=${triggerId} for job ${jobId}.`);
    return operationStatus(op);
  }

  async disposeSavepoint(path: string): Promise<{ triggerId: string }> {
    this.check();
    this.calls.disposals.push(path);
    const triggerId = newTriggerId();
    const error = this.disposalFailures.get(path);
    this.disposalOps.set(triggerId, { polls: this.operationPolls, outcome: error ? { error } : { result: undefined } });
    return { triggerId };
  }

  async savepointDisposalStatus(triggerId: string): Promise<OperationStatus<void>> {
    this.check();
    const op = this.disposalOps.get(triggerId);
    if (!op) throw new UnknownOperationError(`There is no savepoint disposal with triggerId=${triggerId}.`);
    return operationStatus(op);
  }
}
