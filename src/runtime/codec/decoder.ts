/**
 * Record decoder: the read half of the hot path. The format is documented at the top of `encoder.ts`.
 */
import { Buffer } from 'node:buffer';
import { UsageError } from '../../util/errors.js';
import { CodecError } from './codec-error.js';
import * as T from './tags.js';

type ObjectBuilder = (d: Decoder) => Record<string, unknown>;

interface Shape {
  readonly keys: readonly string[];
  readonly build: ObjectBuilder;
}

/** Shapes by key list, shared by all readers: a shape is compiled once per process, not once per buffer. */
const shapeCache = new Map<string, Shape>();
/** Bounds the cache for streams of ever new key sets (objects used as dictionaries). */
const SHAPE_CACHE_MAX = 4096;

let canCompile = true;

/**
 * A generated object literal gives every decoded object of a shape the same hidden class from the start,
 * which keeps user code that reads them monomorphic and builds them faster than keyed stores.
 */
function compileBuilder(keys: readonly string[]): ObjectBuilder | undefined {
  if (!canCompile) return undefined;
  // `{"__proto__": v}` would set the prototype; the computed form defines an own property, as the encoder saw.
  const props = keys.map((k) => `${k === '__proto__' ? '["__proto__"]' : JSON.stringify(k)}: d.read()`);
  try {
    // Safe: every key is embedded as a JSON string literal, so no key can end the literal and inject code.
     
    return new Function('d', `return { ${props.join(', ')} };`) as ObjectBuilder;
  } catch {
    canCompile = false; // code generation from strings is disabled in this process
    return undefined;
  }
}

function genericBuilder(keys: readonly string[]): ObjectBuilder {
  return (d) => {
    const o: Record<string, unknown> = {};
    for (const key of keys) setProperty(o, key, d.read());
    return o;
  };
}

function setProperty(o: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(o, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    o[key] = value;
  }
}

function shapeFor(keys: string[]): Shape {
  const id = JSON.stringify(keys);
  let shape = shapeCache.get(id);
  if (shape === undefined) {
    const cacheable = shapeCache.size < SHAPE_CACHE_MAX;
    shape = { keys, build: (cacheable ? compileBuilder(keys) : undefined) ?? genericBuilder(keys) };
    if (cacheable) shapeCache.set(id, shape);
  }
  return shape;
}

/**
 * Short ASCII strings: fromCharCode with explicit arguments is 2-4x faster than any native call up to 16 chars
 * (measured); longer ones go through Buffer's latin1 reader.
 */
