/**
 * Canned checkpoint statistics, as a job master would report them, for the REST, client and Java-client tests.
 */
import type { CheckpointRecord, CheckpointStatistics, TaskCheckpointStats } from '../../../src/jobmanager/checkpoint/checkpoint-stats.js';

export const SOURCE_VERTEX = 'cbc357ccb763df2852fee8c4fc7d55f2';
export const WINDOW_VERTEX = '90bea66de1c231edf33913ecd54406c1';
export const CHECKPOINT_BASE_TS = 1_572_941_995_000;
export const CHECKPOINT_DIR = 'file:///tmp/flink-checkpoints';

/** Both vertices with two subtasks each; subtask 1 of the window has not acknowledged when `complete` is false. */
function tasks(trigger: number, complete: boolean): TaskCheckpointStats[] {
  return [
    {
      vertexId: SOURCE_VERTEX,
      numSubtasks: 2,
      numAcknowledgedSubtasks: 2,
      latestAckTimestamp: trigger + 40,
      stateSize: 2048,
      subtasks: [
        { index: 0, acknowledged: true, ackTimestamp: trigger + 30, stateSize: 1024, syncDuration: 1, asyncDuration: 5, alignmentDuration: 0, startDelay: 2 },
        { index: 1, acknowledged: true, ackTimestamp: trigger + 40, stateSize: 1024, syncDuration: 2, asyncDuration: 7, alignmentDuration: 0, startDelay: 3 },
      ],
    },
    {
      vertexId: WINDOW_VERTEX,
      numSubtasks: 2,
      numAcknowledgedSubtasks: complete ? 2 : 1,
      latestAckTimestamp: trigger + (complete ? 120 : 90),
      stateSize: complete ? 6144 : 4096,
      subtasks: complete
        ? [
            { index: 0, acknowledged: true, ackTimestamp: trigger + 90, stateSize: 4096, checkpointedSize: 512, syncDuration: 3, asyncDuration: 20, alignmentDuration: 11 },
            { index: 1, acknowledged: true, ackTimestamp: trigger + 120, stateSize: 2048, syncDuration: 4, asyncDuration: 30, alignmentDuration: 13 },
          ]
        : [{ index: 0, acknowledged: true, ackTimestamp: trigger + 90, stateSize: 4096, syncDuration: 3, asyncDuration: 20, alignmentDuration: 11 }],
    },
  ];
}

export function completedCheckpoint(id: number, overrides: Partial<CheckpointRecord> = {}): CheckpointRecord {
  const trigger = CHECKPOINT_BASE_TS + id * 1000;
  return {
    id,
    status: 'COMPLETED',
    isSavepoint: false,
    checkpointType: 'CHECKPOINT',
    triggerTimestamp: trigger,
    latestAckTimestamp: trigger + 120,
    checkpointedSize: 8192,
    stateSize: 8192,
    endToEndDuration: 120,
    numSubtasks: 4,
    numAcknowledgedSubtasks: 4,
    externalPath: `${CHECKPOINT_DIR}/job/chk-${id}`,
    tasks: tasks(trigger, true),
    ...overrides,
  };
}

export function failedCheckpoint(id: number): CheckpointRecord {
  const trigger = CHECKPOINT_BASE_TS + id * 1000;
  return {
    id,
    status: 'FAILED',
    isSavepoint: false,
    checkpointType: 'CHECKPOINT',
    triggerTimestamp: trigger,
    latestAckTimestamp: trigger + 90,
    checkpointedSize: 6144,
    stateSize: 6144,
    endToEndDuration: 600_000,
    numSubtasks: 4,
    numAcknowledgedSubtasks: 3,
    failureTimestamp: trigger + 600_000,
    failureMessage: 'Checkpoint expired before completing.',
    tasks: tasks(trigger, false),
  };
}

export function pendingCheckpoint(id: number): CheckpointRecord {
  const trigger = CHECKPOINT_BASE_TS + id * 1000;
  return {
    id,
    status: 'IN_PROGRESS',
    isSavepoint: false,
    checkpointType: 'CHECKPOINT',
    triggerTimestamp: trigger,
    latestAckTimestamp: trigger + 90,
    checkpointedSize: 6144,
    stateSize: 6144,
    endToEndDuration: 90,
    numSubtasks: 4,
    numAcknowledgedSubtasks: 3,
    tasks: tasks(trigger, false),
  };
}

/**
 * Five checkpoints, newest first: 5 in progress, 4 failed, 3 a savepoint, 2 and 1 completed (1 no longer
 * retained); the job was restored from savepoint 0. The samples of the completed ones have the durations
 * 100, 250, 120 and the earlier 90, 400, 130, 110.
 */
export function sampleCheckpointStatistics(): CheckpointStatistics {
  const savepoint = completedCheckpoint(3, {
    isSavepoint: true,
    checkpointType: 'SAVEPOINT',
    savepointFormat: 'CANONICAL',
    externalPath: 'file:///tmp/savepoints/savepoint-cafe00-0123456789ab',
  });
  const latest = completedCheckpoint(2, { endToEndDuration: 250 });
  const failed = failedCheckpoint(4);
  return {
    counts: { restored: 1, total: 8, inProgress: 1, completed: 6, failed: 1 },
    history: [pendingCheckpoint(5), failed, savepoint, latest, completedCheckpoint(1, { discarded: true })],
    latestCompleted: latest,
    latestSavepoint: savepoint,
    latestFailed: failed,
    latestRestored: { id: 0, restoreTimestamp: CHECKPOINT_BASE_TS - 500, isSavepoint: true, externalPath: 'file:///tmp/savepoints/savepoint-cafe00-aaaaaaaaaaaa' },
    completedSamples: {
      stateSize: [8192, 8192, 8192, 4096, 4096, 2048, 1024],
      checkpointedSize: [8192, 8192, 8192, 1024, 1024, 1024, 1024],
      endToEndDuration: [100, 250, 120, 90, 400, 130, 110],
    },
  };
}
