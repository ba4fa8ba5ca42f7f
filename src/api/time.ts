/**
 * Time spans as Flink's APIs take them: the 1.x `Time` (`Time.seconds(5)`) and the newer `Duration`
 * (`Duration.ofSeconds(5)`). Both are accepted wherever a span is asked for, as are plain milliseconds.
 */
import { UsageError } from '../util/errors.js';

export type TimeUnit = 'MILLISECONDS' | 'SECONDS' | 'MINUTES' | 'HOURS' | 'DAYS';

const UNIT_MS: Record<TimeUnit, number> = { MILLISECONDS: 1, SECONDS: 1000, MINUTES: 60_000, HOURS: 3_600_000, DAYS: 86_400_000 };

/** Flink 1.x's `Time`. */
export class Time {
  private constructor(private readonly ms: number) {}
  static of(size: number, unit: TimeUnit): Time {
    const m = UNIT_MS[unit];
    if (m === undefined) throw new UsageError(`Time.of: unknown unit '${String(unit)}'; use MILLISECONDS, SECONDS, MINUTES, HOURS or DAYS.`);
    return new Time(checkFinite(size * m, 'Time.of'));
  }
  static milliseconds(n: number): Time {
    return new Time(checkFinite(n, 'Time.milliseconds'));
  }
  static seconds(n: number): Time {
    return new Time(checkFinite(n * 1000, 'Time.seconds'));
  }
  static minutes(n: number): Time {
    return new Time(checkFinite(n * 60_000, 'Time.minutes'));
  }
  static hours(n: number): Time {
    return new Time(checkFinite(n * 3_600_000, 'Time.hours'));
  }
  static days(n: number): Time {
    return new Time(checkFinite(n * 86_400_000, 'Time.days'));
  }
  toMilliseconds(): number {
    return this.ms;
  }
  getSize(): number {
    return this.ms;
  }
  toString(): string {
    return `${this.ms} ms`;
  }
}

/** `java.time.Duration`'s factory methods, as Flink's newer APIs take them. */
export class Duration {
  private constructor(private readonly ms: number) {}
  static ofMillis(n: number): Duration {
    return new Duration(checkFinite(n, 'Duration.ofMillis'));
  }
  static ofSeconds(n: number): Duration {
    return new Duration(checkFinite(n * 1000, 'Duration.ofSeconds'));
  }
  static ofMinutes(n: number): Duration {
    return new Duration(checkFinite(n * 60_000, 'Duration.ofMinutes'));
  }
  static ofHours(n: number): Duration {
    return new Duration(checkFinite(n * 3_600_000, 'Duration.ofHours'));
  }
  static ofDays(n: number): Duration {
    return new Duration(checkFinite(n * 86_400_000, 'Duration.ofDays'));
  }
  static readonly ZERO = new Duration(0);
  toMillis(): number {
    return this.ms;
  }
  toString(): string {
    return `PT${this.ms / 1000}S`;
  }
}

export type TimeSpan = Time | Duration | number;

/** Milliseconds of a span given as Time, Duration or a number of milliseconds; never negative. */
export function spanMillis(span: TimeSpan, where: string): number {
  return checkSpan(signedSpanMillis(span, where), where);
}

/**
 * Milliseconds of a span that may be negative, as Flink allows for window offsets (`Time.hours(-8)`) and
 * interval join bounds.
 */
export function signedSpanMillis(span: TimeSpan, where: string): number {
  if (typeof span === 'number') return checkFinite(span, where);
  if (span instanceof Time) return span.toMilliseconds();
  if (span instanceof Duration) return span.toMillis();
  const s = span as { toMilliseconds?: () => number; toMillis?: () => number } | null;
  if (s && typeof s.toMilliseconds === 'function') return checkFinite(s.toMilliseconds(), where);
  if (s && typeof s.toMillis === 'function') return checkFinite(s.toMillis(), where);
  throw new UsageError(`${where}: give a time span as Time.seconds(n), Duration.ofSeconds(n) or a number of milliseconds.`);
}

function checkSpan(ms: number, where: string): number {
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) {
    throw new UsageError(`${where}: a time span must be a finite number of milliseconds >= 0, got ${String(ms)}.`);
  }
  return Math.round(ms);
}

function checkFinite(ms: number, where: string): number {
  if (typeof ms !== 'number' || !Number.isFinite(ms)) {
    throw new UsageError(`${where}: a time span must be a finite number of milliseconds, got ${String(ms)}.`);
  }
  return Math.round(ms);
}
