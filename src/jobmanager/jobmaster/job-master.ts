/**
 * The JobMaster of one job: asks for slots, places every subtask (subtask i of each vertex in slot i:
 * slot sharing), prepares file sinks, deploys to the TaskManagers, and follows task states to the job's
 * end. A task failure or a lost TaskManager restarts the whole job from its latest completed checkpoint when
 * the restart strategy allows it (RESTARTING, then RUNNING again), and fails it otherwise.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { JobGraph, JobVertex } from '../../graph/index.js';
import { restPlan } from '../../graph/index.js';
import { decodeRecords, encodeRecord } from '../../runtime/codec/index.js';
import type { Placement } from '../../runtime/worker/protocol.js';
import type { TaskMetrics, TaskResult } from '../../runtime/task/stream-task.js';
import type {
  CheckpointAck,
  CheckpointDecline,
  CheckpointMetadata,
  SubmitTasks,
  SuperstepReportUpdate,
  TaskMetricsUpdate,
  TaskStateUpdate,
} from '../../rpc/gateways.js';
import { Configuration } from '../../config/index.js';
import type { ResourceManager, SlotAssignment } from '../resourcemanager/resource-manager.js';
import type {
  AccumulatorInfo,
  ExecutionState,
  IOMetrics,
  JobDetails,
  JobExceptionEntry,
  JobExecutionResult,
  JobStatus,
  SerializedError,
  SubtaskDetails,
  VertexDetails,
  VertexSubtasks,
} from '../dispatcher/dispatcher-gateway.js';
import { isTerminal } from '../dispatcher/dispatcher-gateway.js';
import { FlinkError, formatErrorChain, serializeError } from '../../util/errors.js';
import { getLogger } from '../../util/logger.js';
import { cleanupFileSinks, prepareFileSinks } from './file-sinks.js';
import { SuperstepBarrier } from './superstep-barrier.js';
import type { CheckpointConfigInfo, CheckpointRecord, CheckpointStatistics, SavepointRequest } from '../checkpoint/checkpoint-stats.js';
import { CheckpointCoordinator } from '../checkpoint/checkpoint-coordinator.js';
import { checkpointSettings, jobConfigurationOver, type CheckpointSettings } from '../checkpoint/checkpoint-settings.js';
import { restartBackoffFor, type RestartBackoff } from '../checkpoint/restart-strategy.js';
import { loadCheckpointMetadata, checkRestorable } from '../checkpoint/checkpoint-metadata.js';
import { warnIfSourcesCannotReplay } from '../checkpoint/unreplayable-sources.js';

const log = getLogger('org.apache.flink.runtime.jobmaster.JobMaster');

interface Execution {
  state: ExecutionState;
  tmId: string | undefined;
  /** Where it was deployed, kept after the TaskManager is gone (for the REST API). */
  location: { id: string; host: string; dataPort: number } | undefined;
  startTime: number;
  endTime: number;
  metrics: TaskMetrics | undefined;
}

/** Settings of this job that override the cluster's (from the job's own configuration). */
export interface JobMasterSettings {
  slotRequestTimeoutMs?: number;
  /** The cluster's configuration (the job's own keys are applied over it). */
  clusterConfiguration?: Configuration;
}

export class JobMaster {
  status: JobStatus = 'INITIALIZING';
  readonly timestamps: Partial<Record<JobStatus, number>> = {};
  readonly startTime = Date.now();
  endTime = -1;
  lastModification = Date.now();
  private readonly executions: Execution[][];
  private slots: SlotAssignment[] = [];
  private readonly exceptions: JobExceptionEntry[] = [];
  private rootCause: SerializedError | undefined;
  private readonly accumulators = new Map<string, { kind: 'list' | 'sum'; parts: Map<number, unknown> }>();
  /** One slot sharing group per job: a slot holds one subtask of every vertex. */
  private readonly slotSharingGroupId = randomBytes(16).toString('hex');
  private readonly abort = new AbortController();
  private readonly terminated: Promise<void>;
  private resolveTerminated!: () => void;
  private readonly supersteps: SuperstepBarrier;
  /** The deployment: 0 first, one more per restart; the run id keys its tasks and data on the TaskManagers. */
  private attempt = 0;
  private runId: string;
  private readonly cp: CheckpointSettings;
  private readonly restartBackoff: RestartBackoff;
  /** Checkpoints and savepoints of a streaming job (batch jobs take none). */
  private readonly checkpoints: CheckpointCoordinator | undefined;
  /** The savepoint the job was started from, while no checkpoint of its own completed. */
  private initialRestore: CheckpointMetadata | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  /** Set while a stop-with-savepoint ends the job: it ends FINISHED. */
  private stopping = false;

