import assert from 'node:assert/strict';
import { chunkKeyGroup } from '../../../../src/runtime/checkpoint/shared-chunks.js';
import { decodeKeyGroup, encodeKeyGroup, type KeyedStateEntry } from '../../../../src/runtime/state/index.js';

function group(values: (k: number) => unknown, n = 5000): Uint8Array {
  const entries: KeyedStateEntry[] = [];
  for (let k = 0; k < n; k++) entries.push(['count', '', `key-${k}`, values(k)]);
  return encodeKeyGroup(entries);
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

describe('incremental checkpoint chunks', () => {
  it('cut a key group at content-defined boundaries: together they hold every entry once', () => {
    const chunks = chunkKeyGroup(group((k) => k));
    assert.ok(chunks.length > 20 && chunks.length < 500, `${chunks.length} chunks`);
    const keys = chunks.flatMap((c) => decodeKeyGroup(c).map((e) => e[2]));
    assert.equal(new Set(keys).size, 5000);
  });

  it('one changed value changes one chunk; the others are byte for byte the same', () => {
    const before = chunkKeyGroup(group((k) => k)).map(hex);
    const after = chunkKeyGroup(group((k) => (k === 1234 ? -1 : k))).map(hex);
    assert.equal(after.length, before.length);
    const known = new Set(before);
    assert.equal(after.filter((c) => !known.has(c)).length, 1);
  });

  it('an added key changes at most the chunk it falls into', () => {
    const before = new Set(chunkKeyGroup(group((k) => k)).map(hex));
    const entries = decodeKeyGroup(group((k) => k));
    entries.push(['count', '', 'key-new', 7]);
    const after = chunkKeyGroup(encodeKeyGroup(entries)).map(hex);
    assert.ok(after.filter((c) => !before.has(c)).length <= 2);
  });
});
