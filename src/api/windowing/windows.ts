/**
 * Windows and window assigners with Flink's names and arithmetic: tumbling, sliding and session windows in
 * event or processing time (with offsets), and the one global window.
 *
 * ```ts
 * keyed.window(TumblingEventTimeWindows.of(Time.minutes(1)))                 // [0, 60000), [60000, 120000), ...
 * keyed.window(SlidingEventTimeWindows.of(Time.seconds(10), Time.seconds(5))) // each record in two windows
 * keyed.window(EventTimeSessionWindows.withGap(Time.minutes(5)))             // merged while gaps are < 5 min
 * ```
 */
import { signedSpanMillis, spanMillis, type TimeSpan } from '../time.js';
import { UsageError } from '../../util/errors.js';
import { EventTimeTrigger, NeverTrigger, ProcessingTimeTrigger, type Trigger } from './triggers.js';

/** A group of elements; the results of a window carry `maxTimestamp()` as their timestamp. */
export abstract class Window {
  /** The largest timestamp that still belongs to this window. */
  abstract maxTimestamp(): number;
}

/** The half-open interval [start, end) of event or processing time. */
export class TimeWindow extends Window {
  constructor(
    readonly start: number,
    readonly end: number,
  ) {
    super();
  }
  getStart(): number {
    return this.start;
  }
  getEnd(): number {
    return this.end;
  }
  maxTimestamp(): number {
    return this.end - 1;
  }
  equals(o: unknown): boolean {
    return o instanceof TimeWindow && o.start === this.start && o.end === this.end;
  }
  /** Whether the windows overlap or touch (touching session windows merge, as in Flink). */
  intersects(o: TimeWindow): boolean {
    return this.start <= o.end && this.end >= o.start;
  }
  /** The smallest window that contains both. */
  cover(o: TimeWindow): TimeWindow {
    return new TimeWindow(Math.min(this.start, o.start), Math.max(this.end, o.end));
  }
  override toString(): string {
    return `TimeWindow{start=${this.start}, end=${this.end}}`;
  }
  toJSON(): { start: number; end: number } {
    return { start: this.start, end: this.end };
  }

  /**
   * The start of the window of `size` (shifted by `offset`) that contains `timestamp`; right for negative
   * timestamps too (the remainder of a negative number is negative in JavaScript, as in Java).
   */
  static getWindowStartWithOffset(timestamp: number, offset: number, windowSize: number): number {
    const remainder = (timestamp - offset) % windowSize;
    return remainder < 0 ? timestamp - (remainder + windowSize) : timestamp - remainder;
  }

  /** Flink's TimeWindow.mergeWindows: sorts by start and reports each group of overlapping windows. */
  static mergeWindows(windows: readonly TimeWindow[], callback: MergeCallback<TimeWindow>): void {
    const sorted = [...windows].sort((a, b) => a.start - b.start);
    let cur: TimeWindow | undefined;
    let group: TimeWindow[] = [];
    const flush = (): void => {
      if (cur !== undefined && group.length > 1) callback(group, cur);
    };
    for (const w of sorted) {
      if (cur === undefined) {
        cur = w;
        group = [w];
      } else if (cur.intersects(w)) {
        cur = cur.cover(w);
        group.push(w);
      } else {
        flush();
        cur = w;
        group = [w];
      }
    }
    flush();
  }
}

/**
 * The largest timestamp, Flink's Long.MAX_VALUE: the end of the global window. A finite number so that it
 * survives JSON; the final watermark of a bounded input (+Infinity) still passes it.
 */
export const MAX_TIMESTAMP = Number.MAX_SAFE_INTEGER;

/** The single window of GlobalWindows: every element of a key. */
export class GlobalWindow extends Window {
  private static readonly INSTANCE = new GlobalWindow();
  private constructor() {
    super();
  }
  static get(): GlobalWindow {
    return GlobalWindow.INSTANCE;
  }
  maxTimestamp(): number {
    return MAX_TIMESTAMP;
  }
  equals(o: unknown): boolean {
    return o instanceof GlobalWindow;
  }
  override toString(): string {
    return 'GlobalWindow';
  }
  toJSON(): string {
    return 'GlobalWindow';
  }
}

export type MergeCallback<W> = (toBeMerged: W[], mergeResult: W) => void;

