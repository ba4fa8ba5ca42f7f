import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { LocalFileSystem, type FileStatus, type FileSystem, type FileWriter, type WriteMode } from '../../../src/fs/index.js';
import { computeSplits, OPERATORS, readSplitLines } from '../../../src/runtime/operators/index.js';
import { TestingOperatorContext, runSource } from './testing-operator-context.js';

/** A file system that hands out file contents in chunks of a fixed size, to hit every chunk boundary. */
class TestingChunkedFileSystem implements FileSystem {
  readonly scheme = 'file';
  private readonly inner = new LocalFileSystem();
  constructor(private readonly chunk: number) {}
  async *open(path: string, range?: { start: number; end?: number }): AsyncIterable<Uint8Array> {
    for await (const c of this.inner.open(path, range)) {
      for (let i = 0; i < c.byteLength; i += this.chunk) yield c.subarray(i, Math.min(c.byteLength, i + this.chunk));
    }
  }
  create(path: string, mode: WriteMode): Promise<FileWriter> {
    return this.inner.create(path, mode);
  }
  mkdirs(path: string): Promise<void> {
    return this.inner.mkdirs(path);
  }
  list(path: string): Promise<FileStatus[]> {
    return this.inner.list(path);
  }
  stat(path: string): Promise<FileStatus | undefined> {
    return this.inner.stat(path);
  }
  exists(path: string): Promise<boolean> {
    return this.inner.exists(path);
  }
  delete(path: string, recursive: boolean): Promise<boolean> {
    return this.inner.delete(path, recursive);
  }
  rename(from: string, to: string): Promise<void> {
    return this.inner.rename(from, to);
  }
}

/** Lines as Flink's TextInputFormat gives them: split at \n, a trailing \r dropped, no line after a final \n. */
function expectedLines(content: string): string[] {
  if (content.length === 0) return [];
  const lines = content.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines.map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
}

const CONTENTS: Record<string, string> = {
  'plain': 'alpha\nbeta\ngamma\n',
  'no trailing newline': 'alpha\nbeta\ngamma',
  'CRLF': 'one\r\ntwo\r\n\r\nthree\r\n',
  'CRLF, last line without newline': 'one\r\ntwo\r',
  'empty lines': '\n\na\n\n\nb\n\n',
  'only a newline': '\n',
  'single char': 'x',
  'multi-byte UTF-8': 'größe\n€uro\n日本語のテキスト\n😀 emoji\nñ',
  'long lines': `${'z'.repeat(90)}\nshort\n${'y'.repeat(41)}`,
};

