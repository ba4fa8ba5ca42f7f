import assert from 'node:assert/strict';
import { formatRecord } from '../../../src/api/index.js';
import { formatCsvRow } from '../../../src/api/format.js';

describe('formatRecord (print, writeAsText)', () => {
  it('prints arrays as Flink tuples, nested too', () => {
    assert.equal(formatRecord(['a', 1]), '(a,1)');
    assert.equal(formatRecord(['a', [1, 2], []]), '(a,(1,2),())');
    assert.equal(formatRecord([null, true, 1.5]), '(null,true,1.5)');
  });

  it('prints strings as they are and other scalars with String()', () => {
    assert.equal(formatRecord('hello world'), 'hello world');
    assert.equal(formatRecord(''), '');
    assert.equal(formatRecord(42), '42');
    assert.equal(formatRecord(-0.5), '-0.5');
    assert.equal(formatRecord(10n), '10');
    assert.equal(formatRecord(false), 'false');
    assert.equal(formatRecord(null), 'null');
    assert.equal(formatRecord(undefined), 'undefined');
  });

  it('prints plain objects as JSON (bigints as digits), and uses an own toString()', () => {
    assert.equal(formatRecord({ word: 'a', count: 2 }), '{"word":"a","count":2}');
    assert.equal(formatRecord({ n: 5n }), '{"n":"5"}');
    class Point {
      constructor(readonly x: number, readonly y: number) {}
      toString(): string {
        return `Point(${this.x}, ${this.y})`;
      }
    }
    assert.equal(formatRecord(new Point(1, 2)), 'Point(1, 2)');
    assert.equal(formatRecord([new Point(0, 0), 'p']), '(Point(0, 0),p)');
  });

  it('prints dates, maps and sets readably', () => {
    assert.equal(formatRecord(new Date(Date.UTC(2020, 0, 2, 3, 4, 5))), '2020-01-02T03:04:05.000Z');
    assert.equal(formatRecord(new Map<unknown, unknown>([['a', 1], ['b', [2, 3]]])), '{a=1, b=(2,3)}');
    assert.equal(formatRecord(new Set([1, 'x'])), '[1, x]');
  });

  it('survives circular objects', () => {
    const o: Record<string, unknown> = { a: 1 };
    o.self = o;
    assert.equal(formatRecord(o), '[object Object]');
  });

  it('formats CSV rows field by field', () => {
    assert.equal(formatCsvRow(['a', 1, [2, 3]], ','), 'a,1,(2,3)');
    assert.equal(formatCsvRow({ w: 'x', n: 2 }, '|'), 'x|2');
    assert.equal(formatCsvRow('solo', ','), 'solo');
  });
});
