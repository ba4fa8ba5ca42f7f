/**
 * A small WebHDFS REST client on Node's fetch. Not the `webhdfs` npm package: on Node 20 its
 * createWriteStream lost the data of a short upload (the source ended before the NameNode's 307 arrived: an
 * empty file, no error), reported 'finish' before the DataNode had the data, dropped the RemoteException
 * class (only the message survived, so "not found" and "permission denied" could not be told apart), had no
 * timeouts, and pulls in the deprecated `request`.
 *
 * Redirects are followed by hand (redirect: 'manual') so that a NameNode that cannot be reached and a
 * DataNode that cannot be reached are different errors, each naming its address. Every request is bounded
 * by `timeoutMs`; data streams fail when they stall that long. Retries are few and only for idempotent calls.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { once } from 'node:events';
import { FileAlreadyExistsError, FileNotFoundError } from './local-file-system.js';
import type { HdfsClientSettings, WebHdfsEndpoint } from './hadoop-config.js';
import { DataNodeUnreachableError, NameNodeUnreachableError, PermissionDeniedError, WebHdfsRemoteError, WebHdfsTimeoutError } from './hdfs-errors.js';

/** HDFS's FileStatus as WebHDFS returns it. */
export interface WebHdfsFileStatus {
  pathSuffix: string;
  type: 'FILE' | 'DIRECTORY' | 'SYMLINK';
  length: number;
  modificationTime: number;
  owner?: string;
  permission?: string;
}

export interface WebHdfsClientInit {
  settings: HdfsClientSettings;
  timeoutMs: number;
  /** Turns an HDFS path into the URI users wrote (hdfs://nn:port/path), for error messages. */
  displayUri: (path: string) => string;
}

/** An upload in progress to a DataNode: the bytes stream through while `write` is called. */
export interface WebHdfsUpload {
  write(chunk: Uint8Array): Promise<void>;
  /** Ends the data and waits until the DataNode confirmed the file (201). */
  finish(): Promise<void>;
  /** Stops the upload; the (partial) file may remain and is the caller's to delete. */
  abort(): void;
}

const RETRYABLE_NETWORK = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET']);
const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT']);
const MAX_ATTEMPTS = 3;

interface RemoteException {
  exception: string;
  javaClassName?: string;
  message: string;
}

export class WebHdfsClient {
  constructor(private readonly init: WebHdfsClientInit) {}

  get user(): string {
    return this.init.settings.user;
  }

  async getFileStatus(path: string): Promise<WebHdfsFileStatus | undefined> {
    try {
      const body = (await this.call('GET', 'GETFILESTATUS', path, {}, true)) as { FileStatus: WebHdfsFileStatus };
      return body.FileStatus;
    } catch (err) {
      if (err instanceof FileNotFoundError) return undefined;
      throw err;
    }
  }

  async listStatus(path: string): Promise<WebHdfsFileStatus[]> {
    const body = (await this.call('GET', 'LISTSTATUS', path, {}, true)) as { FileStatuses: { FileStatus: WebHdfsFileStatus[] } };
    return body.FileStatuses.FileStatus;
  }

  /** `permission` is octal, e.g. '700' (WebHDFS's default is 755, less the umask). */
  async mkdirs(path: string, permission?: string): Promise<boolean> {
    return ((await this.call('PUT', 'MKDIRS', path, permission === undefined ? {} : { permission }, true)) as { boolean: boolean }).boolean;
  }

  /** The user's home directory as the NameNode sees it (`/user/<name>`), whether or not it exists. */
  async getHomeDirectory(): Promise<string> {
    return ((await this.call('GET', 'GETHOMEDIRECTORY', '/', {}, true)) as { Path: string }).Path;
  }

  async setPermission(path: string, permission: string): Promise<void> {
    await this.call('PUT', 'SETPERMISSION', path, { permission }, true);
  }

  async delete(path: string, recursive: boolean): Promise<boolean> {
    return ((await this.call('DELETE', 'DELETE', path, { recursive: String(recursive) }, false)) as { boolean: boolean }).boolean;
  }

  /** Plain RENAME: false when the source is missing or the destination exists. */
  async rename(from: string, to: string): Promise<boolean> {
    return ((await this.call('PUT', 'RENAME', from, { destination: to }, false)) as { boolean: boolean }).boolean;
  }

