/**
 * Replayable sources: a source snapshotted while it runs (from outside run(), as a checkpoint's message handler
 * does between its await points), then restored into a fresh operator, emits exactly what an uninterrupted run
 * emits after the records it had emitted at the snapshot — also when restored at another parallelism.
 */
import assert from 'node:assert/strict';
import { appendFile, mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TransformationInit } from '../../../src/api/transformation.js';
import { LocalFileSystem } from '../../../src/fs/index.js';
import { decodeRecords, encodeRecord } from '../../../src/runtime/codec/index.js';
import { OPERATORS, type OperatorFactory } from '../../../src/runtime/operators/index.js';
import { readSplitLines } from '../../../src/runtime/operators/sources.js';
import type { SplitPosition } from '../../../src/runtime/operators/source-positions.js';
import { splitEvenly } from '../../../src/runtime/state/index.js';
import { TestingOperatorContext, type TestingContextOptions } from './testing-operator-context.js';
import { waitFor } from '../../support/processes.js';

const op = (name: string): OperatorFactory => {
  const f = OPERATORS[name];
  assert.ok(f, `operator ${name} is registered`);
  return f;
};

interface SourceCase {
  factory: OperatorFactory;
  init: Partial<TransformationInit>;
}

/** What the runtime does with snapshot items: encodes them at once and decodes them on restore. */
const throughCodec = (items: unknown[]): unknown[] => decodeRecords(encodeRecord(items))[0] as unknown[];

const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

/** Runs a source (fresh, or restored from `restored`) to its end and returns what it emitted. */
async function runToEnd(c: SourceCase, restored: unknown[] | undefined, o: TestingContextOptions = {}): Promise<unknown[]> {
  const h = new TestingOperatorContext(c.init, o);
  const source = c.factory(h.ctx);
  await source.initializeState?.(restored);
  await source.open?.();
  await source.run?.();
  await source.close?.();
  return h.output;
}

/**
 * Runs a source until it emitted at least `after` records, snapshots it, lets it run on a little (what a failure
 * would lose), then cancels it. Returns the records emitted before the snapshot and the snapshot's items.
 */
async function runAndFail(c: SourceCase, restored: unknown[] | undefined, after: number, o: TestingContextOptions = {}): Promise<{ emitted: unknown[]; items: unknown[] }> {
  const h = new TestingOperatorContext(c.init, o);
  const source = c.factory(h.ctx);
  assert.ok(source.snapshotState, 'the source is replayable');
  await source.initializeState?.(restored);
  await source.open?.();
  let ended = false;
  const running = (source.run as () => Promise<void>)().finally(() => (ended = true));
  while (h.output.length < after && !ended) await turn();
  const items = throughCodec(source.snapshotState(7, Date.now()));
  const emitted = h.output.slice();
  for (let i = 0; i < 3; i++) await turn();
  h.cancelled = true;
  await running;
  await source.close?.();
  return { emitted, items };
}

/** Fails and restores the source once at each of `points` (records emitted so far), then runs it to its end. */
async function replayedOutput(c: SourceCase, points: number[], o: TestingContextOptions = {}): Promise<unknown[]> {
  const out: unknown[] = [];
  let items: unknown[] | undefined;
  for (const p of points) {
    const r = await runAndFail(c, items, p - out.length, o);
    out.push(...r.emitted);
    items = r.items;
  }
  out.push(...(await runToEnd(c, items, o)));
  return out;
}

/**
 * Runs `from` subtasks, each failing after about `after` records, restores their items (in subtask order, split
 * as operator state is split) into `to` subtasks and runs those to the end; returns everything emitted before the
 * snapshots and after the restore.
 */
async function rescaledOutput(c: SourceCase, from: number, to: number, after: number): Promise<unknown[]> {
  const out: unknown[] = [];
  const items: unknown[] = [];
  for (let s = 0; s < from; s++) {
    const r = await runAndFail(c, undefined, after, { subtask: s, parallelism: from });
    out.push(...r.emitted);
    items.push(...r.items);
  }
  for (let s = 0; s < to; s++) out.push(...(await runToEnd(c, splitEvenly(items, to, s), { subtask: s, parallelism: to })));
  return out;
}

