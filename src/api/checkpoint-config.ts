/**
 * Flink's CheckpointConfig: how often and how a job checkpoints, read and set through
 * `env.getCheckpointConfig()`. Every setter writes the matching `execution.checkpointing.*` (or `state.*`) key of
 * the job's configuration, checked as flink-conf.yaml would check it.
 *
 * ```ts
 * env.enableCheckpointing(1000, CheckpointingMode.EXACTLY_ONCE);
 * const cc = env.getCheckpointConfig();
 * cc.setMinPauseBetweenCheckpoints(500);
 * cc.setExternalizedCheckpointCleanup(ExternalizedCheckpointCleanup.RETAIN_ON_CANCELLATION);
 * cc.setCheckpointStorage('hdfs:///flink/checkpoints');
 * ```
 */
import { CheckpointingOptions } from '../config/index.js';
import { argText, integerText, InvalidSettingError, millisText, type JobSettings } from './job-settings.js';

/** Flink's CheckpointingMode: whether inputs align on barriers (exactly once) or only track them (at least once). */
export const CheckpointingMode = Object.freeze({
  EXACTLY_ONCE: 'EXACTLY_ONCE',
  AT_LEAST_ONCE: 'AT_LEAST_ONCE',
} as const);
export type CheckpointingMode = (typeof CheckpointingMode)[keyof typeof CheckpointingMode];

/** Flink's ExternalizedCheckpointCleanup: what happens to a job's retained checkpoints when it is cancelled. */
export const ExternalizedCheckpointCleanup = Object.freeze({
  RETAIN_ON_CANCELLATION: 'RETAIN_ON_CANCELLATION',
  DELETE_ON_CANCELLATION: 'DELETE_ON_CANCELLATION',
  NO_EXTERNALIZED_CHECKPOINTS: 'NO_EXTERNALIZED_CHECKPOINTS',
} as const);
export type ExternalizedCheckpointCleanup = (typeof ExternalizedCheckpointCleanup)[keyof typeof ExternalizedCheckpointCleanup];
/** Flink 1.20's name for {@link ExternalizedCheckpointCleanup}. */
export const ExternalizedCheckpointRetention = ExternalizedCheckpointCleanup;
export type ExternalizedCheckpointRetention = ExternalizedCheckpointCleanup;

const O = CheckpointingOptions;

export class CheckpointConfig {
  /** Flink's nested enum, `CheckpointConfig.ExternalizedCheckpointCleanup.RETAIN_ON_CANCELLATION`. */
  static readonly ExternalizedCheckpointCleanup = ExternalizedCheckpointCleanup;

  /** @internal the environment's settings, which this object reads and writes */
  constructor(private readonly settings: JobSettings) {}

  /** Whether checkpointing is on: an interval was set (here or with `env.enableCheckpointing`). */
  isCheckpointingEnabled(): boolean {
    return this.settings.has(O.CHECKPOINTING_INTERVAL.key);
  }

  /** Turns checkpointing on with this interval (ms, at least 10), like `env.enableCheckpointing(interval)`. */
  setCheckpointInterval(checkpointInterval: number): this {
    const where = `CheckpointConfig.setCheckpointInterval(${argText(checkpointInterval)})`;
    this.settings.set(O.CHECKPOINTING_INTERVAL, millisText(checkpointInterval, where), where);
    return this;
  }
  /** The interval in ms, or -1 when checkpointing is off (as Flink). */
  getCheckpointInterval(): number {
    return this.settings.get(O.CHECKPOINTING_INTERVAL) ?? -1;
  }

  setCheckpointingMode(mode: CheckpointingMode): this {
    const where = `CheckpointConfig.setCheckpointingMode(${argText(mode)})`;
    if (typeof mode !== 'string') throw new InvalidSettingError(`${where}: use CheckpointingMode.EXACTLY_ONCE or CheckpointingMode.AT_LEAST_ONCE.`);
    this.settings.set(O.CHECKPOINTING_MODE, mode, where);
    return this;
  }
  getCheckpointingMode(): CheckpointingMode {
    return (this.settings.get(O.CHECKPOINTING_MODE) ?? 'EXACTLY_ONCE') as CheckpointingMode;
  }

  /** How long a checkpoint may take before it is aborted (ms, > 0; default 10 min). */
  setCheckpointTimeout(checkpointTimeout: number): this {
    const where = `CheckpointConfig.setCheckpointTimeout(${argText(checkpointTimeout)})`;
    this.settings.set(O.CHECKPOINTING_TIMEOUT, millisText(checkpointTimeout, where), where);
    return this;
  }
  getCheckpointTimeout(): number {
    return this.settings.get(O.CHECKPOINTING_TIMEOUT) as number;
  }

