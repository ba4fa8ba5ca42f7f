/** The heap state backend (`state.backend: hashmap`) against the StateBackend contract. */
import { HashMapStateBackend } from '../../../../src/runtime/state/index.js';
import { snapshotContract } from './snapshot-contract.js';
import { stateBackendContract } from './state-backend-contract.js';

stateBackendContract('HashMapStateBackend', () => new HashMapStateBackend());
snapshotContract('HashMapStateBackend', () => new HashMapStateBackend());
