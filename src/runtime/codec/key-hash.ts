/**
 * Key hashing and Flink's key-group assignment. The hash decides which key group (and so which subtask and
 * which piece of a checkpoint) a key belongs to, so it must never change: a different hash makes restored
 * keyed state invisible. The unit tests pin a few values.
 *
 * Where Java has an obvious counterpart the hash equals Java's `hashCode()`, so string and int keys land in
 * the same key groups as in Apache Flink: strings hash like `String.hashCode` (UTF-16 code units), int32
 * numbers like `Integer.hashCode`, other integers up to 2^63 (numbers and bigints alike) like `Long.hashCode`,
 * other numbers like `Double.hashCode` (with -0 as 0), booleans like `Boolean.hashCode`, Dates like
 * `Date.hashCode`, arrays like `List.hashCode`. Plain objects (and class instances, as the codec sends them)
 * combine their own enumerable properties in sorted key order, so key order does not matter.
 */
import { CodecError } from './codec-error.js';

const TWO_32 = 4294967296;
const TWO_63 = 9223372036854775808;
const INT32_MIN = -2147483648;

const scratchView = new DataView(new ArrayBuffer(8));

/** Java's `String.hashCode`. */
function hashString(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(31, h) + s.charCodeAt(i)) | 0;
  return h;
}

/** Java's `Long.hashCode` of a 64-bit value given as its high and low 32-bit words. */
function hashLongWords(hi: number, lo: number): number {
  return (hi ^ lo) | 0;
}

function hashNumber(v: number): number {
  if ((v | 0) === v) return v | 0; // also maps -0 to 0
  if (Number.isInteger(v) && v >= -TWO_63 && v < TWO_63) {
    // Exact: v / 2^32 and v mod 2^32 of an integer double are exact, and floor gives the two's-complement word.
    const hi = Math.floor(v / TWO_32);
    const lo = v - hi * TWO_32;
    return hashLongWords(hi | 0, lo | 0);
  }
  if (Number.isNaN(v)) return hashLongWords(0x7ff80000, 0); // Java's canonical NaN bits
  scratchView.setFloat64(0, v, true);
  return hashLongWords(scratchView.getInt32(4, true), scratchView.getInt32(0, true));
}

function hashBigInt(v: bigint): number {
  if (v >= -(1n << 31n) && v < 1n << 31n) return Number(v); // as the equal int32 number
  if (v >= -(1n << 63n) && v < 1n << 63n) {
    const lo = Number(BigInt.asIntN(32, v));
    const hi = Number(BigInt.asIntN(32, v >> 32n));
    return hashLongWords(hi, lo);
  }
  const asNumber = Number(v);
  if (BigInt(asNumber) === v) return hashNumber(asNumber); // equal to a double: hash as that double
  let h = v < 0n ? -1 : 1;
  for (let m = v < 0n ? -v : v; m > 0n; m >>= 32n) h = (Math.imul(31, h) + Number(BigInt.asIntN(32, m))) | 0;
  return h;
}

/** Seed for plain objects, so `{}` and `[]` (both "empty") do not collide by construction. */
const OBJECT_SEED = 0x6f626a; // "obj"

function hashValue(key: unknown, depth: number): number {
  switch (typeof key) {
    case 'string':
      return hashString(key);
    case 'number':
      return hashNumber(key);
    case 'boolean':
      return key ? 1231 : 1237;
    case 'bigint':
      return hashBigInt(key);
    case 'undefined':
      return 0;
    case 'object':
      return key === null ? 0 : hashObject(key, depth);
    default:
      throw unhashable(`a ${typeof key}`);
  }
}

