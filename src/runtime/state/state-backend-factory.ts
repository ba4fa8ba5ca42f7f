/** Chooses the state backend a task uses from `state.backend`. */
import { CheckpointingOptions, Configuration } from '../../config/index.js';
import { HashMapStateBackend } from './heap-state-backend.js';
import { EmbeddedLmdbStateBackend } from './lmdb/index.js';
import type { StateBackend } from './state-backend.js';

/**
 * The backend `state.backend` names, in any spelling the option accepts (`hashmap`, `embedded-lmdb`, and
 * aliases such as `heap` or `disk`). Anything else, `rocksdb` included, throws the option's ConfigurationError
 * (code CONFIG_INVALID), which names `source` and says what to use instead.
 */
export function stateBackendFor(name: string, source = 'the job configuration'): StateBackend {
  const option = CheckpointingOptions.STATE_BACKEND;
  switch (Configuration.fromMap({ [option.key]: name }, source).get(option)) {
    case 'embedded-lmdb':
      return new EmbeddedLmdbStateBackend();
    case 'hashmap':
    default:
      return new HashMapStateBackend();
  }
}
