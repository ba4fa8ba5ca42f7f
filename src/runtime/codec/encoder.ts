/**
 * Record encoder: the write half of the hot path between tasks.
 *
 * # Format
 * A buffer is a plain concatenation of records, nothing before, between or after them. A record is one value;
 * a value is a tag byte followed by its payload. All multi-byte numbers are little-endian.
 *
 * | tag            | value                    | payload                                                   |
 * |----------------|--------------------------|-----------------------------------------------------------|
 * | 0x00..0x7f     | integer 0..127           | none (the tag is the value)                               |
 * | 0x80..0x9f     | ASCII string, 0..31 chars| the chars, one byte each (length = tag & 0x1f)            |
 * | 0xa0..0xaf     | array of 0..15 elements  | the elements (length = tag & 0x0f)                        |
 * | 0xb0..0xbf     | object of shape 0..15    | the values, in the shape's key order (id = tag & 0x0f)    |
 * | 0xc0 / 0xc1    | undefined / null         | none                                                      |
 * | 0xc2 / 0xc3    | false / true             | none                                                      |
 * | 0xc4/0xc5/0xc6 | int8 / int16 / int32     | 1 / 2 / 4 bytes, signed                                   |
 * | 0xc7           | any other number         | float64 (NaN, ±Infinity and -0 round-trip)                |
 * | 0xc8 / 0xc9    | ASCII string             | u8 / u32 length, the chars, one byte each                 |
 * | 0xca / 0xd5    | any other string         | u8 / u32 code-unit count, UTF-16LE code units             |
 * | 0xcb           | array                    | u32 length, the elements                                  |
 * | 0xcc           | object, inline keys      | u32 key count, then (key string, value) pairs             |
 * | 0xcd           | object, defines a shape  | u8 key count n, n key strings, n values                   |
 * | 0xce           | object of shape 16..     | u16 shape id, the values                                  |
 * | 0xcf           | bigint in int64 range    | int64                                                     |
 * | 0xd0           | any other bigint         | u8 sign (1 = negative), u32 byte length, magnitude bytes  |
 * | 0xd1           | Date                     | float64 epoch millis (NaN for an invalid date)            |
 * | 0xd2           | binary                   | u8 kind, u32 byte length, bytes (see BIN_* / typed kinds) |
 * | 0xd3           | Map                      | u32 entry count, then (key, value) pairs                  |
 * | 0xd4           | Set                      | u32 element count, the elements                           |
 * | 0xd6           | a record with a timestamp| float64 event time, then the record (top level only)      |
 * | 0xd7           | a watermark              | float64 event time (top level only; not a record)         |
 * | 0xd8           | a watermark status       | u8: 0 active, 1 idle (top level only; not a record)       |
 * | 0xd9           | a checkpoint barrier     | float64 id, float64 trigger time, u8 flags (top level)     |
 * | 0xda..0xdf     | reserved                 |                                                           |
 * | 0xe0..0xff     | integer -32..-1          | none (value = tag - 256)                                  |
 *
 * Strings: ASCII strings take one byte per char; every other string (lone surrogates included, so they
 * round-trip) takes its UTF-16LE code units, not UTF-8 — see `writeUtf16` for why.
 *
 * Shapes: the first time an object with a given key sequence appears in a buffer it is written with
 * SHAPE_DEF, which gives that key sequence the next shape id (0, 1, 2...) of that buffer; later objects with
 * the same keys in the same order only write the id. Ids live only inside one buffer, so every buffer decodes
 * on its own. Objects with no keys, more than {@link MAX_SHAPE_KEYS} keys, or too many distinct shapes use
 * inline keys.
 *
 * What is sent: primitives (symbols excepted), arrays (holes become undefined; extra properties are dropped),
 * plain objects and class instances (as plain objects of their own enumerable string-keyed properties: the
 * prototype, getters on the prototype and symbol keys do not travel), Date, Map, Set, Uint8Array, Buffer, the
 * other typed arrays, DataView and ArrayBuffer (bytes copied, little-endian as on every platform Node runs on).
 * Functions, symbols, Promises, Weak* collections, Errors, RegExps, SharedArrayBuffers and cycles are rejected
 * with a {@link CodecError} naming their path in the record. Shared references are not preserved: an object
 * reachable twice is decoded as two copies.
 */
