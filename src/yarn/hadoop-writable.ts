/**
 * The bits of Hadoop's Writable serialization a credentials file uses: variable-length integers (WritableUtils
 * vint/vlong) and `Text` (a vint byte length, then UTF-8).
 *
 * Vint layout: a value in [-112, 127] is its own single byte. Otherwise the first byte says the sign and how many
 * big-endian bytes follow: -113..-120 a positive value of 1..8 bytes, -121..-128 a negative one of 1..8 bytes
 * stored as its one's complement.
 */

/** The input ended early or held a value out of range; the message says where. */
export class WritableFormatError extends Error {
  override name = 'WritableFormatError';
}

export class WritableReader {
  private pos = 0;

  constructor(private readonly buf: Uint8Array) {}

  get offset(): number {
    return this.pos;
  }

  get remaining(): number {
    return this.buf.length - this.pos;
  }

  byte(): number {
    if (this.pos >= this.buf.length) throw new WritableFormatError(`unexpected end of data at byte ${this.pos}`);
    return this.buf[this.pos++] as number;
  }

  bytes(n: number): Uint8Array {
    if (n < 0 || this.pos + n > this.buf.length) {
      throw new WritableFormatError(`a field of ${n} bytes at byte ${this.pos} runs past the end (${this.buf.length} bytes)`);
    }
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  /** A vlong; as a JavaScript number, so values beyond ±2^53 are refused rather than rounded. */
  vlong(): number {
    const first = (this.byte() << 24) >> 24; // as a signed byte
    if (first >= -112) return first;
    const negative = first < -120;
    const len = negative ? -(first + 120) : -(first + 112);
    let value = 0n;
    for (let i = 0; i < len; i++) value = (value << 8n) | BigInt(this.byte());
    if (negative) value = ~value;
    if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
      throw new WritableFormatError(`vint ${value} at byte ${this.pos} is too large`);
    }
    return Number(value);
  }

  /** A vint that must be a length or count: non-negative and no more than what is left. */
  length(what: string): number {
    const at = this.pos;
    const n = this.vlong();
    if (n < 0 || n > this.remaining) throw new WritableFormatError(`${what} at byte ${at} is ${n}, but ${this.remaining} bytes are left`);
    return n;
  }

  text(what: string): string {
    return Buffer.from(this.bytes(this.length(`length of ${what}`))).toString('utf8');
  }
}

export class WritableWriter {
  private readonly chunks: Uint8Array[] = [];

  raw(bytes: Uint8Array): this {
    this.chunks.push(bytes);
    return this;
  }

  vlong(value: number): this {
    this.chunks.push(encodeVLong(value));
    return this;
  }

  /** A vint length, then the bytes. */
  lengthPrefixed(bytes: Uint8Array): this {
    return this.vlong(bytes.length).raw(bytes);
  }

  text(value: string): this {
    return this.lengthPrefixed(Buffer.from(value, 'utf8'));
  }

  toBuffer(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

export function encodeVLong(value: number): Uint8Array {
  if (!Number.isSafeInteger(value)) throw new RangeError(`vint ${value} is not a safe integer`);
  if (value >= -112 && value <= 127) return Uint8Array.of(value & 0xff);
  let v = BigInt(value);
  let len = -112;
  if (v < 0n) {
    v = ~v;
    len = -120;
  }
  const body: number[] = [];
  for (let tmp = v; tmp !== 0n; tmp >>= 8n) {
    body.unshift(Number(tmp & 0xffn));
    len--;
  }
  return Uint8Array.of(len & 0xff, ...body);
}
