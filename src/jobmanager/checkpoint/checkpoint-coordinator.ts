/**
 * The CheckpointCoordinator of one job: triggers checkpoints at the configured interval (and savepoints on
 * request), collects every task's acknowledgement, writes `_metadata` when all arrived, keeps the retained
 * checkpoints and removes older ones, tells the tasks when a checkpoint completed (where two-phase-commit sinks
 * commit) or was aborted, and counts failures against the tolerable number.
 */
import { randomBytes } from 'node:crypto';
import { childPath, getFileSystem } from '../../fs/index.js';
import type { JobGraph } from '../../graph/index.js';
import { computeDefaultMaxParallelism } from '../../runtime/codec/index.js';
import type { CheckpointAck, CheckpointDecline, CheckpointMetadata, TaskStateHandle } from '../../rpc/gateways.js';
import { operatorUid } from '../../runtime/task/task-checkpoints.js';
import { FlinkError, type SerializedError } from '../../util/errors.js';
import { getLogger } from '../../util/logger.js';
import type { CheckpointRecord, CheckpointStatistics, CheckpointType, RestoredCheckpoint } from './checkpoint-stats.js';
import type { CheckpointSettings } from './checkpoint-settings.js';

const log = getLogger('org.apache.flink.runtime.checkpoint.CheckpointCoordinator');

/** How many checkpoints the statistics list (Flink's `web.checkpoints.history`). */
const HISTORY = 10;
/** Completed checkpoints whose sizes and durations the summary is computed from. */
const SAMPLES = 1000;

export interface CoordinatorHooks {
  /** True while every task of the job runs (checkpoints are only triggered then). */
  allTasksRunning(): boolean;
  /** Where the job's tasks run now: each TaskManager with the run id of the deployment its tasks belong to. */
  deployments(): Array<{ tmId: string; runId: string }>;
  /** Whether a message from deployment `attempt` of a subtask is from the subtask as it runs now. */
  isCurrent(vertex: number, subtask: number, attempt: number): boolean;
  sendTrigger(tmId: string, msg: { runId: string; checkpointId: number; timestamp: number; flags: number; directory: string }): void;
  sendNotification(tmId: string, msg: { runId: string; checkpointId: number; complete: boolean }): void;
  /** Too many checkpoints failed in a row: the job fails (and may restart). */
  failJob(err: FlinkError): void;
  /**
   * High availability: registers a completed checkpoint where the next leader finds it. The checkpoint counts as
   * completed only once this resolves; when it fails, the checkpoint fails.
   */
  registerCompleted?(c: { checkpointId: number; metadataPath: string; timestamp: number }): Promise<void>;
}

interface Pending {
  id: number;
  timestamp: number;
  type: CheckpointType;
  directory: string;
  acks: Map<string, CheckpointAck>;
  expected: number;
  timer: NodeJS.Timeout;
  record: CheckpointRecord;
  resolve(meta: CheckpointMetadata): void;
  reject(err: unknown): void;
}

export interface CompletedCheckpoint {
  metadata: CheckpointMetadata;
  record: CheckpointRecord;
}

/** Thrown (and reported) when a checkpoint could not complete. */
export class CheckpointFailedError extends FlinkError {
  constructor(message: string, cause?: unknown) {
    super('CHECKPOINT_FAILED', message, cause === undefined ? {} : { cause });
  }
}

export class CheckpointCoordinator {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  /** Retained completed checkpoints, oldest first (savepoints are not among them: they belong to the user). */
  private readonly completed: CompletedCheckpoint[] = [];
  /** Incremental checkpoints: how many retained checkpoints use each shared chunk file. */
  private readonly sharedRefs = new Map<string, number>();
  private latestCompleted: CompletedCheckpoint | undefined;
  private periodic: NodeJS.Timeout | undefined;
  private running = false;
  private lastCompletion = 0;
  private consecutiveFailures = 0;
  private readonly history: CheckpointRecord[] = [];
  private readonly counts = { restored: 0, total: 0, inProgress: 0, completed: 0, failed: 0 };
  private readonly samples = { stateSize: [] as number[], checkpointedSize: [] as number[], endToEndDuration: [] as number[] };
  private latestSavepoint: CheckpointRecord | undefined;
  private latestFailed: CheckpointRecord | undefined;
  private latestRestored: RestoredCheckpoint | undefined;

