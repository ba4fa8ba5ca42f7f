/** Which runtime operator a sink given to `addSink` or `sinkTo` runs as. */
import { UsageError } from '../../util/errors.js';
import { FileSink, StreamingFileSink } from './file-sink.js';
import { TwoPhaseCommitSinkFunction } from './two-phase-commit.js';

export interface SinkOperator {
  name: string;
  operator: string;
  params: Record<string, string | number | boolean | null>;
}

/** `addSink(fn)`: a SinkFunction, a TwoPhaseCommitSinkFunction or a StreamingFileSink. */
export function addSinkOperator(fn: unknown): SinkOperator {
  if (fn instanceof StreamingFileSink) return { name: 'Unnamed', operator: 'sink:file', params: { basePath: fn.spec.basePath, api: 'StreamingFileSink' } };
  if (fn instanceof TwoPhaseCommitSinkFunction) return { name: 'Unnamed', operator: 'sink:two-phase-commit', params: {} };
  if (fn instanceof FileSink) {
    throw new UsageError('addSink: a FileSink belongs to the unified sink API: use stream.sinkTo(sink). (StreamingFileSink is the file sink that goes to addSink.)');
  }
  return { name: 'Unnamed', operator: 'sink:custom', params: {} };
}

/** `sinkTo(sink)`: the sinks of Flink's unified sink API that flink-ts has (FileSink). */
export function sinkToOperator(sink: unknown): SinkOperator {
  if (sink instanceof FileSink) return { name: 'FileSink', operator: 'sink:file', params: { basePath: sink.spec.basePath, api: 'FileSink' } };
  if (sink instanceof StreamingFileSink) {
    throw new UsageError('sinkTo: a StreamingFileSink is a SinkFunction: use stream.addSink(sink), or build a FileSink with FileSink.forRowFormat(...) for sinkTo.');
  }
  throw new UsageError('sinkTo: give a FileSink (FileSink.forRowFormat(path, encoder).build()); SinkFunctions and TwoPhaseCommitSinkFunctions go to addSink(fn).');
}
