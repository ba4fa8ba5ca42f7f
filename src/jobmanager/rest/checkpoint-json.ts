/**
 * The job master's checkpoint statistics rendered as Flink 1.20's checkpoint JSON (`/jobs/:jobid/checkpoints*`).
 * Pure functions. Figures flink-ts does not measure (data buffered, processed and persisted during alignment,
 * the changelog backend) carry 0, as Flink reports them for aligned checkpoints without a changelog.
 */
import type * as rest from '../../rest/index.js';
import type {
  CheckpointConfigInfo,
  CheckpointRecord,
  CheckpointStatistics,
  RestoredCheckpoint,
  SubtaskCheckpointStats,
  TaskCheckpointStats,
} from '../checkpoint/checkpoint-stats.js';

/** Flink computes percentiles over the latest 10,000 completed checkpoints (a sliding histogram). */
const HISTOGRAM_WINDOW = 10_000;
/** Java's Long.MAX_VALUE as a double; the endpoint writes it as the exact long 9223372036854775807. */
export const JAVA_LONG_MAX = 2 ** 63;
/** Flink's `state.changelog.periodic-materialize.interval` default, reported although there is no changelog. */
const CHANGELOG_MATERIALIZATION_MS = 600_000;

const ZERO_SUMMARY: rest.StatsSummaryDto = { min: 0, max: 0, avg: 0, p50: 0, p90: 0, p95: 0, p99: 0, p999: 0 };

/**
 * The `q`-quantile (0 < q ≤ 1) of sorted values as Flink reports it (commons-math's Percentile, legacy
 * estimation: position q·(n+1), interpolated between neighbours); NaN without values.
 */
export function quantile(sorted: readonly number[], q: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const pos = q >= 1 ? n : q * (n + 1);
  if (pos < 1) return sorted[0] as number;
  if (pos >= n) return sorted[n - 1] as number;
  const below = Math.floor(pos);
  const lower = sorted[below - 1] as number;
  const upper = sorted[below] as number;
  return lower + (pos - below) * (upper - lower);
}

function javaDouble(v: number): rest.JavaDouble {
  return Number.isNaN(v) ? 'NaN' : v;
}

/**
 * min / max / avg / percentiles of a statistic. Negative values mean "not known" and are left out, as Flink's
 * StatsSummary does; percentiles come from the newest {@link HISTOGRAM_WINDOW} values.
 */
export function statsSummary(values: readonly number[]): rest.StatsSummaryDto {
  const known = values.filter((v) => v >= 0);
  if (known.length === 0) return { min: 0, max: 0, avg: 0, p50: 'NaN', p90: 'NaN', p95: 'NaN', p99: 'NaN', p999: 'NaN' };
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  for (const v of known) {
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
  }
  const window = known.slice(-HISTOGRAM_WINDOW).sort((a, b) => a - b);
  const q = (p: number): rest.JavaDouble => javaDouble(quantile(window, p));
  return { min, max, avg: Math.floor(sum / known.length), p50: q(0.5), p90: q(0.9), p95: q(0.95), p99: q(0.99), p999: q(0.999) };
}

const CLASS_NAMES = { COMPLETED: 'completed', FAILED: 'failed', IN_PROGRESS: 'in_progress' } as const;

function acknowledged(t: TaskCheckpointStats): SubtaskCheckpointStats[] {
  return t.subtasks.filter((s) => s.acknowledged && s.ackTimestamp !== undefined);
}

function subtaskCheckpointedSize(s: SubtaskCheckpointStats): number {
  return s.checkpointedSize ?? s.stateSize ?? 0;
}

