/**
 * The heap of the daemons as the configuration sets it, and how a TaskManager shares its heap among its slots.
 * bin/flink-daemon.sh gives the process the same size as --max-old-space-size; the TaskManager gives each slot
 * (a worker thread with a heap of its own) an equal share as that worker's limit.
 */
import type { Configuration } from './configuration.js';
import { ConfigurationError } from './configuration-error.js';
import { JobManagerOptions, TaskManagerOptions } from './cluster-options.js';
import { formatMemorySize } from './units.js';

const MIB = 1024 * 1024;

/** The least heap one slot may get; a slot needs about 8 MiB to load a job (measured; see docs/config.md). */
export const MIN_SLOT_HEAP_BYTES = 16 * MIB;

/** A daemon's heap and the key it came from, for messages ("taskmanager.heap.size: 1gb"). */
export interface HeapSetting {
  readonly key: string;
  readonly bytes: number;
}

/** The heap of a daemon: *.memory.process.size when set, else *.heap.size (its default too). */
export function daemonHeap(conf: Configuration, daemon: 'jobmanager' | 'taskmanager'): HeapSetting {
  const options = daemon === 'jobmanager' ? JobManagerOptions : TaskManagerOptions;
  const processSize = conf.getOptional(options.TOTAL_PROCESS_MEMORY);
  if (processSize !== undefined) return { key: options.TOTAL_PROCESS_MEMORY.key, bytes: processSize };
  return { key: options.HEAP_SIZE.key, bytes: conf.get(options.HEAP_SIZE) };
}

export function describeHeapSetting(setting: HeapSetting): string {
  return `${setting.key}: ${formatMemorySize(setting.bytes)}`;
}

/** What each slot of a TaskManager gets, and the setting it is derived from. */
export interface SlotHeap {
  readonly megabytes: number;
  readonly slots: number;
  readonly setting: HeapSetting;
}

/**
 * The heap limit of each slot: the TaskManager's heap divided by its slots. Throws a ConfigurationError naming
 * both keys when a slot would get less than MIN_SLOT_HEAP_BYTES.
 */
export function slotHeap(conf: Configuration): SlotHeap {
  const setting = daemonHeap(conf, 'taskmanager');
  const slots = conf.get(TaskManagerOptions.NUM_TASK_SLOTS);
  const share = Math.floor(setting.bytes / slots);
  if (share < MIN_SLOT_HEAP_BYTES) {
    const needed = Math.ceil((slots * MIN_SLOT_HEAP_BYTES) / MIB);
    throw new ConfigurationError(
      `Invalid configuration: ${describeHeapSetting(setting)} shared by ${slots} slots (${TaskManagerOptions.NUM_TASK_SLOTS.key}) ` +
        `gives each slot ${(share / MIB).toFixed(1)} MiB of heap; a slot needs at least ${formatMemorySize(MIN_SLOT_HEAP_BYTES)}. ` +
        `Raise ${setting.key} to ${needed}m or more, or lower ${TaskManagerOptions.NUM_TASK_SLOTS.key}`,
      { key: setting.key },
    );
  }
  return { megabytes: Math.floor(share / MIB), slots, setting };
}

/** The managed memory of a TaskManager, each slot's share, and the key it comes from (the one to raise). */
export interface ManagedMemory {
  readonly totalBytes: number;
  readonly perSlotBytes: number;
  /** The key a user changes to give jobs more: taskmanager.memory.managed.size or .fraction. */
  readonly key: string;
  /** For messages: "taskmanager.memory.managed.size: 64mb shared by 2 slot(s)". */
  readonly description: string;
}

/**
 * The managed memory: taskmanager.memory.managed.size when set, else the fraction of the TaskManager's heap. It is
 * part of the heap (Node.js has no off-heap store for records), so a size at or above the heap is refused.
 */
export function managedMemory(conf: Configuration): ManagedMemory {
  const heap = daemonHeap(conf, 'taskmanager');
  const slots = conf.get(TaskManagerOptions.NUM_TASK_SLOTS);
  const size = conf.getOptional(TaskManagerOptions.MANAGED_MEMORY_SIZE);
  const sizeKey = TaskManagerOptions.MANAGED_MEMORY_SIZE.key;
  if (size !== undefined && size >= heap.bytes) {
    throw new ConfigurationError(
      `Invalid configuration: ${sizeKey}: ${formatMemorySize(size)} is not smaller than the TaskManager's heap ` +
        `(${describeHeapSetting(heap)}); managed memory is part of that heap. Lower ${sizeKey} or raise ${heap.key}`,
      { key: sizeKey },
    );
  }
  const fraction = conf.get(TaskManagerOptions.MANAGED_MEMORY_FRACTION);
  const totalBytes = size ?? Math.floor(heap.bytes * fraction);
  const key = size !== undefined ? sizeKey : TaskManagerOptions.MANAGED_MEMORY_FRACTION.key;
  const setting = size !== undefined ? `${sizeKey}: ${formatMemorySize(size)}` : `${key}: ${fraction} of ${describeHeapSetting(heap)}`;
  return { totalBytes, perSlotBytes: Math.max(1, Math.floor(totalBytes / slots)), key, description: `${setting} shared by ${slots} slot(s)` };
}