  constructor(
    private readonly graph: JobGraph,
    readonly settings: CheckpointSettings,
    private readonly hooks: CoordinatorHooks,
  ) {}

  /** Where this job's checkpoints go: `<state.checkpoints.dir>/<jobId>`. */
  get jobDirectory(): string | undefined {
    return this.settings.checkpointsDir === undefined ? undefined : childPath(this.settings.checkpointsDir, this.graph.jobId);
  }

  /** The checkpoint the next deployment restores from: the latest completed one (or what the job started from). */
  latest(): CheckpointMetadata | undefined {
    return this.latestCompleted?.metadata;
  }

  /** Ids continue from `nextId` (the job's HA checkpoint id counter). */
  continueIds(nextId: number): void {
    this.nextId = Math.max(this.nextId, nextId);
  }

  /** The job starts from a savepoint or an externalized checkpoint: later ids follow its id. */
  restoredFrom(meta: CheckpointMetadata, path: string): void {
    this.nextId = Math.max(this.nextId, meta.checkpointId + 1);
    this.latestCompleted = { metadata: meta, record: this.recordFor(meta.checkpointId, meta.isSavepoint ? 'SAVEPOINT' : 'CHECKPOINT', meta.timestamp) };
    this.noteRestore(meta, path);
  }

  /**
   * A job a new leader recovered: the checkpoints the previous leader retained (oldest first, their metadata
   * loaded) become this coordinator's, so they are removed as newer ones subsume them and their shared files are
   * kept while any of them uses one.
   */
  adoptRetained(retained: readonly CheckpointMetadata[]): void {
    for (const metadata of retained) {
      if (metadata.isSavepoint || this.completed.some((c) => c.metadata.checkpointId === metadata.checkpointId)) continue;
      const record = this.recordFor(metadata.checkpointId, 'CHECKPOINT', metadata.timestamp);
      record.externalPath = metadata.directory;
      this.completed.push({ metadata, record });
      for (const f of metadata.shared ?? []) this.sharedRefs.set(f, (this.sharedRefs.get(f) ?? 0) + 1);
    }
    this.completed.sort((a, b) => a.metadata.checkpointId - b.metadata.checkpointId);
  }

  /** A deployment restored from `meta` (statistics). */
  noteRestore(meta: CheckpointMetadata, path: string): void {
    this.counts.restored++;
    this.latestRestored = { id: meta.checkpointId, restoreTimestamp: Date.now(), isSavepoint: meta.isSavepoint, externalPath: path };
  }

  /** The tasks of a deployment run: periodic checkpoints start (or go on). */
  start(): void {
    this.running = true;
    if (this.settings.interval !== undefined && this.periodic === undefined) this.schedule(this.settings.interval);
  }

  /** The job fails, restarts or ends: pending checkpoints are given up, periodic ones pause. */
  stop(reason: string): void {
    this.running = false;
    if (this.periodic) clearTimeout(this.periodic);
    this.periodic = undefined;
    for (const p of [...this.pending.values()]) this.abort(p, new CheckpointFailedError(`Checkpoint ${p.id} of job ${this.graph.jobId} was given up: ${reason}`), false, false);
  }

  /**
   * The job reached a terminal state: its checkpoints are removed unless the retention setting keeps them
   * (RETAIN_ON_CANCELLATION: kept after a cancel or a failure; DELETE_ON_CANCELLATION: kept after a failure).
   */
  async shutdown(status: 'FINISHED' | 'FAILED' | 'CANCELED'): Promise<void> {
    this.stop(`the job is ${status}`);
    const retention = this.settings.externalizedRetention;
    const keep =
      (retention === 'RETAIN_ON_CANCELLATION' && status !== 'FINISHED') || (retention === 'DELETE_ON_CANCELLATION' && status === 'FAILED');
    const dir = this.jobDirectory;
    if (keep || dir === undefined) return;
    await getFileSystem(dir).delete(dir, true).catch(() => false);
  }

