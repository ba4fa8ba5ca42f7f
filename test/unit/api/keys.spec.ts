import assert from 'node:assert/strict';
import { fieldExtractor, fieldUpdater, toKeyExtractor } from '../../../src/api/keys.js';
import { UsageError } from '../../../src/util/errors.js';

describe('key extraction (toKeyExtractor)', () => {
  it('reads a tuple position', () => {
    assert.equal(toKeyExtractor(1)(['a', 'b', 'c']), 'b');
    assert.equal(toKeyExtractor(0)([0, 1]), 0);
  });

  it('reads a field name and a dotted path', () => {
    assert.equal(toKeyExtractor('user')({ user: 'ann', n: 1 }), 'ann');
    assert.equal(toKeyExtractor('a.b.c')({ a: { b: { c: 7 } } }), 7);
  });

  it('makes composite keys from several fields, and a one-element list is the field itself', () => {
    assert.deepEqual(toKeyExtractor([0, 2])(['x', 'y', 'z']), ['x', 'z']);
    assert.deepEqual(toKeyExtractor(['a', 'b'])({ a: 1, b: 2, c: 3 }), [1, 2]);
    assert.equal(toKeyExtractor([1])([5, 6]), 6);
  });

  it('uses key selector functions and objects with getKey()', () => {
    assert.equal(toKeyExtractor((r: never) => (r as string).length)('four'), 4);
    const selector = { prefix: 'k:', getKey(r: string) { return this.prefix + r; } };
    assert.equal(toKeyExtractor(selector as never)('x'), 'k:x');
  });

  it("'*' is the whole record", () => {
    const r = { a: 1 };
    assert.equal(toKeyExtractor('*')(r), r);
  });

  it('explains a key that does not fit the record', () => {
    assert.throws(() => toKeyExtractor(0)({ a: 1 }), (e: unknown) => e instanceof UsageError && e.message === 'Key position 0 needs array (tuple) records, got an object.');
    assert.throws(() => toKeyExtractor('a')('text'), (e: unknown) => e instanceof UsageError && e.message === "Key field 'a' needs object records, got a string (text).");
    assert.throws(() => toKeyExtractor('a.b')({ a: 3 }), (e: unknown) => e instanceof UsageError && /Key field 'a\.b' not found/.test(e.message));
    assert.throws(() => toKeyExtractor(0)(null), (e: unknown) => e instanceof UsageError && /got null/.test(e.message));
  });

  it('rejects invalid positions and selector objects without getKey', () => {
    assert.throws(() => toKeyExtractor(-1), (e: unknown) => e instanceof UsageError && /Invalid tuple position -1: use an integer >= 0\./.test(e.message));
    assert.throws(() => fieldExtractor(1.5), UsageError);
    assert.throws(() => toKeyExtractor({} as never), (e: unknown) => e instanceof UsageError && /getKey\(value\) method/.test(e.message));
  });

  it('fieldUpdater returns a changed copy and leaves the record alone', () => {
    const t = ['a', 1];
    assert.deepEqual(fieldUpdater(1)(t, 5), ['a', 5]);
    assert.deepEqual(t, ['a', 1]);
    const o = { a: 1, b: 2 };
    assert.deepEqual(fieldUpdater('b')(o, 3), { a: 1, b: 3 });
    assert.deepEqual(o, { a: 1, b: 2 });
  });
});
