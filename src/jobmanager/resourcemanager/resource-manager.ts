/**
 * The ResourceManager: registers TaskManagers, watches their heartbeats, and hands out slots. A job asks
 * for all the slots it needs at once (slot sharing: as many as its highest parallelism) and waits, up to
 * `slot.request.timeout`, until that many are free. Where TaskManagers come from is the driver's
 * business (standalone: the scripts start them; YARN: requested containers).
 */
import { randomUUID } from 'node:crypto';
import type { RpcConnection } from '../../rpc/rpc-connection.js';
import { WithBinary } from '../../rpc/rpc-connection.js';
import {
  ResourceManagerGateway,
  TaskExecutorGateway,
  type CheckpointAck,
  type CheckpointDecline,
  type CheckpointNotification,
  type TriggerCheckpoint,
  type SuperstepComplete,
  type SuperstepReportUpdate,
  type HardwareDescription,
  type RegistrationSuccess,
  type SubmitTasks,
  type TaskExecutorRegistration,
  type TaskManagerTerminationReport,
  type TaskMetricsUpdate,
  type TaskStateUpdate,
} from '../../rpc/gateways.js';
import { FlinkError } from '../../util/errors.js';
import { getLogger } from '../../util/logger.js';
import type { ResourceDriver } from './resource-driver.js';
import type { MetricSample } from '../../metrics/index.js';

const log = getLogger('org.apache.flink.runtime.resourcemanager.StandaloneResourceManager');

export interface SlotAssignment {
  tmId: string;
  slot: number;
}

export interface RegisteredTaskManager {
  id: string;
  conn: RpcConnection;
  host: string;
  dataPort: number;
  slots: number;
  /** Slot index → job id holding it. */
  allocated: Map<number, string>;
  lastHeartbeat: number;
  hardware: HardwareDescription;
  /** A watchdog reports how its process ended (see TaskManagerTerminationReport). */
  reportsTermination: boolean;
}

/** A TaskManager stopped answering (its connection closed or its heartbeat timed out). */
export class TaskManagerLostError extends FlinkError {
  constructor(message: string) {
    super('TASK_MANAGER_LOST', message, { recoverable: true });
    this.name = 'TaskManagerLostException';
  }
}

/** A TaskManager process died of out-of-memory: its watchdog sent the end of its output. */
export class TaskManagerOutOfMemoryError extends FlinkError {
  constructor(message: string) {
    super('TASK_MANAGER_OUT_OF_MEMORY', message, { recoverable: true });
  }
}

/**
 * How long the resource manager waits, after a TaskManager's connection closed, for its watchdog's report before
 * it fails that TaskManager's jobs without one. The report comes within a few hundred milliseconds (a Node.js
 * start and one call); the wait only matters when the whole host is gone.
 */
export const TERMINATION_REPORT_WAIT_MS = 3_000;

export class NoResourceAvailableError extends FlinkError {
  constructor(message: string) {
    super('NO_RESOURCE_AVAILABLE', message, { recoverable: true });
  }
}

export interface ResourceManagerOptions {
  heartbeatIntervalMs: number;
  heartbeatTimeoutMs: number;
  slotRequestTimeoutMs: number;
  rpcTimeoutMs: number;
  evenlySpreadOutSlots: boolean;
  onTaskManagerLost(tmId: string, error: FlinkError): void;
  onTaskStateUpdate(update: TaskStateUpdate, tmId: string): void;
  onTaskMetrics(update: TaskMetricsUpdate, tmId: string): void;
  onSuperstepReport(update: SuperstepReportUpdate, tmId: string): void;
  onCheckpointAck(ack: CheckpointAck, tmId: string): void;
  onCheckpointDecline(decline: CheckpointDecline, tmId: string): void;
  readJobBundle(jobId: string): Promise<Uint8Array>;
  /** Starts and stops TaskManagers on demand (YARN); unset in a standalone cluster. */
  driver?: ResourceDriver;
}

