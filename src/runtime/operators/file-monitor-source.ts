/**
 * readFile's source: lists a file or directory through the FileSystem interface (file://, hdfs://) and reads
 * each eligible file as lines; with PROCESS_CONTINUOUSLY it lists again every `interval` ms and reads new
 * files and files whose modification time changed (whole, again, as Flink does). Every subtask lists by
 * itself and reads the files {@link fileOwner} gives it, so no coordination is needed.
 */
import { childPath, getFileSystem, type FileStatus, type FileSystem } from '../../fs/index.js';
import { FlinkError } from '../../util/errors.js';
import type { OperatorFactory } from './operator.js';
import { pauseUnless } from './source-timing.js';
import { encodingOf, readSplitLines } from './sources.js';

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

/** The subtask that reads a file: a stable hash of its name, so every subtask agrees without talking. */
export function fileOwner(name: string, parallelism: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % parallelism;
}

/** The eligible files of `root` (itself when it is a file), oldest modification first. */
export async function listEligibleFiles(fs: FileSystem, root: string): Promise<FileStatus[]> {
  const st = await fs.stat(root);
  if (!st) throw new MonitoredPathNotFoundError(root);
  if (!st.isDirectory) return [{ ...st, path: root }];
  const files = (await fs.list(root))
    .filter((f) => !f.isDirectory && !isIgnoredFile(basename(f.path)))
    .map((f) => ({ ...f, path: f.path.includes('://') ? f.path : childPath(root, basename(f.path)) }));
  return files.sort((a, b) => a.modificationTime - b.modificationTime || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/**
 * Which of `files` to read now, given the modification times read before (updated in place; files gone
 * from the listing are forgotten so the map stays as large as the directory).
 */
export function filesToRead(files: readonly FileStatus[], seen: Map<string, number>, subtask: number, parallelism: number): FileStatus[] {
  const present = new Set<string>();
  const todo: FileStatus[] = [];
  for (const f of files) {
    present.add(f.path);
    if (fileOwner(basename(f.path), parallelism) !== subtask) continue;
    if (seen.get(f.path) === f.modificationTime) continue;
    seen.set(f.path, f.modificationTime);
    todo.push(f);
  }
  for (const p of seen.keys()) if (!present.has(p)) seen.delete(p);
  return todo;
}

export const fileMonitorSource: OperatorFactory = (ctx) => {
  let closed = false;
  const stopped = (): boolean => closed || ctx.cancelled;
  return {
    run: async () => {
      const root = ctx.resolvePath(ctx.params.path as string);
      const fs = getFileSystem(root);
      const encoding = encodingOf(ctx.params.charset);
      const continuous = ctx.params.continuous === true;
      const interval = ctx.params.interval as number;
      const seen = new Map<string, number>();
      const out = ctx.output;
      const emit = (line: string): void => out.collect(line);
      for (;;) {
        const todo = filesToRead(await listEligibleFiles(fs, root), seen, ctx.subtask, ctx.parallelism);
        for (const f of todo) {
          if (f.length > 0) await readSplitLines(fs, { path: f.path, start: 0, end: f.length }, encoding, emit, ctx);
          if (stopped()) return;
        }
        if (!continuous || stopped()) return;
        await pauseUnless(interval, stopped);
        if (stopped()) return;
      }
    },
    close: () => {
      closed = true;
    },
  };
};
