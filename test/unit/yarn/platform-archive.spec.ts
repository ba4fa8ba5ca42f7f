import assert from 'node:assert/strict';
import { link, mkdir, mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tar from 'tar';
import { nodeRuntimeArchive, platformArchive, platformInputs } from '../../../src/yarn/client/index.js';

/** A fake flink-ts installation: a prod package (with a nested one and a hard-linked native build), a dev package. */
async function fakeInstall(root: string): Promise<void> {
  const files: Record<string, string> = {
    'package.json': JSON.stringify({ name: 'flink-ts', version: '9.8.7' }),
    'dist/src/index.js': 'export const a = 1;\n',
    'dist/src/index.d.ts': 'export declare const a: number;\n',
    'dist/test/x.spec.js': 'test\n',
    'dist/web/index.html': '<html></html>\n',
    'dist/web/assets/app-ABCDEFGH.js': 'app\n',
    'bin/flink': '#!/usr/bin/env bash\n',
    'src/index.ts': 'source\n',
    'node_modules/prod/package.json': '{"name":"prod"}',
    'node_modules/prod/index.js': 'module.exports = 1;\n',
    'node_modules/prod/build/Release/native.node': 'binary',
    'node_modules/prod/node_modules/nested/index.js': 'nested\n',
    'node_modules/devonly/index.js': 'dev\n',
    'node_modules/.bin/x': 'link\n',
    'node_modules/.package-lock.json': '{}',
  };
  for (const [name, text] of Object.entries(files)) {
    await mkdir(join(root, name, '..'), { recursive: true });
    await writeFile(join(root, name), text);
  }
  // node-gyp leaves build outputs hard-linked; tar's async packer deadlocks on them (see pack-worker.ts).
  await mkdir(join(root, 'node_modules/prod/build/Release/obj.target'), { recursive: true });
  await link(join(root, 'node_modules/prod/build/Release/native.node'), join(root, 'node_modules/prod/build/Release/obj.target/native.node'));
  await writeFile(
    join(root, 'package-lock.json'),
    JSON.stringify({
      lockfileVersion: 3,
      packages: {
        '': { name: 'flink-ts' },
        'node_modules/prod': { version: '1.0.0' },
        'node_modules/prod/node_modules/nested': { version: '1.0.0' },
        'node_modules/devonly': { version: '1.0.0', dev: true },
        'node_modules/not-installed': { version: '1.0.0', optional: true },
      },
    }),
  );
}

async function entries(archive: string): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  await tar.t({ file: archive, onReadEntry: (e) => void out.set(e.path, e.mode ?? 0) });
  return out;
}

describe('YARN client: the content-addressed platform archive', function () {
  this.timeout(60_000);
  let dir = '';
  let home = '';
  let cacheDir = '';

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'platform-archive-'));
    home = join(dir, 'install');
    cacheDir = join(dir, 'cache');
    await fakeInstall(home);
  });
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  it('packs package.json, dist/src without declarations, the dashboard, bin/ and the non-dev packages of package-lock.json', async () => {
    assert.deepEqual(
      (await platformInputs(home)).map((f) => f.name),
      [
        'bin/flink',
        'dist/src/index.js',
        'dist/web/assets/app-ABCDEFGH.js',
        'dist/web/index.html',
        'node_modules/prod/build/Release/native.node',
        'node_modules/prod/build/Release/obj.target/native.node',
        'node_modules/prod/index.js',
        'node_modules/prod/node_modules/nested/index.js',
        'node_modules/prod/package.json',
        'package.json',
      ],
    );
    const archive = await platformArchive({ home, cacheDir });
    assert.equal(archive.packedNow, true);
    assert.match(archive.fileName, /^flink-ts-9\.8\.7-[0-9a-f]{16}\.tar\.gz$/);
    assert.equal(archive.fileName.slice(15, 31), archive.hash.slice(0, 16));
    assert.equal(archive.size, (await stat(archive.path)).size);
    assert.deepEqual([...(await entries(archive.path)).keys()].sort(), (await platformInputs(home)).map((f) => f.name));
  });

  it('an unchanged install comes from the cache; a touched file keeps the hash; changed content makes a new archive', async () => {
    const first = await platformArchive({ home, cacheDir });
    const again = await platformArchive({ home, cacheDir });
    assert.deepEqual({ ...again, packedNow: true }, first);
    assert.equal(again.packedNow, false);

    const later = new Date(Date.now() + 60_000);
    await utimes(join(home, 'dist/src/index.js'), later, later);
    const touched = await platformArchive({ home, cacheDir });
    assert.equal(touched.hash, first.hash, 'same content, same name');
    assert.equal(touched.packedNow, false);

    await writeFile(join(home, 'dist/src/index.js'), 'export const a = 2;\n');
    const changed = await platformArchive({ home, cacheDir });
    assert.notEqual(changed.hash, first.hash);
    assert.equal(changed.packedNow, true);
    assert.deepEqual((await readdir(join(cacheDir, 'archives'))).sort(), [first.fileName, changed.fileName].sort());
  });

  it('packing the same inputs again (another client, another cache, later mtimes) gives the same bytes', async () => {
    const first = await platformArchive({ home, cacheDir });
    const later = new Date(Date.now() + 120_000);
    await utimes(join(home, 'package.json'), later, later);
    const other = await platformArchive({ home, cacheDir: join(dir, 'other-cache') });
    assert.equal(other.packedNow, true);
    assert.equal(other.fileName, first.fileName);
    assert.deepEqual(await readFile(other.path), await readFile(first.path));
  });

  it('the cache survives the archive being deleted: it is packed again', async () => {
    const first = await platformArchive({ home, cacheDir });
    await rm(first.path);
    const again = await platformArchive({ home, cacheDir });
    assert.equal(again.packedNow, true);
    assert.equal(again.hash, first.hash);
  });

  it('refuses a directory that is not a built installation', async () => {
    await rm(join(home, 'dist'), { recursive: true });
    await assert.rejects(platformArchive({ home, cacheDir }), /has no dist\/src; build flink-ts first/);
  });

  it('ships a node binary as bin/node with its executable bit, cached by the binary\'s metadata', async () => {
    const fakeNode = join(dir, 'fake-node');
    await writeFile(fakeNode, '#!/bin/sh\necho fake\n', { mode: 0o755 });
    const archive = await nodeRuntimeArchive({ execPath: fakeNode, cacheDir, version: 'v1.2.3' });
    assert.equal(archive.packedNow, true);
    assert.match(archive.fileName, /^node-v1\.2\.3-[a-z0-9]+-[a-z0-9]+-[0-9a-f]{16}\.tar\.gz$/);
    const listed = await entries(archive.path);
    assert.deepEqual([...listed.keys()], ['bin/node']);
    assert.equal((listed.get('bin/node') ?? 0) & 0o111, 0o111);
    const again = await nodeRuntimeArchive({ execPath: fakeNode, cacheDir, version: 'v1.2.3' });
    assert.equal(again.packedNow, false);
    assert.equal(again.hash, archive.hash);
  });
});