function hashObject(o: object, depth: number): number {
  if (depth > 64) throw unhashable('nested deeper than 64 levels (a cyclic key?)');
  if (Array.isArray(o)) {
    let h = 1;
    for (let i = 0; i < o.length; i++) h = (Math.imul(31, h) + hashValue(o[i], depth + 1)) | 0;
    return h;
  }
  if (o instanceof Date) return hashNumber(o.getTime());
  if (o instanceof Uint8Array) {
    let h = 1;
    for (let i = 0; i < o.length; i++) h = (Math.imul(31, h) + ((o[i]! << 24) >> 24)) | 0; // Java bytes are signed
    return h;
  }
  if (isUnhashableObject(o)) throw unhashable(`a ${o.constructor.name}`);
  const rec = o as Record<string, unknown>;
  const keys = Object.keys(rec).sort();
  let h = OBJECT_SEED;
  for (const k of keys) {
    h = (Math.imul(31, h) + hashString(k)) | 0;
    h = (Math.imul(31, h) + hashValue(rec[k], depth + 1)) | 0;
  }
  return h;
}

function isUnhashableObject(o: object): boolean {
  return (
    o instanceof Map ||
    o instanceof Set ||
    ArrayBuffer.isView(o) ||
    o instanceof ArrayBuffer ||
    o instanceof Promise ||
    o instanceof WeakMap ||
    o instanceof WeakSet ||
    o instanceof Error ||
    o instanceof RegExp
  );
}

function unhashable(what: string): CodecError {
  return new CodecError(
    'UNHASHABLE_KEY',
    `Cannot use ${what} as a key (or inside a key). Keys may be strings, numbers, booleans, bigints, ` +
      'null/undefined, Dates, Uint8Arrays, and arrays or plain objects of those; make the key selector return one.',
  );
}

/**
 * A stable 32-bit hash of a key, equal on every process and machine for equal keys. -0 and 0 hash the same,
 * and an integer hashes the same whether it is a number or a bigint.
 */
export function hashKey(key: unknown): number {
  return hashValue(key, 0);
}

/** Flink's `MathUtils.murmurHash`: scrambles a hash code into a non-negative int. */
export function murmurHash(code: number): number {
  let h = Math.imul(code, 0xcc9e2d51);
  h = (h << 15) | (h >>> 17);
  h = Math.imul(h, 0x1b873593);
  h = (h << 13) | (h >>> 19);
  h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  h ^= 4;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  if (h >= 0) return h;
  return h === INT32_MIN ? 0 : -h;
}

/** Flink's key-group assignment: murmur-mix(hashKey(key)) % maxParallelism (non-negative). */
export function assignToKeyGroup(key: unknown, maxParallelism: number): number {
  return murmurHash(hashKey(key)) % maxParallelism;
}

/** Flink's `KeyGroupRangeAssignment.computeOperatorIndexForKeyGroup`: keyGroup * parallelism / maxParallelism. */
export function operatorIndexForKeyGroup(maxParallelism: number, parallelism: number, keyGroup: number): number {
  // Java computes this in int arithmetic; here the product stays exact (< 2^30) and the division truncates.
  return Math.floor((keyGroup * parallelism) / maxParallelism);
}

const LOWER_BOUND_MAX_PARALLELISM = 128;
const UPPER_BOUND_MAX_PARALLELISM = 32768;

/** Flink's default max parallelism when unset: roundUpToPowerOfTwo(p + p/2) clamped to [128, 32768]. */
export function computeDefaultMaxParallelism(parallelism: number): number {
  if (!Number.isInteger(parallelism) || parallelism < 1 || parallelism > UPPER_BOUND_MAX_PARALLELISM) {
    throw new RangeError(
      `Operator parallelism must be an integer in [1, ${UPPER_BOUND_MAX_PARALLELISM}], got ${parallelism}`,
    );
  }
  const wanted = parallelism + Math.floor(parallelism / 2);
  let pow = 1;
  while (pow < wanted) pow *= 2;
  return Math.min(Math.max(pow, LOWER_BOUND_MAX_PARALLELISM), UPPER_BOUND_MAX_PARALLELISM);
}
