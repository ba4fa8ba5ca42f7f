/**
 * The TaskExecutor: registers with the resource manager of the leading JobManager (found through leader
 * retrieval, and followed when the leader changes), keeps the heartbeat, and runs each job's tasks in fresh worker
 * threads (one per slot the job uses here) that end with the job. Its main thread only routes: buffers and credits
 * between local workers, and over the data plane to other TaskManagers.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, totalmem } from 'node:os';
import { join } from 'node:path';
import { getHeapStatistics } from 'node:v8';
import { Worker } from 'node:worker_threads';
import type { JobGraph } from '../graph/index.js';
import type { FromWorker, Placement, ToWorker, WorkerInit } from '../runtime/worker/protocol.js';
import type { LeaderInformation } from '../ha/index.js';
import { LeaderRegistration } from './leader-registration.js';
import { connectRpc, type RpcConnection } from '../rpc/rpc-connection.js';
import {
  ResourceManagerGateway,
  TaskExecutorGateway,
  type SuperstepComplete,
  type RegistrationSuccess,
  type CheckpointNotification,
  type SubmitTasks,
  type TriggerCheckpoint,
  type TaskStateUpdate,
  type TaskExecutorRegistration,
} from '../rpc/gateways.js';
import { DataConnectionManager, type DataFrame, type PeerAddress } from './network/data-connections.js';
import { TaskThreadWatch } from './task-thread-watch.js';
import { serveLogFiles } from './log-file-server.js';
import { DaemonLogFiles } from '../util/log-files.js';
import { TaskCancellationTimeoutError, taskOutOfMemory, workerHeapLimits, type TaskOutOfMemoryError } from './task-thread-errors.js';

export { TaskCancellationTimeoutError, TaskOutOfMemoryError, workerHeapLimits } from './task-thread-errors.js';
import { FlinkError, serializeError } from '../util/errors.js';
import { getLogger } from '../util/logger.js';

import type { TaskExecutorOptions } from './task-executor-options.js';
import { TaskManagerMetrics } from './task-manager-metrics.js';
import { forwardTaskReport } from './task-reports.js';
import { MetricReporters } from '../metrics/index.js';
export type { TaskExecutorOptions } from './task-executor-options.js';

const log = getLogger('org.apache.flink.runtime.taskexecutor.TaskExecutor');
const WORKER_MAIN = new URL('../runtime/worker/worker-main.js', import.meta.url);
/**
 * How long a task thread whose JavaScript has ended may take to finish its teardown before it is taken as stuck
 * (task-thread-watch.ts). A normal teardown takes milliseconds; closing large LMDB environments some more.
 */
const TEARDOWN_GRACE_MS = 5_000;

interface WorkerHandle {
  worker: Worker;
  slot: number;
  /** (vertex:subtask) of tasks not yet terminal. */
  open: Set<string>;
  watch: TaskThreadWatch;
}

interface JobOnTaskManager {
  jobId: string;
  /** This deployment of the job (see SubmitTasks.runId): the key of `jobs` and of data frames. */
  runId: string;
  attempt: number;
  checkpointing: SubmitTasks['checkpointing'];
  restore: SubmitTasks['restore'];
  graph: JobGraph;
  placement: Placement;
  peers: Record<string, PeerAddress>;
  workers: Map<number, WorkerHandle>;
  dir: string;
  ended: boolean;
}

type Routed = Extract<FromWorker, { t: 'data' | 'end' | 'credit' }>;

