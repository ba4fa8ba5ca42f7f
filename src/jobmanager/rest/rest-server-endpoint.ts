/**
 * The JobManager's REST endpoint: Node's `http` server, Flink's routes (unversioned and under `/v1/`), Flink's
 * JSON field names and error shape, and a hook for the web UI's static files.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { mkdir } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import type { RestSslServerOptions } from '../../config/index.js';
import type { DispatcherGateway } from '../dispatcher/dispatcher-gateway.js';
import { FlinkError } from '../../util/errors.js';
import { describeBindFailure, listen } from '../../util/listen.js';
import { checkpointRoutes } from './checkpoint-handlers.js';
import { clusterRoutes } from './cluster-handlers.js';
import type { HandlerContext } from './handler-context.js';
import { jarRoutes } from './jar-handlers.js';
import { jobRoutes } from './job-handlers.js';
import { logRoutes } from './log-handlers.js';
import type { TaskManagerFileGateway } from '../resourcemanager/task-manager-files.js';
import { DaemonLogFiles } from '../../util/log-files.js';
import { toJsonText } from './json-text.js';
import { tooLarge } from './multipart.js';
import { RestHandlerError, badRequest, toRestFailure } from './rest-errors.js';
import { Router, type HttpMethod, type RawBody, type RestRequest, type RestResponse } from './router.js';
import { NO_UPLOAD_LIMITS, UploadQuota, type UploadLimits } from './upload-quota.js';
import { guardSubmissionRoutes } from './web-submit.js';
import { metricRoutes } from './metric-handlers.js';

/**
 * Serves a GET that matched no REST route (the web UI's files). Resolves true if it answered the request,
 * false to let the endpoint answer 404.
 */
export type StaticHandler = (req: IncomingMessage, res: ServerResponse, path: string) => Promise<boolean>;

export interface RestServerEndpointOptions {
  gateway: DispatcherGateway;
  bindAddress: string;
  /**
   * The host others reach this endpoint at (`rest.address`, or `jobmanager.sh start <host>`), named in {@link url}
   * when bindAddress is a wildcard; what an HA leader publishes must be reachable from the other hosts.
   */
  advertisedAddress?: string;
  /** A port, a range or a list: `8081`, `50100-50200`, `50100,50200-50300`; `0` picks a free port. */
  port: string;
  /** TLS (`security.ssl.rest.*`); plain HTTP when undefined. */
  tls?: RestSslServerOptions;
  /** `web.submit.enable`: false refuses uploads, runs and job submissions (see web-submit.ts). Default true. */
  webSubmitEnabled?: boolean;
  /** `rest.server.max-content-length`, in bytes. */
  maxContentLength: number;
  /** Where uploads (`POST /jobs`, `POST /jars/upload`) are written. */
  uploadDir: string;
  /** `web.upload.max-files` / `web.upload.max-total-size`; no cap unless given. */
  uploadLimits?: UploadLimits;
  flinkVersion: string;
  flinkRevision: string;
  log?: (msg: string) => void;
  staticHandler?: StaticHandler;
  /**
   * The JobManager's log file (FLINK_LOG_FILE), served by `/jobmanager/log`, `/stdout` (the `.out` next to it) and
   * `/logs`; unset when the JobManager logs to its console (start-foreground, embedded clusters).
   */
  jobManagerLogFile?: string;
  /** Reads TaskManagers' files for `/taskmanagers/:id/log`, `/stdout`, `/logs` (the resource manager's TaskManagers). */
  taskManagerFiles?: TaskManagerFileGateway;
  /** The clock for durations and `now` fields; tests pin it. */
  now?: () => number;
  /**
   * High availability: while this gives `standby`, the endpoint serves nothing itself; it redirects to the
   * leader's REST address when one is known, and answers 503 during an election (as Flink's standby does).
   */
  leadership?: () => { standby: false } | { standby: true; leaderUrl: string | undefined };
}

/** Flink's answer while no leader is known. */
const LEADER_ELECTION_MESSAGE = 'Service temporarily unavailable due to an ongoing leader election. Please refresh.';

export type RestServerEndpointState = 'created' | 'starting' | 'running' | 'closing' | 'closed';

export class InvalidRestPortError extends FlinkError {
  constructor(spec: string) {
    super(
      'CONFIG',
      `Invalid REST port '${spec}': use a port (8081), a range (50100-50200) or a comma-separated list of those.`,
    );
  }
}

export class RestBindError extends FlinkError {
  constructor(address: string, spec: string, cause: unknown) {
    super('REST_BIND_FAILED', describeBindFailure(cause, address, spec, { what: 'the REST server', addressKey: 'rest.bind-address', portKey: 'rest.port / rest.bind-port' }), { cause });
  }
}

const METHODS: ReadonlySet<string> = new Set(['GET', 'POST', 'PATCH', 'DELETE', 'PUT']);
/** How long close() lets in-flight requests finish before cutting them. */
const CLOSE_GRACE_MS = 3000;
/** How long a rejected request may keep streaming its body before the socket is cut. */
const DRAIN_LIMIT_MS = 30_000;

