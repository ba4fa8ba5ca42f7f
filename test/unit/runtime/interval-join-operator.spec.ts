/** The interval join operator driven record by record: bounds, timestamps, cleanup, late elements. */
import assert from 'node:assert/strict';
import { IntervalJoined, OutputTag, ProcessJoinFunction, StreamExecutionEnvironment, type Collector, type ProcessJoinContext } from '../../../src/api/index.js';
import { setExecutionContext } from '../../../src/api/context.js';
import type { TransformationInit } from '../../../src/api/transformation.js';
import { intervalJoinOperator } from '../../../src/runtime/operators/window/index.js';
import { drive, type Step } from './testing-operator-context.js';

type E = [string, number];
const left = (k: string, ts: number): Step => ({ record: [0, [k, ts]], timestamp: ts });
const right = (k: string, ts: number): Step => ({ record: [1, [k, ts]], timestamp: ts });

describe('interval join operator', () => {
  before(() => setExecutionContext({ mode: 'client', defaultParallelism: 1, bufferTimeout: 100, execute: () => Promise.reject(new Error('not in these tests')) }));
  after(() => setExecutionContext(undefined));

  function init(lower: number, upper: number, configure: (j: IntervalJoined<E, E, string>) => unknown = () => {}): Partial<TransformationInit> {
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    const a = env.fromElements<E>(['a', 0]).keyBy((e) => e[0]);
    const b = env.fromElements<E>(['a', 0]).keyBy((e) => e[0]);
    class Pairs extends ProcessJoinFunction<E, E, string> {
      processElement(l: E, _r: E, ctx: ProcessJoinContext, out: Collector<string>): void {
        out.collect(`${l[0]} ${ctx.getLeftTimestamp()}-${ctx.getRightTimestamp()}`);
      }
    }
    const joined = a.intervalJoin(b).between(lower, upper);
    configure(joined);
    const t = joined.process(new Pairs()).transformation;
    return { name: t.name, operator: t.operator, params: t.params, fns: t.fns, keySpec: t.keySpec as TransformationInit['keySpec'] };
  }

  it('joins the other side within [ts + lower, ts + upper], with the larger timestamp, per key', async () => {
    const h = await drive(intervalJoinOperator, init(-2, 3), [left('a', 10), right('a', 8), right('a', 13), right('a', 14), right('b', 10), left('a', 12), left('b', 7)], { keyed: true });
    assert.deepEqual(h.output, ['a 10-8', 'a 10-13', 'a 12-13', 'a 12-14', 'b 7-10']);
    assert.deepEqual(h.timestamps, [10, 13, 13, 14, 10]);
  });

  it('exclusive bounds, cleanup once the watermark passes, and late elements to side outputs', async () => {
    const lateLeft = new OutputTag<E>('late-left');
    const h = await drive(
      intervalJoinOperator,
      init(0, 5, (j) => j.lowerBoundExclusive().upperBoundExclusive().sideOutputLeftLateData(lateLeft)),
      [left('a', 10), right('a', 10), right('a', 11), right('a', 14), right('a', 15), { watermark: 16 }, left('a', 15), right('a', 16), { watermark: 100 }],
      { keyed: true },
    );
    assert.deepEqual(h.output, ['a 10-11', 'a 10-14']);
    assert.deepEqual(h.sideOutputs.get('late-left'), [['a', 15]]);
    assert.equal(h.ctx.keyedStateBackend().numKeys(), 0, 'both buffers are empty once no partner can arrive');
  });

  it('checks its bounds', () => {
    assert.throws(() => init(5, 1), /lowerBound <= upperBound/);
    assert.throws(() => init(1, 1, (j) => j.lowerBoundExclusive()), /interval is empty/);
  });
});