export class TaskExecutor {
  readonly tmId: string;
  private conn: RpcConnection | undefined;
  private data: DataConnectionManager | undefined;
  private readonly jobs = new Map<string, JobOnTaskManager>();
  /** Frames for jobs whose tasks have not been submitted here yet (a producer elsewhere started first). */
  private readonly early = new Map<string, DataFrame[]>();
  private readonly endedJobs = new Set<string>();
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private connecting: Promise<void> | undefined;
  /** Which leader's resource manager `conn` is registered at, and finding the next one. */
  private readonly registration: LeaderRegistration;
  private lastHeartbeatFromRm = Date.now();
  private heartbeatTimeoutMs = 50_000;
  /** The host other TaskManagers reach our data port at. */
  private advertisedHost = '127.0.0.1';
  /** Task threads whose teardown hangs: they never exit, and process.exit() would wait for them forever. */
  private stuckThreads = 0;
  /** This TaskManager's metrics: its process's and its tasks' (read by the JobManager and Prometheus). */
  readonly metrics: TaskManagerMetrics;
  /** Its log, stdout and rotated files, which the JobManager's REST endpoint reads over RPC. */
  private readonly logFiles: DaemonLogFiles;
  private reporters: MetricReporters | undefined;

  constructor(private readonly o: TaskExecutorOptions) {
    this.tmId = o.resourceId ?? randomBytes(16).toString('hex');
    this.metrics = new TaskManagerMetrics({ tmId: this.tmId, host: () => this.advertisedHost });
    this.registration = new LeaderRegistration({
      retrieval: o.jobManagerLeaderRetrieval,
      leaderLookup: o.leaderLookup,
      registrationTimeoutMs: o.registrationTimeoutMs,
      onLeaderReplaced: (_previous, next) => this.onLeaderReplaced(next),
    });
    this.logFiles = new DaemonLogFiles(o.logFile, { who: `TaskManager ${this.tmId}`, startHint: 'bin/taskmanager.sh start (or bin/start-cluster.sh)' });
  }

  get dataPort(): number {
    return this.data?.port ?? 0;
  }

  /**
   * Whether a task thread of this TaskManager hangs in its teardown. Node.js's process.exit() waits for every
   * worker thread to end, so such a process can only be ended by a signal (SIGKILL).
   */
  get hasStuckThreads(): boolean {
    return this.stuckThreads > 0;
  }

  async start(): Promise<void> {
    await this.o.haServices?.start();
    await mkdir(this.o.tmpDir, { recursive: true });
    if (this.o.metricReporters !== undefined) {
      // Before registering: a scrape can tell a TaskManager that waits for its JobManager from one that is gone.
      this.reporters = await MetricReporters.start(this.o.metricReporters, () => [this.metrics.registry], {
        log,
        ...(this.o.bindHost === undefined ? {} : { bindHost: this.o.bindHost }),
      });
    }
    await this.registration.start();
    await this.connectAndRegister();
  }

  /** The registration's leader was replaced: its connection goes, with the tasks that ran for it. */
  private onLeaderReplaced(next: LeaderInformation): void {
    const conn = this.conn;
    this.conn = undefined;
    if (conn) {
      // Said first, so the old resource manager does not wait for a termination report of this TaskManager.
      conn.notify(ResourceManagerGateway.disconnectTaskManager, { tmId: this.tmId });
      conn.close();
    }
    this.onJobManagerLost(`the leader changed to ${next.address}`);
  }

  /**
   * Registers at the leader the retrieval names (see LeaderRegistration for waiting, retrying and giving up),
   * starting the data plane on the first success.
   */
  private async connectAndRegister(): Promise<void> {
    await this.registration.register<{ conn: RpcConnection; reg: RegistrationSuccess; address: { host: string; port: number } }>(
      async (leader, address) => {
        const conn = await connectRpc(address.host, address.port, Math.min(10_000, this.o.rpcTimeoutMs));
        try {
          this.wire(conn);
          if (!this.data) {
            const dataHost = this.o.host ?? conn.localAddress;
            this.data = new DataConnectionManager(this.tmId, this.o.bindHost ?? dataHost, this.o.dataPort, (f) => this.onFrame(f));
            await this.data.start();
            this.advertisedHost = dataHost;
          }
          const reg = await conn.call<RegistrationSuccess>(
            ResourceManagerGateway.registerTaskExecutor,
            {
              tmId: this.tmId,
              host: this.advertisedHost,
              dataPort: this.data.port,
              slots: this.o.slots,
              // Flink's freeMemory is the process's maximum heap, not the host's free RAM.
              hardware: { cpuCores: availableParallelism(), physicalMemory: totalmem(), freeMemory: getHeapStatistics().heap_size_limit, managedMemory: this.o.managedMemory?.totalBytes ?? 0 },
              ...(this.o.reportsTermination ? { reportsTermination: true } : {}),
              leaderSessionId: leader.leaderSessionId,
            } satisfies TaskExecutorRegistration,
            this.o.rpcTimeoutMs,
          );
          return { conn, reg, address };
        } catch (err) {
          conn.close();
          throw err;
        }
      },
      ({ conn, reg, address }, leader) => {
        this.conn = conn;
        this.startHeartbeats(reg);
        log.info(`Successful registration at resource manager ${leader.address} under registration id ${reg.resourceManagerId}.`);
        this.o.onRegistered?.(address, this.tmId);
      },
      ({ conn }) => {
        conn.notify(ResourceManagerGateway.disconnectTaskManager, { tmId: this.tmId });
        conn.close();
      },
    );
  }