  private schedule(delay: number): void {
    this.periodic = setTimeout(() => {
      this.periodic = undefined;
      if (!this.running) return;
      const interval = this.settings.interval as number;
      const sinceLast = Date.now() - this.lastCompletion;
      if (this.pending.size >= this.settings.maxConcurrent || sinceLast < this.settings.minPause) {
        this.schedule(Math.max(10, Math.min(interval, this.settings.minPause - sinceLast)));
        return;
      }
      if (!this.hooks.allTasksRunning()) {
        this.schedule(interval);
        return;
      }
      void this.trigger('CHECKPOINT', undefined).catch(() => {});
      this.schedule(interval);
    }, delay);
    this.periodic.unref();
  }

  /**
   * Starts a checkpoint (or a savepoint into `targetDirectory`); resolves with its metadata once every task
   * acknowledged and `_metadata` is written.
   */
  async trigger(type: CheckpointType, targetDirectory: string | undefined): Promise<CheckpointMetadata> {
    const savepoint = type === 'SAVEPOINT' || type === 'SYNC_SAVEPOINT';
    if (!this.running || !this.hooks.allTasksRunning()) {
      throw new CheckpointFailedError(`Cannot take a ${savepoint ? 'savepoint' : 'checkpoint'} of job ${this.graph.jobId}: not all of its tasks are running.`);
    }
    let directory: string;
    if (savepoint) {
      if (targetDirectory === undefined) {
        throw new FlinkError(
          'NO_SAVEPOINT_DIRECTORY',
          'No savepoint directory was given and state.savepoints.dir is not set. Name a target directory (bin/flink savepoint <jobId> <dir>) or set state.savepoints.dir in flink-conf.yaml.',
        );
      }
      directory = childPath(targetDirectory, `savepoint-${this.graph.jobId.slice(0, 6)}-${randomBytes(6).toString('hex')}`);
    } else {
      const jobDir = this.jobDirectory;
      if (jobDir === undefined) throw new CheckpointFailedError('state.checkpoints.dir is not set.');
      directory = childPath(jobDir, `chk-${this.nextId}`);
    }
    const id = this.nextId++;
    const timestamp = Date.now();
    await getFileSystem(directory).mkdirs(directory);
    if (!this.running) throw new CheckpointFailedError(`Checkpoint ${id} of job ${this.graph.jobId} was given up: the job is not running.`);
    const expected = this.graph.vertices.reduce((n, v) => n + v.parallelism, 0);
    const record = this.recordFor(id, type, timestamp);
    record.status = 'IN_PROGRESS';
    return new Promise<CheckpointMetadata>((resolve, reject) => {
      const p: Pending = {
        id,
        timestamp,
        type,
        directory,
        acks: new Map(),
        expected,
        record,
        resolve,
        reject,
        timer: setTimeout(() => {
          log.info(`Checkpoint ${id} of job ${this.graph.jobId} expired before completing.`);
          this.abort(p, new CheckpointFailedError(`Checkpoint ${id} expired after ${this.settings.timeout} ms (execution.checkpointing.timeout) before every task acknowledged it.`), true, true);
        }, this.settings.timeout),
      };
      p.timer.unref();
      this.pending.set(id, p);
      this.counts.total++;
      this.counts.inProgress++;
      this.pushHistory(record);
      log.info(`Triggering ${savepoint ? 'savepoint' : 'checkpoint'} ${id} (type=${type}) @ ${timestamp} for job ${this.graph.jobId}.`);
      for (const d of this.hooks.deployments()) {
        this.hooks.sendTrigger(d.tmId, { runId: d.runId, checkpointId: id, timestamp, flags: savepoint ? 1 : 0, directory });
      }
    });
  }

