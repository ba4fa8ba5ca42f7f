/**
 * What state backends and operators hand to a checkpoint, and get back on restore.
 *
 * Keyed state is written per key group in one canonical form that every backend reads and writes (the heap
 * backend and the disk backend alike, so a savepoint taken with one restores into the other): a key group's
 * bytes are a run of records in the stream codec, each `[stateName, namespace, mapKey, value]`, where `mapKey`
 * is the key as state maps hold it ({@link stateKey}) and `value` is the stored value (with its TTL stamp when
 * the state has a TTL). Names starting with `_` belong to the runtime (timers, the keyed reduce's running values).
 *
 * Operator state is lists of items, redistributed on restore the way Flink redistributes operator ListState:
 * at the same parallelism subtask i gets back what subtask i wrote; at another parallelism the items of all old
 * subtasks are concatenated and split into contiguous, near-equal shares. Union lists give every subtask all
 * items; broadcast state gives every subtask subtask 0's copy.
 */
import { decodeRecords, encodeRecord } from '../codec/index.js';

/** One stored entry of keyed state in the canonical form. */
export type KeyedStateEntry = [stateName: string, namespace: string | number, mapKey: unknown, value: unknown];

/** Encodes a key group's entries in the canonical form. */
export function encodeKeyGroup(entries: KeyedStateEntry[]): Uint8Array {
  return encodeRecord(entries);
}

/** Decodes a key group's entries written by {@link encodeKeyGroup}. */
export function decodeKeyGroup(bytes: Uint8Array): KeyedStateEntry[] {
  return (decodeRecords(bytes)[0] ?? []) as KeyedStateEntry[];
}

/**
 * State a keyed operator keeps outside the backend's named states (timers, a keyed reduce's running values),
 * registered with the backend so that its snapshots include it.
 */
export interface KeyedSnapshotParticipant {
  /** The state name its entries carry; starts with `_`. */
  readonly name: string;
  /** Every entry: namespace, the key as maps hold it, and the value. Called synchronously at the barrier. */
  entries(): Iterable<[namespace: string | number, mapKey: unknown, value: unknown]>;
  /** Puts back one entry on restore (only entries of this subtask's key groups arrive). */
  restore(namespace: string | number, mapKey: unknown, value: unknown): void;
}

/**
 * A keyed backend's snapshot: the synchronous part is done when it is returned (for the heap backend, the
 * bytes exist; the disk backend holds a read transaction); the key groups are then read while processing
 * goes on, and written to the checkpoint by the task.
 */
export interface KeyedBackendSnapshot {
  /** The key groups that have state, each with its canonical bytes, in ascending key-group order. */
  keyGroups(): AsyncIterable<[keyGroup: number, bytes: Uint8Array]>;
  /** Frees what the snapshot holds (a read transaction); called once, also when writing failed. */
  release(): void;
}

/** An operator state backend's state: named lists and broadcast maps. */
export interface OperatorStateSnapshot {
  lists: Array<{ name: string; union: boolean; items: unknown[] }>;
  broadcast: Array<{ name: string; entries: Array<[unknown, unknown]> }>;
}

/** Splits `items` into `parallelism` contiguous shares as Flink's round-robin operator state assignment does. */
export function splitEvenly<T>(items: T[], parallelism: number, subtask: number): T[] {
  const base = Math.floor(items.length / parallelism);
  const extra = items.length % parallelism;
  const start = subtask * base + Math.min(subtask, extra);
  return items.slice(start, start + base + (subtask < extra ? 1 : 0));
}
