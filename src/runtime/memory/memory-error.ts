import { FlinkError } from '../../util/errors.js';

/**
 * An operator needs more managed memory than its slot has and cannot spill what it holds (a group handed to a
 * user function as one array, say). Raising the managed memory (or the parallelism) helps; restarting does not.
 */
export class ManagedMemoryExhaustedError extends FlinkError {
  constructor(message: string) {
    super('MANAGED_MEMORY_EXHAUSTED', message);
  }
}

/** A spill file could not be written or read (disk full, directory removed). */
export class SpillFileError extends FlinkError {
  constructor(message: string, cause: unknown) {
    super('SPILL_FILE_FAILED', message, { cause });
  }
}
