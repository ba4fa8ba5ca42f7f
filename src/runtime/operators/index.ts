/** The operator registry: JobGraph operator names → factories. */
import type { OperatorFactory } from './operator.js';
import * as batch from './batch-operators.js';
import * as joins from './batch-joins.js';
import * as sinks from './sinks.js';
import * as sources from './sources.js';
import * as stream from './stream-operators.js';
import { keyedProcessOperator, processOperator } from './process-operators.js';
import { timestampsAndWatermarks } from './timestamps-watermarks.js';
import { socketTextSource } from './socket-source.js';
import { dataGeneratorSource } from './generator-source.js';
import { fileMonitorSource } from './file-monitor-source.js';
import { socketSink } from './socket-sink.js';
import { fileSink } from './file-sink.js';
import { twoPhaseCommitSink } from './two-phase-commit-sink.js';
import { coFlatMap, coMap, coProcess, keyedCoProcess } from './co-operators.js';
import { coBroadcast, keyedCoBroadcast } from './broadcast-operators.js';
import { intervalJoin } from './interval-join.js';
import { iterationHead, iterationTail } from './iteration.js';
import { windowOperator } from './window/index.js';
import * as batchIteration from './batch-iteration.js';

export type { AccumulatorKind, ElementTime, Output, OperatorContext, OperatorFactory, StreamOperator } from './operator.js';
export { computeSplits, readSplitLines } from './sources.js';
export { sinkFilePath } from './sinks.js';
export type { FileSinkStateItem, PendingFileState } from './file-sink-files.js';
export type { TwoPhaseCommitStateItem } from './two-phase-commit-sink.js';

export const OPERATORS: Readonly<Record<string, OperatorFactory>> = {
  'source:collection': sources.collectionSource,
  'source:sequence': sources.sequenceSource,
  'source:text-file': sources.textFileSource,
  'source:csv-file': sources.csvFileSource,
  'source:socket': socketTextSource,
  'source:custom': sources.customSource,
  map: stream.map,
  'flat-map': stream.flatMap,
  filter: stream.filter,
  'keyed-reduce': stream.keyedReduce,
  'keyed-aggregate': stream.keyedAggregate,
  'map-partition': batch.mapPartition,
  reduce: batch.reduce,
  'grouped-reduce': batch.groupedReduce,
  'grouped-aggregate': batch.groupedAggregate,
  'grouped-group-reduce': batch.groupedGroupReduce,
  distinct: batch.distinct,
  'first-n': batch.firstN,
  'sort-partition': batch.sortPartition,
  join: joins.join,
  'co-group': joins.coGroup,
  cross: joins.cross,
  'sink:print': sinks.printSink,
  'sink:text': sinks.textSink,
  'sink:custom': sinks.customSink,
  'sink:collect': sinks.collectSink,
  'sink:count': sinks.countSink,
  'timestamps-watermarks': timestampsAndWatermarks,
  process: processOperator,
  'keyed-process': keyedProcessOperator,
  'source:data-generator': dataGeneratorSource,
  'source:file-monitor': fileMonitorSource,
  'sink:socket': socketSink,
  'sink:file': fileSink,
  'sink:two-phase-commit': twoPhaseCommitSink,
  'co-map': coMap,
  'co-flat-map': coFlatMap,
  'co-process': coProcess,
  'keyed-co-process': keyedCoProcess,
  'co-broadcast': coBroadcast,
  'keyed-co-broadcast': keyedCoBroadcast,
  'interval-join': intervalJoin,
  'iteration-head': iterationHead,
  'iteration-tail': iterationTail,
  window: windowOperator,
  'iteration:bulk-head': batchIteration.bulkIterationHead,
  'iteration:delta-head': batchIteration.deltaIterationHead,
  'iteration:bulk-tail': batchIteration.feedbackTail,
  'iteration:workset-tail': batchIteration.feedbackTail,
  'iteration:criterion': batchIteration.terminationCriterion,
  'iteration:solution-set-delta': batchIteration.solutionSetDelta,
  'iteration:solution-set-join': batchIteration.solutionSetJoin,
  'iteration:solution-set-co-group': batchIteration.solutionSetCoGroup,
};
