/** `state.backend: hashmap`: keyed and operator state as JavaScript objects on the worker's heap. */
import { HeapKeyedStateBackend } from './heap-keyed-state-backend.js';
import { HeapOperatorStateBackend } from './operator-state-backend.js';
import type { KeyedStateBackend, KeyedStateBackendOptions, OperatorStateBackend, StateBackend } from './state-backend.js';

export class HashMapStateBackend implements StateBackend {
  readonly name = 'hashmap';
  createKeyedStateBackend(options: KeyedStateBackendOptions): KeyedStateBackend {
    return new HeapKeyedStateBackend(options);
  }
  createOperatorStateBackend(operatorName: string): OperatorStateBackend {
    return new HeapOperatorStateBackend(operatorName);
  }
}