  /**
   * Hadoop's rename2 (`renameoptions`): atomic; with NONE it fails with FileAlreadyExistsError when `to`
   * exists, with OVERWRITE it replaces a file at `to`.
   */
  async renameWithOptions(from: string, to: string, option: 'NONE' | 'OVERWRITE'): Promise<void> {
    await this.call('PUT', 'RENAME', from, { destination: to, renameoptions: option }, false);
  }

  /** The bytes [offset, offset+length) of a file (length undefined: to the end). */
  async *open(path: string, offset: number, length: number | undefined): AsyncIterable<Uint8Array> {
    if (length !== undefined && length <= 0) return;
    const params: Record<string, string> = { offset: String(offset) };
    if (length !== undefined) params.length = String(length);
    const location = await this.redirect('GET', 'OPEN', path, params, true);
    const abort = new AbortController();
    // The clock runs only while we wait for the DataNode: a consumer held up by backpressure is not a stall.
    const stall = new StallTimer(this.init.timeoutMs, () => abort.abort(new WebHdfsTimeoutError(`Reading ${this.init.displayUri(path)} from DataNode ${hostOfUrl(location)}`, this.init.timeoutMs)));
    let chunks: AsyncIterator<Uint8Array> | undefined;
    try {
      stall.arm();
      const res = await this.dataNodeFetch(location, path, { method: 'GET', signal: abort.signal });
      if (res.status !== 200) throw await this.errorOf(res, 'OPEN', path, location);
      if (!res.body) return;
      chunks = res.body[Symbol.asyncIterator]();
      for (;;) {
        stall.arm();
        const next = await chunks.next();
        stall.disarm();
        if (next.done) break;
        yield next.value;
      }
    } catch (err) {
      throw abort.signal.aborted && abort.signal.reason instanceof Error ? abort.signal.reason : err;
    } finally {
      stall.disarm();
      // Stopping early (a consumer's break) must not leave the DataNode connection streaming.
      if (!abort.signal.aborted) abort.abort();
      await chunks?.return?.().catch(() => undefined);
    }
  }

  /**
   * Starts CREATE: the NameNode picks a DataNode, the data then streams to it as it is written. The upload
   * uses node:http, not fetch: Hadoop's DataNode answers every PUT with an unsolicited `100 Continue` before
   * its 201, which undici's fetch rejects as a "bad response".
   */
  async create(path: string, overwrite: boolean, options: { replication?: number; permission?: string } = {}): Promise<WebHdfsUpload> {
    const params: Record<string, string> = { overwrite: String(overwrite) };
    if (options.replication !== undefined) params.replication = String(options.replication);
    if (options.permission !== undefined) params.permission = options.permission;
    const location = await this.redirect('PUT', 'CREATE', path, params, false);
    const target = new URL(location);
    const dataNode = target.host;
    const what = `Writing ${this.init.displayUri(path)} to DataNode ${dataNode}`;
    const req = (target.protocol === 'https:' ? httpsRequest : httpRequest)(target, {
      method: 'PUT',
      headers: { 'content-type': 'application/octet-stream', 'transfer-encoding': 'chunked' },
    });
    const stall = new StallTimer(this.init.timeoutMs, () => req.destroy(new WebHdfsTimeoutError(what, this.init.timeoutMs)));
    let failure: unknown;
    let aborted = false;
    const response = new Promise<void>((resolve, reject) => {
      req.once('error', (err) => {
        if (err instanceof WebHdfsTimeoutError) reject(err);
        else if (aborted) reject(new Error(`${what}: aborted`));
        else reject(this.dataNodeNetworkError(err, dataNode, path));
      });
      req.once('response', (res: IncomingMessage) => {
        const parts: Buffer[] = [];
        res.on('data', (c: Buffer) => parts.push(c));
        res.once('error', reject);
        res.once('end', () => {
          if (res.statusCode === 201 || res.statusCode === 200) resolve();
          else reject(this.errorFromBody(res.statusCode ?? 0, res.statusMessage ?? '', Buffer.concat(parts).toString('utf8'), 'CREATE', path, dataNode));
        });
      });
    }).catch((err: unknown) => {
      failure = err;
      stall.disarm();
      req.destroy();
      throw err;
    });
    // Errors surface through write()/finish(); this keeps an early failure from being "unhandled".
    response.catch(() => {});
    return {
      write: async (chunk) => {
        if (failure !== undefined) throw failure;
        if (!req.write(chunk)) {
          stall.arm();
          try {
            await Promise.race([once(req, 'drain'), response.then(() => Promise.reject(new Error(`${what}: the DataNode answered before the data was complete`)))]);
          } finally {
            stall.disarm();
          }
        }
      },
      finish: async () => {
        if (failure !== undefined) throw failure;
        stall.arm();
        req.end();
        try {
          await response;
        } finally {
          stall.disarm();
        }
      },
      abort: () => {
        stall.disarm();
        aborted = true;
        req.destroy();
      },
    };
  }

