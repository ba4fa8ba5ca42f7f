/**
 * How keyed state is laid out as LMDB keys.
 *
 * ```
 * [key group: u16 BE][state id: u16 BE][namespace][key][suffix]
 * ```
 *
 * - The key group comes first, so one key group is one contiguous key range: a snapshot, a restore at another
 *   parallelism or a scan by key group reads one range per group. Key groups are below 32768 (Flink's
 *   largest max parallelism), so the prefix 0xffff is free; it holds restored entries of states that were not
 *   created yet (see {@link RESTORED_AREA}).
 * - The state id is a small number given to each state name when it is first created in this backend (the
 *   environment lives only as long as the backend, so ids are never persisted; snapshots carry names).
 * - The namespace and the key are written in the primitive encoding below. It is self-delimiting (the tag
 *   and, for strings, the length say where a value ends), so no encoded (namespace, key) pair is a prefix of
 *   another one, and every entry of one key in one namespace (a list's elements, a map's entries) is the
 *   contiguous range that starts with `[group][id][namespace][key]`.
 * - The suffix: nothing for value, reducing and aggregating state; a u48 BE sequence number per list
 *   element (so elements come back in the order they were added); the encoded user key (state-key form) per
 *   map entry.
 *
 * Primitive encoding (namespaces and keys are primitives: `stateKey` turns composite keys into strings):
 *
 * | tag  | value              | payload                                                       |
 * |------|--------------------|---------------------------------------------------------------|
 * | 0x00 | `''` (the void namespace) | none                                                   |
 * | 0x01 | null               | none                                                          |
 * | 0x02 | undefined          | none                                                          |
 * | 0x03 / 0x04 | false / true| none                                                          |
 * | 0x05 | number             | float64 BE, sign-flipped (so numbers sort by value); -0 as 0  |
 * | 0x06 | string, all chars < 256 | u16 BE length, one byte per char                         |
 * | 0x07 | any other string   | u16 BE length in code units, UTF-16LE code units              |
 * | 0x08 | bigint             | u16 BE length, its decimal digits (with a leading `-`)        |
 *
 * Ordering across types is not relied upon; within numbers it follows their value, within latin1 strings
 * their characters. LMDB limits a key to 1978 bytes; longer keys are refused with
 * {@link StateKeyTooLargeError}.
 */
import { FlinkError } from '../../../util/errors.js';

/** LMDB's largest key with lmdb-js's default page size. */
export const MAX_KEY_BYTES = 1978;

/** The first two bytes of entries restored for states that do not exist yet (never a key group). */
export const RESTORED_AREA = 0xffff;

const T_EMPTY = 0x00;
const T_NULL = 0x01;
const T_UNDEFINED = 0x02;
const T_FALSE = 0x03;
const T_TRUE = 0x04;
const T_NUMBER = 0x05;
const T_LATIN1 = 0x06;
const T_UTF16 = 0x07;
const T_BIGINT = 0x08;

/** A key (with its namespace and suffix) longer than LMDB allows. */
export class StateKeyTooLargeError extends FlinkError {
  constructor(bytes: number, operatorName: string) {
    super(
      'STATE_KEY_TOO_LARGE',
      `A keyed-state key of ${operatorName} takes ${bytes} bytes in the embedded-lmdb state backend, which allows at most ` +
        `${MAX_KEY_BYTES} bytes per key (the record key, the window and, for MapState, the map key together). Use shorter keys ` +
        '(e.g. a hash or an id instead of a long string or a large composite key), or state.backend: hashmap.',
    );
  }
}

interface FastBufferCalls {
  latin1Slice(start: number, end: number): string;
  ucs2Slice(start: number, end: number): string;
  latin1Write(s: string, offset: number): number;
  ucs2Write(s: string, offset: number): number;
}
/** Node's internal string readers and writers skip `toString`/`write`'s argument parsing (as the codec uses them). */
const hasFast = typeof (Buffer.prototype as unknown as Partial<FastBufferCalls>).latin1Slice === 'function';
export const latin1Slice = hasFast
  ? (b: Buffer, start: number, end: number): string => (b as unknown as FastBufferCalls).latin1Slice(start, end)
  : (b: Buffer, start: number, end: number): string => b.toString('latin1', start, end);
