/**
 * Java's object serialization format (the Java Object Serialization Stream Protocol, version 5): a writer for the
 * few objects flink-ts sends (see serialized-throwable.ts) and a reader that turns a stream into plain values.
 * Facts from the protocol's grammar: type codes, class descriptor flags, handles numbered from 0x7e0000, strings
 * in "modified UTF-8".
 */
import { FlinkError } from '../util/errors.js';

export const STREAM_MAGIC = 0xaced;
export const STREAM_VERSION = 5;
export const TC_NULL = 0x70;
export const TC_REFERENCE = 0x71;
export const TC_CLASSDESC = 0x72;
export const TC_OBJECT = 0x73;
export const TC_STRING = 0x74;
export const TC_ARRAY = 0x75;
export const TC_CLASS = 0x76;
export const TC_BLOCKDATA = 0x77;
export const TC_ENDBLOCKDATA = 0x78;
export const TC_RESET = 0x79;
export const TC_BLOCKDATALONG = 0x7a;
export const TC_LONGSTRING = 0x7c;
export const TC_ENUM = 0x7e;
export const SC_WRITE_METHOD = 0x01;
export const SC_SERIALIZABLE = 0x02;
export const SC_EXTERNALIZABLE = 0x04;
export const BASE_WIRE_HANDLE = 0x7e0000;

export interface FieldSpec {
  /** Java type code: a primitive letter, `L` for objects, `[` for arrays. */
  code: string;
  name: string;
  /** For `L` and `[`: the JVM type signature, e.g. `Ljava/lang/String;`. */
  signature?: string;
}

export interface ClassSpec {
  name: string;
  suid: bigint;
  flags: number;
  fields: FieldSpec[];
  superClass: ClassSpec | null;
}

/** Java's "modified UTF-8": NUL as two bytes, characters outside the BMP as two 3-byte surrogates. */
function encodeModifiedUtf8(s: string): Buffer {
  const out = Buffer.allocUnsafe(s.length * 3);
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x01 && c <= 0x7f) {
      out[n++] = c;
    } else if (c <= 0x7ff) {
      out[n++] = 0xc0 | (c >> 6);
      out[n++] = 0x80 | (c & 0x3f);
    } else {
      out[n++] = 0xe0 | (c >> 12);
      out[n++] = 0x80 | ((c >> 6) & 0x3f);
      out[n++] = 0x80 | (c & 0x3f);
    }
  }
  return out.subarray(0, n);
}

function decodeModifiedUtf8(b: Buffer): string {
  const units: number[] = [];
  let i = 0;
  while (i < b.length) {
    const x = b[i] as number;
    if (x < 0x80) {
      units.push(x);
      i += 1;
    } else if ((x & 0xe0) === 0xc0) {
      units.push(((x & 0x1f) << 6) | ((b[i + 1] ?? 0) & 0x3f));
      i += 2;
    } else {
      units.push(((x & 0x0f) << 12) | (((b[i + 1] ?? 0) & 0x3f) << 6) | ((b[i + 2] ?? 0) & 0x3f));
      i += 3;
    }
  }
  let s = '';
  for (let k = 0; k < units.length; k += 8192) s += String.fromCharCode(...units.slice(k, k + 8192));
  return s;
}

/** Writes a Java serialization stream: primitives, strings with handles, class descriptors (each once). */
export class StreamWriter {
  private readonly parts: Buffer[] = [];
  private nextHandle = BASE_WIRE_HANDLE;
  private readonly classHandles = new Map<ClassSpec, number>();

  u1(v: number): void {
    this.parts.push(Buffer.from([v & 0xff]));
  }

  u2(v: number): void {
    const b = Buffer.allocUnsafe(2);
    b.writeUInt16BE(v);
    this.parts.push(b);
  }

  i4(v: number): void {
    const b = Buffer.allocUnsafe(4);
    b.writeInt32BE(v);
    this.parts.push(b);
  }

  i8(v: bigint): void {
    const b = Buffer.allocUnsafe(8);
    b.writeBigInt64BE(v);
    this.parts.push(b);
  }

  raw(b: Uint8Array): void {
    this.parts.push(Buffer.from(b));
  }

  /** A string in a class descriptor (class and field names): length-prefixed modified UTF-8, no handle. */
  utf(s: string): void {
    const b = encodeModifiedUtf8(s);
    this.u2(b.length);
    this.raw(b);
  }

