/**
 * `hdfs://namenode:port/path` through WebHDFS. One instance per NameNode authority; the WebHDFS address and
 * user are resolved on first use (see hadoop-config.ts), so constructing one never touches the network.
 */
import { randomBytes } from 'node:crypto';
import type { FileStatus, FileSystem, FileWriter, WriteMode } from './file-system.js';
import { FileAlreadyExistsError, FileNotFoundError } from './local-file-system.js';
import { parseHdfsUri, resolveHdfsSettings, type HdfsClientSettings, type HdfsFileSystemOptions } from './hadoop-config.js';
import { HdfsOperationError, HdfsUriError } from './hdfs-errors.js';
import { WebHdfsClient, type WebHdfsFileStatus } from './webhdfs-client.js';

export const DEFAULT_WEBHDFS_TIMEOUT_MS = 60_000;

export interface HdfsFileSystemInit {
  /** host:port (or nameservice) of the NameNode this instance serves. */
  authority: string;
  options?: HdfsFileSystemOptions;
  /** Overrides the resolution from HADOOP_CONF_DIR / options (tests). */
  settings?: HdfsClientSettings;
  /** The environment to resolve HADOOP_CONF_DIR / HADOOP_USER_NAME from (default: process.env at first use). */
  env?: NodeJS.ProcessEnv;
}

export class HdfsFileSystem implements FileSystem {
  readonly scheme = 'hdfs';
  readonly authority: string;
  private client: WebHdfsClient | undefined;

  constructor(private readonly init: HdfsFileSystemInit) {
    this.authority = init.authority;
  }

  /** The WebHDFS client, created on first use so configuration errors surface at the operation. */
  webHdfs(): WebHdfsClient {
    if (!this.client) {
      const settings = this.init.settings ?? resolveHdfsSettings(this.authority, this.init.options ?? {}, this.init.env ?? process.env);
      this.client = new WebHdfsClient({
        settings,
        timeoutMs: this.init.options?.timeoutMs ?? DEFAULT_WEBHDFS_TIMEOUT_MS,
        displayUri: (p) => this.uri(p),
      });
    }
    return this.client;
  }

  async *open(uri: string, range?: { start: number; end?: number }): AsyncIterable<Uint8Array> {
    const path = this.pathOf(uri);
    const start = range?.start ?? 0;
    const end = range?.end;
    if (end !== undefined && end <= start) return;
    const client = this.webHdfs();
    if (start > 0) {
      // HDFS refuses an offset past the end of the file; an empty read is what the other file systems give.
      const st = await client.getFileStatus(path);
      if (!st) throw new FileNotFoundError(uri);
      if (start >= st.length) return;
    }
    yield* client.open(path, start, end === undefined ? undefined : end - start);
  }

  async create(uri: string, mode: WriteMode): Promise<FileWriter> {
    const path = this.pathOf(uri);
    const client = this.webHdfs();
    if (mode === 'NO_OVERWRITE' && (await client.getFileStatus(path))) throw new FileAlreadyExistsError(uri);
    const slash = path.lastIndexOf('/');
    const dir = path.slice(0, slash) || '/';
    const tmp = `${dir === '/' ? '' : dir}/.${path.slice(slash + 1)}.inprogress.${randomBytes(6).toString('hex')}`;
    // CREATE makes missing parents itself, but with the DataNode's umask; mkdirs keeps directories like the local ones.
    await client.mkdirs(dir);
    const upload = await client.create(tmp, false);
    let done = false;
    const removeTmp = async (): Promise<void> => {
      await client.delete(tmp, false).catch(() => false);
    };
    return {
      write: async (chunk) => {
        await upload.write(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
      },
      commit: async () => {
        if (done) return;
        done = true;
        try {
          await upload.finish();
          // rename2 is atomic: NONE fails if someone else created the path meanwhile, OVERWRITE replaces a file.
          await client.renameWithOptions(tmp, path, mode === 'NO_OVERWRITE' ? 'NONE' : 'OVERWRITE');
        } catch (err) {
          upload.abort();
          await removeTmp();
          if (err instanceof FileAlreadyExistsError) throw new FileAlreadyExistsError(uri);
          throw err;
        }
      },
      abort: async () => {
        if (done) return;
        done = true;
        upload.abort();
        await removeTmp();
      },
    };
  }

  async mkdirs(uri: string): Promise<void> {
    const path = this.pathOf(uri);
    if (!(await this.webHdfs().mkdirs(path))) throw new HdfsOperationError('mkdirs', uri, 'the NameNode refused to create the directory (a file may be in the way)');
  }

  async list(uri: string): Promise<FileStatus[]> {
    const path = this.pathOf(uri);
    const entries = await this.webHdfs().listStatus(path);
    const st = entries.length === 1 && entries[0]?.pathSuffix === '' ? entries[0] : undefined;
    // LISTSTATUS of a file answers the file itself; like a local readdir, a listing is of directories only.
    if (st && st.type !== 'DIRECTORY') throw new HdfsOperationError('list', uri, 'it is a file, not a directory');
    return entries
      .map((e) => this.status(childOf(path, e.pathSuffix), e))
      .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  async stat(uri: string): Promise<FileStatus | undefined> {
    const path = this.pathOf(uri);
    const st = await this.webHdfs().getFileStatus(path);
    return st ? this.status(path, st) : undefined;
  }

  async exists(uri: string): Promise<boolean> {
    return (await this.stat(uri)) !== undefined;
  }

  async delete(uri: string, recursive: boolean): Promise<boolean> {
    return this.webHdfs().delete(this.pathOf(uri), recursive);
  }

  async rename(from: string, to: string): Promise<void> {
    const src = this.pathOf(from);
    const dst = this.pathOf(to);
    const client = this.webHdfs();
    if (await client.rename(src, dst)) return;
    if (!(await client.getFileStatus(src))) throw new FileNotFoundError(from);
    throw new HdfsOperationError('rename', from, `the NameNode refused to move it to ${to} (the destination exists or its parent is missing)`);
  }

  /** hdfs://authority/path for an HDFS path. */
  uri(path: string): string {
    return `hdfs://${this.authority}${path}`;
  }

  private status(path: string, st: WebHdfsFileStatus): FileStatus {
    return { path: this.uri(path), length: st.length, modificationTime: st.modificationTime, isDirectory: st.type === 'DIRECTORY' };
  }

  private pathOf(uri: string): string {
    const u = parseHdfsUri(uri);
    if (u.authority !== this.authority) throw new HdfsUriError(uri, `this file system serves hdfs://${this.authority}, not hdfs://${u.authority}`);
    return u.path;
  }
}

function childOf(dir: string, name: string): string {
  if (name === '') return dir;
  return dir === '/' ? `/${name}` : `${dir}/${name}`;
}