function asciiString(u8: Uint8Array, buf: Buffer, p: number, n: number): string {
  switch (n) {
    case 0:
      return '';
    case 1:
      return String.fromCharCode(u8[p]!);
    case 2:
      return String.fromCharCode(u8[p]!, u8[p + 1]!);
    case 3:
      return String.fromCharCode(u8[p]!, u8[p + 1]!, u8[p + 2]!);
    case 4:
      return String.fromCharCode(u8[p]!, u8[p + 1]!, u8[p + 2]!, u8[p + 3]!);
    case 5:
      return String.fromCharCode(u8[p]!, u8[p + 1]!, u8[p + 2]!, u8[p + 3]!, u8[p + 4]!);
    case 6:
      return String.fromCharCode(u8[p]!, u8[p + 1]!, u8[p + 2]!, u8[p + 3]!, u8[p + 4]!, u8[p + 5]!);
    case 7:
      return String.fromCharCode(u8[p]!, u8[p + 1]!, u8[p + 2]!, u8[p + 3]!, u8[p + 4]!, u8[p + 5]!, u8[p + 6]!);
    case 8:
      return String.fromCharCode(
        u8[p]!, u8[p + 1]!, u8[p + 2]!, u8[p + 3]!, u8[p + 4]!, u8[p + 5]!, u8[p + 6]!, u8[p + 7]!,
      );
    case 9:
      return String.fromCharCode(
        u8[p]!, u8[p + 1]!, u8[p + 2]!, u8[p + 3]!, u8[p + 4]!, u8[p + 5]!, u8[p + 6]!, u8[p + 7]!, u8[p + 8]!,
      );
    case 10:
      return String.fromCharCode(
        u8[p]!, u8[p + 1]!, u8[p + 2]!, u8[p + 3]!, u8[p + 4]!, u8[p + 5]!, u8[p + 6]!, u8[p + 7]!, u8[p + 8]!,
        u8[p + 9]!,
      );
    case 11:
      return String.fromCharCode(
        u8[p]!, u8[p + 1]!, u8[p + 2]!, u8[p + 3]!, u8[p + 4]!, u8[p + 5]!, u8[p + 6]!, u8[p + 7]!, u8[p + 8]!,
        u8[p + 9]!, u8[p + 10]!,
      );
    case 12:
      return String.fromCharCode(
        u8[p]!, u8[p + 1]!, u8[p + 2]!, u8[p + 3]!, u8[p + 4]!, u8[p + 5]!, u8[p + 6]!, u8[p + 7]!, u8[p + 8]!,
        u8[p + 9]!, u8[p + 10]!, u8[p + 11]!,
      );
    case 13:
      return String.fromCharCode(
        u8[p]!, u8[p + 1]!, u8[p + 2]!, u8[p + 3]!, u8[p + 4]!, u8[p + 5]!, u8[p + 6]!, u8[p + 7]!, u8[p + 8]!,
        u8[p + 9]!, u8[p + 10]!, u8[p + 11]!, u8[p + 12]!,
      );
    case 14:
      return String.fromCharCode(
        u8[p]!, u8[p + 1]!, u8[p + 2]!, u8[p + 3]!, u8[p + 4]!, u8[p + 5]!, u8[p + 6]!, u8[p + 7]!, u8[p + 8]!,
        u8[p + 9]!, u8[p + 10]!, u8[p + 11]!, u8[p + 12]!, u8[p + 13]!,
      );
    case 15:
      return String.fromCharCode(
        u8[p]!, u8[p + 1]!, u8[p + 2]!, u8[p + 3]!, u8[p + 4]!, u8[p + 5]!, u8[p + 6]!, u8[p + 7]!, u8[p + 8]!,
        u8[p + 9]!, u8[p + 10]!, u8[p + 11]!, u8[p + 12]!, u8[p + 13]!, u8[p + 14]!,
      );
    case 16:
      return String.fromCharCode(
        u8[p]!, u8[p + 1]!, u8[p + 2]!, u8[p + 3]!, u8[p + 4]!, u8[p + 5]!, u8[p + 6]!, u8[p + 7]!, u8[p + 8]!,
        u8[p + 9]!, u8[p + 10]!, u8[p + 11]!, u8[p + 12]!, u8[p + 13]!, u8[p + 14]!, u8[p + 15]!,
      );
    default:
      return latin1Slice(buf, p, p + n);
  }
}

interface FastBufferReads {
  latin1Slice(start: number, end: number): string;
  ucs2Slice(start: number, end: number): string;
}
/** Node's internal readers skip the argument parsing of `Buffer#toString`; fall back if they ever go away. */
const hasFastReads = typeof (Buffer.prototype as unknown as Partial<FastBufferReads>).latin1Slice === 'function' &&
  typeof (Buffer.prototype as unknown as Partial<FastBufferReads>).ucs2Slice === 'function';
const latin1Slice: (buf: Buffer, start: number, end: number) => string = hasFastReads
  ? (buf, start, end) => (buf as unknown as FastBufferReads).latin1Slice(start, end)
  : (buf, start, end) => buf.toString('latin1', start, end);
/** UTF-16LE code units as they are, lone surrogates included (TextDecoder would replace those). */
const ucs2Slice: (buf: Buffer, start: number, end: number) => string = hasFastReads
  ? (buf, start, end) => (buf as unknown as FastBufferReads).ucs2Slice(start, end)
  : (buf, start, end) => buf.toString('utf16le', start, end);

function corrupt(detail: string, cause?: unknown): CodecError {
  return new CodecError(
    'CORRUPT_BUFFER',
    `Cannot decode records: ${detail}. The bytes were not written by this codec's BufferBuilder/encodeRecord, ` +
      'or were cut or altered on the way.',
    { cause },
  );
}

/** Reads values from one buffer; shape ids are local to it. */
export class Decoder {
  /** @internal read by RecordReader.next to tell records from other stream elements without a call. */
  readonly u8: Uint8Array;
  private readonly dv: DataView;
  private readonly buf: Buffer;
  pos = 0;
  readonly end: number;
  private readonly shapes: Shape[] = [];

  constructor(bytes: Uint8Array) {
    // A plain Uint8Array over exactly these bytes: reads past the end give undefined, and slice() copies.
    this.u8 = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.end = bytes.byteLength;
  }

