/**
 * The contract every FileSystem implementation keeps (local files now, HDFS next). Run it with a factory
 * that gives a fresh, empty base directory (a path or URI in the implementation's scheme) per test:
 *
 * ```ts
 * fileSystemContract('LocalFileSystem', async () => ({ fs: new LocalFileSystem(), base: dir, cleanup: () => rm(dir) }));
 * ```
 */
import assert from 'node:assert/strict';
import type { FileStatus, FileSystem } from '../../../src/fs/index.js';

export interface FileSystemFixture {
  fs: FileSystem;
  /** An existing, empty directory; every test works below it. */
  base: string;
  cleanup(): Promise<void>;
}

function child(parent: string, name: string): string {
  return parent.endsWith('/') ? `${parent}${name}` : `${parent}/${name}`;
}

function name(status: FileStatus): string {
  return status.path.replace(/\/+$/, '').replace(/^.*\//, '');
}

async function readAll(fs: FileSystem, path: string, range?: { start: number; end?: number }): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of fs.open(path, range)) parts.push(Buffer.from(c));
  return Buffer.concat(parts);
}

async function writeFile(fs: FileSystem, path: string, content: string | Uint8Array): Promise<void> {
  const w = await fs.create(path, 'NO_OVERWRITE');
  await w.write(content);
  await w.commit();
}

