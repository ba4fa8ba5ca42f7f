/** Job graphs kept in this process only (high-availability: NONE): nothing survives the JobManager. */
import type { JobGraphStore } from './recovery-stores.js';

export class InMemoryJobGraphStore implements JobGraphStore {
  readonly #graphs = new Map<string, Uint8Array>();

  async putJobGraph(jobId: string, graph: Uint8Array): Promise<void> {
    this.#graphs.set(jobId, Uint8Array.from(graph));
  }

  async recoverJobGraph(jobId: string): Promise<Uint8Array | undefined> {
    const graph = this.#graphs.get(jobId);
    return graph === undefined ? undefined : Uint8Array.from(graph);
  }

  async getJobIds(): Promise<string[]> {
    return [...this.#graphs.keys()];
  }

  async releaseJobGraph(): Promise<void> {}

  async removeJobGraph(jobId: string): Promise<boolean> {
    this.#graphs.delete(jobId);
    return true;
  }
}
