/**
 * The YARN ResourceManager's REST API (`/ws/v1/cluster/...`) on Node's fetch, as an insecure cluster accepts it:
 * `?user.name=<user>` on every call. Every request is bounded by `timeoutMs`; a ResourceManager that does not
 * answer is one error naming the address and the configuration it came from. With RM high availability the
 * endpoints are tried in order and the one that answered is remembered.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { resolveYarnSettings, type ResourceManagerEndpoint } from './yarn-site.js';
import {
  ApplicationNotFoundError,
  InsufficientResourcesError,
  ResourceManagerRemoteError,
  ResourceManagerUnreachableError,
  type ResourceAmount,
} from './yarn-errors.js';

export const DEFAULT_RM_TIMEOUT_MS = 15_000;

/** YARN's application lifecycle (YarnApplicationState). */
export type YarnApplicationState = 'NEW' | 'NEW_SAVING' | 'SUBMITTED' | 'ACCEPTED' | 'RUNNING' | 'FINISHED' | 'FAILED' | 'KILLED';
export type FinalApplicationStatus = 'UNDEFINED' | 'SUCCEEDED' | 'FAILED' | 'KILLED';
export const FINAL_APPLICATION_STATES: readonly YarnApplicationState[] = Object.freeze(['FINISHED', 'FAILED', 'KILLED']);

export function isFinalState(state: string): boolean {
  return (FINAL_APPLICATION_STATES as readonly string[]).includes(state);
}

export type LocalResourceType = 'ARCHIVE' | 'FILE' | 'PATTERN';
/** PUBLIC: one copy per NodeManager for all users; PRIVATE: per user; APPLICATION: per application. */
export type LocalResourceVisibility = 'PUBLIC' | 'PRIVATE' | 'APPLICATION';

/** A file the NodeManager downloads (and, for ARCHIVE, unpacks) into the container's directory under its link name. */
export interface LocalResource {
  /** `hdfs://namenode:port/path` */
  resource: string;
  type: LocalResourceType;
  visibility: LocalResourceVisibility;
  /** Bytes, as HDFS reports them. */
  size: number;
  /** The file's HDFS modificationTime; localization fails when it differs. */
  timestamp: number;
}

/** Local resources by link name (the name the file or unpacked directory gets in the container's working dir). */
export type LocalResources = Record<string, LocalResource>;

export interface ContainerLaunchSpec {
  localResources: LocalResources;
  environment: Record<string, string>;
  /** One shell command line; `<LOG_DIR>`, `<CPS>` and `{{VAR}}` are expanded by the NodeManager. */
  command: string;
}

/** What POST /ws/v1/cluster/apps takes, in our own names (see {@link toSubmissionJson} for YARN's). */
export interface ApplicationSubmission {
  applicationId: string;
  applicationName: string;
  /** Unset: the default queue. */
  queue?: string | undefined;
  /** Unset or -1: the cluster's default priority. */
  priority?: number | undefined;
  amContainer: ContainerLaunchSpec;
  resource: ResourceAmount;
  maxAppAttempts: number;
  applicationType: string;
  keepContainersAcrossApplicationAttempts: boolean;
  applicationTags: readonly string[];
  /** Milliseconds; -1 counts every failure. Unset: YARN's default. */
  attemptFailuresValidityInterval?: number | undefined;
}

export interface NewApplication {
  applicationId: string;
  /** The largest container the scheduler hands out. */
  maximumResourceCapability: ResourceAmount;
}

/** GET /ws/v1/cluster/apps/{id}, the fields a client acts on. */
export interface ApplicationReport {
  id: string;
  user: string;
  name: string;
  queue: string;
  state: YarnApplicationState;
  finalStatus: FinalApplicationStatus;
  /** 0..100, as the RM web service reports it. */
  progress: number;
  trackingUrl?: string | undefined;
  diagnostics: string;
  amContainerLogs?: string | undefined;
  amHostHttpAddress?: string | undefined;
  amRPCAddress?: string | undefined;
  allocatedMB: number;
  allocatedVCores: number;
  runningContainers: number;
  startedTime: number;
  finishedTime: number;
  applicationType?: string | undefined;
  applicationTags?: string | undefined;
}

export interface ClusterMetrics {
  availableMB: number;
  availableVirtualCores: number;
  totalMB: number;
  totalVirtualCores: number;
  activeNodes: number;
}

export interface ResourceManagerRestClientInit {
  endpoints: readonly ResourceManagerEndpoint[];
  user: string;
  /** Bound of every request (default 15 s). */
  timeoutMs?: number;
  /** For tests: a fetch to use instead of the global one. */
  fetch?: typeof fetch;
}