  /** The least time between the end of one checkpoint and the start of the next (ms, >= 0). */
  setMinPauseBetweenCheckpoints(minPauseBetweenCheckpoints: number): this {
    const where = `CheckpointConfig.setMinPauseBetweenCheckpoints(${argText(minPauseBetweenCheckpoints)})`;
    this.settings.set(O.MIN_PAUSE_BETWEEN_CHECKPOINTS, millisText(minPauseBetweenCheckpoints, where), where);
    return this;
  }
  getMinPauseBetweenCheckpoints(): number {
    return this.settings.get(O.MIN_PAUSE_BETWEEN_CHECKPOINTS) as number;
  }

  setMaxConcurrentCheckpoints(maxConcurrentCheckpoints: number): this {
    const where = `CheckpointConfig.setMaxConcurrentCheckpoints(${argText(maxConcurrentCheckpoints)})`;
    this.settings.set(O.MAX_CONCURRENT_CHECKPOINTS, integerText(maxConcurrentCheckpoints, where), where);
    return this;
  }
  getMaxConcurrentCheckpoints(): number {
    return this.settings.get(O.MAX_CONCURRENT_CHECKPOINTS) as number;
  }

  /** How many checkpoint failures in a row the job tolerates before it fails (default 0). */
  setTolerableCheckpointFailureNumber(tolerableCheckpointFailureNumber: number): this {
    const where = `CheckpointConfig.setTolerableCheckpointFailureNumber(${argText(tolerableCheckpointFailureNumber)})`;
    this.settings.set(O.TOLERABLE_FAILURE_NUMBER, integerText(tolerableCheckpointFailureNumber, where), where);
    return this;
  }
  getTolerableCheckpointFailureNumber(): number {
    return this.settings.get(O.TOLERABLE_FAILURE_NUMBER) as number;
  }

  /** Whether the retained checkpoints are kept or deleted when the job is cancelled. */
  setExternalizedCheckpointCleanup(cleanupMode: ExternalizedCheckpointCleanup): this {
    return this.setRetention(cleanupMode, `CheckpointConfig.setExternalizedCheckpointCleanup(${argText(cleanupMode)})`);
  }
  /** Flink 1.20's name of {@link setExternalizedCheckpointCleanup}. */
  setExternalizedCheckpointRetention(retention: ExternalizedCheckpointRetention): this {
    return this.setRetention(retention, `CheckpointConfig.setExternalizedCheckpointRetention(${argText(retention)})`);
  }
  /** Flink's older name of {@link setExternalizedCheckpointCleanup}. */
  enableExternalizedCheckpoints(cleanupMode: ExternalizedCheckpointCleanup): this {
    return this.setRetention(cleanupMode, `CheckpointConfig.enableExternalizedCheckpoints(${argText(cleanupMode)})`);
  }
  getExternalizedCheckpointCleanup(): ExternalizedCheckpointCleanup {
    return (this.settings.get(O.EXTERNALIZED_CHECKPOINT) ?? 'NO_EXTERNALIZED_CHECKPOINTS') as ExternalizedCheckpointCleanup;
  }
  isExternalizedCheckpointsEnabled(): boolean {
    return this.getExternalizedCheckpointCleanup() !== 'NO_EXTERNALIZED_CHECKPOINTS';
  }

  /** Unaligned checkpoints (EXACTLY_ONCE only): barriers overtake buffered records, which go into the checkpoint. */
  enableUnalignedCheckpoints(enabled = true): this {
    const where = `CheckpointConfig.enableUnalignedCheckpoints(${argText(enabled)})`;
    if (typeof enabled !== 'boolean') throw new InvalidSettingError(`${where}: give true or false.`);
    this.settings.set(O.ENABLE_UNALIGNED, String(enabled), where);
    return this;
  }
  isUnalignedCheckpointsEnabled(): boolean {
    return this.settings.get(O.ENABLE_UNALIGNED) === true;
  }

  /** Where checkpoints are written: a directory URI (`file:///...`, `hdfs:///...`), i.e. `state.checkpoints.dir`. */
  setCheckpointStorage(checkpointDirectory: string): this {
    const where = `CheckpointConfig.setCheckpointStorage(${argText(checkpointDirectory)})`;
    if (typeof checkpointDirectory !== 'string' || checkpointDirectory.trim() === '') {
      throw new InvalidSettingError(`${where}: give the checkpoint directory as a URI, e.g. 'file:///data/checkpoints' or 'hdfs:///flink/checkpoints'.`);
    }
    this.settings.set(O.CHECKPOINTS_DIRECTORY, checkpointDirectory, where);
    return this;
  }
  /** The checkpoint directory the program set, if any (else the cluster's `state.checkpoints.dir` applies). */
  getCheckpointStorage(): string | undefined {
    return this.settings.raw(O.CHECKPOINTS_DIRECTORY.key);
  }

  private setRetention(value: unknown, where: string): this {
    if (typeof value !== 'string') {
      throw new InvalidSettingError(`${where}: use ExternalizedCheckpointCleanup.RETAIN_ON_CANCELLATION, DELETE_ON_CANCELLATION or NO_EXTERNALIZED_CHECKPOINTS.`);
    }
    this.settings.set(O.EXTERNALIZED_CHECKPOINT, value, where);
    return this;
  }
}