  constructor(
    readonly graph: JobGraph,
    private readonly rm: ResourceManager,
    private readonly onStatusChange: (jm: JobMaster) => void,
    private readonly settings: JobMasterSettings = {},
  ) {
    this.executions = graph.vertices.map((v) =>
      Array.from({ length: v.parallelism }, () => ({ state: 'CREATED' as ExecutionState, tmId: undefined, location: undefined, startTime: -1, endTime: -1, metrics: undefined })),
    );
    this.terminated = new Promise((r) => (this.resolveTerminated = r));
    this.supersteps = new SuperstepBarrier(graph, (v, s) => this.executions[v]?.[s]?.tmId, (tm, msg) => this.rm.completeSuperstep(tm, msg));
    this.timestamps.INITIALIZING = this.startTime;
    this.runId = graph.jobId;
    this.cp = checkpointSettings(settings.clusterConfiguration ?? Configuration.fromMap({}), graph.jobConfiguration);
    this.restartBackoff = restartBackoffFor(jobConfigurationOver(settings.clusterConfiguration ?? Configuration.fromMap({}), graph.jobConfiguration), this.cp.enabled);
    this.checkpoints =
      graph.mode === 'STREAMING'
        ? new CheckpointCoordinator(graph, this.cp, {
            allTasksRunning: () => this.status === 'RUNNING' && this.executions.every((v) => v.every((e) => e.state === 'RUNNING')),
            taskManagers: () => this.currentTaskManagers(),
            runId: () => this.runId,
            attempt: () => this.attempt,
            sendTrigger: (tm, msg) => this.rm.triggerCheckpoint(tm, msg),
            sendNotification: (tm, msg) => this.rm.notifyCheckpoint(tm, msg),
            failJob: (err) => this.handleFailure(err, undefined),
          })
        : undefined;
  }

  /** The TaskManagers the current deployment's tasks run on. */
  private currentTaskManagers(): string[] {
    const tms = new Set<string>();
    this.forEachExecution((e) => {
      if (e.tmId && !isExecutionTerminal(e.state)) tms.add(e.tmId);
    });
    return [...tms];
  }

  get jobId(): string {
    return this.graph.jobId;
  }

  whenTerminated(): Promise<void> {
    return this.terminated;
  }

  async start(): Promise<void> {
    this.transition('CREATED');
    this.transition('RUNNING');
    log.info(`Job ${this.graph.jobName} (${this.jobId}) switched from state CREATED to RUNNING.`);
    warnIfSourcesCannotReplay(this.graph, this.settings.clusterConfiguration);
    try {
      await this.prepareCheckpoints();
      await prepareFileSinks(this.graph);
      await this.scheduleAndDeploy();
    } catch (err) {
      if (this.status === 'CANCELLING') this.finishCancel();
      else this.handleFailure(err, undefined);
    }
  }