/** YARN's JSON for a submission (ApplicationSubmissionContextInfo). */
export function toSubmissionJson(s: ApplicationSubmission): Record<string, unknown> {
  const body: Record<string, unknown> = {
    'application-id': s.applicationId,
    'application-name': s.applicationName,
    'am-container-spec': {
      'local-resources': {
        entry: Object.entries(s.amContainer.localResources).map(([key, r]) => ({
          key,
          value: { resource: r.resource, type: r.type, visibility: r.visibility, size: r.size, timestamp: r.timestamp },
        })),
      },
      environment: { entry: Object.entries(s.amContainer.environment).map(([key, value]) => ({ key, value })) },
      commands: { command: s.amContainer.command },
    },
    'unmanaged-AM': false,
    'max-app-attempts': s.maxAppAttempts,
    resource: { memory: s.resource.memoryMb, vCores: s.resource.vCores },
    'application-type': s.applicationType,
    'keep-containers-across-application-attempts': s.keepContainersAcrossApplicationAttempts,
    'application-tags': { tag: [...s.applicationTags] },
  };
  if (s.queue !== undefined && s.queue !== '') body.queue = s.queue;
  if (s.priority !== undefined && s.priority >= 0) body.priority = s.priority;
  if (s.attemptFailuresValidityInterval !== undefined) body['attempt-failures-validity-interval'] = s.attemptFailuresValidityInterval;
  return body;
}

interface RemoteException {
  exception: string;
  message: string;
}

export class ResourceManagerRestClient {
  private readonly endpoints: readonly ResourceManagerEndpoint[];
  private readonly timeoutMs: number;
  private readonly doFetch: typeof fetch;
  /** Index of the endpoint that answered last (RM HA: the active one). */
  private current = 0;

  constructor(private readonly init: ResourceManagerRestClientInit) {
    if (init.endpoints.length === 0) throw new Error('ResourceManagerRestClient needs at least one endpoint');
    this.endpoints = init.endpoints;
    this.timeoutMs = init.timeoutMs ?? DEFAULT_RM_TIMEOUT_MS;
    this.doFetch = init.fetch ?? fetch;
  }

  /** A client for the ResourceManager of YARN_CONF_DIR / HADOOP_CONF_DIR, as HADOOP_USER_NAME (or the OS user). */
  static fromEnvironment(env: NodeJS.ProcessEnv = process.env, timeoutMs?: number): ResourceManagerRestClient {
    const s = resolveYarnSettings(env);
    return new ResourceManagerRestClient({ endpoints: s.webapp, user: s.user, ...(timeoutMs === undefined ? {} : { timeoutMs }) });
  }

  get user(): string {
    return this.init.user;
  }

  /** The web address in use, e.g. for "see http://rm:8088/cluster/app/<id>". */
  get webUrl(): string {
    return (this.endpoints[this.current] as ResourceManagerEndpoint).baseUrl;
  }

  /** Reserves an application id; also tells the maximum container the scheduler allocates. */
  async newApplication(): Promise<NewApplication> {
    const body = (await this.request('POST', '/ws/v1/cluster/apps/new-application', 'create a new application')) as {
      'application-id': string;
      'maximum-resource-capability': { memory: number; vCores: number };
    };
    const max = body['maximum-resource-capability'];
    return { applicationId: body['application-id'], maximumResourceCapability: { memoryMb: Number(max.memory), vCores: Number(max.vCores) } };
  }

  async submitApplication(submission: ApplicationSubmission): Promise<void> {
    await this.request('POST', '/ws/v1/cluster/apps', `accept application ${submission.applicationId}`, toSubmissionJson(submission));
  }

  async getApplicationReport(applicationId: string): Promise<ApplicationReport> {
    const body = (await this.request('GET', `/ws/v1/cluster/apps/${encodeURIComponent(applicationId)}`, `report on ${applicationId}`, undefined, applicationId)) as {
      app: Record<string, unknown>;
    };
    return toReport(body.app);
  }

  async getApplicationState(applicationId: string): Promise<YarnApplicationState> {
    const body = (await this.request('GET', `/ws/v1/cluster/apps/${encodeURIComponent(applicationId)}/state`, `report the state of ${applicationId}`, undefined, applicationId)) as {
      state: YarnApplicationState;
    };
    return body.state;
  }

  /**
   * Kills an application and, unless `wait` is false, waits (bounded by `timeoutMs`, default 30 s) until the RM
   * reports it in a final state. Returns that state; an application already ended is left as it is.
   */
  async killApplication(applicationId: string, options: { wait?: boolean; timeoutMs?: number } = {}): Promise<YarnApplicationState> {
    let state = await this.getApplicationState(applicationId);
    if (isFinalState(state)) return state;
    const path = `/ws/v1/cluster/apps/${encodeURIComponent(applicationId)}/state`;
    state = ((await this.request('PUT', path, `kill ${applicationId}`, { state: 'KILLED' }, applicationId)) as { state: YarnApplicationState }).state;
    if (options.wait === false) return state;
    const deadline = Date.now() + (options.timeoutMs ?? 30_000);
    while (!isFinalState(state) && Date.now() < deadline) {
      await sleep(200);
      state = await this.getApplicationState(applicationId);
    }
    return state;
  }

