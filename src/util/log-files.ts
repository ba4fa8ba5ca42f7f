/**
 * A daemon's own files in its log directory, as the REST API serves them (`/jobmanager/log`, `/stdout`, `/logs`,
 * `/logs/:filename`, and the same under `/taskmanagers/:id`; TaskManagers serve theirs over RPC).
 *
 * Where they are: a daemon started by bin/flink-daemon.sh has FLINK_LOG_FILE=`<dir>/flink-<user>-<daemon>-<n>-<host>.log`
 * and its stdout/stderr in the `.out` next to it; a YARN container has `<LOG_DIR>/jobmanager.log` or
 * `taskmanager.log` and its stdout in the `.out` next to it (stderr in `.err`). So stdout is always the log
 * file's name with `.out` for `.log`, as Flink derives it.
 *
 * Which files belong to the daemon: those whose name starts with the log file's name without `.log` and a dot
 * (`<base>.log`, `<base>.out`, `<base>.err`, the rotated `<base>.log.1`, ...). Flink lists the whole log
 * directory; here several daemons of one host share it (bin/start-cluster.sh on one machine), and a TaskManager's
 * listing should not offer the JobManager's files. Only names of that listing can be read: no path leaves it.
 */
import { lstat, open, readdir } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { FlinkError } from './errors.js';

/** Flink's FileType of the TaskExecutor's files: the log and the stdout file. */
export type DaemonFileType = 'LOG' | 'STDOUT';

/** A file the REST API asks for: one of the two well-known ones, or a name from the listing. */
export type DaemonFileRef = { type: 'LOG' } | { type: 'STDOUT' } | { type: 'CUSTOM'; name: string };

/** Flink's LogInfo: `mtime` in milliseconds since the epoch. */
export interface LogInfo {
  name: string;
  size: number;
  mtime: number;
}

/** Bytes of a file from `offset` on, and the file as it was when they were read. */
export interface FileChunk {
  name: string;
  /** The file's size when the chunk was read. */
  size: number;
  mtime: number;
  /** Where `data` starts (a negative offset asked for counts from the end). */
  offset: number;
  data: Uint8Array;
}

/**
 * The most one read (and one RPC answer from a TaskManager) carries. A larger range is read chunk by chunk,
 * so a JobManager never holds more than about this much of a TaskManager's file per request, and the RPC
 * connection a TaskManager shares with its heartbeats is never blocked by one huge message.
 */
export const MAX_FILE_CHUNK_BYTES = 1024 * 1024;

/** Who the files belong to, for messages: `TaskManager 6a1f…` and how to start it with a log file. */
export interface DaemonDescription {
  who: string;
  startHint: string;
}

/** The daemon was started without a log file (no FLINK_LOG_FILE): it logs to its console. */
export class LogFileUnavailableError extends FlinkError {
  constructor(message: string) {
    super('LOG_FILE_UNAVAILABLE', message);
  }
}

/** The file asked for is not (or no longer) one of the daemon's files. */
export class LogFileNotFoundError extends FlinkError {
  constructor(message: string) {
    super('LOG_FILE_NOT_FOUND', message);
  }
}

export class DaemonLogFiles {
  private readonly logFile: string | undefined;

  /** `logFile`: the daemon's FLINK_LOG_FILE; undefined when it has none (start-foreground, embedded clusters). */
  constructor(logFile: string | undefined, private readonly daemon: DaemonDescription) {
    this.logFile = logFile === undefined || logFile === '' ? undefined : logFile;
  }

  get hasLogFile(): boolean {
    return this.logFile !== undefined;
  }

  /** The stdout file: the log file's name with `.out` for `.log`. */
  get stdoutFile(): string | undefined {
    return this.logFile === undefined ? undefined : `${this.filePrefix()}out`;
  }

