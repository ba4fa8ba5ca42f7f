/**
 * What the JobMaster does for file sinks before and after the tasks run (Flink's initializeGlobal /
 * finalizeGlobal): apply the write mode to the output path once, create the directory of a parallel
 * sink, and after a failure remove the sink's hidden in-progress files.
 */
import type { JobGraph } from '../../graph/index.js';
import { childPath, FileAlreadyExistsError, getFileSystem } from '../../fs/index.js';
import { resolveJobPath } from '../../runtime/task/stream-task.js';

interface FileSink {
  path: string;
  writeMode: string;
  parallelism: number;
}

function fileSinks(g: JobGraph): FileSink[] {
  const out: FileSink[] = [];
  for (const v of g.vertices) {
    for (const op of v.operators) {
      if (op.operator === 'sink:text') {
        out.push({ path: resolveJobPath(g, op.params.path as string), writeMode: op.params.writeMode as string, parallelism: v.parallelism });
      }
    }
  }
  return out;
}

export async function prepareFileSinks(g: JobGraph): Promise<void> {
  for (const s of fileSinks(g)) {
    const fs = getFileSystem(s.path);
    const exists = await fs.exists(s.path);
    if (exists) {
      if (s.writeMode !== 'OVERWRITE') throw new FileAlreadyExistsError(s.path);
      await fs.delete(s.path, true);
    }
    if (s.parallelism > 1) await fs.mkdirs(s.path);
  }
}

/**
 * Removes the hidden `.<name>.inprogress.<hex>` files a cancelled or failed sink left behind: only those of the
 * sink's own file names (`1`..`n`, or the file's name), since other sinks (a FileSink's pending part files) may
 * share the directory.
 */
export async function cleanupFileSinks(g: JobGraph): Promise<void> {
  for (const s of fileSinks(g)) {
    const fs = getFileSystem(s.path);
    const slash = s.path.lastIndexOf('/');
    const dir = s.parallelism > 1 ? s.path : s.path.slice(0, Math.max(0, slash)) || '.';
    const own = s.parallelism > 1 ? '[1-9][0-9]*' : escapeRegExp(s.path.slice(slash + 1));
    const temporary = new RegExp(`^\\.${own}\\.inprogress\\.[0-9a-f]+$`);
    const st = await fs.stat(dir);
    if (!st?.isDirectory) continue;
    for (const f of await fs.list(dir)) {
      const name = f.path.slice(f.path.lastIndexOf('/') + 1);
      if (temporary.test(name)) await fs.delete(f.path.includes('/') ? f.path : childPath(dir, name), false);
    }
  }
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
