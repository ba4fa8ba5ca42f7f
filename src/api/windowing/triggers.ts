/**
 * Triggers decide when a window's contents are handed to the window function (fire) and when they are
 * dropped (purge), with Flink's names and behaviour. A custom trigger extends {@link Trigger}:
 *
 * ```ts
 * class EveryThird extends Trigger<Event, TimeWindow> {
 *   private readonly count = new ReducingStateDescriptor<number>('n', (a, b) => a + b);
 *   onElement(e: Event, ts: number, w: TimeWindow, ctx: TriggerContext) {
 *     const n = ctx.getPartitionedState<ReducingState<number>>(this.count);
 *     n.add(1);
 *     if ((n.get() ?? 0) % 3 === 0) return TriggerResult.FIRE;
 *     ctx.registerEventTimeTimer(w.maxTimestamp());
 *     return TriggerResult.CONTINUE;
 *   }
 *   onEventTime(time: number, w: TimeWindow) { return time === w.maxTimestamp() ? TriggerResult.FIRE_AND_PURGE : TriggerResult.CONTINUE; }
 *   onProcessingTime() { return TriggerResult.CONTINUE; }
 *   clear(w: TimeWindow, ctx: TriggerContext) { ctx.getPartitionedState<ReducingState<number>>(this.count).clear(); }
 * }
 * ```
 */
import { ReducingStateDescriptor, type ReducingState, type State, type StateDescriptor } from '../state.js';
import { spanMillis, type TimeSpan } from '../time.js';
import { UsageError } from '../../util/errors.js';
import type { Window } from './windows.js';

/** What a trigger returns: whether to call the window function, and whether to drop the contents. */
export class TriggerResult {
  static readonly CONTINUE = new TriggerResult('CONTINUE', false, false);
  static readonly FIRE = new TriggerResult('FIRE', true, false);
  static readonly PURGE = new TriggerResult('PURGE', false, true);
  static readonly FIRE_AND_PURGE = new TriggerResult('FIRE_AND_PURGE', true, true);
  private constructor(
    readonly name: string,
    private readonly fire: boolean,
    private readonly purge: boolean,
  ) {}
  isFire(): boolean {
    return this.fire;
  }
  isPurge(): boolean {
    return this.purge;
  }
  toString(): string {
    return this.name;
  }
}

/** What a trigger can do: timers for its window, and state scoped to the key and window. */
export interface TriggerContext {
  getCurrentProcessingTime(): number;
  getCurrentWatermark(): number;
  registerProcessingTimeTimer(time: number): void;
  registerEventTimeTimer(time: number): void;
  deleteProcessingTimeTimer(time: number): void;
  deleteEventTimeTimer(time: number): void;
  /** Keyed state of the current key and window (use it only during this call). */
  getPartitionedState<S extends State>(descriptor: StateDescriptor): S;
}

export interface OnMergeContext extends TriggerContext {
  /** Combines the state of the merged windows into the merge result (reducing, aggregating or list state). */
  mergePartitionedState(descriptor: StateDescriptor): void;
}

export abstract class Trigger<T, W extends Window> {
  abstract onElement(element: T, timestamp: number, window: W, ctx: TriggerContext): TriggerResult;
  abstract onProcessingTime(time: number, window: W, ctx: TriggerContext): TriggerResult;
  abstract onEventTime(time: number, window: W, ctx: TriggerContext): TriggerResult;
  /** Whether the trigger works with merging (session) windows; then it implements onMerge. */
  canMerge(): boolean {
    return false;
  }
  onMerge(_window: W, _ctx: OnMergeContext): void {
    throw new UsageError(`${this.constructor.name} does not support merging windows: implement canMerge() and onMerge().`);
  }
  /** Removes the trigger's timers and state for the window (called when the window is purged for good). */
  abstract clear(window: W, ctx: TriggerContext): void;
}