  // ---- requests to the NameNode ----

  /** A NameNode call that answers with JSON (or nothing). Fails over to the next endpoint on a standby NameNode. */
  private async call(method: string, op: string, path: string, params: Record<string, string>, idempotent: boolean): Promise<unknown> {
    const res = await this.nameNode(method, op, path, params, idempotent);
    const text = await res.text();
    return text.length > 0 ? JSON.parse(text) : {};
  }

  /** OPEN/CREATE step one: the DataNode URL the NameNode redirects to. */
  private async redirect(method: string, op: string, path: string, params: Record<string, string>, idempotent: boolean): Promise<string> {
    const res = await this.nameNode(method, op, path, params, idempotent);
    const location = res.headers.get('location');
    if (location) {
      await res.body?.cancel();
      return location;
    }
    // noredirect-style answer: {"Location": "..."}.
    const body = (await res.json().catch(() => ({}))) as { Location?: string };
    if (body.Location) return body.Location;
    throw new WebHdfsRemoteError('MissingRedirect', op, this.init.displayUri(path), `the NameNode answered HTTP ${res.status} without a DataNode location`, true);
  }

  private async nameNode(method: string, op: string, path: string, params: Record<string, string>, idempotent: boolean): Promise<Response> {
    const endpoints = this.init.settings.endpoints;
    let lastError: unknown;
    for (let e = 0; e < endpoints.length; e++) {
      const ep = endpoints[e] as WebHdfsEndpoint;
      const url = this.url(ep, op, path, params);
      for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
        let res: Response;
        try {
          res = await fetch(url, { method, redirect: 'manual', signal: AbortSignal.timeout(this.init.timeoutMs) });
        } catch (err) {
          const code = networkCode(err);
          lastError = isTimeout(err)
            ? new NameNodeUnreachableError(`${ep.baseUrl}/webhdfs/v1`, ep.source, `no answer to ${op} within ${this.init.timeoutMs} ms (fs.hdfs.webhdfs.timeout)`, err)
            : new NameNodeUnreachableError(`${ep.baseUrl}/webhdfs/v1`, ep.source, describeNetworkError(err), err);
          // A refused connection is retried only briefly: the NameNode is down, not busy.
          if ((idempotent || code === 'ECONNREFUSED') && code !== undefined && RETRYABLE_NETWORK.has(code) && attempt < MAX_ATTEMPTS) {
            await delay(150 * attempt);
            continue;
          }
          break;
        }
        if (res.status >= 200 && res.status < 400) return res;
        const { remote, text } = await readRemoteException(res);
        if (!remote) {
          throw new NameNodeUnreachableError(`${ep.baseUrl}/webhdfs/v1`, ep.source, `it answered HTTP ${res.status} but not as WebHDFS ('${snippet(text)}')`);
        }
        if (remote.exception === 'StandbyException') {
          lastError = new WebHdfsRemoteError(remote.exception, op, this.init.displayUri(path), remote.message, true);
          break;
        }
        if ((remote.exception === 'RetriableException' || remote.exception === 'SafeModeException') && idempotent && attempt < MAX_ATTEMPTS) {
          lastError = this.mapRemote(remote, op, path);
          await delay(300 * attempt);
          continue;
        }
        throw this.mapRemote(remote, op, path);
      }
    }
    throw lastError;
  }

  private url(ep: WebHdfsEndpoint, op: string, path: string, params: Record<string, string>): string {
    const q = new URLSearchParams({ op, 'user.name': this.init.settings.user, ...params });
    return `${ep.baseUrl}/webhdfs/v1${path.split('/').map(encodeURIComponent).join('/')}?${q.toString()}`;
  }

  private async dataNodeFetch(location: string, path: string, init: RequestInit): Promise<Response> {
    try {
      return await fetch(location, { ...init, redirect: 'manual' });
    } catch (err) {
      const signal = init.signal;
      if (signal?.aborted && signal.reason instanceof Error) throw signal.reason;
      throw this.dataNodeNetworkError(err, hostOfUrl(location), path);
    }
  }

  private async errorOf(res: Response, op: string, path: string, location: string): Promise<Error> {
    const text = await res.text().catch(() => '');
    return this.errorFromBody(res.status, res.statusText, text, op, path, hostOfUrl(location));
  }

  private errorFromBody(status: number, statusText: string, text: string, op: string, path: string, dataNode: string): Error {
    const remote = parseRemoteException(text);
    if (remote) return this.mapRemote(remote, op, path);
    return new WebHdfsRemoteError(`HTTP ${status}`, op, this.init.displayUri(path), `DataNode ${dataNode} answered ${status} ${statusText} ('${snippet(text)}')`, true);
  }

  /** A connection that could not be made is "unreachable"; one that broke or spoke nonsense is not. */
  private dataNodeNetworkError(err: unknown, dataNode: string, path: string): Error {
    const code = networkCode(err);
    if (code !== undefined && UNREACHABLE.has(code)) return new DataNodeUnreachableError(dataNode, this.init.displayUri(path), describeNetworkError(err), err);
    return new WebHdfsRemoteError('DataNodeConnectionError', 'transfer', this.init.displayUri(path), `the connection to DataNode ${dataNode} failed: ${describeNetworkError(err)}`, true, err);
  }

  private mapRemote(remote: RemoteException, op: string, path: string): Error {
    const uri = this.init.displayUri(path);
    const cause = new Error(`${remote.javaClassName ?? remote.exception}: ${remote.message}`);
    switch (remote.exception) {
      case 'FileNotFoundException':
        return new FileNotFoundError(uri, cause);
      case 'FileAlreadyExistsException':
        return new FileAlreadyExistsError(uri);
      case 'AccessControlException':
      case 'SecurityException':
        return new PermissionDeniedError(uri, this.init.settings.user, remote.message, cause);
      default:
        return new WebHdfsRemoteError(remote.exception, op, uri, remote.message, ['SafeModeException', 'RetriableException', 'StandbyException', 'IOException'].includes(remote.exception), cause);
    }
  }
}

