/** How a slot's task thread can end badly, in words that name the slot, its heap limit and the keys that set it. */
import type { JobGraph } from '../graph/index.js';
import { FlinkError } from '../util/errors.js';

/** A task outgrew the heap of its slot; the worker thread was stopped, the TaskManager keeps running. */
export class TaskOutOfMemoryError extends FlinkError {
  constructor(message: string, cause: unknown) {
    super('TASK_OUT_OF_MEMORY', message, { cause });
  }
}

/** A cancelled task thread did not end within task.cancellation.timeout: the TaskManager stops (Flink's fatal error). */
export class TaskCancellationTimeoutError extends FlinkError {
  constructor(message: string) {
    super('TASK_CANCELLATION_TIMEOUT', message);
  }
}

export interface OutOfMemoryContext {
  graph: JobGraph;
  /** (vertex:subtask) of the thread's tasks that had not ended. */
  open: Iterable<string>;
  slot: number;
  tmId: string;
  slotHeap: { megabytes: number; description: string } | undefined;
  cause: unknown;
  /** Appended to the message (how the out-of-memory was found out, when it was not reported by Node.js). */
  note: string;
}

export function taskOutOfMemory(c: OutOfMemoryContext): TaskOutOfMemoryError {
  const tasks = [...c.open].map((key) => {
    const [v, s] = key.split(':').map(Number) as [number, number];
    const vertex = c.graph.vertices[v];
    return vertex ? `${vertex.name} (${s + 1}/${vertex.parallelism})` : key;
  });
  const limit = c.slotHeap ? `its heap limit is ${c.slotHeap.megabytes} MiB (${c.slotHeap.description})` : "it reached the worker thread's heap limit";
  return new TaskOutOfMemoryError(
    `${tasks.join(', ') || 'A task'} ran out of memory in slot ${c.slot} of TaskManager ${c.tmId}: ${limit}. ` +
      'Raise taskmanager.heap.size (or taskmanager.memory.process.size), give the TaskManager fewer slots ' +
      `(taskmanager.numberOfTaskSlots), or change the job to hold less data in memory at once.${c.note}`,
    c.cause,
  );
}

/**
 * A slot's V8 heap: most of it old generation, and a young generation an eighth of the slot's heap (between V8's
 * usual 48 MiB and 192 MiB). Batch jobs make many short-lived records; a larger young generation lets more of them
 * die there instead of being promoted and marked: PageRank at 1M pages ran 12-16% faster with it (docs/benchmarks.md).
 */
export function workerHeapLimits(slotHeapMb: number): { maxOldGenerationSizeMb: number; maxYoungGenerationSizeMb?: number } {
  const young = Math.floor(Math.min(192, slotHeapMb / 8));
  if (young <= 48) return { maxOldGenerationSizeMb: slotHeapMb };
  return { maxOldGenerationSizeMb: slotHeapMb - young, maxYoungGenerationSizeMb: young };
}
