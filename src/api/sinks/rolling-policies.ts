/**
 * Rolling policies: when a file sink closes its current part file and starts the next one (Flink's
 * RollingPolicy). A closed part file is pending: it becomes visible when the next checkpoint completes.
 *
 * flink-ts closes every open part file at each checkpoint, whatever the policy says, because a part file left
 * open across a checkpoint would have to be cut back to its checkpointed length after a failure, and HDFS through
 * WebHDFS cannot truncate. `shouldRollOnCheckpoint` is kept so that Flink policies port unchanged.
 */
import { UsageError } from '../../util/errors.js';
import { spanMillis, type TimeSpan } from '../time.js';

/** What a policy knows about the open part file of a bucket (Flink's PartFileInfo). */
export interface PartFileInfo {
  getBucketId(): string;
  /** When the part file was opened (processing time, epoch ms). */
  getCreationTime(): number;
  /** Bytes written to it so far. */
  getSize(): number;
  /** When the last record was written to it (processing time, epoch ms). */
  getLastUpdateTime(): number;
}

export interface RollingPolicy<IN = unknown> {
  /** Asked at each checkpoint; flink-ts rolls at checkpoints anyway (see the module comment). */
  shouldRollOnCheckpoint(partFileState: PartFileInfo): boolean;
  /** Asked before each record is written: true starts a new part file for it. */
  shouldRollOnEvent(partFileState: PartFileInfo, element: IN): boolean;
  /** Asked every bucket check interval (`withBucketCheckInterval`, default 60 s) for each open part file. */
  shouldRollOnProcessingTime(partFileState: PartFileInfo, currentTime: number): boolean;
}

const DEFAULT_MAX_PART_SIZE = 128 * 1024 * 1024;
const DEFAULT_ROLLOVER_INTERVAL = 60_000;
const DEFAULT_INACTIVITY_INTERVAL = 60_000;

/**
 * Rolls when the part file is bigger than the maximum part size (128 MiB), older than the rollover interval
 * (60 s), or was not written to for the inactivity interval (60 s); and at every checkpoint.
 */
export class DefaultRollingPolicy<IN = unknown> implements RollingPolicy<IN> {
  private constructor(
    private readonly partSize: number,
    private readonly rolloverInterval: number,
    private readonly inactivityInterval: number,
  ) {}

  static builder(): PolicyBuilder {
    return new PolicyBuilder(DEFAULT_MAX_PART_SIZE, DEFAULT_ROLLOVER_INTERVAL, DEFAULT_INACTIVITY_INTERVAL);
  }

  /** Flink's older name for {@link builder}. */
  static create(): PolicyBuilder {
    return DefaultRollingPolicy.builder();
  }

  /** @internal used by PolicyBuilder */
  static of<IN>(partSize: number, rolloverInterval: number, inactivityInterval: number): DefaultRollingPolicy<IN> {
    return new DefaultRollingPolicy<IN>(partSize, rolloverInterval, inactivityInterval);
  }

  shouldRollOnCheckpoint(partFileState: PartFileInfo): boolean {
    return partFileState.getSize() > this.partSize;
  }
  shouldRollOnEvent(partFileState: PartFileInfo): boolean {
    return partFileState.getSize() > this.partSize;
  }
  shouldRollOnProcessingTime(partFileState: PartFileInfo, currentTime: number): boolean {
    return currentTime - partFileState.getCreationTime() >= this.rolloverInterval || currentTime - partFileState.getLastUpdateTime() >= this.inactivityInterval;
  }
  getMaxPartSize(): number {
    return this.partSize;
  }
  getRolloverInterval(): number {
    return this.rolloverInterval;
  }
  getInactivityInterval(): number {
    return this.inactivityInterval;
  }
}

export class PolicyBuilder {
  /** @internal */
  constructor(
    private readonly partSize: number,
    private readonly rolloverInterval: number,
    private readonly inactivityInterval: number,
  ) {}

  /** The size in bytes above which a part file rolls. */
  withMaxPartSize(size: number): PolicyBuilder {
    if (typeof size !== 'number' || !Number.isFinite(size) || size <= 0) {
      throw new UsageError(`DefaultRollingPolicy.withMaxPartSize: the size must be a positive number of bytes, got ${String(size)}.`);
    }
    return new PolicyBuilder(size, this.rolloverInterval, this.inactivityInterval);
  }
  /** How long a part file may stay open (checked every bucket check interval). */
  withRolloverInterval(interval: TimeSpan): PolicyBuilder {
    return new PolicyBuilder(this.partSize, positive(interval, 'DefaultRollingPolicy.withRolloverInterval'), this.inactivityInterval);
  }
  /** How long a part file may go without records before it rolls (checked every bucket check interval). */
  withInactivityInterval(interval: TimeSpan): PolicyBuilder {
    return new PolicyBuilder(this.partSize, this.rolloverInterval, positive(interval, 'DefaultRollingPolicy.withInactivityInterval'));
  }
  build<IN = unknown>(): DefaultRollingPolicy<IN> {
    return DefaultRollingPolicy.of<IN>(this.partSize, this.rolloverInterval, this.inactivityInterval);
  }
}

function positive(span: TimeSpan, where: string): number {
  const ms = spanMillis(span, where);
  if (ms <= 0) throw new UsageError(`${where}: the interval must be positive, got ${ms} ms.`);
  return ms;
}

/** Rolls only at checkpoints: one part file per bucket and checkpoint interval. */
export class OnCheckpointRollingPolicy<IN = unknown> implements RollingPolicy<IN> {
  static build<IN = unknown>(): OnCheckpointRollingPolicy<IN> {
    return new OnCheckpointRollingPolicy<IN>();
  }
  shouldRollOnCheckpoint(): boolean {
    return true;
  }
  shouldRollOnEvent(): boolean {
    return false;
  }
  shouldRollOnProcessingTime(): boolean {
    return false;
  }
}
