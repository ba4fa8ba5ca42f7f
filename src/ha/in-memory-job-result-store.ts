/** Job results in this process only (high-availability: NONE). */
import { JobResultEntryError } from './ha-errors.js';
import type { JobResultEntry, JobResultStore } from './recovery-stores.js';

export class InMemoryJobResultStore implements JobResultStore {
  readonly #entries = new Map<string, { entry: JobResultEntry; clean: boolean }>();

  async createDirtyResult(entry: JobResultEntry): Promise<void> {
    if (this.#entries.has(entry.jobId)) throw new JobResultEntryError(`Job ${entry.jobId} has a result already.`);
    this.#entries.set(entry.jobId, { entry: structuredClone(entry), clean: false });
  }

  async markResultAsClean(jobId: string): Promise<void> {
    const e = this.#entries.get(jobId);
    if (e === undefined || e.clean) throw new JobResultEntryError(`Job ${jobId} has no dirty result to mark as clean.`);
    e.clean = true;
  }

  async hasJobResultEntry(jobId: string): Promise<boolean> {
    return this.#entries.has(jobId);
  }

  async hasDirtyJobResultEntry(jobId: string): Promise<boolean> {
    return this.#entries.get(jobId)?.clean === false;
  }

  async hasCleanJobResultEntry(jobId: string): Promise<boolean> {
    return this.#entries.get(jobId)?.clean === true;
  }

  async getDirtyResults(): Promise<JobResultEntry[]> {
    return [...this.#entries.values()].filter((e) => !e.clean).map((e) => structuredClone(e.entry));
  }
}
