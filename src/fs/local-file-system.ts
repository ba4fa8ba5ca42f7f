/** `file://` URIs and plain paths. */
import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, rename, rm, rmdir, stat } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { FileStatus, FileSystem, FileWriter, WriteMode } from './file-system.js';
import { FlinkError } from '../util/errors.js';

export class FileAlreadyExistsError extends FlinkError {
  constructor(path: string) {
    super(
      'FILE_EXISTS',
      `File or directory ${path} already exists. Existing files and directories are not overwritten in NO_OVERWRITE mode. ` +
        "Use OVERWRITE mode (e.g. writeAsText(path, 'OVERWRITE')) to overwrite existing files and directories, or choose another path.",
    );
  }
}

export class FileNotFoundError extends FlinkError {
  constructor(path: string, cause?: unknown) {
    super('FILE_NOT_FOUND', `File ${path} does not exist or the user running flink-ts has no access to it.`, { cause });
  }
}

/** Writing a file or creating a directory failed for a reason the user has to fix (read-only, permissions, space). */
export class FileWriteError extends FlinkError {
  constructor(message: string, cause: unknown) {
    super('FILE_WRITE_FAILED', message, { cause });
  }
}

/** An error of a write-side call on `path`, with what it means and what to do. */
export function writeFailure(err: unknown, path: string, action: string): unknown {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const head = `Could not ${action} ${path}`;
  switch (code) {
    case 'EROFS':
      return new FileWriteError(`${head}: the file system is read-only. Choose an output path on a writable file system.`, err);
    case 'EACCES':
    case 'EPERM':
      return new FileWriteError(`${head}: permission denied for the user running flink-ts (${userName()}). Choose another path or change its permissions.`, err);
    case 'ENOSPC':
    case 'EDQUOT':
      return new FileWriteError(`${head}: no space left on the device (or the disk quota is used up). Free space or choose another path.`, err);
    case 'ENOTDIR':
      return new FileWriteError(`${head}: a parent of it is a file, not a directory. Choose another path.`, err);
    case 'ENOENT':
      return new FileWriteError(`${head}: its parent directory does not exist and cannot be created there. Choose another path.`, err);
    default:
      return err;
  }
}

function userName(): string {
  try {
    return userInfo().username;
  } catch {
    return `uid ${process.getuid?.() ?? '?'}`;
  }
}

/**
 * `mkdir -p`, one level at a time. Node's recursive mkdir reports ENOENT where the real cause is a read-only
 * file system, and never returns for some paths under /proc; one level at a time gives the real error.
 */
async function mkdirs(path: string): Promise<void> {
  const missing: string[] = [];
  for (let p = resolve(path); ; p = dirname(p)) {
    const st = await stat(p).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return undefined;
      throw writeFailure(err, p, 'create directory');
    });
    if (st?.isDirectory()) break;
    if (st) throw writeFailure(Object.assign(new Error(`${p} is a file`), { code: 'ENOTDIR' }), path, 'create directory');
    missing.push(p);
    if (dirname(p) === p) break;
  }
  for (const dir of missing.reverse()) {
    try {
      await mkdir(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw writeFailure(err, dir, 'create directory');
    }
  }
}

export function toLocalPath(uri: string): string {
  return uri.startsWith('file:') ? fileURLToPath(uri.startsWith('file://') ? uri : `file://${uri.slice(5)}`) : uri;
}

export class LocalFileSystem implements FileSystem {
  readonly scheme = 'file';

  async *open(uri: string, range?: { start: number; end?: number }): AsyncIterable<Uint8Array> {
    const path = toLocalPath(uri);
    const end = range?.end;
    if (end !== undefined && range && end <= range.start) return;
    const stream = createReadStream(path, {
      start: range?.start ?? 0,
      ...(end !== undefined ? { end: end - 1 } : {}),
      // 64 KiB, not more: a reader works through a chunk while the young generation fills with its
      // records, and a bigger chunk lives through more scavenges, gets promoted, and then waits (as
      // external memory) for a full GC: with 256 KiB, a batch WordCount TaskManager peaked at 210-270 MiB, not ~85.
      highWaterMark: 64 * 1024,
    });
    try {
      for await (const chunk of stream) yield chunk as Buffer;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new FileNotFoundError(path, err);
      throw err;
    }
  }

  async create(uri: string, mode: WriteMode): Promise<FileWriter> {
    const path = toLocalPath(uri);
    if (mode === 'NO_OVERWRITE' && (await this.exists(path))) throw new FileAlreadyExistsError(path);
    await mkdirs(dirname(path));
    const tmp = join(dirname(path), `.${basename(path)}.inprogress.${randomBytes(6).toString('hex')}`);
    const fh = await open(tmp, 'wx').catch((err: unknown) => {
      throw writeFailure(err, path, 'write');
    });
    let done = false;
    return {
      write: async (chunk) => {
        await fh.write(typeof chunk === 'string' ? Buffer.from(chunk) : chunk).catch((err: unknown) => {
          throw writeFailure(err, path, 'write');
        });
      },
      commit: async () => {
        if (done) return;
        done = true;
        await fh.close();
        if (mode === 'NO_OVERWRITE' && (await this.exists(path))) {
          await rm(tmp, { force: true });
          throw new FileAlreadyExistsError(path);
        }
        await rename(tmp, path);
      },
      abort: async () => {
        if (done) return;
        done = true;
        await fh.close().catch(() => {});
        await rm(tmp, { force: true });
      },
    };
  }

  async mkdirs(uri: string): Promise<void> {
    await mkdirs(toLocalPath(uri));
  }

  async list(uri: string): Promise<FileStatus[]> {
    const dir = toLocalPath(uri);
    const names = await readdir(dir);
    const out: FileStatus[] = [];
    for (const n of names.sort()) {
      const s = await this.stat(join(dir, n));
      if (s) out.push(s);
    }
    return out;
  }

  async stat(uri: string): Promise<FileStatus | undefined> {
    const path = toLocalPath(uri);
    try {
      const s = await stat(path);
      return { path, length: s.size, modificationTime: s.mtimeMs, isDirectory: s.isDirectory() };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  async exists(uri: string): Promise<boolean> {
    return (await this.stat(uri)) !== undefined;
  }

  async delete(uri: string, recursive: boolean): Promise<boolean> {
    const path = toLocalPath(uri);
    const st = await this.stat(path);
    if (!st) return false;
    // Non-recursive: an empty directory goes (as in Flink and HDFS); rmdir refuses a non-empty one.
    if (st.isDirectory && !recursive) await rmdir(path);
    else await rm(path, { recursive, force: true });
    return true;
  }

  async rename(from: string, to: string): Promise<void> {
    await rename(toLocalPath(from), toLocalPath(to));
  }
}
