/** Completed checkpoints of a job kept in this process only (high-availability: NONE). */
import type { CompletedCheckpointPointer, CompletedCheckpointStore } from './recovery-stores.js';

export class InMemoryCompletedCheckpointStore implements CompletedCheckpointStore {
  /** Oldest first. */
  readonly #checkpoints: CompletedCheckpointPointer[] = [];

  constructor(readonly maxRetained: number) {
    if (!Number.isInteger(maxRetained) || maxRetained < 1) throw new RangeError(`maxRetained must be at least 1, not ${maxRetained}`);
  }

  async addCheckpoint(checkpoint: CompletedCheckpointPointer): Promise<CompletedCheckpointPointer[]> {
    const i = this.#checkpoints.findIndex((c) => c.checkpointId >= checkpoint.checkpointId);
    if (i >= 0 && this.#checkpoints[i]?.checkpointId === checkpoint.checkpointId) this.#checkpoints[i] = { ...checkpoint };
    else if (i < 0) this.#checkpoints.push({ ...checkpoint });
    else this.#checkpoints.splice(i, 0, { ...checkpoint });
    const excess = Math.max(0, this.#checkpoints.length - this.maxRetained);
    return this.#checkpoints.splice(0, excess);
  }

  async getLatestCheckpoint(): Promise<CompletedCheckpointPointer | undefined> {
    return this.#checkpoints.at(-1);
  }

  async getAllCheckpoints(): Promise<CompletedCheckpointPointer[]> {
    return [...this.#checkpoints];
  }

  async shutdown(globallyTerminal: boolean): Promise<CompletedCheckpointPointer[]> {
    return globallyTerminal ? this.#checkpoints.splice(0) : [];
  }
}
