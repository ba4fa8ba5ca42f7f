/**
 * The REST contract: the JSON payloads of the JobManager's REST API with Flink's field names, and the string
 * unions they use. The JobManager's handlers build these types and the client parses into them; nothing here
 * depends on either side (only on `util/`).
 *
 * ```ts
 * import type { JobDetailsInfo, JobStatus } from '../rest/index.js';
 * const details = (await res.json()) as JobDetailsInfo;
 * if (details.state === 'RUNNING') console.log(details.vertices.map((v) => v.name));
 * ```
 *
 * Flink's own Java client (`RestClusterClient`) parses these answers strictly: a field typed here without `?`
 * is always sent, and renaming one breaks that client. `test/flink-clients/` runs it against a real cluster.
 */
export * from './job-messages.js';
export type * from './cluster-messages.js';
export type * from './jar-messages.js';
export type * from './checkpoint-messages.js';
export {
  SERIALIZED_THROWABLE_CLASS,
  errorFromJavaSerializedThrowable,
  errorFromSerializedThrowableJson,
  javaLikeStackTrace,
  javaSerializedThrowable,
  serializedThrowableJson,
} from './serialized-throwable.js';
export { JavaStreamError, readJavaObject, type JavaObject, type JavaValue } from './java-serialization.js';