  /** Checks the checkpoint settings and loads the savepoint the job starts from, if any. */
  private async prepareCheckpoints(): Promise<void> {
    const cp = this.cp;
    if (!this.checkpoints) return;
    if (cp.enabled) {
      log.info(`Job ${this.jobId} takes ${cp.mode} checkpoints every ${cp.interval} ms to ${cp.checkpointsDir ?? '(nowhere)'}; restart strategy: ${this.restartBackoff.description}.`);
      if (cp.checkpointsDir === undefined) {
        throw new FlinkError(
          'NO_CHECKPOINT_DIRECTORY',
          'Checkpointing is enabled but state.checkpoints.dir is not set, so checkpoints have nowhere to go. Set state.checkpoints.dir ' +
            '(e.g. file:///var/flink/checkpoints, or hdfs://namenode:9000/flink/checkpoints for a cluster of several hosts) in flink-conf.yaml or with -D.',
        );
      }
      if (cp.unaligned) log.warn(`Job ${this.jobId} asks for unaligned checkpoints (execution.checkpointing.unaligned); flink-ts takes aligned ones.`);
    }
    if (cp.restoreFrom) {
      const meta = await loadCheckpointMetadata(cp.restoreFrom.path);
      checkRestorable(meta, this.graph, cp.restoreFrom.allowNonRestoredState, cp.restoreFrom.path);
      log.info(`Starting job ${this.jobId} from ${meta.isSavepoint ? 'savepoint' : 'checkpoint'} ${cp.restoreFrom.path} (checkpoint id ${meta.checkpointId}).`);
      this.initialRestore = meta;
      this.checkpoints.restoredFrom(meta, cp.restoreFrom.path);
    }
  }

  /** Asks for slots and deploys the current attempt; the job waits (up to slot.request.timeout) for enough slots. */
  private async scheduleAndDeploy(): Promise<void> {
    const needed = Math.max(...this.graph.vertices.map((v) => v.parallelism));
    this.forEachExecution((e) => (e.state = 'SCHEDULED'));
    this.slots = await this.rm.allocateSlots(this.jobId, needed, this.abort.signal, this.settings.slotRequestTimeoutMs);
    if (this.status !== 'RUNNING') return;
    await this.deploy();
  }

  private placement(): Placement {
    return this.graph.vertices.map((v) => Array.from({ length: v.parallelism }, (_, s) => {
      const slot = this.slots[s] as SlotAssignment;
      return { tm: slot.tmId, slot: slot.slot };
    }));
  }

  private async deploy(): Promise<void> {
    const placement = this.placement();
    const byTm = new Map<string, SubmitTasks['tasks']>();
    this.graph.vertices.forEach((v, vi) => {
      for (let s = 0; s < v.parallelism; s++) {
        const loc = placement[vi]?.[s] as { tm: string; slot: number };
        const list = byTm.get(loc.tm) ?? [];
        list.push({ vertex: vi, subtask: s, slot: loc.slot });
        byTm.set(loc.tm, list);
        const ex = this.execution(vi, s);
        ex.state = 'DEPLOYING';
        ex.tmId = loc.tm;
      }
    });
    const taskManagers: SubmitTasks['taskManagers'] = {};
    for (const tmId of byTm.keys()) {
      const tm = this.rm.taskManager(tmId);
      if (!tm) throw new FlinkError('TASK_MANAGER_LOST', `TaskManager ${tmId} left before the job could be deployed.`, { recoverable: true });
      taskManagers[tmId] = { host: tm.host, dataPort: tm.dataPort };
    }
    this.forEachExecution((e) => {
      const tm = e.tmId === undefined ? undefined : taskManagers[e.tmId];
      if (e.tmId !== undefined && tm) e.location = { id: e.tmId, host: tm.host, dataPort: tm.dataPort };
    });
    this.touch();
    this.supersteps.deployed();
    const restore = this.checkpoints?.latest() ?? this.initialRestore;
    // Every streaming job's tasks take part in checkpoints: savepoints need them also without periodic checkpoints.
    const checkpointing = this.checkpoints ? { mode: this.cp.mode } : undefined;
    if (restore && this.attempt > 0) {
      log.info(`Restoring job ${this.jobId} from ${restore.isSavepoint ? 'savepoint' : 'checkpoint'} ${restore.checkpointId} @ ${restore.timestamp} (${restore.directory}).`);
      this.checkpoints?.noteRestore(restore, restore.directory);
    }
    const base = { jobId: this.jobId, runId: this.runId, attempt: this.attempt, jobGraph: this.graph, placement, taskManagers };
    await Promise.all(
      [...byTm].map(([tmId, tasks]) =>
        this.rm.submitTasks(tmId, { ...base, tasks, ...(checkpointing ? { checkpointing } : {}), ...(restore ? { restore } : {}) }),
      ),
    );
    log.info(`Deployed ${this.graph.vertices.reduce((n, v) => n + v.parallelism, 0)} task(s) of job ${this.jobId} to ${byTm.size} TaskManager(s).`);
  }