async function fullOutput(c: SourceCase, parallelism: number): Promise<unknown[]> {
  const out: unknown[] = [];
  for (let s = 0; s < parallelism; s++) out.push(...(await runToEnd(c, undefined, { subtask: s, parallelism })));
  return out;
}

const sorted = (xs: unknown[]): string[] => xs.map((x) => JSON.stringify(x)).sort();

/** Asserts that `actual` holds every record of `expected` exactly once (no loss, no duplicate). */
function assertSameRecords(actual: unknown[], expected: unknown[], what: string): void {
  assert.equal(actual.length, expected.length, `${what}: ${actual.length} records, expected ${expected.length}`);
  assert.deepEqual(sorted(actual), sorted(expected), what);
}

describe('replayable sources', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ut-replay-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  describe('data generator', () => {
    const gen: SourceCase = { factory: op('source:data-generator'), init: { fns: [(i: number) => `r${i}`], params: { count: 20_000, recordsPerSecond: null } } };

    it('resumes after the last record it had emitted, at every point and after several failures', async () => {
      const expected = await runToEnd(gen, undefined);
      assert.equal(expected.length, 20_000);
      for (const points of [[1], [3000], [19_999], [500, 4000, 4001, 15_000]]) {
        assert.deepEqual(await replayedOutput(gen, points), expected, `failures at ${points.join(', ')}`);
      }
    });

    it('resumes each parallel share by itself at the same parallelism', async () => {
      for (let s = 0; s < 3; s++) {
        const o = { subtask: s, parallelism: 3 };
        assert.deepEqual(await replayedOutput(gen, [2000, 5000], o), await runToEnd(gen, undefined, o), `subtask ${s}`);
      }
    });

    it('rescales 2 → 3 and 3 → 1 without losing or repeating a record', async () => {
      const all = await fullOutput(gen, 1);
      assertSameRecords(await rescaledOutput(gen, 2, 3, 3000), all, '2 → 3');
      assertSameRecords(await rescaledOutput(gen, 3, 1, 2500), all, '3 → 1');
    });

    it('keeps its rate limit after a restore', async () => {
      const limited: SourceCase = { factory: op('source:data-generator'), init: { fns: [(i: number) => i], params: { count: 30, recordsPerSecond: 300 } } };
      const expected = Array.from({ length: 30 }, (_, i) => i);
      assert.deepEqual(await replayedOutput(limited, [10]), expected);
      const h = new TestingOperatorContext(limited.init, {});
      const source = limited.factory(h.ctx);
      await source.initializeState?.([{ start: 0, end: 30, next: 25 }]);
      await source.run?.();
      assert.deepEqual(h.output, [25, 26, 27, 28, 29]);
    });

    it('an unbounded generator snapshots its position and goes on from it', async () => {
      const unbounded: SourceCase = { factory: op('source:data-generator'), init: { fns: [(i: number) => i], params: { count: Number.MAX_SAFE_INTEGER, recordsPerSecond: null } } };
      const first = await runAndFail(unbounded, undefined, 5000);
      assert.deepEqual(first.items, [{ start: 0, end: Number.MAX_SAFE_INTEGER, next: first.emitted.length }]);
      const h = new TestingOperatorContext(unbounded.init, {});
      const source = unbounded.factory(h.ctx);
      await source.initializeState?.(first.items);
      const running = source.run?.();
      await waitFor('records after the restore', 10_000, () => (h.output.length > 100 ? true : undefined), 5);
      h.cancelled = true;
      await running;
      assert.equal(h.output[0], first.emitted.length, 'the first record after the restore follows the last one before it');
    });

    it('a restore with state of another kind says so', async () => {
      const h = new TestingOperatorContext(gen.init, {});
      const source = gen.factory(h.ctx);
      assert.throws(() => source.initializeState?.([{ path: '/x', start: 0, end: 1, offset: 0 }]), (e: unknown) => (e as { code?: string }).code === 'SOURCE_STATE_MISMATCH');
    });
  });

  describe('fromElements / fromCollection and generateSequence', () => {
    it('the collection source resumes after the last element it had emitted', async () => {
      const elements = Array.from({ length: 5000 }, (_, i) => ({ n: i }));
      const c: SourceCase = { factory: op('source:collection'), init: { fns: [elements], params: { count: elements.length } } };
      for (const points of [[1], [2048], [1000, 3000, 4999]]) assert.deepEqual(await replayedOutput(c, points), elements, `failures at ${points.join(', ')}`);
    });

    it('the sequence source resumes, also with negative numbers, and rescales', async () => {
      const c: SourceCase = { factory: op('source:sequence'), init: { params: { from: -2000, to: 7999 } } };
      const expected = Array.from({ length: 10_000 }, (_, i) => i - 2000);
      assert.deepEqual(await replayedOutput(c, [1, 5000, 9000]), expected);
      assertSameRecords(await rescaledOutput(c, 2, 3, 2000), expected, '2 → 3');
      assertSameRecords(await rescaledOutput(c, 3, 1, 1500), expected, '3 → 1');
    });
  });

  describe('text and CSV files', () => {
    let textPath: string;
    let textDir: string;
    let lines: string[];
    before(async () => {
      lines = Array.from({ length: 6000 }, (_, i) => `line ${i} ${'·€'.repeat(i % 11)}${i % 97 === 0 ? '\r' : ''}`);
      textPath = join(dir, 'lines.txt');
      await writeFile(textPath, `${lines.join('\n')}\n`);
      textDir = join(dir, 'text-dir');
      await mkdir(textDir);
      await writeFile(join(textDir, 'a.txt'), `${lines.slice(0, 2500).join('\n')}\n`);
      await writeFile(join(textDir, 'b.txt'), lines.slice(2500).join('\n'));
    });

    it('a split read resumes at the offset after any line, also in splits that start or end mid-line', async () => {
      const content = 'alpha\r\nbeta\n\ngamma delta\nε ζ η\nlast';
      const path = join(dir, 'small.txt');
      await writeFile(path, content);
      const length = Buffer.byteLength(content);
      const fs = new LocalFileSystem();
      const h = new TestingOperatorContext({}, {});
      for (const [start, end] of [[0, length], [0, 9], [3, 20], [9, length], [20, length]] as const) {
        const whole: string[] = [];
        await readSplitLines(fs, { path, start, end }, 'utf8', (l) => void whole.push(l), h.ctx);
        for (let k = 0; k <= whole.length; k++) {
          // Stop after k lines: the offset then is where line k+1 starts.
          const pos: SplitPosition = { path, start, end, offset: start };
          const before: string[] = [];
          let at: number | undefined;
          await readSplitLines(fs, pos, 'utf8', (l) => {
            if (before.length === k && at === undefined) at = pos.offset;
            before.push(l);
          }, h.ctx);
          const resumeAt = at ?? pos.offset;
          assert.ok(pos.offset >= end, 'a split read to its end is marked done');
          const rest: string[] = [];
          await readSplitLines(fs, { path, start, end, offset: resumeAt }, 'utf8', (l) => void rest.push(l), h.ctx);
          assert.deepEqual([...whole.slice(0, k), ...rest], whole, `split [${start}, ${end}) resumed after ${k} line(s)`);
        }
      }
    });

    for (const where of ['a file', 'a directory'] as const) {
      it(`readTextFile on ${where} resumes after the last line it had emitted`, async () => {
        const c: SourceCase = { factory: op('source:text-file'), init: { params: { path: where === 'a file' ? textPath : textDir, charset: 'UTF-8' } } };
        const expected = await runToEnd(c, undefined);
        assert.equal(expected.length, 6000);
        for (const points of [[1], [255], [256], [2500], [5999], [100, 2600, 2601, 5000]]) {
          assert.deepEqual(await replayedOutput(c, points), expected, `failures at ${points.join(', ')}`);
        }
        for (let s = 0; s < 3; s++) {
          const o = { subtask: s, parallelism: 3 };
          assert.deepEqual(await replayedOutput(c, [300, 900], o), await runToEnd(c, undefined, o), `subtask ${s} of 3`);
        }
      });
    }

    it('readTextFile rescales 2 → 3 and 3 → 1 without losing or repeating a line', async () => {
      const c: SourceCase = { factory: op('source:text-file'), init: { params: { path: textDir, charset: 'UTF-8' } } };
      const expected = lines.map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
      assertSameRecords(await fullOutput(c, 1), expected, 'uninterrupted');
      assertSameRecords(await rescaledOutput(c, 2, 3, 700), expected, '2 → 3');
      assertSameRecords(await rescaledOutput(c, 3, 1, 500), expected, '3 → 1');
    });

    it('readCsvFile resumes without repeating its header rule, for numeric and text rows, and rescales', async () => {
      const rows = Array.from({ length: 4000 }, (_, i) => [i, i * 3]);
      const numericPath = join(dir, 'numbers.csv');
      await writeFile(numericPath, `a,b\n${rows.map((r) => r.join(',')).join('\n')}\n`);
      const textRows = Array.from({ length: 3000 }, (_, i) => [`n${i}`, i]);
      const textPath2 = join(dir, 'names.csv');
      await writeFile(textPath2, `name,n\n${textRows.map((r) => `"${String(r[0])}",${String(r[1])}`).join('\n')}\n# the end\n`);
      const params = (path: string, types: string[]): TransformationInit['params'] => ({
        path,
        fieldDelimiter: ',',
        lineDelimiter: '\n',
        ignoreFirstLine: true,
        ignoreComments: '#',
        quoteCharacter: '"',
        types,
        includeFields: null,
      });
      for (const [path, types, expected] of [
        [numericPath, ['int', 'int'], rows],
        [textPath2, ['string', 'int'], textRows],
      ] as const) {
        const c: SourceCase = { factory: op('source:csv-file'), init: { params: params(path, [...types]) } };
        assert.deepEqual(await runToEnd(c, undefined), expected);
        assert.deepEqual(await replayedOutput(c, [1, 256, 2000]), expected, `${path}: failures`);
        assertSameRecords(await rescaledOutput(c, 2, 3, 600), [...expected], `${path}: 2 → 3`);
        assertSameRecords(await rescaledOutput(c, 3, 1, 400), [...expected], `${path}: 3 → 1`);
      }
    });

    it('a snapshot before the splits are known is declined, not empty', async () => {
      const h = new TestingOperatorContext({ params: { path: textPath, charset: 'UTF-8' } }, {});
      const source = op('source:text-file')(h.ctx);
      assert.throws(() => source.snapshotState?.(1, 0), (e: unknown) => (e as { code?: string }).code === 'SOURCE_NOT_INITIALIZED');
      await source.initializeState?.(undefined);
      assert.deepEqual(source.snapshotState?.(1, 0), [{ path: textPath, start: 0, end: (await new LocalFileSystem().stat(textPath))?.length, offset: 0 }]);
    });
  });

  describe('readFile (file monitoring)', () => {
    let watched: string;
    let expected: string[];
    beforeEach(async () => {
      watched = await mkdtemp(join(dir, 'watched-'));
      expected = [];
      for (let f = 0; f < 6; f++) {
        const fileLines = Array.from({ length: 700 + f * 100 }, (_, i) => `f${f} line ${i}`);
        await writeFile(join(watched, `file-${f}.txt`), `${fileLines.join('\n')}\n`);
        // Distinct modification times: the listing (and so the reading order) is oldest first.
        await utimes(join(watched, `file-${f}.txt`), new Date(1_000_000 + f * 1000), new Date(1_000_000 + f * 1000));
        expected.push(...fileLines);
      }
    });

    const once = (path: string): SourceCase => ({ factory: op('source:file-monitor'), init: { params: { path, charset: 'UTF-8', continuous: false, interval: -1 } } });

    it('PROCESS_ONCE resumes in the file it was reading, and does not read finished files again', async () => {
      const c = once(watched);
      assert.deepEqual(await runToEnd(c, undefined), expected);
      for (const points of [[1], [700], [701], [3000], [expected.length - 1], [10, 1500, 1501, 5000]]) {
        assert.deepEqual(await replayedOutput(c, points), expected, `failures at ${points.join(', ')}`);
      }
    });

    it('rescales 2 → 3 and 3 → 1: every file line exactly once', async () => {
      const c = once(watched);
      assertSameRecords(await fullOutput(c, 2), expected, 'uninterrupted at parallelism 2');
      assertSameRecords(await rescaledOutput(c, 2, 3, 800), expected, '2 → 3');
      assertSameRecords(await rescaledOutput(c, 3, 1, 600), expected, '3 → 1');
    });

    it('snapshots one item per file group with the files taken and the file being read', async () => {
      const r = await runAndFail(once(watched), undefined, 1000);
      assert.equal(r.items.length, 128, 'one item per group of the max parallelism');
      const states = r.items as Array<{ group: number; groups: number; files: Array<[string, number]>; reading: Array<{ path: string; offset: number; end: number }> }>;
      assert.deepEqual(states.map((s) => s.group), Array.from({ length: 128 }, (_, g) => g));
      const reading = states.flatMap((s) => s.reading);
      const taken = states.flatMap((s) => s.files.map((f) => f[0]));
      assert.equal(new Set([...reading.map((f) => f.path), ...taken]).size, reading.length + taken.length, 'a file is either taken or queued, once');
      assert.ok(reading.some((f) => f.offset > 0 && f.offset < f.end), 'the file being read has its offset');
    });

    it('PROCESS_CONTINUOUSLY after a restore reads new and changed files once, and files it had finished never again', async () => {
      const c: SourceCase = { factory: op('source:file-monitor'), init: { params: { path: watched, charset: 'UTF-8', continuous: true, interval: 20 } } };
      const first = await runAndFail(c, undefined, 2000);
      // While the job is down: a new file appears and a finished file is rewritten.
      await writeFile(join(watched, 'file-new.txt'), 'new 1\nnew 2\n');
      await appendFile(join(watched, 'file-0.txt'), 'f0 appended\n');
      await utimes(join(watched, 'file-0.txt'), new Date(2_000_000), new Date(2_000_000));
      const h = new TestingOperatorContext(c.init, {});
      const source = c.factory(h.ctx);
      await source.initializeState?.(first.items);
      const running = source.run?.();
      const file0 = expected.filter((l) => l.startsWith('f0 '));
      const want = [...expected, 'new 1', 'new 2', ...file0, 'f0 appended'];
      await waitFor('every line after the restore', 20_000, () => (first.emitted.length + h.output.length >= want.length ? true : undefined), 10);
      // A file written last goes through the same listing as any repetition would: once it is read, nothing else can come.
      await writeFile(join(watched, 'sentinel.txt'), 'sentinel\n');
      await waitFor('the sentinel file', 20_000, () => (h.output.includes('sentinel') ? true : undefined), 10);
      h.cancelled = true;
      await running;
      await source.close?.();
      assertSameRecords([...first.emitted, ...h.output], [...want, 'sentinel'], 'continuous replay');
    });

    it('a restored subtask that holds no file group reads nothing', async () => {
      const out = await runToEnd(once(watched), [], { subtask: 0, parallelism: 1 });
      assert.deepEqual(out, []);
    });
  });
});
