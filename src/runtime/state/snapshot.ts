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
 * Changelog snapshots (incremental checkpoints of the heap backend): a key group's changes since the backend's
 * previous snapshot, as records of entries with an operation. `PUT` replaces whatever the (name, namespace, key)
 * held; `REMOVE` deletes it. `ADD` and `DELETE` are for state that holds several values under one key (timers):
 * they add or remove one value. A chain is a full key group followed by the changes of later snapshots, in order;
 * {@link resolveKeyGroupChain} turns it back into the canonical form, so backends only ever restore that.
 */
export const ChangeOp = { PUT: 0, REMOVE: 1, ADD: 2, DELETE: 3 } as const;
export type ChangeOp = (typeof ChangeOp)[keyof typeof ChangeOp];

/** One change of keyed state; a removal's value is null (or, for DELETE, the value removed). */
export type KeyedStateChange = [stateName: string, namespace: string | number, mapKey: unknown, value: unknown, op: ChangeOp];

/** Encodes one key group's changes (see {@link ChangeOp}). */
export function encodeChanges(changes: KeyedStateChange[]): Uint8Array {
  return encodeRecord(changes);
}

/**
 * The canonical bytes of a key group from its chain: a full key group (bytes of {@link encodeKeyGroup}, possibly
 * cut into several parts) followed by encoded changes. Later entries win; values of one (name, namespace, key)
 * that came as several entries (timers) stay a set.
 */
export function resolveKeyGroupChain(parts: Uint8Array[]): Uint8Array {
  const byId = new Map<string, { name: string; ns: string | number; mapKey: unknown; values: unknown[] }>();
  const slot = (name: string, ns: string | number, mapKey: unknown): { values: unknown[] } => {
    const id = `${name}\u0000${typeof ns}${String(ns)}\u0000${typeof mapKey}${String(mapKey)}`;
    let e = byId.get(id);
    if (e === undefined) byId.set(id, (e = { name, ns, mapKey, values: [] }));
    return e;
  };
  for (const part of parts) {
    for (const record of decodeRecords(part)) {
      for (const entry of record as Array<KeyedStateEntry | KeyedStateChange>) {
        const [name, ns, mapKey, value] = entry;
        const e = slot(name, ns, mapKey);
        switch (entry.length === 5 ? entry[4] : undefined) {
          case undefined:
            e.values.push(value);
            break;
          case ChangeOp.PUT:
            e.values = [value];
            break;
          case ChangeOp.REMOVE:
            e.values = [];
            break;
          case ChangeOp.ADD:
            if (!e.values.some((v) => sameValue(v, value))) e.values.push(value);
            break;
          case ChangeOp.DELETE:
            e.values = e.values.filter((v) => !sameValue(v, value));
            break;
        }
      }
    }
  }
  const out: KeyedStateEntry[] = [];
  for (const e of byId.values()) for (const v of e.values) out.push([e.name, e.ns, e.mapKey, v]);
  return encodeKeyGroup(out);
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  const json = (v: unknown): string => JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? `${x}n` : x));
  return typeof a === 'object' && typeof b === 'object' && json(a) === json(b);
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
  /**
   * Changelog snapshots: what changed since the previous call, as entries with their {@link ChangeOp}. The first
   * call starts the recording and returns nothing. A participant without it makes its backend take full snapshots.
   */
  changes?(): Iterable<[namespace: string | number, mapKey: unknown, value: unknown, op: ChangeOp]>;
}

/** What a checkpoint asks of a keyed backend's snapshot (savepoints and full checkpoints ask nothing). */
export interface KeyedSnapshotOptions {
  /**
   * Changelog: the backend may answer with only what changed since its previous changelog snapshot
   * (`KeyedBackendSnapshot.changes`); `full` asks for everything, which also restarts the recording.
   */
  changelog?: { full: boolean };
}

/**
 * A keyed backend's snapshot: the synchronous part is done when it is returned (for the heap backend, the
 * bytes exist; the disk backend holds a read transaction); the key groups are then read while processing
 * goes on, and written to the checkpoint by the task.
 */
export interface KeyedBackendSnapshot {
  /**
   * The key groups that have state, each with its canonical bytes, in ascending key-group order; when `changes`
   * is set, only the groups that changed, each with its encoded changes ({@link encodeChanges}).
   */
  keyGroups(): AsyncIterable<[keyGroup: number, bytes: Uint8Array]>;
  /** Set when this is a changelog snapshot answering only with changes: groups not listed did not change. */
  readonly changes?: boolean;
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