describe('reading text files in splits', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ut-text-splits-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function readWithSplitSize(fs: FileSystem, path: string, length: number, size: number): Promise<string[]> {
    const h = new TestingOperatorContext({});
    const lines: string[] = [];
    for (let start = 0; start < length; start += size) {
      await readSplitLines(fs, { path, start, end: Math.min(length, start + size) }, 'utf8', (l) => void lines.push(l), h.ctx);
    }
    return lines;
  }

  for (const [name, content] of Object.entries(CONTENTS)) {
    it(`reads every line exactly once for every split size: ${name}`, async () => {
      const path = join(dir, `${name.replace(/\W+/g, '-')}.txt`);
      await writeFile(path, content);
      const length = Buffer.byteLength(content);
      const expected = expectedLines(content);
      for (const fs of [new LocalFileSystem(), new TestingChunkedFileSystem(1), new TestingChunkedFileSystem(3)]) {
        for (let size = 1; size <= length; size++) {
          assert.deepEqual(await readWithSplitSize(fs, path, length, size), expected, `split size ${size}, chunked ${fs instanceof TestingChunkedFileSystem}`);
        }
      }
    });
  }

  it('marks only the first line of a file as first', async () => {
    const path = join(dir, 'first.txt');
    await writeFile(path, 'h1,h2\n1,2\n3,4\n');
    const h = new TestingOperatorContext({});
    const firsts: string[] = [];
    for (const [start, end] of [[0, 4], [4, 8], [8, 14]] as const) {
      await readSplitLines(new LocalFileSystem(), { path, start, end }, 'utf8', (l, first) => void (first && firsts.push(l)), h.ctx);
    }
    assert.deepEqual(firsts, ['h1,h2']);
  });

  it('computeSplits covers each file with contiguous ranges, about one per subtask', async () => {
    const path = join(dir, 'splits.txt');
    await writeFile(path, 'x'.repeat(1000));
    for (const p of [1, 2, 3, 7, 1000, 2000]) {
      const splits = await computeSplits(new LocalFileSystem(), path, p);
      assert.ok(splits.length <= Math.min(p, 1000) + 1, `parallelism ${p}: ${splits.length} splits`);
      let at = 0;
      for (const s of splits) {
        assert.equal(s.start, at);
        assert.ok(s.end > s.start);
        at = s.end;
      }
      assert.equal(at, 1000);
    }
  });

  it('computeSplits reads every visible file of a directory and skips hidden, underscore and empty files', async () => {
    const d = join(dir, 'input-dir');
    await mkdir(d);
    await writeFile(join(d, 'a.txt'), 'a1\na2\n');
    await writeFile(join(d, 'b.txt'), 'b1\n');
    await writeFile(join(d, 'empty.txt'), '');
    await writeFile(join(d, '.hidden'), 'h\n');
    await writeFile(join(d, '_SUCCESS'), 's\n');
    await mkdir(join(d, 'sub'));
    for (const path of [d, pathToFileURL(d).href]) {
      const splits = await computeSplits(new LocalFileSystem(), path, 2);
      assert.deepEqual([...new Set(splits.map((s) => s.path.replace(/^.*\//, '')))].sort(), ['a.txt', 'b.txt']);
    }
  });

  it('computeSplits on a missing path says the file does not exist', async () => {
    await assert.rejects(computeSplits(new LocalFileSystem(), join(dir, 'missing'), 1), (e: unknown) => (e as { code?: string }).code === 'FILE_NOT_FOUND');
  });

  it('the text file source reads each line once over all subtasks, for plain paths and file:// URIs', async () => {
    const path = join(dir, 'source.txt');
    const lines = Array.from({ length: 500 }, (_, i) => `line ${i} ${'·'.repeat(i % 7)}`);
    await writeFile(path, `${lines.join('\n')}\n`);
    for (const p of [1, 3, 4]) {
      for (const where of [path, pathToFileURL(path).href]) {
        const all: unknown[] = [];
        for (let s = 0; s < p; s++) all.push(...(await runSource(OPERATORS['source:text-file'] as NonNullable<(typeof OPERATORS)[string]>, { params: { path: where, charset: 'UTF-8' } }, { subtask: s, parallelism: p })));
        assert.deepEqual([...all].sort(), [...lines].sort(), `parallelism ${p}, ${where.slice(0, 7)}`);
      }
    }
  });

  it('the CSV source skips the header of the first split only, empty lines and comments', async () => {
    const path = join(dir, 'rows.csv');
    await writeFile(path, 'name,n\n# comment\na,1\n\nb,2\n"c,d",3\n');
    const params = { path, fieldDelimiter: ',', lineDelimiter: '\n', ignoreFirstLine: true, ignoreComments: '#', quoteCharacter: '"', types: ['string', 'int'], includeFields: null };
    for (const p of [1, 2, 5]) {
      const all: unknown[] = [];
      for (let s = 0; s < p; s++) all.push(...(await runSource(OPERATORS['source:csv-file'] as NonNullable<(typeof OPERATORS)[string]>, { params }, { subtask: s, parallelism: p })));
      assert.deepEqual(all.map((r) => JSON.stringify(r)).sort(), ['["a",1]', '["b",2]', '["c,d",3]'], `parallelism ${p}`);
    }
  });
});