  onTaskState(u: TaskStateUpdate, fromTm: string): void {
    const ex = this.executions[u.vertex]?.[u.subtask];
    if (!ex || ex.tmId !== fromTm || isTerminal(this.status) || u.attempt !== this.attempt) return;
    if (isExecutionTerminal(ex.state)) return;
    const now = Date.now();
    this.touch();
    switch (u.state) {
      case 'RUNNING':
        ex.state = 'RUNNING';
        ex.startTime = now;
        if (this.status === 'RUNNING' && this.executions.every((v) => v.every((e) => e.state === 'RUNNING'))) this.checkpoints?.start();
        return;
      case 'FINISHED':
        ex.state = 'FINISHED';
        ex.endTime = now;
        ex.metrics = u.result.metrics;
        this.collectAccumulators(u.subtask, u.vertex, u.result);
        if ((this.status === 'RUNNING' || this.status === 'CANCELLING') && this.executions.every((v) => v.every((e) => e.state === 'FINISHED'))) {
          this.finishSuccessfully();
        }
        return;
      case 'FAILED':
      case 'CANCELED': {
        ex.state = u.state;
        ex.endTime = now;
        if (u.state === 'FAILED') {
          const v = this.graph.vertices[u.vertex] as JobVertex;
          this.handleFailure(u.error, { taskName: `${v.name} (${u.subtask + 1}/${v.parallelism})`, ...this.where(fromTm) });
        }
        return;
      }
    }
  }

  /** A batch iteration's instance finished a superstep. */
  onSuperstepReport(u: SuperstepReportUpdate, fromTm: string): void {
    if (this.status !== 'RUNNING' || u.attempt !== this.attempt) return;
    const head = this.graph.vertices.find((v) => v.operators[0]?.iteration === u.iteration && v.operators[0].operator.endsWith('-head'));
    if (!head || this.executions[head.index]?.[u.report.subtask]?.tmId !== fromTm) return;
    this.supersteps.onReport(u);
    this.touch();
  }

  /** Progress of running tasks; the final figures come with FINISHED. */
  onTaskMetrics(u: TaskMetricsUpdate, fromTm: string): void {
    if (u.attempt !== this.attempt) return;
    for (const t of u.tasks) {
      const ex = this.executions[t.vertex]?.[t.subtask];
      if (ex && ex.tmId === fromTm && ex.state === 'RUNNING') ex.metrics = t.metrics;
    }
  }

  onTaskManagerLost(tmId: string, error: FlinkError): void {
    if (isTerminal(this.status)) return;
    const affected = this.executions.some((v) => v.some((e) => e.tmId === tmId && !isExecutionTerminal(e.state)));
    if (!affected) return;
    this.forEachExecution((e) => {
      if (e.tmId === tmId && !isExecutionTerminal(e.state)) endExecution(e, 'FAILED');
    });
    this.handleFailure(error, { taskName: undefined, ...this.where(tmId) });
  }

  onCheckpointAck(ack: CheckpointAck): void {
    this.checkpoints?.onAck(ack);
  }

  onCheckpointDecline(d: CheckpointDecline): void {
    this.checkpoints?.onDecline(d);
  }

