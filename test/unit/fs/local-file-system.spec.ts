import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { getFileSystem, LocalFileSystem, toLocalPath, UnsupportedFileSystemSchemeError } from '../../../src/fs/index.js';
import { fileSystemContract } from './file-system-contract.js';

async function tempBase(): Promise<{ dir: string; cleanup(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'ut-local-fs-'));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

fileSystemContract('LocalFileSystem with plain paths', async () => {
  const { dir, cleanup } = await tempBase();
  return { fs: new LocalFileSystem(), base: dir, cleanup };
});

fileSystemContract('LocalFileSystem with file:// URIs', async () => {
  const { dir, cleanup } = await tempBase();
  return { fs: new LocalFileSystem(), base: pathToFileURL(dir).href, cleanup };
});

describe('file system selection', () => {
  it('plain paths and file: URIs go to the local file system', () => {
    assert.ok(getFileSystem('/tmp/x') instanceof LocalFileSystem);
    assert.ok(getFileSystem('relative/path') instanceof LocalFileSystem);
    assert.ok(getFileSystem('file:///tmp/x') instanceof LocalFileSystem);
    assert.equal(getFileSystem('file:/tmp/x').scheme, 'file');
  });

  it('an unknown scheme names the scheme and what is supported', () => {
    assert.throws(() => getFileSystem('s3://bucket/key'), (e: unknown) => e instanceof UnsupportedFileSystemSchemeError && /scheme 's3'/.test(e.message) && /file:\/\//.test(e.message));
  });

  it('toLocalPath understands file:///, file:/ and plain paths', () => {
    assert.equal(toLocalPath('file:///tmp/a%20b'), '/tmp/a b');
    assert.equal(toLocalPath('file:/tmp/x'), '/tmp/x');
    assert.equal(toLocalPath('/tmp/y'), '/tmp/y');
  });
});