export function parsePortSpec(spec: string): number[] {
  const ports: number[] = [];
  for (const part of spec.split(',').map((p) => p.trim())) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) throw new InvalidRestPortError(spec);
    const from = Number(m[1]);
    const to = m[2] === undefined ? from : Number(m[2]);
    if (from > 65535 || to > 65535 || to < from) throw new InvalidRestPortError(spec);
    for (let p = from; p <= to; p++) ports.push(p);
  }
  if (ports.length === 0) throw new InvalidRestPortError(spec);
  return ports;
}

export class RestServerEndpoint {
  private readonly opts: RestServerEndpointOptions;
  private readonly router: Router;
  private readonly log: (msg: string) => void;
  private server: Server | HttpsServer | undefined;
  private boundPort = -1;
  private inFlight = 0;
  private stateValue: RestServerEndpointState = 'created';
  private closePromise: Promise<void> | undefined;

  constructor(opts: RestServerEndpointOptions) {
    this.opts = opts;
    this.log = opts.log ?? (() => undefined);
    const ctx: HandlerContext = {
      gateway: opts.gateway,
      uploadDir: opts.uploadDir,
      maxContentLength: opts.maxContentLength,
      webSubmitEnabled: opts.webSubmitEnabled ?? true,
      uploadQuota: new UploadQuota(opts.uploadLimits ?? NO_UPLOAD_LIMITS, () => opts.gateway.listPrograms()),
      flinkVersion: opts.flinkVersion,
      flinkRevision: opts.flinkRevision,
      url: () => this.url,
      now: opts.now ?? (() => Date.now()),
    };
    const logs = logRoutes({
      jobManager: new DaemonLogFiles(opts.jobManagerLogFile, { who: 'The JobManager', startHint: 'bin/jobmanager.sh start (or bin/start-cluster.sh)' }),
      taskManagers: opts.taskManagerFiles,
    });
    // Metric routes first: `/jobs/metrics` and `/taskmanagers/metrics` would otherwise match `/jobs/:jobid`.
    const routes = [...metricRoutes(ctx), ...clusterRoutes(ctx, this.log), ...jobRoutes(ctx), ...checkpointRoutes(ctx), ...jarRoutes(ctx), ...logs];
    this.router = new Router(guardSubmissionRoutes(routes, ctx.webSubmitEnabled));
  }

  get state(): RestServerEndpointState {
    return this.stateValue;
  }

  /** The bound port; -1 before start(). */
  get port(): number {
    return this.boundPort;
  }

  get url(): string {
    const bind = this.opts.bindAddress;
    const a = bind === '' || bind === '0.0.0.0' || bind === '::' ? (this.opts.advertisedAddress ?? 'localhost') : bind;
    const host = a.includes(':') ? `[${a}]` : a;
    return `${this.opts.tls ? 'https' : 'http'}://${host}:${this.boundPort}`;
  }

  async start(): Promise<void> {
    if (this.stateValue !== 'created') throw new FlinkError('ILLEGAL_STATE', `REST endpoint is ${this.stateValue}.`);
    this.stateValue = 'starting';
    try {
      const ports = parsePortSpec(this.opts.port);
      await mkdir(this.opts.uploadDir, { recursive: true });
      const handler = (req: IncomingMessage, res: ServerResponse): void => void this.handle(req, res);
      const server = this.opts.tls ? createHttpsServer({ ...this.opts.tls }, handler) : createServer(handler);
      let lastError: unknown;
      for (const port of ports) {
        try {
          await listen(server, port, this.opts.bindAddress);
          lastError = undefined;
          break;
        } catch (err) {
          lastError = err;
          if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') break;
        }
      }
      if (lastError !== undefined) throw new RestBindError(this.opts.bindAddress, this.opts.port, lastError);
      this.server = server;
      this.boundPort = (server.address() as AddressInfo).port;
      this.stateValue = 'running';
      this.log(`Rest endpoint listening at ${this.url}`);
    } catch (err) {
      this.stateValue = 'closed';
      throw err;
    }
  }

  close(): Promise<void> {
    this.closePromise ??= this.doClose();
    return this.closePromise;
  }