  async getClusterMetrics(): Promise<ClusterMetrics> {
    const m = ((await this.request('GET', '/ws/v1/cluster/metrics', 'report cluster metrics')) as { clusterMetrics: Record<string, unknown> }).clusterMetrics;
    return {
      availableMB: num(m.availableMB),
      availableVirtualCores: num(m.availableVirtualCores),
      totalMB: num(m.totalMB),
      totalVirtualCores: num(m.totalVirtualCores),
      activeNodes: num(m.activeNodes),
    };
  }

  /**
   * Fails with {@link InsufficientResourcesError} when `asked` exceeds the maximum allocation of `app` (from
   * {@link newApplication}); the error also carries what the cluster has available now.
   */
  async checkResources(what: string, asked: ResourceAmount, app: NewApplication): Promise<void> {
    const max = app.maximumResourceCapability;
    if (asked.memoryMb <= max.memoryMb && asked.vCores <= max.vCores) return;
    const metrics = await this.getClusterMetrics().catch(() => undefined);
    throw new InsufficientResourcesError(what, asked, {
      maximumAllocation: max,
      ...(metrics ? { available: { memoryMb: metrics.availableMB, vCores: metrics.availableVirtualCores } } : {}),
    });
  }

  private async request(method: string, path: string, operation: string, body?: unknown, applicationId?: string): Promise<unknown> {
    let lastError: unknown;
    for (let i = 0; i < this.endpoints.length; i++) {
      const index = (this.current + i) % this.endpoints.length;
      const ep = this.endpoints[index] as ResourceManagerEndpoint;
      const url = `${ep.baseUrl}${path}?${new URLSearchParams({ 'user.name': this.init.user }).toString()}`;
      let res: Response;
      try {
        res = await this.doFetch(url, {
          method,
          headers: { accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
          signal: AbortSignal.timeout(this.timeoutMs),
        });
      } catch (err) {
        const detail = isTimeout(err) ? `no answer to ${method} ${path} within ${this.timeoutMs} ms` : describeNetworkError(err);
        lastError = new ResourceManagerUnreachableError(ep.baseUrl, ep.source, detail, err);
        continue;
      }
      const text = await res.text().catch(() => '');
      if (res.ok) {
        this.current = index;
        if (text.trim() === '') return {};
        try {
          return JSON.parse(text) as unknown;
        } catch (err) {
          throw new ResourceManagerUnreachableError(ep.baseUrl, ep.source, `it answered HTTP ${res.status} but not with JSON ('${snippet(text)}')`, err);
        }
      }
      const remote = parseRemoteException(text);
      if (!remote) {
        lastError = new ResourceManagerUnreachableError(ep.baseUrl, ep.source, `it answered HTTP ${res.status} but not as the YARN REST API ('${snippet(text)}')`);
        continue;
      }
      this.current = index;
      if (res.status === 404 && applicationId !== undefined && remote.exception === 'NotFoundException') throw new ApplicationNotFoundError(applicationId, ep.baseUrl);
      throw new ResourceManagerRemoteError(operation, res.status, remote.exception, remote.message.replace(/^java\.lang\.Exception: /, ''));
    }
    throw lastError;
  }
}

function toReport(a: Record<string, unknown>): ApplicationReport {
  const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
  return {
    id: String(a.id),
    user: String(a.user ?? ''),
    name: String(a.name ?? ''),
    queue: String(a.queue ?? ''),
    state: String(a.state) as YarnApplicationState,
    finalStatus: String(a.finalStatus ?? 'UNDEFINED') as FinalApplicationStatus,
    progress: num(a.progress),
    trackingUrl: str(a.trackingUrl),
    diagnostics: String(a.diagnostics ?? ''),
    amContainerLogs: str(a.amContainerLogs),
    amHostHttpAddress: str(a.amHostHttpAddress),
    amRPCAddress: str(a.amRPCAddress),
    allocatedMB: num(a.allocatedMB),
    allocatedVCores: num(a.allocatedVCores),
    runningContainers: num(a.runningContainers),
    startedTime: num(a.startedTime),
    finishedTime: num(a.finishedTime),
    applicationType: str(a.applicationType),
    applicationTags: str(a.applicationTags),
  };
}

function num(v: unknown): number {
  const n = Number(v);
  return Number.isFinite(n) ? n : 0;
}

function parseRemoteException(text: string): RemoteException | undefined {
  try {
    const r = (JSON.parse(text) as { RemoteException?: { exception?: unknown; message?: unknown } }).RemoteException;
    if (r && typeof r.exception === 'string') return { exception: r.exception, message: String(r.message ?? '') };
  } catch {
    // not JSON: the caller says what it got instead
  }
  return undefined;
}

function snippet(text: string): string {
  const s = text.replace(/\s+/g, ' ').trim().slice(0, 160);
  return s.length > 0 ? s : 'empty body';
}

function isTimeout(err: unknown): boolean {
  return err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');
}

function describeNetworkError(err: unknown): string {
  const cause = (err as { cause?: unknown }).cause;
  const inner = cause instanceof Error ? cause : err instanceof Error ? err : undefined;
  const code = (inner as { code?: unknown } | undefined)?.code;
  const message = inner ? inner.message : String(err);
  return typeof code === 'string' && !message.includes(code) ? `${code}: ${message}` : message;
}
