/**
 * readFile's source: lists a file or directory through the FileSystem interface (file://, hdfs://) and reads
 * each eligible file as lines; with PROCESS_CONTINUOUSLY it lists again every `interval` ms and reads new
 * files and files whose modification time changed (whole, again, as Flink does). Every subtask lists by
 * itself and reads the files of its file groups, so no coordination is needed.
 *
 * Files are spread by a hash of their name over a fixed number of file groups (the operator's max parallelism),
 * and each subtask holds a contiguous range of groups, as keyed state holds key groups. The checkpointed
 * position is one {@link FileGroupState} per group: the files of the group already taken (with their
 * modification times) and the files queued or being read (with the offset of their next line). Restored at
 * another parallelism, a subtask reads and watches exactly the groups it was given, so every file keeps exactly
 * one reader — also files that appear only after the restore.
 */
import { childPath, getFileSystem, type FileStatus, type FileSystem } from '../../fs/index.js';
import { FlinkError } from '../../util/errors.js';
import { keyGroupRangeForSubtask } from '../state/index.js';
import type { OperatorFactory } from './operator.js';
import { pauseUnless } from './source-timing.js';
import { encodingOf, readSplitLines } from './sources.js';
import { RestoredSourceStateError, splitDone, type SplitPosition } from './source-positions.js';

export class MonitoredPathNotFoundError extends FlinkError {
  constructor(path: string) {
    super('READ_FILE_PATH_NOT_FOUND', `readFile: the path ${path} does not exist. Create the directory (or file) before starting the job, or fix the path.`);
  }
}

function basename(p: string): string {
  const trimmed = p.endsWith('/') ? p.slice(0, -1) : p;
  return trimmed.slice(trimmed.lastIndexOf('/') + 1);
}

/** Flink's default file filter: hidden ('.'), underscore ('_') and in-flight HDFS copies ('_COPYING_') are skipped. */
export function isIgnoredFile(name: string): boolean {
  return name.startsWith('.') || name.startsWith('_') || name.includes('_COPYING_');
}

/** The file group of a file: a stable hash of its name, so every subtask agrees without talking. */
export function fileGroup(name: string, groups: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % groups;
}

/** The eligible files of `root` (itself when it is a file), oldest modification first. */
export async function listEligibleFiles(fs: FileSystem, root: string): Promise<FileStatus[]> {
  const st = await fs.stat(root);
  if (!st) throw new MonitoredPathNotFoundError(root);
  if (!st.isDirectory) return [{ ...st, path: root }];
  const files = (await fs.list(root))
    .filter((f) => !f.isDirectory && !isIgnoredFile(basename(f.path)))
    .map((f) => ({ ...f, path: f.path.includes('://') ? f.path : childPath(root, basename(f.path)) }));
  return files.sort(byListingOrder);
}

function byListingOrder(a: { modificationTime: number; path: string }, b: { modificationTime: number; path: string }): number {
  return a.modificationTime - b.modificationTime || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);
}

/**
 * Which of `files` to read now, given the modification times read before (updated in place; files gone
 * from the listing are forgotten so the map stays as large as the directory). `owns` says whether a file is
 * this subtask's to read.
 */
export function filesToRead(files: readonly FileStatus[], seen: Map<string, number>, owns: (path: string) => boolean): FileStatus[] {
  const present = new Set<string>();
  const todo: FileStatus[] = [];
  for (const f of files) {
    present.add(f.path);
    if (!owns(f.path)) continue;
    if (seen.get(f.path) === f.modificationTime) continue;
    seen.set(f.path, f.modificationTime);
    todo.push(f);
  }
  for (const p of seen.keys()) if (!present.has(p)) seen.delete(p);
  return todo;
}

/** A file queued or being read: the whole file as a split, with the modification time it was listed with. */
export interface QueuedFile extends SplitPosition {
  modificationTime: number;
}

/** The checkpointed position of one file group (an operator-state item). */
export interface FileGroupState {
  group: number;
  /** How many groups there are (the same in every item of the source). */
  groups: number;
  /** Files of the group already taken, with their modification times: `[path, modificationTime]`. */
  files: Array<[string, number]>;
  /** Files of the group queued or being read, in reading order. */
  reading: QueuedFile[];
}

/** The positions of one subtask: the groups it holds, what it has taken and what it still has to read. */
export class FileMonitorPositions {
  /** Path → modification time of every file taken (read, being read or queued). */
  readonly seen = new Map<string, number>();
  /** Files still to read (the head may be half read), oldest listing first. */
  queue: QueuedFile[] = [];

  private constructor(
    readonly groups: number,
    private readonly held: ReadonlySet<number>,
  ) {}

