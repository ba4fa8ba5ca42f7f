/**
 * The client side of the JobManager's REST API (the `bin/flink` CLI and the program runner use it).
 *
 * ```ts
 * const client = restClientFor(conf, '-m' value or undefined);
 * const { jobId } = await client.submitJob(jobGraph, { fileName: 'job.mjs', data });
 * const r = await client.jobExecutionResult(jobId); // { completed: false } until the job is terminal
 * ```
 *
 * Nothing listening → {@link ClusterUnreachableError} within seconds; an error answer → {@link RestRequestError}
 * carrying the status and the server's `errors`.
 */
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Configuration } from '../config/index.js';
import { RestOptions, restAddress, restScheme, restSslClientOptions } from '../config/index.js';
import {
  errorFromSerializedThrowableJson,
  type ApplicationStatus,
  type ClusterOverviewWithVersion,
  type ConfigurationInfoEntry,
  type DashboardConfiguration,
  type JarRunRequestBody,
  type JobDetailsInfo,
  type JobExceptionsInfoWithHistory,
  type JobOverview,
  type JobResult,
  type ProgramRunRequest,
  type SavepointFormatType,
  type SavepointTriggerRequestBody,
  type StopWithSavepointRequestBody,
  type TaskManagersInfo,
} from '../rest/index.js';
import { FlinkError, UsageError, type SerializedError } from '../util/errors.js';
import { describeTlsFailure, restFetch, type FetchFunction } from './rest-transport.js';

export type { JobOverview } from '../rest/index.js';

export interface RestClientOptions {
  /** `http://host:port` of the JobManager's REST endpoint. */
  baseUrl: string;
  /** Per-request timeout (connection and answer), in ms. */
  timeoutMs: number;
  /** Where the address came from, for error messages: `-m localhost:8081`, `rest.address/rest.port in ...`. */
  describeAddressSource?: string;
  /** Timeout for requests that upload files (job submission, jar upload); default max(timeoutMs, 5 min). */
  uploadTimeoutMs?: number;
  /** How requests are sent; Node's fetch unless given (TLS needs another, see rest-transport.ts). */
  fetch?: FetchFunction;
  /** With ZooKeeper HA: how reads find the JobManager that leads now when the one they asked went away. */
  leader?: LeaderFollowing;
}

/**
 * How a client keeps reading across a JobManager failover: while the leader it talked to is gone (no answer, 503
 * from a JobManager without leadership) or the new leader does not know the job yet (404 while it recovers its
 * jobs), a read asks `relocate` for the leader's address and tries again there, for at most `budgetMs` from the
 * first failure (Flink's rest.retry.max-attempts × rest.retry.delay).
 */
export interface LeaderFollowing {
  relocate(): Promise<string>;
  readonly budgetMs: number;
}

export type JobExecutionResultAnswer = { completed: false } | { completed: true; result: JobResult };

/** An asynchronous operation's status (savepoint, disposal): running, or done with its result or its failure. */
export type OperationAnswer<T> = { completed: false } | { completed: true; result: T } | { completed: true; failure: SerializedError };

/** Nothing answered at the JobManager's REST address (refused, unknown host, timeout). */
export class ClusterUnreachableError extends FlinkError {
  readonly url: string;

  constructor(message: string, url: string, options: { cause?: unknown } = {}) {
    super('CLUSTER_UNREACHABLE', message, { ...options, recoverable: true });
    this.url = url;
  }
}

/** The JobManager answered with an error status; `errors` is Flink's `{"errors": [...]}` list. */
export class RestRequestError extends FlinkError {
  readonly status: number;
  readonly errors: string[];
  readonly method: string;
  readonly path: string;

  constructor(method: string, path: string, status: number, errors: string[]) {
    super('REST_ERROR', errors.length > 0 ? errors.join('\n') : `HTTP ${status} from ${method} ${path}`);
    this.status = status;
    this.errors = errors;
    this.method = method;
    this.path = path;
  }
}