  /**
   * A task failed or a TaskManager was lost: the job restarts from its latest completed checkpoint when the
   * restart strategy allows (Flink's full restart), and fails otherwise.
   */
  private handleFailure(err: unknown, where: ExceptionLocation | undefined): void {
    if (isTerminal(this.status) || this.status === 'FAILING' || this.status === 'CANCELLING') {
      if (where) this.recordException(err, where);
      return;
    }
    if (this.status === 'RESTARTING') {
      // More failures of the attempt being restarted (its other tasks, its TaskManager): the same failure.
      if (where) this.recordException(err, where);
      return;
    }
    const delay = this.stopping ? undefined : this.restartBackoff.onFailure(Date.now());
    if (delay === undefined) {
      this.failJob(err, where);
      return;
    }
    const data = isSerialized(err) ? err : serializeError(err);
    this.recordException(data, where);
    log.warn(
      `Job ${this.graph.jobName} (${this.jobId}) switched from state ${this.status} to RESTARTING.${where?.taskName ? ` Task ${where.taskName} failed.` : ''} ` +
        `Restarting in ${delay} ms (${this.restartBackoff.description}).\n${formatErrorChain(data)}`,
    );
    this.transition('RESTARTING');
    this.checkpoints?.stop('the job is restarting');
    const cancelled = this.cancelTasks();
    this.forEachExecution((e) => {
      if (!isExecutionTerminal(e.state)) endExecution(e, 'CANCELED');
    });
    void cancelled.then(() => {
      if (this.status !== 'RESTARTING') return;
      this.restartTimer = setTimeout(() => void this.restart(), delay);
    });
  }

  /** Deploys a new attempt of every task, with the state of the latest completed checkpoint. */
  private async restart(): Promise<void> {
    this.restartTimer = undefined;
    if (this.status !== 'RESTARTING') return;
    this.attempt++;
    this.runId = createHash('sha256').update(`${this.jobId}/${this.attempt}`).digest('hex').slice(0, 32);
    this.rm.releaseSlots(this.jobId);
    for (const v of this.executions) {
      for (const e of v) Object.assign(e, { state: 'CREATED', tmId: undefined, location: undefined, startTime: -1, endTime: -1, metrics: undefined });
    }
    this.transition('RUNNING');
    log.info(`Job ${this.graph.jobName} (${this.jobId}) switched from state RESTARTING to RUNNING (attempt ${this.attempt}).`);
    try {
      await this.scheduleAndDeploy();
    } catch (err) {
      if ((this.status as JobStatus) === 'CANCELLING') this.finishCancel();
      else this.handleFailure(err, undefined);
    }
  }

  /** Cancels the job: CANCELLING until every TaskManager ended its tasks, then CANCELED. */
  async cancel(): Promise<void> {
    if (isTerminal(this.status) || this.status === 'CANCELLING') return;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.checkpoints?.stop('the job is being cancelled');
    this.transition('CANCELLING');
    this.abort.abort(new FlinkError('JOB_CANCELLED', 'The job was cancelled.'));
    await this.cancelTasks();
    this.finishCancel();
  }

  private finishCancel(): void {
    if (isTerminal(this.status)) return;
    this.forEachExecution((e) => {
      if (!isExecutionTerminal(e.state)) endExecution(e, 'CANCELED');
    });
    this.end(this.stopping ? 'FINISHED' : 'CANCELED');
  }

  /** A TaskManager's endpoint and id for exception entries (also once it is gone). */
  private where(tmId: string): { location: string; taskManagerId: string } {
    const tm = this.rm.taskManager(tmId);
    const known = tm ? { host: tm.host, dataPort: tm.dataPort } : this.executions.flat().find((e) => e.location?.id === tmId)?.location;
    return { location: known ? `${known.host}:${known.dataPort}` : tmId, taskManagerId: tmId };
  }

  private failJob(err: unknown, where: ExceptionLocation | undefined): void {
    if (isTerminal(this.status) || this.status === 'FAILING') {
      if (where) this.recordException(err, where);
      return;
    }
    const data = isSerialized(err) ? err : serializeError(err);
    this.rootCause = data;
    this.recordException(data, where);
    log.warn(`Job ${this.graph.jobName} (${this.jobId}) switched from state ${this.status} to FAILING.${where?.taskName ? ` Task ${where.taskName} failed.` : ''}\n${formatErrorChain(data)}`);
    this.transition('FAILING');
    this.checkpoints?.stop('the job is failing');
    this.abort.abort(new FlinkError('JOB_FAILING', 'The job is failing.'));
    void this.cancelTasks().finally(() => {
      this.forEachExecution((e) => {
        if (!isExecutionTerminal(e.state)) endExecution(e, 'CANCELED');
      });
      this.end('FAILED');
    });
  }

