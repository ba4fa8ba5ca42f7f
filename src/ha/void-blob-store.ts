/**
 * The blob store of high-availability: NONE (Flink's VoidBlobStore): a single JobManager keeps job bundles in its
 * own blob directory only, so nothing is stored here and nothing is found.
 */
import type { BlobStore } from './recovery-stores.js';

export class VoidBlobStore implements BlobStore {
  async put(_jobId: string, _key: string, data: Uint8Array | AsyncIterable<Uint8Array>): Promise<void> {
    // A stream handed in is consumed all the same, so its producer is not left waiting.
    if (!(data instanceof Uint8Array)) for await (const _ of data) void _;
  }

  async get(): Promise<Uint8Array | undefined> {
    return undefined;
  }

  async delete(): Promise<boolean> {
    return false;
  }

  async deleteAll(): Promise<void> {}
}