/** Retry delays for idempotent GETs whose connection failed; a few, short, so the total stays far below 15 s. */
const GET_RETRY_DELAYS_MS = [250, 750];
const DEFAULT_UPLOAD_TIMEOUT_MS = 300_000;
/** Pause between reads while following the leader through a failover (a takeover takes seconds). */
const FAILOVER_RETRY_DELAY_MS = 250;

interface RequestOptions {
  body?: string | FormData;
  contentType?: string;
  timeoutMs?: number;
  query?: Record<string, string>;
}

export class RestClient {
  private baseUrl: string;
  private readonly timeoutMs: number;
  private readonly uploadTimeoutMs: number;
  private readonly source: string | undefined;
  private readonly fetch: FetchFunction;
  private readonly leader: LeaderFollowing | undefined;
  /** The endpoint that last answered a read (a failover shows as a different one). */
  private answeredBy: string | undefined;

  constructor(opts: RestClientOptions) {
    this.fetch = opts.fetch ?? ((url, init) => fetch(url, init));
    this.baseUrl = opts.baseUrl.replace(/\/+$/, '');
    this.timeoutMs = opts.timeoutMs;
    this.uploadTimeoutMs = opts.uploadTimeoutMs ?? Math.max(opts.timeoutMs, DEFAULT_UPLOAD_TIMEOUT_MS);
    this.source = opts.describeAddressSource;
    this.leader = opts.leader;
  }

  get url(): string {
    return this.baseUrl;
  }

  async submitJob(jobGraph: unknown, bundle: { fileName: string; data: Uint8Array }): Promise<{ jobId: string }> {
    const graphFileName = `flink-jobgraph-${randomUUID()}.json`;
    const form = new FormData();
    form.append(
      'request',
      JSON.stringify({ jobGraphFileName: graphFileName, jobJarFileNames: [bundle.fileName], jobArtifactFileNames: [] }),
    );
    form.append('file_0', new Blob([JSON.stringify(jobGraph)], { type: 'application/json' }), graphFileName);
    form.append('file_1', new Blob([bundle.data], { type: 'application/octet-stream' }), bundle.fileName);
    const body = await this.send('POST', '/jobs', { body: form, timeoutMs: this.uploadTimeoutMs });
    const jobUrl = field(body, 'jobUrl', 'string', 'POST /jobs');
    return { jobId: jobUrl.slice(jobUrl.lastIndexOf('/') + 1) };
  }

  async jobsOverview(): Promise<JobOverview[]> {
    const body = await this.get('/jobs/overview');
    const jobs = field(body, 'jobs', 'object', 'GET /jobs/overview');
    if (!Array.isArray(jobs)) throw unexpected('GET /jobs/overview', 'jobs is not a list');
    return jobs as JobOverview[];
  }

  async jobDetails(jobId: string): Promise<JobDetailsInfo> {
    const what = 'GET /jobs/:jobid';
    const body = asRecord(await this.get(`/jobs/${encodeURIComponent(jobId)}`), what);
    if (typeof body.state !== 'string' || !Array.isArray(body.vertices)) throw unexpected(what, 'missing state or vertices');
    return body as unknown as JobDetailsInfo;
  }

  /**
   * `GET /jobs/:jobid/vertices/:vertexid/subtasks/metrics`: without `get` the metric ids, with it each one's
   * aggregates over the subtasks.
   */
  async subtaskMetrics(jobId: string, vertexId: string, get?: string[], agg = 'sum'): Promise<Array<Record<string, unknown> & { id: string }>> {
    const query = get === undefined ? '' : `?get=${get.map(encodeURIComponent).join(',')}&agg=${agg}`;
    const body = await this.get(`/jobs/${encodeURIComponent(jobId)}/vertices/${encodeURIComponent(vertexId)}/subtasks/metrics${query}`);
    if (!Array.isArray(body)) throw new RestRequestError('GET', '/jobs/:jobid/vertices/:vertexid/subtasks/metrics', 200, ['The answer is not a list of metrics.']);
    return body as Array<Record<string, unknown> & { id: string }>;
  }

  async cancelJob(jobId: string): Promise<void> {
    await this.send('PATCH', `/jobs/${encodeURIComponent(jobId)}`, { query: { mode: 'cancel' } });
  }

