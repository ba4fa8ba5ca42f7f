/**
 * The flink-ts user API: what a job bundle gets from `import ... from 'flink-ts'`.
 *
 * ```ts
 * import { StreamExecutionEnvironment } from 'flink-ts';
 * const env = StreamExecutionEnvironment.getExecutionEnvironment();
 * env.generateSequence(1, 100).map((n) => n * 2).print();
 * await env.execute('Doubles');
 * ```
 */
export { StreamExecutionEnvironment } from './stream-environment.js';
export { DataStream, DataStreamSink, KeyedStream, SingleOutputStreamOperator, type WriteMode } from './datastream.js';
export {
  AggregateOperator,
  CrossOperator,
  DataSet,
  DataSink,
  DataSource,
  ExecutionEnvironment,
  JoinOperator,
  Operator,
  SortPartitionOperator,
  UnsortedGrouping,
  type AggregationKind,
  type CsvReaderOptions,
  type Order,
} from './dataset.js';
export { JobExecutionResult } from './context.js';
export type * from './functions.js';
export { ParameterTool } from './parameter-tool.js';
export { formatRecord } from './format.js';
export {
  DataGeneratorSource,
  FileProcessingMode,
  RateLimiterStrategy,
  SimpleStringSchema,
  TextInputFormat,
  type GeneratorFunction,
  type SerializationSchema,
  type Source,
} from './sources.js';