  /** After {@link readElement}: the record's timestamp (NaN when it has none) or the watermark. */
  timestamp = NaN;
  /** After {@link readElement} returned {@link STREAM_EVENT}: which event it was; for a status, idle or not. */
  event: StreamEventKind = 'watermark';

  /**
   * Reads the next stream element: a record (returned, with its timestamp in `timestamp`), or a watermark
   * or watermark status (returns {@link STREAM_EVENT}; `event` and `timestamp` say which).
   */
  readElement(): unknown {
    const t = this.u8[this.pos];
    if (t === undefined || t < T.TIMESTAMPED || t > T.CHECKPOINT_BARRIER) {
      this.timestamp = NaN;
      return this.readRecord();
    }
    return this.readTaggedElement(t);
  }

  /** The rarer elements: a timestamped record, a watermark or a status (the tag at `pos` is one of them). */
  readTaggedElement(t: number): unknown {
    if (t === T.TIMESTAMPED || t === T.WATERMARK) {
      if (this.pos + 9 > this.end) {
        this.pos = this.end;
        throw corrupt('a stream element runs past the end of the buffer');
      }
      this.timestamp = this.dv.getFloat64(this.pos + 1, true);
      this.pos += 9;
      if (t === T.WATERMARK) {
        this.event = 'watermark';
        return STREAM_EVENT;
      }
      return this.readRecord();
    }
    if (t === T.WATERMARK_STATUS) {
      if (this.pos + 2 > this.end) {
        this.pos = this.end;
        throw corrupt('a watermark status runs past the end of the buffer');
      }
      const status = this.u8[this.pos + 1];
      this.event = status === 1 ? 'idle' : status === 2 ? 'superstep' : 'active';
      this.pos += 2;
      return STREAM_EVENT;
    }
    if (t === T.CHECKPOINT_BARRIER) {
      if (this.pos + 18 > this.end) {
        this.pos = this.end;
        throw corrupt('a checkpoint barrier runs past the end of the buffer');
      }
      this.timestamp = this.dv.getFloat64(this.pos + 1, true);
      this.barrierTimestamp = this.dv.getFloat64(this.pos + 9, true);
      this.barrierFlags = this.u8[this.pos + 17] as number;
      this.pos += 18;
      this.event = 'barrier';
      return STREAM_EVENT;
    }
    this.timestamp = NaN;
    return this.readRecord();
  }

  /** After a checkpoint barrier (event 'barrier', its id in `timestamp`): when the checkpoint was triggered. */
  barrierTimestamp = 0;
  /** After a checkpoint barrier: its flags (bit 0: a savepoint). */
  barrierFlags = 0;

  readRecord(): unknown {
    if (this.pos >= this.end) {
      throw new UsageError('RecordReader.next() was called after the last record; check hasNext() first.');
    }
    try {
      const value = this.read();
      if (this.pos > this.end) throw corrupt('a record runs past the end of the buffer');
      return value;
    } catch (err) {
      this.pos = this.end; // the rest of the buffer cannot be trusted
      if (err instanceof CodecError) throw err;
      throw corrupt(`a record is malformed (${err instanceof Error ? err.message : String(err)})`, err);
    }
  }

