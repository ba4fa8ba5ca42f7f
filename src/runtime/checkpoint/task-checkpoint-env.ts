/**
 * What the tasks of one worker thread share about checkpoints: the job's settings, where each checkpoint's files
 * go (announced by the JobManager's trigger message, which can reach a task after the barrier did), and how
 * acknowledgements reach the JobManager.
 */
import type { CheckpointMetadata, TaskCheckpointSettings, TaskStateHandle } from './types.js';
import type { SerializedError } from '../../util/errors.js';

export interface CheckpointStatsReport {
  syncMs: number;
  asyncMs: number;
  alignmentMs: number;
}

export interface CheckpointReporter {
  ack(vertex: number, subtask: number, checkpointId: number, handle: TaskStateHandle, stats: CheckpointStatsReport): void;
  decline(vertex: number, subtask: number, checkpointId: number, error: SerializedError): void;
}

interface Env {
  settings: TaskCheckpointSettings | undefined;
  restore: CheckpointMetadata | undefined;
  attempt: number;
  reporter: CheckpointReporter;
  directories: Map<number, { dir: Promise<string>; resolve(dir: string): void }>;
}

let env: Env | undefined;

export function configureTaskCheckpoints(
  settings: TaskCheckpointSettings | undefined,
  restore: CheckpointMetadata | undefined,
  attempt: number,
  reporter: CheckpointReporter,
): void {
  env = { settings, restore, attempt, reporter, directories: new Map() };
}

/** The job's checkpoint settings in this worker (undefined: the job takes no checkpoints). */
export function taskCheckpointSettings(): TaskCheckpointSettings | undefined {
  return env?.settings;
}

/** The checkpoint or savepoint this deployment restores from. */
export function restoreMetadata(): CheckpointMetadata | undefined {
  return env?.restore;
}

export function executionAttempt(): number {
  return env?.attempt ?? 0;
}

export function checkpointReporter(): CheckpointReporter | undefined {
  return env?.reporter;
}

function entry(id: number): { dir: Promise<string>; resolve(dir: string): void } {
  const e = env as Env;
  let d = e.directories.get(id);
  if (!d) {
    let resolve!: (dir: string) => void;
    const dir = new Promise<string>((r) => (resolve = r));
    d = { dir, resolve };
    e.directories.set(id, d);
    // Only the last few checkpoints can still be written.
    for (const k of e.directories.keys()) if (k < id - 16) e.directories.delete(k);
  }
  return d;
}

/** The trigger message said where checkpoint `id` is written. */
export function announceCheckpointDirectory(id: number, directory: string): void {
  if (env) entry(id).resolve(directory);
}

/** Where checkpoint `id` is written, once the trigger message said so. */
export function checkpointDirectory(id: number): Promise<string> {
  return entry(id).dir;
}
