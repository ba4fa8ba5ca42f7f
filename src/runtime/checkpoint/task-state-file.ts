/**
 * A subtask's state file in a checkpoint: a run of frames, each a u32 (little-endian) length and one value in
 * the record codec. Frames say which operator (by uid) they belong to and what they hold:
 *
 * - `{ op, kg, b }`: the canonical bytes of key group `kg` of the operator's keyed state (runtime/state/snapshot.ts);
 * - `{ op, items }`: the operator's own list items (StreamOperator.snapshotState);
 * - `{ op, os }`: its operator state backend (an OperatorStateSnapshot);
 * - `{ op, kg, refs }`: key group `kg` of an incremental checkpoint, as shared chunk files (full URIs), each
 *   holding canonical bytes of some of the group's entries;
 * - `{ op, ch, b }`: in-flight buffers of input channel `ch` (`edge:producer:consumer`) of an unaligned checkpoint,
 *   filed under the task's first operator.
 *
 * Frames are written one at a time, so a large keyed state never has to be in memory as a whole, and a restore
 * reads a file once and keeps only the frames it needs.
 */
import { decodeRecords, encodeRecord } from '../codec/index.js';
import { childPath, getFileSystem } from '../../fs/index.js';
import type { OperatorStateSnapshot } from '../state/index.js';
import { FlinkError } from '../../util/errors.js';

export type StateFrame =
  | { op: string; kg: number; b: Uint8Array }
  | { op: string; ch: string; b: Uint8Array }
  | { op: string; kg: number; refs: string[] }
  | { op: string; items: unknown[] }
  | { op: string; os: OperatorStateSnapshot };

/** Encodes a frame now (for state that may change before the file is written). */
export function encodeFrame(frame: StateFrame): Uint8Array {
  return encodeRecord(frame);
}

/** Writes the frames (or frames encoded with {@link encodeFrame}) to `<directory>/<name>`; resolves with the bytes written. */
export async function writeStateFile(directory: string, name: string, frames: AsyncIterable<StateFrame | Uint8Array>): Promise<number> {
  const path = childPath(directory, name);
  const fs = getFileSystem(path);
  const writer = await fs.create(path, 'OVERWRITE');
  let size = 0;
  // Small frames are gathered into writes of about 1 MiB: WebHDFS turns every write into a request.
  let pending: Uint8Array[] = [];
  let pendingBytes = 0;
  const flush = async (): Promise<void> => {
    if (pendingBytes === 0) return;
    await writer.write(Buffer.concat(pending, pendingBytes));
    pending = [];
    pendingBytes = 0;
  };
  try {
    for await (const frame of frames) {
      const body = frame instanceof Uint8Array ? frame : encodeRecord(frame);
      const head = Buffer.allocUnsafe(4);
      head.writeUInt32LE(body.byteLength, 0);
      pending.push(head, body);
      pendingBytes += 4 + body.byteLength;
      size += 4 + body.byteLength;
      if (pendingBytes >= 1 << 20) await flush();
    }
    await flush();
    await writer.commit();
  } catch (err) {
    await writer.abort().catch(() => {});
    throw err;
  }
  return size;
}

/** Reads a state file frame by frame, handing each to `keep` to decide whether it is returned. */
export async function readStateFile(path: string, keep: (frame: StateFrame) => boolean): Promise<StateFrame[]> {
  const out: StateFrame[] = [];
  await forEachFrame(path, (f) => {
    if (keep(f)) out.push(f);
  });
  return out;
}

/** Reads a state file frame by frame, each handed to `onFrame` (and awaited) before the next is read. */
export async function forEachFrame(path: string, onFrame: (frame: StateFrame) => void | Promise<void>): Promise<void> {
  const fs = getFileSystem(path);
  // Chunks not yet consumed: a large frame (a key group of megabytes) spans many reads; they are joined only
  // once the whole frame is there, never copied again and again as they arrive.
  let parts: Buffer[] = [];
  let buffered = 0;
  let carry: Buffer = Buffer.alloc(0);
  try {
    for await (const chunk of fs.open(path)) {
      parts.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      buffered += chunk.byteLength;
      const first = parts[0] as Buffer;
      const needed = (first.length >= 4 ? first.readUInt32LE(0) : 0) + 4;
      if (first.length < 4 ? buffered < 4 : buffered < needed) continue;
      const buf = parts.length === 1 ? first : Buffer.concat(parts, buffered);
      let pos = 0;
      while (buf.length - pos >= 4) {
        const len = buf.readUInt32LE(pos);
        if (buf.length - pos - 4 < len) break;
        await onFrame(decodeRecords(buf.subarray(pos + 4, pos + 4 + len))[0] as StateFrame);
        pos += 4 + len;
      }
      carry = buf.subarray(pos);
      parts = carry.length > 0 ? [Buffer.from(carry)] : [];
      buffered = carry.length;
    }
    carry = parts.length > 0 ? Buffer.concat(parts, buffered) : Buffer.alloc(0);
  } catch (err) {
    if (err instanceof FlinkError && err.code !== 'STATE_READ_FAILED') throw err;
    throw new FlinkError('STATE_READ_FAILED', `Could not read the checkpoint state file ${path}: ${(err as Error).message}`, { cause: err });
  }
  if (carry.length > 0) throw new FlinkError('STATE_FILE_TRUNCATED', `The checkpoint state file ${path} ends in the middle of a frame: it is damaged.`);
}
