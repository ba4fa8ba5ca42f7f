/**
 * The YARN ResourceDriver: TaskManagers in YARN containers. The ResourceManager says how many slots its waiting
 * requests lack; the driver turns that into a container ask on the scheduler's heartbeat (an ask replaces the
 * previous one, so it is always the total still wanted), launches each allocated container as a TaskManager
 * whose `taskmanager.resource-id` is the container id, gives back containers it no longer needs, and asks again
 * when a container ends before its TaskManager registered. A TaskManager that is lost while its container still
 * runs (a hung process) has its container stopped, so YARN takes the resources back.
 *
 * ```ts
 * const driver = new YarnResourceDriver({ allocator, launcher, slotsPerTaskManager: 2, resource: { memoryMb: 1728, vcores: 2 } });
 * const rm = new ResourceManager({ ..., driver });
 * driver.start();                       // heartbeats every yarn.heartbeat.interval, faster while containers are wanted
 * await driver.close();                 // stops heartbeating (containers end with the application)
 * ```
 */
import type { ResourceDriver } from '../jobmanager/resourcemanager/resource-driver.js';
import { FlinkError } from '../util/errors.js';
import { getLogger } from '../util/logger.js';
import { describeExitStatus } from './container-exit-status.js';

const log = getLogger('org.apache.flink.yarn.YarnResourceManagerDriver');

/** What each TaskManager container gets. */
export interface ContainerResource {
  memoryMb: number;
  vcores: number;
}

export interface AllocatedContainer {
  /** `container_<cluster ts>_<app>_<attempt>_<n>` */
  readonly id: string;
  /** The NodeManager's host (for messages). */
  readonly host: string;
}

export interface CompletedContainer {
  readonly id: string;
  /** YARN's exit status (0, the process' exit code, or one of YARN's negative codes). */
  readonly exitStatus: number;
  readonly diagnostics: string;
}

/** One heartbeat to the ResourceManager's scheduler (ApplicationMasterProtocol.allocate). */
export interface ContainerAllocator<C extends AllocatedContainer = AllocatedContainer> {
  allocate(request: { containers: number; resource: ContainerResource; release: readonly C[]; progress: number }): Promise<{
    allocated: readonly C[];
    completed: readonly CompletedContainer[];
  }>;
}

/** Starts a TaskManager in a container (ContainerManagementProtocol.startContainers), and stops one. */
export interface ContainerLauncher<C extends AllocatedContainer = AllocatedContainer> {
  launch(container: C): Promise<void>;
  stop(container: C): Promise<void>;
}

export interface YarnResourceDriverOptions<C extends AllocatedContainer> {
  allocator: ContainerAllocator<C>;
  launcher: ContainerLauncher<C>;
  slotsPerTaskManager: number;
  resource: ContainerResource;
  /** `yarn.heartbeat.interval`: the heartbeat while no container is wanted. */
  heartbeatMs?: number;
  /** `yarn.heartbeat.container-request-interval`: the heartbeat while containers are wanted or starting. */
  fastHeartbeatMs?: number;
  /** `yarn.maximum-failed-containers`: more containers failing than this fails the application (undefined: no limit). */
  maxFailedContainers?: number;
  /** The driver cannot go on (the scheduler refuses heartbeats, too many containers failed). */
  onFatal(err: Error): void;
  /** How far the application is, 0..1, reported on each heartbeat. */
  progress?: () => number;
}

/** More TaskManager containers failed than yarn.maximum-failed-containers allows. */
export class TooManyFailedContainersError extends FlinkError {
  constructor(limit: number, last: string) {
    super(
      'YARN_TOO_MANY_FAILED_CONTAINERS',
      `More than ${limit} TaskManager container(s) failed (yarn.maximum-failed-containers); the last: ${last}. ` +
        "The container's logs (yarn logs -applicationId, or the NodeManager's log directory) say why it ended.",
    );
  }
}

export class YarnResourceDriver<C extends AllocatedContainer = AllocatedContainer> implements ResourceDriver {
  /** Slots the ResourceManager's waiting requests lack. */
  private missingSlots = 0;
  /** Launched containers whose TaskManager has not registered yet. */
  private readonly starting = new Map<string, C>();
  /** Containers whose TaskManager registered. */
  private readonly running = new Map<string, C>();
  /** Containers to give back on the next heartbeat. */
  private release: C[] = [];
  /** Containers this driver released or stopped: their completion is no failure. */
  private readonly released = new Set<string>();
  private failedContainers = 0;
  private timer: NodeJS.Timeout | undefined;
  private beating: Promise<void> | undefined;
  /** A heartbeat was asked for while one was under way. */
  private soon = false;
  private closed = false;
  private readonly heartbeatMs: number;
  private readonly fastHeartbeatMs: number;

