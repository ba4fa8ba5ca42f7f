/** A job's checkpoint ids in this process only (high-availability: NONE). */
import type { CheckpointIdCounter } from './recovery-stores.js';

export class InMemoryCheckpointIdCounter implements CheckpointIdCounter {
  #next = 1;

  async getAndIncrement(): Promise<number> {
    return this.#next++;
  }

  async get(): Promise<number> {
    return this.#next;
  }

  async setCount(nextId: number): Promise<void> {
    if (!Number.isSafeInteger(nextId) || nextId < 1) throw new RangeError(`A checkpoint id is a whole number of at least 1, not ${nextId}`);
    this.#next = nextId;
  }

  async shutdown(): Promise<void> {}
}
