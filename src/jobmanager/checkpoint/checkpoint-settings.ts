/**
 * A job's checkpoint settings, read the way Flink reads them: the job's own keys (`JobGraph.jobConfiguration`:
 * what the program set on its environment and the client's `-D`s) over the cluster's configuration.
 *
 * ```ts
 * const conf = jobConfigurationOver(clusterConf, graph.jobConfiguration);
 * const settings = checkpointSettings(clusterConf, graph.jobConfiguration);
 * if (settings.enabled) coordinator.start(settings.interval);
 * const backoff = restartBackoffFor(conf, settings.enabled);
 * ```
 */
import { CheckpointingOptions, Configuration, SavepointConfigOptions } from '../../config/index.js';
import type { CheckpointConfigInfo } from './checkpoint-stats.js';

export type CheckpointingModeName = 'EXACTLY_ONCE' | 'AT_LEAST_ONCE';
export type ExternalizedRetention = 'NO_EXTERNALIZED_CHECKPOINTS' | 'DELETE_ON_CANCELLATION' | 'RETAIN_ON_CANCELLATION';

export interface CheckpointSettings {
  /** Whether the job checkpoints periodically (`execution.checkpointing.interval` is set). */
  readonly enabled: boolean;
  /** Milliseconds between the starts of two checkpoints; undefined when checkpointing is off. */
  readonly interval: number | undefined;
  readonly mode: CheckpointingModeName;
  /** Milliseconds a checkpoint may take before it is aborted. */
  readonly timeout: number;
  /** Least milliseconds from the end of one checkpoint to the start of the next. */
  readonly minPause: number;
  readonly maxConcurrent: number;
  /** Checkpoint failures in a row the job tolerates; one more fails the job. */
  readonly tolerableFailures: number;
  /** What happens to retained checkpoints when the job is cancelled. */
  readonly externalizedRetention: ExternalizedRetention;
  /** Unaligned checkpoints: only with EXACTLY_ONCE (AT_LEAST_ONCE never aligns, so it has nothing to skip). */
  readonly unaligned: boolean;
  readonly checkpointsDir: string | undefined;
  readonly savepointsDir: string | undefined;
  /** `state.checkpoints.num-retained`. */
  readonly numRetained: number;
  /** `state.backend` as the registry spells it. */
  readonly stateBackend: string;
  /** `state.backend.incremental`. */
  readonly incremental: boolean;
  /** Where the job starts from (`execution.savepoint.path`, `bin/flink run -s`), if anywhere. */
  readonly restoreFrom: { readonly path: string; readonly allowNonRestoredState: boolean } | undefined;
}

/** The cluster's configuration with the job's own keys over it (checked as `-D` settings are). */
export function jobConfigurationOver(clusterConf: Configuration, jobConfiguration: Readonly<Record<string, string>> | undefined): Configuration {
  if (jobConfiguration === undefined || Object.keys(jobConfiguration).length === 0) return clusterConf;
  return clusterConf.with({ ...jobConfiguration }, 'the job configuration');
}

export function checkpointSettings(clusterConf: Configuration, jobConfiguration: Readonly<Record<string, string>> | undefined): CheckpointSettings {
  const conf = jobConfigurationOver(clusterConf, jobConfiguration);
  const O = CheckpointingOptions;
  const interval = conf.getOptional(O.CHECKPOINTING_INTERVAL);
  const mode = conf.get(O.CHECKPOINTING_MODE) as CheckpointingModeName;
  const savepointPath = conf.getOptional(SavepointConfigOptions.SAVEPOINT_PATH);
  return Object.freeze({
    enabled: interval !== undefined,
    interval,
    mode,
    timeout: conf.get(O.CHECKPOINTING_TIMEOUT),
    minPause: conf.get(O.MIN_PAUSE_BETWEEN_CHECKPOINTS),
    maxConcurrent: conf.get(O.MAX_CONCURRENT_CHECKPOINTS),
    tolerableFailures: conf.get(O.TOLERABLE_FAILURE_NUMBER),
    externalizedRetention: conf.get(O.EXTERNALIZED_CHECKPOINT) as ExternalizedRetention,
    unaligned: conf.get(O.ENABLE_UNALIGNED) && mode === 'EXACTLY_ONCE',
    checkpointsDir: conf.getOptional(O.CHECKPOINTS_DIRECTORY),
    savepointsDir: conf.getOptional(O.SAVEPOINT_DIRECTORY),
    numRetained: conf.get(O.MAX_RETAINED_CHECKPOINTS),
    stateBackend: conf.get(O.STATE_BACKEND),
    incremental: conf.get(O.INCREMENTAL_CHECKPOINTS),
    restoreFrom:
      savepointPath === undefined || savepointPath === ''
        ? undefined
        : Object.freeze({ path: savepointPath, allowNonRestoredState: conf.get(SavepointConfigOptions.SAVEPOINT_IGNORE_UNCLAIMED_STATE) }),
  });
}

/** The settings as `GET /jobs/:jobid/checkpoints/config` shows them. */
export function checkpointConfigInfo(cp: CheckpointSettings): CheckpointConfigInfo {
  return {
    mode: cp.mode,
    // Flink answers Long.MAX_VALUE when periodic checkpoints are off.
    interval: cp.interval ?? 0x7fffffffffffffff,
    timeout: cp.timeout,
    minPause: cp.minPause,
    maxConcurrent: cp.maxConcurrent,
    externalization: {
      enabled: cp.externalizedRetention !== 'NO_EXTERNALIZED_CHECKPOINTS',
      deleteOnCancellation: cp.externalizedRetention !== 'RETAIN_ON_CANCELLATION',
    },
    stateBackend: cp.stateBackend === 'hashmap' ? 'HashMapStateBackend' : 'EmbeddedLmdbStateBackend',
    checkpointStorage: cp.checkpointsDir === undefined ? 'JobManagerCheckpointStorage' : 'FileSystemCheckpointStorage',
    unalignedCheckpoints: cp.unaligned,
    tolerableFailedCheckpoints: cp.tolerableFailures,
    checkpointsAfterTasksFinish: false,
  };
}
