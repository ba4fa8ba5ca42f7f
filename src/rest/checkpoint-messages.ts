/**
 * Payloads of the checkpoint and savepoint endpoints (`/jobs/:jobid/checkpoints*`, `/jobs/:jobid/savepoints*`,
 * `/jobs/:jobid/stop`, `/savepoint-disposal*`) with Flink 1.20's field names. Flink's Java client reads them with
 * its strict mapper: every field without `?` is always sent, nullable ones as `null`, and a `double` that has no
 * value is the string `"NaN"` (JSON has no NaN; `null` would fail a Java primitive).
 */
import type { SerializedThrowableJson } from './job-messages.js';

/** A checkpoint's state as the statistics show it. */
export type CheckpointStatsStatus = 'IN_PROGRESS' | 'COMPLETED' | 'FAILED';

/** `checkpoint_type` of a checkpoint in the statistics. */
export type RestCheckpointType = 'CHECKPOINT' | 'UNALIGNED_CHECKPOINT' | 'SAVEPOINT' | 'SYNC_SAVEPOINT';

/** The binary format of a savepoint; flink-ts writes one format and accepts both names. */
export type SavepointFormatType = 'CANONICAL' | 'NATIVE';

/** A Java double: a number, or `"NaN"` when there is nothing to compute it from. */
export type JavaDouble = number | 'NaN';

/** min / max / avg (Java longs) and percentiles (doubles) of a statistic (Flink's `StatsSummaryDto`). */
export interface StatsSummaryDto {
  min: number;
  max: number;
  avg: number;
  p50: JavaDouble;
  p90: JavaDouble;
  p95: JavaDouble;
  p99: JavaDouble;
  p999: JavaDouble;
}

/** One vertex's part of a checkpoint (`tasks` of the checkpoint details; Flink's `TaskCheckpointStatistics`). */
export interface TaskCheckpointStatistics {
  id: number;
  status: CheckpointStatsStatus;
  latest_ack_timestamp: number;
  checkpointed_size: number;
  state_size: number;
  end_to_end_duration: number;
  alignment_buffered: number;
  processed_data: number;
  persisted_data: number;
  num_subtasks: number;
  num_acknowledged_subtasks: number;
}

/** The fields every entry of the checkpoint history has. */
interface CheckpointStatisticsBase {
  id: number;
  status: CheckpointStatsStatus;
  is_savepoint: boolean;
  /** `CANONICAL` or `NATIVE` for savepoints, null for checkpoints. */
  savepointFormat: SavepointFormatType | null;
  trigger_timestamp: number;
  latest_ack_timestamp: number;
  checkpointed_size: number;
  state_size: number;
  end_to_end_duration: number;
  alignment_buffered: number;
  processed_data: number;
  persisted_data: number;
  num_subtasks: number;
  num_acknowledged_subtasks: number;
  checkpoint_type: RestCheckpointType;
  /** Per vertex id; empty in `/checkpoints`, filled in `/checkpoints/details/:checkpointid`. */
  tasks: Record<string, TaskCheckpointStatistics>;
}

export interface CompletedCheckpointStatistics extends CheckpointStatisticsBase {
  /** Jackson's type id: which subclass of Flink's `CheckpointStatistics` this is. */
  className: 'completed';
  external_path: string | null;
  discarded: boolean;
}

export interface FailedCheckpointStatistics extends CheckpointStatisticsBase {
  className: 'failed';
  failure_timestamp: number;
  failure_message: string | null;
}

export interface PendingCheckpointStatistics extends CheckpointStatisticsBase {
  className: 'in_progress';
}

/** One checkpoint (`GET /jobs/:jobid/checkpoints/details/:checkpointid`, and each history entry). */
export type CheckpointStatistics = CompletedCheckpointStatistics | FailedCheckpointStatistics | PendingCheckpointStatistics;

export interface RestoredCheckpointStatistics {
  id: number;
  restore_timestamp: number;
  is_savepoint: boolean;
  external_path: string | null;
}