  private recordException(err: unknown, where: ExceptionLocation | undefined): void {
    const data = isSerialized(err) ? err : serializeError(err);
    const entry: JobExceptionEntry = { exception: formatErrorChain(data), timestamp: Date.now() };
    if (where?.taskName) entry.taskName = where.taskName;
    if (where?.location) entry.location = where.location;
    if (where?.taskManagerId) entry.taskManagerId = where.taskManagerId;
    this.exceptions.push(entry);
  }

  private async cancelTasks(): Promise<void> {
    const tms = new Set<string>();
    this.forEachExecution((e) => {
      if (e.tmId) tms.add(e.tmId);
    });
    await Promise.all([...tms].map((tm) => this.rm.cancelJob(tm, this.jobId, this.runId).catch(() => {})));
  }

  private finishSuccessfully(): void {
    this.end('FINISHED');
    log.info(`Job ${this.graph.jobName} (${this.jobId}) switched from state RUNNING to FINISHED.`);
  }

  private end(status: 'FINISHED' | 'FAILED' | 'CANCELED'): void {
    if (isTerminal(this.status)) return;
    this.endTime = Date.now();
    this.transition(status);
    this.rm.releaseSlots(this.jobId);
    if (status !== 'FINISHED') void cleanupFileSinks(this.graph).catch(() => {});
    void this.checkpoints?.shutdown(status).catch(() => {});
    this.resolveTerminated();
  }

  private transition(status: JobStatus): void {
    this.status = status;
    if (isTerminal(status)) this.supersteps.jobEnded();
    this.timestamps[status] ??= Date.now();
    this.touch();
    this.onStatusChange(this);
  }

  private touch(): void {
    this.lastModification = Date.now();
  }

  private collectAccumulators(subtask: number, vertex: number, result: TaskResult): void {
    for (const [name, acc] of Object.entries(result.accumulators)) {
      const value = decodeRecords(Buffer.from(acc.data, 'base64'))[0];
      let entry = this.accumulators.get(name);
      if (!entry) this.accumulators.set(name, (entry = { kind: acc.kind, parts: new Map() }));
      entry.parts.set(vertex * 100_000 + subtask, value);
    }
  }

  /** Each accumulator merged over the subtasks that reported it (all of them once the job finished). */
  private mergedAccumulators(): Array<{ name: string; kind: 'list' | 'sum'; value: unknown }> {
    return [...this.accumulators].map(([name, { kind, parts }]) => {
      const ordered = [...parts.entries()].sort((a, b) => a[0] - b[0]).map(([, v]) => v);
      const value = kind === 'list' ? ordered.flatMap((p) => p as unknown[]) : ordered.reduce((s: number, v) => s + (v as number), 0);
      return { name, kind, value };
    });
  }

  accumulatorInfos(): AccumulatorInfo[] {
    return this.mergedAccumulators().map(({ name, kind, value }) => ({
      name,
      type: kind,
      value: describeAccumulator(value),
      serialized: Buffer.from(encodeRecord(value)).toString('base64'),
    }));
  }

  executionResult(): JobExecutionResult | undefined {
    if (!isTerminal(this.status)) return undefined;
    const accumulatorResults: Record<string, string> = {};
    for (const { name, value } of this.mergedAccumulators()) accumulatorResults[name] = Buffer.from(encodeRecord(value)).toString('base64');
    const status = this.status === 'FINISHED' ? 'SUCCEEDED' : this.status === 'CANCELED' ? 'CANCELED' : 'FAILED';
    const result: JobExecutionResult = { jobId: this.jobId, applicationStatus: status, accumulatorResults, netRuntime: this.endTime - this.startTime };
    if (this.rootCause && status === 'FAILED') result.failureCause = this.rootCause;
    return result;
  }

