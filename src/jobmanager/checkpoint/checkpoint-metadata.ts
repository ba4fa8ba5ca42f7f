/**
 * Reading a checkpoint's or savepoint's `_metadata` (for `run -s`, savepoint disposal) and checking that its
 * state maps to the job that is to restore it.
 */
import { childPath, getFileSystem } from '../../fs/index.js';
import type { JobGraph } from '../../graph/index.js';
import type { CheckpointMetadata } from '../../rpc/gateways.js';
import { operatorUid } from '../../runtime/task/task-checkpoints.js';
import { FlinkError } from '../../util/errors.js';

export class CheckpointNotFoundError extends FlinkError {
  constructor(path: string, detail: string) {
    super(
      'SAVEPOINT_NOT_FOUND',
      `Cannot restore from ${path}: ${detail}. Give the directory of a savepoint or retained checkpoint (the one holding _metadata), ` +
        'or that _metadata file itself.',
    );
  }
}

/** Reads `<path>/_metadata` (or `path` itself when it names the file). */
export async function loadCheckpointMetadata(path: string): Promise<CheckpointMetadata> {
  const trimmed = path.replace(/\/+$/, '');
  const file = trimmed.endsWith('/_metadata') || trimmed === '_metadata' ? trimmed : childPath(trimmed, '_metadata');
  const fs = getFileSystem(file);
  const dir = file.slice(0, file.length - '/_metadata'.length);
  let text = '';
  try {
    if (!(await fs.exists(file))) throw new CheckpointNotFoundError(path, (await fs.exists(dir)) ? 'the directory holds no _metadata file' : 'it does not exist');
    const parts: Buffer[] = [];
    for await (const chunk of fs.open(file)) parts.push(Buffer.from(chunk));
    text = Buffer.concat(parts).toString('utf8');
  } catch (err) {
    if (err instanceof CheckpointNotFoundError) throw err;
    throw new CheckpointNotFoundError(path, `it could not be read (${(err as Error).message})`);
  }
  let meta: CheckpointMetadata;
  try {
    meta = JSON.parse(text) as CheckpointMetadata;
  } catch {
    throw new CheckpointNotFoundError(path, 'its _metadata is not a flink-ts checkpoint (savepoints of Apache Flink cannot be read)');
  }
  if (meta.version !== 1 || !Array.isArray(meta.operators)) throw new CheckpointNotFoundError(path, `its _metadata has an unknown version (${String(meta.version)})`);
  // The files are found next to _metadata, wherever the savepoint was moved to.
  return { ...meta, directory: dir };
}

/**
 * Every operator state in the checkpoint must belong to an operator of the job (by uid), unless the user allowed
 * state to be left out (`-n` / `--allowNonRestoredState`).
 */
export function checkRestorable(meta: CheckpointMetadata, graph: JobGraph, allowNonRestored: boolean, path: string): void {
  const uids = new Set(graph.vertices.flatMap((v) => v.operators.map(operatorUid)));
  const missing = meta.operators.filter((o) => !uids.has(o.uid));
  if (missing.length === 0 || allowNonRestored) return;
  const list = missing.map((o) => `${o.name} (uid ${o.uid})`).join(', ');
  throw new FlinkError(
    'NON_RESTORED_STATE',
    `Cannot restore ${path}: it has state for operator(s) the job does not have: ${list}. Give those operators the same uid() as before, ` +
      'or skip their state with --allowNonRestoredState (-n) on bin/flink run.',
  );
}
