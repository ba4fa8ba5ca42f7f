import assert from 'node:assert/strict';
import { BufferBuilder, CodecError, RecordReader, decodeArrayElements, decodeRecords, encodeRecord } from '../../../src/runtime/codec/index.js';

function roundTrip(value: unknown): unknown {
  const decoded = decodeRecords(encodeRecord(value));
  assert.equal(decoded.length, 1);
  return decoded[0];
}

const ascii = (n: number): string => 'abcdefghijklmnopqrstuvwxyz0123456789'.repeat(Math.ceil(n / 36) + 1).slice(0, n);

/** Values that must come back deep-equal (same types and prototypes). */
const SAMPLES: ReadonlyArray<readonly [string, unknown]> = [
  ['undefined', undefined],
  ['null', null],
  ['true', true],
  ['false', false],
  ...[0, 1, 127, 128, 255, 256, -1, -32, -33, -128, -129, 32767, 32768, -32768, -32769, 2 ** 31 - 1, -(2 ** 31),
    2 ** 31, -(2 ** 31) - 1, 2 ** 32, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, 1.5, -1.5, 0.1, 1e300,
    Number.MIN_VALUE, -Number.MIN_VALUE, Number.MAX_VALUE, Number.EPSILON, Infinity, -Infinity]
    .map((n) => [`number ${n}`, n] as const),
  ...[0n, 1n, -1n, 127n, 2n ** 63n - 1n, -(2n ** 63n), 2n ** 63n, -(2n ** 63n) - 1n, 2n ** 200n + 12345n, -(3n ** 150n),
    2n ** 64n]
    .map((n) => [`bigint ${n}`, n] as const),
  ['empty string', ''],
  ['one char', 'a'],
  ...[16, 17, 24, 25, 31, 32, 255, 256, 70_000].map((n) => [`ASCII string of ${n}`, ascii(n)] as const),
  ['NUL and DEL', '\u0000\u007f'],
  ['first non-ASCII char', '\u0080'],
  ['short non-ASCII', 'Straße'],
  ['CJK', '中文字符'],
  ['emoji (surrogate pair)', '\u{1F600} ok'],
  ['long non-ASCII', `${ascii(100)}é${ascii(300)}`],
  ['non-ASCII after the probe', `${ascii(40)}ü`],
  ['non-ASCII at 255 units', 'é'.repeat(255)],
  ['non-ASCII at 256 units', 'é'.repeat(256)],
  ['lone high surrogate', '\uD800'],
  ['lone low surrogate inside', 'a\uDC00b'],
  ['lone surrogate at the end of a long string', `${ascii(60)}\uD83D`],
  ['reversed pair', '\uDE00\uD83D'],
  ['empty array', []],
  ['tuple', ['word', 17]],
  ['15 elements', Array.from({ length: 15 }, (_, i) => i)],
  ['16 elements', Array.from({ length: 16 }, (_, i) => i)],
  ['nested arrays', [[[[]]], [1, [2, [3, ['x']]]]]],
  ['100k elements', Array.from({ length: 100_000 }, (_, i) => i * 3)],
  ['empty object', {}],
  ['object', { id: 1, name: 'n', price: 9.99, ts: 1_700_000_000_000 }],
  ['nested objects', { a: { b: { c: [{ d: null }, { d: 'x' }] } }, e: [] }],
  ['integer-like keys', { 1: 'one', b: 2, 0: 'zero' }],
  ['non-ASCII and odd keys', { 'ключ': 1, 'a b': 2, '': 3, 'x\u0000y': 4, [ascii(300)]: 5 }],
  ['own __proto__ property', JSON.parse('{"__proto__": {"polluted": true}, "x": 1}') as unknown],
  ['64 keys (shape)', Object.fromEntries(Array.from({ length: 64 }, (_, i) => [`k${i}`, i]))],
  ['65 keys (inline keys)', Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, i]))],
  ['Date', new Date(1_700_000_000_123)],
  ['Date at the epoch', new Date(0)],
  ['Date at the max', new Date(8.64e15)],
  ['Uint8Array', new Uint8Array([0, 1, 254, 255])],
  ['empty Uint8Array', new Uint8Array(0)],
  ['Buffer', Buffer.from('buffer bytes')],
  ['Int8Array', new Int8Array([-128, 0, 127])],
  ['Uint8ClampedArray', new Uint8ClampedArray([0, 255])],
  ['Int16Array', new Int16Array([-32768, 32767])],
  ['Uint16Array', new Uint16Array([65535])],
  ['Int32Array', new Int32Array([-(2 ** 31), 7])],
  ['Uint32Array', new Uint32Array([2 ** 32 - 1])],
  ['Float32Array', new Float32Array([1.5, -0, Infinity])],
  ['Float64Array', new Float64Array([Math.PI, -0, -Infinity])],
  ['BigInt64Array', new BigInt64Array([-(2n ** 63n), 5n])],
  ['BigUint64Array', new BigUint64Array([2n ** 64n - 1n])],
  ['ArrayBuffer', new Uint8Array([3, 1, 4]).buffer],
  ['Map', new Map<unknown, unknown>([['a', 1], [2, { b: [3] }], [null, undefined]])],
  ['Map with object keys', new Map([[{ k: 1 }, 'v'], [[1, 2], 'w']])],
  ['Set', new Set<unknown>(['a', 1, 2n, null, [1]])],
  ['everything nested', {
    id: 1n,
    when: new Date(5),
    tags: new Set(['x']),
    attrs: new Map([['k', { deep: [new Uint8Array([1]), 'é', -0.5] }]]),
    list: [undefined, null, true, -7, 'ü', { z: {} }],
  }],
];

