/**
 * Evictors remove elements from a window before and/or after the window function runs (Flink's
 * CountEvictor, TimeEvictor, DeltaEvictor). `elements` is a mutable array: an evictor removes entries
 * from it in place (`splice`), and what remains is what the window keeps.
 */
import { spanMillis, type TimeSpan } from '../time.js';
import { UsageError } from '../../util/errors.js';
import type { Window } from './windows.js';

/** An element of a window with its timestamp (NaN when it has none). */
export class TimestampedValue<T> {
  constructor(
    readonly value: T,
    readonly timestamp: number,
  ) {}
  getValue(): T {
    return this.value;
  }
  getTimestamp(): number {
    return this.timestamp;
  }
  hasTimestamp(): boolean {
    return this.timestamp === this.timestamp;
  }
}

export interface EvictorContext {
  getCurrentProcessingTime(): number;
  getCurrentWatermark(): number;
}

export interface Evictor<T, W extends Window> {
  evictBefore(elements: Array<TimestampedValue<T>>, size: number, window: W, ctx: EvictorContext): void;
  evictAfter(elements: Array<TimestampedValue<T>>, size: number, window: W, ctx: EvictorContext): void;
}

/** Removes entries for which `drop` holds, keeping the order of the others. */
function removeWhere<T>(elements: Array<TimestampedValue<T>>, drop: (e: TimestampedValue<T>, i: number) => boolean): void {
  let j = 0;
  for (let i = 0; i < elements.length; i++) {
    const e = elements[i] as TimestampedValue<T>;
    if (!drop(e, i)) elements[j++] = e;
  }
  elements.length = j;
}

/** Keeps at most `maxCount` elements: the last ones added. */
export class CountEvictor<W extends Window = Window> implements Evictor<unknown, W> {
  private constructor(
    private readonly maxCount: number,
    private readonly doEvictAfter: boolean,
  ) {}
  static of<W extends Window = Window>(maxCount: number, doEvictAfter = false): CountEvictor<W> {
    if (!Number.isInteger(maxCount) || maxCount < 0) throw new UsageError(`CountEvictor.of(${String(maxCount)}): the count must be an integer >= 0.`);
    return new CountEvictor<W>(maxCount, doEvictAfter);
  }
  evictBefore(elements: Array<TimestampedValue<unknown>>, size: number): void {
    if (!this.doEvictAfter) this.evict(elements, size);
  }
  evictAfter(elements: Array<TimestampedValue<unknown>>, size: number): void {
    if (this.doEvictAfter) this.evict(elements, size);
  }
  private evict(elements: Array<TimestampedValue<unknown>>, size: number): void {
    if (size <= this.maxCount) return;
    elements.splice(0, size - this.maxCount);
  }
}

/** Keeps the elements within `windowSize` of the newest element's timestamp. */
export class TimeEvictor<W extends Window = Window> implements Evictor<unknown, W> {
  private constructor(
    private readonly windowSize: number,
    private readonly doEvictAfter: boolean,
  ) {}
  static of<W extends Window = Window>(windowSize: TimeSpan, doEvictAfter = false): TimeEvictor<W> {
    return new TimeEvictor<W>(spanMillis(windowSize, 'TimeEvictor.of'), doEvictAfter);
  }
  evictBefore(elements: Array<TimestampedValue<unknown>>): void {
    if (!this.doEvictAfter) this.evict(elements);
  }
  evictAfter(elements: Array<TimestampedValue<unknown>>): void {
    if (this.doEvictAfter) this.evict(elements);
  }
  private evict(elements: Array<TimestampedValue<unknown>>): void {
    if (elements.length === 0 || !(elements[0] as TimestampedValue<unknown>).hasTimestamp()) return;
    let max = Number.NEGATIVE_INFINITY;
    for (const e of elements) if (e.timestamp > max) max = e.timestamp;
    const cutoff = max - this.windowSize;
    removeWhere(elements, (e) => e.timestamp <= cutoff);
  }
}

export type DeltaFunction<T> = ((oldPoint: T, newPoint: T) => number) | { getDelta(oldPoint: T, newPoint: T): number };

/** Removes the elements whose delta to the last element is at least `threshold`. */
export class DeltaEvictor<T, W extends Window = Window> implements Evictor<T, W> {
  private readonly delta: (a: T, b: T) => number;
  private constructor(
    private readonly threshold: number,
    deltaFunction: DeltaFunction<T>,
    private readonly doEvictAfter: boolean,
  ) {
    this.delta = typeof deltaFunction === 'function' ? deltaFunction : (a, b) => deltaFunction.getDelta(a, b);
  }
  static of<T, W extends Window = Window>(threshold: number, deltaFunction: DeltaFunction<T>, doEvictAfter = false): DeltaEvictor<T, W> {
    if (typeof threshold !== 'number' || Number.isNaN(threshold)) throw new UsageError('DeltaEvictor.of: the threshold must be a number.');
    const ok = typeof deltaFunction === 'function' || (deltaFunction !== null && typeof deltaFunction === 'object' && typeof deltaFunction.getDelta === 'function');
    if (!ok) throw new UsageError('DeltaEvictor.of: give a delta function (oldPoint, newPoint) => number, or an object with getDelta().');
    return new DeltaEvictor<T, W>(threshold, deltaFunction, doEvictAfter);
  }
  evictBefore(elements: Array<TimestampedValue<T>>): void {
    if (!this.doEvictAfter) this.evict(elements);
  }
  evictAfter(elements: Array<TimestampedValue<T>>): void {
    if (this.doEvictAfter) this.evict(elements);
  }
  private evict(elements: Array<TimestampedValue<T>>): void {
    const last = elements[elements.length - 1];
    if (last === undefined) return;
    removeWhere(elements, (e) => this.delta(e.value, last.value) >= this.threshold);
  }
}

export function checkEvictor(e: unknown, where: string): asserts e is Evictor<unknown, Window> {
  const x = e as Partial<Evictor<unknown, Window>> | null;
  if (!x || typeof x !== 'object' || typeof x.evictBefore !== 'function' || typeof x.evictAfter !== 'function') {
    throw new UsageError(`${where}: give an evictor, e.g. CountEvictor.of(10), or an object with evictBefore and evictAfter.`);
  }
}
