/** `state.backend: embedded-lmdb`: keyed state in an LMDB environment on local disk, operator state on the heap. */
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HeapOperatorStateBackend } from '../operator-state-backend.js';
import type { KeyedStateBackend, KeyedStateBackendOptions, OperatorStateBackend, StateBackend } from '../state-backend.js';
import { LmdbKeyedStateBackend } from './lmdb-keyed-state-backend.js';

export interface EmbeddedLmdbStateBackendOptions {
  /**
   * Writes buffered before they are committed in one transaction. A snapshot commits the buffer in its
   * synchronous part, so this bounds that part (about 13 ms for 1024 writes of 200 bytes into 1M keys); larger
   * buffers did not update faster with large state (docs/benchmarks.md). Default 1024.
   */
  maxBufferedEntries?: number;
  /** Bytes of buffered values before a commit. Default 16 MiB. */
  maxBufferedBytes?: number;
}

export const DEFAULT_MAX_BUFFERED_ENTRIES = 1024;
export const DEFAULT_MAX_BUFFERED_BYTES = 16 * 1024 * 1024;

export class EmbeddedLmdbStateBackend implements StateBackend {
  readonly name = 'embedded-lmdb';
  private readonly maxEntries: number;
  private readonly maxBytes: number;

  constructor(init: EmbeddedLmdbStateBackendOptions = {}) {
    this.maxEntries = init.maxBufferedEntries ?? DEFAULT_MAX_BUFFERED_ENTRIES;
    this.maxBytes = init.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES;
  }

  /**
   * Each keyed backend gets an environment of its own in a fresh directory under the task's local directory
   * (or, without one, the system's temporary directory); its close() removes that directory.
   */
  createKeyedStateBackend(options: KeyedStateBackendOptions): KeyedStateBackend {
    const parent = options.localDirectory ?? tmpdir();
    mkdirSync(parent, { recursive: true });
    const slug = options.operatorName.replace(/[^A-Za-z0-9_-]+/g, '_').slice(0, 40);
    const directory = mkdtempSync(join(parent, `flink-ts-lmdb-${slug}-`));
    return new LmdbKeyedStateBackend(options, { directory, maxEntries: this.maxEntries, maxBytes: this.maxBytes });
  }

  createOperatorStateBackend(operatorName: string): OperatorStateBackend {
    return new HeapOperatorStateBackend(operatorName);
  }
}
