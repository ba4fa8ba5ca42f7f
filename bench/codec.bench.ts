/**
 * Record codec throughput: encode into 32 KiB BufferBuilders, decode with RecordReader.
 * Run: `npx tsc -p . --outDir /tmp/x && node /tmp/x/bench/codec.bench.js [seconds-per-case]`.
 * Targets (reference/performance.md, 2-core box): tuples encode >= 5M rec/s, decode >= 8M rec/s.
 */
import { Buffer } from 'node:buffer';
import { BufferBuilder, RecordReader, assignToKeyGroup } from '../src/runtime/codec/index.js';

const BUFFER_BYTES = 32 * 1024;
const SECONDS = Number(process.argv[2] ?? 1);

function words(n: number, minLen: number, maxLen: number, alphabet: string): string[] {
  let seed = 42;
  const rnd = (): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const len = minLen + Math.floor(rnd() * (maxLen - minLen + 1));
    let w = '';
    for (let j = 0; j < len; j++) w += alphabet[Math.floor(rnd() * alphabet.length)];
    out.push(Buffer.from(w).toString()); // flat, like strings read from I/O
  }
  return out;
}

const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const N = 100_000;
const shortWords = words(1000, 3, 10, LOWER);
const longAscii = words(200, 200, 300, `${LOWER} ,.ABCDEFGHIJKLMNOPQRSTUVWXYZ`);
const longUnicode = words(200, 200, 300, `${LOWER} äöüßéèñ中文字符`);

const cases: Record<string, unknown[]> = {
  'tuple ["word", 17]': Array.from({ length: N }, (_, i) => [shortWords[i % 1000], i % 100]),
  'object {id, name, price, ts}': Array.from({ length: N }, (_, i) => ({
    id: i,
    name: shortWords[i % 1000],
    price: (i % 10000) / 100 + 0.01,
    ts: 1_700_000_000_000 + i,
  })),
  'long ASCII string (200-300 chars)': Array.from({ length: N }, (_, i) => longAscii[i % 200]),
  'long non-ASCII string (200-300 chars)': Array.from({ length: N }, (_, i) => longUnicode[i % 200]),
};

function timeLoop(fn: () => number): number {
  // Warm up so the figures reflect optimized code, then count records for SECONDS.
  const warmEnd = performance.now() + 300;
  while (performance.now() < warmEnd) fn();
  let records = 0;
  const start = performance.now();
  let elapsed = 0;
  do {
    records += fn();
    elapsed = performance.now() - start;
  } while (elapsed < SECONDS * 1000);
  return (records / elapsed) * 1000;
}

function encodeAll(records: unknown[], builder: BufferBuilder, out: Uint8Array[] | undefined): number {
  for (let i = 0; i < records.length; i++) {
    const r = records[i];
    if (!builder.tryWrite(r)) {
      const bytes = builder.finish();
      if (out) out.push(bytes);
      builder.tryWrite(r);
    }
  }
  const bytes = builder.finish();
  if (out) out.push(bytes);
  return records.length;
}

function decodeAll(buffers: Uint8Array[]): number {
  let n = 0;
  for (const bytes of buffers) {
    const reader = new RecordReader(bytes);
    while (reader.hasNext()) {
      reader.next();
      n++;
    }
  }
  return n;
}

const fmt = (v: number): string => `${(v / 1e6).toFixed(2)}M rec/s`;
console.log(`node ${process.version}, ${BUFFER_BYTES / 1024} KiB buffers, ${SECONDS}s per case`);
for (const [name, records] of Object.entries(cases)) {
  const builder = new BufferBuilder(BUFFER_BYTES);
  const buffers: Uint8Array[] = [];
  encodeAll(records, builder, buffers);
  const totalBytes = buffers.reduce((s, b) => s + b.byteLength, 0);
  const enc = timeLoop(() => encodeAll(records, builder, undefined));
  const dec = timeLoop(() => decodeAll(buffers));
  const perRecord = totalBytes / records.length;
  console.log(
    `${name.padEnd(40)} encode ${fmt(enc).padStart(16)} (${((enc * perRecord) / 2 ** 20).toFixed(0)} MiB/s)` +
      `   decode ${fmt(dec).padStart(16)}   ${perRecord.toFixed(1)} B/record`,
  );
}

const keys = shortWords;
const kg = timeLoop(() => {
  let s = 0;
  for (let i = 0; i < keys.length; i++) s += assignToKeyGroup(keys[i], 128);
  return s >= 0 ? keys.length : 0;
});
console.log(`${'assignToKeyGroup (short string keys)'.padEnd(40)} ${fmt(kg).padStart(23)}`);
