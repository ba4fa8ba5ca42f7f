/** A job's exception history (`GET /jobs/:jobid/exceptions`): every failure, oldest first, with where it happened. */
import { formatErrorChain, serializeError } from '../../util/errors.js';
import type { JobExceptionEntry } from '../dispatcher/dispatcher-gateway.js';
import { isSerialized } from './executions.js';

/** Where a failure happened: the task, and the TaskManager it ran on (also once that is gone). */
export interface ExceptionLocation {
  taskName: string | undefined;
  location?: string;
  taskManagerId?: string;
}

export class ExceptionHistory {
  readonly #entries: JobExceptionEntry[] = [];

  record(err: unknown, where: ExceptionLocation | undefined): void {
    const data = isSerialized(err) ? err : serializeError(err);
    const entry: JobExceptionEntry = { exception: formatErrorChain(data), timestamp: Date.now() };
    if (where?.taskName) entry.taskName = where.taskName;
    if (where?.location) entry.location = where.location;
    if (where?.taskManagerId) entry.taskManagerId = where.taskManagerId;
    this.#entries.push(entry);
  }

  history(): { root: JobExceptionEntry | undefined; all: JobExceptionEntry[] } {
    return { root: this.#entries[0], all: [...this.#entries] };
  }
}