  newHandle(): number {
    return this.nextHandle++;
  }

  string(s: string): void {
    const b = encodeModifiedUtf8(s);
    if (b.length <= 0xffff) {
      this.u1(TC_STRING);
      this.newHandle();
      this.u2(b.length);
    } else {
      this.u1(TC_LONGSTRING);
      this.newHandle();
      this.i8(BigInt(b.length));
    }
    this.raw(b);
  }

  classDesc(spec: ClassSpec | null): void {
    if (spec === null) return this.u1(TC_NULL);
    const known = this.classHandles.get(spec);
    if (known !== undefined) {
      this.u1(TC_REFERENCE);
      this.i4(known);
      return;
    }
    this.u1(TC_CLASSDESC);
    this.utf(spec.name);
    this.i8(spec.suid);
    this.classHandles.set(spec, this.newHandle());
    this.u1(spec.flags);
    this.u2(spec.fields.length);
    for (const f of spec.fields) {
      this.u1(f.code.charCodeAt(0));
      this.utf(f.name);
      if (f.signature !== undefined) this.string(f.signature);
    }
    this.u1(TC_ENDBLOCKDATA); // no class annotation
    this.classDesc(spec.superClass);
  }

  /** The stream header: magic and version. */
  header(): void {
    this.u2(STREAM_MAGIC);
    this.u2(STREAM_VERSION);
  }

  bytes(): Buffer {
    return Buffer.concat(this.parts);
  }
}

/** A deserialized Java object: its class and its field values, per class of its hierarchy. */
export interface JavaObject {
  readonly className: string;
  /** Field name → value, merged over the class hierarchy (a subclass's field wins). */
  readonly fields: Map<string, JavaValue>;
}

export type JavaValue = null | string | number | bigint | boolean | Buffer | JavaObject | JavaValue[];

interface ClassDesc {
  name: string;
  flags: number;
  fields: FieldSpec[];
  superClass: ClassDesc | null;
}

/** Bytes that are not (or not a supported) Java serialization stream. */
export class JavaStreamError extends FlinkError {
  constructor(message: string) {
    super('JAVA_STREAM', message);
  }
}

/**
 * Reads a Java serialization stream into plain values: objects, strings, arrays, primitives. Custom
 * `writeObject` data and class annotations are skipped; proxies and externalizable classes without block data
 * are refused. Enough for SerializedThrowable as Flink or flink-ts writes it.
 */
class StreamReader {
  private pos = 0;
  private readonly handles: unknown[] = [];

  constructor(private readonly b: Buffer) {}

  private need(n: number): void {
    if (this.pos + n > this.b.length) throw new JavaStreamError(`truncated stream at byte ${this.pos}`);
  }

  u1(): number {
    this.need(1);
    return this.b[this.pos++] as number;
  }

  peek(): number {
    this.need(1);
    return this.b[this.pos] as number;
  }

  u2(): number {
    this.need(2);
    const v = this.b.readUInt16BE(this.pos);
    this.pos += 2;
    return v;
  }