async function readRemoteException(res: Response): Promise<{ remote: RemoteException | undefined; text: string }> {
  const text = await res.text().catch(() => '');
  return { remote: parseRemoteException(text), text };
}

function parseRemoteException(text: string): RemoteException | undefined {
  try {
    const parsed = JSON.parse(text) as { RemoteException?: RemoteException };
    const r = parsed.RemoteException;
    if (r && typeof r.exception === 'string') return { exception: r.exception, message: String(r.message ?? ''), ...(r.javaClassName ? { javaClassName: r.javaClassName } : {}) };
  } catch {
    // Not JSON: the caller decides what that means.
  }
  return undefined;
}

function snippet(text: string): string {
  const s = text.replace(/\s+/g, ' ').trim().slice(0, 200);
  return s.length > 0 ? s : 'empty body';
}

function networkCode(err: unknown): string | undefined {
  let cur: unknown = err;
  for (let i = 0; i < 4 && cur; i++) {
    const code = (cur as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    cur = (cur as { cause?: unknown }).cause;
  }
  return undefined;
}

function describeNetworkError(err: unknown): string {
  const cause = (err as { cause?: unknown }).cause;
  const inner = cause instanceof Error ? cause : err instanceof Error ? err : undefined;
  return inner ? inner.message : String(err);
}

function isTimeout(err: unknown): boolean {
  return err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');
}

function hostOfUrl(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Calls `onStall` when armed for `ms` without being disarmed. */
class StallTimer {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly ms: number,
    private readonly onStall: () => void,
  ) {}

  arm(): void {
    if (this.timer) this.timer.refresh();
    else {
      this.timer = setTimeout(this.onStall, this.ms);
      this.timer.unref();
    }
  }

  disarm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
