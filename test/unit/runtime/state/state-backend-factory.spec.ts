/** stateBackendFor: the backend a task uses for each value of `state.backend`. */
import assert from 'node:assert/strict';
import { ConfigurationError } from '../../../../src/config/index.js';
import { EmbeddedLmdbStateBackend, HashMapStateBackend, stateBackendFor } from '../../../../src/runtime/state/index.js';

describe('stateBackendFor', () => {
  it('gives the heap backend for hashmap and its aliases, the disk backend for embedded-lmdb and disk', () => {
    for (const name of ['hashmap', 'HashMap', 'heap', 'filesystem', 'jobmanager']) assert.ok(stateBackendFor(name) instanceof HashMapStateBackend, name);
    for (const name of ['embedded-lmdb', 'disk', 'lmdb']) assert.ok(stateBackendFor(name) instanceof EmbeddedLmdbStateBackend, name);
    assert.equal(stateBackendFor('disk').name, 'embedded-lmdb');
  });

  it('refuses rocksdb with a message that names embedded-lmdb, and unknown names with the valid ones', () => {
    assert.throws(
      () => stateBackendFor('rocksdb'),
      (e: unknown) => e instanceof ConfigurationError && e.code === 'CONFIG_INVALID' && /has no RocksDB state backend/.test(e.message) && /state\.backend: embedded-lmdb/.test(e.message),
    );
    assert.throws(() => stateBackendFor('memory', 'job 1234'), /^ConfigurationError: Invalid configuration in job 1234: state\.backend: 'memory' is not a valid value\. Use one of hashmap, embedded-lmdb/);
  });
});