  read(): unknown {
    const t = this.u8[this.pos++] as number;
    if (t <= T.POS_FIXINT_MAX) return t;
    if (t < T.FIXARRAY) return this.readAscii(t & 0x1f);
    if (t < T.FIXSHAPE) return this.readArray(t & 0x0f);
    if (t < T.UNDEFINED) return this.readShaped(t & 0x0f);
    if (t >= T.NEG_FIXINT) return t - 256;
    const p = this.pos;
    switch (t) {
      case T.UNDEFINED: return undefined;
      case T.NULL: return null;
      case T.FALSE: return false;
      case T.TRUE: return true;
      case T.INT8: this.pos = p + 1; return this.dv.getInt8(p);
      case T.INT16: this.pos = p + 2; return this.dv.getInt16(p, true);
      case T.INT32: this.pos = p + 4; return this.dv.getInt32(p, true);
      case T.FLOAT64: this.pos = p + 8; return this.dv.getFloat64(p, true);
      case T.ASCII8: this.pos = p + 1; return this.readAscii(this.u8[p] as number);
      case T.ASCII32: this.pos = p + 4; return this.readAscii(this.dv.getUint32(p, true));
      case T.UTF16_8: this.pos = p + 1; return this.readUtf16(this.u8[p] as number);
      case T.UTF16_32: this.pos = p + 4; return this.readUtf16(this.dv.getUint32(p, true));
      case T.ARRAY32: this.pos = p + 4; return this.readArray(this.dv.getUint32(p, true));
      case T.OBJECT: this.pos = p + 4; return this.readInlineObject(this.dv.getUint32(p, true));
      case T.SHAPE_DEF: this.pos = p + 1; return this.defineShape(this.u8[p] as number);
      case T.SHAPE_REF: this.pos = p + 2; return this.readShaped(this.dv.getUint16(p, true));
      case T.BIGINT64: this.pos = p + 8; return this.dv.getBigInt64(p, true);
      case T.BIGINT_VAR: return this.readBigInt();
      case T.DATE: this.pos = p + 8; return new Date(this.dv.getFloat64(p, true));
      case T.BINARY: return this.readBinary();
      case T.MAP: this.pos = p + 4; return this.readMap(this.dv.getUint32(p, true));
      case T.SET: this.pos = p + 4; return this.readSet(this.dv.getUint32(p, true));
      default:
        if (t === undefined) throw corrupt('a record runs past the end of the buffer');
        throw corrupt(`unknown tag 0x${t.toString(16)} at byte ${p - 1}`);
    }
  }

  private take(n: number): number {
    const p = this.pos;
    if (p + n > this.end) throw corrupt('a record runs past the end of the buffer');
    this.pos = p + n;
    return p;
  }

  private readAscii(n: number): string {
    return asciiString(this.u8, this.buf, this.take(n), n);
  }

  private readUtf16(n: number): string {
    const p = this.take(2 * n);
    return ucs2Slice(this.buf, p, p + 2 * n);
  }

  private readArray(n: number): unknown[] {
    switch (n) {
      case 0: return [];
      case 1: return [this.read()];
      case 2: return [this.read(), this.read()];
      case 3: return [this.read(), this.read(), this.read()];
      case 4: return [this.read(), this.read(), this.read(), this.read()];
      default: {
        if (n > this.end - this.pos) throw corrupt(`an array claims ${n} elements, more than the bytes left`);
        const a: unknown[] = [];
        for (let i = 0; i < n; i++) a.push(this.read());
        return a;
      }
    }
  }

  private readShaped(id: number): Record<string, unknown> {
    const shape = this.shapes[id];
    if (shape === undefined) throw corrupt(`an object refers to shape ${id}, which this buffer does not define`);
    return shape.build(this);
  }

  private defineShape(n: number): Record<string, unknown> {
    const keys: string[] = [];
    for (let i = 0; i < n; i++) keys.push(this.readKey());
    const shape = shapeFor(keys);
    this.shapes.push(shape);
    return shape.build(this);
  }

  private readKey(): string {
    const key = this.read();
    if (typeof key !== 'string') throw corrupt(`an object key is a ${typeof key}, not a string`);
    return key;
  }

  private readInlineObject(n: number): Record<string, unknown> {
    const o: Record<string, unknown> = {};
    for (let i = 0; i < n; i++) {
      const key = this.readKey();
      setProperty(o, key, this.read());
    }
    return o;
  }

  private readMap(n: number): Map<unknown, unknown> {
    const m = new Map<unknown, unknown>();
    for (let i = 0; i < n; i++) {
      const key = this.read();
      m.set(key, this.read());
    }
    return m;
  }

  private readSet(n: number): Set<unknown> {
    const s = new Set<unknown>();
    for (let i = 0; i < n; i++) s.add(this.read());
    return s;
  }

  private readBigInt(): bigint {
    const negative = this.u8[this.take(1)] === 1;
    const len = this.dv.getUint32(this.take(4), true);
    const p = this.take(len);
    let hex = '';
    for (let i = len - 1; i >= 0; i--) hex += (this.u8[p + i] as number).toString(16).padStart(2, '0');
    const magnitude = len === 0 ? 0n : BigInt(`0x${hex}`);
    return negative ? -magnitude : magnitude;
  }

