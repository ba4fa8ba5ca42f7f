/**
 * The JobMaster of one job: asks for slots, places every subtask (subtask i of each vertex in slot i:
 * slot sharing), prepares file sinks, deploys to the TaskManagers, and follows task states to the job's
 * end. A task failure or a lost TaskManager restarts the job from its latest completed checkpoint when the
 * restart strategy allows it, and fails it otherwise: the failed subtasks' pipelined region only when the
 * failover strategy is `region` and the graph has several regions, else every task (RESTARTING, then RUNNING).
 */
import { createHash, randomBytes } from 'node:crypto';
import type { JobGraph, JobVertex } from '../../graph/index.js';
import type { Placement } from '../../runtime/worker/protocol.js';
import type {
  CheckpointAck,
  CheckpointDecline,
  CheckpointMetadata,
  SubmitTasks,
  SuperstepReportUpdate,
  TaskMetricsUpdate,
  TaskStateUpdate,
} from '../../rpc/gateways.js';
import { Configuration, JobManagerOptions } from '../../config/index.js';
import type { ResourceManager, SlotAssignment } from '../resourcemanager/resource-manager.js';
import type { AccumulatorInfo, JobDetails, JobExceptionEntry, JobExecutionResult, JobStatus, SerializedError, VertexSubtasks } from '../dispatcher/dispatcher-gateway.js';
import { isTerminal } from '../dispatcher/dispatcher-gateway.js';
import { FlinkError, formatErrorChain, serializeError } from '../../util/errors.js';
import { getLogger } from '../../util/logger.js';
import { cleanupFileSinks, prepareFileSinks } from './file-sinks.js';
import { SuperstepBarrier } from './superstep-barrier.js';
import type { CheckpointConfigInfo, CheckpointRecord, CheckpointStatistics, SavepointRequest } from '../checkpoint/checkpoint-stats.js';
import { noCheckpointStatistics } from '../checkpoint/checkpoint-stats.js';
import { CheckpointCoordinator } from '../checkpoint/checkpoint-coordinator.js';
import { checkpointConfigInfo, checkpointSettings, jobConfigurationOver, type CheckpointSettings } from '../checkpoint/checkpoint-settings.js';
import { restartBackoffFor, type RestartBackoff } from '../checkpoint/restart-strategy.js';
import { warnIfSourcesCannotReplay } from '../checkpoint/unreplayable-sources.js';
import { checkpointsToStartFrom, registerCheckpointWith, type JobRecoveryStores } from './job-start-state.js';
import { endExecution, executionResult, isExecutionTerminal, isSerialized, JobAccumulators, jobPlan, newExecution, vertexDetails, vertexSubtasks, vertexTaskMetrics, type Execution } from './executions.js';
import { jobMetricSamples, JobTimes } from './job-metrics.js';
import { ExceptionHistory, type ExceptionLocation } from './exception-history.js';
import type { MetricSample } from '../../metrics/index.js';
import type { VertexTaskMetrics } from '../dispatcher/dispatcher-gateway.js';
import { pipelinedRegions, regionsToRestart, taskKey, type TaskKey } from './failover-regions.js';

const log = getLogger('org.apache.flink.runtime.jobmaster.JobMaster');

/** Settings of this job that override the cluster's (from the job's own configuration). */
export type { JobRecoveryStores } from './job-start-state.js';

export interface JobMasterSettings {
  slotRequestTimeoutMs?: number;
  /** The cluster's configuration (the job's own keys are applied over it). */
  clusterConfiguration?: Configuration;
  /** High availability: where completed checkpoints are registered and ids counted, so another JobManager can go on. */
  recovery?: JobRecoveryStores;
}

