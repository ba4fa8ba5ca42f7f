/** Job artifacts under `<storageDir>/<cluster-id>/blob/job_<jobid>/blob_<key>`, written whole or not at all. */
import { childPath, getFileSystem } from '../fs/index.js';
import { checkJobId } from './file-system-job-result-store.js';
import type { BlobStore } from './recovery-stores.js';
import { readWholeFile, writeWholeFile } from './storage-dir.js';

export class FileSystemBlobStore implements BlobStore {
  readonly directory: string;

  /** Blobs go to `<clusterDir>/blob`, or, with `directIn`, right into that directory (blob.storage.directory). */
  constructor(clusterDir: string, directIn = false) {
    this.directory = directIn ? clusterDir : childPath(clusterDir, 'blob');
  }

  #jobDir(jobId: string): string {
    return childPath(this.directory, `job_${checkJobId(jobId)}`);
  }

  #path(jobId: string, key: string): string {
    if (!/^[A-Za-z0-9_.-]+$/.test(key) || key === '.' || key === '..') throw new RangeError(`'${key}' is not a blob key (letters, digits, '-', '_', '.')`);
    return childPath(this.#jobDir(jobId), `blob_${key}`);
  }

  async put(jobId: string, key: string, data: Uint8Array | AsyncIterable<Uint8Array>): Promise<void> {
    await writeWholeFile(this.#path(jobId, key), data, 'OVERWRITE');
  }

  async get(jobId: string, key: string): Promise<Uint8Array | undefined> {
    return readWholeFile(this.#path(jobId, key));
  }

  async delete(jobId: string, key: string): Promise<boolean> {
    const path = this.#path(jobId, key);
    return getFileSystem(path).delete(path, false);
  }

  async deleteAll(jobId: string): Promise<void> {
    const dir = this.#jobDir(jobId);
    await getFileSystem(dir).delete(dir, true);
  }
}