  private wire(conn: RpcConnection): void {
    serveLogFiles(conn, this.logFiles);
    conn.handle(TaskExecutorGateway.submitTasks, (req: SubmitTasks) => this.submitTasks(req, conn));
    conn.handle(TaskExecutorGateway.cancelJob, (req: { jobId: string; runId?: string; slots?: number[] }) =>
      req.slots !== undefined && req.runId !== undefined ? this.cancelSlots(req.runId, req.slots) : this.cancelRuns(req.jobId, req.runId),
    );
    conn.handle(TaskExecutorGateway.triggerCheckpoint, (req: TriggerCheckpoint) => {
      const job = this.jobs.get(req.runId);
      if (!job) return;
      for (const slot of job.workers.keys()) {
        this.toWorker(job, slot, { t: 'checkpoint', id: req.checkpointId, timestamp: req.timestamp, flags: req.flags, directory: req.directory });
      }
    });
    conn.handle(TaskExecutorGateway.notifyCheckpoint, (req: CheckpointNotification) => {
      const job = this.jobs.get(req.runId);
      if (!job) return;
      for (const slot of job.workers.keys()) this.toWorker(job, slot, { t: 'checkpoint-done', id: req.checkpointId, complete: req.complete });
    });
    conn.handle(TaskExecutorGateway.stopSources, (req: { runId: string }) => {
      const job = this.jobs.get(req.runId);
      if (job) for (const slot of job.workers.keys()) this.toWorker(job, slot, { t: 'stop-sources' });
    });
    conn.handle(TaskExecutorGateway.superstepComplete, (req: SuperstepComplete) => {
      const job = [...this.jobs.values()].find((j) => j.jobId === req.jobId && !j.ended);
      if (!job) return;
      // The heads of this iteration run in some of this job's workers; the others ignore the message.
      for (const slot of job.workers.keys()) this.toWorker(job, slot, { t: 'superstep', iteration: req.iteration, superstep: req.superstep, reports: req.reports });
    });
    conn.handle(TaskExecutorGateway.requestMetrics, () => this.metrics.taskManagerSamples());
    conn.handle(TaskExecutorGateway.heartbeatFromResourceManager, () => {
      this.lastHeartbeatFromRm = Date.now();
    });
    conn.handle(TaskExecutorGateway.disconnect, (req: { reason: string }) => {
      log.info(`The resource manager disconnected this TaskManager: ${req.reason}`);
      conn.close();
    });
    conn.on('close', () => {
      if (this.conn !== conn) return;
      this.conn = undefined;
      this.registration.lost();
      this.onJobManagerLost('the connection to the JobManager closed');
    });
  }

