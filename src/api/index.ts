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
  JoinWhere,
  Operator,
  OuterJoinWhere,
  SortPartitionOperator,
  UnsortedGrouping,
  type AggregationKind,
  type CsvReaderOptions,
  type Order,
} from './dataset.js';
export { Aggregations, InvalidJoinHintError, JoinHint } from './join-hints.js';
export { DataSetUtils } from './dataset-utils.js';
export { JobExecutionResult } from './context.js';
/** Throw it from a program for a usage mistake (a bad flag): `bin/flink` prints its message without a stack trace. */
export { UsageError } from '../util/errors.js';
export {
  DeltaIteration,
  DoubleSumAggregator,
  DoubleZeroConvergence,
  IterativeDataSet,
  LongSumAggregator,
  LongZeroConvergence,
  type Aggregator,
  type ConvergenceCriterion,
  type IterationRuntimeContext,
} from './iterations.js';
export type * from './functions.js';
export { ParameterTool } from './parameter-tool.js';
export { formatRecord } from './format.js';
export { ExecutionConfig } from './stream-environment.js';
export {
  CheckpointConfig,
  CheckpointingMode,
  ExternalizedCheckpointCleanup,
  ExternalizedCheckpointRetention,
} from './checkpoint-config.js';
export { RestartStrategies, RestartStrategyConfiguration } from './restart-strategies.js';
export { EmbeddedLmdbStateBackend, HashMapStateBackend, type StateBackendSettings } from './state-backends.js';
export { InvalidSettingError } from './job-settings.js';
export { Time, Duration, type TimeSpan, type TimeUnit } from './time.js';
export {
  AscendingTimestampExtractor,
  BoundedOutOfOrdernessTimestampExtractor,
  TimeCharacteristic,
  Watermark,
  WatermarkStrategy,
  type AssignerWithPeriodicWatermarks,
  type AssignerWithPunctuatedWatermarks,
  type TimestampAssigner,
  type WatermarkGenerator,
  type WatermarkOutput,
} from './watermark.js';
export { OutputTag } from './output-tag.js';
export {
  AbstractRichFunction,
  KeyedProcessFunction,
  ProcessFunction,
  RichCoGroupFunction,
  RichCrossFunction,
  RichFilterFunction,
  RichFlatMapFunction,
  RichGroupReduceFunction,
  RichJoinFunction,
  RichMapFunction,
  RichMapPartitionFunction,
  RichReduceFunction,
  RichSinkFunction,
  type KeyedOnTimerContext,
  type KeyedProcessContext,
  type OnTimerContext,
  type ProcessContext,
  type TimeDomain,
  type TimerService,
} from './process-functions.js';
export {
  AggregatingStateDescriptor,
  ListStateDescriptor,
  MapStateDescriptor,
  ReducingStateDescriptor,
  StateDescriptor,
  StateTtlConfig,
  ValueStateDescriptor,
  type AggregateFunction,
  type AggregatingState,
  type BroadcastState,
  type FunctionInitializationContext,
  type KeyedStateStore,
  type ListState,
  type MapState,
  type OperatorStateStore,
  type ReadOnlyBroadcastState,
  type ReducingState,
  type State,
  type ValueState,
} from './state.js';
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
export {
  FileSink,
  OutputFileConfig,
  OutputFileConfigBuilder,
  RowFormatBuilder,
  SimpleStringEncoder,
  StreamingFileSink,
  type Encoder,
} from './sinks/file-sink.js';
export { BasePathBucketAssigner, DateTimeBucketAssigner, type BucketAssigner, type BucketAssignerContext } from './sinks/bucket-assigners.js';
export { DefaultRollingPolicy, OnCheckpointRollingPolicy, PolicyBuilder, type PartFileInfo, type RollingPolicy } from './sinks/rolling-policies.js';
export { TwoPhaseCommitSinkFunction, type SinkContext } from './sinks/two-phase-commit.js';
export { ConnectedStreams, ConnectedIterativeStreams, BroadcastStream, BroadcastConnectedStream, IntervalJoin, IntervalJoined } from './connected-streams.js';
export { IterativeStream } from './datastream.js';
export {
  BroadcastProcessFunction,
  CoFlatMapFunction,
  CoMapFunction,
  CoProcessFunction,
  KeyedBroadcastProcessFunction,
  KeyedCoProcessFunction,
  ProcessJoinFunction,
  type BroadcastContext,
  type CoOnTimerContext,
  type CoProcessContext,
  type KeyedBroadcastContext,
  type KeyedBroadcastOnTimerContext,
  type KeyedCoOnTimerContext,
  type KeyedCoProcessContext,
  type KeyedReadOnlyBroadcastContext,
  type ProcessJoinContext,
  type ReadOnlyBroadcastContext,
} from './co-functions.js';
export {
  EventTimeSessionWindows,
  GlobalWindow,
  GlobalWindows,
  MergingWindowAssigner,
  ProcessingTimeSessionWindows,
  SlidingEventTimeWindows,
  SlidingProcessingTimeWindows,
  TimeWindow,
  TumblingEventTimeWindows,
  TumblingProcessingTimeWindows,
  Window,
  WindowAssigner,
  type MergeCallback,
  type SessionWindowTimeGapExtractor,
  type WindowAssignerContext,
} from './windowing/windows.js';
export {
  ContinuousEventTimeTrigger,
  ContinuousProcessingTimeTrigger,
  CountTrigger,
  EventTimeTrigger,
  NeverTrigger,
  ProcessingTimeTrigger,
  PurgingTrigger,
  Trigger,
  TriggerResult,
  type OnMergeContext,
  type TriggerContext,
} from './windowing/triggers.js';
export { CountEvictor, DeltaEvictor, TimeEvictor, TimestampedValue, type DeltaFunction, type Evictor, type EvictorContext } from './windowing/evictors.js';
export {
  ProcessAllWindowFunction,
  ProcessWindowFunction,
  RichAllWindowFunction,
  RichWindowFunction,
  type AllWindowFunction,
  type ProcessWindowContext,
  type WindowFunction,
} from './windowing/window-functions.js';
export { AllWindowedStream, WindowedStream } from './windowing/windowed-stream.js';
export { CoGroupedStreams, CoGroupWithWindow, JoinedStreams, JoinWithWindow } from './windowing/joins.js';
