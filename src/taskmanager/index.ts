/**
 * The TaskManager: a TaskExecutor with slots as worker threads and the TCP data plane.
 *
 * ```ts
 * const te = createTaskExecutor(loadConfiguration());
 * await te.start(); // registers at jobmanager.rpc.address:jobmanager.rpc.port
 * ```
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { CheckpointingOptions, CoreOptions, HeartbeatManagerOptions, JobManagerOptions, TaskManagerOptions, describeHeapSetting, managedMemory, slotHeap, type Configuration } from '../config/index.js';
import { TaskExecutor, type TaskExecutorOptions } from './task-executor.js';
import { fileSystemOptionsOf } from '../fs/index.js';

export { TaskCancellationTimeoutError, TaskExecutor, TaskOutOfMemoryError, type TaskExecutorOptions } from './task-executor.js';

export function createTaskExecutor(conf: Configuration, overrides: Partial<TaskExecutorOptions> = {}): TaskExecutor {
  const host = conf.getOptional(TaskManagerOptions.HOST);
  const bindHost = conf.getOptional(TaskManagerOptions.BIND_HOST);
  const bufferSize = conf.get(TaskManagerOptions.SEGMENT_SIZE);
  const perChannel = conf.get(TaskManagerOptions.BUFFERS_PER_CHANNEL);
  const floating = conf.get(TaskManagerOptions.FLOATING_BUFFERS_PER_GATE);
  return new TaskExecutor({
    jobManagerHost: conf.get(JobManagerOptions.ADDRESS),
    jobManagerPort: conf.get(JobManagerOptions.PORT),
    slots: conf.get(TaskManagerOptions.NUM_TASK_SLOTS),
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
    ...overrides,
  });
}

function slotHeapOf(conf: Configuration): NonNullable<TaskExecutorOptions['slotHeap']> {
  const heap = slotHeap(conf);
  return { megabytes: heap.megabytes, description: `${describeHeapSetting(heap.setting)} shared by ${heap.slots} slot(s)` };
}
