/**
 * `high-availability.storageDir`: where recovery data lives, through the project's file systems (file://, hdfs://).
 * Checked when the HA services start, so a wrong or unreachable directory is one clear line at startup instead of
 * a failure at the first job submission.
 */
import { childPath, getFileSystem, UnsupportedFileSystemSchemeError } from '../fs/index.js';
import { HaStorageDirError } from './ha-errors.js';

/** `<storageDir>/<cluster-id>` (the cluster id's slashes at the start dropped, as Flink joins them). */
export function clusterStorageDir(storageDir: string, clusterId: string): string {
  return childPath(storageDir, clusterId.replace(/^\/+/, '').replace(/\/+$/, ''));
}

/** `<storageDir>/job-result-store/<cluster-id>`. */
export function defaultJobResultStoreDir(storageDir: string, clusterId: string): string {
  return clusterStorageDir(childPath(storageDir, 'job-result-store'), clusterId);
}

const TODO =
  'Set high-availability.storageDir to a directory every JobManager can write, e.g. hdfs://<namenode>:<port>/flink/recovery or file:///<shared path>';

/** Fails with one line naming the key and the URL unless the scheme is supported; no I/O. */
export function checkStorageDirScheme(storageDir: string | undefined): string {
  if (storageDir === undefined || storageDir.trim() === '') {
    throw new HaStorageDirError(undefined, '', `high-availability: zookeeper needs it. ${TODO}.`);
  }
  try {
    getFileSystem(storageDir);
  } catch (err) {
    if (err instanceof UnsupportedFileSystemSchemeError) {
      const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(storageDir)?.[1] ?? '';
      throw new HaStorageDirError(storageDir, `flink-ts has no file system for the scheme '${scheme}' (it has file:// and hdfs://)`, `${TODO}.`, err);
    }
    throw new HaStorageDirError(storageDir, (err as Error).message, `${TODO}.`, err);
  }
  return storageDir;
}

/**
 * Creates `dir` (the cluster's directory under the storage directory) and proves it writable with a small probe
 * file; fails with one line naming high-availability.storageDir and `storageDir`.
 */
export async function checkStorageDirReachable(storageDir: string, dir: string): Promise<void> {
  const fs = getFileSystem(dir);
  const probe = childPath(dir, `.flink-ts-probe-${process.pid}-${Date.now()}`);
  try {
    await fs.mkdirs(dir);
    const w = await fs.create(probe, 'OVERWRITE');
    await w.write('probe');
    await w.commit();
    await fs.delete(probe, false);
  } catch (err) {
    throw new HaStorageDirError(
      storageDir,
      `cannot create and write ${dir} (${(err as Error).message})`,
      `Check that the file system is up and this user may write there, or ${TODO.charAt(0).toLowerCase()}${TODO.slice(1)}.`,
      err,
    );
  }
}

/** Writes a whole file so that no half-written version is ever visible. */
export async function writeWholeFile(path: string, data: Uint8Array | string | AsyncIterable<Uint8Array>, mode: 'NO_OVERWRITE' | 'OVERWRITE'): Promise<void> {
  const w = await getFileSystem(path).create(path, mode);
  try {
    if (typeof data === 'string' || data instanceof Uint8Array) await w.write(data);
    else for await (const chunk of data) await w.write(chunk);
    await w.commit();
  } catch (err) {
    await w.abort().catch(() => undefined);
    throw err;
  }
}

/** A whole file's bytes, or undefined when it does not exist. */
export async function readWholeFile(path: string): Promise<Uint8Array | undefined> {
  const fs = getFileSystem(path);
  if (!(await fs.exists(path))) return undefined;
  const chunks: Uint8Array[] = [];
  for await (const chunk of fs.open(path)) chunks.push(chunk);
  return Buffer.concat(chunks);
}
