/**
 * flink-ts: Apache Flink's model for Node.js. Programs import the API from here:
 *
 * ```ts
 * import { ExecutionEnvironment } from 'flink-ts';
 * ```
 */
export * from './api/index.js';
