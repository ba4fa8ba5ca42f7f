/**
 * How large the containers of a flink-ts application are. A Node.js daemon's heap is `*.memory.process.size` or
 * `*.heap.size` (what the scripts give node as --max-old-space-size); its container adds room for what lives
 * outside that heap (network buffers, worker-thread overhead, Node.js itself): a quarter of the heap, at least
 * 256 MiB, so YARN's physical-memory check does not kill a daemon that keeps within its heap.
 */
import { daemonHeap, TaskManagerOptions, YarnConfigOptions, type Configuration } from '../../config/index.js';

const MIB = 1024 * 1024;
const MIN_OVERHEAD_MB = 256;

export interface DaemonContainer {
  /** The container's memory, MB. */
  memoryMb: number;
  vcores: number;
  /** node --max-old-space-size, MB. */
  heapMb: number;
}

export function containerOf(conf: Configuration, daemon: 'jobmanager' | 'taskmanager'): DaemonContainer {
  const heapMb = Math.ceil(daemonHeap(conf, daemon).bytes / MIB);
  const memoryMb = heapMb + Math.max(MIN_OVERHEAD_MB, Math.ceil(heapMb / 4));
  const vcores =
    daemon === 'jobmanager'
      ? conf.get(YarnConfigOptions.APP_MASTER_VCORES)
      : conf.get(YarnConfigOptions.VCORES) > 0
        ? conf.get(YarnConfigOptions.VCORES)
        : conf.get(TaskManagerOptions.NUM_TASK_SLOTS);
  return { memoryMb, vcores, heapMb };
}
