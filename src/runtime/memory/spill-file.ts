/**
 * Spill files: records in blocks written by the record codec, each block preceded by its length (uint32, little
 * endian) and readable alone (a block defines the shapes it uses). I/O is synchronous on purpose: operators spill
 * from `processElement`, which is synchronous, and the thread blocked is the slot's own worker thread.
 */
import { closeSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { BufferBuilder, encodeRecord, RecordReader } from '../codec/index.js';
import { SpillFileError } from './memory-error.js';

export const SPILL_BLOCK_BYTES = 32 * 1024;

/** Appends records to a new spill file. */
export class SpillWriter {
  private fd: number | undefined;
  private readonly builder = new BufferBuilder(SPILL_BLOCK_BYTES);
  private readonly header = Buffer.alloc(4);
  /** Records written (including those still in the current block). */
  count = 0;

  constructor(readonly path: string) {
    try {
      this.fd = openSync(path, 'w');
    } catch (err) {
      throw new SpillFileError(`Cannot create the spill file ${path}: ${(err as Error).message}. Check io.tmp.dirs.`, err);
    }
  }

  write(record: unknown): void {
    this.count++;
    if (this.builder.tryWrite(record)) return;
    this.flush();
    if (!this.builder.tryWrite(record)) this.writeBlock(encodeRecord(record));
  }

  /** Writes the records so far to the file, so a reader sees them. */
  flush(): void {
    if (this.builder.size === 0) return;
    this.writeBlock(this.builder.finish());
  }

  /** Flushes and closes the file; the writer cannot be used after. Idempotent. */
  finish(): void {
    if (this.fd === undefined) return;
    try {
      this.flush();
    } finally {
      closeSync(this.fd);
      this.fd = undefined;
    }
  }

  private writeBlock(block: Uint8Array): void {
    if (this.fd === undefined) throw new SpillFileError(`The spill file ${this.path} is closed.`, undefined);
    try {
      this.header.writeUInt32LE(block.length, 0);
      writeFully(this.fd, this.header);
      writeFully(this.fd, block);
    } catch (err) {
      throw new SpillFileError(`Cannot write the spill file ${this.path}: ${(err as Error).message}. Check the free space in io.tmp.dirs.`, err);
    }
  }
}

function writeFully(fd: number, bytes: Uint8Array): void {
  let off = 0;
  while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
}

/** Reads a spill file's records in order, one block in memory at a time. */
export function* readSpillFile(path: string): Generator<unknown, void, undefined> {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    throw new SpillFileError(`Cannot open the spill file ${path}: ${(err as Error).message}.`, err);
  }
  try {
    const header = Buffer.alloc(4);
    let pos = 0;
    let block = Buffer.alloc(SPILL_BLOCK_BYTES);
    for (;;) {
      if (readFully(fd, header, 4, pos) < 4) return;
      const len = header.readUInt32LE(0);
      pos += 4;
      if (len > block.length) block = Buffer.alloc(len);
      if (readFully(fd, block, len, pos) < len) throw new SpillFileError(`The spill file ${path} ends in the middle of a block.`, undefined);
      pos += len;
      // The reader decodes from a copy-free view; the block is reused only after its records were all read.
      const reader = new RecordReader(block.subarray(0, len));
      while (reader.hasNext()) yield reader.next();
    }
  } finally {
    closeSync(fd);
  }
}

function readFully(fd: number, into: Buffer, length: number, position: number): number {
  let off = 0;
  while (off < length) {
    const n = readSync(fd, into, off, length - off, position + off);
    if (n === 0) break;
    off += n;
  }
  return off;
}

export function removeFile(path: string): void {
  rmSync(path, { force: true });
}
