/**
 * The disk state backend (`state.backend: embedded-lmdb`) against the StateBackend contract: once as
 * configured by default, once committing every write at once (so reads and scans go to LMDB rather than to
 * the write buffer).
 */
import { EmbeddedLmdbStateBackend } from '../../../../src/runtime/state/lmdb/index.js';
import { snapshotContract } from './snapshot-contract.js';
import { stateBackendContract } from './state-backend-contract.js';

stateBackendContract('EmbeddedLmdbStateBackend', () => new EmbeddedLmdbStateBackend());
stateBackendContract('EmbeddedLmdbStateBackend, a commit per write', () => new EmbeddedLmdbStateBackend({ maxBufferedEntries: 1 }));
snapshotContract('EmbeddedLmdbStateBackend', () => new EmbeddedLmdbStateBackend());
snapshotContract('EmbeddedLmdbStateBackend, a commit per write', () => new EmbeddedLmdbStateBackend({ maxBufferedEntries: 1 }));