import { Buffer } from 'node:buffer';
import { types } from 'node:util';
import { CodecError } from './codec-error.js';
import * as T from './tags.js';
import { unencodableObjectKind, unserializable } from './value-path.js';

/** Thrown inside the encoder when the buffer has no room left; never escapes this module. */
const FULL: unique symbol = Symbol('codec buffer full');

/** Thrown inside the encoder at a value it cannot write; turned into a CodecError with a path. */
class Unencodable {
  constructor(readonly what: string) {}
}

/** Short ASCII strings are copied by a JS loop; past this length the native UTF-8 writer is faster. */
const ASCII_LOOP_MAX_LEN = 24;
/** Chars of a longer string checked for non-ASCII before trying the ASCII form (must be <= ASCII_LOOP_MAX_LEN). */
const NON_ASCII_PROBE_LEN = 16;
/** Bounds the shape tree so objects used as dictionaries (ever new keys) cannot grow it without limit. */
const MAX_SHAPE_NODES = 4096;

const TWO_63 = 1n << 63n;

/** Binary kinds by Symbol.toStringTag, which also works for subclasses and views from other realms. */
const BINARY_KIND_BY_TAG = new Map<string, number>([
  ['Uint8Array', T.BIN_UINT8ARRAY],
  ['Int8Array', 2],
  ['Uint8ClampedArray', 3],
  ['Int16Array', 4],
  ['Uint16Array', 5],
  ['Int32Array', 6],
  ['Uint32Array', 7],
  ['Float32Array', 8],
  ['Float64Array', 9],
  ['BigInt64Array', 10],
  ['BigUint64Array', 11],
  ['DataView', T.BIN_DATAVIEW],
]);

interface FastBufferWrites {
  utf8Write(s: string, offset: number): number;
  ucs2Write(s: string, offset: number): number;
}
/** Node's internal writers skip the argument parsing of `Buffer#write`; fall back if they ever go away. */
const hasFastWrites =
  typeof (Buffer.prototype as unknown as Partial<FastBufferWrites>).utf8Write === 'function' &&
  typeof (Buffer.prototype as unknown as Partial<FastBufferWrites>).ucs2Write === 'function';
const utf8Write: (buf: Buffer, s: string, offset: number) => number = hasFastWrites
  ? (buf, s, offset) => (buf as unknown as FastBufferWrites).utf8Write(s, offset)
  : (buf, s, offset) => buf.write(s, offset, 'utf8');
const ucs2Write: (buf: Buffer, s: string, offset: number) => number = hasFastWrites
  ? (buf, s, offset) => (buf as unknown as FastBufferWrites).ucs2Write(s, offset)
  : (buf, s, offset) => buf.write(s, offset, 'utf16le');

/** A node of the tree of key sequences seen by one encoder; a node is a shape once defined in a buffer. */
class ShapeNode {
  firstKey: string | undefined = undefined;
  firstChild: ShapeNode | undefined = undefined;
  more: Map<string, ShapeNode> | undefined = undefined;
  /** The buffer (epoch) this shape is defined in, -1 when in none. */
  epoch = -1;
  id = 0;
}

