/**
 * The embedded on-disk keyed state backend (`state.backend: embedded-lmdb`) for state larger than the heap:
 * keyed state lives in an LMDB environment (the `lmdb` package) in the task's local directory, with the heap
 * backend's semantics and the same canonical snapshot format, so checkpoints move between the two backends.
 * Why LMDB: docs/state-backends.md.
 *
 * ```ts
 * const keyed = new EmbeddedLmdbStateBackend().createKeyedStateBackend({ operatorName: 'Count', maxParallelism: 128,
 *   keyGroupRange: { start: 0, end: 127 }, now: Date.now, localDirectory: '/data/task-1' });
 * const count = keyed.getPartitionedState<ValueState<number>>(new ValueStateDescriptor('count'));
 * keyed.setCurrentKey('user-1');
 * count.update((count.value() ?? 0) + 1);
 * keyed.close(); // closes the environment and removes its directory
 * ```
 */
export {
  EmbeddedLmdbStateBackend,
  DEFAULT_MAX_BUFFERED_BYTES,
  DEFAULT_MAX_BUFFERED_ENTRIES,
  type EmbeddedLmdbStateBackendOptions,
} from './embedded-lmdb-state-backend.js';
export { StateKeyTooLargeError, MAX_KEY_BYTES } from './key-layout.js';
export type { LmdbKeyedStateBackend } from './lmdb-keyed-state-backend.js';