  onAck(ack: CheckpointAck): void {
    if (!this.hooks.isCurrent(ack.vertex, ack.subtask, ack.attempt)) return;
    const p = this.pending.get(ack.checkpointId);
    if (!p) return;
    p.acks.set(`${ack.vertex}:${ack.subtask}`, ack);
    const v = p.record.tasks[ack.vertex];
    if (v) {
      v.numAcknowledgedSubtasks++;
      v.latestAckTimestamp = Date.now();
      v.stateSize += ack.handle.size;
      v.subtasks[ack.subtask] = {
        index: ack.subtask,
        acknowledged: true,
        ackTimestamp: Date.now(),
        stateSize: ack.handle.size,
        syncDuration: Math.round(ack.stats.syncMs),
        asyncDuration: Math.round(ack.stats.asyncMs),
        alignmentDuration: Math.round(ack.stats.alignmentMs),
      };
    }
    p.record.numAcknowledgedSubtasks = p.acks.size;
    p.record.latestAckTimestamp = Date.now();
    p.record.stateSize += ack.handle.size;
    p.record.checkpointedSize += ack.handle.checkpointedSize ?? ack.handle.size;
    if (p.acks.size === p.expected) void this.complete(p);
  }

  onDecline(d: CheckpointDecline): void {
    if (!this.hooks.isCurrent(d.vertex, d.subtask, d.attempt)) return;
    const p = this.pending.get(d.checkpointId);
    if (!p) return;
    const v = this.graph.vertices[d.vertex];
    const task = v ? `${v.name} (${d.subtask + 1}/${v.parallelism})` : `vertex ${d.vertex}`;
    log.info(`Decline checkpoint ${d.checkpointId} by task ${task} of job ${this.graph.jobId}: ${d.error.message}`);
    // A task that is not running (yet, or any more) is no failure of the checkpoint mechanism: it does not count.
    const counts = d.error.code !== 'TASK_NOT_READY';
    this.abort(p, new CheckpointFailedError(`Checkpoint ${d.checkpointId} was declined by ${task}: ${d.error.message}`, d.error as SerializedError), true, counts);
  }

  private async complete(p: Pending): Promise<void> {
    clearTimeout(p.timer);
    const finalizeStart = Date.now();
    const metadata = this.metadataFor(p);
    try {
      const path = childPath(p.directory, '_metadata');
      const fs = getFileSystem(path);
      const w = await fs.create(path, 'OVERWRITE');
      await w.write(JSON.stringify(metadata, null, 1));
      await w.commit();
    } catch (err) {
      this.abort(p, new CheckpointFailedError(`Could not write the metadata of checkpoint ${p.id} to ${p.directory}: ${(err as Error).message}`, err), true, true);
      return;
    }
    if (this.hooks.registerCompleted && p.type === 'CHECKPOINT' && this.pending.has(p.id)) {
      try {
        await this.hooks.registerCompleted({ checkpointId: p.id, metadataPath: childPath(p.directory, '_metadata'), timestamp: p.timestamp });
      } catch (err) {
        this.abort(p, new CheckpointFailedError(`Could not register checkpoint ${p.id} for high availability: ${(err as Error).message}`, err), true, true);
        return;
      }
    }
    if (!this.pending.has(p.id)) return;
    this.pending.delete(p.id);
    this.counts.inProgress--;
    this.counts.completed++;
    this.consecutiveFailures = 0;
    this.lastCompletion = Date.now();
    const r = p.record;
    r.status = 'COMPLETED';
    r.externalPath = p.directory;
    r.endToEndDuration = r.latestAckTimestamp - r.triggerTimestamp;
    pushSample(this.samples.stateSize, r.stateSize);
    pushSample(this.samples.checkpointedSize, r.checkpointedSize);
    pushSample(this.samples.endToEndDuration, r.endToEndDuration);
    const done: CompletedCheckpoint = { metadata, record: r };
    const savepoint = p.type === 'SAVEPOINT' || p.type === 'SYNC_SAVEPOINT';
    if (savepoint) this.latestSavepoint = r;
    else {
      this.completed.push(done);
      for (const f of metadata.shared ?? []) this.sharedRefs.set(f, (this.sharedRefs.get(f) ?? 0) + 1);
    }
    this.latestCompleted = done;
    log.info(
      `Completed ${savepoint ? 'savepoint' : 'checkpoint'} ${p.id} for job ${this.graph.jobId} (${r.stateSize} bytes, ` +
        `checkpointDuration=${r.endToEndDuration} ms, finalizationTime=${Date.now() - finalizeStart} ms).`,
    );
    // Older checkpoints still in flight can never be the latest any more.
    for (const older of [...this.pending.values()]) {
      if (older.id < p.id && older.type === 'CHECKPOINT') this.abort(older, new CheckpointFailedError(`Checkpoint ${older.id} was subsumed by checkpoint ${p.id}.`), true, false);
    }
    this.notifyTasks(p.id, true);
    if (!savepoint) void this.prune();
    p.resolve(metadata);
  }

