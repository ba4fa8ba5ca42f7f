/**
 * The files of a row-format file sink and what its checkpoints say about them.
 *
 * Names follow Flink 1.20's FileSink (FileWriterBucket.assembleNewPartPath): a part file is
 * `<prefix>-<uuid>-<counter><suffix>` in its bucket directory; while it waits for its checkpoint it is hidden
 * as `.<part name>.inprogress.<uuid>` (the name Flink's local and Hadoop recoverable writers use). Flink draws
 * the uuid at random per bucket; here it is one uuid per sink subtask and job, derived from the job id, the
 * operator and the subtask index, so that a restarted subtask recognises the hidden files its earlier attempts
 * left behind (and only those: another job, or another sink, has another uuid). While bytes are still being
 * written the file has one more hidden name, the FileSystem's own temporary `..<part name>.inprogress.<uuid>
 * .inprogress.<hex>`, so a pending file is always complete.
 *
 * Operator state: one item per subtask and checkpoint, {@link FileSinkStateItem}.
 */
import { createHash } from 'node:crypto';
import { childPath, type FileSystem } from '../../fs/index.js';
import { FlinkError } from '../../util/errors.js';

/** A closed part file waiting for the checkpoint `checkpointId` to complete; then `pendingPath` becomes `path`. */
export interface PendingFileState {
  checkpointId: number;
  bucketId: string;
  /** The hidden name, `<bucket dir>/.<part name>.inprogress.<uuid>`. */
  pendingPath: string;
  /** The final, visible name, `<bucket dir>/<part name>`. */
  path: string;
}

/** What a file sink subtask puts into a checkpoint. */
export interface FileSinkStateItem {
  /** Format version of this item. */
  v: 1;
  kind: 'file-sink';
  /** The uuid in this subtask's part file names. */
  writerId: string;
  /** The counter of the next part file this writer opens, so that names are never used twice. */
  nextPartCounter: number;
  /** Every closed part file not committed yet, in the order they were closed. */
  pending: PendingFileState[];
}

export class FileSinkStateError extends FlinkError {
  constructor(what: string) {
    super('FILE_SINK_STATE', `The file sink cannot read its state from the checkpoint: ${what}. Was the checkpoint written by another operator? Give the sink the uid it had (DataStreamSink.uid), or start without that state.`);
  }
}

/** A pending file that a completed checkpoint names is gone, and its final name is not there either. */
export class PendingFileMissingError extends FlinkError {
  constructor(pendingPath: string, path: string, cause?: unknown) {
    super(
      'FILE_SINK_PENDING_FILE_MISSING',
      `File sink: the part file ${path} cannot be committed: neither its pending file ${pendingPath} nor the file itself exists. ` +
        'Something removed it from the output directory after the checkpoint that covers it completed; its records are lost from the output. ' +
        'Restore from a checkpoint or savepoint whose files are intact, or start the job without state.',
      { cause },
    );
  }
}

export function parseStateItem(item: unknown): FileSinkStateItem {
  const o = item as Partial<FileSinkStateItem> | null;
  if (o === null || typeof o !== 'object' || o.kind !== 'file-sink') throw new FileSinkStateError(`an item is not file sink state (${o === null ? 'null' : typeof o === 'object' ? `kind ${String(o.kind)}` : typeof o})`);
  if (o.v !== 1) throw new FileSinkStateError(`state format version ${String(o.v)} is not known to this flink-ts version`);
  if (typeof o.writerId !== 'string' || typeof o.nextPartCounter !== 'number' || !Array.isArray(o.pending)) throw new FileSinkStateError('an item lacks writerId, nextPartCounter or pending');
  for (const p of o.pending) {
    if (typeof p?.pendingPath !== 'string' || typeof p.path !== 'string' || typeof p.checkpointId !== 'number') throw new FileSinkStateError('a pending file lacks its paths or checkpoint id');
  }
  return o as FileSinkStateItem;
}

/** The uuid of one sink subtask in one job: the same in every attempt of that job, different in every other. */
export function writerIdFor(jobId: string, operatorId: number, subtask: number): string {
  const h = createHash('sha256').update(`flink-ts file sink\0${jobId}\0${operatorId}\0${subtask}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

export function partFileName(prefix: string, writerId: string, counter: number, suffix: string): string {
  return `${prefix}-${writerId}-${counter}${suffix}`;
}

export function bucketDir(basePath: string, bucketId: string): string {
  return bucketId === '' ? basePath : childPath(basePath, bucketId);
}

/**
 * Renames a pending file to its final name. Done again after a restore, so "already done" is fine: the pending
 * file is gone and the final file is there. If both exist the final one was left by an earlier attempt that reused
 * the name (a bounded input that committed at its end before the job failed elsewhere), and the new one replaces it.
 */
export async function commitPendingFile(fs: FileSystem, f: Pick<PendingFileState, 'pendingPath' | 'path'>): Promise<void> {
  try {
    await fs.rename(f.pendingPath, f.path);
    return;
  } catch (err) {
    const [source, target] = await Promise.all([fs.exists(f.pendingPath), fs.exists(f.path)]);
    if (!source && target) return;
    if (source && target) {
      await fs.delete(f.path, false);
      await fs.rename(f.pendingPath, f.path);
      return;
    }
    if (!source) throw new PendingFileMissingError(f.pendingPath, f.path, err);
    throw err;
  }
}

/**
 * Deletes the hidden files of `writerId` anywhere below `basePath`: in-progress and pending files of attempts
 * that did not reach a completed checkpoint. Call it only after the restored pending files were committed.
 * Returns how many files went.
 */
export async function removeLeftovers(fs: FileSystem, basePath: string, prefix: string, writerId: string): Promise<number> {
  const mark = `.${prefix}-${writerId}-`;
  const root = await fs.stat(basePath);
  if (!root?.isDirectory) return 0;
  let removed = 0;
  const visit = async (dir: string): Promise<void> => {
    for (const st of await fs.list(dir)) {
      const name = st.path.replace(/\/+$/, '').slice(st.path.replace(/\/+$/, '').lastIndexOf('/') + 1);
      const path = childPath(dir, name);
      if (st.isDirectory) await visit(path);
      else if (name.startsWith(mark) || name.startsWith(`.${mark}`)) {
        if (await fs.delete(path, false)) removed++;
      }
    }
  };
  await visit(basePath);
  return removed;
}
