/**
 * Event time: where records get their timestamps and how watermarks say how far event time has
 * progressed. The current route is a WatermarkStrategy; the Flink 1.9 timestamp extractors work too.
 *
 * ```ts
 * stream.assignTimestampsAndWatermarks(
 *   WatermarkStrategy.forBoundedOutOfOrderness<Event>(Duration.ofSeconds(5)).withTimestampAssigner((e) => e.time),
 * );
 * ```
 */
import { spanMillis, type TimeSpan } from './time.js';
import { UsageError } from '../util/errors.js';

export class Watermark {
  static readonly MAX_WATERMARK = new Watermark(Number.POSITIVE_INFINITY);
  constructor(readonly timestamp: number) {}
  getTimestamp(): number {
    return this.timestamp;
  }
}

export interface WatermarkOutput {
  emitWatermark(watermark: Watermark | number): void;
  /** This input has no data for now: downstream operators stop waiting for its watermarks. */
  markIdle(): void;
  markActive(): void;
}

export interface WatermarkGenerator<T> {
  onEvent(event: T, eventTimestamp: number, output: WatermarkOutput): void;
  /** Called every `pipeline.auto-watermark-interval` (200 ms by default). */
  onPeriodicEmit(output: WatermarkOutput): void;
}

/** The timestamp of a record: (element, recordTimestamp) => epoch millis, or an object with extractTimestamp. */
export type TimestampAssigner<T> = ((element: T, recordTimestamp: number) => number) | { extractTimestamp(element: T, recordTimestamp: number): number };

/** What a record's timestamp is before any is assigned (Flink's Long.MIN_VALUE, "negative: none"). */
export const NO_RECORD_TIMESTAMP = Number.MIN_SAFE_INTEGER;

export class WatermarkStrategy<T> {
  private constructor(
    /** @internal */ readonly generator: () => WatermarkGenerator<T>,
    /** @internal */ readonly assigner: TimestampAssigner<T> | undefined,
    /** @internal */ readonly idleTimeout: number,
    /** @internal */ readonly description: string,
  ) {}

  /** Watermarks trail the highest timestamp seen by `maxOutOfOrderness` (records may be that late). */
  static forBoundedOutOfOrderness<T>(maxOutOfOrderness: TimeSpan): WatermarkStrategy<T> {
    const bound = spanMillis(maxOutOfOrderness, 'WatermarkStrategy.forBoundedOutOfOrderness');
    return new WatermarkStrategy<T>(() => new BoundedOutOfOrdernessWatermarks<T>(bound), undefined, 0, `bounded out-of-orderness ${bound} ms`);
  }

  /** Timestamps only ever increase: the watermark is the highest timestamp seen, minus 1 ms. */
  static forMonotonousTimestamps<T>(): WatermarkStrategy<T> {
    return new WatermarkStrategy<T>(() => new BoundedOutOfOrdernessWatermarks<T>(0), undefined, 0, 'monotonous timestamps');
  }

  /** Timestamps only, no watermarks (event-time timers and windows then fire only at the end of input). */
  static noWatermarks<T>(): WatermarkStrategy<T> {
    return new WatermarkStrategy<T>(() => ({ onEvent: () => {}, onPeriodicEmit: () => {} }), undefined, 0, 'no watermarks');
  }

  /** A custom generator, created once per parallel instance. */
  static forGenerator<T>(supplier: ((ctx: unknown) => WatermarkGenerator<T>) | { createWatermarkGenerator(ctx: unknown): WatermarkGenerator<T> }): WatermarkStrategy<T> {
    const make = typeof supplier === 'function' ? () => supplier({}) : () => supplier.createWatermarkGenerator({});
    return new WatermarkStrategy<T>(make, undefined, 0, 'custom generator');
  }

  withTimestampAssigner(assigner: TimestampAssigner<T> | { createTimestampAssigner(ctx: unknown): TimestampAssigner<T> }): WatermarkStrategy<T> {
    const a = typeof (assigner as { createTimestampAssigner?: unknown }).createTimestampAssigner === 'function'
      ? (assigner as { createTimestampAssigner(ctx: unknown): TimestampAssigner<T> }).createTimestampAssigner({})
      : (assigner as TimestampAssigner<T>);
    if (typeof a !== 'function' && typeof (a as { extractTimestamp?: unknown } | null)?.extractTimestamp !== 'function') {
      throw new UsageError('withTimestampAssigner: give a function (element, recordTimestamp) => millis or an object with extractTimestamp().');
    }
    return new WatermarkStrategy<T>(this.generator, a, this.idleTimeout, this.description);
  }

