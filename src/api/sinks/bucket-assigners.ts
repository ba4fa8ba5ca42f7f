/**
 * Bucket assigners: which directory below a file sink's base path each record goes to (Flink's BucketAssigner).
 * A bucket id is a relative path; '' is the base path itself.
 */
import { UsageError } from '../../util/errors.js';
import { DateTimePattern, systemTimeZone } from './date-time-format.js';

/** What an assigner may look at besides the record (Flink's BucketAssigner.Context). */
export interface BucketAssignerContext {
  /** The wall clock of the TaskManager, in epoch milliseconds. */
  currentProcessingTime(): number;
  /** The sink's current event-time watermark. */
  currentWatermark(): number;
  /** The record's event-time timestamp, or null when it has none. */
  timestamp(): number | null;
}

export interface BucketAssigner<IN> {
  /** The bucket of `element`: a relative directory such as `2024-05-01--13` or `country=de/day=1`, or ''. */
  getBucketId(element: IN, context: BucketAssignerContext): string;
}

/** Every record goes straight into the base path. */
export class BasePathBucketAssigner<IN = unknown> implements BucketAssigner<IN> {
  getBucketId(): string {
    return '';
  }
  toString(): string {
    return 'BasePathBucketAssigner';
  }
}

/**
 * Buckets by the wall clock of the TaskManager when the record arrives, formatted with a DateTimeFormatter-style
 * pattern (default `yyyy-MM-dd--HH`: one directory per hour) in a time zone (default: the TaskManager's).
 */
export class DateTimeBucketAssigner<IN = unknown> implements BucketAssigner<IN> {
  static readonly DEFAULT_FORMAT_STRING = 'yyyy-MM-dd--HH';
  private readonly formatString: string;
  private readonly zoneId: string | undefined;
  private compiled: DateTimePattern | undefined;
  // Formatting goes through Intl and costs microseconds; records of the same second share the result.
  private cachedKey = Number.NaN;
  private cachedId = '';

  /**
   * @param formatString a Java DateTimeFormatter pattern (letters y M d D H k K h m s S a E, quoted text).
   * @param zoneId an IANA time zone id ('UTC', 'Europe/Berlin'); by default the TaskManager's zone.
   */
  constructor(formatString: string = DateTimeBucketAssigner.DEFAULT_FORMAT_STRING, zoneId?: string) {
    if (typeof formatString !== 'string' || formatString.length === 0) {
      throw new UsageError("DateTimeBucketAssigner: the format must be a non-empty pattern string such as 'yyyy-MM-dd--HH'.");
    }
    if (zoneId !== undefined && (typeof zoneId !== 'string' || zoneId.length === 0)) {
      throw new UsageError("DateTimeBucketAssigner: the zone id must be a time zone name such as 'UTC' or 'Europe/Berlin'.");
    }
    this.formatString = formatString;
    this.zoneId = zoneId;
    // Checked here so that a bad pattern or zone fails when the program builds the job, on the client.
    new DateTimePattern(formatString, zoneId ?? systemTimeZone(), 'DateTimeBucketAssigner');
  }

  getBucketId(_element: IN, context: BucketAssignerContext): string {
    const now = context.currentProcessingTime();
    const pattern = (this.compiled ??= new DateTimePattern(this.formatString, this.zoneId ?? systemTimeZone(), 'DateTimeBucketAssigner'));
    // Zone offsets are whole seconds, so within one second the id only changes for patterns with fractions.
    const key = pattern.showsMillis ? now : Math.floor(now / 1000);
    if (key !== this.cachedKey) {
      this.cachedKey = key;
      this.cachedId = pattern.format(now);
    }
    return this.cachedId;
  }

  toString(): string {
    return `DateTimeBucketAssigner{formatString='${this.formatString}', zoneId=${this.zoneId ?? systemTimeZone()}}`;
  }
}
