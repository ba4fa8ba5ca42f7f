/**
 * A job's effective checkpoint settings: the cluster's configuration with the job's own keys (from the program's
 * CheckpointConfig or `-D`) over it.
 */
import { CheckpointingOptions, Configuration } from '../../config/index.js';

export interface CheckpointSettings {
  enabled: boolean;
  /** ms; undefined when periodic checkpoints are off. */
  interval: number | undefined;
  mode: 'EXACTLY_ONCE' | 'AT_LEAST_ONCE';
  timeout: number;
  minPause: number;
  maxConcurrent: number;
  tolerableFailures: number;
  externalizedRetention: 'NO_EXTERNALIZED_CHECKPOINTS' | 'DELETE_ON_CANCELLATION' | 'RETAIN_ON_CANCELLATION';
  unaligned: boolean;
  checkpointsDir: string | undefined;
  savepointsDir: string | undefined;
  numRetained: number;
  stateBackend: string;
  incremental: boolean;
  restoreFrom: { path: string; allowNonRestoredState: boolean } | undefined;
}

export function checkpointSettings(cluster: Configuration, job: Record<string, string> | undefined): CheckpointSettings {
  const conf = job ? Configuration.fromMap({ ...cluster.toMap(), ...job }, 'the job') : cluster;
  const interval = conf.getOptional(CheckpointingOptions.CHECKPOINTING_INTERVAL);
  const restorePath = conf.toMap()['execution.savepoint.path'];
  return {
    enabled: interval !== undefined,
    interval,
    mode: conf.get(CheckpointingOptions.CHECKPOINTING_MODE) as CheckpointSettings['mode'],
    timeout: conf.get(CheckpointingOptions.CHECKPOINTING_TIMEOUT),
    minPause: conf.get(CheckpointingOptions.MIN_PAUSE_BETWEEN_CHECKPOINTS),
    maxConcurrent: conf.get(CheckpointingOptions.MAX_CONCURRENT_CHECKPOINTS),
    tolerableFailures: Number(conf.toMap()['execution.checkpointing.tolerable-failed-checkpoints'] ?? 0),
    externalizedRetention: conf.get(CheckpointingOptions.EXTERNALIZED_CHECKPOINT) as CheckpointSettings['externalizedRetention'],
    unaligned: conf.get(CheckpointingOptions.ENABLE_UNALIGNED),
    checkpointsDir: conf.getOptional(CheckpointingOptions.CHECKPOINTS_DIRECTORY),
    savepointsDir: conf.getOptional(CheckpointingOptions.SAVEPOINT_DIRECTORY),
    numRetained: conf.get(CheckpointingOptions.MAX_RETAINED_CHECKPOINTS),
    stateBackend: conf.get(CheckpointingOptions.STATE_BACKEND),
    incremental: conf.toMap()['state.backend.incremental'] === 'true',
    restoreFrom: restorePath
      ? { path: restorePath, allowNonRestoredState: conf.toMap()['execution.savepoint.ignore-unclaimed-state'] === 'true' }
      : undefined,
  };
}