/** A vertex's line in a checkpoint's `tasks`. */
function taskJson(r: CheckpointRecord, t: TaskCheckpointStats): rest.TaskCheckpointStatistics {
  const acked = t.numAcknowledgedSubtasks > 0 && t.latestAckTimestamp >= 0;
  return {
    id: r.id,
    status: r.status,
    latest_ack_timestamp: acked ? t.latestAckTimestamp : -1,
    checkpointed_size: acknowledged(t).reduce((sum, s) => sum + subtaskCheckpointedSize(s), 0),
    state_size: t.stateSize,
    end_to_end_duration: acked ? Math.max(0, t.latestAckTimestamp - r.triggerTimestamp) : -1,
    alignment_buffered: 0,
    processed_data: 0,
    persisted_data: 0,
    num_subtasks: t.numSubtasks,
    num_acknowledged_subtasks: t.numAcknowledgedSubtasks,
  };
}

/** One checkpoint; `withTasks` adds the per-vertex lines (`/checkpoints/details/:checkpointid`). */
export function checkpointJson(r: CheckpointRecord, withTasks: boolean): rest.CheckpointStatistics {
  const tasks: Record<string, rest.TaskCheckpointStatistics> = {};
  if (withTasks) for (const t of r.tasks) tasks[t.vertexId] = taskJson(r, t);
  const base = {
    id: r.id,
    status: r.status,
    is_savepoint: r.isSavepoint,
    savepointFormat: r.isSavepoint ? (r.savepointFormat ?? 'CANONICAL') : null,
    trigger_timestamp: r.triggerTimestamp,
    latest_ack_timestamp: r.latestAckTimestamp,
    checkpointed_size: r.checkpointedSize,
    state_size: r.stateSize,
    end_to_end_duration: r.endToEndDuration,
    alignment_buffered: 0,
    processed_data: 0,
    persisted_data: 0,
    num_subtasks: r.numSubtasks,
    num_acknowledged_subtasks: r.numAcknowledgedSubtasks,
    checkpoint_type: r.checkpointType,
    tasks,
  };
  switch (r.status) {
    case 'COMPLETED':
      return { className: CLASS_NAMES.COMPLETED, ...base, external_path: r.externalPath ?? null, discarded: r.discarded ?? false };
    case 'FAILED':
      return {
        className: CLASS_NAMES.FAILED,
        ...base,
        failure_timestamp: r.failureTimestamp ?? Math.max(r.latestAckTimestamp, r.triggerTimestamp),
        failure_message: r.failureMessage ?? null,
      };
    default:
      return { className: CLASS_NAMES.IN_PROGRESS, ...base };
  }
}

function completedJson(r: CheckpointRecord | undefined): rest.CompletedCheckpointStatistics | null {
  return r?.status === 'COMPLETED' ? (checkpointJson(r, false) as rest.CompletedCheckpointStatistics) : null;
}

function restoredJson(r: RestoredCheckpoint | undefined): rest.RestoredCheckpointStatistics | null {
  if (!r) return null;
  return { id: r.id, restore_timestamp: r.restoreTimestamp, is_savepoint: r.isSavepoint, external_path: r.externalPath };
}

/** `GET /jobs/:jobid/checkpoints`. */
export function checkpointingStatisticsJson(s: CheckpointStatistics): rest.CheckpointingStatistics {
  const failed = s.latestFailed?.status === 'FAILED' ? (checkpointJson(s.latestFailed, false) as rest.FailedCheckpointStatistics) : null;
  return {
    counts: {
      restored: s.counts.restored,
      total: s.counts.total,
      in_progress: s.counts.inProgress,
      completed: s.counts.completed,
      failed: s.counts.failed,
    },
    summary: {
      checkpointed_size: statsSummary(s.completedSamples.checkpointedSize),
      state_size: statsSummary(s.completedSamples.stateSize),
      end_to_end_duration: statsSummary(s.completedSamples.endToEndDuration),
      alignment_buffered: ZERO_SUMMARY,
      processed_data: ZERO_SUMMARY,
      persisted_data: ZERO_SUMMARY,
    },
    latest: {
      completed: completedJson(s.latestCompleted),
      savepoint: completedJson(s.latestSavepoint),
      failed,
      restored: restoredJson(s.latestRestored),
    },
    history: s.history.map((r) => checkpointJson(r, false)),
  };
}