describe('codec round trips', () => {
  for (const [label, value] of SAMPLES) {
    it(label, () => assert.deepStrictEqual(roundTrip(value), value));
  }

  it('keeps NaN, -0 and invalid dates', () => {
    assert.ok(Number.isNaN(roundTrip(NaN)));
    assert.ok(Object.is(roundTrip(-0), -0));
    assert.ok(Object.is(roundTrip(0), 0));
    assert.deepStrictEqual(roundTrip([-0, NaN]), [-0, NaN]);
    const d = roundTrip(new Date(NaN));
    assert.ok(d instanceof Date && Number.isNaN(d.getTime()));
  });

  it('keeps lone surrogates code unit for code unit', () => {
    for (const s of ['\uD800', 'x\uDFFFy', `${ascii(30)}\uDBFF`]) {
      const back = roundTrip(s) as string;
      assert.equal(back.length, s.length);
      for (let i = 0; i < s.length; i++) assert.equal(back.charCodeAt(i), s.charCodeAt(i));
    }
  });

  it('keeps key order and the own __proto__ property without touching the prototype', () => {
    const back = roundTrip(JSON.parse('{"b": 1, "__proto__": 2, "a": 3}')) as Record<string, unknown>;
    assert.deepEqual(Object.keys(back), ['b', '__proto__', 'a']);
    assert.equal(Object.getPrototypeOf(back), Object.prototype);
    assert.equal(Object.getOwnPropertyDescriptor(back, '__proto__')?.value, 2);
  });

  it('sends class instances as plain objects of their own enumerable properties', () => {
    class Point {
      hidden = 0;
      constructor(readonly x: number, readonly y: number) {
        Object.defineProperty(this, 'hidden', { enumerable: false });
      }
      get length(): number {
        return Math.hypot(this.x, this.y);
      }
    }
    const back = roundTrip({ p: new Point(3, 4) }) as { p: unknown };
    assert.deepStrictEqual(back.p, { x: 3, y: 4 });
  });

  it('sends objects without a prototype as plain objects', () => {
    const o = Object.create(null) as Record<string, unknown>;
    o.a = 1;
    assert.deepStrictEqual(roundTrip(o), { a: 1 });
  });

  it('turns array holes into undefined', () => {
     
    assert.deepStrictEqual(roundTrip([1, , 3]), [1, undefined, 3]);
  });

  it('copies binary data out of the buffer it was read from', () => {
    const view = new Uint8Array([9, 9, 1, 2, 3, 9]).subarray(2, 5);
    const bytes = encodeRecord({ view });
    const decoded = decodeRecords(bytes)[0] as { view: Uint8Array };
    assert.deepStrictEqual(decoded.view, new Uint8Array([1, 2, 3]));
    bytes.fill(0);
    assert.deepStrictEqual(decoded.view, new Uint8Array([1, 2, 3]));
    assert.equal(decoded.view.buffer.byteLength, 3);
  });

  it('decodes a Buffer as a Buffer and a Uint8Array as a Uint8Array', () => {
    const [b, u] = roundTrip([Buffer.from('x'), new Uint8Array([1])]) as [unknown, unknown];
    assert.ok(Buffer.isBuffer(b));
    assert.ok(!Buffer.isBuffer(u) && u instanceof Uint8Array);
  });

  it('copies a DataView', () => {
    const dv = new DataView(new ArrayBuffer(4));
    dv.setInt32(0, -123456, true);
    const back = roundTrip(dv) as DataView;
    assert.ok(back instanceof DataView);
    assert.equal(back.getInt32(0, true), -123456);
  });

  it('decodes objects of many shapes in one buffer (shape ids past the one-byte range)', () => {
    const builder = new BufferBuilder(64 * 1024);
    const records: unknown[] = [];
    for (let round = 0; round < 3; round++) {
      for (let s = 0; s < 40; s++) records.push({ [`f${s}`]: s, shared: round, [`g${s % 7}`]: { inner: s } });
    }
    for (const r of records) assert.ok(builder.tryWrite(r));
    assert.deepStrictEqual(decodeRecords(builder.finish()), records);
  });

  it('round-trips random records split over many small buffers', () => {
    let seed = 7;
    const rnd = (n: number): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % n);
    const keys = ['id', 'name', 'v', 'ts', 'é', '__proto__', '1'];
    const randomValue = (depth: number): unknown => {
      switch (rnd(depth > 3 ? 6 : 10)) {
        case 0: return rnd(2) === 0 ? rnd(300) - 150 : (rnd(1e6) - 5e5) / 7;
        case 1: return ascii(rnd(40));
        case 2: return ['ß', '中', '\uD800', ''][rnd(4)]!.repeat(rnd(5));
        case 3: return [null, undefined, true, false, -0, NaN][rnd(6)];
        case 4: return BigInt(rnd(1e6)) * (rnd(2) === 0 ? 1n : 2n ** 70n);
        case 5: return new Date(rnd(1e12));
        case 6: return Array.from({ length: rnd(20) }, () => randomValue(depth + 1));
        case 7: {
          const o: Record<string, unknown> = {};
          for (let i = rnd(5); i >= 0; i--) Object.defineProperty(o, keys[rnd(keys.length)]!, {
            value: randomValue(depth + 1), enumerable: true, writable: true, configurable: true });
          return o;
        }
        case 8: return new Map([[randomValue(depth + 1), randomValue(depth + 1)]]);
        default: return new Uint8Array(rnd(10)).fill(rnd(256));
      }
    };
    const records = Array.from({ length: 3000 }, () => randomValue(0));
    const builder = new BufferBuilder(200);
    const decoded: unknown[] = [];
    for (const r of records) {
      if (builder.tryWrite(r)) continue;
      decoded.push(...decodeRecords(builder.finish()));
      if (!builder.tryWrite(r)) decoded.push(...decodeRecords(encodeRecord(r)));
    }
    decoded.push(...decodeRecords(builder.finish()));
    assert.deepStrictEqual(decoded, records);
  });

  it('reads records one by one with RecordReader', () => {
    const builder = new BufferBuilder(1024);
    const records = [['a', 1], { x: 1 }, { x: 2 }, 'tail', null, undefined];
    for (const r of records) assert.ok(builder.tryWrite(r));
    assert.equal(builder.recordCount, records.length);
    const reader = new RecordReader(builder.finish());
    const out: unknown[] = [];
    while (reader.hasNext()) out.push(reader.next());
    assert.deepStrictEqual(out, records);
    assert.throws(() => reader.next(), /after the last record/);
  });

  it('decodes the elements of a large array one at a time, objects of shapes defined by earlier elements included', () => {
    for (const n of [0, 3, 15, 16, 5000]) {
      const a = Array.from({ length: n }, (_, i) => (i % 2 === 0 ? ['state', '', `k${i}`, { n: i, pad: 'p'.repeat(i % 40) }] : { other: i }));
      const it = decodeArrayElements(encodeRecord(a));
      let i = 0;
      for (const e of it) assert.deepStrictEqual(e, a[i++]);
      assert.equal(i, n);
    }
    assert.deepStrictEqual([...decodeArrayElements(new Uint8Array(0))], []);
  });

  it('says so when the bytes of an array are not an array or end early', () => {
    assert.throws(() => [...decodeArrayElements(encodeRecord({ a: 1 }))], (e: unknown) => e instanceof CodecError && /expected an array/.test(e.message));
    const cut = encodeRecord(Array.from({ length: 20 }, (_, i) => `element ${i}`));
    assert.throws(() => [...decodeArrayElements(cut.subarray(0, cut.length - 12))], CodecError);
  });
});