  private startHeartbeats(reg: RegistrationSuccess): void {
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    this.heartbeatTimeoutMs = reg.heartbeatTimeoutMs;
    this.lastHeartbeatFromRm = Date.now();
    this.heartbeatTimer = setInterval(() => {
      const conn = this.conn;
      if (!conn) return;
      conn.notify(ResourceManagerGateway.heartbeatFromTaskManager, { tmId: this.tmId });
      if (Date.now() - this.lastHeartbeatFromRm > this.heartbeatTimeoutMs) {
        log.warn(`The heartbeat of the resource manager timed out after ${this.heartbeatTimeoutMs} ms.`);
        conn.close();
      }
    }, Math.max(50, Math.min(reg.heartbeatIntervalMs, reg.heartbeatTimeoutMs / 2)));
    this.heartbeatTimer.unref();
  }

  private onJobManagerLost(reason: string): void {
    if (this.closed) return;
    log.warn(`JobManager lost: ${reason}. Cancelling all tasks and reconnecting.`);
    for (const jobId of [...this.jobs.keys()]) void this.cancelJob(jobId);
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    if (!this.connecting) {
      this.connecting = this.connectAndRegister()
        .catch((err: Error) => this.o.onFatal?.(err))
        .finally(() => (this.connecting = undefined));
    }
  }

  /**
   * Tasks from the JobManager over `arrivedOn`. That is this TaskManager's registered connection, or the one whose
   * registration answer is still being handled: a JobManager that waited for slots deploys at once, and its
   * request can come in the same read as the answer.
   */
  private async submitTasks(req: SubmitTasks, arrivedOn: RpcConnection): Promise<void> {
    if (this.jobs.has(req.runId)) throw new FlinkError('DUPLICATE_JOB', `Job ${req.jobId} (attempt ${req.attempt}) already runs on this TaskManager.`);
    if (this.conn !== undefined && this.conn !== arrivedOn) throw new FlinkError('NOT_REGISTERED', 'This TaskManager is registered at another JobManager.');
    const conn = arrivedOn;
    const dir = join(this.o.tmpDir, `job_${req.runId}`);
    await mkdir(dir, { recursive: true });
    const { binary } = await conn.callWithBinary(ResourceManagerGateway.requestJobBundle, { jobId: req.jobId }, this.o.rpcTimeoutMs);
    if (!binary) throw new FlinkError('NO_BUNDLE', `The JobManager sent no bundle for job ${req.jobId}.`);
    const bundlePath = join(dir, 'bundle.mjs');
    await writeFile(bundlePath, binary);

    const job: JobOnTaskManager = {
      jobId: req.jobId,
      runId: req.runId,
      attempt: req.attempt,
      checkpointing: req.checkpointing,
      restore: req.restore,
      graph: req.jobGraph,
      placement: req.placement,
      peers: req.taskManagers,
      workers: new Map(),
      dir,
      ended: false,
    };
    this.jobs.set(req.runId, job);
    const bySlot = new Map<number, Array<{ vertex: number; subtask: number }>>();
    for (const t of req.tasks) {
      const list = bySlot.get(t.slot) ?? [];
      list.push({ vertex: t.vertex, subtask: t.subtask });
      bySlot.set(t.slot, list);
    }
    for (const [slot, tasks] of bySlot) this.startWorker(job, slot, tasks, bundlePath);
    for (const f of this.early.get(req.runId) ?? []) this.onFrame(f);
    this.early.delete(req.runId);
    log.info(`Received ${req.tasks.length} task(s) of job ${req.jobId} (${req.jobGraph.jobName}${req.attempt > 0 ? `, attempt ${req.attempt}` : ''}) in ${bySlot.size} slot(s).`);
  }