  async jobExecutionResult(jobId: string): Promise<JobExecutionResultAnswer> {
    const what = 'GET /jobs/:jobid/execution-result';
    const body = asRecord(await this.get(`/jobs/${encodeURIComponent(jobId)}/execution-result`), what);
    const status = asRecord(body.status, what);
    if (status.id !== 'COMPLETED') return { completed: false };
    const r = asRecord(body['job-execution-result'], what);
    const result: JobResult = {
      jobId: typeof r.id === 'string' ? r.id : jobId,
      applicationStatus: (typeof r['application-status'] === 'string'
        ? r['application-status']
        : 'UNKNOWN') as ApplicationStatus,
      accumulatorResults: stringRecord(r['accumulator-results']),
      netRuntime: typeof r['net-runtime'] === 'number' ? r['net-runtime'] : 0,
    };
    const cause = r['failure-cause'];
    if (cause !== undefined && cause !== null) result.failureCause = failureCauseFromJson(cause);
    return { completed: true, result };
  }

  async jobExceptions(jobId: string): Promise<JobExceptionsInfoWithHistory> {
    const what = 'GET /jobs/:jobid/exceptions';
    const body = asRecord(await this.get(`/jobs/${encodeURIComponent(jobId)}/exceptions`), what);
    if (!Array.isArray(body['all-exceptions'])) throw unexpected(what, 'all-exceptions is not a list');
    return body as unknown as JobExceptionsInfoWithHistory;
  }

  async overview(): Promise<ClusterOverviewWithVersion> {
    const body = asRecord(await this.get('/overview'), 'GET /overview');
    return body as unknown as ClusterOverviewWithVersion;
  }

  async taskManagers(): Promise<TaskManagersInfo> {
    const what = 'GET /taskmanagers';
    const body = asRecord(await this.get('/taskmanagers'), what);
    if (!Array.isArray(body.taskmanagers)) throw unexpected(what, 'taskmanagers is not a list');
    return body as unknown as TaskManagersInfo;
  }

  /** `GET /config`: the dashboard configuration (version, time zone, features). */
  async config(): Promise<DashboardConfiguration> {
    return asRecord(await this.get('/config'), 'GET /config') as unknown as DashboardConfiguration;
  }

  /** `GET /jobmanager/config`: the cluster configuration as `[{key, value}]`. */
  async jobManagerConfig(): Promise<ConfigurationInfoEntry[]> {
    const body = await this.get('/jobmanager/config');
    if (!Array.isArray(body)) throw unexpected('GET /jobmanager/config', 'not a list');
    return body as ConfigurationInfoEntry[];
  }

  async uploadJar(path: string): Promise<{ filename: string }> {
    const data = await readFile(path);
    const form = new FormData();
    form.append('jarfile', new Blob([data], { type: 'application/octet-stream' }), basename(path));
    const body = await this.send('POST', '/jars/upload', { body: form, timeoutMs: this.uploadTimeoutMs });
    return { filename: field(body, 'filename', 'string', 'POST /jars/upload') };
  }

  async runJar(jarId: string, req: ProgramRunRequest): Promise<{ jobId: string }> {
    const payload: JarRunRequestBody = { programArgsList: req.programArgs };
    if (req.parallelism !== undefined) payload.parallelism = req.parallelism;
    if (req.savepointPath !== undefined) payload.savepointPath = req.savepointPath;
    if (req.allowNonRestoredState !== undefined) payload.allowNonRestoredState = req.allowNonRestoredState;
    if (req.entryClass !== undefined) payload.entryClass = req.entryClass;
    if (req.jobId !== undefined) payload.jobId = req.jobId;
    const body = await this.send('POST', `/jars/${encodeURIComponent(jarId)}/run`, {
      body: JSON.stringify(payload),
      contentType: 'application/json',
    });
    return { jobId: field(body, 'jobid', 'string', 'POST /jars/:jarid/run') };
  }