  details(): JobDetails {
    const vertices: VertexDetails[] = this.graph.vertices.map((v, vi) => {
      const exs = this.executions[vi] as Execution[];
      const tasks: Partial<Record<ExecutionState, number>> = {};
      const metrics: IOMetrics = { readBytes: 0, writeBytes: 0, readRecords: 0, writeRecords: 0 };
      for (const e of exs) {
        tasks[e.state] = (tasks[e.state] ?? 0) + 1;
        addMetrics(metrics, e.metrics);
      }
      const starts = exs.map((e) => e.startTime).filter((t) => t > 0);
      const allEnded = exs.every((e) => e.endTime > 0);
      return {
        id: v.id,
        name: v.name,
        parallelism: v.parallelism,
        maxParallelism: v.maxParallelism,
        slotSharingGroupId: this.slotSharingGroupId,
        status: vertexState(exs.map((e) => e.state)),
        startTime: starts.length ? Math.min(...starts) : -1,
        endTime: allEnded ? Math.max(...exs.map((e) => e.endTime)) : -1,
        tasks,
        metrics,
      };
    });
    return {
      jobId: this.jobId,
      name: this.graph.jobName,
      status: this.status,
      startTime: this.startTime,
      endTime: this.endTime,
      lastModification: this.lastModification,
      timestamps: { ...this.timestamps },
      jobType: this.graph.mode,
      // flink-ts has no job-wide max parallelism setting; -1 is Flink's "not set".
      maxParallelism: -1,
      vertices,
      plan: restPlan(this.graph),
      isStoppable: false,
      ...(this.supersteps.hasIterations ? { iterations: this.supersteps.info() } : {}),
    };
  }

  /** The subtasks of one vertex; undefined for an id the job does not have. */
  vertexSubtasks(vertexId: string): VertexSubtasks | undefined {
    const vi = this.graph.vertices.findIndex((v) => v.id === vertexId);
    const v = this.graph.vertices[vi];
    if (!v) return undefined;
    const subtasks = (this.executions[vi] as Execution[]).map((e, subtask): SubtaskDetails => {
      const metrics: IOMetrics = { readBytes: 0, writeBytes: 0, readRecords: 0, writeRecords: 0 };
      addMetrics(metrics, e.metrics);
      const out: SubtaskDetails = { subtask, status: e.state, attempt: 0, startTime: e.startTime, endTime: e.endTime, metrics };
      if (e.location) out.taskManager = { ...e.location };
      if (e.metrics?.inputWatermark !== undefined) out.inputWatermark = e.metrics.inputWatermark;
      return out;
    });
    return { id: v.id, name: v.name, parallelism: v.parallelism, maxParallelism: v.maxParallelism, subtasks };
  }

  /**
   * Takes a savepoint and resolves with its directory (`<dir>/savepoint-<jobId 6>-<12 hex>`); then continues,
   * cancels or stops the job as asked. Rejects with a FlinkError that says why (no directory configured, job
   * not running, checkpoint failed).
   */
  async triggerSavepoint(request: SavepointRequest): Promise<string> {
    if (!this.checkpoints) {
      throw new FlinkError('SAVEPOINT_NOT_SUPPORTED', `Job ${this.jobId} is a batch job; savepoints are taken of streaming jobs only.`);
    }
    if (this.status !== 'RUNNING') {
      throw new FlinkError('JOB_NOT_RUNNING', `Job ${this.jobId} is ${this.status}; a savepoint can only be taken while it is RUNNING.`);
    }
    const meta = await this.checkpoints.trigger(request.then === 'continue' || request.then === 'cancel' ? 'SAVEPOINT' : 'SYNC_SAVEPOINT', request.targetDirectory ?? this.cp.savepointsDir);
    if (request.then === 'cancel') await this.cancel();
    else if (request.then === 'stop') {
      this.stopping = true;
      await this.cancel();
    } else if (request.then === 'drain') {
      this.stopping = true;
      this.checkpoints.stop('the job is being stopped');
      for (const tm of this.currentTaskManagers()) this.rm.stopSources(tm, this.runId);
    }
    return meta.directory;
  }

