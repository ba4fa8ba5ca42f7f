/**
 * Packs a tar.gz off the main thread. tar's asynchronous packer deadlocks on hard-linked files (node-tar issue
 * #460, open at 7.5.23: node-gyp builds such as ssh2's leave `build/Release/x.node` hard-linked into obj.target/),
 * and its promise then never settles; the synchronous packer is correct, so it runs here, where blocking is fine.
 */
import { parentPort, workerData } from 'node:worker_threads';
import * as tar from 'tar';

export interface PackRequest {
  cwd: string;
  file: string;
  names: string[];
}

/**
 * Every entry gets this modification time (and gzip writes none), so the same inputs give the same bytes on every
 * client: two clients with their own caches then agree on the size of a content-addressed archive in HDFS.
 */
const FIXED_MTIME = new Date('2000-01-01T00:00:00Z');

const req = workerData as PackRequest;
try {
  tar.c({ gzip: true, portable: true, mtime: FIXED_MTIME, cwd: req.cwd, file: req.file, noDirRecurse: true, sync: true }, req.names);
  parentPort?.postMessage({ ok: true });
} catch (err) {
  parentPort?.postMessage({ ok: false, message: err instanceof Error ? err.message : String(err) });
}
