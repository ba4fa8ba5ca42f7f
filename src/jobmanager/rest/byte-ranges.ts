/**
 * HTTP byte ranges on the log endpoints, so a client following a log asks only for what is new
 * (`Range: bytes=<size it has>-`). One range per request: `bytes=N-`, `bytes=N-M`, `bytes=-S` (the last S bytes).
 * Anything else (other units, several ranges, malformed) is ignored and the whole file is sent, as RFC 9110
 * allows. Files are read chunk by chunk (see MAX_FILE_CHUNK_BYTES) and streamed.
 */
import { MAX_FILE_CHUNK_BYTES, type FileChunk } from '../../util/log-files.js';
import { FlinkError } from '../../util/errors.js';
import type { RestResponse } from './router.js';

export type ByteRange = { kind: 'from'; start: number; end?: number } | { kind: 'suffix'; length: number };

/** Reads up to `maxBytes` of the file from `offset` (negative: from the end). */
export type ChunkReader = (offset: number, maxBytes: number) => Promise<FileChunk>;

/** The file got shorter while it was being sent: the answer cannot have the length it announced. */
export class FileShrankError extends FlinkError {
  constructor(name: string, at: number) {
    super('LOG_FILE_SHRANK', `The file ${name} ended at byte ${at} while it was being sent (it was truncated or replaced).`);
  }
}

/** The one range a `Range` header asks for; undefined for none or one this endpoint ignores. */
export function parseRangeHeader(header: string | undefined): ByteRange | undefined {
  if (header === undefined) return undefined;
  const m = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header);
  if (!m) return undefined;
  const [, first = '', last = ''] = m;
  if (first === '' && last === '') return undefined;
  if (first === '') return { kind: 'suffix', length: Number(last) };
  const start = Number(first);
  if (!Number.isSafeInteger(start)) return undefined;
  if (last === '') return { kind: 'from', start };
  const end = Number(last);
  // An end before the start makes the header invalid, and an invalid one is ignored.
  return Number.isSafeInteger(end) && end >= start ? { kind: 'from', start, end } : undefined;
}

/**
 * The answer for a file: 200 with all of it, or 206 with the range asked for and `Content-Range`, or 416 when
 * the range starts at or past the end (nothing new yet, for a client following the file). Reads the first chunk
 * before answering (it tells the size); the rest is read as the client takes it.
 */
export async function fileResponse(read: ChunkReader, range: ByteRange | undefined): Promise<RestResponse> {
  const firstOffset = range === undefined ? 0 : range.kind === 'suffix' ? -range.length : range.start;
  const firstMax = range?.kind === 'from' && range.end !== undefined ? range.end - range.start + 1 : MAX_FILE_CHUNK_BYTES;
  const first = await read(firstOffset, Math.min(firstMax, MAX_FILE_CHUNK_BYTES));
  const { size, name } = first;
  const common: Record<string, string> = {
    'Accept-Ranges': 'bytes',
    // A log changes all the time: a cached copy would hide the new lines.
    'Cache-Control': 'no-store',
    'Last-Modified': new Date(first.mtime).toUTCString(),
    'Access-Control-Expose-Headers': 'Content-Range, Accept-Ranges',
  };
  const unsatisfiable = range !== undefined && (range.kind === 'from' ? range.start >= size : range.length === 0 || size === 0);
  if (unsatisfiable) {
    return {
      status: 416,
      body: {
        errors: [`Range not satisfiable: ${name} has ${size} bytes. Ask for bytes=N- with N below ${size} (N: where the bytes you have end).`],
      },
      headers: { ...common, 'Content-Range': `bytes */${size}` },
    };
  }
  const start = first.offset;
  const end = range?.kind === 'from' && range.end !== undefined ? Math.min(range.end, size - 1) : size - 1;
  const length = Math.max(0, end - start + 1);
  return {
    status: range === undefined ? 200 : 206,
    headers: range === undefined ? common : { ...common, 'Content-Range': `bytes ${start}-${end}/${size}` },
    raw: { contentType: 'text/plain; charset=UTF-8', length, chunks: chunksOf(read, first, start, length) },
  };
}

async function* chunksOf(read: ChunkReader, first: FileChunk, start: number, length: number): AsyncGenerator<Uint8Array> {
  const stop = start + length;
  let pos = start;
  let chunk: FileChunk | undefined = first;
  while (pos < stop) {
    chunk ??= await read(pos, Math.min(MAX_FILE_CHUNK_BYTES, stop - pos));
    const data = chunk.data.subarray(0, stop - pos);
    if (data.length === 0) throw new FileShrankError(first.name, pos);
    yield data;
    pos += data.length;
    chunk = undefined;
  }
}