  private readBinary(): unknown {
    const kind = this.u8[this.take(1)] as number;
    const len = this.dv.getUint32(this.take(4), true);
    const p = this.take(len);
    // A copy, so the value neither pins nor aliases the (transferred, soon reused) network buffer.
    const copy = this.u8.slice(p, p + len);
    if (kind === T.BIN_UINT8ARRAY) return copy;
    if (kind === T.BIN_BUFFER) return Buffer.from(copy.buffer, 0, len);
    if (kind === T.BIN_DATAVIEW) return new DataView(copy.buffer);
    if (kind === T.BIN_ARRAYBUFFER) return copy.buffer;
    const typed = T.TYPED_ARRAY_KINDS[kind];
    if (typed === undefined || len % typed[1] !== 0) throw corrupt(`unknown binary kind ${kind} of ${len} bytes`);
    return new typed[0](copy.buffer, 0, len / typed[1]);
  }
}

/** Iterates the records in a buffer written by a BufferBuilder (or by encodeRecord). */
/** What {@link RecordReader.next} returns for a watermark or a watermark status instead of a record. */
/** The elements that are not records: a watermark, an idle or active status, the end of an iteration superstep. */
export type StreamEventKind = 'watermark' | 'idle' | 'active' | 'superstep' | 'barrier';

export const STREAM_EVENT: unique symbol = Symbol('flink-ts stream event');

export class RecordReader {
  private readonly decoder: Decoder;

  constructor(bytes: Uint8Array) {
    this.decoder = new Decoder(bytes);
  }

  hasNext(): boolean {
    return this.decoder.pos < this.decoder.end;
  }

  /** The next record, or {@link STREAM_EVENT} for a watermark or status (see `timestamp` and `event`). */
  next(): unknown {
    // Plain records are the hot path: one tag check here, no extra call.
    const d = this.decoder;
    const t = d.u8[d.pos] as number;
    if (t >= T.TIMESTAMPED && t <= T.CHECKPOINT_BARRIER) return d.readTaggedElement(t);
    d.timestamp = NaN;
    return d.readRecord();
  }

  /** The last record's timestamp (NaN when it had none), or the last watermark. */
  get timestamp(): number {
    return this.decoder.timestamp;
  }

  get event(): StreamEventKind {
    return this.decoder.event;
  }

  /** After a barrier: its trigger time and flags. */
  get barrier(): { timestamp: number; flags: number } {
    return { timestamp: this.decoder.barrierTimestamp, flags: this.decoder.barrierFlags };
  }
}

/** Decodes every record in a buffer (watermarks and statuses are skipped, timestamps dropped). */
export function decodeRecords(bytes: Uint8Array): unknown[] {
  const decoder = new Decoder(bytes);
  const out: unknown[] = [];
  while (decoder.pos < decoder.end) {
    const r = decoder.readElement();
    if (r !== STREAM_EVENT) out.push(r);
  }
  return out;
}

/**
 * The elements of an array written as one record ({@link encodeRecord} of an array), decoded one at a time: a
 * consumer of a large array (a key group of checkpointed state) holds one element at a time, not all of them.
 * Empty bytes hold no elements.
 */
export class ArrayElementReader {
  private readonly d: Decoder | undefined;
  /** Elements in the array. */
  readonly length: number;
  private read = 0;
  /** Bytes the element last returned took in the array (an object's first use of its keys includes them). */
  lastSize = 0;

  constructor(bytes: Uint8Array) {
    if (bytes.byteLength === 0) {
      this.length = 0;
      return;
    }
    const d = new Decoder(bytes);
    const t = d.u8[0] as number;
    if (t >= T.FIXARRAY && t <= T.FIXARRAY + T.FIXARRAY_MAX_LEN) {
      this.length = t & 0x0f;
      d.pos = 1;
    } else if (t === T.ARRAY32 && bytes.byteLength >= 5) {
      this.length = new DataView(bytes.buffer, bytes.byteOffset, 5).getUint32(1, true);
      d.pos = 5;
    } else {
      throw corrupt(`expected an array, found tag 0x${t.toString(16)}`);
    }
    this.d = d;
  }

  hasNext(): boolean {
    return this.read < this.length;
  }

  next(): unknown {
    const d = this.d as Decoder;
    if (d.pos >= d.end) throw corrupt(`an array of ${this.length} elements ends after ${this.read}`);
    const start = d.pos;
    const value = d.readRecord();
    this.read++;
    this.lastSize = d.pos - start;
    return value;
  }
}

/** The elements of an array written as one record, decoded as they are iterated (see {@link ArrayElementReader}). */
export function* decodeArrayElements(bytes: Uint8Array): Generator<unknown, void, undefined> {
  const r = new ArrayElementReader(bytes);
  while (r.hasNext()) yield r.next();
}