/** What an assigner may ask while assigning. */
export interface WindowAssignerContext {
  getCurrentProcessingTime(): number;
}

/** Puts each element into zero or more windows. */
export abstract class WindowAssigner<T, W extends Window> {
  /** `timestamp` is the element's timestamp, NaN when it has none. */
  abstract assignWindows(element: T, timestamp: number, context: WindowAssignerContext): W[];
  abstract getDefaultTrigger(): Trigger<T, W>;
  abstract isEventTime(): boolean;
}

/** An assigner whose windows merge (sessions). */
export abstract class MergingWindowAssigner<T, W extends Window> extends WindowAssigner<T, W> {
  abstract mergeWindows(windows: readonly W[], callback: MergeCallback<W>): void;
}

/** Tumbling and sliding windows: fixed size, so a window is known by its start. */
export abstract class FixedSizeTimeWindows<T> extends WindowAssigner<T, TimeWindow> {
  protected constructor(
    /** @internal */ readonly size: number,
    /** @internal */ readonly slide: number,
    /** @internal */ readonly offset: number,
  ) {
    super();
  }
  getSize(): number {
    return this.size;
  }
}

function noTimestamp(): never {
  throw new UsageError(
    'Record has no timestamp. Is the time characteristic set to ProcessingTime, or did you forget to call ' +
      'DataStream.assignTimestampsAndWatermarks(...)? Event-time windows need timestamped records.',
  );
}

function tumblingArgs(size: TimeSpan, offset: TimeSpan | undefined, what: string): [number, number] {
  const s = spanMillis(size, `${what}.of`);
  const o = offset === undefined ? 0 : signedSpanMillis(offset, `${what}.of`);
  if (s <= 0 || Math.abs(o) >= s) throw new UsageError(`${what} parameters must satisfy abs(offset) < size (size ${s} ms, offset ${o} ms).`);
  return [s, o];
}

function slidingArgs(size: TimeSpan, slide: TimeSpan, offset: TimeSpan | undefined, what: string): [number, number, number] {
  const s = spanMillis(size, `${what}.of`);
  const sl = spanMillis(slide, `${what}.of`);
  const o = offset === undefined ? 0 : signedSpanMillis(offset, `${what}.of`);
  if (Math.abs(o) >= sl || s <= 0) throw new UsageError(`${what} parameters must satisfy abs(offset) < slide and size > 0 (size ${s} ms, slide ${sl} ms, offset ${o} ms).`);
  return [s, sl, o];
}


export class TumblingEventTimeWindows<T = unknown> extends FixedSizeTimeWindows<T> {
  private constructor(size: number, offset: number) {
    super(size, size, offset);
  }
  /** Windows of `size`, aligned to the epoch plus `offset`. */
  static of<T = unknown>(size: TimeSpan, offset?: TimeSpan): TumblingEventTimeWindows<T> {
    const [s, o] = tumblingArgs(size, offset, 'TumblingEventTimeWindows');
    return new TumblingEventTimeWindows<T>(s, o);
  }
  assignWindows(_e: T, timestamp: number, _context?: WindowAssignerContext): TimeWindow[] {
    if (timestamp !== timestamp) noTimestamp();
    const start = TimeWindow.getWindowStartWithOffset(timestamp, this.offset, this.size);
    return [new TimeWindow(start, start + this.size)];
  }
  getDefaultTrigger(): Trigger<T, TimeWindow> {
    return EventTimeTrigger.create();
  }
  isEventTime(): boolean {
    return true;
  }
  override toString(): string {
    return `TumblingEventTimeWindows(${this.size})`;
  }
}

export class TumblingProcessingTimeWindows<T = unknown> extends FixedSizeTimeWindows<T> {
  private constructor(size: number, offset: number) {
    super(size, size, offset);
  }
  static of<T = unknown>(size: TimeSpan, offset?: TimeSpan): TumblingProcessingTimeWindows<T> {
    const [s, o] = tumblingArgs(size, offset, 'TumblingProcessingTimeWindows');
    return new TumblingProcessingTimeWindows<T>(s, o);
  }
  assignWindows(_e: T, _timestamp: number, context: WindowAssignerContext): TimeWindow[] {
    const now = context.getCurrentProcessingTime();
    const start = TimeWindow.getWindowStartWithOffset(now, this.offset, this.size);
    return [new TimeWindow(start, start + this.size)];
  }
  getDefaultTrigger(): Trigger<T, TimeWindow> {
    return ProcessingTimeTrigger.create();
  }
  isEventTime(): boolean {
    return false;
  }
  override toString(): string {
    return `TumblingProcessingTimeWindows(${this.size})`;
  }
}

