/**
 * A DispatcherGateway with canned, mutable data that records every call, for REST, client and CLI tests.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type {
  AccumulatorInfo,
  ClusterOverview,
  DispatcherGateway,
  ExecutionConfigInfo,
  JobDetails,
  JobExceptions,
  JobExecutionResult,
  JobStatus,
  JobSubmission,
  ProgramRunRequest,
  TaskManagerInfo,
  UploadedProgram,
  VertexSubtasks,
} from '../../../src/jobmanager/dispatcher/dispatcher-gateway.js';

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

export interface TestingGatewayCalls {
  /** Submissions as received, a bundle given as a file read into `data`. */
  submissions: Array<{ jobGraph: unknown; bundle: { fileName: string; data: Uint8Array } }>;
  cancellations: string[];
  uploads: Array<{ fileName: string; data: Uint8Array }>;
  runs: Array<{ programId: string; request: ProgramRunRequest }>;
  shutdowns: number;
}

export class TestingDispatcherGateway implements DispatcherGateway {
  readonly jobs = new Map<string, JobDetails>();
  readonly exceptions = new Map<string, JobExceptions>();
  readonly results = new Map<string, JobExecutionResult>();
  readonly configs = new Map<string, ExecutionConfigInfo>();
  readonly accumulators = new Map<string, AccumulatorInfo[]>();
  /** Subtasks by job id and vertex id. */
  readonly vertexSubtasks = new Map<string, VertexSubtasks>();
  readonly programs: UploadedProgram[] = [];
  readonly calls: TestingGatewayCalls = { submissions: [], cancellations: [], uploads: [], runs: [], shutdowns: 0 };
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
}
