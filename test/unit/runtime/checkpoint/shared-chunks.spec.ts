import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ChunkUploads, chunkKeyGroup } from '../../../../src/runtime/checkpoint/shared-chunks.js';
import { decodeKeyGroup, encodeKeyGroup, type KeyedStateEntry } from '../../../../src/runtime/state/index.js';

/** 20,000 keys of about 220 bytes: some 4 MiB, about 30 chunks. */
function group(values: (k: number) => unknown, n = 20_000): Uint8Array {
  const entries: KeyedStateEntry[] = [];
  for (let k = 0; k < n; k++) entries.push(['count', '', `key-${k}`, values(k)]);
  return encodeKeyGroup(entries);
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

const record = (k: number): unknown => ({ n: k, pad: 'x'.repeat(200) });

describe('incremental checkpoint chunks', () => {
  it('cut a key group at content-defined boundaries into chunks of about 128 KiB: together they hold every entry once', () => {
    const chunks = chunkKeyGroup(group(record));
    assert.ok(chunks.length > 10 && chunks.length < 100, `${chunks.length} chunks`);
    const keys = chunks.flatMap((c) => decodeKeyGroup(c).map((e) => e[2]));
    assert.equal(keys.length, 20_000);
    assert.equal(new Set(keys).size, 20_000);
  });

  it('a key group smaller than a chunk is one chunk, and no state is no chunk', () => {
    assert.equal(chunkKeyGroup(group((k) => k, 100)).length, 1);
    assert.deepEqual(chunkKeyGroup(encodeKeyGroup([])), []);
  });

  it('the same entries listed in another order make the same chunks', () => {
    const entries = decodeKeyGroup(group(record));
    const shuffled = entries.map((e, i) => [(i * 7919) % entries.length, e] as const).sort((a, b) => a[0] - b[0]).map(([, e]) => e);
    assert.deepEqual(chunkKeyGroup(encodeKeyGroup(shuffled)).map(hex), chunkKeyGroup(encodeKeyGroup(entries)).map(hex));
  });

  it('one changed value changes one chunk; the others are byte for byte the same', () => {
    const before = chunkKeyGroup(group(record)).map(hex);
    const after = chunkKeyGroup(group((k) => (k === 1234 ? { n: -1, pad: 'y'.repeat(150) } : record(k)))).map(hex);
    assert.equal(after.length, before.length);
    const known = new Set(before);
    assert.equal(after.filter((c) => !known.has(c)).length, 1);
  });

  it('an added key changes at most the chunk it falls into', () => {
    const before = new Set(chunkKeyGroup(group(record)).map(hex));
    const entries = decodeKeyGroup(group(record));
    entries.push(['count', '', 'key-new', record(7)]);
    const after = chunkKeyGroup(encodeKeyGroup(entries)).map(hex);
    assert.ok(after.filter((c) => !before.has(c)).length <= 2);
  });

  it('uploads run several at a time, all are there after drain(), and a failed one fails the rest', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'chunk-uploads-'));
    try {
      const uploads = new ChunkUploads(4, 1 << 20);
      for (let i = 0; i < 50; i++) await uploads.add(pathToFileURL(join(dir, `c${i}`)).href, Buffer.alloc(1000, i));
      await uploads.drain();
      const names = (await readdir(dir)).filter((f) => !f.startsWith('.'));
      assert.equal(names.length, 50);
      assert.deepEqual(await readFile(join(dir, 'c49')), Buffer.alloc(1000, 49));
      // A file where a directory should be: uploads below it fail.
      await writeFile(join(dir, 'not-a-dir'), 'x');
      const failing = new ChunkUploads(4, 1 << 20);
      await failing.add(pathToFileURL(join(dir, 'not-a-dir', 'c')).href, Buffer.alloc(10));
      await assert.rejects(async () => {
        for (let i = 0; i < 20; i++) await failing.add(pathToFileURL(join(dir, `d${i}`)).href, Buffer.alloc(10));
        await failing.drain();
      });
      await failing.drain().catch(() => {}); // the uploads started before the failure was seen
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