  private notifyTasks(checkpointId: number, complete: boolean): void {
    for (const d of this.hooks.deployments()) this.hooks.sendNotification(d.tmId, { runId: d.runId, checkpointId, complete });
  }

  /** Gives up the checkpoints in progress (part of the job restarts); periodic checkpoints go on. */
  abortPending(reason: string): void {
    for (const p of [...this.pending.values()]) this.abort(p, new CheckpointFailedError(`Checkpoint ${p.id} of job ${this.graph.jobId} was given up: ${reason}.`), true, false);
  }

  /** Keeps `state.checkpoints.num-retained` completed checkpoints and removes the directories of older ones. */
  private async prune(): Promise<void> {
    while (this.completed.length > this.settings.numRetained) {
      const old = this.completed.shift() as CompletedCheckpoint;
      old.record.discarded = true;
      const dir = old.metadata.directory;
      await getFileSystem(dir).delete(dir, true).catch((err: Error) => log.warn(`Could not remove the old checkpoint ${dir}: ${err.message}`));
      // Shared chunks no retained checkpoint uses any more go too.
      for (const f of old.metadata.shared ?? []) {
        const n = (this.sharedRefs.get(f) ?? 1) - 1;
        if (n > 0) {
          this.sharedRefs.set(f, n);
          continue;
        }
        this.sharedRefs.delete(f);
        await getFileSystem(f).delete(f, false).catch(() => false);
      }
    }
  }

  private abort(p: Pending, err: FlinkError, notifyTasks: boolean, countsAsFailure: boolean): void {
    if (!this.pending.delete(p.id)) return;
    clearTimeout(p.timer);
    this.counts.inProgress--;
    this.counts.failed++;
    p.record.status = 'FAILED';
    p.record.failureTimestamp = Date.now();
    p.record.failureMessage = err.message;
    this.latestFailed = p.record;
    if (notifyTasks) this.notifyTasks(p.id, false);
    void getFileSystem(p.directory).delete(p.directory, true).catch(() => false);
    p.reject(err);
    if (!countsAsFailure || p.type !== 'CHECKPOINT') return;
    this.consecutiveFailures++;
    if (this.consecutiveFailures > this.settings.tolerableFailures) {
      this.consecutiveFailures = 0;
      this.hooks.failJob(
        new FlinkError(
          'CHECKPOINT_FAILURES_EXCEEDED',
          `Exceeded the tolerable number of failed checkpoints (${this.settings.tolerableFailures}, execution.checkpointing.tolerable-failed-checkpoints). ` +
            `The last one: ${err.message}`,
          { cause: err },
        ),
      );
    } else {
      log.warn(`Checkpoint ${p.id} of job ${this.graph.jobId} failed (${this.consecutiveFailures} of ${this.settings.tolerableFailures} tolerable in a row): ${err.message}`);
    }
  }

