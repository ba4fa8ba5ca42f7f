import assert from 'node:assert/strict';
import {
  WatermarkStrategy,
  DataGeneratorSource,
  FileProcessingMode,
  RateLimiterStrategy,
  SimpleStringSchema,
  StreamExecutionEnvironment,
  TextInputFormat,
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

describe('streaming sources and sinks: API checks', () => {
  it('bad arguments say what is wrong and what to give instead', async () => {
    await capturePipelines(async () => {
      const env = StreamExecutionEnvironment.getExecutionEnvironment();
      usage(() => env.socketTextStream('localhost', 9999, '\n', -2), /maxRetry -2 is invalid; use 0 .* or -1 \(reconnect forever\)/);
      usage(() => env.socketTextStream('localhost', 9999, ''), /the delimiter must be a non-empty string/);
      usage(() => env.socketTextStream('', 9999), /the hostname must be a non-empty string/);
      usage(() => RateLimiterStrategy.perSecond(0), /give a positive number of records per second, or use RateLimiterStrategy\.noOp\(\)/);
      usage(() => new DataGeneratorSource((i) => i, -1), /count -1 is not a whole number >= 0; use Infinity/);
      usage(() => new DataGeneratorSource((i) => i, 1.5), /count 1\.5 is not a whole number/);
      usage(() => new DataGeneratorSource(null as never, 10), /give a generator function \(index\) => record, or an object with a map\(index\) method/);
      usage(() => env.fromSource({} as never, null, 'x'), /fromSource: give a source such as new DataGeneratorSource/);
      usage(() => env.fromSource(new DataGeneratorSource((i) => i, 1), null, ''), /give the source a name/);
      usage(() => env.readFile('/tmp' as never, '/tmp'), /the format must be a TextInputFormat/);
      usage(() => env.readFile(new TextInputFormat('/tmp'), '/tmp', 'SOMETIMES' as never), /unknown watch type 'SOMETIMES'/);
      usage(() => env.readFile(new TextInputFormat('/tmp'), '/tmp', FileProcessingMode.PROCESS_CONTINUOUSLY, 0), /needs a monitoring interval of at least 1 ms \(got 0\)/);
      const s = env.fromElements('a');
      usage(() => s.writeToSocket('localhost', 0, new SimpleStringSchema()), /invalid port 0; use 1\.\.65535/);
      usage(() => s.writeToSocket('localhost', 9999, {} as never), /give a serializer: a function \(record\) => string \| Uint8Array, or an object with serialize\(record\)/);
    });
  });

  it('sources get their operators, parameters and boundedness; the watermark strategy travels with the generator', async () => {
    await capturePipelines(async () => {
      const env = StreamExecutionEnvironment.getExecutionEnvironment();
      const strategy = WatermarkStrategy.forMonotonousTimestamps<number>().withTimestampAssigner((i) => i);
      const gen = env.fromSource(new DataGeneratorSource((i) => i, Infinity, RateLimiterStrategy.perSecond(100)), strategy, 'Gen').setParallelism(4);
      // The strategy becomes an assigner right behind the source, with the source's parallelism.
      assert.equal(gen.transformation.operator, 'timestamps-watermarks');
      assert.equal(gen.transformation.fns[0], strategy);
      assert.equal(gen.getParallelism(), 4);
      const t = gen.transformation.inputs[0] as typeof gen.transformation;
      assert.equal(t.operator, 'source:data-generator');
      assert.deepEqual(t.params, { count: Number.MAX_SAFE_INTEGER, recordsPerSecond: 100 });
      assert.equal(t.bounded, false);
      assert.equal(t.parallelism, 4);
      assert.equal(env.fromSource(new DataGeneratorSource((i) => i, 5), WatermarkStrategy.noWatermarks(), 'G').transformation.bounded, true);
      const watch = env.readFile(new TextInputFormat('/in').setCharsetName('ISO-8859-1'), '/in', FileProcessingMode.PROCESS_CONTINUOUSLY, 250).transformation;
      assert.deepEqual(watch.params, { path: '/in', charset: 'ISO-8859-1', continuous: true, interval: 250 });
      assert.equal(watch.bounded, false);
      assert.equal(env.readFile(new TextInputFormat('/in'), '/in').transformation.bounded, true);
      assert.deepEqual(env.fromSequence(3, 9).transformation.params, { from: 3, to: 9 });
      assert.deepEqual([...new SimpleStringSchema().serialize('hé')], [0x68, 0xc3, 0xa9]);
    });
  });
});
