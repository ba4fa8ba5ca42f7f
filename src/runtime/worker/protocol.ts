/**
 * Messages between a TaskManager's main thread and a slot's worker thread. Data buffers travel as
 * transferred ArrayBuffers, never copied and never one message per record.
 */
import type { MessagePort } from 'node:worker_threads';
import type { JobGraph } from '../../graph/index.js';
import type { HdfsFileSystemOptions } from '../../fs/index.js';
import type { SerializedError } from '../../util/errors.js';
import type { SuperstepReport } from '../iterations/iteration-channel.js';
import type { SlotMemorySettings } from '../memory/index.js';
import type { TaskMetrics, TaskResult, TaskSettings } from '../task/stream-task.js';
import type { CheckpointMetadata, TaskCheckpointSettings, TaskStateHandle } from '../checkpoint/types.js';

/** Where each subtask of each vertex runs: placement[vertex][subtask]. */
export type Placement = Array<Array<{ tm: string; slot: number }>>;

export interface WorkerInit {
  jobGraph: JobGraph;
  bundlePath: string;
  tmId: string;
  slot: number;
  tasks: Array<{ vertex: number; subtask: number }>;
  placement: Placement;
  settings: TaskSettings;
  /** The TaskManager's file system settings (e.g. the WebHDFS address), so `-D` overrides reach tasks. */
  fileSystemOptions: HdfsFileSystemOptions;
  /** The slot's managed memory and its spill directories (unset: the defaults of runtime/memory). */
  memory?: SlotMemorySettings;
  /** 0 for the job's first deployment, one more per restart. */
  attempt: number;
  checkpointing?: TaskCheckpointSettings;
  restore?: CheckpointMetadata;
  /**
   * Held and never used: the TaskManager learns from its closing that this thread's JavaScript has ended, even
   * when the thread's native teardown never finishes (taskmanager/task-thread-watch.ts).
   */
  lifeline?: MessagePort;
}

/** Channel coordinates: edge, producer subtask, consumer subtask. */
export interface ChannelMsg {
  e: number;
  p: number;
  c: number;
}

export type ToWorker =
  | (ChannelMsg & { t: 'data'; b: Uint8Array })
  | (ChannelMsg & { t: 'end' })
  | (ChannelMsg & { t: 'credit'; n: number })
  | { t: 'cancel' }
  /** Every parallel instance of a batch iteration finished a superstep: their reports, for the heads to decide. */
  | { t: 'superstep'; iteration: number; superstep: number; reports: SuperstepReport[] }
  /** A checkpoint starts: source tasks snapshot and emit barriers; every task learns where to write. */
  | { t: 'checkpoint'; id: number; timestamp: number; flags: number; directory: string }
  /** A checkpoint completed on every task (complete) or was aborted. */
  | { t: 'checkpoint-done'; id: number; complete: boolean }
  /** Sources stop producing and end normally (stop with --drain). */
  | { t: 'stop-sources' };

export type TaskStateMsg =
  | { t: 'state'; v: number; s: number; state: 'RUNNING' }
  | { t: 'state'; v: number; s: number; state: 'FINISHED'; result: TaskResult }
  | { t: 'state'; v: number; s: number; state: 'FAILED'; error: SerializedError };

export type FromWorker =
  | (ChannelMsg & { t: 'data'; b: Uint8Array })
  | (ChannelMsg & { t: 'end' })
  | (ChannelMsg & { t: 'credit'; n: number })
  | TaskStateMsg
  /** Running tasks' counters, every second, so the REST API shows progress. */
  /** Every second while tasks run: their figures, and this thread's heap (it counts towards the TaskManager's). */
  | { t: 'metrics'; tasks: Array<{ v: number; s: number; m: TaskMetrics }>; heap?: WorkerHeap }
  /** Setting up failed before any task could run (bundle import, graph mismatch). */
  | { t: 'init-failed'; error: SerializedError }
  /** An iteration head's instance finished a superstep (see iteration-channel.ts). */
  | { t: 'superstep'; iteration: number; report: SuperstepReport }
  /** A task wrote its part of a checkpoint. */
  | { t: 'checkpoint-ack'; v: number; s: number; id: number; handle: TaskStateHandle; stats: { syncMs: number; asyncMs: number; alignmentMs: number } }
  /** A task could not take its part of a checkpoint. */
  | { t: 'checkpoint-decline'; v: number; s: number; id: number; error: SerializedError }
  /** Every task of this worker is terminal and every message before this one was sent. */
  | { t: 'done' };

/** A task thread's V8 heap, bytes. */
export interface WorkerHeap {
  used: number;
  committed: number;
  limit: number;
}