  private startWorker(job: JobOnTaskManager, slot: number, tasks: Array<{ vertex: number; subtask: number }>, bundlePath: string): void {
    const init: WorkerInit = {
      jobGraph: job.graph,
      bundlePath,
      tmId: this.tmId,
      slot,
      tasks,
      placement: job.placement,
      // Disk state lives in the job's directory, which goes when the job's workers are gone (however they end).
      settings: { ...this.o.settings, localStateDir: join(job.dir, 'state') },
      fileSystemOptions: this.o.fileSystemOptions,
      attempt: job.attempt,
      ...(job.checkpointing ? { checkpointing: job.checkpointing } : {}),
      ...(job.restore ? { restore: job.restore } : {}),
    };
    const managed = this.o.managedMemory;
    // The worker's spill directories are private to it, so whatever it leaves (it may be terminated mid-spill by a
    // cancellation) is removed when it exits.
    const spillDirs = managed ? managed.spillRoots.map((d) => join(d, `flink-ts-spill-${this.tmId.slice(0, 8)}-${job.runId}-${slot}`)) : [];
    if (managed) init.memory = { budgetBytes: managed.perSlotBytes, key: managed.key, description: managed.description, spillDirs };
    const slotHeap = this.o.slotHeap;
    let handle: WorkerHandle | undefined;
    const watch = new TaskThreadWatch({
      teardownGraceMs: TEARDOWN_GRACE_MS,
      cancellationTimeoutMs: this.o.cancellationTimeoutMs ?? 180_000,
      onStuck: (cancelled) => this.onThreadStuck(job, handle as WorkerHandle, cancelled),
      onCancellationTimeout: () => this.onCancellationTimeout(job, handle as WorkerHandle),
    });
    const worker = new Worker(WORKER_MAIN, {
      workerData: { ...init, lifeline: watch.lifeline } satisfies WorkerInit,
      transferList: [watch.lifeline],
      argv: job.graph.args,
      stdout: false,
      stderr: false,
      ...(slotHeap ? { resourceLimits: workerHeapLimits(slotHeap.megabytes) } : {}),
    });
    watch.watch(worker);
    handle = { worker, slot, open: new Set(tasks.map((t) => `${t.vertex}:${t.subtask}`)), watch };
    const h = handle;
    job.workers.set(slot, h);
    worker.on('message', (m: FromWorker) => this.onWorkerMessage(job, h, m));
    worker.on('error', (err) => this.failOpenTasks(job, h, this.workerError(job, h, err)));
    worker.on('exit', () => {
      for (const d of spillDirs) void rm(d, { recursive: true, force: true }).catch(() => {});
      this.workerGone(job, h);
    });
  }

  /** A worker thread exited, or hangs in its teardown for good: its slot's tasks are over. */
  private workerGone(job: JobOnTaskManager, handle: WorkerHandle): void {
    if (job.workers.get(handle.slot) !== handle) return;
    job.workers.delete(handle.slot);
    this.metrics.workerEnded(`${job.runId}/${handle.slot}`);
    if (handle.open.size > 0 && !job.ended) {
      this.failOpenTasks(job, handle, new FlinkError('TASK_THREAD_EXITED', `The task thread of slot ${handle.slot} exited unexpectedly.`));
    }
    if (job.workers.size === 0) void this.forgetJob(job);
  }

  /**
   * A task thread stopped running and its teardown hangs (task-thread-watch.ts). When it was not cancelled, it ran
   * out of memory inside one of lmdb-js's synchronous write transactions, and Node.js never reports that error.
   */
  private onThreadStuck(job: JobOnTaskManager, handle: WorkerHandle, cancelled: boolean): void {
    this.stuckThreads++;
    const cause = new FlinkError(
      'TASK_THREAD_STUCK',
      `The task thread of slot ${handle.slot} (job ${job.jobId}) stopped and did not finish its teardown within ${TEARDOWN_GRACE_MS} ms.`,
    );
    if (!cancelled && handle.open.size > 0 && !job.ended) {
      this.failOpenTasks(
        job,
        handle,
        this.outOfMemoryError(
          job,
          handle,
          cause,
          ' (Its thread stopped without finishing its teardown, which happens when a task runs out of memory while the ' +
            'embedded-lmdb state backend writes; the thread keeps its memory until this TaskManager ends.)',
        ),
      );
    }
    log.error(`${cause.message} It keeps its memory until this TaskManager process ends; restart the TaskManager to free it.`);
    this.workerGone(job, handle);
  }

