/**
 * The record codec: how records cross task boundaries. Records are arbitrary JS values produced by user
 * functions; they travel in binary buffers of about 32 KiB, transferred between worker threads and written
 * to TCP connections between TaskManagers. A record never spans two buffers: one larger than a buffer's
 * capacity travels alone, encoded with {@link encodeRecord}. The byte format is documented in `encoder.ts`.
 *
 * @example
 * ```ts
 * const builder = new BufferBuilder(32 * 1024);
 * if (!builder.tryWrite(['word', 17])) {
 *   send(builder.finish());              // full: ship this buffer (transferable) and write into a fresh one
 *   if (!builder.tryWrite(['word', 17])) send(encodeRecord(['word', 17])); // oversize: alone
 * }
 * for (const reader = new RecordReader(bytes); reader.hasNext(); ) handle(reader.next());
 * const subtask = operatorIndexForKeyGroup(128, parallelism, assignToKeyGroup(key, 128));
 * ```
 */
export { BufferBuilder, encodeRecord } from './encoder.js';
export { ArrayElementReader, RecordReader, decodeArrayElements, decodeRecords, STREAM_EVENT, type StreamEventKind } from './decoder.js';
export {
  hashKey,
  murmurHash,
  assignToKeyGroup,
  operatorIndexForKeyGroup,
  computeDefaultMaxParallelism,
} from './key-hash.js';
export { CodecError, type CodecErrorCode } from './codec-error.js';
