/** The user-facing OperatorStateStore and BroadcastState over an operator state backend. */
import type { BroadcastState, ListState, ListStateDescriptor, MapStateDescriptor, OperatorStateStore } from '../../api/state.js';
import { stateKey } from './state-key.js';
import type { OperatorStateBackend } from './state-backend.js';

export function operatorStateStore(backend: () => OperatorStateBackend): OperatorStateStore {
  return {
    getListState: <T>(d: ListStateDescriptor<T>) => backend().getListState<T>(d.name, false) as ListState<T>,
    getUnionListState: <T>(d: ListStateDescriptor<T>) => backend().getListState<T>(d.name, true) as ListState<T>,
    getBroadcastState: <K, V>(d: MapStateDescriptor<K, V>) => broadcastState<K, V>(backend().getBroadcastState<unknown, [K, V]>(d.name)),
  };
}

/** Broadcast state over a Map of normalized key → [user key, value], so composite keys compare by value. */
export function broadcastState<K, V>(m: Map<unknown, [K, V]>): BroadcastState<K, V> {
  return {
    get: (k) => m.get(stateKey(k))?.[1] ?? null,
    contains: (k) => m.has(stateKey(k)),
    immutableEntries: () => [...m.values()].map(([k, v]) => [k, v] as [K, V]),
    entries: () => [...m.values()].map(([k, v]) => [k, v] as [K, V]),
    put: (k, v) => void m.set(stateKey(k), [k, v]),
    putAll: (entries) => {
      for (const [k, v] of entries) m.set(stateKey(k), [k, v]);
    },
    remove: (k) => void m.delete(stateKey(k)),
    clear: () => m.clear(),
  };
}
