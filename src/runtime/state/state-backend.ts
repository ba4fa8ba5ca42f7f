/**
 * The state backend contract. Keyed state lives in a KeyedStateBackend per keyed operator instance, held
 * per key group so that a snapshot can be written and later split across another parallelism by key-group
 * ranges (the checkpoint issue adds snapshots and a disk implementation behind this same interface).
 */
import type { StateDescriptor } from '../../api/state.js';
import type { KeyedBackendSnapshot, KeyedSnapshotOptions, KeyedSnapshotParticipant, OperatorStateSnapshot } from './snapshot.js';
import { UsageError } from '../../util/errors.js';

/** An inclusive range of key groups, Flink's KeyGroupRange. */
export interface KeyGroupRange {
  readonly start: number;
  readonly end: number;
}

/** Flink's KeyGroupRangeAssignment.computeKeyGroupRangeForOperatorIndex. */
export function keyGroupRangeForSubtask(maxParallelism: number, parallelism: number, subtask: number): KeyGroupRange {
  return {
    start: Math.floor((subtask * maxParallelism + parallelism - 1) / parallelism),
    end: Math.floor(((subtask + 1) * maxParallelism - 1) / parallelism),
  };
}

/**
 * The current key while an operator processes something that has no key (a broadcast element): keyed state
 * used then is a usage mistake, reported as such instead of touching the last record's key.
 */
export const NO_KEY: unique symbol = Symbol('no current key');

/** The namespace of state that is not scoped to a window. */
export const VOID_NAMESPACE = '';

/** A state object as the runtime uses it: scoped to the backend's current key and its own namespace. */
export interface InternalKvState {
  /** Namespaces are primitives (a window is turned into one by the window operator). */
  setCurrentNamespace(namespace: string | number): void;
  clear(): void;
}

export interface KeyedStateBackendOptions {
  /** Name of the operator, for messages. */
  operatorName: string;
  maxParallelism: number;
  keyGroupRange: KeyGroupRange;
  /** Wall-clock time for state TTL. */
  now(): number;
  /** A directory of this task's own for backends that keep state on local disk; removed by the task at its end. */
  localDirectory?: string;
}

export interface KeyedStateBackend {
  readonly keyGroupRange: KeyGroupRange;
  /** Scopes every state of this backend to `key` (as the key selector returned it) until the next call. */
  setCurrentKey(key: unknown): void;
  getCurrentKey(): unknown;
  /**
   * The state the descriptor names, created on first use; always the same object for the same name. The
   * state starts in the void namespace.
   */
  getPartitionedState<S>(descriptor: StateDescriptor): S & InternalKvState;
  /** Calls `fn` for every key that has a value in the named state and namespace (the current key changes). */
  applyToAllKeys(stateName: string, namespace: string | number, fn: (key: unknown) => void): void;
  /** Number of keys with a value in any state (for tests and metrics). */
  numKeys(): number;
  /**
   * Checkpoints: state the operator keeps itself (timers, a keyed reduce's values) joins this backend's
   * snapshots. Entries restored for its name before it registered are handed to it now.
   */
  registerParticipant(participant: KeyedSnapshotParticipant): void;
  /**
   * Checkpoints: the synchronous part of a snapshot of every state and participant (see KeyedBackendSnapshot).
   * A backend that keeps no changelog ignores `options.changelog` and answers in full.
   */
  snapshot(checkpointId: number, options?: KeyedSnapshotOptions): KeyedBackendSnapshot;
  /**
   * Restore, before the operator opens: one key group's canonical bytes (see snapshot.ts). Only groups in this
   * backend's range are passed; states not created yet get their entries when they are.
   */
  restoreKeyGroup(keyGroup: number, bytes: Uint8Array): void;
  close(): void;
}

export interface OperatorStateBackend {
  getListState<T>(name: string, union: boolean): { get(): Iterable<T>; add(v: T): void; addAll(vs: Iterable<T>): void; update(vs: Iterable<T>): void; clear(): void };
  getBroadcastState<K, V>(name: string): Map<K, V>;
  /** Checkpoints: copies of every list and broadcast map (taken synchronously). */
  snapshot(): OperatorStateSnapshot;
  /** Restore, before the operator opens: the lists and maps this subtask gets (already redistributed). */
  restore(state: OperatorStateSnapshot): void;
  /** Whether restore() was called (a CheckpointedFunction's `isRestored()`). */
  readonly restored: boolean;
  close(): void;
}

/** Creates the state holders of one task; chosen by `state.backend`. */
export interface StateBackend {
  readonly name: string;
  createKeyedStateBackend(options: KeyedStateBackendOptions): KeyedStateBackend;
  createOperatorStateBackend(operatorName: string): OperatorStateBackend;
}

/** Keyed state or timers asked for outside a keyed stream: a usage mistake. */
export class KeyedStateNotAvailableError extends UsageError {
  constructor(what: string, operatorName: string) {
    super(
      `${what} can only be used on a keyed stream, i.e. after keyBy() (operator ${operatorName}). ` +
        'Add keyBy(...) before this operator, or use operator state (a CheckpointedFunction) instead.',
    );
  }
}

/** A list state element, checked: null and undefined cannot be stored (as in Flink). */
export function checkListElement(v: unknown, method: string): unknown {
  if (v === null || v === undefined) throw new UsageError(`ListState.${method}: null and undefined cannot be added to a list state.`);
  return v;
}

/** All elements for addAll/update, checked first, so a null in the middle leaves the list as it was. */
export function checkListElements(vs: Iterable<unknown>, method: string): unknown[] {
  const all = [...vs];
  for (const v of all) checkListElement(v, method);
  return all;
}
