/**
 * Job results as JSON files in a directory (Flink's FileSystemJobResultStore): `<jobid>_DIRTY.json` while the job's
 * data is being cleaned up, then deleted (job-result-store.delete-on-commit, the default) or renamed to
 * `<jobid>.json`. The fields follow Flink's names; the failure is flink-ts' serialized error, not a Java object.
 */
import { childPath, getFileSystem } from '../fs/index.js';
import { HaDataCorruptError, JobResultEntryError } from './ha-errors.js';
import type { JobApplicationStatus, JobResultEntry, JobResultStore } from './recovery-stores.js';
import { readWholeFile, writeWholeFile } from './storage-dir.js';

const DIRTY = '_DIRTY.json';

interface ResultFile {
  version: 1;
  result: {
    id: string;
    'application-status': JobApplicationStatus;
    'accumulator-results': Record<string, unknown>;
    'net-runtime': number;
    failure?: JobResultEntry['failure'];
  };
}

export class FileSystemJobResultStore implements JobResultStore {
  constructor(
    readonly directory: string,
    private readonly deleteOnCommit: boolean,
  ) {}

  #dirty(jobId: string): string {
    return childPath(this.directory, `${checkJobId(jobId)}${DIRTY}`);
  }

  #clean(jobId: string): string {
    return childPath(this.directory, `${checkJobId(jobId)}.json`);
  }

  async createDirtyResult(entry: JobResultEntry): Promise<void> {
    if (await this.hasJobResultEntry(entry.jobId)) throw new JobResultEntryError(`Job ${entry.jobId} has a result already.`);
    const file: ResultFile = {
      version: 1,
      result: {
        id: entry.jobId,
        'application-status': entry.applicationStatus,
        'accumulator-results': { ...(entry.accumulatorResults ?? {}) },
        'net-runtime': entry.netRuntime,
        ...(entry.failure === undefined ? {} : { failure: entry.failure }),
      },
    };
    await writeWholeFile(this.#dirty(entry.jobId), JSON.stringify(file), 'NO_OVERWRITE');
  }

  async markResultAsClean(jobId: string): Promise<void> {
    const dirty = this.#dirty(jobId);
    const fs = getFileSystem(dirty);
    if (!(await fs.exists(dirty))) {
      if (!this.deleteOnCommit && (await fs.exists(this.#clean(jobId)))) return;
      throw new JobResultEntryError(`Job ${jobId} has no dirty result to mark as clean.`);
    }
    if (this.deleteOnCommit) await fs.delete(dirty, false);
    else await fs.rename(dirty, this.#clean(jobId));
  }

  async hasJobResultEntry(jobId: string): Promise<boolean> {
    return (await this.hasDirtyJobResultEntry(jobId)) || (await this.hasCleanJobResultEntry(jobId));
  }

  async hasDirtyJobResultEntry(jobId: string): Promise<boolean> {
    const path = this.#dirty(jobId);
    return getFileSystem(path).exists(path);
  }

  async hasCleanJobResultEntry(jobId: string): Promise<boolean> {
    const path = this.#clean(jobId);
    return getFileSystem(path).exists(path);
  }

  async getDirtyResults(): Promise<JobResultEntry[]> {
    const fs = getFileSystem(this.directory);
    if (!(await fs.exists(this.directory))) return [];
    const out: JobResultEntry[] = [];
    for (const status of await fs.list(this.directory)) {
      const name = status.path.slice(status.path.lastIndexOf('/') + 1);
      if (status.isDirectory || !name.endsWith(DIRTY)) continue;
      const path = childPath(this.directory, name);
      const bytes = await readWholeFile(path);
      if (bytes === undefined) continue; // cleaned meanwhile
      out.push(parseResult(path, bytes));
    }
    return out;
  }
}

function parseResult(path: string, bytes: Uint8Array): JobResultEntry {
  try {
    const file = JSON.parse(Buffer.from(bytes).toString('utf8')) as ResultFile;
    const r = file.result;
    if (typeof r?.id !== 'string' || typeof r['application-status'] !== 'string') throw new Error('fields result.id and result.application-status are missing');
    return {
      jobId: r.id,
      applicationStatus: r['application-status'],
      netRuntime: Number(r['net-runtime'] ?? 0),
      accumulatorResults: r['accumulator-results'] ?? {},
      ...(r.failure === undefined ? {} : { failure: r.failure }),
    };
  } catch (err) {
    throw new HaDataCorruptError(`The job result ${path}`, err);
  }
}

/** Job ids become file names: nothing that could leave the directory. */
export function checkJobId(jobId: string): string {
  if (!/^[A-Za-z0-9_-]+$/.test(jobId)) throw new RangeError(`'${jobId}' is not a job id (letters, digits, '-' and '_')`);
  return jobId;
}