/** Fires once the watermark passes the end of the window (at once if it already has: late elements). */
export class EventTimeTrigger extends Trigger<unknown, Window> {
  private static readonly INSTANCE = new EventTimeTrigger();
  private constructor() {
    super();
  }
  static create(): EventTimeTrigger {
    return EventTimeTrigger.INSTANCE;
  }
  onElement(_e: unknown, _ts: number, w: Window, ctx: TriggerContext): TriggerResult {
    const end = w.maxTimestamp();
    if (end <= ctx.getCurrentWatermark()) return TriggerResult.FIRE;
    ctx.registerEventTimeTimer(end);
    return TriggerResult.CONTINUE;
  }
  onEventTime(time: number, w: Window): TriggerResult {
    return time === w.maxTimestamp() ? TriggerResult.FIRE : TriggerResult.CONTINUE;
  }
  onProcessingTime(): TriggerResult {
    return TriggerResult.CONTINUE;
  }
  clear(w: Window, ctx: TriggerContext): void {
    ctx.deleteEventTimeTimer(w.maxTimestamp());
  }
  override canMerge(): boolean {
    return true;
  }
  override onMerge(w: Window, ctx: OnMergeContext): void {
    // A merged window whose end the watermark already passed fires through the element that caused the merge.
    const end = w.maxTimestamp();
    if (end > ctx.getCurrentWatermark()) ctx.registerEventTimeTimer(end);
  }
  override toString(): string {
    return 'EventTimeTrigger()';
  }
}

/** Fires once the wall clock passes the end of the window. */
export class ProcessingTimeTrigger extends Trigger<unknown, Window> {
  private static readonly INSTANCE = new ProcessingTimeTrigger();
  private constructor() {
    super();
  }
  static create(): ProcessingTimeTrigger {
    return ProcessingTimeTrigger.INSTANCE;
  }
  onElement(_e: unknown, _ts: number, w: Window, ctx: TriggerContext): TriggerResult {
    ctx.registerProcessingTimeTimer(w.maxTimestamp());
    return TriggerResult.CONTINUE;
  }
  onEventTime(): TriggerResult {
    return TriggerResult.CONTINUE;
  }
  onProcessingTime(): TriggerResult {
    return TriggerResult.FIRE;
  }
  clear(w: Window, ctx: TriggerContext): void {
    ctx.deleteProcessingTimeTimer(w.maxTimestamp());
  }
  override canMerge(): boolean {
    return true;
  }
  override onMerge(w: Window, ctx: OnMergeContext): void {
    const end = w.maxTimestamp();
    if (end > ctx.getCurrentProcessingTime()) ctx.registerProcessingTimeTimer(end);
  }
  override toString(): string {
    return 'ProcessingTimeTrigger()';
  }
}

/** The default trigger of GlobalWindows: never fires. */
export class NeverTrigger<T = unknown> extends Trigger<T, Window> {
  static create<T = unknown>(): NeverTrigger<T> {
    return new NeverTrigger<T>();
  }
  onElement(): TriggerResult {
    return TriggerResult.CONTINUE;
  }
  onEventTime(): TriggerResult {
    return TriggerResult.CONTINUE;
  }
  onProcessingTime(): TriggerResult {
    return TriggerResult.CONTINUE;
  }
  clear(): void {}
  override canMerge(): boolean {
    return true;
  }
  override onMerge(): void {}
  override toString(): string {
    return 'NeverTrigger()';
  }
}

const sum = (a: number, b: number): number => a + b;
const min = (a: number, b: number): number => Math.min(a, b);

/** Fires each time the window has received `maxCount` elements since the last firing. */
export class CountTrigger<W extends Window = Window> extends Trigger<unknown, W> {
  private readonly stateDesc = new ReducingStateDescriptor<number>('count', sum);
  private constructor(private readonly maxCount: number) {
    super();
  }
  static of<W extends Window = Window>(maxCount: number): CountTrigger<W> {
    if (!Number.isInteger(maxCount) || maxCount < 1) throw new UsageError(`CountTrigger.of(${String(maxCount)}): the count must be an integer >= 1.`);
    return new CountTrigger<W>(maxCount);
  }
  onElement(_e: unknown, _ts: number, _w: W, ctx: TriggerContext): TriggerResult {
    const count = ctx.getPartitionedState<ReducingState<number>>(this.stateDesc);
    count.add(1);
    if ((count.get() ?? 0) >= this.maxCount) {
      count.clear();
      return TriggerResult.FIRE;
    }
    return TriggerResult.CONTINUE;
  }
  onEventTime(): TriggerResult {
    return TriggerResult.CONTINUE;
  }
  onProcessingTime(): TriggerResult {
    return TriggerResult.CONTINUE;
  }
  clear(_w: W, ctx: TriggerContext): void {
    ctx.getPartitionedState<ReducingState<number>>(this.stateDesc).clear();
  }
  override canMerge(): boolean {
    return true;
  }
  override onMerge(_w: W, ctx: OnMergeContext): void {
    ctx.mergePartitionedState(this.stateDesc);
  }
  override toString(): string {
    return `CountTrigger(${this.maxCount})`;
  }
}