  /** Flink's TaskCancellationWatchDog: a cancelled task thread that does not end is a fatal error of the TaskManager. */
  private onCancellationTimeout(job: JobOnTaskManager, handle: WorkerHandle): void {
    if (!handle.watch.isStuck) this.stuckThreads++;
    const ms = this.o.cancellationTimeoutMs ?? 180_000;
    const err = new TaskCancellationTimeoutError(
      `The task thread of slot ${handle.slot} (job ${job.jobId}) did not end within ${ms} ms of its cancellation (task.cancellation.timeout). ` +
        'The TaskManager stops: only the end of its process frees what that thread holds. Start the TaskManager again.',
    );
    log.error(err.message);
    this.o.onFatal?.(err);
  }

  /** Why a worker thread failed, in words that name the slot and, for out-of-memory, the limit and the keys. */
  private workerError(job: JobOnTaskManager, handle: WorkerHandle, err: Error): FlinkError {
    if ((err as NodeJS.ErrnoException).code !== 'ERR_WORKER_OUT_OF_MEMORY') {
      return new FlinkError('TASK_THREAD_FAILED', `A task thread of job ${job.jobId} failed: ${err.message}`, { cause: err });
    }
    return this.outOfMemoryError(job, handle, err, '');
  }

  private outOfMemoryError(job: JobOnTaskManager, handle: WorkerHandle, cause: unknown, note: string): TaskOutOfMemoryError {
    return taskOutOfMemory({ graph: job.graph, open: handle.open, slot: handle.slot, tmId: this.tmId, slotHeap: this.o.slotHeap, cause, note });
  }

  private onWorkerMessage(job: JobOnTaskManager, handle: WorkerHandle, m: FromWorker): void {
    switch (m.t) {
      case 'data':
      case 'end':
      case 'credit':
        this.route(job, m);
        return;
      case 'state':
        if (m.state !== 'RUNNING') {
          handle.open.delete(`${m.v}:${m.s}`);
          this.metrics.taskEnded(job.runId, m.v, m.s);
        }
        forwardTaskReport(this.conn, job, m);
        return;
      case 'metrics':
        for (const t of m.tasks) this.metrics.onTaskMetrics(job, t.v, t.s, t.m);
        if (m.heap) this.metrics.onWorkerHeap(`${job.runId}/${handle.slot}`, m.heap);
        forwardTaskReport(this.conn, job, m);
        return;
      case 'superstep':
      case 'checkpoint-ack':
      case 'checkpoint-decline':
        forwardTaskReport(this.conn, job, m);
        return;
      case 'init-failed':
        this.failOpenTasks(job, handle, m.error);
        handle.watch.stop();
        return;
      case 'done':
        handle.watch.stop();
        return;
    }
  }

  private failOpenTasks(job: JobOnTaskManager, handle: WorkerHandle, err: unknown): void {
    const error = err instanceof Error ? serializeError(err) : (err as ReturnType<typeof serializeError>);
    for (const key of handle.open) {
      const [v, s] = key.split(':').map(Number) as [number, number];
      this.conn?.notify(ResourceManagerGateway.updateTaskExecutionState, { jobId: job.jobId, attempt: job.attempt, vertex: v, subtask: s, state: 'FAILED', error } satisfies TaskStateUpdate);
    }
    handle.open.clear();
  }

  /** Sends a worker's channel message to where the other end of the channel runs. */
  private route(job: JobOnTaskManager, m: Routed): void {
    const edge = job.graph.edges[m.e];
    if (!edge) return;
    const toConsumer = m.t !== 'credit';
    const loc = job.placement[toConsumer ? edge.target : edge.source]?.[toConsumer ? m.c : m.p];
    if (!loc) return;
    if (loc.tm === this.tmId) {
      this.toWorker(job, loc.slot, m);
      return;
    }
    const peer = job.peers[loc.tm];
    if (!peer || !this.data) return;
    this.data.send(loc.tm, peer, {
      type: m.t,
      // The frame's job field carries the run id: frames of an earlier attempt never reach a later one.
      jobId: job.runId,
      e: m.e,
      p: m.p,
      c: m.c,
      n: m.t === 'credit' ? m.n : 0,
      ...(m.t === 'data' ? { payload: m.b } : {}),
    });
  }

