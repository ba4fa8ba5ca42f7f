/**
 * A fake WebHDFS NameNode + DataNode on 127.0.0.1, port 0, for the error paths a real HDFS cannot be made
 * to show on demand (permission denied, a redirect to an unreachable DataNode, a stalled DataNode, a
 * DataNode failing mid-upload). The happy paths are tested against the real HDFS (test/integration).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  op: string;
  path: string;
  params: URLSearchParams;
  dataNode: boolean;
}

export class TestingWebHdfsServer {
  readonly files = new Map<string, Buffer>();
  readonly dirs = new Set<string>(['/']);
  readonly requests: RecordedRequest[] = [];
  /** Paths (prefixes) whose access the NameNode refuses with AccessControlException. */
  readonly denied = new Set<string>();
  /** Where OPEN/CREATE redirect to; undefined = this server's own DataNode endpoint. */
  dataNodeAddress: string | undefined;
  /** The DataNode accepts the request but never answers (to test timeouts). */
  stallDataNode = false;
  /** The DataNode fails an upload after this many bytes with an IOException. */
  failUploadAfterBytes: number | undefined;
  private server: Server | undefined;

  get port(): number {
    return (this.server?.address() as AddressInfo).port;
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
  }

  async close(): Promise<void> {
    const s = this.server;
    if (!s) return;
    this.server = undefined;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const dataNode = url.pathname.startsWith('/datanode/');
    const path = decodeURIComponent(url.pathname.replace(/^\/(webhdfs\/v1|datanode)/, '')) || '/';
    const op = (url.searchParams.get('op') ?? '').toUpperCase();
    this.requests.push({ method: req.method ?? '', op, path, params: url.searchParams, dataNode });
    if (dataNode) return this.handleDataNode(req, res, op, path, url.searchParams);
    if (!url.pathname.startsWith('/webhdfs/v1')) return void res.writeHead(404).end('not webhdfs');
    if ([...this.denied].some((p) => path.startsWith(p))) {
      req.resume();
      return remote(res, 403, 'AccessControlException', 'org.apache.hadoop.security.AccessControlException', `Permission denied: user=${url.searchParams.get('user.name')}, access=WRITE, inode="${path}"`);
    }
    switch (op) {
      case 'GETFILESTATUS': {
        const st = this.status(path);
        return st ? json(res, { FileStatus: { ...st, pathSuffix: '' } }) : notFound(res, path);
      }
      case 'LISTSTATUS': {
        if (!this.dirs.has(path)) return notFound(res, path);
        const prefix = path === '/' ? '/' : `${path}/`;
        const names = [...this.dirs, ...this.files.keys()].filter((p) => p !== path && p.startsWith(prefix) && !p.slice(prefix.length).includes('/'));
        return json(res, { FileStatuses: { FileStatus: names.map((p) => ({ ...this.status(p), pathSuffix: p.slice(prefix.length) })) } });
      }
      case 'MKDIRS':
        this.mkdirs(path);
        return json(res, { boolean: true });
      case 'DELETE': {
        const existed = this.status(path) !== undefined;
        for (const p of [...this.files.keys()]) if (p === path || p.startsWith(`${path}/`)) this.files.delete(p);
        for (const p of [...this.dirs]) if (p === path || p.startsWith(`${path}/`)) this.dirs.delete(p);
        return json(res, { boolean: existed });
      }
      case 'RENAME': {
        const to = url.searchParams.get('destination') ?? '';
        const data = this.files.get(path);
        if (data === undefined) return notFound(res, path);
        if (this.files.has(to) && url.searchParams.get('renameoptions') !== 'OVERWRITE') {
          return remote(res, 403, 'FileAlreadyExistsException', 'org.apache.hadoop.fs.FileAlreadyExistsException', `rename destination ${to} already exists`);
        }
        this.files.delete(path);
        this.files.set(to, data);
        return json(res, {});
      }
      case 'OPEN':
        if (!this.files.has(path)) return notFound(res, path);
        return this.redirect(res, url);
      case 'CREATE':
        req.resume();
        return this.redirect(res, url);
      default:
        return remote(res, 400, 'IllegalArgumentException', 'java.lang.IllegalArgumentException', `Invalid value for webhdfs parameter "op": ${op}`);
    }
  }

  private redirect(res: ServerResponse, url: URL): void {
    const target = this.dataNodeAddress ?? this.address;
    res.writeHead(307, { location: `http://${target}${url.pathname.replace('/webhdfs/v1', '/datanode')}${url.search}` }).end();
  }

  private handleDataNode(req: IncomingMessage, res: ServerResponse, op: string, path: string, params: URLSearchParams): void {
    if (this.stallDataNode) return;
    if (op === 'OPEN') {
      const data = this.files.get(path) ?? Buffer.alloc(0);
      const offset = Number(params.get('offset') ?? 0);
      const length = params.get('length');
      res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(data.subarray(offset, length === null ? undefined : offset + Number(length)));
      return;
    }
    const parts: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      parts.push(c);
      if (this.failUploadAfterBytes !== undefined && size > this.failUploadAfterBytes && !failed) {
        failed = true;
        // A partial file stays behind, as on a real DataNode whose pipeline broke.
        this.files.set(path, Buffer.concat(parts));
        remote(res, 500, 'IOException', 'java.io.IOException', 'All datanodes are bad. Aborting...');
        req.destroy();
      }
    });
    req.on('end', () => {
      if (failed) return;
      if (this.files.has(path) && params.get('overwrite') === 'false') {
        return remote(res, 403, 'FileAlreadyExistsException', 'org.apache.hadoop.fs.FileAlreadyExistsException', `${path} for client 127.0.0.1 already exists`);
      }
      this.mkdirs(path.slice(0, path.lastIndexOf('/')) || '/');
      this.files.set(path, Buffer.concat(parts));
      res.writeHead(201, { location: `hdfs://fake${path}` }).end();
    });
  }

  private mkdirs(path: string): void {
    let cur = '';
    for (const part of path.split('/').filter(Boolean)) {
      cur += `/${part}`;
      this.dirs.add(cur);
    }
  }

  private status(path: string): { type: string; length: number; modificationTime: number } | undefined {
    if (this.dirs.has(path)) return { type: 'DIRECTORY', length: 0, modificationTime: Date.now() };
    const f = this.files.get(path);
    return f === undefined ? undefined : { type: 'FILE', length: f.length, modificationTime: Date.now() };
  }
}

function json(res: ServerResponse, body: unknown): void {
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

function remote(res: ServerResponse, status: number, exception: string, javaClassName: string, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ RemoteException: { exception, javaClassName, message } }));
}

function notFound(res: ServerResponse, path: string): void {
  remote(res, 404, 'FileNotFoundException', 'java.io.FileNotFoundException', `File does not exist: ${path}`);
}
