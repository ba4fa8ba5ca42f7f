import assert from 'node:assert/strict';
import { CsvParseError, numericRowParser, parseCsvLine, splitCsv, type CsvOptions } from '../../../src/runtime/operators/csv.js';

const base: CsvOptions = { fieldDelimiter: ',', lineDelimiter: '\n', ignoreFirstLine: false, ignoreComments: null, quoteCharacter: null, types: null, includeFields: null };
const where = (): string => 'in.csv (line 1)';

describe('CSV parsing (readCsvFile)', () => {
  it('splits on the delimiter and keeps empty fields', () => {
    assert.deepEqual(splitCsv('a,b,c', ',', null), ['a', 'b', 'c']);
    assert.deepEqual(splitCsv('a,,b,', ',', null), ['a', '', 'b', '']);
    assert.deepEqual(splitCsv('', ',', null), ['']);
    assert.deepEqual(splitCsv('a|b', '|', '"'), ['a', 'b']);
  });

  it('without a quote character, quotes are ordinary characters', () => {
    assert.deepEqual(splitCsv('"a,b",c', ',', null), ['"a', 'b"', 'c']);
  });

  it('with a quote character, quoted fields may hold delimiters and doubled quotes', () => {
    assert.deepEqual(splitCsv('"a,b",c', ',', '"'), ['a,b', 'c']);
    assert.deepEqual(splitCsv('"say ""hi""",x', ',', '"'), ['say "hi"', 'x']);
    assert.deepEqual(splitCsv('x,"",y', ',', '"'), ['x', '', 'y']);
    assert.deepEqual(splitCsv("'a;b';c", ';', "'"), ['a;b', 'c']);
  });

  it('a quote inside an unquoted field stays part of it', () => {
    assert.deepEqual(splitCsv('ab"c,d', ',', '"'), ['ab"c', 'd']);
  });

  it('supports multi-character delimiters', () => {
    assert.deepEqual(splitCsv('a||b||"c||d"', '||', '"'), ['a', 'b', 'c||d']);
    assert.deepEqual(splitCsv('a||b', '||', null), ['a', 'b']);
  });

  it('converts fields to the declared types', () => {
    const o = { ...base, types: ['string', 'int', 'number', 'boolean', 'boolean'] as CsvOptions['types'] };
    assert.deepEqual(parseCsvLine('x, 42 ,3.5,true,0', o, where), ['x', 42, 3.5, true, false]);
    assert.deepEqual(parseCsvLine('y,-7,-1e3,FALSE,1', o, where), ['y', -7, -1000, false, true]);
  });

  it('keeps strings without types, and only the included fields when asked', () => {
    assert.deepEqual(parseCsvLine('1,2,3', base, where), ['1', '2', '3']);
    assert.deepEqual(parseCsvLine('1,2,3,4', { ...base, includeFields: [0, 2] }, where), ['1', '3']);
    assert.deepEqual(parseCsvLine('a,2,b,4', { ...base, includeFields: [1, 3], types: ['int', 'int'] }, where), [2, 4]);
  });

  it('reports bad fields with the place and the value', () => {
    const bad = (line: string, types: NonNullable<CsvOptions['types']>, re: RegExp): void => {
      assert.throws(() => parseCsvLine(line, { ...base, types }, where), (e: unknown) => e instanceof CsvParseError && e.code === 'CSV_PARSE' && re.test(e.message));
    };
    bad('4.5', ['int'], /Field 0 in in\.csv \(line 1\) is not an integer: '4\.5'/);
    bad('x,abc', ['string', 'number'], /Field 1 in in\.csv \(line 1\) is not a number: 'abc'/);
    bad(' ', ['number'], /is not a number/);
    bad('yes', ['boolean'], /is not a boolean: 'yes'/);
    bad('a,b', ['string', 'string', 'string'], /has 2 fields but 3 types were declared: 'a,b'/);
    bad('a', ['date' as 'string'], /Unknown CSV field type 'date'/);
  });
});

describe('numericRowParser (rows of integers read from bytes)', () => {
  const opts = { fieldDelimiter: ' ', lineDelimiter: '\n', ignoreFirstLine: false, ignoreComments: null, quoteCharacter: null, types: ['number', 'number'] as Array<'number'>, includeFields: null };
  const parse = numericRowParser(opts) as (d: Uint8Array, f: number, t: number) => unknown[] | undefined;
  const bytes = (s: string): [Buffer, number, number] => [Buffer.from(s), 0, Buffer.byteLength(s)];

  it('gives what the text parser gives for plain integers, and leaves every other line to it', () => {
    for (const line of ['1 2', '-5 +7', '12345678901234 3', '-0 1', '1 2 3']) {
      const fast = parse(...bytes(line));
      assert.ok(fast, line);
      const slow = parseCsvLine(line, opts, () => 'x');
      assert.equal(fast.length, slow.length);
      fast.forEach((v, i) => assert.ok(Object.is(v, slow[i]), `${line}: ${String(v)} vs ${String(slow[i])}`));
    }
    for (const line of ['1.5 2', '1', ' 1 2', '1  2', '1234567890123456 1', '1 2x', '1e3 2']) assert.equal(parse(...bytes(line)), undefined, line);
  });

  it('is only offered for numeric rows with a one-byte delimiter and no field selection', () => {
    assert.equal(numericRowParser({ ...opts, types: ['number', 'string'] }), undefined);
    assert.equal(numericRowParser({ ...opts, types: null }), undefined);
    assert.equal(numericRowParser({ ...opts, fieldDelimiter: '||' }), undefined);
    assert.equal(numericRowParser({ ...opts, includeFields: [1] }), undefined);
    assert.equal(numericRowParser({ ...opts, ignoreComments: '#' }), undefined);
  });
});