/** `GET /jobs/:jobid/checkpoints/config`. */
export function checkpointConfigJson(c: CheckpointConfigInfo): rest.CheckpointConfigInfo {
  return {
    mode: c.mode === 'AT_LEAST_ONCE' ? 'at_least_once' : 'exactly_once',
    // "No periodic checkpoints" is Long.MAX_VALUE in Flink; anything past JavaScript's safe integers means that.
    interval: c.interval >= Number.MAX_SAFE_INTEGER ? JAVA_LONG_MAX : c.interval,
    timeout: c.timeout,
    min_pause: c.minPause,
    max_concurrent: c.maxConcurrent,
    externalization: { enabled: c.externalization.enabled, delete_on_cancellation: c.externalization.deleteOnCancellation },
    state_backend: c.stateBackend,
    checkpoint_storage: c.checkpointStorage,
    unaligned_checkpoints: c.unalignedCheckpoints,
    tolerable_failed_checkpoints: c.tolerableFailedCheckpoints,
    aligned_checkpoint_timeout: 0,
    checkpoints_after_tasks_finish: c.checkpointsAfterTasksFinish,
    state_changelog_enabled: false,
    changelog_periodic_materialization_interval: CHANGELOG_MATERIALIZATION_MS,
    changelog_storage: null,
  };
}

function subtaskJson(r: CheckpointRecord, s: SubtaskCheckpointStats): rest.SubtaskCheckpointStatistics {
  if (!s.acknowledged || s.ackTimestamp === undefined) return { className: 'pending', index: s.index, status: 'pending_or_failed' };
  return {
    className: 'completed',
    index: s.index,
    status: 'completed',
    ack_timestamp: s.ackTimestamp,
    end_to_end_duration: Math.max(0, s.ackTimestamp - r.triggerTimestamp),
    checkpointed_size: subtaskCheckpointedSize(s),
    state_size: s.stateSize ?? 0,
    // -1: not measured (Flink's summaries skip negative values too).
    checkpoint: { sync: s.syncDuration ?? -1, async: s.asyncDuration ?? -1 },
    alignment: { buffered: 0, processed: 0, persisted: 0, duration: s.alignmentDuration ?? -1 },
    start_delay: s.startDelay ?? -1,
    unaligned_checkpoint: r.checkpointType === 'UNALIGNED_CHECKPOINT',
    aborted: false,
  };
}

/**
 * `GET /jobs/:jobid/checkpoints/details/:checkpointid/subtasks/:vertexid`: one entry per subtask, in index
 * order; a subtask the statistics do not list is pending.
 */
export function taskCheckpointDetailsJson(r: CheckpointRecord, t: TaskCheckpointStats): rest.TaskCheckpointStatisticsWithSubtaskDetails {
  const byIndex = new Map(t.subtasks.map((s) => [s.index, s]));
  const subtasks = Array.from({ length: t.numSubtasks }, (_, i) => subtaskJson(r, byIndex.get(i) ?? { index: i, acknowledged: false }));
  const acked = acknowledged(t);
  const of = (f: (s: SubtaskCheckpointStats) => number | undefined): rest.StatsSummaryDto => statsSummary(acked.map((s) => f(s) ?? -1));
  return {
    ...taskJson(r, t),
    summary: {
      checkpointed_size: of(subtaskCheckpointedSize),
      state_size: of((s) => s.stateSize),
      end_to_end_duration: of((s) => Math.max(0, (s.ackTimestamp as number) - r.triggerTimestamp)),
      checkpoint_duration: { sync: of((s) => s.syncDuration), async: of((s) => s.asyncDuration) },
      alignment: { buffered: ZERO_SUMMARY, processed: ZERO_SUMMARY, persisted: ZERO_SUMMARY, duration: of((s) => s.alignmentDuration) },
      start_delay: of((s) => s.startDelay),
    },
    subtasks,
  };
}