/** Turns every FIRE of the wrapped trigger into FIRE_AND_PURGE. */
export class PurgingTrigger<T, W extends Window> extends Trigger<T, W> {
  private constructor(private readonly nested: Trigger<T, W>) {
    super();
  }
  static of<T, W extends Window>(nestedTrigger: Trigger<T, W>): PurgingTrigger<T, W> {
    checkTrigger(nestedTrigger, 'PurgingTrigger.of');
    return new PurgingTrigger(nestedTrigger);
  }
  private static purge(r: TriggerResult): TriggerResult {
    return r.isFire() ? TriggerResult.FIRE_AND_PURGE : r;
  }
  onElement(e: T, ts: number, w: W, ctx: TriggerContext): TriggerResult {
    return PurgingTrigger.purge(this.nested.onElement(e, ts, w, ctx));
  }
  onEventTime(time: number, w: W, ctx: TriggerContext): TriggerResult {
    return PurgingTrigger.purge(this.nested.onEventTime(time, w, ctx));
  }
  onProcessingTime(time: number, w: W, ctx: TriggerContext): TriggerResult {
    return PurgingTrigger.purge(this.nested.onProcessingTime(time, w, ctx));
  }
  clear(w: W, ctx: TriggerContext): void {
    this.nested.clear(w, ctx);
  }
  override canMerge(): boolean {
    return this.nested.canMerge();
  }
  override onMerge(w: W, ctx: OnMergeContext): void {
    this.nested.onMerge(w, ctx);
  }
  getNestedTrigger(): Trigger<T, W> {
    return this.nested;
  }
  override toString(): string {
    return `PurgingTrigger(${String(this.nested)})`;
  }
}

function interval(span: TimeSpan, where: string): number {
  const ms = spanMillis(span, where);
  if (ms <= 0) throw new UsageError(`${where}: the interval must be > 0 ms.`);
  return ms;
}

/**
 * What the two continuous triggers share: the next firing time kept in reducing state (the minimum wins
 * when windows merge), re-armed `interval` later at each firing, never past the window's end.
 */
abstract class ContinuousTrigger<W extends Window> extends Trigger<unknown, W> {
  protected readonly stateDesc = new ReducingStateDescriptor<number>('fire-time', min);
  protected constructor(
    protected readonly interval: number,
    private readonly name: string,
  ) {
    super();
  }
  /** Sets or removes a timer in this trigger's time domain. */
  protected abstract setTimer(ctx: TriggerContext, time: number): void;
  protected abstract deleteTimer(ctx: TriggerContext, time: number): void;

  protected fireState(ctx: TriggerContext): ReducingState<number> {
    return ctx.getPartitionedState<ReducingState<number>>(this.stateDesc);
  }
  /** Arms the first firing at the interval after `alignedStart`, unless one is armed already. */
  protected armFirst(alignedStart: number, w: W, ctx: TriggerContext): void {
    const fire = this.fireState(ctx);
    if (fire.get() === null) this.registerNext(alignedStart, w, ctx, fire);
  }
  /** FIRE (and re-arm) when `time` is the armed firing time. */
  protected fireIfDue(time: number, w: W, ctx: TriggerContext): TriggerResult {
    const fire = this.fireState(ctx);
    if (fire.get() !== time) return TriggerResult.CONTINUE;
    fire.clear();
    this.registerNext(time, w, ctx, fire);
    return TriggerResult.FIRE;
  }
  clear(_w: W, ctx: TriggerContext): void {
    const fire = this.fireState(ctx);
    const t = fire.get();
    if (t !== null) {
      this.deleteTimer(ctx, t);
      fire.clear();
    }
  }
  override canMerge(): boolean {
    return true;
  }
  override onMerge(_w: W, ctx: OnMergeContext): void {
    ctx.mergePartitionedState(this.stateDesc);
    const t = this.fireState(ctx).get();
    if (t !== null) this.setTimer(ctx, t);
  }
  private registerNext(time: number, w: W, ctx: TriggerContext, fire: ReducingState<number>): void {
    const next = Math.min(time + this.interval, w.maxTimestamp());
    fire.add(next);
    this.setTimer(ctx, next);
  }
  override toString(): string {
    return `${this.name}(${this.interval})`;
  }
}