function slidingWindows(timestamp: number, size: number, slide: number, offset: number): TimeWindow[] {
  const out: TimeWindow[] = [];
  const lastStart = TimeWindow.getWindowStartWithOffset(timestamp, offset, slide);
  for (let start = lastStart; start > timestamp - size; start -= slide) out.push(new TimeWindow(start, start + size));
  return out;
}

export class SlidingEventTimeWindows<T = unknown> extends FixedSizeTimeWindows<T> {
  private constructor(size: number, slide: number, offset: number) {
    super(size, slide, offset);
  }
  static of<T = unknown>(size: TimeSpan, slide: TimeSpan, offset?: TimeSpan): SlidingEventTimeWindows<T> {
    const [s, sl, o] = slidingArgs(size, slide, offset, 'SlidingEventTimeWindows');
    return new SlidingEventTimeWindows<T>(s, sl, o);
  }
  getSlide(): number {
    return this.slide;
  }
  assignWindows(_e: T, timestamp: number, _context?: WindowAssignerContext): TimeWindow[] {
    if (timestamp !== timestamp) noTimestamp();
    return slidingWindows(timestamp, this.size, this.slide, this.offset);
  }
  getDefaultTrigger(): Trigger<T, TimeWindow> {
    return EventTimeTrigger.create();
  }
  isEventTime(): boolean {
    return true;
  }
  override toString(): string {
    return `SlidingEventTimeWindows(${this.size}, ${this.slide})`;
  }
}

export class SlidingProcessingTimeWindows<T = unknown> extends FixedSizeTimeWindows<T> {
  private constructor(size: number, slide: number, offset: number) {
    super(size, slide, offset);
  }
  static of<T = unknown>(size: TimeSpan, slide: TimeSpan, offset?: TimeSpan): SlidingProcessingTimeWindows<T> {
    const [s, sl, o] = slidingArgs(size, slide, offset, 'SlidingProcessingTimeWindows');
    return new SlidingProcessingTimeWindows<T>(s, sl, o);
  }
  getSlide(): number {
    return this.slide;
  }
  assignWindows(_e: T, _timestamp: number, context: WindowAssignerContext): TimeWindow[] {
    return slidingWindows(context.getCurrentProcessingTime(), this.size, this.slide, this.offset);
  }
  getDefaultTrigger(): Trigger<T, TimeWindow> {
    return ProcessingTimeTrigger.create();
  }
  isEventTime(): boolean {
    return false;
  }
  override toString(): string {
    return `SlidingProcessingTimeWindows(${this.size}, ${this.slide})`;
  }
}

/** Flink's SessionWindowTimeGapExtractor: the gap after an element, in milliseconds. */
export type SessionWindowTimeGapExtractor<T> = ((element: T) => number) | { extract(element: T): number };

function gapOf<T>(extractor: SessionWindowTimeGapExtractor<T>, where: string): (e: T) => number {
  if (typeof extractor === 'function') return extractor;
  if (extractor !== null && typeof extractor === 'object' && typeof extractor.extract === 'function') return (e) => extractor.extract(e);
  throw new UsageError(`${where}.withDynamicGap: give a function (element) => gap in ms, or an object with extract(element).`);
}

function sessionWindow(timestamp: number, gap: number): TimeWindow[] {
  if (!(gap > 0)) throw new UsageError(`Dynamic gap can not be negative or zero (got ${gap}): the gap extractor must return a number of milliseconds > 0.`);
  return [new TimeWindow(timestamp, timestamp + gap)];
}

abstract class SessionWindows<T> extends MergingWindowAssigner<T, TimeWindow> {
  protected constructor(
    /** @internal */ readonly gap: number,
    /** @internal */ readonly dynamicGap: ((e: T) => number) | undefined,
  ) {
    super();
  }
  protected gapFor(e: T): number {
    return this.dynamicGap === undefined ? this.gap : this.dynamicGap(e);
  }
  mergeWindows(windows: readonly TimeWindow[], callback: MergeCallback<TimeWindow>): void {
    TimeWindow.mergeWindows(windows, callback);
  }
}