export class JobMaster {
  status: JobStatus = 'INITIALIZING';
  readonly timestamps: Partial<Record<JobStatus, number>> = {};
  readonly startTime = Date.now();
  endTime = -1;
  lastModification = Date.now();
  private readonly executions: Execution[][];
  private slots: SlotAssignment[] = [];
  private readonly exceptions = new ExceptionHistory();
  private rootCause: SerializedError | undefined;
  private readonly accumulators = new JobAccumulators();
  /** One slot sharing group per job: a slot holds one subtask of every vertex. */
  private readonly slotSharingGroupId = randomBytes(16).toString('hex');
  private readonly abort = new AbortController();
  private readonly terminated: Promise<void>;
  private resolveTerminated!: () => void;
  private readonly supersteps: SuperstepBarrier;
  /** The latest deployment: 0 first, one more per restart (of all tasks or of a region). */
  private attempt = 0;
  /** The pipelined regions, when failures restart only their region. */
  private readonly regions: TaskKey[][] | undefined;
  private readonly cp: CheckpointSettings;
  private readonly restartBackoff: RestartBackoff;
  /** Checkpoints and savepoints of a streaming job (batch jobs take none). */
  private readonly checkpoints: CheckpointCoordinator | undefined;
  /** The savepoint the job was started from, while no checkpoint of its own completed. */
  private initialRestore: CheckpointMetadata | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  /** When the job last began running, went down, began restarting: for its time metrics. */
  private readonly times = new JobTimes();
  /** Set while a stop-with-savepoint ends the job: it ends FINISHED. */
  private stopping = false;

  constructor(
    readonly graph: JobGraph,
    private readonly rm: ResourceManager,
    private readonly onStatusChange: (jm: JobMaster) => void,
    private readonly settings: JobMasterSettings = {},
  ) {
    // The first deployment's run id is the job id; restarts derive new ones.
    this.executions = graph.vertices.map((v) => Array.from({ length: v.parallelism }, () => newExecution(graph.jobId)));
    this.terminated = new Promise((r) => (this.resolveTerminated = r));
    this.supersteps = new SuperstepBarrier(graph, (v, s) => this.executions[v]?.[s]?.tmId, (tm, msg) => this.rm.completeSuperstep(tm, msg));
    this.timestamps.INITIALIZING = this.startTime;
    this.cp = checkpointSettings(settings.clusterConfiguration ?? Configuration.fromMap({}), graph.jobConfiguration);
    const conf = jobConfigurationOver(settings.clusterConfiguration ?? Configuration.fromMap({}), graph.jobConfiguration);
    this.restartBackoff = restartBackoffFor(conf, this.cp.enabled);
    const regions = conf.get(JobManagerOptions.EXECUTION_FAILOVER_STRATEGY) === 'region' ? pipelinedRegions(graph) : undefined;
    this.regions = regions !== undefined && regions.length > 1 ? regions : undefined;
    this.checkpoints =
      graph.mode === 'STREAMING'
        ? new CheckpointCoordinator(graph, this.cp, {
            allTasksRunning: () => this.status === 'RUNNING' && this.executions.every((v) => v.every((e) => e.state === 'RUNNING')),
            deployments: () => this.deployments(),
            isCurrent: (v, s, attempt) => this.executions[v]?.[s]?.deployment === attempt,
            sendTrigger: (tm, msg) => this.rm.triggerCheckpoint(tm, msg),
            sendNotification: (tm, msg) => this.rm.notifyCheckpoint(tm, msg),
            failJob: (err) => this.handleFailure(err, undefined),
            ...(settings.recovery ? { registerCompleted: registerCheckpointWith(settings.recovery) } : {}),
          })
        : undefined;
  }

