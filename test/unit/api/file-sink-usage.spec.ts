import assert from 'node:assert/strict';
import {
  BasePathBucketAssigner,
  DateTimeBucketAssigner,
  DefaultRollingPolicy,
  Duration,
  FileSink,
  OutputFileConfig,
  SimpleStringEncoder,
  StreamExecutionEnvironment,
  StreamingFileSink,
  Time,
  TwoPhaseCommitSinkFunction,
} from '../../../src/api/index.js';
import { UsageError } from '../../../src/util/errors.js';
import { capturePipelines } from '../graph/testing-pipeline.js';

function usage(fn: () => unknown, message: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof UsageError, `a UsageError, got ${String(e)}`);
    assert.match(e.message, message);
    return true;
  });
}

const at = (ms: number) => ({ currentProcessingTime: () => ms, currentWatermark: () => 0, timestamp: () => null });

class Noop extends TwoPhaseCommitSinkFunction<string, number> {
  protected beginTransaction(): number {
    return 0;
  }
  protected invoke(): void {}
  protected preCommit(): void {}
  protected commit(): void {}
  protected abort(): void {}
}

describe('file sinks and two-phase-commit sinks: API', () => {
  it('DateTimeBucketAssigner formats the wall clock like Java DateTimeFormatter, in the given zone', () => {
    const t = Date.UTC(2024, 2, 9, 23, 5, 7, 89); // Saturday 2024-03-09 23:05:07.089 UTC
    assert.equal(new DateTimeBucketAssigner(undefined, 'UTC').getBucketId('x', at(t)), '2024-03-09--23');
    assert.equal(new DateTimeBucketAssigner("'dt='yyyyMMdd/HH", 'UTC').getBucketId('x', at(t)), 'dt=20240309/23');
    assert.equal(new DateTimeBucketAssigner('yyyy-MM-dd--HH', 'Asia/Kolkata').getBucketId('x', at(t)), '2024-03-10--04');
    assert.equal(new DateTimeBucketAssigner('yy/M/d H:mm:ss.SSS', 'UTC').getBucketId('x', at(t)), '24/3/9 23:05:07.089');
    assert.equal(new DateTimeBucketAssigner("EEE MMM D hh a ''", 'UTC').getBucketId('x', at(t)), "Sat Mar 69 11 PM '");
    // Daylight saving time: New York is UTC-5 before 2024-03-10 07:00 UTC and UTC-4 after it.
    const ny = new DateTimeBucketAssigner('yyyy-MM-dd--HH', 'America/New_York');
    assert.equal(ny.getBucketId('x', at(Date.UTC(2024, 2, 10, 6, 30))), '2024-03-10--01');
    assert.equal(ny.getBucketId('x', at(Date.UTC(2024, 2, 10, 7, 30))), '2024-03-10--03');
    assert.equal(new BasePathBucketAssigner().getBucketId(), '');
  });

  it('bad arguments say what is wrong and what to give instead', async () => {
    usage(() => new DateTimeBucketAssigner('yyyy-MM-dd--HH-Q'), /the pattern letter 'Q' is not supported in the date\/time pattern 'yyyy-MM-dd--HH-Q'. Supported: the letters y, u, M/);
    usage(() => new DateTimeBucketAssigner("yyyy'dt"), /an unclosed quote/);
    usage(() => new DateTimeBucketAssigner('yyyy', 'Mars/Olympus'), /unknown time zone 'Mars\/Olympus'. Give an IANA zone id such as 'UTC'/);
    usage(() => DefaultRollingPolicy.builder().withMaxPartSize(0), /withMaxPartSize: the size must be a positive number of bytes, got 0/);
    usage(() => DefaultRollingPolicy.builder().withRolloverInterval(0), /withRolloverInterval: the interval must be positive/);
    usage(() => OutputFileConfig.builder().withPartPrefix('a/b').build(), /the part prefix must be a string without '\/'/);
    usage(() => new SimpleStringEncoder('EBCDIC'), /unsupported charset 'EBCDIC'; use UTF-8/);
    usage(() => FileSink.forRowFormat(''), /FileSink.forRowFormat: the base path must be a non-empty string/);
    usage(() => FileSink.forRowFormat('/out', 42 as never), /give an encoder: an object with encode\(element\)/);
    usage(() => FileSink.forRowFormat('/out').withBucketAssigner({} as never), /withBucketAssigner: give an object with getBucketId\(element, context\)/);
    usage(() => FileSink.forRowFormat('/out').withRollingPolicy({} as never), /withRollingPolicy: give a rolling policy, such as DefaultRollingPolicy.builder\(\).build\(\)/);
    usage(() => StreamingFileSink.forRowFormat('/out').withBucketCheckInterval(-1), /StreamingFileSink.withBucketCheckInterval: the interval must be a positive number/);
    await capturePipelines(() => {
      const s = StreamExecutionEnvironment.getExecutionEnvironment().fromElements('a');
      usage(() => s.addSink(FileSink.forRowFormat('/out').build() as never), /addSink: a FileSink belongs to the unified sink API: use stream.sinkTo\(sink\)/);
      usage(() => s.sinkTo(StreamingFileSink.forRowFormat('/out').build() as never), /sinkTo: a StreamingFileSink is a SinkFunction: use stream.addSink\(sink\)/);
      usage(() => s.sinkTo((() => {}) as never), /sinkTo: give a FileSink/);
    });
  });

  it('sinkTo(FileSink), addSink(StreamingFileSink) and addSink(TwoPhaseCommitSinkFunction) get their operators', async () => {
    await capturePipelines(() => {
      const s = StreamExecutionEnvironment.getExecutionEnvironment().fromElements('a');
      const fileSink = FileSink.forRowFormat<string>('hdfs:///logs')
        .withRollingPolicy(DefaultRollingPolicy.builder().withRolloverInterval(Duration.ofMinutes(15)).withInactivityInterval(Time.minutes(5)).withMaxPartSize(1024).build())
        .build();
      const a = s.sinkTo(fileSink).transformation;
      assert.deepEqual([a.name, a.operator, a.params, a.fns[0]], ['FileSink', 'sink:file', { basePath: 'hdfs:///logs', api: 'FileSink' }, fileSink]);
      const b = s.addSink(StreamingFileSink.forRowFormat<string>('/out').build()).transformation;
      assert.deepEqual([b.operator, b.params], ['sink:file', { basePath: '/out', api: 'StreamingFileSink' }]);
      assert.equal(s.addSink(new Noop()).transformation.operator, 'sink:two-phase-commit');
      assert.equal(s.addSink((v: string) => void v).transformation.operator, 'sink:custom');
    });
    const p = DefaultRollingPolicy.builder().withRolloverInterval(Duration.ofMinutes(15)).withInactivityInterval(Time.minutes(5)).withMaxPartSize(1024).build();
    assert.deepEqual([p.getRolloverInterval(), p.getInactivityInterval(), p.getMaxPartSize()], [900_000, 300_000, 1024]);
    const d = DefaultRollingPolicy.builder().build();
    assert.deepEqual([d.getRolloverInterval(), d.getInactivityInterval(), d.getMaxPartSize()], [60_000, 60_000, 128 * 1024 * 1024]);
  });
});