  private toWorker(job: JobOnTaskManager, slot: number, m: ToWorker): void {
    const h = job.workers.get(slot);
    if (!h) return;
    if (m.t === 'data') h.worker.postMessage(m, [m.b.buffer as ArrayBuffer]);
    else h.worker.postMessage(m);
  }

  private onFrame(f: DataFrame): void {
    const job = this.jobs.get(f.jobId);
    if (!job) {
      if (this.endedJobs.has(f.jobId)) return;
      const list = this.early.get(f.jobId) ?? [];
      if (list.length < 100_000) list.push(f);
      this.early.set(f.jobId, list);
      return;
    }
    const m: Routed =
      f.type === 'data'
        ? { t: 'data', e: f.e, p: f.p, c: f.c, b: f.payload as Uint8Array }
        : f.type === 'end'
          ? { t: 'end', e: f.e, p: f.p, c: f.c }
          : { t: 'credit', e: f.e, p: f.p, c: f.c, n: f.n };
    this.route(job, m);
  }

  /** Ends the tasks of one run of a job (or of every run of it): their worker threads are terminated. */
  private async cancelRuns(jobId: string, runId: string | undefined): Promise<void> {
    const runs = [...this.jobs.values()].filter((j) => j.jobId === jobId && (runId === undefined || j.runId === runId)).map((j) => j.runId);
    if (runId !== undefined && !runs.includes(runId)) {
      this.early.delete(runId);
      this.endedJobs.add(runId);
    }
    await Promise.all(runs.map((r) => this.cancelJob(r)));
  }

  /** Ends the tasks of some slots of a run (a region of the job restarts); the run's other slots go on. */
  private async cancelSlots(runId: string, slots: number[]): Promise<void> {
    const job = this.jobs.get(runId);
    if (!job) return;
    const handles = slots.map((s) => job.workers.get(s)).filter((h): h is WorkerHandle => h !== undefined);
    // Their end is the JobManager's doing: no failure reports for them.
    for (const h of handles) h.open.clear();
    await Promise.all(handles.map((h) => h.watch.cancel()));
  }

  /** Ends every task of one run of a job here: its worker threads are terminated. */
  async cancelJob(runId: string): Promise<void> {
    const job = this.jobs.get(runId);
    this.early.delete(runId);
    if (!job) return;
    job.ended = true;
    await Promise.all([...job.workers.values()].map((h) => h.watch.cancel()));
    await this.forgetJob(job);
  }

  private async forgetJob(job: JobOnTaskManager): Promise<void> {
    if (this.jobs.get(job.runId) !== job) return;
    this.jobs.delete(job.runId);
    this.metrics.jobEnded(job.runId);
    this.endedJobs.add(job.runId);
    if (this.endedJobs.size > 1000) this.endedJobs.delete(this.endedJobs.values().next().value as string);
    await rm(job.dir, { recursive: true, force: true }).catch(() => {});
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    const errors: unknown[] = [];
    // First: no leader change may start a registration while the TaskExecutor shuts down.
    await this.registration.close().catch((e) => errors.push(e));
    for (const jobId of [...this.jobs.keys()]) await this.cancelJob(jobId).catch((e) => errors.push(e));
    // Said before the connection closes, so the resource manager does not wait for a termination report.
    this.conn?.notify(ResourceManagerGateway.disconnectTaskManager, { tmId: this.tmId });
    this.conn?.close();
    await this.data?.close().catch((e) => errors.push(e));
    await this.o.haServices?.close().catch((e) => errors.push(e));
    await rm(this.o.tmpDir, { recursive: true, force: true }).catch(() => {});
    await this.reporters?.close().catch((e) => errors.push(e));
    this.metrics.close();
    if (errors.length > 0) log.warn(`Errors while closing the TaskExecutor: ${errors.map(String).join('; ')}`);
  }
}