/** Fires every `interval` of event time (aligned to the epoch) while the window is open, and at its end. */
export class ContinuousEventTimeTrigger<W extends Window = Window> extends ContinuousTrigger<W> {
  private constructor(ms: number) {
    super(ms, 'ContinuousEventTimeTrigger');
  }
  static of<W extends Window = Window>(interval_: TimeSpan): ContinuousEventTimeTrigger<W> {
    return new ContinuousEventTimeTrigger<W>(interval(interval_, 'ContinuousEventTimeTrigger.of'));
  }
  onElement(_e: unknown, timestamp: number, w: W, ctx: TriggerContext): TriggerResult {
    if (w.maxTimestamp() <= ctx.getCurrentWatermark()) return TriggerResult.FIRE;
    ctx.registerEventTimeTimer(w.maxTimestamp());
    this.armFirst(timestamp - (timestamp % this.interval), w, ctx);
    return TriggerResult.CONTINUE;
  }
  onEventTime(time: number, w: W, ctx: TriggerContext): TriggerResult {
    if (time === w.maxTimestamp()) return TriggerResult.FIRE;
    return this.fireIfDue(time, w, ctx);
  }
  onProcessingTime(): TriggerResult {
    return TriggerResult.CONTINUE;
  }
  protected setTimer(ctx: TriggerContext, time: number): void {
    ctx.registerEventTimeTimer(time);
  }
  protected deleteTimer(ctx: TriggerContext, time: number): void {
    ctx.deleteEventTimeTimer(time);
  }
}

/** Fires every `interval` of wall-clock time (aligned to the epoch) while elements arrive. */
export class ContinuousProcessingTimeTrigger<W extends Window = Window> extends ContinuousTrigger<W> {
  private constructor(ms: number) {
    super(ms, 'ContinuousProcessingTimeTrigger');
  }
  static of<W extends Window = Window>(interval_: TimeSpan): ContinuousProcessingTimeTrigger<W> {
    return new ContinuousProcessingTimeTrigger<W>(interval(interval_, 'ContinuousProcessingTimeTrigger.of'));
  }
  onElement(_e: unknown, _ts: number, w: W, ctx: TriggerContext): TriggerResult {
    const now = ctx.getCurrentProcessingTime();
    this.armFirst(now - (now % this.interval), w, ctx);
    return TriggerResult.CONTINUE;
  }
  onEventTime(): TriggerResult {
    return TriggerResult.CONTINUE;
  }
  onProcessingTime(time: number, w: W, ctx: TriggerContext): TriggerResult {
    return this.fireIfDue(time, w, ctx);
  }
  protected setTimer(ctx: TriggerContext, time: number): void {
    ctx.registerProcessingTimeTimer(time);
  }
  protected deleteTimer(ctx: TriggerContext, time: number): void {
    ctx.deleteProcessingTimeTimer(time);
  }
}

export function checkTrigger(t: unknown, where: string): asserts t is Trigger<unknown, Window> {
  const x = t as Partial<Trigger<unknown, Window>> | null;
  if (!x || typeof x !== 'object' || typeof x.onElement !== 'function' || typeof x.onEventTime !== 'function' || typeof x.onProcessingTime !== 'function') {
    throw new UsageError(`${where}: give a trigger, e.g. CountTrigger.of(100), or an object with onElement, onEventTime, onProcessingTime and clear.`);
  }
}