/** Appends records to a fresh ArrayBuffer of `capacity` bytes. */
export class BufferBuilder {
  private readonly capacity: number;
  private u8: Uint8Array;
  private dv: DataView;
  private buf: Buffer;
  private pos = 0;
  private count = 0;
  private epoch = 0;
  /** Shapes defined in the current buffer, indexed by id. */
  private shapes: ShapeNode[] = [];
  private root = new ShapeNode();
  private shapeNodes = 0;

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`BufferBuilder capacity must be a positive integer, got ${String(capacity)}`);
    }
    this.capacity = capacity;
    const ab = new ArrayBuffer(capacity);
    this.u8 = new Uint8Array(ab);
    this.dv = new DataView(ab);
    this.buf = Buffer.from(ab);
  }

  /** Bytes written so far. */
  get size(): number {
    return this.pos;
  }

  /** Records written so far. */
  get recordCount(): number {
    return this.count;
  }

  /**
   * Appends one record; returns false and leaves the buffer unchanged if it does not fit in the remaining
   * space (false on an empty builder means the record is larger than the capacity: use {@link encodeRecord}).
   * Throws CodecError (code `UNSERIALIZABLE_RECORD`) for values it cannot encode, naming the type and path.
   */
  tryWrite(value: unknown): boolean {
    const start = this.pos;
    const shapeMark = this.shapes.length;
    try {
      this.writeValue(value, 0);
    } catch (err) {
      this.rollback(start, shapeMark);
      if (err === FULL) return false;
      if (err instanceof Unencodable) throw unserializable(value, err.what);
      if (err instanceof RangeError && /call stack/i.test(err.message)) {
        throw unserializable(value, 'nesting too deep for the stack');
      }
      throw err;
    }
    this.count++;
    return true;
  }

  /**
   * Hands out the bytes written as a view on a new, unshared ArrayBuffer (so it can be transferred) and
   * starts a fresh buffer. The working buffer itself is never handed out, so it is reused.
   */
  finish(): Uint8Array<ArrayBuffer> {
    const out = this.u8.slice(0, this.pos);
    this.pos = 0;
    this.count = 0;
    this.epoch++;
    this.shapes.length = 0;
    if (this.shapeNodes >= MAX_SHAPE_NODES) {
      // A full tree means dictionary-like objects crowded it; start over so current shapes are learned again.
      this.root = new ShapeNode();
      this.shapeNodes = 0;
    }
    return out;
  }

  /**
   * Appends a record with an event-time timestamp, as {@link tryWrite} does (NaN: no timestamp). A separate
   * method keeps tryWrite, the hot path of jobs without event time, as small as it was.
   */
  tryWriteTimestamped(value: unknown, timestamp: number): boolean {
    if (timestamp !== timestamp) return this.tryWrite(value);
    if (this.pos + 9 > this.capacity) return false;
    const start = this.pos;
    this.writeFloatTagged(T.TIMESTAMPED, timestamp);
    if (this.tryWrite(value)) return true;
    this.pos = start;
    return false;
  }

  /** Appends a watermark; false when the buffer has no room for it. */
  tryWriteWatermark(watermark: number): boolean {
    if (this.pos + 9 > this.capacity) return false;
    this.writeFloatTagged(T.WATERMARK, watermark);
    return true;
  }

  /** Appends a watermark status (idle or active); false when the buffer has no room for it. */
  tryWriteWatermarkStatus(idle: boolean): boolean {
    if (this.pos + 2 > this.capacity) return false;
    this.u8[this.pos] = T.WATERMARK_STATUS;
    this.u8[this.pos + 1] = idle ? 1 : 0;
    this.pos += 2;
    return true;
  }

  /**
   * Appends the end of a superstep of a batch iteration (a status byte of 2); false when the buffer has no room.
   * It travels in order with the records, as watermarks do.
   */
  tryWriteEndOfSuperstep(): boolean {
    if (this.pos + 2 > this.capacity) return false;
    this.u8[this.pos] = T.WATERMARK_STATUS;
    this.u8[this.pos + 1] = 2;
    this.pos += 2;
    return true;
  }

  /** Appends a checkpoint barrier; false when the buffer has no room for it. */
  tryWriteBarrier(checkpointId: number, timestamp: number, flags: number): boolean {
    const p = this.pos;
    if (p + 18 > this.capacity) return false;
    this.u8[p] = T.CHECKPOINT_BARRIER;
    this.dv.setFloat64(p + 1, checkpointId, true);
    this.dv.setFloat64(p + 9, timestamp, true);
    this.u8[p + 17] = flags;
    this.pos = p + 18;
    return true;
  }

  private writeFloatTagged(tag: number, v: number): void {
    const p = this.pos;
    if (p + 9 > this.capacity) throw FULL;
    this.u8[p] = tag;
    this.dv.setFloat64(p + 1, v, true);
    this.pos = p + 9;
  }

  private rollback(start: number, shapeMark: number): void {
    this.pos = start;
    const shapes = this.shapes;
    for (let i = shapeMark; i < shapes.length; i++) (shapes[i] as ShapeNode).epoch = -1;
    shapes.length = shapeMark;
  }

  private writeValue(v: unknown, depth: number): void {
    switch (typeof v) {
      case 'string':
        return this.writeString(v);
      case 'number':
        return this.writeNumber(v);
      case 'object':
        if (v === null) return this.writeByte(T.NULL);
        return this.writeObject(v, depth);
      case 'boolean':
        return this.writeByte(v ? T.TRUE : T.FALSE);
      case 'undefined':
        return this.writeByte(T.UNDEFINED);
      case 'bigint':
        return this.writeBigInt(v);
      case 'function':
        throw new Unencodable('a function');
      default:
        throw new Unencodable(`a ${typeof v}`);
    }
  }

  private writeByte(b: number): void {
    const p = this.pos;
    if (p >= this.capacity) throw FULL;
    this.u8[p] = b;
    this.pos = p + 1;
  }

  private writeNumber(v: number): void {
    const p = this.pos;
    const u8 = this.u8;
    if ((v | 0) === v && (v !== 0 || 1 / v > 0)) {
      if (v >= -32 && v <= T.POS_FIXINT_MAX) {
        if (p >= this.capacity) throw FULL;
        u8[p] = v & 0xff;
        this.pos = p + 1;
      } else if (v >= -128 && v <= 127) {
        if (p + 2 > this.capacity) throw FULL;
        u8[p] = T.INT8;
        u8[p + 1] = v & 0xff;
        this.pos = p + 2;
      } else if (v >= -32768 && v <= 32767) {
        if (p + 3 > this.capacity) throw FULL;
        u8[p] = T.INT16;
        u8[p + 1] = v & 0xff;
        u8[p + 2] = (v >> 8) & 0xff;
        this.pos = p + 3;
      } else {
        if (p + 5 > this.capacity) throw FULL;
        u8[p] = T.INT32;
        this.dv.setInt32(p + 1, v, true);
        this.pos = p + 5;
      }
      return;
    }
    if (p + 9 > this.capacity) throw FULL;
    u8[p] = T.FLOAT64;
    this.dv.setFloat64(p + 1, v, true);
    this.pos = p + 9;
  }

  private writeString(s: string): void {
    const n = s.length;
    if (n <= ASCII_LOOP_MAX_LEN) {
      const p = this.pos + 1;
      if (p + n > this.capacity) throw FULL; // every form takes at least one byte per code unit
      const u8 = this.u8;
      for (let i = 0; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) return this.writeUtf16(s);
        u8[p + i] = c;
      }
      u8[p - 1] = T.FIXASCII | n;
      this.pos = p + n;
      return;
    }
    this.writeLongString(s);
  }

  /** Writes as ASCII if it is; the native UTF-8 writer copies and tells in one pass (bytes == units). */
  private writeLongString(s: string): void {
    const n = s.length;
    // Non-ASCII text usually shows it early; spare such strings a UTF-8 pass (slow for them) that gets discarded.
    for (let i = 0; i < NON_ASCII_PROBE_LEN; i++) if (s.charCodeAt(i) >= 0x80) return this.writeUtf16(s);
    const p = this.pos;
    const room = this.capacity - p;
    const header = n <= 0xff ? 2 : 5;
    let ascii: boolean;
    if (header + 3 * n <= room) {
      ascii = utf8Write(this.buf, s, p + header) === n;
    } else {
      // Near the end of the buffer a UTF-8 write could be cut short; measure first (rare).
      ascii = Buffer.byteLength(s, 'utf8') === n;
      if (ascii) {
        if (header + n > room) throw FULL;
        utf8Write(this.buf, s, p + header);
      }
    }
    if (!ascii) return this.writeUtf16(s);
    if (header === 2) {
      this.u8[p] = T.ASCII8;
      this.u8[p + 1] = n;
    } else {
      this.u8[p] = T.ASCII32;
      this.dv.setUint32(p + 1, n, true);
    }
    this.pos = p + header + n;
  }

  /**
   * Non-ASCII strings travel as UTF-16 code units: V8 copies them in and out natively about 10x faster than
   * it transcodes UTF-8 (measured: decode 9M vs 0.9M strings/s of 250 chars), CJK text gets smaller, and lone
   * surrogates round-trip. Accented Latin text gets up to 2x larger than in UTF-8.
   */
  private writeUtf16(s: string): void {
    const n = s.length;
    const p = this.pos;
    const header = n <= 0xff ? 2 : 5;
    if (p + header + 2 * n > this.capacity) throw FULL;
    if (header === 2) {
      this.u8[p] = T.UTF16_8;
      this.u8[p + 1] = n;
    } else {
      this.u8[p] = T.UTF16_32;
      this.dv.setUint32(p + 1, n, true);
    }
    ucs2Write(this.buf, s, p + header);
    this.pos = p + header + 2 * n;
  }

  private writeBigInt(v: bigint): void {
    const p = this.pos;
    if (v >= -TWO_63 && v < TWO_63) {
      if (p + 9 > this.capacity) throw FULL;
      this.u8[p] = T.BIGINT64;
      this.dv.setBigInt64(p + 1, v, true);
      this.pos = p + 9;
      return;
    }
    const negative = v < 0n;
    let hex = (negative ? -v : v).toString(16);
    if (hex.length % 2 === 1) hex = `0${hex}`;
    const len = hex.length / 2;
    if (p + 6 + len > this.capacity) throw FULL;
    this.u8[p] = T.BIGINT_VAR;
    this.u8[p + 1] = negative ? 1 : 0;
    this.dv.setUint32(p + 2, len, true);
    // Little-endian magnitude: the last hex pair is the lowest byte.
    for (let i = 0; i < len; i++) {
      const end = hex.length - 2 * i;
      this.u8[p + 6 + i] = parseInt(hex.slice(end - 2, end), 16);
    }
    this.pos = p + 6 + len;
  }

  private writeObject(o: object, depth: number): void {
    if (depth >= T.MAX_DEPTH) throw new Unencodable(`nested deeper than ${T.MAX_DEPTH} levels`);
    if (Array.isArray(o)) return this.writeArray(o, depth);
    const proto: unknown = Object.getPrototypeOf(o);
    if (proto === Object.prototype || proto === null) return this.writePlain(o, depth);
    if (o instanceof Date) return this.writeDate(o);
    if (ArrayBuffer.isView(o)) return this.writeView(o);
    if (o instanceof Map) return this.writeMap(o, depth);
    if (o instanceof Set) return this.writeSet(o, depth);
    // Objects from other realms (vm contexts) fail instanceof; the util.types checks see through that.
    if (types.isDate(o)) return this.writeDate(o);
    if (types.isMap(o)) return this.writeMap(o as Map<unknown, unknown>, depth);
    if (types.isSet(o)) return this.writeSet(o as Set<unknown>, depth);
    if (types.isArrayBuffer(o)) return this.writeBinary(T.BIN_ARRAYBUFFER, new Uint8Array(o));
    const what = unencodableObjectKind(o);
    if (what !== undefined) throw new Unencodable(what);
    return this.writePlain(o, depth);
  }

  private writeArray(a: readonly unknown[], depth: number): void {
    const n = a.length;
    const p = this.pos;
    if (n <= T.FIXARRAY_MAX_LEN) {
      if (p >= this.capacity) throw FULL;
      this.u8[p] = T.FIXARRAY | n;
      this.pos = p + 1;
    } else {
      if (p + 5 > this.capacity) throw FULL;
      this.u8[p] = T.ARRAY32;
      this.dv.setUint32(p + 1, n, true);
      this.pos = p + 5;
    }
    for (let i = 0; i < n; i++) this.writeValue(a[i], depth + 1);
  }

  private writePlain(o: object, depth: number): void {
    const keys = Object.keys(o);
    const n = keys.length;
    const rec = o as Record<string, unknown>;
    const node = n > 0 && n <= T.MAX_SHAPE_KEYS ? this.findShape(keys, n) : undefined;
    const p = this.pos;
    if (node !== undefined && node.epoch === this.epoch) {
      const id = node.id;
      if (id <= T.FIXSHAPE_MAX_ID) {
        if (p >= this.capacity) throw FULL;
        this.u8[p] = T.FIXSHAPE | id;
        this.pos = p + 1;
      } else {
        if (p + 3 > this.capacity) throw FULL;
        this.u8[p] = T.SHAPE_REF;
        this.dv.setUint16(p + 1, id, true);
        this.pos = p + 3;
      }
    } else if (node !== undefined && this.shapes.length < T.MAX_SHAPES_PER_BUFFER) {
      if (p + 2 > this.capacity) throw FULL;
      this.u8[p] = T.SHAPE_DEF;
      this.u8[p + 1] = n;
      this.pos = p + 2;
      node.epoch = this.epoch;
      node.id = this.shapes.length;
      this.shapes.push(node);
      for (let i = 0; i < n; i++) this.writeString(keys[i] as string);
    } else {
      if (p + 5 > this.capacity) throw FULL;
      this.u8[p] = T.OBJECT;
      this.dv.setUint32(p + 1, n, true);
      this.pos = p + 5;
      for (let i = 0; i < n; i++) {
        const key = keys[i] as string;
        this.writeString(key);
        this.writeValue(rec[key], depth + 1);
      }
      return;
    }
    for (let i = 0; i < n; i++) this.writeValue(rec[keys[i] as string], depth + 1);
  }

  /** Walks (and grows) the tree of key sequences; undefined once the tree is full and the sequence is new. */
  private findShape(keys: readonly string[], n: number): ShapeNode | undefined {
    let node = this.root;
    for (let i = 0; i < n; i++) {
      const key = keys[i] as string;
      let next = node.firstKey === key ? node.firstChild : node.more?.get(key);
      if (next === undefined) {
        if (this.shapeNodes >= MAX_SHAPE_NODES) return undefined;
        this.shapeNodes++;
        next = new ShapeNode();
        if (node.firstChild === undefined) {
          node.firstKey = key;
          node.firstChild = next;
        } else {
          (node.more ??= new Map()).set(key, next);
        }
      }
      node = next;
    }
    return node;
  }

  private writeDate(d: Date): void {
    const p = this.pos;
    if (p + 9 > this.capacity) throw FULL;
    this.u8[p] = T.DATE;
    this.dv.setFloat64(p + 1, d.getTime(), true);
    this.pos = p + 9;
  }

  private writeView(v: ArrayBufferView): void {
    const bytes = new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
    if (Buffer.isBuffer(v)) return this.writeBinary(T.BIN_BUFFER, bytes);
    const kind = BINARY_KIND_BY_TAG.get((v as unknown as { [Symbol.toStringTag]: string })[Symbol.toStringTag]);
    if (kind === undefined) throw new Unencodable(`an unsupported binary view (${v.constructor.name})`);
    return this.writeBinary(kind, bytes);
  }

  private writeBinary(kind: number, bytes: Uint8Array): void {
    const p = this.pos;
    const n = bytes.byteLength;
    if (p + 6 + n > this.capacity) throw FULL;
    this.u8[p] = T.BINARY;
    this.u8[p + 1] = kind;
    this.dv.setUint32(p + 2, n, true);
    this.u8.set(bytes, p + 6);
    this.pos = p + 6 + n;
  }

  private writeMap(m: ReadonlyMap<unknown, unknown>, depth: number): void {
    this.writeCountHeader(T.MAP, m.size);
    for (const [k, v] of m) {
      this.writeValue(k, depth + 1);
      this.writeValue(v, depth + 1);
    }
  }

  private writeSet(s: ReadonlySet<unknown>, depth: number): void {
    this.writeCountHeader(T.SET, s.size);
    for (const v of s) this.writeValue(v, depth + 1);
  }

  private writeCountHeader(tag: number, count: number): void {
    const p = this.pos;
    if (p + 5 > this.capacity) throw FULL;
    this.u8[p] = tag;
    this.dv.setUint32(p + 1, count, true);
    this.pos = p + 5;
  }
}