  /** `POST /jobs/:jobid/savepoints`: starts a savepoint (and, with `cancelJob`, cancels the job after it). */
  async triggerSavepoint(jobId: string, req: { targetDirectory?: string; cancelJob: boolean; formatType: SavepointFormatType }): Promise<string> {
    const payload: SavepointTriggerRequestBody = {
      'target-directory': req.targetDirectory ?? null,
      'cancel-job': req.cancelJob,
      formatType: req.formatType,
      triggerId: null,
    };
    return this.trigger(`/jobs/${encodeURIComponent(jobId)}/savepoints`, payload, 'POST /jobs/:jobid/savepoints');
  }

  /** `POST /jobs/:jobid/stop`: a savepoint, then the job stops (with `drain`, after the end of event time). */
  async stopWithSavepoint(jobId: string, req: { targetDirectory?: string; drain: boolean; formatType: SavepointFormatType }): Promise<string> {
    const payload: StopWithSavepointRequestBody = {
      targetDirectory: req.targetDirectory ?? null,
      drain: req.drain,
      formatType: req.formatType,
      triggerId: null,
    };
    return this.trigger(`/jobs/${encodeURIComponent(jobId)}/stop`, payload, 'POST /jobs/:jobid/stop');
  }

  /** `GET /jobs/:jobid/savepoints/:triggerid`: the savepoint's directory once it completed. */
  async savepointStatus(jobId: string, triggerId: string): Promise<OperationAnswer<string>> {
    const what = 'GET /jobs/:jobid/savepoints/:triggerid';
    const operation = await this.operation(`/jobs/${encodeURIComponent(jobId)}/savepoints/${encodeURIComponent(triggerId)}`, what);
    if (operation === undefined) return { completed: false };
    if ('failure' in operation) return operation;
    const location = operation.value.location;
    if (typeof location !== 'string') throw unexpected(what, 'neither location nor failure-cause');
    return { completed: true, result: location };
  }

  /** `POST /savepoint-disposal`: starts removing a savepoint. */
  async disposeSavepoint(path: string): Promise<string> {
    return this.trigger('/savepoint-disposal', { 'savepoint-path': path }, 'POST /savepoint-disposal');
  }

  /** `GET /savepoint-disposal/:triggerid`. */
  async savepointDisposalStatus(triggerId: string): Promise<OperationAnswer<void>> {
    const operation = await this.operation(`/savepoint-disposal/${encodeURIComponent(triggerId)}`, 'GET /savepoint-disposal/:triggerid');
    if (operation === undefined) return { completed: false };
    return 'failure' in operation ? operation : { completed: true, result: undefined };
  }

  private async trigger(path: string, payload: unknown, what: string): Promise<string> {
    const body = await this.send('POST', path, { body: JSON.stringify(payload), contentType: 'application/json' });
    return field(body, 'request-id', 'string', what);
  }

  /** An asynchronous operation's answer: undefined while it runs, else its `operation` or its failure cause. */
  private async operation(
    path: string,
    what: string,
  ): Promise<{ value: Record<string, unknown> } | { completed: true; failure: SerializedError } | undefined> {
    const body = asRecord(await this.get(path), what);
    if (asRecord(body.status, what).id !== 'COMPLETED') return undefined;
    const value = asRecord(body.operation, what);
    const cause = value['failure-cause'];
    if (cause !== undefined && cause !== null) return { completed: true, failure: failureCauseFromJson(cause) };
    return { value };
  }

  async shutDownCluster(): Promise<void> {
    await this.send('DELETE', '/cluster', {});
  }