  /** A fresh start: the subtask's contiguous range of `groups` groups. */
  static fresh(groups: number, parallelism: number, subtask: number): FileMonitorPositions {
    const range = keyGroupRangeForSubtask(groups, parallelism, subtask);
    const held = new Set<number>();
    for (let g = range.start; g <= range.end; g++) held.add(g);
    return new FileMonitorPositions(groups, held);
  }

  /** A restore: the groups in `items`, with what they had taken and were reading. */
  static restore(items: readonly unknown[], source: string): FileMonitorPositions {
    const states = items.map((item) => checkGroupState(item, source));
    const groups = states[0]?.groups ?? 1;
    for (const s of states) if (s.groups !== groups) throw new RestoredSourceStateError(source, `file group state with ${groups} groups`, s);
    const positions = new FileMonitorPositions(groups, new Set(states.map((s) => s.group)));
    for (const s of states) {
      for (const [path, mtime] of s.files) positions.seen.set(path, mtime);
      for (const f of s.reading) {
        positions.seen.set(f.path, f.modificationTime);
        positions.queue.push({ ...f });
      }
    }
    // Items come by group; reading goes on in listing order (oldest first), as it would have without the failure.
    positions.queue.sort(byListingOrder);
    return positions;
  }

  owns(path: string): boolean {
    return this.held.has(fileGroup(basename(path), this.groups));
  }

  /** Takes the new and changed files of a listing: they are queued (and count as taken) at once. */
  take(files: readonly FileStatus[]): void {
    for (const f of filesToRead(files, this.seen, (p) => this.owns(p))) {
      if (f.length > 0) this.queue.push({ path: f.path, start: 0, end: f.length, offset: 0, modificationTime: f.modificationTime });
    }
  }

  /** One item per held group, also for groups with nothing in them, so every group keeps exactly one holder. */
  snapshot(): FileGroupState[] {
    const byGroup = new Map<number, FileGroupState>();
    for (const g of [...this.held].sort((a, b) => a - b)) byGroup.set(g, { group: g, groups: this.groups, files: [], reading: [] });
    const groupOf = (path: string): FileGroupState => byGroup.get(fileGroup(basename(path), this.groups)) as FileGroupState;
    const pending = new Set<string>();
    for (const f of this.queue) {
      if (splitDone(f)) continue;
      pending.add(f.path);
      groupOf(f.path).reading.push({ path: f.path, start: f.start, end: f.end, offset: f.offset, modificationTime: f.modificationTime });
    }
    for (const [path, mtime] of this.seen) if (!pending.has(path)) groupOf(path).files.push([path, mtime]);
    return [...byGroup.values()];
  }
}

function checkGroupState(item: unknown, source: string): FileGroupState {
  const s = item as Partial<FileGroupState> | null;
  const count = (v: unknown): boolean => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
  const ok =
    s !== null &&
    typeof s === 'object' &&
    count(s.group) &&
    count(s.groups) &&
    (s.groups as number) > (s.group as number) &&
    Array.isArray(s.files) &&
    s.files.every((f) => Array.isArray(f) && typeof f[0] === 'string' && typeof f[1] === 'number') &&
    Array.isArray(s.reading) &&
    s.reading.every((f: Partial<QueuedFile>) => typeof f.path === 'string' && count(f.start) && count(f.end) && count(f.offset) && typeof f.modificationTime === 'number');
  if (!ok) throw new RestoredSourceStateError(source, 'file group state {group, groups, files, reading}', item);
  return s as FileGroupState;
}

export const fileMonitorSource: OperatorFactory = (ctx) => {
  let closed = false;
  const stopped = (): boolean => closed || ctx.cancelled;
  let positions = FileMonitorPositions.fresh(ctx.maxParallelism, ctx.parallelism, ctx.subtask);
  return {
    initializeState: (restored) => {
      if (restored !== undefined) positions = FileMonitorPositions.restore(restored, `readFile source ${ctx.taskName}`);
    },
    snapshotState: () => positions.snapshot(),
    run: async () => {
      const root = ctx.resolvePath(ctx.params.path as string);
      const fs = getFileSystem(root);
      const encoding = encodingOf(ctx.params.charset);
      const continuous = ctx.params.continuous === true;
      const interval = ctx.params.interval as number;
      const out = ctx.output;
      const emit = (line: string): void => out.collect(line);
      /** Reads the queue to its end; false when the source was stopped on the way. */
      const drain = async (): Promise<boolean> => {
        for (let f = positions.queue[0]; f !== undefined; f = positions.queue[0]) {
          await readSplitLines(fs, f, encoding, emit, ctx);
          if (stopped()) return false;
          positions.queue.shift();
        }
        return true;
      };
      // What a restore left queued or half read goes first.
      if (!(await drain())) return;
      for (;;) {
        positions.take(await listEligibleFiles(fs, root));
        if (!(await drain()) || !continuous) return;
        await pauseUnless(interval, stopped);
        if (stopped()) return;
      }
    },
    close: () => {
      closed = true;
    },
  };
};