const ucs2Slice = hasFast
  ? (b: Buffer, start: number, end: number): string => (b as unknown as FastBufferCalls).ucs2Slice(start, end)
  : (b: Buffer, start: number, end: number): string => b.toString('utf16le', start, end);
const latin1Write = hasFast
  ? (b: Buffer, s: string, offset: number): number => (b as unknown as FastBufferCalls).latin1Write(s, offset)
  : (b: Buffer, s: string, offset: number): number => b.write(s, offset, 'latin1');
const ucs2Write = hasFast
  ? (b: Buffer, s: string, offset: number): number => (b as unknown as FastBufferCalls).ucs2Write(s, offset)
  : (b: Buffer, s: string, offset: number): number => b.write(s, offset, 'utf16le');

const f64 = new Float64Array(1);
const f64Bytes = new Uint8Array(f64.buffer);
/** Float64Array uses the platform's byte order; every platform Node runs on is little-endian. */

/** Writes a number as 8 order-preserving big-endian bytes at `p`. */
function writeOrderedNumber(out: Uint8Array, p: number, v: number): void {
  f64[0] = v === 0 ? 0 : v; // -0 and 0 are the same key, as in a Map
  const negative = (f64Bytes[7] as number) >= 0x80;
  for (let i = 0; i < 8; i++) {
    const b = f64Bytes[7 - i] as number;
    out[p + i] = negative ? ~b & 0xff : i === 0 ? b ^ 0x80 : b;
  }
}

function readOrderedNumber(bytes: Uint8Array, p: number): number {
  const negative = (bytes[p] as number) < 0x80;
  for (let i = 0; i < 8; i++) {
    const b = bytes[p + i] as number;
    f64Bytes[7 - i] = negative ? ~b & 0xff : i === 0 ? b ^ 0x80 : b;
  }
  return f64[0] as number;
}

/**
 * Builds keys in a growable scratch buffer: callers write the parts in order and then take the bytes (a view,
 * valid until the next build) or the latin1 string of them (the write buffer's map key).
 */
export class KeyBuilder {
  buf: Buffer = Buffer.allocUnsafe(256);
  pos = 0;

  reset(): this {
    this.pos = 0;
    return this;
  }

  private room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  u16(v: number): this {
    this.room(2);
    this.buf[this.pos] = v >>> 8;
    this.buf[this.pos + 1] = v & 0xff;
    this.pos += 2;
    return this;
  }

  /** A sequence number below 2^48, big-endian (list elements sort in the order they were added). */
  u48(v: number): this {
    this.room(6);
    const hi = Math.floor(v / 0x100000000);
    this.buf.writeUInt16BE(hi, this.pos);
    this.buf.writeUInt32BE(v >>> 0, this.pos + 2);
    this.pos += 6;
    return this;
  }