interface PendingRequest {
  jobId: string;
  count: number;
  resolve(slots: SlotAssignment[]): void;
  reject(err: unknown): void;
  timer: NodeJS.Timeout;
}

export class ResourceManager {
  readonly resourceManagerId = randomUUID();
  private readonly taskManagers = new Map<string, RegisteredTaskManager>();
  /** TaskManagers whose connection closed, while their termination report may still come. */
  private readonly departing = new Map<string, { tm: RegisteredTaskManager; timer: NodeJS.Timeout }>();
  private readonly pending: PendingRequest[] = [];
  private heartbeatTimer: NodeJS.Timeout | undefined;
  /** The leader session it serves under; undefined while its JobManager does not lead (then it takes no TaskManagers). */
  private leaderSessionId: string | undefined;

  constructor(private readonly o: ResourceManagerOptions) {}

  /** The JobManager leads under `leaderSessionId`: TaskManagers may register for it. */
  grantLeadership(leaderSessionId: string): void {
    this.leaderSessionId = leaderSessionId;
  }

  /** The JobManager lost leadership: every TaskManager is let go (they register at the new leader) and slot requests fail. */
  revokeLeadership(): void {
    this.leaderSessionId = undefined;
    this.releaseAll('The JobManager lost its leadership.');
  }

  start(): void {
    this.heartbeatTimer = setInterval(() => this.checkHeartbeats(), Math.max(50, Math.min(this.o.heartbeatIntervalMs, this.o.heartbeatTimeoutMs / 2)));
    this.heartbeatTimer.unref();
  }

  /** Sets up a TaskManager's RPC connection. */
  accept(conn: RpcConnection): void {
    let tmId: string | undefined;
    conn.handle(ResourceManagerGateway.registerTaskExecutor, (reg: TaskExecutorRegistration): RegistrationSuccess => {
      const leader = this.leaderSessionId;
      if (leader === undefined || (reg.leaderSessionId !== undefined && reg.leaderSessionId !== leader)) {
        throw new FlinkError(
          'NOT_LEADER',
          leader === undefined
            ? 'This JobManager is not the leader: register at the leader (TaskManagers find it through the HA services).'
            : `Registration for leader session ${String(reg.leaderSessionId)} refused: this JobManager leads under session ${leader}.`,
          { recoverable: true },
        );
      }
      tmId = reg.tmId;
      this.register(reg, conn);
      return { resourceManagerId: this.resourceManagerId, heartbeatIntervalMs: this.o.heartbeatIntervalMs, heartbeatTimeoutMs: this.o.heartbeatTimeoutMs };
    });
    conn.handle(ResourceManagerGateway.heartbeatFromTaskManager, (hb: { tmId: string }) => {
      const tm = this.taskManagers.get(hb.tmId);
      if (tm) tm.lastHeartbeat = Date.now();
    });
    conn.handle(ResourceManagerGateway.updateTaskExecutionState, (u: TaskStateUpdate) => {
      if (tmId) this.o.onTaskStateUpdate(u, tmId);
    });
    conn.handle(ResourceManagerGateway.updateTaskMetrics, (u: TaskMetricsUpdate) => {
      if (tmId) this.o.onTaskMetrics(u, tmId);
    });
    conn.handle(ResourceManagerGateway.reportSuperstep, (u: SuperstepReportUpdate) => {
      if (tmId) this.o.onSuperstepReport(u, tmId);
    });
    conn.handle(ResourceManagerGateway.acknowledgeCheckpoint, (a: CheckpointAck) => {
      if (tmId) this.o.onCheckpointAck(a, tmId);
    });
    conn.handle(ResourceManagerGateway.declineCheckpoint, (d: CheckpointDecline) => {
      if (tmId) this.o.onCheckpointDecline(d, tmId);
    });
    conn.handle(ResourceManagerGateway.requestJobBundle, async (req: { jobId: string }) => new WithBinary(null, await this.o.readJobBundle(req.jobId)));
    conn.handle(ResourceManagerGateway.disconnectTaskManager, (req: { tmId: string }) => {
      const tm = this.taskManagers.get(req.tmId);
      if (tm?.conn === conn) this.lose(req.tmId, new TaskManagerLostError(`${lostPrefix(tm)}: it shut down.`));
    });
    // Sent over a connection of its own, by the watchdog of a TaskManager process that is already gone.
    conn.handle(ResourceManagerGateway.reportTaskManagerTermination, (report: TaskManagerTerminationReport) => this.onTerminationReport(report));
    conn.on('close', () => {
      if (tmId && this.taskManagers.get(tmId)?.conn === conn) this.onConnectionClosed(this.taskManagers.get(tmId) as RegisteredTaskManager);
    });
  }

