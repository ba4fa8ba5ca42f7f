/**
 * Flink's textual units: durations ("10 s", "1 min", plain numbers are milliseconds) and memory sizes
 * ("1024m", "32kb", plain numbers are bytes). Units are case-insensitive and may be separated by spaces.
 */
import { ConfigurationError } from './configuration-error.js';

const DURATION_UNITS: ReadonlyArray<readonly [number, readonly string[]]> = [
  [86_400_000, ['d', 'day', 'days']],
  [3_600_000, ['h', 'hour', 'hours']],
  [60_000, ['min', 'm', 'minute', 'minutes']],
  [1_000, ['s', 'sec', 'secs', 'second', 'seconds']],
  [1, ['ms', 'milli', 'millis', 'millisecond', 'milliseconds']],
  [1e-3, ['µs', 'us', 'micro', 'micros', 'microsecond', 'microseconds']],
  [1e-6, ['ns', 'nano', 'nanos', 'nanosecond', 'nanoseconds']],
];

const MEMORY_UNITS: ReadonlyArray<readonly [number, readonly string[]]> = [
  [1, ['b', 'bytes']],
  [1024, ['k', 'kb', 'kibibytes']],
  [1024 ** 2, ['m', 'mb', 'mebibytes']],
  [1024 ** 3, ['g', 'gb', 'gibibytes']],
  [1024 ** 4, ['t', 'tb', 'tebibytes']],
];

export const DURATION_HINT = 'Use a whole number with a time unit (ms, s, min, h, d); a plain number means milliseconds';
export const MEMORY_HINT = 'Use a whole number with a unit (b, kb, mb, gb, tb); a plain number means bytes';

/** Returns milliseconds, or the problem with the text. */
export function tryParseDuration(text: string): number | string {
  return parseWithUnits(text, DURATION_UNITS, 'a duration', 'time unit');
}

/** Returns bytes, or the problem with the text. */
export function tryParseMemorySize(text: string): number | string {
  const result = parseWithUnits(text, MEMORY_UNITS, 'a memory size', 'memory unit');
  if (typeof result === 'number' && !Number.isInteger(result)) return `'${text.trim()}' is not a whole number of bytes`;
  return result;
}

function parseWithUnits(
  text: string,
  units: ReadonlyArray<readonly [number, readonly string[]]>,
  what: string,
  unitWord: string,
): number | string {
  const trimmed = text.trim();
  const m = /^(\d+)\s*(.*)$/.exec(trimmed);
  if (!m) {
    if (/^\d*\.\d+/.test(trimmed)) return `'${trimmed}' is not ${what}: fractions are not allowed, use a smaller unit`;
    return `'${trimmed}' is not ${what}`;
  }
  const digits = m[1] ?? '';
  const unit = (m[2] ?? '').toLowerCase();
  let factor = 1;
  if (unit !== '') {
    const found = units.find(([, labels]) => labels.includes(unit));
    if (!found) {
      const dotted = /^\.\d/.test(unit);
      return dotted
        ? `'${trimmed}' is not ${what}: fractions are not allowed, use a smaller unit`
        : `'${trimmed}' is not ${what}: unknown ${unitWord} '${m[2]}'`;
    }
    factor = found[0];
  }
  const amount = Number(digits);
  const value = amount * factor;
  if (!Number.isSafeInteger(amount) || !Number.isFinite(value) || value > Number.MAX_SAFE_INTEGER) {
    return `'${trimmed}' is too large`;
  }
  // Sub-millisecond units yield fractions; round away floating-point noise (1e-3 * 3 = 0.0030000000000000005).
  return factor < 1 ? Number(value.toPrecision(12)) : value;
}

/** Parses a Flink duration ("10000", "10 s", "10s", "1 min", "2 h", "100 ms", "1d") into milliseconds. */
export function parseDuration(text: string): number {
  const result = tryParseDuration(text);
  if (typeof result === 'string') throw new ConfigurationError(`${result}. ${DURATION_HINT}, e.g. '10 s'`);
  return result;
}

/** Parses a Flink memory size ("1024m", "1g", "1600mb", "32kb", "512") into bytes. */
export function parseMemorySize(text: string): number {
  const result = tryParseMemorySize(text);
  if (typeof result === 'string') throw new ConfigurationError(`${result}. ${MEMORY_HINT}, e.g. '1024m'`);
  return result;
}

/** Milliseconds as text parseDuration accepts again. */
export function formatDuration(ms: number): string {
  if (Number.isInteger(ms)) return String(ms);
  return `${Math.round(ms * 1e6)} ns`;
}

/** A readable size for documentation ("1024m" rather than 1073741824). */
export function formatMemorySize(bytes: number): string {
  const labels: ReadonlyArray<readonly [number, string]> = [
    [1024 ** 4, 'tb'],
    [1024 ** 3, 'gb'],
    [1024 ** 2, 'mb'],
    [1024, 'kb'],
  ];
  for (const [factor, label] of labels) {
    if (bytes !== 0 && bytes % factor === 0) return `${bytes / factor}${label}`;
  }
  return `${bytes}b`;
}

/** A readable duration for documentation ("5 min" rather than 300000). */
export function formatDurationReadable(ms: number): string {
  const labels: ReadonlyArray<readonly [number, string]> = [
    [86_400_000, 'd'],
    [3_600_000, 'h'],
    [60_000, 'min'],
    [1_000, 's'],
  ];
  for (const [factor, label] of labels) {
    if (ms !== 0 && ms % factor === 0) return `${ms / factor} ${label}`;
  }
  return Number.isInteger(ms) ? `${ms} ms` : formatDuration(ms);
}