  private async doClose(): Promise<void> {
    this.stateValue = 'closing';
    const server = this.server;
    if (server) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const deadline = Date.now() + CLOSE_GRACE_MS;
      while (this.inFlight > 0 && Date.now() < deadline) await delay(20);
      server.closeAllConnections();
      await closed;
    }
    this.stateValue = 'closed';
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.inFlight++;
    res.once('close', () => this.inFlight--);
    res.setHeader('Access-Control-Allow-Origin', '*');
    let path = '/';
    try {
      const url = new URL(req.url ?? '/', 'http://localhost');
      path = url.pathname;
      const method = req.method ?? 'GET';
      const leadership = this.opts.leadership?.();
      if (leadership?.standby) {
        const leader = leadership.leaderUrl;
        if (leader === undefined || leader === this.url) return this.reply(req, res, { status: 503, body: { errors: [LEADER_ELECTION_MESSAGE] } });
        // 307 keeps the method and body: a POST goes to the leader as it came.
        return this.reply(req, res, { status: 307, body: { errors: [`This JobManager is a standby; the leader is at ${leader}.`] }, headers: { Location: `${leader}${req.url ?? '/'}` } });
      }
      const match = METHODS.has(method) ? this.router.match(method, path) : undefined;
      if (!match) {
        const allowed = this.router.allowedMethods(path);
        if (allowed.length > 0) {
          const errors = [`Method ${method} is not allowed on ${path}; it answers ${allowed.join(', ')}.`];
          return this.reply(req, res, { status: 405, body: { errors }, headers: { Allow: allowed.join(', ') } });
        }
        if (method === 'GET' && this.opts.staticHandler && !Router.isVersioned(path) && !this.router.ownsResource(path)) {
          if (await this.opts.staticHandler(req, res, path)) return;
        }
        return this.reply(req, res, { status: 404, body: { errors: [`Not found: ${path}`] } });
      }
      const declared = Number(req.headers['content-length'] ?? 0);
      if (declared > this.opts.maxContentLength) throw tooLarge(this.opts.maxContentLength);
      const restReq: RestRequest = {
        method: method as HttpMethod,
        path: match.path,
        pathParams: match.pathParams,
        query: url.searchParams,
        raw: req,
        jsonBody: (type) => readJsonBody(req, this.opts.maxContentLength, type),
      };
      const response = await match.handler(restReq);
      if (response.raw) await this.replyRaw(res, response, response.raw);
      else this.reply(req, res, response);
    } catch (err) {
      const failure = toRestFailure(err);
      if (failure.status >= 500) this.log(`Unhandled exception while serving ${req.method} ${path}: ${failure.errors.join(' ')}`);
      this.reply(req, res, { status: failure.status, body: { errors: failure.errors } });
    }
  }

  /** Streams a non-JSON body, waiting for the client to take each chunk before asking for the next. */
  private async replyRaw(res: ServerResponse, response: RestResponse, raw: RawBody): Promise<void> {
    res.writeHead(response.status, { ...response.headers, 'Content-Type': raw.contentType, 'Content-Length': raw.length });
    for await (const chunk of raw.chunks) {
      if (res.destroyed) return;
      if (!res.write(chunk)) await new Promise<void>((resolve) => {
        const done = (): void => {
          res.off('drain', done);
          res.off('close', done);
          resolve();
        };
        res.on('drain', done);
        res.on('close', done);
      });
    }
    res.end();
  }

  private reply(req: IncomingMessage, res: ServerResponse, response: RestResponse): void {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const payload = response.body === undefined ? undefined : Buffer.from(toJsonText(response.body), 'utf8');
    const headers: Record<string, string | number> = { ...response.headers, 'Content-Length': payload?.length ?? 0 };
    if (payload) headers['Content-Type'] = 'application/json; charset=UTF-8';
    if (response.afterResponse) res.once('finish', response.afterResponse);
    res.writeHead(response.status, headers);
    res.end(payload);
    if (!req.complete) {
      // Discard the rest of a rejected body so the client reads our answer, but not forever.
      const timer = setTimeout(() => req.socket.destroy(), DRAIN_LIMIT_MS);
      timer.unref();
      req.once('end', () => clearTimeout(timer));
      req.once('close', () => clearTimeout(timer));
      req.resume();
    }
  }
}


/**
 * JSON bodies are held in memory whole, so they get a budget of their own far below max-content-length (which
 * is sized for uploads, that go to disk): Flink's JSON requests (run a jar, trigger a savepoint) are tiny.
 */
export const MAX_JSON_BODY_BYTES = 1024 * 1024;

function readJsonBody(req: IncomingMessage, maxContentLength: number, requestType: string): Promise<unknown> {
  const max = Math.min(maxContentLength, MAX_JSON_BODY_BYTES);
  const refusal = (): Error =>
    max < maxContentLength
      ? new RestHandlerError(413, `Request entity too large: a JSON request body may have at most ${max} bytes.`)
      : tooLarge(max);
  // Event listeners rather than async iteration: leaving an iterator early would destroy the socket
  // before the 413 answer is written.
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > max) {
        cleanup();
        reject(refusal());
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      cleanup();
      const text = Buffer.concat(chunks).toString('utf8').trim();
      if (text === '') return resolve(undefined);
      try {
        resolve(JSON.parse(text));
      } catch {
        reject(badRequest(`Request did not match expected format ${requestType}.`));
      }
    };
    const onError = (err: Error): void => {
      cleanup();
      reject(err);
    };
    const cleanup = (): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