  i4(): number {
    this.need(4);
    const v = this.b.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  i8(): bigint {
    this.need(8);
    const v = this.b.readBigInt64BE(this.pos);
    this.pos += 8;
    return v;
  }

  take(n: number): Buffer {
    this.need(n);
    const out = this.b.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  utf(): string {
    return decodeModifiedUtf8(this.take(this.u2()));
  }

  private register(v: unknown): number {
    this.handles.push(v);
    return this.handles.length - 1;
  }

  private reference(): unknown {
    const h = this.i4() - BASE_WIRE_HANDLE;
    if (h < 0 || h >= this.handles.length) throw new JavaStreamError(`unknown handle ${h + BASE_WIRE_HANDLE}`);
    return this.handles[h];
  }

  header(): void {
    if (this.u2() !== STREAM_MAGIC || this.u2() !== STREAM_VERSION) throw new JavaStreamError('not a Java serialization stream');
  }

  classDesc(): ClassDesc | null {
    const tc = this.u1();
    if (tc === TC_NULL) return null;
    if (tc === TC_REFERENCE) return this.reference() as ClassDesc;
    if (tc !== TC_CLASSDESC) throw new JavaStreamError(`unsupported class descriptor 0x${tc.toString(16)}`);
    const name = this.utf();
    this.i8(); // serialVersionUID
    const desc: ClassDesc = { name, flags: 0, fields: [], superClass: null };
    this.register(desc);
    desc.flags = this.u1();
    const count = this.u2();
    for (let i = 0; i < count; i++) {
      const code = String.fromCharCode(this.u1());
      const fieldName = this.utf();
      const field: FieldSpec = { code, name: fieldName };
      if (code === 'L' || code === '[') field.signature = this.value() as string;
      desc.fields.push(field);
    }
    this.skipAnnotation();
    desc.superClass = this.classDesc();
    return desc;
  }

  /** Skips block data and objects up to the end-of-block marker. */
  private skipAnnotation(): void {
    for (let i = 0; i < 1_000_000; i++) {
      const tc = this.peek();
      if (tc === TC_ENDBLOCKDATA) {
        this.pos++;
        return;
      }
      if (tc === TC_BLOCKDATA) {
        this.pos++;
        this.take(this.u1());
      } else if (tc === TC_BLOCKDATALONG) {
        this.pos++;
        this.take(this.i4());
      } else {
        this.value();
      }
    }
    throw new JavaStreamError('no end of block data');
  }

  private primitive(code: string): JavaValue {
    switch (code) {
      case 'B':
        return this.take(1).readInt8(0);
      case 'C':
        return String.fromCharCode(this.u2());
      case 'D':
        return this.take(8).readDoubleBE(0);
      case 'F':
        return this.take(4).readFloatBE(0);
      case 'I':
        return this.i4();
      case 'J':
        return this.i8();
      case 'S':
        return this.take(2).readInt16BE(0);
      case 'Z':
        return this.u1() !== 0;
      default:
        throw new JavaStreamError(`unknown field type '${code}'`);
    }
  }

  value(): JavaValue {
    const tc = this.u1();
    switch (tc) {
      case TC_NULL:
        return null;
      case TC_REFERENCE:
        return this.reference() as JavaValue;
      case TC_STRING: {
        const s = this.utf();
        this.register(s);
        return s;
      }
      case TC_LONGSTRING: {
        const s = decodeModifiedUtf8(this.take(Number(this.i8())));
        this.register(s);
        return s;
      }
      case TC_CLASSDESC:
        this.pos--;
        this.classDesc();
        return null;
      case TC_CLASS:
        this.register(this.classDesc());
        return null;
      case TC_ENUM: {
        const desc = this.classDesc();
        const obj: JavaObject = { className: desc?.name ?? '?', fields: new Map() };
        this.register(obj);
        obj.fields.set('name', this.value());
        return obj;
      }
      case TC_ARRAY:
        return this.array();
      case TC_OBJECT:
        return this.object();
      case TC_RESET:
        this.handles.length = 0;
        return this.value();
      default:
        throw new JavaStreamError(`unsupported type code 0x${tc.toString(16)} at byte ${this.pos - 1}`);
    }
  }

  private array(): JavaValue {
    const desc = this.classDesc();
    if (!desc) throw new JavaStreamError('array without a class');
    const handle = this.register(null);
    const length = this.i4();
    const elementCode = desc.name.charAt(1);
    let out: JavaValue;
    if (elementCode === 'B') {
      out = Buffer.from(this.take(length));
    } else {
      const list: JavaValue[] = [];
      for (let i = 0; i < length; i++) list.push(elementCode === 'L' || elementCode === '[' ? this.value() : this.primitive(elementCode));
      out = list;
    }
    this.handles[handle] = out;
    return out;
  }

  private object(): JavaObject {
    const desc = this.classDesc();
    if (!desc) throw new JavaStreamError('object without a class');
    const obj: JavaObject = { className: desc.name, fields: new Map() };
    this.register(obj);
    const chain: ClassDesc[] = [];
    for (let d: ClassDesc | null = desc; d; d = d.superClass) chain.unshift(d);
    for (const d of chain) {
      if ((d.flags & SC_EXTERNALIZABLE) !== 0) {
        throw new JavaStreamError(`externalizable class ${d.name} is not supported`);
      }
      for (const f of d.fields) obj.fields.set(f.name, f.code === 'L' || f.code === '[' ? this.value() : this.primitive(f.code));
      if ((d.flags & SC_WRITE_METHOD) !== 0) this.skipAnnotation();
    }
    return obj;
  }
}

/** Reads the first object of a Java serialization stream. */
export function readJavaObject(data: Buffer): JavaValue {
  const r = new StreamReader(data);
  r.header();
  return r.value();
}