/** Scratch space for {@link encodeRecord}, reused so one-off encodes allocate only their result. */
let scratch: BufferBuilder | undefined;
const SCRATCH_CAPACITY = 64 * 1024;
const MAX_RECORD_BYTES = 0x7fffffff;

/** Encodes one record alone, into an exactly-sized buffer (for oversize records and for accumulators/collect). */
export function encodeRecord(value: unknown, timestamp = NaN): Uint8Array<ArrayBuffer> {
  const first = scratch ?? new BufferBuilder(SCRATCH_CAPACITY);
  scratch = undefined; // a re-entrant call (from a getter) builds its own
  try {
    let builder = first;
    let capacity = SCRATCH_CAPACITY;
    // Rare (records over 64 KiB): try again in a buffer twice as large; the work is at most about doubled.
    while (!builder.tryWriteTimestamped(value, timestamp)) {
      if (capacity >= MAX_RECORD_BYTES) {
        throw new CodecError('UNSERIALIZABLE_RECORD', 'Cannot serialize record: it is larger than 2 GiB.');
      }
      capacity = Math.min(capacity * 2, MAX_RECORD_BYTES);
      builder = new BufferBuilder(capacity);
    }
    return builder.finish();
  } finally {
    // tryWrite rolls back on failure and finish() resets, so `first` is empty again here.
    scratch = first;
  }
}
