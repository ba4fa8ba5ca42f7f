/** Tag bytes of the record format; the layout is documented at the top of `encoder.ts`. */

export const POS_FIXINT_MAX = 0x7f;
export const FIXASCII = 0x80; // 0x80..0x9f: ASCII string, length in the low 5 bits
export const FIXASCII_MAX_LEN = 31;
export const FIXARRAY = 0xa0; // 0xa0..0xaf: array, length in the low 4 bits
export const FIXARRAY_MAX_LEN = 15;
export const FIXSHAPE = 0xb0; // 0xb0..0xbf: object of an already defined shape, id in the low 4 bits
export const FIXSHAPE_MAX_ID = 15;
export const UNDEFINED = 0xc0;
export const NULL = 0xc1;
export const FALSE = 0xc2;
export const TRUE = 0xc3;
export const INT8 = 0xc4;
export const INT16 = 0xc5;
export const INT32 = 0xc6;
export const FLOAT64 = 0xc7;
export const ASCII8 = 0xc8;
export const ASCII32 = 0xc9;
export const UTF16_8 = 0xca;
export const ARRAY32 = 0xcb;
export const OBJECT = 0xcc;
export const SHAPE_DEF = 0xcd;
export const SHAPE_REF = 0xce;
export const BIGINT64 = 0xcf;
export const BIGINT_VAR = 0xd0;
export const DATE = 0xd1;
export const BINARY = 0xd2;
export const MAP = 0xd3;
export const SET = 0xd4;
export const UTF16_32 = 0xd5;
// Stream elements other than plain records; they appear only at the top level of a buffer, never inside a value.
export const TIMESTAMPED = 0xd6; // float64 timestamp, then the record
export const WATERMARK = 0xd7; // float64 watermark
export const WATERMARK_STATUS = 0xd8; // u8: 0 active, 1 idle
export const CHECKPOINT_BARRIER = 0xd9; // float64 checkpoint id, float64 trigger timestamp, u8 flags (1: savepoint)
export const NEG_FIXINT = 0xe0; // 0xe0..0xff: -32..-1

/** Most keys a shape may have; wider objects are written with inline keys. */
export const MAX_SHAPE_KEYS = 64;
/** Shape ids are u16 inside one buffer. */
export const MAX_SHAPES_PER_BUFFER = 0x10000;
/** Deeper nesting is treated as a cycle (and would overflow the stack). */
export const MAX_DEPTH = 512;

/** Kinds after the BINARY tag; 2..11 index {@link TYPED_ARRAY_KINDS}. */
export const BIN_UINT8ARRAY = 0;
export const BIN_BUFFER = 1;
export const BIN_DATAVIEW = 12;
export const BIN_ARRAYBUFFER = 13;

type ViewConstructor = new (buffer: ArrayBuffer, byteOffset: number, length: number) => ArrayBufferView;

/** Constructor and element size of each binary kind below {@link BIN_DATAVIEW}, indexed by kind. */
export const TYPED_ARRAY_KINDS: ReadonlyArray<readonly [ViewConstructor, number]> = [
  [Uint8Array, 1],
  [Uint8Array, 1], // Buffer: rebuilt as a Buffer by the decoder
  [Int8Array, 1],
  [Uint8ClampedArray, 1],
  [Int16Array, 2],
  [Uint16Array, 2],
  [Int32Array, 4],
  [Uint32Array, 4],
  [Float32Array, 4],
  [Float64Array, 8],
  [BigInt64Array, 8],
  [BigUint64Array, 8],
];