  /**
   * A TaskManager's connection closed. Its slots are gone at once; its jobs fail now, or, when a watchdog will
   * report how the process ended, as soon as that report comes (at most TERMINATION_REPORT_WAIT_MS later), so
   * that the failure says why.
   */
  private onConnectionClosed(tm: RegisteredTaskManager): void {
    const plain = new TaskManagerLostError(`${lostPrefix(tm)}: its connection closed (the process ended or the network failed).`);
    if (!tm.reportsTermination) {
      this.lose(tm.id, plain);
      return;
    }
    this.taskManagers.delete(tm.id);
    const timer = setTimeout(() => {
      this.departing.delete(tm.id);
      this.lost(tm, plain);
    }, TERMINATION_REPORT_WAIT_MS);
    timer.unref();
    this.departing.set(tm.id, { tm, timer });
  }

  private onTerminationReport(report: TaskManagerTerminationReport): void {
    const departing = this.departing.get(report.tmId);
    let tm = departing?.tm;
    if (departing) {
      clearTimeout(departing.timer);
      this.departing.delete(report.tmId);
    } else {
      // The report overtook the closed connection, or came after the wait.
      tm = this.taskManagers.get(report.tmId);
      if (tm) this.taskManagers.delete(report.tmId);
    }
    const error = terminationError(report, tm);
    if (tm) this.lost(tm, error);
    else log.warn(`A TaskManager that is already gone reported how it ended: ${error.message}`);
  }

  private register(reg: TaskExecutorRegistration, conn: RpcConnection): void {
    const old = this.taskManagers.get(reg.tmId);
    if (old && old.conn !== conn) old.conn.close();
    this.taskManagers.set(reg.tmId, {
      id: reg.tmId,
      conn,
      host: reg.host,
      dataPort: reg.dataPort,
      slots: reg.slots,
      allocated: new Map(),
      lastHeartbeat: Date.now(),
      hardware: reg.hardware,
      reportsTermination: reg.reportsTermination === true,
    });
    log.info(`Registering TaskManager with ResourceID ${reg.tmId} (${reg.host}, data port ${reg.dataPort}, ${reg.slots} slot(s)) at ResourceManager.`);
    this.o.driver?.onTaskManagerRegistered?.(reg.tmId);
    this.tryFulfill();
  }

  private checkHeartbeats(): void {
    const now = Date.now();
    for (const tm of [...this.taskManagers.values()]) {
      if (now - tm.lastHeartbeat > this.o.heartbeatTimeoutMs) {
        this.lose(tm.id, new TaskManagerLostError(`${lostPrefix(tm)}: heartbeat timed out after ${this.o.heartbeatTimeoutMs} ms.`));
        tm.conn.close();
      } else {
        tm.conn.notify(TaskExecutorGateway.heartbeatFromResourceManager, {});
      }
    }
  }

  private lose(tmId: string, error: FlinkError): void {
    const tm = this.taskManagers.get(tmId);
    if (!tm) return;
    this.taskManagers.delete(tmId);
    this.lost(tm, error);
  }

  /** Fails what ran on a TaskManager that is no longer registered. */
  private lost(tm: RegisteredTaskManager, error: FlinkError): void {
    log.warn(error.message);
    this.o.driver?.onTaskManagerLost?.(tm.id);
    this.o.onTaskManagerLost(tm.id, error);
    this.declareDemand();
  }