  private metadataFor(p: Pending): CheckpointMetadata {
    const operators: CheckpointMetadata['operators'] = [];
    for (const v of this.graph.vertices) {
      for (const spec of v.operators) {
        const uid = operatorUid(spec);
        const subtasks: CheckpointMetadata['operators'][number]['subtasks'] = [];
        for (let s = 0; s < v.parallelism; s++) {
          const handle = p.acks.get(`${v.index}:${s}`)?.handle as TaskStateHandle | undefined;
          const op = handle?.operators.find((o) => o.uid === uid);
          if (!op || !handle?.file) continue;
          subtasks.push({ subtask: s, file: handle.file, ...(op.keyGroupRange ? { keyGroupRange: op.keyGroupRange } : {}), operatorState: op.operatorState });
        }
        if (subtasks.length === 0) continue;
        const maxParallelism = v.maxParallelism > 0 ? v.maxParallelism : computeDefaultMaxParallelism(v.parallelism);
        operators.push({ uid, name: spec.name, parallelism: v.parallelism, maxParallelism, subtasks });
      }
    }
    const isSavepoint = p.type === 'SAVEPOINT' || p.type === 'SYNC_SAVEPOINT';
    const shared = new Set<string>();
    for (const a of p.acks.values()) for (const f of a.handle.shared ?? []) shared.add(f);
    return {
      version: 1,
      jobId: this.graph.jobId,
      checkpointId: p.id,
      timestamp: p.timestamp,
      isSavepoint,
      directory: p.directory,
      operators,
      ...(shared.size > 0 ? { shared: [...shared] } : {}),
    };
  }

  private recordFor(id: number, type: CheckpointType, timestamp: number): CheckpointRecord {
    const numSubtasks = this.graph.vertices.reduce((n, v) => n + v.parallelism, 0);
    return {
      id,
      status: 'COMPLETED',
      isSavepoint: type === 'SAVEPOINT' || type === 'SYNC_SAVEPOINT',
      checkpointType: type,
      triggerTimestamp: timestamp,
      latestAckTimestamp: -1,
      checkpointedSize: 0,
      stateSize: 0,
      endToEndDuration: 0,
      numSubtasks,
      numAcknowledgedSubtasks: 0,
      tasks: this.graph.vertices.map((v) => ({
        vertexId: v.id,
        numSubtasks: v.parallelism,
        numAcknowledgedSubtasks: 0,
        latestAckTimestamp: -1,
        stateSize: 0,
        subtasks: Array.from({ length: v.parallelism }, (_, index) => ({ index, acknowledged: false })),
      })),
    };
  }

  private pushHistory(r: CheckpointRecord): void {
    this.history.unshift(r);
    if (this.history.length > HISTORY) this.history.length = HISTORY;
  }

  statistics(): CheckpointStatistics {
    const now = Date.now();
    const history = this.history.map((r) => (r.status === 'IN_PROGRESS' ? { ...r, endToEndDuration: now - r.triggerTimestamp } : r));
    const latestCheckpoint = [...this.completed].reverse()[0]?.record;
    return {
      counts: { ...this.counts },
      history,
      ...(latestCheckpoint ? { latestCompleted: latestCheckpoint } : {}),
      ...(this.latestSavepoint ? { latestSavepoint: this.latestSavepoint } : {}),
      ...(this.latestFailed ? { latestFailed: this.latestFailed } : {}),
      ...(this.latestRestored ? { latestRestored: this.latestRestored } : {}),
      completedSamples: { stateSize: [...this.samples.stateSize], checkpointedSize: [...this.samples.checkpointedSize], endToEndDuration: [...this.samples.endToEndDuration] },
    };
  }

  details(id: number): CheckpointRecord | undefined {
    return this.history.find((r) => r.id === id) ?? this.completed.find((c) => c.record.id === id)?.record;
  }
}

function pushSample(list: number[], v: number): void {
  list.push(v);
  if (list.length > SAMPLES) list.shift();
}
