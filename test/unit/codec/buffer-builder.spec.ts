import assert from 'node:assert/strict';
import {
  BufferBuilder,
  CodecError,
  RecordReader,
  STREAM_EVENT,
  decodeRecords,
  encodeRecord,
} from '../../../src/runtime/codec/index.js';

const TUPLE = ['word', 17];
const TUPLE_BYTES = encodeRecord(TUPLE).byteLength; // 7: array tag, string tag + 4 chars, int

function isCodecError(code: string, ...fragments: string[]): (err: unknown) => boolean {
  return (err) => {
    assert.ok(err instanceof CodecError, `expected a CodecError, got ${String(err)}`);
    assert.equal(err.code, code);
    for (const f of fragments) assert.ok(err.message.includes(f), `"${err.message}" should mention ${f}`);
    return true;
  };
}

describe('codec BufferBuilder', () => {
  it('fills exactly to capacity, then refuses without changing the buffer', () => {
    assert.equal(TUPLE_BYTES, 7);
    const builder = new BufferBuilder(TUPLE_BYTES * 10 + 1);
    for (let i = 0; i < 10; i++) assert.equal(builder.tryWrite(TUPLE), true);
    assert.equal(builder.tryWrite(TUPLE), false);
    assert.equal(builder.size, 70);
    assert.equal(builder.recordCount, 10);
    assert.equal(builder.tryWrite(5), true); // one byte still fits
    assert.equal(builder.size, 71);
    assert.equal(builder.tryWrite(5), false);
    assert.equal(builder.tryWrite(null), false);
    assert.equal(builder.recordCount, 11);
    const records = decodeRecords(builder.finish());
    assert.equal(records.length, 11);
    assert.deepStrictEqual(records[10], 5);
  });

  it('accepts every record in a buffer of exactly its size and refuses it in one byte less', () => {
    const values: unknown[] = [
      null, 1, -1, 300, 70000, 1.5, 2n ** 70n, -5n, 'a', 'x'.repeat(24), 'x'.repeat(25), 'y'.repeat(300),
      'Straße', 'é'.repeat(300), 'd\uD800', `${'a'.repeat(40)}€`, ['word', 17], { id: 1, name: 'n' },
      JSON.parse('{"a": {"a": {"a": 1}}}') as unknown, new Date(1), new Uint8Array(10), new Map([[1, 2]]),
      new Set(['s']), Array.from({ length: 20 }, (_, i) => ({ i })),
    ];
    for (const v of values) {
      const size = encodeRecord(v).byteLength;
      const tight = new BufferBuilder(size);
      assert.equal(tight.tryWrite(v), true, `${String(v)} in ${size} bytes`);
      assert.equal(tight.size, size);
      assert.deepStrictEqual(decodeRecords(tight.finish()), [v]);
      const short = new BufferBuilder(size - 1 || 1);
      if (size > 1) {
        assert.equal(short.tryWrite(v), false, `${String(v)} in ${size - 1} bytes`);
        assert.equal(short.size, 0);
        assert.equal(short.recordCount, 0);
      }
    }
  });

  it('finish() hands out an exactly sized, transferable buffer and starts afresh', () => {
    const builder = new BufferBuilder(32 * 1024);
    for (let i = 0; i < 100; i++) assert.ok(builder.tryWrite({ id: i, word: `w${i}` }));
    const first = builder.finish();
    assert.equal(first.byteOffset, 0);
    assert.equal(first.buffer.byteLength, first.byteLength);
    assert.equal(builder.size, 0);
    assert.equal(builder.recordCount, 0);

    const moved = structuredClone(first, { transfer: [first.buffer] });
    assert.equal(first.byteLength, 0, 'the original is detached after the transfer');
    assert.equal(decodeRecords(moved).length, 100);

    // The builder keeps working after its output was transferred away.
    for (let i = 0; i < 3; i++) assert.ok(builder.tryWrite({ id: i, word: 'again' }));
    assert.deepStrictEqual(decodeRecords(builder.finish()), [0, 1, 2].map((id) => ({ id, word: 'again' })));
    assert.equal(builder.finish().byteLength, 0, 'an empty builder finishes to an empty buffer');
  });

  it('writes buffers that each decode on their own', () => {
    const builder = new BufferBuilder(256);
    const records = Array.from({ length: 200 }, (_, i) => ({ id: i, name: `n${i % 7}`, tags: [i % 3, { k: 'v' }] }));
    const buffers: Uint8Array[] = [];
    for (const r of records) {
      if (!builder.tryWrite(r)) {
        buffers.push(builder.finish());
        assert.ok(builder.tryWrite(r));
      }
    }
    buffers.push(builder.finish());
    assert.ok(buffers.length > 5);
    // Decode in reverse order, each with its own reader: no buffer depends on another.
    const decoded = buffers.map((b, i) => ({ i, records: decodeRecords(b) })).reverse();
    const flat = decoded.sort((a, b) => a.i - b.i).flatMap((d) => d.records);
    assert.deepStrictEqual(flat, records);
  });

  it('forgets shapes defined by a record that did not fit', () => {
    const builder = new BufferBuilder(64);
    assert.ok(builder.tryWrite(1));
    // Defines shape {a, b} inside, then runs out of room on the long string.
    assert.equal(builder.tryWrite([{ a: 1, b: 2 }, 'z'.repeat(100)]), false);
    assert.ok(builder.tryWrite({ a: 3, b: 4 }));
    assert.ok(builder.tryWrite({ a: 5, b: 6 }));
    assert.deepStrictEqual(decodeRecords(builder.finish()), [1, { a: 3, b: 4 }, { a: 5, b: 6 }]);
  });

  it('redefines shapes in every buffer', () => {
    const builder = new BufferBuilder(1024);
    assert.ok(builder.tryWrite({ a: 1 }));
    const first = builder.finish();
    assert.ok(builder.tryWrite({ a: 2 }));
    const second = builder.finish();
    assert.deepStrictEqual(decodeRecords(second), [{ a: 2 }]);
    assert.deepStrictEqual(decodeRecords(first), [{ a: 1 }]);
  });

  it('reports a record larger than the capacity by refusing it in an empty builder; encodeRecord takes it', () => {
    const big = { payload: 'p'.repeat(100_000), list: Array.from({ length: 10_000 }, (_, i) => i) };
    const builder = new BufferBuilder(32 * 1024);
    assert.equal(builder.tryWrite(big), false);
    assert.equal(builder.size, 0);
    const bytes = encodeRecord(big);
    assert.equal(bytes.buffer.byteLength, bytes.byteLength);
    assert.ok(bytes.byteLength > 100_000);
    assert.deepStrictEqual(decodeRecords(bytes), [big]);
    // The scratch space is intact after growing.
    assert.deepStrictEqual(decodeRecords(encodeRecord(['small'])), [['small']]);
  });

  it('rejects functions and symbols, naming the path, and leaves the buffer unchanged', () => {
    const builder = new BufferBuilder(1024);
    assert.ok(builder.tryWrite('before'));
    const rejects = (value: unknown, ...fragments: string[]): void => {
      assert.throws(() => builder.tryWrite(value), isCodecError('UNSERIALIZABLE_RECORD', ...fragments));
    };
    rejects(['x', { fn: () => 1 }], 'record[1].fn is a function');
    rejects({ a: { s: Symbol('s') } }, 'record.a.s is a symbol');
    rejects(Symbol.iterator, 'record is a symbol');
    rejects({ 'odd key': [1, 2, () => 3] }, 'record["odd key"][2]');
    rejects(new Map([['k', () => 1]]), 'record.get("k")');
    rejects({ s: new Set([1, Promise.resolve()]) }, 'record.s<Set element #1> is a Promise');
    rejects({ e: new Error('x') }, 'record.e is an Error');
    rejects({ w: new WeakMap() }, 'record.w is a WeakMap');
    assert.equal(builder.size, encodeRecord('before').byteLength);
    assert.equal(builder.recordCount, 1);
    assert.ok(builder.tryWrite('after'));
    assert.deepStrictEqual(decodeRecords(builder.finish()), ['before', 'after']);
    assert.throws(() => encodeRecord([1, () => 2]), isCodecError('UNSERIALIZABLE_RECORD', 'record[1]'));
  });

  it('rejects cycles, naming where they close', () => {
    const node: { name: string; next?: unknown } = { name: 'a' };
    node.next = { name: 'b', next: node };
    assert.throws(
      () => encodeRecord({ list: node }),
      isCodecError('UNSERIALIZABLE_RECORD', 'record.list.next.next', 'cyclic'),
    );
    const arr: unknown[] = [1];
    arr.push(arr);
    assert.throws(
      () => new BufferBuilder(1 << 20).tryWrite(arr),
      isCodecError('UNSERIALIZABLE_RECORD', 'record[1]', 'cyclic'),
    );
  });

  it('rejects nesting deeper than 512 levels', () => {
    let deep: unknown = 'bottom';
    for (let i = 0; i < 600; i++) deep = [deep];
    assert.throws(() => encodeRecord(deep), isCodecError('UNSERIALIZABLE_RECORD', 'nested deeper than 512 levels'));
    let ok: unknown = 'bottom';
    for (let i = 0; i < 500; i++) ok = { v: ok };
    assert.deepStrictEqual(decodeRecords(encodeRecord(ok)), [ok]);
  });

  it('carries record timestamps, watermarks and watermark statuses in order with the records', () => {
    const b = new BufferBuilder(1024);
    assert.ok(b.tryWriteTimestamped(['a', 1], 1000));
    assert.ok(b.tryWrite('plain'));
    assert.ok(b.tryWriteWatermark(999));
    assert.ok(b.tryWriteWatermarkStatus(true));
    assert.ok(b.tryWriteTimestamped({ k: 'b' }, -5.5));
    assert.ok(b.tryWriteWatermarkStatus(false));
    assert.ok(b.tryWriteWatermark(Number.POSITIVE_INFINITY));
    const r = new RecordReader(b.finish());
    const seen: unknown[] = [];
    while (r.hasNext()) {
      const v = r.next();
      seen.push(v === STREAM_EVENT ? [r.event, r.event === 'watermark' ? r.timestamp : null] : [v, r.timestamp]);
    }
    assert.deepStrictEqual(seen, [
      [['a', 1], 1000],
      ['plain', Number.NaN],
      ['watermark', 999],
      ['idle', null],
      [{ k: 'b' }, -5.5],
      ['active', null],
      ['watermark', Number.POSITIVE_INFINITY],
    ]);
    // decodeRecords gives only the records.
    const b2 = new BufferBuilder(64);
    b2.tryWriteTimestamped(1, 5);
    b2.tryWriteWatermark(5);
    b2.tryWrite(2);
    assert.deepStrictEqual(decodeRecords(b2.finish()), [1, 2]);
    // An oversize record keeps its timestamp.
    const big = 'x'.repeat(100_000);
    const rr = new RecordReader(encodeRecord(big, 42));
    assert.equal(rr.next(), big);
    assert.equal(rr.timestamp, 42);
  });

  it('leaves the buffer unchanged when a timestamped record or a watermark does not fit', () => {
    const b = new BufferBuilder(12);
    assert.ok(b.tryWriteTimestamped(1, 7)); // 10 bytes
    assert.equal(b.tryWriteTimestamped(2, 8), false);
    assert.equal(b.tryWriteWatermark(3), false);
    assert.equal(b.size, 10);
    assert.ok(b.tryWriteWatermarkStatus(true));
    assert.equal(b.size, 12);
  });

  it('rejects bytes it did not write', () => {
    const corrupt = isCodecError('CORRUPT_BUFFER');
    assert.throws(() => decodeRecords(new Uint8Array([0xd8])), corrupt);
    const long = encodeRecord({ text: 'a fairly long string of ASCII text', n: 1 });
    assert.throws(() => decodeRecords(long.subarray(0, long.byteLength - 3)), corrupt);
    assert.throws(() => decodeRecords(new Uint8Array([0xb3, 1])), corrupt); // a shape never defined
    const reader = new RecordReader(new Uint8Array([1, 0xd9, 2]));
    assert.equal(reader.next(), 1);
    assert.throws(() => reader.next(), corrupt);
    assert.equal(reader.hasNext(), false, 'a reader stops after corrupt data');
    assert.throws(() => decodeRecords(new Uint8Array(100_000).fill(0xa1)), corrupt); // nested past the stack
  });

  it('decodes a view into a larger buffer (as received from a network frame)', () => {
    const a = encodeRecord(['first']);
    const frame = new Uint8Array(a.byteLength + 10);
    frame.set(a, 5);
    assert.deepStrictEqual(decodeRecords(frame.subarray(5, 5 + a.byteLength)), [['first']]);
    assert.deepStrictEqual(decodeRecords(Buffer.from(frame.buffer, 5, a.byteLength)), [['first']]);
  });

  it('rejects a capacity that is not a positive integer', () => {
    assert.throws(() => new BufferBuilder(0), RangeError);
    assert.throws(() => new BufferBuilder(1.5), RangeError);
  });
});
