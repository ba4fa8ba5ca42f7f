/**
 * The TaskManager: a TaskExecutor with slots as worker threads and the TCP data plane.
 *
 * ```ts
 * const te = createTaskExecutor(loadConfiguration());
 * await te.start(); // registers at jobmanager.rpc.address:jobmanager.rpc.port, or (high-availability: zookeeper)
 *                   // at the leader ZooKeeper names, and again at each new leader
 * await te.close(); // also closes its HA services
 * ```
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import {
  CheckpointingOptions,
  CoreOptions,
  HeartbeatManagerOptions,
  HighAvailabilityOptions,
  TaskManagerOptions,
  describeHeapSetting,
  managedMemory,
  metricReporters,
  slotHeap,
  type Configuration,
} from '../config/index.js';
import { createHaServices, type LeaderRetrieval } from '../ha/index.js';
import { TaskExecutor, type TaskExecutorOptions } from './task-executor.js';
import { fileSystemOptionsOf } from '../fs/index.js';

export { TaskCancellationTimeoutError, TaskExecutor, TaskOutOfMemoryError, type TaskExecutorOptions } from './task-executor.js';

/**
 * A TaskExecutor of the configuration. Its HA services come from `high-availability` (NONE: the JobManager at
 * jobmanager.rpc.address:jobmanager.rpc.port) unless `overrides` bring a retrieval; the TaskExecutor owns them.
 */
export function createTaskExecutor(conf: Configuration, overrides: Partial<TaskExecutorOptions> = {}): TaskExecutor {
  const host = conf.getOptional(TaskManagerOptions.HOST);
  const bindHost = conf.getOptional(TaskManagerOptions.BIND_HOST);
  const bufferSize = conf.get(TaskManagerOptions.SEGMENT_SIZE);
  const perChannel = conf.get(TaskManagerOptions.BUFFERS_PER_CHANNEL);
  const floating = conf.get(TaskManagerOptions.FLOATING_BUFFERS_PER_GATE);
  return new TaskExecutor({
    ...leaderOf(conf, overrides.jobManagerLeaderRetrieval),
    slots: conf.get(TaskManagerOptions.NUM_TASK_SLOTS),
    ...resourceIdOf(conf),
    ...(host ? { host } : {}),
    ...(bindHost ? { bindHost } : {}),
    dataPort: conf.get(TaskManagerOptions.DATA_PORT),
    tmpDir: join(conf.get(CoreOptions.TMP_DIRS)[0] as string, `flink-ts-taskmanager-${randomUUID()}`),
    // Credits per channel: Flink's exclusive buffers plus a share of the floating ones.
    settings: {
      bufferSize,
      initialCredits: perChannel + Math.max(1, Math.floor(floating / 4)),
      maxBacklog: Math.max(4, floating),
      stateBackend: conf.get(CheckpointingOptions.STATE_BACKEND),
    },
    fileSystemOptions: fileSystemOptionsOf(conf),
    registrationTimeoutMs: conf.get(TaskManagerOptions.REGISTRATION_TIMEOUT),
    cancellationTimeoutMs: conf.get(TaskManagerOptions.TASK_CANCELLATION_TIMEOUT),
    rpcTimeoutMs: Math.max(10_000, Math.min(60_000, conf.get(HeartbeatManagerOptions.HEARTBEAT_TIMEOUT))),
    // Each slot's worker thread gets an equal share of the TaskManager's heap as its limit, unless the caller
    // says otherwise (the MiniCluster runs inside another program, whose heap the configuration does not set).
    ...('slotHeap' in overrides ? {} : { slotHeap: slotHeapOf(conf) }),
    managedMemory: { ...managedMemory(conf), spillRoots: conf.get(CoreOptions.TMP_DIRS) },
    metricReporters: metricReporters(conf),
    ...overrides,
  });
}

type LeaderOptions = Pick<TaskExecutorOptions, 'jobManagerLeaderRetrieval' | 'haServices' | 'leaderLookup'>;

function leaderOf(conf: Configuration, given: LeaderRetrieval | undefined): LeaderOptions {
  if (given !== undefined) return { jobManagerLeaderRetrieval: given };
  // Config mistakes (a missing quorum, an unsupported storageDir scheme) throw here, before anything starts.
  const ha = createHaServices(conf);
  return {
    jobManagerLeaderRetrieval: ha.jobManagerLeaderRetrieval(),
    haServices: ha,
    ...(ha.mode === 'ZOOKEEPER' ? { leaderLookup: leaderLookupOf(conf) } : {}),
  };
}

/** `ZooKeeper zk1:2181 (high-availability.zookeeper.quorum), cluster-id /one`: where a TaskManager looks for its leader. */
export function leaderLookupOf(conf: Configuration): string {
  const quorum = conf.getOptional(HighAvailabilityOptions.HA_ZOOKEEPER_QUORUM) ?? '';
  return `ZooKeeper ${quorum} (high-availability.zookeeper.quorum), cluster-id ${conf.get(HighAvailabilityOptions.HA_CLUSTER_ID)}`;
}

function slotHeapOf(conf: Configuration): NonNullable<TaskExecutorOptions['slotHeap']> {
  const heap = slotHeap(conf);
  return { megabytes: heap.megabytes, description: `${describeHeapSetting(heap.setting)} shared by ${heap.slots} slot(s)` };
}

function resourceIdOf(conf: Configuration): { resourceId?: string } {
  const id = conf.getOptional(TaskManagerOptions.RESOURCE_ID);
  return id === undefined ? {} : { resourceId: id };
}
