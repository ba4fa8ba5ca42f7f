/**
 * State and timers of streaming operators.
 *
 * ```ts
 * const backend = new HashMapStateBackend().createKeyedStateBackend({ operatorName: 'op', maxParallelism: 128,
 *   keyGroupRange: keyGroupRangeForSubtask(128, 2, 0), now: Date.now });
 * const count = backend.getPartitionedState<ValueState<number>>(new ValueStateDescriptor('count'));
 * backend.setCurrentKey('a');
 * count.update((count.value() ?? 0) + 1);
 * ```
 */
export {
  keyGroupRangeForSubtask,
  KeyedStateNotAvailableError,
  NO_KEY,
  VOID_NAMESPACE,
  type InternalKvState,
  type KeyGroupRange,
  type KeyedStateBackend,
  type KeyedStateBackendOptions,
  type OperatorStateBackend,
  type StateBackend,
} from './state-backend.js';
export { HashMapStateBackend } from './heap-state-backend.js';
export { EmbeddedLmdbStateBackend, type EmbeddedLmdbStateBackendOptions } from './lmdb/index.js';
export { stateBackendFor } from './state-backend-factory.js';
export {
  ChangeOp,
  decodeKeyGroup,
  encodeChanges,
  encodeKeyGroup,
  resolveKeyGroupChain,
  splitEvenly,
  type KeyedBackendSnapshot,
  type KeyedSnapshotOptions,
  type KeyedSnapshotParticipant,
  type KeyedStateChange,
  type KeyedStateEntry,
  type OperatorStateSnapshot,
} from './snapshot.js';
export { keyGroupEntries } from './key-group-entries.js';
export type { MergingState } from './heap-keyed-state-backend.js';
export { InternalTimerService, type InternalTimer, type ProcessingTimeService, type Triggerable } from './timer-service.js';
export { stateKey } from './state-key.js';
export { operatorStateStore, broadcastState } from './operator-state-store.js';
export { isStateRestored, NoSuchBroadcastVariableError, stateRuntimeContext, type BroadcastVariables, type TaskInfo } from './runtime-context.js';
