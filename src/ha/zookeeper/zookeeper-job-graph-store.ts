/**
 * Job graphs in the storage directory, `<storageDir>/<cluster-id>/submittedJobGraph<12 hex>`, with a pointer node
 * `/jobgraphs/<jobid>` holding `{"path": ...}` (flink-ts' JSON; Java Flink stores a serialized state handle).
 */
import { randomBytes } from 'node:crypto';
import { childPath, getFileSystem } from '../../fs/index.js';
import { getLogger } from '../../util/logger.js';
import { checkJobId } from '../file-system-job-result-store.js';
import { HaDataCorruptError } from '../ha-errors.js';
import type { JobGraphStore } from '../recovery-stores.js';
import { readWholeFile, writeWholeFile } from '../storage-dir.js';
import { isZkCode } from './zookeeper-client.js';
import type { ZooKeeperStateHandleStore } from './zookeeper-state-handle-store.js';

const log = getLogger('org.apache.flink.runtime.jobmanager.DefaultJobGraphStore');

/** The pointer a node holds: a file in the storage directory. */
export function encodePointer(path: string): Buffer {
  return Buffer.from(JSON.stringify({ path }), 'utf8');
}

export function decodePointer(what: string, data: Buffer): string {
  try {
    const v = JSON.parse(data.toString('utf8')) as { path?: unknown };
    if (typeof v.path === 'string') return v.path;
  } catch {
    // reported below
  }
  throw new HaDataCorruptError(`The pointer of ${what} (${JSON.stringify(data.toString('utf8').slice(0, 80))})`);
}

export class ZooKeeperJobGraphStore implements JobGraphStore {
  constructor(
    private readonly handles: ZooKeeperStateHandleStore,
    /** `<storageDir>/<cluster-id>`. */
    private readonly clusterDir: string,
  ) {}

  async putJobGraph(jobId: string, graph: Uint8Array): Promise<void> {
    checkJobId(jobId);
    const file = childPath(this.clusterDir, `submittedJobGraph${randomBytes(6).toString('hex')}`);
    await writeWholeFile(file, graph, 'NO_OVERWRITE');
    try {
      for (let attempt = 0; ; attempt++) {
        const current = await this.handles.getAndLock(jobId);
        try {
          if (current === undefined) await this.handles.addAndLock(jobId, encodePointer(file));
          else {
            await this.handles.replace(jobId, encodePointer(file), current.stat.version);
            await this.#deleteFile(decodePointerQuietly(current.data));
          }
          return;
        } catch (err) {
          // Another writer got in between (a node appeared, or changed): look again.
          const raced = isZkCode(err, 'NODE_EXISTS') || isZkCode(err, 'BAD_VERSION') || isZkCode(err, 'NO_NODE');
          if (!raced || attempt >= 5) throw err;
        }
      }
    } catch (err) {
      await this.#deleteFile(file);
      throw err;
    }
  }

  async recoverJobGraph(jobId: string): Promise<Uint8Array | undefined> {
    const node = await this.handles.getAndLock(checkJobId(jobId));
    if (node === undefined) return undefined;
    const path = decodePointer(`job ${jobId}`, node.data);
    const bytes = await readWholeFile(path).catch((err: unknown) => {
      throw new HaDataCorruptError(`The job graph of job ${jobId} (${path})`, err);
    });
    if (bytes === undefined) throw new HaDataCorruptError(`The job graph of job ${jobId} (${path}: the file is missing)`);
    return bytes;
  }

  async getJobIds(): Promise<string[]> {
    return this.handles.names();
  }

  async releaseJobGraph(jobId: string): Promise<void> {
    await this.handles.release(checkJobId(jobId));
  }

  async removeJobGraph(jobId: string): Promise<boolean> {
    const node = await this.handles.get(checkJobId(jobId));
    if (!(await this.handles.releaseAndTryRemove(jobId))) return false;
    if (node !== undefined) await this.#deleteFile(decodePointerQuietly(node.data));
    return true;
  }

  async #deleteFile(path: string | undefined): Promise<void> {
    if (path === undefined) return;
    await getFileSystem(path)
      .delete(path, false)
      .catch((err: Error) => log.warn(`Could not delete the job graph file ${path}: ${err.message}`));
  }
}

function decodePointerQuietly(data: Buffer): string | undefined {
  try {
    return decodePointer('', data);
  } catch {
    return undefined;
  }
}