  /** A GET, retried a couple of times when the connection itself failed (never after an answer). */
  private async get(path: string): Promise<unknown> {
    if (this.leader) return this.getFromLeader(path, this.leader);
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.send('GET', path, {});
      } catch (err) {
        const delay = GET_RETRY_DELAYS_MS[attempt];
        const retryable = err instanceof ClusterUnreachableError && !(err.cause instanceof TimeoutLike);
        if (!retryable || delay === undefined) throw err;
        await sleep(delay);
      }
    }
  }

  /** A GET that follows the leader through a failover (see {@link LeaderFollowing}). */
  private async getFromLeader(path: string, leader: LeaderFollowing): Promise<unknown> {
    let deadline: number | undefined;
    for (;;) {
      try {
        const body = await this.send('GET', path, {});
        this.answeredBy = this.baseUrl;
        return body;
      } catch (err) {
        const failingOver = deadline !== undefined || (this.answeredBy !== undefined && this.answeredBy !== this.baseUrl);
        if (!duringFailover(err, failingOver)) throw err;
        deadline ??= Date.now() + leader.budgetMs;
        if (Date.now() >= deadline) throw err;
        await sleep(FAILOVER_RETRY_DELAY_MS);
        // No leader named yet (the old one's ZooKeeper session has not expired): keep asking the last address.
        this.baseUrl = (await leader.relocate().catch(() => undefined)) ?? this.baseUrl;
      }
    }
  }

  private async send(method: string, path: string, opts: RequestOptions): Promise<unknown> {
    const url = new URL(this.baseUrl + path);
    for (const [k, v] of Object.entries(opts.query ?? {})) url.searchParams.set(k, v);
    const timeoutMs = opts.timeoutMs ?? this.timeoutMs;
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (opts.contentType) headers['Content-Type'] = opts.contentType;
    const init: RequestInit = { method, headers, signal: AbortSignal.timeout(timeoutMs) };
    if (opts.body !== undefined) init.body = opts.body;
    let res: Response;
    let text: string;
    try {
      res = await this.fetch(url, init);
      text = await res.text();
    } catch (err) {
      throw this.unreachable(err, timeoutMs);
    }
    const what = `${method} ${path}`;
    let json: unknown;
    if (text.trim() !== '') {
      try {
        json = JSON.parse(text);
      } catch {
        if (res.ok) throw unexpected(what, `the answer is not JSON: ${text.slice(0, 200)}`);
      }
    }
    if (!res.ok) {
      const errors = (json as { errors?: unknown } | undefined)?.errors;
      const list = Array.isArray(errors)
        ? errors.map(String)
        : [text.trim() !== '' ? text.trim().slice(0, 500) : `HTTP ${res.status} ${res.statusText}`];
      throw new RestRequestError(method, path, res.status, list);
    }
    return json;
  }

  private unreachable(err: unknown, timeoutMs: number): ClusterUnreachableError {
    const reason = describeNetworkFailure(err, timeoutMs);
    const where = this.source ? `${this.baseUrl} (${this.source})` : this.baseUrl;
    const cause = isTimeout(err) ? new TimeoutLike(reason) : err;
    return new ClusterUnreachableError(
      `Could not reach the JobManager at ${where}: ${reason}. Is the cluster running? ` +
        "Start it with bin/start-cluster.sh, or point -m at the JobManager's REST address.",
      this.baseUrl,
      { cause },
    );
  }
}

/**
 * Whether a failed read may succeed at the next leader: nothing answered, or a JobManager without leadership
 * answered (503), or — once a failover is under way — a new leader that has not recovered the job yet (404).
 */
function duringFailover(err: unknown, failingOver: boolean): boolean {
  if (err instanceof ClusterUnreachableError) return true;
  if (!(err instanceof RestRequestError)) return false;
  return err.status === 503 || (failingOver && err.status === 404);
}

/** Marks a timeout so GET retries skip it: a retry would only double the wait. */
class TimeoutLike extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TimeoutError';
  }
}

function isTimeout(err: unknown): boolean {
  const name = (err as { name?: unknown } | null)?.name;
  return name === 'TimeoutError' || name === 'AbortError';
}

const NETWORK_REASONS: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'the connection was reset',
  EPIPE: 'the connection was closed',
  UND_ERR_SOCKET: 'the connection was closed',
  ENOTFOUND: 'unknown host',
  EAI_AGAIN: 'unknown host (DNS lookup failed)',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'the connection timed out',
  UND_ERR_CONNECT_TIMEOUT: 'the connection timed out',
  EADDRNOTAVAIL: 'address not available',
};

/** Finds the system error code fetch buried in `cause` (or in an AggregateError's list). */
function networkCode(err: unknown, depth = 0): string | undefined {
  if (typeof err !== 'object' || err === null || depth > 5) return undefined;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && code in NETWORK_REASONS) return code;
  const nested = (err as { errors?: unknown }).errors;
  if (Array.isArray(nested)) {
    for (const e of nested) {
      const c = networkCode(e, depth + 1);
      if (c) return c;
    }
  }
  return networkCode((err as { cause?: unknown }).cause, depth + 1);
}