export function fileSystemContract(fsName: string, make: () => Promise<FileSystemFixture>): void {
  describe(`FileSystem contract: ${fsName}`, function () {
    let fx: FileSystemFixture;
    let fs: FileSystem;
    let base: string;
    beforeEach(async () => {
      fx = await make();
      fs = fx.fs;
      base = fx.base;
    });
    afterEach(async () => {
      await fx.cleanup();
    });

    describe('create (atomic writes)', () => {
      it('writes strings and bytes; the file appears at its path only on commit', async () => {
        const path = child(base, 'out.txt');
        const w = await fs.create(path, 'NO_OVERWRITE');
        await w.write('hello ');
        await w.write(Uint8Array.from(Buffer.from('wörld\n')));
        assert.equal(await fs.exists(path), false, 'nothing at the final path before commit');
        assert.deepEqual((await fs.list(base)).filter((s) => name(s) === 'out.txt'), []);
        await w.commit();
        assert.equal(await fs.exists(path), true);
        assert.equal((await readAll(fs, path)).toString('utf8'), 'hello wörld\n');
      });

      it('leaves no visible file behind after abort, and commit/abort are safe to repeat', async () => {
        const path = child(base, 'aborted.txt');
        const w = await fs.create(path, 'NO_OVERWRITE');
        await w.write('partial');
        await w.abort();
        await w.abort();
        assert.equal(await fs.exists(path), false);
        const visible = (await fs.list(base)).filter((s) => !/^[._]/.test(name(s)));
        assert.deepEqual(visible, [], 'no file left in the directory');
        const hidden = await fs.list(base);
        assert.deepEqual(hidden, [], 'no temporary file left either');

        const ok = await fs.create(path, 'NO_OVERWRITE');
        await ok.write('x');
        await ok.commit();
        await ok.commit();
        await ok.abort();
        assert.equal((await readAll(fs, path)).toString(), 'x', 'abort after commit keeps the file');
      });

      it('NO_OVERWRITE on an existing file fails with FileAlreadyExistsError and keeps the file', async () => {
        const path = child(base, 'exists.txt');
        await writeFile(fs, path, 'old');
        await assert.rejects(fs.create(path, 'NO_OVERWRITE'), (e: unknown) => {
          assert.equal((e as Error).name, 'FileAlreadyExistsError');
          assert.equal((e as { code?: string }).code, 'FILE_EXISTS');
          assert.match((e as Error).message, /already exists/);
          assert.match((e as Error).message, /OVERWRITE/);
          return true;
        });
        assert.equal((await readAll(fs, path)).toString(), 'old');
      });

      it('NO_OVERWRITE fails at commit when the path appeared meanwhile, and leaves both files as they were', async () => {
        const path = child(base, 'race.txt');
        const w = await fs.create(path, 'NO_OVERWRITE');
        await w.write('mine');
        await writeFile(fs, path, 'theirs');
        await assert.rejects(w.commit(), (e: unknown) => (e as { code?: string }).code === 'FILE_EXISTS');
        assert.equal((await readAll(fs, path)).toString(), 'theirs');
        assert.deepEqual((await fs.list(base)).map(name), ['race.txt'], 'the temporary file is gone');
      });

      it('OVERWRITE replaces an existing file only on commit', async () => {
        const path = child(base, 'replace.txt');
        await writeFile(fs, path, 'old content');
        const w = await fs.create(path, 'OVERWRITE');
        await w.write('new');
        assert.equal((await readAll(fs, path)).toString(), 'old content', 'the old file stays until commit');
        await w.commit();
        assert.equal((await readAll(fs, path)).toString(), 'new');
      });

      it('creates missing parent directories', async () => {
        const path = child(child(child(base, 'a'), 'b'), 'c.txt');
        await writeFile(fs, path, 'deep');
        assert.equal((await fs.stat(child(base, 'a')))?.isDirectory, true);
        assert.equal((await readAll(fs, path)).toString(), 'deep');
      });

      it('writes an empty file', async () => {
        const path = child(base, 'empty');
        const w = await fs.create(path, 'NO_OVERWRITE');
        await w.commit();
        assert.equal((await fs.stat(path))?.length, 0);
        assert.equal((await readAll(fs, path)).length, 0);
      });
    });

    describe('open (reads)', () => {
      const content = Buffer.from(Array.from({ length: 700_000 }, (_, i) => i % 251));
      let path: string;
      beforeEach(async () => {
        path = child(base, 'data.bin');
        await writeFile(fs, path, content);
      });

      it('reads the whole file', async () => {
        assert.ok((await readAll(fs, path)).equals(content));
      });

      it('reads byte ranges [start, end)', async () => {
        for (const [start, end] of [[0, 1], [1, 2], [10, 20], [0, 300_000], [299_999, 600_001], [699_999, 700_000], [5, undefined], [700_000, undefined]] as const) {
          const got = await readAll(fs, path, end === undefined ? { start } : { start, end });
          assert.ok(got.equals(content.subarray(start, end)), `range ${start}..${end}`);
        }
      });

      it('reads nothing for an empty range, and stops at the end of the file', async () => {
        assert.equal((await readAll(fs, path, { start: 10, end: 10 })).length, 0);
        assert.equal((await readAll(fs, path, { start: 10, end: 5 })).length, 0);
        assert.ok((await readAll(fs, path, { start: 699_990, end: 800_000 })).equals(content.subarray(699_990)));
      });

      it('can stop reading early', async () => {
        let n = 0;
        for await (const c of fs.open(path)) {
          n += c.byteLength;
          break;
        }
        assert.ok(n > 0);
        assert.ok((await readAll(fs, path, { start: 0, end: 3 })).equals(content.subarray(0, 3)), 'the file is still readable');
      });

      it('fails with FileNotFoundError for a missing file', async () => {
        await assert.rejects(readAll(fs, child(base, 'missing.txt')), (e: unknown) => (e as { code?: string }).code === 'FILE_NOT_FOUND' && /does not exist/.test((e as Error).message));
      });
    });

    describe('directories and metadata', () => {
      it('stat describes files and directories, and is undefined for missing paths', async () => {
        const path = child(base, 'f.txt');
        const before = Date.now();
        await writeFile(fs, path, 'abc');
        const st = await fs.stat(path);
        assert.ok(st);
        assert.equal(st.isDirectory, false);
        assert.equal(st.length, 3);
        assert.equal(name(st), 'f.txt');
        assert.ok(Math.abs(st.modificationTime - before) < 60_000, 'modification time in ms since the epoch');
        assert.equal((await fs.stat(base))?.isDirectory, true);
        assert.equal(await fs.stat(child(base, 'nope')), undefined);
      });

      it('exists', async () => {
        assert.equal(await fs.exists(base), true);
        assert.equal(await fs.exists(child(base, 'nope')), false);
      });

      it('mkdirs creates nested directories and is fine when they exist', async () => {
        const deep = child(child(base, 'x'), 'y');
        await fs.mkdirs(deep);
        await fs.mkdirs(deep);
        assert.equal((await fs.stat(deep))?.isDirectory, true);
      });

      it('list gives the direct children, sorted by name, with their status', async () => {
        await writeFile(fs, child(base, 'b.txt'), '12');
        await writeFile(fs, child(base, 'a.txt'), '1');
        await fs.mkdirs(child(base, 'c'));
        await writeFile(fs, child(child(base, 'c'), 'inner.txt'), 'zzz');
        const list = await fs.list(base);
        assert.deepEqual(list.map((s) => [name(s), s.isDirectory]), [['a.txt', false], ['b.txt', false], ['c', true]]);
        assert.deepEqual(list.filter((s) => !s.isDirectory).map((s) => s.length), [1, 2]);
        assert.deepEqual(await fs.list(child(base, 'empty-dir-missing')).catch(() => 'failed'), 'failed', 'listing a missing directory fails');
      });

      it('list of a path a file was written to gives paths that can be opened', async () => {
        await writeFile(fs, child(base, 'r.txt'), 'readable');
        const [st] = await fs.list(base);
        assert.ok(st);
        assert.equal((await readAll(fs, st.path)).toString(), 'readable');
      });

      it('delete removes files, and directories recursively; it reports whether anything was there', async () => {
        const file = child(base, 'del.txt');
        await writeFile(fs, file, 'x');
        assert.equal(await fs.delete(file, false), true);
        assert.equal(await fs.exists(file), false);
        assert.equal(await fs.delete(file, false), false, 'deleting a missing path reports false');

        const dir = child(base, 'tree');
        await writeFile(fs, child(child(dir, 'sub'), 'leaf.txt'), 'x');
        assert.equal(await fs.delete(dir, true), true);
        assert.equal(await fs.exists(dir), false);
      });

      it('delete without recursive removes an empty directory but refuses a non-empty one', async () => {
        const empty = child(base, 'empty-dir');
        await fs.mkdirs(empty);
        assert.equal(await fs.delete(empty, false), true);
        assert.equal(await fs.exists(empty), false);

        const full = child(base, 'full-dir');
        await writeFile(fs, child(full, 'f'), 'x');
        await assert.rejects(fs.delete(full, false));
        assert.equal(await fs.exists(child(full, 'f')), true, 'nothing was deleted');
      });

      it('rename moves files and directories', async () => {
        const from = child(base, 'from.txt');
        const to = child(base, 'to.txt');
        await writeFile(fs, from, 'moved');
        await fs.rename(from, to);
        assert.equal(await fs.exists(from), false);
        assert.equal((await readAll(fs, to)).toString(), 'moved');

        const dir = child(base, 'd1');
        await writeFile(fs, child(dir, 'f'), 'in dir');
        await fs.rename(dir, child(base, 'd2'));
        assert.equal((await readAll(fs, child(child(base, 'd2'), 'f'))).toString(), 'in dir');
        assert.equal(await fs.exists(dir), false);
      });

      it('rename of a missing path fails', async () => {
        await assert.rejects(fs.rename(child(base, 'ghost'), child(base, 'other')));
      });
    });
  });
}