  bytes(b: Uint8Array): this {
    this.room(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
    return this;
  }

  /** Appends one primitive (namespace, key or map key) in the encoding documented above. */
  primitive(v: unknown): this {
    switch (typeof v) {
      case 'string':
        return this.string(v);
      case 'number':
        this.room(9);
        this.buf[this.pos] = T_NUMBER;
        writeOrderedNumber(this.buf, this.pos + 1, v);
        this.pos += 9;
        return this;
      case 'boolean':
        return this.tag(v ? T_TRUE : T_FALSE);
      case 'undefined':
        return this.tag(T_UNDEFINED);
      case 'bigint': {
        const s = v.toString();
        this.room(3 + s.length);
        this.buf[this.pos] = T_BIGINT;
        this.buf.writeUInt16BE(s.length, this.pos + 1);
        latin1Write(this.buf, s, this.pos + 3);
        this.pos += 3 + s.length;
        return this;
      }
      default:
        if (v === null) return this.tag(T_NULL);
        // stateKey() makes every key a primitive, and namespaces are primitives: anything else is a bug here.
        throw new TypeError(`embedded-lmdb: a state key or namespace must be a primitive, got ${typeof v}`);
    }
  }

  private tag(t: number): this {
    this.room(1);
    this.buf[this.pos++] = t;
    return this;
  }

  private string(s: string): this {
    const n = s.length;
    if (n === 0) return this.tag(T_EMPTY);
    // Longer strings than this make a key LMDB refuses anyway; the u16 length must not wrap before that check.
    if (n > 0xffff) {
      this.room(n);
      this.pos += n;
      return this;
    }
    let latin1 = true;
    for (let i = 0; i < n; i++) {
      if (s.charCodeAt(i) > 0xff) {
        latin1 = false;
        break;
      }
    }
    const size = latin1 ? n : 2 * n;
    this.room(3 + size);
    const p = this.pos;
    this.buf[p] = latin1 ? T_LATIN1 : T_UTF16;
    this.buf[p + 1] = n >>> 8;
    this.buf[p + 2] = n & 0xff;
    if (latin1) {
      if (n <= 16) for (let i = 0; i < n; i++) this.buf[p + 3 + i] = s.charCodeAt(i);
      else latin1Write(this.buf, s, p + 3);
    } else ucs2Write(this.buf, s, p + 3);
    this.pos = p + 3 + size;
    return this;
  }

  /** The key built so far, as a view of the scratch buffer (valid until the next change). */
  view(): Buffer {
    return this.buf.subarray(0, this.pos);
  }

  /** The key built so far as a latin1 string: one char per byte, so equal strings mean equal keys. */
  string1(): string {
    return latin1Slice(this.buf, 0, this.pos);
  }

  /** A copy of the key built so far. */
  copy(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.pos));
  }
}

/** Reads primitives back from a key, advancing `pos`. */
export class KeyReader {
  pos = 0;
  private buf: Buffer = Buffer.alloc(0);

  at(buf: Buffer, pos: number): this {
    this.buf = buf;
    this.pos = pos;
    return this;
  }

  u16(): number {
    const v = ((this.buf[this.pos] as number) << 8) | (this.buf[this.pos + 1] as number);
    this.pos += 2;
    return v;
  }

  primitive(): unknown {
    const b = this.buf;
    const t = b[this.pos++];
    switch (t) {
      case T_EMPTY:
        return '';
      case T_NULL:
        return null;
      case T_UNDEFINED:
        return undefined;
      case T_FALSE:
        return false;
      case T_TRUE:
        return true;
      case T_NUMBER: {
        const v = readOrderedNumber(b, this.pos);
        this.pos += 8;
        return v;
      }
      case T_LATIN1:
      case T_UTF16:
      case T_BIGINT: {
        const n = b.readUInt16BE(this.pos);
        const start = this.pos + 2;
        const size = t === T_UTF16 ? 2 * n : n;
        this.pos = start + size;
        if (t === T_UTF16) return ucs2Slice(b, start, start + size);
        const s = latin1Slice(b, start, start + size);
        return t === T_BIGINT ? BigInt(s) : s;
      }
      default:
        throw new FlinkError('CORRUPT_STATE', `embedded-lmdb: unknown tag ${String(t)} in a state key at byte ${this.pos - 1}`);
    }
  }
}

/** The first key after every key that starts with `prefix` (for range ends); undefined if there is none. */
export function prefixEnd(prefix: Uint8Array): Buffer | undefined {
  const end = Buffer.from(prefix);
  for (let i = end.length - 1; i >= 0; i--) {
    if ((end[i] as number) < 0xff) {
      end[i] = (end[i] as number) + 1;
      return end.subarray(0, i + 1);
    }
  }
  return undefined;
}
