/**
 * Incremental checkpoints: a key group's entries are cut into chunks at keys whose hash ends in zero bits
 * (content-defined boundaries: a change to one value changes one chunk, and an added or removed key at most
 * its neighbours), each chunk is named after the hash of its bytes and uploaded to the job's shared directory
 * only if no checkpoint this task knows completed already has it. The coordinator counts references to shared
 * files and removes a file when no retained checkpoint uses it any more.
 */
import { createHash } from 'node:crypto';
import { childPath, getFileSystem } from '../../fs/index.js';
import { decodeKeyGroup, encodeKeyGroup, type KeyedStateEntry } from '../state/index.js';
import { murmurHash } from '../codec/index.js';

/** About one boundary in 64 keys: chunks of a few kilobytes for small values. */
const BOUNDARY_MASK = 63;

/** Cuts a key group's canonical bytes into chunks of entries, at content-defined boundaries. */
export function chunkKeyGroup(bytes: Uint8Array): Uint8Array[] {
  const entries = decodeKeyGroup(bytes);
  // Same order on every run, whatever order the backend listed them in.
  entries.sort(compareEntries);
  const chunks: Uint8Array[] = [];
  let current: KeyedStateEntry[] = [];
  for (const e of entries) {
    current.push(e);
    if ((murmurHash(hashText(e)) & BOUNDARY_MASK) === 0) {
      chunks.push(encodeKeyGroup(current));
      current = [];
    }
  }
  if (current.length > 0) chunks.push(encodeKeyGroup(current));
  return chunks;
}

function hashText(e: KeyedStateEntry): number {
  let h = 0;
  const s = `${e[0]}\u0000${String(e[1])}\u0000${typeof e[2] === 'string' ? e[2] : JSON.stringify(e[2], (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v))}`;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  return h;
}

function compareEntries(a: KeyedStateEntry, b: KeyedStateEntry): number {
  const ka = `${a[0]}\u0000${String(a[1])}\u0000${String(a[2])}`;
  const kb = `${b[0]}\u0000${String(b[1])}\u0000${String(b[2])}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

/** The shared file a chunk goes to: named after its content. */
export function chunkPath(sharedDirectory: string, chunk: Uint8Array): string {
  return childPath(sharedDirectory, createHash('sha256').update(chunk).digest('hex').slice(0, 40));
}

/** Writes a chunk to its shared file (a file of that name already holds the same bytes: it is not written again). */
export async function uploadChunk(path: string, chunk: Uint8Array): Promise<void> {
  const fs = getFileSystem(path);
  const w = await fs.create(path, 'OVERWRITE');
  try {
    await w.write(chunk);
    await w.commit();
  } catch (err) {
    await w.abort().catch(() => {});
    throw err;
  }
}

/** The file a reference names: a chunk file, or a change file with a `#<start>-<end>` range. */
export function refFile(ref: string): string {
  const at = ref.lastIndexOf('#');
  return at < 0 ? ref : ref.slice(0, at);
}

/** Reads what a reference names: a whole chunk file, or a range of a change file. */
export async function readChunk(ref: string): Promise<Uint8Array> {
  const at = ref.lastIndexOf('#');
  const path = at < 0 ? ref : ref.slice(0, at);
  const range = at < 0 ? undefined : /^(\d+)-(\d+)$/.exec(ref.slice(at + 1));
  const parts: Uint8Array[] = [];
  for await (const c of getFileSystem(path).open(path, range ? { start: Number(range[1]), end: Number(range[2]) } : undefined)) parts.push(c);
  return Buffer.concat(parts);
}
