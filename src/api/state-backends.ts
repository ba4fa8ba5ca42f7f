/**
 * State backends for `env.setStateBackend(...)`, with Flink's class names where the meaning is Flink's: each one
 * is the `state.backend` value (and options) it stands for, written into the job's configuration. A backend's
 * name as a string works too (`env.setStateBackend('hashmap')`).
 *
 * ```ts
 * env.setStateBackend(new EmbeddedLmdbStateBackend(true));   // state on local disk, incremental checkpoints
 * ```
 */

/** What `env.setStateBackend` takes besides a name: the settings a backend stands for. */
export interface StateBackendSettings {
  /** @internal the `state.backend` value and any further keys */
  stateBackendSettings(): { name: string; keys: Readonly<Record<string, string>> };
}

/** Flink's HashMapStateBackend: working state as objects on the heap of each slot's worker (the default). */
export class HashMapStateBackend implements StateBackendSettings {
  /** @internal */
  stateBackendSettings(): { name: string; keys: Readonly<Record<string, string>> } {
    return { name: 'hashmap', keys: {} };
  }
}

/**
 * The disk backend (`state.backend: embedded-lmdb`): working state in an embedded LMDB store on local disk, for
 * state larger than the heap; with `enableIncrementalCheckpointing`, checkpoints upload only what changed
 * (`state.backend.incremental`). See docs/state-backends.md.
 */
export class EmbeddedLmdbStateBackend implements StateBackendSettings {
  constructor(private readonly enableIncrementalCheckpointing?: boolean) {}

  isIncrementalCheckpointsEnabled(): boolean {
    return this.enableIncrementalCheckpointing === true;
  }

  /** @internal */
  stateBackendSettings(): { name: string; keys: Readonly<Record<string, string>> } {
    const keys: Record<string, string> = {};
    if (this.enableIncrementalCheckpointing !== undefined) keys['state.backend.incremental'] = String(this.enableIncrementalCheckpointing);
    return { name: 'embedded-lmdb', keys };
  }
}