  constructor(private readonly o: YarnResourceDriverOptions<C>) {
    this.heartbeatMs = o.heartbeatMs ?? 5_000;
    this.fastHeartbeatMs = o.fastHeartbeatMs ?? 500;
  }

  /** Containers wanted beyond those starting: the ask of the next heartbeat. */
  get wantedContainers(): number {
    return Math.max(0, Math.ceil(this.missingSlots / this.o.slotsPerTaskManager) - this.starting.size);
  }

  /** Counts for the AM's log and tests. */
  get containers(): { starting: number; running: number; failed: number } {
    return { starting: this.starting.size, running: this.running.size, failed: this.failedContainers };
  }

  start(): void {
    this.schedule(0);
  }

  onSlotDemand(missingSlots: number): void {
    const more = missingSlots > this.missingSlots;
    this.missingSlots = missingSlots;
    // More wanted: ask at once rather than at the next slow heartbeat.
    if (more && this.wantedContainers > 0) this.schedule(0);
  }

  onTaskManagerRegistered(tmId: string): void {
    const c = this.starting.get(tmId);
    if (!c) return;
    this.starting.delete(tmId);
    this.running.set(tmId, c);
    log.info(`TaskManager in container ${tmId} on ${c.host} registered (${this.running.size} running, ${this.starting.size} starting).`);
  }

  onTaskManagerLost(tmId: string): void {
    const c = this.running.get(tmId) ?? this.starting.get(tmId);
    if (!c) return;
    this.running.delete(tmId);
    this.starting.delete(tmId);
    // The process may still run (hung, cut off): YARN gets the container back either way.
    this.released.add(c.id);
    this.o.launcher.stop(c).catch((err: Error) => log.warn(`Could not stop container ${c.id} on ${c.host}: ${err.message}`));
  }

  /** Stops heartbeating; safe to call twice. Waits for a heartbeat under way. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.beating?.catch(() => undefined);
  }

  private schedule(delayMs: number): void {
    if (this.closed) return;
    if (this.beating) {
      // The heartbeat under way schedules the next one when it ends.
      if (delayMs === 0) this.soon = true;
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.beating = this.heartbeat().finally(() => {
        this.beating = undefined;
        const again = this.soon;
        this.soon = false;
        this.schedule(again ? 0 : this.wantedContainers > 0 || this.starting.size > 0 ? this.fastHeartbeatMs : this.heartbeatMs);
      });
    }, delayMs);
  }

  private async heartbeat(): Promise<void> {
    const release = this.release;
    this.release = [];
    let answer: Awaited<ReturnType<ContainerAllocator<C>['allocate']>>;
    try {
      answer = await this.o.allocator.allocate({
        containers: this.wantedContainers,
        resource: this.o.resource,
        release,
        progress: Math.min(1, Math.max(0, this.o.progress?.() ?? 0)),
      });
    } catch (err) {
      this.release.push(...release);
      if (!this.closed) this.o.onFatal(err as Error);
      this.closed = true;
      return;
    }
    for (const c of answer.completed) this.onCompleted(c);
    for (const c of answer.allocated) await this.onAllocated(c);
  }

  private async onAllocated(c: C): Promise<void> {
    // The scheduler may hand out containers asked for before the ask shrank: give those back.
    if (this.wantedContainers === 0 || this.closed) {
      this.released.add(c.id);
      this.release.push(c);
      return;
    }
    this.starting.set(c.id, c);
    log.info(`Launching a TaskManager in container ${c.id} on ${c.host} (${this.o.resource.memoryMb} MB, ${this.o.resource.vcores} vcore(s)).`);
    try {
      await this.o.launcher.launch(c);
    } catch (err) {
      this.starting.delete(c.id);
      this.released.add(c.id);
      this.release.push(c);
      this.failed(`container ${c.id} on ${c.host} could not be started: ${(err as Error).message}`);
    }
  }

  private onCompleted(c: CompletedContainer): void {
    const wasStarting = this.starting.delete(c.id);
    const wasRunning = this.running.delete(c.id);
    if (this.released.delete(c.id)) return;
    const what = `container ${c.id} ended (${describeExitStatus(c.exitStatus)})${c.diagnostics ? `: ${c.diagnostics.trim().split('\n')[0]}` : ''}`;
    if (wasStarting || wasRunning) this.failed(what);
    else log.info(`A ${what}.`);
  }

  private failed(what: string): void {
    this.failedContainers++;
    log.warn(`TaskManager ${what}; ${this.wantedContainers} container(s) wanted now.`);
    const limit = this.o.maxFailedContainers;
    if (limit !== undefined && limit >= 0 && this.failedContainers > limit) {
      this.closed = true;
      this.o.onFatal(new TooManyFailedContainersError(limit, what));
      return;
    }
    if (this.wantedContainers > 0) this.schedule(0);
  }
}
