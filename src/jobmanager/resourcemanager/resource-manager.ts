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
  type HardwareDescription,
  type RegistrationSuccess,
  type SubmitTasks,
  type TaskExecutorRegistration,
  type TaskMetricsUpdate,
  type TaskStateUpdate,
} from '../../rpc/gateways.js';
import { FlinkError } from '../../util/errors.js';
import { getLogger } from '../../util/logger.js';

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
}

/** A TaskManager stopped answering (its connection closed or its heartbeat timed out). */
export class TaskManagerLostError extends FlinkError {
  constructor(message: string) {
    super('TASK_MANAGER_LOST', message, { recoverable: true });
    this.name = 'TaskManagerLostException';
  }
}

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
  readJobBundle(jobId: string): Promise<Uint8Array>;
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
  private readonly pending: PendingRequest[] = [];
  private heartbeatTimer: NodeJS.Timeout | undefined;

  constructor(private readonly o: ResourceManagerOptions) {}

  start(): void {
    this.heartbeatTimer = setInterval(() => this.checkHeartbeats(), Math.max(50, Math.min(this.o.heartbeatIntervalMs, this.o.heartbeatTimeoutMs / 2)));
    this.heartbeatTimer.unref();
  }

  /** Sets up a TaskManager's RPC connection. */
  accept(conn: RpcConnection): void {
    let tmId: string | undefined;
    conn.handle(ResourceManagerGateway.registerTaskExecutor, (reg: TaskExecutorRegistration): RegistrationSuccess => {
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
    conn.handle(ResourceManagerGateway.requestJobBundle, async (req: { jobId: string }) => new WithBinary(null, await this.o.readJobBundle(req.jobId)));
    conn.on('close', () => {
      if (tmId && this.taskManagers.get(tmId)?.conn === conn) {
        const tm = this.taskManagers.get(tmId) as RegisteredTaskManager;
        this.lose(tmId, new TaskManagerLostError(`TaskManager with id ${tmId} (${tm.host}:${tm.dataPort}) is no longer reachable: its connection closed (the process ended or the network failed).`));
      }
    });
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
    });
    log.info(`Registering TaskManager with ResourceID ${reg.tmId} (${reg.host}, data port ${reg.dataPort}, ${reg.slots} slot(s)) at ResourceManager.`);
    this.tryFulfill();
  }

  private checkHeartbeats(): void {
    const now = Date.now();
    for (const tm of [...this.taskManagers.values()]) {
      if (now - tm.lastHeartbeat > this.o.heartbeatTimeoutMs) {
        this.lose(tm.id, new TaskManagerLostError(`TaskManager with id ${tm.id} (${tm.host}:${tm.dataPort}) is no longer reachable: heartbeat timed out after ${this.o.heartbeatTimeoutMs} ms.`));
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
    log.warn(error.message);
    this.o.onTaskManagerLost(tmId, error);
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
  }

  private tryFulfill(): void {
    while (this.pending.length > 0) {
      const req = this.pending[0] as PendingRequest;
      const free = this.freeSlots();
      if (free.length < req.count) return;
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

  cancelJob(tmId: string, jobId: string): Promise<void> {
    const tm = this.taskManagers.get(tmId);
    if (!tm) return Promise.resolve();
    return tm.conn.call<void>(TaskExecutorGateway.cancelJob, { jobId }, this.o.rpcTimeoutMs);
  }

  close(): void {
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    for (const req of [...this.pending]) {
      this.removePending(req);
      req.reject(new FlinkError('RESOURCE_MANAGER_CLOSED', 'The ResourceManager is shutting down.'));
    }
    for (const tm of this.taskManagers.values()) {
      tm.conn.notify(TaskExecutorGateway.disconnect, { reason: 'The JobManager is shutting down.' });
    }
    this.taskManagers.clear();
  }
}