function checkGap(gap: TimeSpan, what: string): number {
  const g = spanMillis(gap, `${what}.withGap`);
  if (g <= 0) throw new UsageError(`${what} parameters must satisfy 0 < size (the gap), got ${g} ms.`);
  return g;
}

export class EventTimeSessionWindows<T = unknown> extends SessionWindows<T> {
  static withGap<T = unknown>(gap: TimeSpan): EventTimeSessionWindows<T> {
    return new EventTimeSessionWindows<T>(checkGap(gap, 'EventTimeSessionWindows'), undefined);
  }
  static withDynamicGap<T = unknown>(extractor: SessionWindowTimeGapExtractor<T>): EventTimeSessionWindows<T> {
    return new EventTimeSessionWindows<T>(0, gapOf(extractor, 'EventTimeSessionWindows'));
  }
  assignWindows(e: T, timestamp: number, _context?: WindowAssignerContext): TimeWindow[] {
    if (timestamp !== timestamp) noTimestamp();
    return sessionWindow(timestamp, this.gapFor(e));
  }
  getDefaultTrigger(): Trigger<T, TimeWindow> {
    return EventTimeTrigger.create();
  }
  isEventTime(): boolean {
    return true;
  }
  override toString(): string {
    return `EventTimeSessionWindows(${this.dynamicGap ? 'dynamic' : this.gap})`;
  }
}

export class ProcessingTimeSessionWindows<T = unknown> extends SessionWindows<T> {
  static withGap<T = unknown>(gap: TimeSpan): ProcessingTimeSessionWindows<T> {
    return new ProcessingTimeSessionWindows<T>(checkGap(gap, 'ProcessingTimeSessionWindows'), undefined);
  }
  static withDynamicGap<T = unknown>(extractor: SessionWindowTimeGapExtractor<T>): ProcessingTimeSessionWindows<T> {
    return new ProcessingTimeSessionWindows<T>(0, gapOf(extractor, 'ProcessingTimeSessionWindows'));
  }
  assignWindows(e: T, _timestamp: number, context: WindowAssignerContext): TimeWindow[] {
    return sessionWindow(context.getCurrentProcessingTime(), this.gapFor(e));
  }
  getDefaultTrigger(): Trigger<T, TimeWindow> {
    return ProcessingTimeTrigger.create();
  }
  isEventTime(): boolean {
    return false;
  }
  override toString(): string {
    return `ProcessingTimeSessionWindows(${this.dynamicGap ? 'dynamic' : this.gap})`;
  }
}

/** Every element of a key in one window; it never fires unless given a trigger (countWindow does). */
export class GlobalWindows<T = unknown> extends WindowAssigner<T, GlobalWindow> {
  private static readonly LIST = [GlobalWindow.get()];
  private constructor() {
    super();
  }
  static create<T = unknown>(): GlobalWindows<T> {
    return new GlobalWindows<T>();
  }
  assignWindows(_e?: T, _timestamp?: number, _context?: WindowAssignerContext): GlobalWindow[] {
    return GlobalWindows.LIST;
  }
  getDefaultTrigger(): Trigger<T, GlobalWindow> {
    return NeverTrigger.create<T>();
  }
  isEventTime(): boolean {
    return false;
  }
  override toString(): string {
    return 'GlobalWindows()';
  }
}

export function checkAssigner(a: unknown, where: string): asserts a is WindowAssigner<unknown, Window> {
  const x = a as Partial<WindowAssigner<unknown, Window>> | null;
  if (!x || typeof x !== 'object' || typeof x.assignWindows !== 'function' || typeof x.getDefaultTrigger !== 'function' || typeof x.isEventTime !== 'function') {
    throw new UsageError(`${where}: give a window assigner, e.g. TumblingEventTimeWindows.of(Time.seconds(5)) or GlobalWindows.create().`);
  }
}

export function isMergingAssigner(a: WindowAssigner<unknown, Window>): a is MergingWindowAssigner<unknown, Window> {
  return typeof (a as Partial<MergingWindowAssigner<unknown, Window>>).mergeWindows === 'function';
}