function describeNetworkFailure(err: unknown, timeoutMs: number): string {
  if (isTimeout(err)) return `no answer within ${timeoutMs} ms`;
  const tls = describeTlsFailure(err);
  if (tls) return tls;
  const code = networkCode(err);
  if (code) return NETWORK_REASONS[code] as string;
  const cause = (err as { cause?: { message?: unknown } } | null)?.cause?.message;
  // fetch refuses a few well-known ports (6000, 6665-6669, ...) outright.
  if (cause === 'bad port') return 'fetch refuses to connect to this port; configure another REST port';
  const message = err instanceof Error ? err.message : String(err);
  return typeof cause === 'string' ? `${message} (${cause})` : message;
}

function unexpected(what: string, detail: string): RestRequestError {
  return new RestRequestError(what.split(' ')[0] ?? 'GET', what.split(' ')[1] ?? '', 200, [
    `Unexpected answer to ${what}: ${detail}`,
  ]);
}

function asRecord(v: unknown, what: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw unexpected(what, 'not a JSON object');
  return v as Record<string, unknown>;
}

function field(v: unknown, key: string, type: 'string', what: string): string;
function field(v: unknown, key: string, type: 'object', what: string): unknown;
function field(v: unknown, key: string, type: 'string' | 'object', what: string): unknown {
  const value = asRecord(v, what)[key];
  if (typeof value !== type || value === null) throw unexpected(what, `missing ${key}`);
  return value;
}

function stringRecord(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (typeof v === 'object' && v !== null) {
    for (const [k, val] of Object.entries(v)) if (typeof val === 'string') out[k] = val;
  }
  return out;
}

/**
 * Rebuilds the failure cause of a job result from its `failure-cause` JSON (Flink's SerializedThrowable; see
 * src/rest/serialized-throwable.ts).
 */
export function failureCauseFromJson(v: unknown): SerializedError {
  return errorFromSerializedThrowableJson(v);
}

/**
 * Parses `-m host:port` (also `http://host:port`, `https://host:port`, `[::1]:8081`) into a base URL; without a
 * scheme, `defaultScheme` (https when security.ssl.rest.enabled).
 */
export function parseJobManagerAddress(value: string, defaultScheme: 'http' | 'https' = 'http'): string {
  const m = /^(?:https?:\/\/)?(\[[0-9a-fA-F:.]+\]|[^\s:/[\]]+):(\d{1,5})\/?$/.exec(value.trim());
  const port = m ? Number(m[2]) : NaN;
  if (!m || port < 1 || port > 65535) {
    throw new UsageError(
      `The JobManager address '${value}' is not valid. Use host:port, e.g. -m localhost:8081.`,
    );
  }
  const explicit = /^(https?):\/\//.exec(value.trim())?.[1];
  const scheme = explicit ?? defaultScheme;
  return `${scheme}://${m[1] as string}:${port}`;
}

/** The client for a configuration: `-m host:port` if given, else `rest.address` / `rest.port`. */
export function restClientFor(conf: Configuration, jobManagerOverride?: string): RestClient {
  const timeoutMs = conf.get(RestOptions.CONNECTION_TIMEOUT);
  const fetchFn = restFetch(restSslClientOptions(conf));
  const scheme = restScheme(conf);
  if (jobManagerOverride !== undefined) {
    return new RestClient({
      baseUrl: parseJobManagerAddress(jobManagerOverride, scheme),
      timeoutMs,
      describeAddressSource: `-m ${jobManagerOverride}`,
      fetch: fetchFn,
    });
  }
  const host = restAddress(conf);
  const port = conf.get(RestOptions.PORT);
  const source = conf.confFile
    ? `rest.address/rest.port in ${conf.confFile}`
    : 'rest.address/rest.port defaults; no flink-conf.yaml was found';
  return new RestClient({
    baseUrl: `${scheme}://${host.includes(':') ? `[${host}]` : host}:${port}`,
    timeoutMs,
    describeAddressSource: source,
    fetch: fetchFn,
  });
}
