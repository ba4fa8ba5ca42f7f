import assert from 'node:assert/strict';
import {
  CodecError,
  assignToKeyGroup,
  computeDefaultMaxParallelism,
  decodeRecords,
  encodeRecord,
  hashKey,
  murmurHash,
  operatorIndexForKeyGroup,
} from '../../../src/runtime/codec/index.js';

/*
 * Expected values were computed once with Java 17 (`x.hashCode()`, and Flink's MathUtils.murmurHash % maxParallelism).
 * If one of these changes, keyed state in existing checkpoints and savepoints lands in the wrong key groups:
 * do not update them to make a test pass.
 */
const PINNED: ReadonlyArray<readonly [string, unknown, number, number, number]> = [
  // label, key, hashKey, key group at max parallelism 128, key group at 32768
  ['"hello"', 'hello', 99162322, 35, 31395],
  ['"word"', 'word', 3655434, 93, 25181],
  ['""', '', 0, 94, 31198],
  ['"Straße"', 'Straße', -1808122922, 57, 697],
  ['emoji', '\u{1F600}', 1772899, 54, 7350],
  ['17', 17, 17, 81, 15313],
  ['-5', -5, -5, 80, 12112],
  ['0', 0, 0, 94, 31198],
  ['2^40', 2 ** 40, 256, 54, 32054],
  ['-(2^40)-1', -(2 ** 40) - 1, 256, 54, 32054],
  ['2^31', 2 ** 31, -2147483648, 108, 10348],
  ['2^62 (bigint)', 2n ** 62n, 1073741824, 84, 11860],
  ['-2^63 (bigint)', -(2n ** 63n), -2147483648, 108, 10348],
  ['1.5', 1.5, 1073217536, 65, 833],
  ['0.1', 0.1, -1507852285, 97, 25953],
  ['1e300', 1e300, -164130400, 111, 2159],
  ['NaN', NaN, 2146959360, 41, 12713],
  ['true', true, 1231, 77, 11725],
  ['false', false, 1237, 3, 32003],
  ['Date(1000)', new Date(1000), 1000, 7, 135],
  ['Date(1.7e12)', new Date(1_700_000_000_000), -807048821, 64, 12736],
  ['["word", 17]', ['word', 17], 113319432, 25, 8089],
  ['[]', [], 1, 86, 16342],
];

describe('codec key hashing', () => {
  describe('hashKey is stable (equal to Java hashCode where Java has one)', () => {
    for (const [label, key, hash, kg128, kg32768] of PINNED) {
      it(`${label} -> ${hash}, key group ${kg128}/128, ${kg32768}/32768`, () => {
        assert.equal(hashKey(key), hash);
        assert.equal(assignToKeyGroup(key, 128), kg128);
        assert.equal(assignToKeyGroup(key, 32768), kg32768);
      });
    }

    it('pins plain-object and nested composite keys', () => {
      // Computed once with this implementation; objects have no Java counterpart.
      assert.equal(hashKey({ a: 1, b: 'x' }), hashKey({ b: 'x', a: 1 }));
      assert.equal(hashKey({ a: 1, b: 'x' }), -1678752384);
      assert.equal(hashKey([{ user: 'u1' }, [1, 2n], null]), -1825280552);
    });

    it('matches Flink MathUtils.murmurHash', () => {
      assert.equal(murmurHash(0), 593689054);
      assert.equal(murmurHash(1), 68075478);
      assert.equal(murmurHash(-1), 1982413648);
    });
  });

  describe('equal keys hash equal', () => {
    const pairs: ReadonlyArray<readonly [string, unknown, unknown]> = [
      ['-0 and 0', -0, 0],
      ['number and bigint (int32)', 5, 5n],
      ['negative number and bigint', -5, -5n],
      ['number and bigint (int64)', 2 ** 52 + 3, 2n ** 52n + 3n],
      ['number and bigint (beyond int64)', 2 ** 70, 2n ** 70n],
      ['integer-valued double and int', 17.0, 17],
      ['copies of a string', 'abc', ['a', 'b', 'c'].join('')],
      ['object key orders', { x: 1, y: [1, 2] }, { y: [1, 2], x: 1 }],
      ['class instance and plain object', new (class P { x = 1; y = 'a'; })(), { x: 1, y: 'a' }],
      ['Buffer and Uint8Array', Buffer.from([1, 2, 255]), new Uint8Array([1, 2, 255])],
      ['equal dates', new Date(12345), new Date(12345)],
      ['null and undefined', null, undefined],
    ];
    for (const [label, a, b] of pairs) {
      it(label, () => assert.equal(hashKey(a), hashKey(b)));
    }

    it('a key hashes the same after travelling through the codec', () => {
      const keys: unknown[] = [
        'k', 42, -0, 1.25, 10n ** 30n, true, null, new Date(99), ['a', 1, [2]], { id: 7, n: 'x' },
        new Uint8Array([9, 8]), 'emoji \u{1F600}',
      ];
      const [decoded] = decodeRecords(encodeRecord(keys)) as [unknown[]];
      keys.forEach((k, i) => assert.equal(hashKey(decoded[i]), hashKey(k), `key #${i}`));
    });
  });

  it('distinct keys spread over every subtask (1000 strings, parallelism 4, max parallelism 128)', () => {
    const perSubtask = [0, 0, 0, 0];
    for (let i = 0; i < 1000; i++) {
      const keyGroup = assignToKeyGroup(`key-${i}`, 128);
      assert.ok(keyGroup >= 0 && keyGroup < 128);
      perSubtask[operatorIndexForKeyGroup(128, 4, keyGroup)]! += 1;
    }
    for (const n of perSubtask) assert.ok(n > 150, `uneven spread: ${perSubtask.join(', ')}`);
  });

  it('key groups are never negative', () => {
    for (let i = -5000; i < 5000; i += 7) {
      const kg = assignToKeyGroup(i * 104729, 100);
      assert.ok(kg >= 0 && kg < 100);
    }
  });

  it('rejects values that cannot be keys', () => {
    for (const bad of [() => 1, Symbol('s'), new Map(), new Set([1]), [1, { f: () => 2 }]]) {
      assert.throws(() => hashKey(bad), (err: unknown) => err instanceof CodecError && err.code === 'UNHASHABLE_KEY');
    }
  });

  it('computes operator indexes like KeyGroupRangeAssignment', () => {
    assert.equal(operatorIndexForKeyGroup(128, 4, 0), 0);
    assert.equal(operatorIndexForKeyGroup(128, 4, 31), 0);
    assert.equal(operatorIndexForKeyGroup(128, 4, 32), 1);
    assert.equal(operatorIndexForKeyGroup(128, 4, 127), 3);
    assert.equal(operatorIndexForKeyGroup(128, 3, 43), 1);
    assert.equal(operatorIndexForKeyGroup(32768, 32768, 32767), 32767);
  });

  it('computes the default max parallelism like Flink', () => {
    assert.equal(computeDefaultMaxParallelism(1), 128);
    assert.equal(computeDefaultMaxParallelism(85), 128);
    assert.equal(computeDefaultMaxParallelism(86), 256);
    assert.equal(computeDefaultMaxParallelism(100), 256);
    assert.equal(computeDefaultMaxParallelism(1000), 2048);
    assert.equal(computeDefaultMaxParallelism(30000), 32768);
    assert.throws(() => computeDefaultMaxParallelism(0), RangeError);
  });
});
