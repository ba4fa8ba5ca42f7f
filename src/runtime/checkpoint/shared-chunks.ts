/**
 * Incremental checkpoints: a key group's entries are cut into chunks at content-defined boundaries (a change to
 * one value changes one chunk, and an added or removed key at most its neighbours), each chunk is named after the
 * hash of its bytes and uploaded to the job's shared directory only if no checkpoint this task knows completed
 * already has it. The coordinator counts references to shared files and removes a file when no retained
 * checkpoint uses it any more.
 */
import { createHash } from 'node:crypto';
import { childPath, getFileSystem } from '../../fs/index.js';
import { encodeKeyGroup, type KeyedStateEntry } from '../state/index.js';
import { ArrayElementReader, murmurHash } from '../codec/index.js';

/**
 * The size chunks aim at. Every file costs a request on HDFS and an open on restore, so chunks are not small
 * (1 GB of state is about 8,000 files); a changed entry re-uploads the ~128 KiB around it.
 */
const TARGET_CHUNK_BYTES = 128 * 1024;
/** murmurHash is uniform over [0, 2^31): an entry of `size` bytes ends a chunk with probability size / target. */
const BOUNDARY_SCALE = 2 ** 31 / TARGET_CHUNK_BYTES;

interface Sized {
  entry: KeyedStateEntry;
  /** What entries are sorted by (computed once: building it in the comparison made sorting the slowest step). */
  order: string;
  size: number;
}

/**
 * Cuts a key group's canonical bytes into chunks of entries. Whether an entry ends a chunk depends on the entry
 * alone (its hash, weighed by its size), not on where the chunk began, so a change moves no other boundary.
 */
export function chunkKeyGroup(bytes: Uint8Array): Uint8Array[] {
  const reader = new ArrayElementReader(bytes);
  const items: Sized[] = [];
  while (reader.hasNext()) {
    const entry = reader.next() as KeyedStateEntry;
    items.push({ entry, order: `${entry[0]}\u0000${String(entry[1])}\u0000${String(entry[2])}`, size: reader.lastSize });
  }
  // Same order on every run, whatever order the backend listed them in.
  items.sort((a, b) => (a.order < b.order ? -1 : a.order > b.order ? 1 : 0));
  const chunks: Uint8Array[] = [];
  let current: KeyedStateEntry[] = [];
  for (const { entry, size } of items) {
    current.push(entry);
    if (murmurHash(hashText(entry)) < size * BOUNDARY_SCALE) {
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

/**
 * Chunk uploads run several at a time. Each upload is a few file system calls (a request each on HDFS), and in a
 * busy task every call's completion waits for a turn of the event loop between batches of records; one at a time,
 * the ~8,000 chunks of 1 GB of state took most of an hour in the benchmark. Bounded by files and bytes in flight.
 */
export class ChunkUploads {
  private readonly inFlight = new Set<Promise<void>>();
  private bytes = 0;
  private failed: { error: unknown } | undefined;

  constructor(
    private readonly maxFiles = 32,
    private readonly maxBytes = 16 * 1024 * 1024,
  ) {}

  /** Starts uploading `chunk` to `path`; resolves once there is room for the next. Fails with an earlier upload's error. */
  async add(path: string, chunk: Uint8Array): Promise<void> {
    while (this.inFlight.size >= this.maxFiles || (this.inFlight.size > 0 && this.bytes + chunk.byteLength > this.maxBytes)) {
      await Promise.race(this.inFlight);
    }
    if (this.failed) throw this.failed.error;
    this.bytes += chunk.byteLength;
    const upload: Promise<void> = uploadChunk(path, chunk).then(
      () => {
        this.inFlight.delete(upload);
        this.bytes -= chunk.byteLength;
      },
      (error: unknown) => {
        this.inFlight.delete(upload);
        this.bytes -= chunk.byteLength;
        this.failed ??= { error };
      },
    );
    this.inFlight.add(upload);
  }

  /** Waits for every upload started; fails with the first error. */
  async drain(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.race(this.inFlight);
    if (this.failed) throw this.failed.error;
  }
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