  /** All-or-nothing: resolves with `count` slots once that many are free. */
  /** `timeoutMs` overrides slot.request.timeout for this request (a job's own setting). */
  allocateSlots(jobId: string, count: number, signal?: AbortSignal, timeoutMs = this.o.slotRequestTimeoutMs): Promise<SlotAssignment[]> {
    return new Promise((resolve, reject) => {
      const req: PendingRequest = {
        jobId,
        count,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.removePending(req);
          const { total, free } = this.slotCounts();
          reject(
            new NoResourceAvailableError(
              `Could not acquire ${count} slot(s) for job ${jobId} within slot.request.timeout (${timeoutMs} ms): ` +
                `the cluster has ${this.taskManagers.size} TaskManager(s) with ${total} slot(s), ${free} free. ` +
                'Start more TaskManagers (conf/workers, taskmanager.numberOfTaskSlots) or lower the parallelism (-p).',
            ),
          );
        }, timeoutMs),
      };
      signal?.addEventListener('abort', () => {
        this.removePending(req);
        reject(signal.reason);
      });
      this.pending.push(req);
      this.tryFulfill();
    });
  }

  private removePending(req: PendingRequest): void {
    clearTimeout(req.timer);
    const i = this.pending.indexOf(req);
    if (i >= 0) this.pending.splice(i, 1);
    this.declareDemand();
  }

  /** Tells the driver how many slots the waiting requests lack. */
  private declareDemand(): void {
    const driver = this.o.driver;
    if (!driver) return;
    const wanted = this.pending.reduce((n, r) => n + r.count, 0);
    driver.onSlotDemand(Math.max(0, wanted - this.freeSlots().length));
  }

  private tryFulfill(): void {
    while (this.pending.length > 0) {
      const req = this.pending[0] as PendingRequest;
      const free = this.freeSlots();
      if (free.length < req.count) return this.declareDemand();
      this.removePending(req);
      const chosen = free.slice(0, req.count);
      for (const s of chosen) this.taskManagers.get(s.tmId)?.allocated.set(s.slot, req.jobId);
      log.info(`Allocated ${req.count} slot(s) for job ${req.jobId}.`);
      req.resolve(chosen);
    }
  }

  /** Free slots, TaskManager by TaskManager (or round-robin across them when spreading out). */
  private freeSlots(): SlotAssignment[] {
    const perTm = [...this.taskManagers.values()].map((tm) => {
      const list: SlotAssignment[] = [];
      for (let s = 0; s < tm.slots; s++) if (!tm.allocated.has(s)) list.push({ tmId: tm.id, slot: s });
      return list;
    });
    if (!this.o.evenlySpreadOutSlots) return perTm.flat();
    const out: SlotAssignment[] = [];
    for (let i = 0; perTm.some((l) => l.length > i); i++) for (const l of perTm) if (l[i]) out.push(l[i] as SlotAssignment);
    return out;
  }

  /** Gives one slot of a job back (a region of it restarts elsewhere). */
  releaseSlot(tmId: string, slot: number, jobId: string): void {
    const tm = this.taskManagers.get(tmId);
    if (tm?.allocated.get(slot) === jobId) tm.allocated.delete(slot);
    this.tryFulfill();
  }

  releaseSlots(jobId: string): void {
    for (const tm of this.taskManagers.values()) {
      for (const [slot, holder] of [...tm.allocated]) if (holder === jobId) tm.allocated.delete(slot);
    }
    this.tryFulfill();
  }

  taskManager(tmId: string): RegisteredTaskManager | undefined {
    return this.taskManagers.get(tmId);
  }

  listTaskManagers(): RegisteredTaskManager[] {
    return [...this.taskManagers.values()];
  }

  slotCounts(): { total: number; free: number } {
    let total = 0;
    let free = 0;
    for (const tm of this.taskManagers.values()) {
      total += tm.slots;
      free += tm.slots - tm.allocated.size;
    }
    return { total, free };
  }

  submitTasks(tmId: string, req: SubmitTasks): Promise<void> {
    const tm = this.taskManagers.get(tmId);
    if (!tm) return Promise.reject(new TaskManagerLostError(`TaskManager ${tmId} is not registered anymore.`));
    return tm.conn.call<void>(TaskExecutorGateway.submitTasks, req, this.o.rpcTimeoutMs);
  }

  /** A TaskManager's own metrics, asked of it now; undefined for one not registered here. */
  async taskManagerMetrics(tmId: string): Promise<MetricSample[] | undefined> {
    const tm = this.taskManagers.get(tmId);
    if (!tm) return undefined;
    return tm.conn.call<MetricSample[]>(TaskExecutorGateway.requestMetrics, {}, this.o.rpcTimeoutMs);
  }

  /** Tells a TaskManager that every instance of a batch iteration finished a superstep. */
  completeSuperstep(tmId: string, msg: SuperstepComplete): void {
    this.taskManagers.get(tmId)?.conn.notify(TaskExecutorGateway.superstepComplete, msg);
  }

  /** Ends the tasks of one deployment of a job (`runId`), or of all its deployments, on a TaskManager. */
  cancelJob(tmId: string, jobId: string, runId?: string, slots?: number[]): Promise<void> {
    const tm = this.taskManagers.get(tmId);
    if (!tm) return Promise.resolve();
    const req = { jobId, ...(runId === undefined ? {} : { runId }), ...(slots === undefined ? {} : { slots }) };
    return tm.conn.call<void>(TaskExecutorGateway.cancelJob, req, this.o.rpcTimeoutMs);
  }

  triggerCheckpoint(tmId: string, msg: TriggerCheckpoint): void {
    this.taskManagers.get(tmId)?.conn.notify(TaskExecutorGateway.triggerCheckpoint, msg);
  }

  notifyCheckpoint(tmId: string, msg: CheckpointNotification): void {
    this.taskManagers.get(tmId)?.conn.notify(TaskExecutorGateway.notifyCheckpoint, msg);
  }

  /** The sources of a deployment stop producing and end their input normally (stop --drain). */
  stopSources(tmId: string, runId: string): void {
    this.taskManagers.get(tmId)?.conn.notify(TaskExecutorGateway.stopSources, { runId });
  }

  close(): void {
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    for (const { timer } of this.departing.values()) clearTimeout(timer);
    this.departing.clear();
    this.releaseAll('The JobManager is shutting down.');
  }

  private releaseAll(reason: string): void {
    for (const req of [...this.pending]) {
      this.removePending(req);
      req.reject(new FlinkError('RESOURCE_MANAGER_CLOSED', `The ResourceManager let go of its TaskManagers: ${reason}`));
    }
    for (const tm of this.taskManagers.values()) tm.conn.notify(TaskExecutorGateway.disconnect, { reason });
    this.taskManagers.clear();
  }
}

function lostPrefix(tm: { id: string; host: string; dataPort: number }): string {
  return `TaskManager with id ${tm.id} (${tm.host}:${tm.dataPort}) is no longer reachable`;
}

/** The failure cause of a TaskManager whose watchdog said how it ended. */
function terminationError(report: TaskManagerTerminationReport, tm: RegisteredTaskManager | undefined): FlinkError {
  const prefix = lostPrefix(tm ?? { id: report.tmId, host: report.host, dataPort: 0 });
  if (!report.outOfMemory) {
    return new TaskManagerLostError(`${prefix}: its process ended (killed or crashed, not out of memory); ${report.outFile} on ${report.host} may say why.`);
  }
  const key = report.heapSetting.split(':')[0] ?? 'taskmanager.heap.size';
  return new TaskManagerOutOfMemoryError(
    `${prefix}: its process ran out of memory (JavaScript heap out of memory; ${report.heapSetting}). Raise ${key}, ` +
      'or run fewer slots per TaskManager (taskmanager.numberOfTaskSlots). ' +
      `Last lines of ${report.outFile} on ${report.host}:\n${report.tail.join('\n')}`,
  );
}