  /** The (TaskManager, run id) pairs the job's tasks run under now. */
  private deployments(all = false): Array<{ tmId: string; runId: string }> {
    const seen = new Map<string, { tmId: string; runId: string }>();
    this.forEachExecution((e) => {
      if (e.tmId && (all || !isExecutionTerminal(e.state))) seen.set(`${e.tmId}/${e.runId}`, { tmId: e.tmId, runId: e.runId });
    });
    return [...seen.values()];
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
    if (!this.checkpoints) return;
    this.initialRestore = await checkpointsToStartFrom(this.graph, this.cp, this.checkpoints, this.settings.recovery, this.restartBackoff.description);
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

  /** Deploys every task, or the subtasks `only` (a restarted region), as deployment number `this.attempt`. */
  private async deploy(only?: ReadonlySet<TaskKey>): Promise<void> {
    const placement = this.placement();
    const runId = this.attempt === 0 ? this.jobId : createHash('sha256').update(`${this.jobId}/${this.attempt}`).digest('hex').slice(0, 32);
    const byTm = new Map<string, SubmitTasks['tasks']>();
    this.graph.vertices.forEach((v, vi) => {
      for (let s = 0; s < v.parallelism; s++) {
        if (only && !only.has(taskKey(vi, s))) continue;
        const loc = placement[vi]?.[s] as { tm: string; slot: number };
        const list = byTm.get(loc.tm) ?? [];
        list.push({ vertex: vi, subtask: s, slot: loc.slot });
        byTm.set(loc.tm, list);
        const ex = this.execution(vi, s);
        if (this.attempt > 0) ex.attempt++;
        Object.assign(ex, { state: 'DEPLOYING', tmId: loc.tm, runId, deployment: this.attempt, location: undefined, startTime: -1, endTime: -1, metrics: undefined });
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
      if (e.runId === runId && e.tmId !== undefined && tm) e.location = { id: e.tmId, host: tm.host, dataPort: tm.dataPort };
    });
    this.touch();
    if (!only) this.supersteps.deployed();
    const restore = this.checkpoints?.latest() ?? this.initialRestore;
    // Every streaming job's tasks take part in checkpoints: savepoints need them also without periodic checkpoints.
    const shared = this.cp.incremental && this.checkpoints?.jobDirectory !== undefined ? `${this.checkpoints.jobDirectory}/shared` : undefined;
    const checkpointing = this.checkpoints
      ? { mode: this.cp.mode, ...(this.cp.unaligned ? { unaligned: true } : {}), ...(shared !== undefined ? { sharedDirectory: shared } : {}) }
      : undefined;
    if (restore && this.attempt > 0) {
      log.info(`Restoring job ${this.jobId} from ${restore.isSavepoint ? 'savepoint' : 'checkpoint'} ${restore.checkpointId} @ ${restore.timestamp} (${restore.directory}).`);
      this.checkpoints?.noteRestore(restore, restore.directory);
    }
    const base = { jobId: this.jobId, runId, attempt: this.attempt, jobGraph: this.graph, placement, taskManagers };
    await Promise.all(
      [...byTm].map(([tmId, tasks]) =>
        this.rm.submitTasks(tmId, { ...base, tasks, ...(checkpointing ? { checkpointing } : {}), ...(restore ? { restore } : {}) }),
      ),
    );
    const count = [...byTm.values()].reduce((n, t) => n + t.length, 0);
    log.info(`Deployed ${count} task(s) of job ${this.jobId} to ${byTm.size} TaskManager(s).`);
  }

  onTaskState(u: TaskStateUpdate, fromTm: string): void {
    const ex = this.executions[u.vertex]?.[u.subtask];
    if (!ex || ex.tmId !== fromTm || this.ended() || u.attempt !== ex.deployment) return;
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
        this.accumulators.collect(u.subtask, u.vertex, u.result);
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
          this.handleFailure(u.error, { taskName: `${v.name} (${u.subtask + 1}/${v.parallelism})`, ...this.where(fromTm) }, new Set([taskKey(u.vertex, u.subtask)]));
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
    for (const t of u.tasks) {
      const ex = this.executions[t.vertex]?.[t.subtask];
      if (ex && ex.tmId === fromTm && ex.state === 'RUNNING' && ex.deployment === u.attempt) ex.metrics = t.metrics;
    }
  }

  onTaskManagerLost(tmId: string, error: FlinkError): void {
    if (this.ended()) return;
    const failed = new Set<TaskKey>();
    this.executions.forEach((v, vi) =>
      v.forEach((e, s) => {
        if (e.tmId === tmId && !isExecutionTerminal(e.state)) failed.add(taskKey(vi, s));
      }),
    );
    if (failed.size === 0) return;
    this.forEachExecution((e) => {
      if (e.tmId === tmId && !isExecutionTerminal(e.state)) endExecution(e, 'FAILED');
    });
    this.handleFailure(error, { taskName: undefined, ...this.where(tmId) }, failed);
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
  private handleFailure(err: unknown, where: ExceptionLocation | undefined, failed?: ReadonlySet<TaskKey>): void {
    if (this.ended() || this.status === 'FAILING' || this.status === 'CANCELLING') {
      if (where) this.exceptions.record(err, where);
      return;
    }
    if (this.status === 'RESTARTING') {
      // More failures of the attempt being restarted (its other tasks, its TaskManager): the same failure.
      if (where) this.exceptions.record(err, where);
      return;
    }
    const delay = this.stopping ? undefined : this.restartBackoff.onFailure(Date.now());
    if (delay === undefined) {
      this.failJob(err, where);
      return;
    }
    const data = isSerialized(err) ? err : serializeError(err);
    this.exceptions.record(data, where);
    const region = failed && this.regions ? regionsToRestart(this.regions, failed) : undefined;
    if (region && region.length < this.executions.flat().length) {
      void this.restartRegion(new Set(region), delay, data, where);
      return;
    }
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

  /**
   * Region failover: restarts only the subtasks of the failed ones' pipelined regions, from the latest completed
   * checkpoint, while the other regions go on and the job stays RUNNING.
   */
  private async restartRegion(region: ReadonlySet<TaskKey>, delay: number, cause: SerializedError, where: ExceptionLocation | undefined): Promise<void> {
    log.warn(
      `Restarting ${region.size} of ${this.executions.flat().length} task(s) of job ${this.graph.jobName} (${this.jobId}) in ${delay} ms: ` +
        `the pipelined region(s) of the failed task${where?.taskName ? ` ${where.taskName}` : 's'} (failover strategy region, ${this.restartBackoff.description}).\n${formatErrorChain(cause)}`,
    );
    this.checkpoints?.abortPending('a region of the job is restarting');
    // Subtask i of every vertex shares slot i: the region's subtask indexes are the slots to give up and get again.
    const indexes = new Set<number>();
    const runs = new Map<string, { tmId: string; runId: string; slots: Set<number> }>();
    this.executions.forEach((v, vi) =>
      v.forEach((e, s) => {
        if (!region.has(taskKey(vi, s))) return;
        indexes.add(s);
        const slot = this.slots[s];
        if (e.tmId && slot) {
          const key = `${e.tmId}/${e.runId}`;
          const r = runs.get(key) ?? { tmId: e.tmId, runId: e.runId, slots: new Set<number>() };
          r.slots.add(slot.slot);
          runs.set(key, r);
        }
        if (!isExecutionTerminal(e.state)) endExecution(e, 'CANCELED');
      }),
    );
    this.touch();
    await Promise.all([...runs.values()].map((r) => this.rm.cancelJob(r.tmId, this.jobId, r.runId, [...r.slots]).catch(() => {})));
    for (const s of indexes) {
      const slot = this.slots[s];
      if (slot) this.rm.releaseSlot(slot.tmId, slot.slot, this.jobId);
    }
    await new Promise((r) => setTimeout(r, delay));
    if (this.status !== 'RUNNING') return;
    try {
      const order = [...indexes].sort((a, b) => a - b);
      const got = await this.rm.allocateSlots(this.jobId, order.length, this.abort.signal, this.settings.slotRequestTimeoutMs);
      if (this.status !== 'RUNNING') return;
      order.forEach((s, i) => (this.slots[s] = got[i] as SlotAssignment));
      this.attempt++;
      await this.deploy(region);
    } catch (err) {
      if (this.status === 'RUNNING') this.handleFailure(err, undefined);
    }
  }

  /** Deploys a new attempt of every task, with the state of the latest completed checkpoint. */
  private async restart(): Promise<void> {
    this.restartTimer = undefined;
    if (this.status !== 'RESTARTING') return;
    this.attempt++;
    this.rm.releaseSlots(this.jobId);
    this.forEachExecution((e) => Object.assign(e, { state: 'CREATED', tmId: undefined, location: undefined, startTime: -1, endTime: -1, metrics: undefined }));
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
    if (this.ended() || this.status === 'CANCELLING') return;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.checkpoints?.stop('the job is being cancelled');
    this.transition('CANCELLING');
    this.abort.abort(new FlinkError('JOB_CANCELLED', 'The job was cancelled.'));
    await this.cancelTasks();
    this.finishCancel();
  }

  private finishCancel(): void {
    if (this.ended()) return;
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
    if (this.ended() || this.status === 'FAILING') {
      if (where) this.exceptions.record(err, where);
      return;
    }
    const data = isSerialized(err) ? err : serializeError(err);
    this.rootCause = data;
    this.exceptions.record(data, where);
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

  private async cancelTasks(): Promise<void> {
    await Promise.all(this.deployments(true).map((d) => this.rm.cancelJob(d.tmId, this.jobId, d.runId).catch(() => {})));
  }

  private finishSuccessfully(): void {
    this.end('FINISHED');
    log.info(`Job ${this.graph.jobName} (${this.jobId}) switched from state RUNNING to FINISHED.`);
  }

  private end(status: 'FINISHED' | 'FAILED' | 'CANCELED'): void {
    if (this.ended()) return;
    this.endTime = Date.now();
    this.transition(status);
    this.rm.releaseSlots(this.jobId);
    if (status !== 'FINISHED') void cleanupFileSinks(this.graph).catch(() => {});
    void this.checkpoints?.shutdown(status).catch(() => {});
    this.resolveTerminated();
  }

  /**
   * This JobManager lost leadership: the job stops here without ending, its HA data and checkpoints untouched, for
   * the next leader to recover (Flink's SUSPENDED).
   */
  async suspend(): Promise<void> {
    if (this.ended()) return;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.checkpoints?.stop('the JobManager lost its leadership');
    this.abort.abort(new FlinkError('JOB_SUSPENDED', 'The JobManager lost its leadership.'));
    log.info(`Job ${this.graph.jobName} (${this.jobId}) switched from state ${this.status} to SUSPENDED: this JobManager is no longer the leader.`);
    await this.cancelTasks();
    this.endTime = Date.now();
    this.transition('SUSPENDED');
    this.rm.releaseSlots(this.jobId);
    void this.settings.recovery?.checkpoints.shutdown(false).catch(() => {});
    this.resolveTerminated();
  }

  /** Globally terminal, or suspended: nothing more happens to the job here. */
  private ended(): boolean {
    return isTerminal(this.status) || this.status === 'SUSPENDED';
  }

  private transition(status: JobStatus): void {
    this.times.transition(status);
    this.status = status;
    if (isTerminal(status)) this.supersteps.jobEnded();
    this.timestamps[status] ??= Date.now();
    this.touch();
    this.onStatusChange(this);
  }

  private touch(): void {
    this.lastModification = Date.now();
  }

  accumulatorInfos(): AccumulatorInfo[] {
    return this.accumulators.infos();
  }

  details(): JobDetails {
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
      vertices: vertexDetails(this.graph, this.executions, this.slotSharingGroupId),
      plan: jobPlan(this.graph),
      isStoppable: false,
      ...(this.supersteps.hasIterations ? { iterations: this.supersteps.info() } : {}),
    };
  }

  /** Flink's job-scope metrics (uptime, numRestarts, checkpoint figures). */
  metricSamples(): MetricSample[] {
    return jobMetricSamples({
      status: this.status,
      ...this.times.since(),
      numRestarts: this.attempt,
      checkpoints: this.checkpoints && this.cp.enabled ? this.checkpointStatistics() : undefined,
    });
  }

  /**
   * What the subtasks of a vertex last reported, with the vertex's operator names; undefined for an id the job
   * does not have. Subtasks no longer running keep their last counters but no rates.
   */
  vertexTaskMetrics(vertexId: string): VertexTaskMetrics | undefined {
    return vertexTaskMetrics(this.graph, this.executions, vertexId);
  }

  /** The subtasks of one vertex; undefined for an id the job does not have. */
  vertexSubtasks(vertexId: string): VertexSubtasks | undefined {
    return vertexSubtasks(this.graph, this.executions, vertexId);
  }

  executionResult(): JobExecutionResult | undefined {
    return executionResult(this.jobId, this.status, this.accumulators, this.endTime - this.startTime, this.rootCause);
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
      for (const d of this.deployments()) this.rm.stopSources(d.tmId, d.runId);
    }
    return meta.directory;
  }

  checkpointStatistics(): CheckpointStatistics {
    return this.checkpoints?.statistics() ?? noCheckpointStatistics();
  }

  /** One checkpoint of the history, or undefined. */
  checkpointDetails(checkpointId: number): CheckpointRecord | undefined {
    return this.checkpoints?.details(checkpointId);
  }

  checkpointConfigInfo(): CheckpointConfigInfo {
    return checkpointConfigInfo(this.cp);
  }


  exceptionHistory(): { root: JobExceptionEntry | undefined; all: JobExceptionEntry[] } {
    return this.exceptions.history();
  }

  private execution(v: number, s: number): Execution {
    return (this.executions[v] as Execution[])[s] as Execution;
  }

  private forEachExecution(fn: (e: Execution) => void): void {
    for (const v of this.executions) for (const e of v) fn(e);
  }
}

