/**
 * The dashboard's only way to the cluster: the public REST API, with Flink's paths and field names. Everything
 * here a script can do with curl.
 */

/** An answer with a non-2xx status; `errors` is Flink's `{"errors": [...]}` body when there was one. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly errors: string[],
    path: string,
  ) {
    super(errors.length > 0 ? errors.join(' ') : `${path} answered ${status}`);
    this.name = 'HttpError';
  }
}

/**
 * Endpoints this cluster does not have (a 404 on the endpoint itself, e.g. metrics on an older server): asked once,
 * then shown as "not available" without asking again, so the console stays quiet.
 */
const unavailable = new Set<string>();

export function isUnavailable(kind: string): boolean {
  return unavailable.has(kind);
}

export function markUnavailable(kind: string): void {
  unavailable.add(kind);
}

async function failure(res: Response, path: string): Promise<HttpError> {
  let errors: string[] = [];
  try {
    const body = (await res.json()) as { errors?: unknown };
    if (Array.isArray(body.errors)) errors = body.errors.map(String);
  } catch {
    // not JSON: the status says enough
  }
  return new HttpError(res.status, errors, path);
}

export async function getJson<T>(path: string): Promise<T> {
  const res = await fetch(path, { headers: { Accept: 'application/json' } });
  if (!res.ok) throw await failure(res, path);
  return (await res.json()) as T;
}

/**
 * A GET of an endpoint that may be missing on this cluster: undefined when it is (remembered under `kind`).
 * Other failures throw as usual.
 */
export async function getOptional<T>(kind: string, path: string): Promise<T | undefined> {
  if (unavailable.has(kind)) return undefined;
  try {
    return await getJson<T>(path);
  } catch (err) {
    if (err instanceof HttpError && err.status === 404) {
      unavailable.add(kind);
      return undefined;
    }
    throw err;
  }
}

export async function send<T>(method: string, path: string, body?: BodyInit, contentType?: string): Promise<T | undefined> {
  const init: RequestInit = { method, headers: contentType ? { 'Content-Type': contentType } : {} };
  if (body !== undefined) init.body = body;
  const res = await fetch(path, init);
  if (!res.ok) throw await failure(res, path);
  const text = await res.text();
  return text === '' ? undefined : (JSON.parse(text) as T);
}

export function describeError(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

// ---- Payloads (the fields the dashboard reads; see src/rest/*-messages.ts for the full shapes) ----

// The cluster payloads come straight from the REST contract (type-only: nothing of it is bundled).
export type { ClusterOverviewWithVersion as ClusterOverview, DashboardConfiguration as DashboardConfig } from '../../src/rest/cluster-messages.js';

export type Counts = Record<string, number>;

export interface JobOverview {
  jid: string;
  name: string;
  state: string;
  'start-time': number;
  'end-time': number;
  duration: number;
  tasks: Counts;
}

export interface IOMetrics {
  'read-bytes': number;
  'write-bytes': number;
  'read-records': number;
  'write-records': number;
}

export interface JobVertex {
  id: string;
  name: string;
  parallelism: number;
  status: string;
  'start-time': number;
  'end-time': number;
  duration: number;
  tasks: Counts;
  metrics: IOMetrics;
}

export interface JobDetails {
  jid: string;
  name: string;
  state: string;
  'job-type'?: string;
  'start-time': number;
  'end-time': number;
  duration: number;
  now: number;
  timestamps: Counts;
  vertices: JobVertex[];
  'status-counts': Counts;
}

export interface PlanNode {
  id: string;
  parallelism: number;
  description: string;
  inputs?: Array<{ num: number; id: string; ship_strategy: string; exchange?: string }>;
}

export interface JobPlan {
  plan: { jid: string; name: string; type?: string; nodes: PlanNode[] };
}

export interface Subtask {
  subtask: number;
  status: string;
  attempt: number;
  host: string;
  endpoint: string;
  'start-time': number;
  'end-time': number;
  duration: number;
  metrics: IOMetrics;
  'taskmanager-id': string;
}

export interface VertexDetails {
  id: string;
  name: string;
  parallelism: number;
  subtasks: Subtask[];
}

export interface MetricValue {
  id: string;
  value?: string;
}

export interface AggregatedMetric {
  id: string;
  min?: number;
  max?: number;
  avg?: number;
  sum?: number;
}

export interface ExceptionEntry {
  exceptionName: string;
  stacktrace: string;
  timestamp: number;
  taskName?: string;
  endpoint?: string;
  taskManagerId?: string;
  concurrentExceptions?: ExceptionEntry[];
}

export interface JobExceptions {
  'root-exception': string | null;
  timestamp: number | null;
  exceptionHistory: { entries: ExceptionEntry[]; truncated: boolean };
}

export interface CheckpointEntry {
  id: number;
  status: string;
  is_savepoint: boolean;
  trigger_timestamp: number;
  latest_ack_timestamp: number;
  state_size: number;
  checkpointed_size?: number;
  end_to_end_duration: number;
  num_subtasks: number;
  num_acknowledged_subtasks: number;
  external_path?: string | null;
  failure_message?: string | null;
}

export interface MinMaxAvg {
  min: number;
  max: number;
  avg: number;
}

export interface CheckpointStats {
  counts: { restored: number; total: number; in_progress: number; completed: number; failed: number };
  summary: { state_size?: MinMaxAvg; end_to_end_duration?: MinMaxAvg; checkpointed_size?: MinMaxAvg };
  latest: {
    completed: CheckpointEntry | null;
    savepoint: CheckpointEntry | null;
    failed: CheckpointEntry | null;
    restored: { id: number; restore_timestamp: number; is_savepoint: boolean; external_path?: string | null } | null;
  };
  history: CheckpointEntry[];
}

export interface CheckpointConfig {
  mode: string;
  interval: number;
  timeout: number;
  min_pause: number;
  max_concurrent: number;
  state_backend?: string;
  checkpoint_storage?: string;
}

export interface JobConfig {
  jid: string;
  name: string;
  'execution-config'?: Record<string, unknown> & { 'user-config'?: Record<string, string> };
}

export interface TaskManager {
  id: string;
  path: string;
  dataPort: number;
  timeSinceLastHeartbeat: number;
  slotsNumber: number;
  freeSlots: number;
  hardware: { cpuCores: number; physicalMemory: number; freeMemory: number; managedMemory: number };
}

export interface TaskManagerDetails extends TaskManager {
  allocatedSlots?: Array<{ jobId: string }>;
  memoryConfiguration?: Record<string, number>;
}

export interface ConfigEntry {
  key: string;
  value: string;
}

export interface JarFile {
  id: string;
  name: string;
  uploaded: number;
  entry: Array<{ name: string; description?: string | null }>;
}

const TERMINAL = new Set(['FINISHED', 'FAILED', 'CANCELED']);

export function isTerminal(state: string): boolean {
  return TERMINAL.has(state);
}