/** `GET /jobs/:jobid/checkpoints`. */
export interface CheckpointingStatistics {
  counts: { restored: number; total: number; in_progress: number; completed: number; failed: number };
  summary: {
    checkpointed_size: StatsSummaryDto;
    state_size: StatsSummaryDto;
    end_to_end_duration: StatsSummaryDto;
    alignment_buffered: StatsSummaryDto;
    processed_data: StatsSummaryDto;
    persisted_data: StatsSummaryDto;
  };
  latest: {
    completed: CompletedCheckpointStatistics | null;
    savepoint: CompletedCheckpointStatistics | null;
    failed: FailedCheckpointStatistics | null;
    restored: RestoredCheckpointStatistics | null;
  };
  /** Newest first. */
  history: CheckpointStatistics[];
}

/** `GET /jobs/:jobid/checkpoints/config`. */
export interface CheckpointConfigInfo {
  mode: 'exactly_once' | 'at_least_once';
  /** ms; 9223372036854775807 (Java's Long.MAX_VALUE, written exactly) when periodic checkpoints are off. */
  interval: number;
  timeout: number;
  min_pause: number;
  max_concurrent: number;
  externalization: { enabled: boolean; delete_on_cancellation: boolean };
  state_backend: string | null;
  checkpoint_storage: string | null;
  unaligned_checkpoints: boolean;
  tolerable_failed_checkpoints: number;
  aligned_checkpoint_timeout: number;
  checkpoints_after_tasks_finish: boolean;
  state_changelog_enabled: boolean;
  changelog_periodic_materialization_interval: number;
  changelog_storage: string | null;
}

/** One subtask in `GET /jobs/:jobid/checkpoints/details/:checkpointid/subtasks/:vertexid`. */
export type SubtaskCheckpointStatistics =
  | { className: 'pending'; index: number; status: 'pending_or_failed' }
  | {
      className: 'completed';
      index: number;
      status: 'completed';
      ack_timestamp: number;
      end_to_end_duration: number;
      checkpointed_size: number;
      state_size: number;
      checkpoint: { sync: number; async: number };
      alignment: { buffered: number; processed: number; persisted: number; duration: number };
      start_delay: number;
      unaligned_checkpoint: boolean;
      aborted: boolean;
    };

/** `GET /jobs/:jobid/checkpoints/details/:checkpointid/subtasks/:vertexid`. */
export interface TaskCheckpointStatisticsWithSubtaskDetails extends TaskCheckpointStatistics {
  summary: {
    checkpointed_size: StatsSummaryDto;
    state_size: StatsSummaryDto;
    end_to_end_duration: StatsSummaryDto;
    checkpoint_duration: { sync: StatsSummaryDto; async: StatsSummaryDto };
    alignment: { buffered: StatsSummaryDto; processed: StatsSummaryDto; persisted: StatsSummaryDto; duration: StatsSummaryDto };
    start_delay: StatsSummaryDto;
  };
  subtasks: SubtaskCheckpointStatistics[];
}

/** `POST /jobs/:jobid/savepoints`. */
export interface SavepointTriggerRequestBody {
  'target-directory'?: string | null;
  'cancel-job'?: boolean | null;
  formatType?: SavepointFormatType | null;
  /** 32 hex characters: a client-chosen id makes the request idempotent. */
  triggerId?: string | null;
}

/** `POST /jobs/:jobid/stop`. */
export interface StopWithSavepointRequestBody {
  targetDirectory?: string | null;
  /** Emit the final watermark (end of event time) before the savepoint. */
  drain?: boolean | null;
  formatType?: SavepointFormatType | null;
  triggerId?: string | null;
}

/** `POST /savepoint-disposal`. */
export interface SavepointDisposalRequest {
  'savepoint-path'?: string | null;
}

/** The 202 answer of every trigger (`POST .../savepoints`, `.../stop`, `/savepoint-disposal`). */
export interface TriggerResponse {
  'request-id': string;
}

/** `operation` of a finished savepoint: exactly one of the two. */
export type SavepointInfo = { location: string } | { 'failure-cause': SerializedThrowableJson };

/** `operation` of a finished disposal: empty on success. */
export type AsynchronousOperationInfo = { 'failure-cause'?: SerializedThrowableJson };

/** The status of an asynchronous operation: `operation` is null while it runs. */
export type AsynchronousOperationResult<T> =
  | { status: { id: 'IN_PROGRESS' }; operation: null }
  | { status: { id: 'COMPLETED' }; operation: T };
