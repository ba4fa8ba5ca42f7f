/**
 * Response bodies as JSON text. Java clients read many fields as `long`: a number past Java's long range
 * (Flink's Long.MAX_VALUE "never", e.g. the checkpoint interval when periodic checkpoints are off) would print as
 * 9223372036854776000 and fail to parse there, so such numbers are written as the exact long bound.
 */
import { randomUUID } from 'node:crypto';

const LONG_MAX = '9223372036854775807';
const LONG_MIN = '-9223372036854775808';
// Stand-ins no real string can collide with (a fresh UUID per process), swapped for the bare numbers after stringify.
const MAX_TOKEN = `flink-ts:long-max:${randomUUID()}`;
const MIN_TOKEN = `flink-ts:long-min:${randomUUID()}`;

export function toJsonText(body: unknown): string {
  let clamped = false;
  const text = JSON.stringify(body, (_key, value: unknown) => {
    if (typeof value === 'number' && (value >= 2 ** 63 || value <= -(2 ** 63))) {
      clamped = true;
      return value > 0 ? MAX_TOKEN : MIN_TOKEN;
    }
    return value;
  });
  return clamped ? text.replaceAll(`"${MAX_TOKEN}"`, LONG_MAX).replaceAll(`"${MIN_TOKEN}"`, LONG_MIN) : text;
}
