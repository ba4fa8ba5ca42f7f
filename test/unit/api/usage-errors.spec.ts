import assert from 'node:assert/strict';
import { ExecutionEnvironment, StreamExecutionEnvironment } from '../../../src/api/index.js';
import { MissingExecutionContextError } from '../../../src/api/context.js';
import { UsageError } from '../../../src/util/errors.js';
import { capturePipelines } from '../graph/testing-pipeline.js';

/** Runs `build` inside a test execution context (so environments can be created). */
async function inProgram(build: () => unknown): Promise<void> {
  await capturePipelines(async () => {
    await build();
  });
}

function usage(fn: () => unknown, message: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof UsageError, `a UsageError, got ${String(e)}`);
    assert.equal(e.code, 'USAGE');
    assert.match(e.message, message);
    return true;
  });
}

describe('usage errors of the API', () => {
  it('creating an environment outside flink-ts says how to run the program', () => {
    assert.throws(() => StreamExecutionEnvironment.getExecutionEnvironment(), (e: unknown) => e instanceof MissingExecutionContextError && /bin\/flink run/.test(e.message));
    assert.throws(() => ExecutionEnvironment.getExecutionEnvironment(), MissingExecutionContextError);
  });

  it('bad parallelism values', async () => {
    await inProgram(() => {
      const env = StreamExecutionEnvironment.getExecutionEnvironment();
      for (const p of [0, -1, 1.5, Number.NaN]) usage(() => env.setParallelism(p), new RegExp(`^setParallelism\\(${p}\\): the parallelism must be an integer >= 1\\.$`));
      const m = env.generateSequence(1, 2).map((x) => x);
      usage(() => m.setParallelism(0), /parallelism must be an integer >= 1/);
      usage(() => m.print().setParallelism(-3), /parallelism must be an integer >= 1/);
      usage(() => env.fromElements(1, 2).setParallelism(2), /Collection Source is not a parallel operator: its parallelism must be 1\./);
      assert.doesNotThrow(() => env.fromElements(1).setParallelism(1));
      usage(() => env.setMaxParallelism(0), /maximum parallelism must be an integer in 1\.\.32768/);
      usage(() => env.setBufferTimeout(-2), /use -1 \(flush only full buffers\), 0 or a positive number/);
      const b = ExecutionEnvironment.getExecutionEnvironment();
      usage(() => b.setParallelism(0), /parallelism must be an integer >= 1/);
      usage(() => b.fromElements(1).setParallelism(3), /runs with parallelism 1 and cannot be changed/);
      usage(() => b.generateSequence(1, 2).writeAsText('/tmp/x').setParallelism(0), /parallelism must be an integer >= 1/);
    });
  });

  it('bad keys', async () => {
    await inProgram(() => {
      const s = StreamExecutionEnvironment.getExecutionEnvironment().fromElements([1, 2]);
      for (const k of [null, undefined, {}, [], [null], true]) {
        usage(() => s.keyBy(k as never), /^keyBy\(\): give a key selector function, a field name, a tuple position, or a list of them\.$/);
      }
      usage(() => s.partitionCustom((_k: unknown) => 0, null as never), /^partitionCustom\(\)/);
      usage(() => s.keyBy(0).sum(null as never), /sum\(\): give a tuple position \(number\) or a field name/);
      const d = ExecutionEnvironment.getExecutionEnvironment().fromElements([1, 2]);
      usage(() => d.groupBy(), /^groupBy\(\): give at least one key/);
      usage(() => d.groupBy(null as never), /^groupBy\(\): keys must be field positions, field names, or one key selector function\.$/);
      usage(() => d.groupBy(0, (x: number[]) => x[0]), /keys must be field positions/);
      usage(() => d.distinct({} as never), /^distinct\(\)/);
      usage(() => d.join(d).where(), /^where\(\)/);
      usage(() => d.join(d).where(0).equalTo(), /^equalTo\(\)/);
      usage(() => d.groupBy(0).aggregate('AVG' as never, 1), /Unknown aggregation 'AVG': use 'SUM', 'MIN' or 'MAX'\./);
      usage(() => d.groupBy(0).sum({} as never), /SUM: give a tuple position or a field name/);
    });
  });

  it('bad write modes and paths', async () => {
    await inProgram(() => {
      const s = StreamExecutionEnvironment.getExecutionEnvironment().fromElements('a');
      usage(() => s.writeAsText('/tmp/x', 'APPEND' as never), /^Unknown write mode 'APPEND': use 'OVERWRITE' or 'NO_OVERWRITE'\.$/);
      usage(() => s.writeAsCsv('/tmp/x', 'overwrite' as never), /Unknown write mode 'overwrite'/);
      usage(() => s.writeAsText(''), /^writeAsText: the path must be a non-empty string\.$/);
      const d = ExecutionEnvironment.getExecutionEnvironment().fromElements('a');
      usage(() => d.writeAsText('/tmp/x', 'APPEND' as never), /^Unknown write mode 'APPEND'/);
      usage(() => d.writeAsCsv('/tmp/x', '\n', ',', 'X' as never), /^Unknown write mode 'X'/);
      usage(() => d.writeAsText(undefined as never), /writeAsText: the path must be a non-empty string/);
    });
  });

  it('bad sources', async () => {
    await inProgram(() => {
      const env = StreamExecutionEnvironment.getExecutionEnvironment();
      usage(() => env.generateSequence(5, 1), /^generateSequence\(5, 1\): use integers with from <= to\.$/);
      usage(() => env.generateSequence(0.5, 1), /use integers/);
      usage(() => env.readTextFile(''), /^readTextFile: the path must be a non-empty string\.$/);
      usage(() => env.socketTextStream('localhost', 0), /invalid port 0; use 1\.\.65535/);
      const b = ExecutionEnvironment.getExecutionEnvironment();
      usage(() => b.readCsvFile('/x', { includeFields: '10x' }), /includeFields mask '10x' may only contain 0\/1/);
      usage(() => b.readCsvFile(''), /^readCsvFile: the path must be a non-empty string\.$/);
      usage(() => b.fromElements(1).first(0), /^first\(0\): give a whole number >= 1\.$/);
      usage(() => b.fromElements(1).groupBy((x: number) => x).first(-1), /^first\(-1\)/);
    });
  });

  it('functions that are not functions', async () => {
    await inProgram(() => {
      const s = StreamExecutionEnvironment.getExecutionEnvironment().fromElements(1);
      usage(() => s.map(42 as never), /^Map: expected a function or an object with the function's method, got number\.$/);
      usage(() => s.filter(null as never), /got null/);
      usage(() => s.keyBy(0).reduce(undefined as never), /Keyed Reduce: expected a function/);
      const d = ExecutionEnvironment.getExecutionEnvironment().fromElements(1);
      usage(() => d.map('x' as never), /^Map: expected a function/);
      usage(() => d.reduce(1 as never), /^reduce: expected a function/);
      usage(() => d.join(d).where(0).equalTo(0).with(null as never), /^join: expected a function/);
    });
  });

  it('unions across environments', async () => {
    await inProgram(() => {
      const a = StreamExecutionEnvironment.getExecutionEnvironment();
      const b = StreamExecutionEnvironment.getExecutionEnvironment();
      usage(() => a.fromElements(1).union(b.fromElements(2)), /same execution environment/);
      const c = ExecutionEnvironment.getExecutionEnvironment();
      const d = ExecutionEnvironment.getExecutionEnvironment();
      usage(() => c.fromElements(1).union(d.fromElements(2)), /same execution environment/);
    });
  });

  it('execute() without sinks says what is missing', async () => {
    await inProgram(async () => {
      const env = StreamExecutionEnvironment.getExecutionEnvironment();
      env.fromElements(1).map((x) => x);
      await assert.rejects(env.execute(), (e: unknown) => e instanceof UsageError && /^No operators defined in streaming topology\. Cannot execute\./.test(e.message));
      const b = ExecutionEnvironment.getExecutionEnvironment();
      await assert.rejects(b.execute(), (e: unknown) => e instanceof UsageError && /^No data sinks have been created yet\./.test(e.message));
    });
  });
});