  /** The daemon's files, by name; empty without a log file or when the directory is gone. */
  async list(): Promise<LogInfo[]> {
    const log = this.logFile;
    if (log === undefined) return [];
    const dir = dirname(log);
    const prefix = basename(this.filePrefix());
    let names: string[];
    try {
      names = await readdir(dir);
    } catch {
      return [];
    }
    const out: LogInfo[] = [];
    const own = basename(log);
    for (const name of names.filter((n) => n.startsWith(prefix) || n === own).sort()) {
      const info = await regularFile(join(dir, name));
      if (info) out.push({ name, size: info.size, mtime: info.mtime });
    }
    return out;
  }

  /**
   * Reads up to `maxBytes` (capped at {@link MAX_FILE_CHUNK_BYTES}) from `offset`; a negative offset counts from
   * the end (the last -offset bytes). An offset at or past the end reads nothing (the caller answers 416).
   */
  async read(ref: DaemonFileRef, offset: number, maxBytes: number): Promise<FileChunk> {
    const path = await this.pathOf(ref);
    const handle = await open(path, 'r').catch((err: NodeJS.ErrnoException) => {
      throw err.code === 'ENOENT' ? this.missing(ref, path) : err;
    });
    try {
      const st = await handle.stat();
      const size = st.size;
      const start = offset < 0 ? Math.max(0, size + offset) : offset;
      const want = Math.max(0, Math.min(maxBytes, MAX_FILE_CHUNK_BYTES, size - start));
      const data = Buffer.alloc(want);
      let got = 0;
      while (got < want) {
        const { bytesRead } = await handle.read(data, got, want - got, start + got);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
      return { name: basename(path), size, mtime: Math.floor(st.mtimeMs), offset: start, data: got === want ? data : data.subarray(0, got) };
    } finally {
      await handle.close();
    }
  }

  /** The path of a file the REST API asks for; throws the user-facing reason when there is none. */
  private async pathOf(ref: DaemonFileRef): Promise<string> {
    const log = this.logFile;
    if (log === undefined) {
      const what = ref.type === 'STDOUT' ? 'stdout (.out) file' : ref.type === 'LOG' ? 'log file' : `file '${ref.name}'`;
      throw new LogFileUnavailableError(
        `${this.daemon.who} has no ${what}: it was started without a log file (FLINK_LOG_FILE is not set, as for a ` +
          `daemon started with start-foreground or one of an embedded local cluster), so its log and print() output ` +
          `go to its console. Start it with ${this.daemon.startHint} to read them over REST.`,
      );
    }
    if (ref.type === 'LOG') return log;
    if (ref.type === 'STDOUT') return this.stdoutFile as string;
    // Only a name the listing shows: no separators, no links, nothing outside the daemon's own files.
    const name = ref.name;
    const listed = name !== '' && !name.includes('/') && !name.includes('\\') && (await this.list()).some((f) => f.name === name);
    if (!listed) {
      throw new LogFileNotFoundError(
        `${this.daemon.who} has no file named '${name}' among its log files in ${dirname(log)}; the logs listing (…/logs) names the ones it has.`,
      );
    }
    return join(dirname(log), name);
  }

  private missing(ref: DaemonFileRef, path: string): LogFileNotFoundError {
    const what = ref.type === 'STDOUT' ? 'stdout file' : ref.type === 'LOG' ? 'log file' : 'file';
    return new LogFileNotFoundError(`The ${what} ${path} of ${this.daemon.who} does not exist (it was removed or rotated away).`);
  }

  /** `<dir>/<name without .log>.`: what the daemon's files start with. */
  private filePrefix(): string {
    const log = this.logFile as string;
    return `${log.endsWith('.log') ? log.slice(0, -'.log'.length) : log}.`;
  }
}

async function regularFile(path: string): Promise<{ size: number; mtime: number } | undefined> {
  try {
    const st = await lstat(path);
    return st.isFile() ? { size: st.size, mtime: Math.floor(st.mtimeMs) } : undefined;
  } catch {
    return undefined;
  }
}