  checkpointStatistics(): CheckpointStatistics {
    return (
      this.checkpoints?.statistics() ?? {
        counts: { restored: 0, total: 0, inProgress: 0, completed: 0, failed: 0 },
        history: [],
        completedSamples: { stateSize: [], checkpointedSize: [], endToEndDuration: [] },
      }
    );
  }

  /** One checkpoint of the history, or undefined. */
  checkpointDetails(checkpointId: number): CheckpointRecord | undefined {
    return this.checkpoints?.details(checkpointId);
  }

  checkpointConfigInfo(): CheckpointConfigInfo {
    const cp = this.cp;
    return {
      mode: cp.mode,
      // Flink answers Long.MAX_VALUE when periodic checkpoints are off.
      interval: cp.interval ?? 0x7fffffffffffffff,
      timeout: cp.timeout,
      minPause: cp.minPause,
      maxConcurrent: cp.maxConcurrent,
      externalization: {
        enabled: cp.externalizedRetention !== 'NO_EXTERNALIZED_CHECKPOINTS',
        deleteOnCancellation: cp.externalizedRetention !== 'RETAIN_ON_CANCELLATION',
      },
      stateBackend: cp.stateBackend === 'hashmap' ? 'HashMapStateBackend' : 'EmbeddedLmdbStateBackend',
      checkpointStorage: cp.checkpointsDir === undefined ? 'JobManagerCheckpointStorage' : 'FileSystemCheckpointStorage',
      unalignedCheckpoints: cp.unaligned,
      tolerableFailedCheckpoints: cp.tolerableFailures,
      checkpointsAfterTasksFinish: false,
    };
  }

  exceptionHistory(): { root: JobExceptionEntry | undefined; all: JobExceptionEntry[] } {
    return { root: this.exceptions[0], all: [...this.exceptions] };
  }

  private execution(v: number, s: number): Execution {
    return (this.executions[v] as Execution[])[s] as Execution;
  }

  private forEachExecution(fn: (e: Execution) => void): void {
    for (const v of this.executions) for (const e of v) fn(e);
  }
}

interface ExceptionLocation {
  taskName: string | undefined;
  location?: string;
  taskManagerId?: string;
}

function addMetrics(into: IOMetrics, m: TaskMetrics | undefined): void {
  if (!m) return;
  into.readBytes += m.readBytes;
  into.writeBytes += m.writeBytes;
  into.readRecords += m.readRecords;
  into.writeRecords += m.writeRecords;
}

/** An accumulator value as text for the REST API, cut short: a collect() list can hold a whole data set. */
function describeAccumulator(value: unknown): string {
  const LIMIT = 1000;
  let text: string;
  try {
    text = Array.isArray(value) ? JSON.stringify(value.slice(0, LIMIT)) : JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > LIMIT ? `${text.slice(0, LIMIT)}… (${Array.isArray(value) ? `${value.length} elements` : 'truncated'})` : text;
}

function endExecution(e: Execution, state: 'FAILED' | 'CANCELED'): void {
  e.state = state;
  e.endTime = Date.now();
}

function isExecutionTerminal(s: ExecutionState): boolean {
  return s === 'FINISHED' || s === 'FAILED' || s === 'CANCELED';
}

function isSerialized(e: unknown): e is SerializedError {
  return typeof e === 'object' && e !== null && !(e instanceof Error) && typeof (e as SerializedError).message === 'string' && typeof (e as SerializedError).name === 'string';
}

/** A vertex's state is the "least advanced" of its subtasks', with failures taking precedence. */
function vertexState(states: ExecutionState[]): ExecutionState {
  const order: ExecutionState[] = ['FAILED', 'CANCELING', 'CANCELED', 'CREATED', 'SCHEDULED', 'DEPLOYING', 'INITIALIZING', 'RUNNING', 'FINISHED'];
  for (const s of order) if (states.includes(s)) return s;
  return 'CREATED';
}