  /** An input without records for `idleTimeout` is marked idle and stops holding back downstream event time. */
  withIdleness(idleTimeout: TimeSpan): WatermarkStrategy<T> {
    const ms = spanMillis(idleTimeout, 'WatermarkStrategy.withIdleness');
    if (ms <= 0) throw new UsageError('withIdleness: the idle timeout must be greater than zero.');
    return new WatermarkStrategy<T>(this.generator, this.assigner, ms, this.description);
  }

  /** @internal whether it neither assigns timestamps nor emits watermarks */
  isNoOp(): boolean {
    return this.description === 'no watermarks' && this.assigner === undefined && this.idleTimeout === 0;
  }

  /** @internal */
  createWatermarkGenerator(): WatermarkGenerator<T> {
    return this.generator();
  }
}

/** Flink's BoundedOutOfOrdernessWatermarks: max timestamp seen minus the bound minus 1. */
export class BoundedOutOfOrdernessWatermarks<T> implements WatermarkGenerator<T> {
  private maxTimestamp: number;
  constructor(private readonly outOfOrdernessMillis: number) {
    this.maxTimestamp = Number.NEGATIVE_INFINITY;
  }
  onEvent(_event: T, eventTimestamp: number): void {
    if (eventTimestamp > this.maxTimestamp) this.maxTimestamp = eventTimestamp;
  }
  onPeriodicEmit(output: WatermarkOutput): void {
    output.emitWatermark(this.maxTimestamp - this.outOfOrdernessMillis - 1);
  }
}

/** Flink 1.9: a periodic assigner; subclass and implement extractTimestamp(element). */
export abstract class BoundedOutOfOrdernessTimestampExtractor<T> {
  private currentMaxTimestamp = Number.NEGATIVE_INFINITY;
  private lastEmitted = Number.NEGATIVE_INFINITY;
  private readonly maxOutOfOrderness: number;
  constructor(maxOutOfOrderness: TimeSpan) {
    this.maxOutOfOrderness = spanMillis(maxOutOfOrderness, 'BoundedOutOfOrdernessTimestampExtractor');
  }
  abstract extractTimestamp(element: T): number;
  getMaxOutOfOrdernessInMillis(): number {
    return this.maxOutOfOrderness;
  }
  /** @internal called per record by the runtime */
  extractAndTrack(element: T): number {
    const ts = this.extractTimestamp(element);
    if (ts > this.currentMaxTimestamp) this.currentMaxTimestamp = ts;
    return ts;
  }
  getCurrentWatermark(): Watermark {
    const wm = this.currentMaxTimestamp - this.maxOutOfOrderness;
    if (wm > this.lastEmitted) this.lastEmitted = wm;
    return new Watermark(this.lastEmitted);
  }
}

/** Flink 1.9: timestamps that only increase; subclass and implement extractAscendingTimestamp(element). */
export abstract class AscendingTimestampExtractor<T> {
  private currentTimestamp = Number.NEGATIVE_INFINITY;
  abstract extractAscendingTimestamp(element: T): number;
  /** @internal called per record by the runtime */
  extractAndTrack(element: T): number {
    const ts = this.extractAscendingTimestamp(element);
    // Flink logs a violation and goes on; a late record is then handled by the windows' lateness rules.
    if (ts > this.currentTimestamp) this.currentTimestamp = ts;
    return ts;
  }
  getCurrentWatermark(): Watermark {
    return new Watermark(this.currentTimestamp === Number.NEGATIVE_INFINITY ? Number.NEGATIVE_INFINITY : this.currentTimestamp - 1);
  }
}

/** Flink 1.9's two assigner interfaces, for user classes that implement them directly. */
export interface AssignerWithPeriodicWatermarks<T> {
  extractTimestamp(element: T, previousElementTimestamp: number): number;
  getCurrentWatermark(): Watermark | null;
}
export interface AssignerWithPunctuatedWatermarks<T> {
  extractTimestamp(element: T, previousElementTimestamp: number): number;
  checkAndGetNextWatermark(lastElement: T, extractedTimestamp: number): Watermark | null;
}

/** Flink 1.9's time characteristic: what `timeWindow()` means and whether sources stamp records. */
export const TimeCharacteristic = {
  ProcessingTime: 'ProcessingTime',
  IngestionTime: 'IngestionTime',
  EventTime: 'EventTime',
} as const;
export type TimeCharacteristic = (typeof TimeCharacteristic)[keyof typeof TimeCharacteristic];
