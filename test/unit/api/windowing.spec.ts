/** Window assigners' arithmetic and the checks of the windowing API, as Flink defines them. */
import assert from 'node:assert/strict';
import {
  CountEvictor,
  CountTrigger,
  Duration,
  EventTimeSessionWindows,
  GlobalWindow,
  GlobalWindows,
  ProcessingTimeSessionWindows,
  SlidingEventTimeWindows,
  SlidingProcessingTimeWindows,
  StreamExecutionEnvironment,
  Time,
  TimeWindow,
  TimeCharacteristic,
  TumblingEventTimeWindows,
  TumblingProcessingTimeWindows,
  Trigger,
  TriggerResult,
} from '../../../src/api/index.js';
import { setExecutionContext } from '../../../src/api/context.js';
import { UsageError } from '../../../src/util/errors.js';

const at = (now: number) => ({ getCurrentProcessingTime: () => now });
const spans = (ws: TimeWindow[]): Array<[number, number]> => ws.map((w) => [w.getStart(), w.getEnd()]);

describe('windowing API: assigners', () => {
  it('TimeWindow.getWindowStartWithOffset handles offsets and negative timestamps', () => {
    assert.equal(TimeWindow.getWindowStartWithOffset(7, 0, 5), 5);
    assert.equal(TimeWindow.getWindowStartWithOffset(5, 0, 5), 5);
    assert.equal(TimeWindow.getWindowStartWithOffset(4, 0, 5), 0);
    assert.equal(TimeWindow.getWindowStartWithOffset(-1, 0, 5), -5);
    assert.equal(TimeWindow.getWindowStartWithOffset(-5, 0, 5), -5);
    assert.equal(TimeWindow.getWindowStartWithOffset(-6, 0, 5), -10);
    assert.equal(TimeWindow.getWindowStartWithOffset(7, 2, 5), 7);
    assert.equal(TimeWindow.getWindowStartWithOffset(6, 2, 5), 2);
    assert.equal(TimeWindow.getWindowStartWithOffset(1, 2, 5), -3);
    assert.equal(TimeWindow.getWindowStartWithOffset(1, -2, 5), -2);
  });

  it('tumbling windows: one window of the size containing the timestamp, maxTimestamp = end - 1', () => {
    const a = TumblingEventTimeWindows.of(Time.seconds(1));
    const [w] = a.assignWindows(null, 1500, at(0));
    assert.deepEqual(spans([w as TimeWindow]), [[1000, 2000]]);
    assert.equal((w as TimeWindow).maxTimestamp(), 1999);
    assert.deepEqual(spans(a.assignWindows(null, -1, at(0))), [[-1000, 0]]);
    assert.deepEqual(spans(TumblingEventTimeWindows.of(Duration.ofHours(1), Time.minutes(15)).assignWindows(null, 0, at(0))), [[-2_700_000, 900_000]]);
    assert.deepEqual(spans(TumblingEventTimeWindows.of(1000, -300).assignWindows(null, 800, at(0))), [[700, 1700]]);
    // Flink's time-zone example: days starting at 16:00 UTC (midnight in UTC+8).
    assert.deepEqual(spans(TumblingEventTimeWindows.of(Time.days(1), Time.hours(-8)).assignWindows(null, 86_400_000 + 3_600_000, at(0))), [[57_600_000, 144_000_000]]);
    assert.deepEqual(spans(TumblingProcessingTimeWindows.of(Time.seconds(5)).assignWindows(null, Number.NaN, at(12_345))), [[10_000, 15_000]]);
    assert.equal(a.isEventTime(), true);
    assert.equal(TumblingProcessingTimeWindows.of(5).isEventTime(), false);
  });

  it('sliding windows: every window of the size that contains the timestamp, latest first', () => {
    const a = SlidingEventTimeWindows.of(Time.seconds(10), Time.seconds(5));
    assert.deepEqual(spans(a.assignWindows(null, 7000, at(0))), [[5000, 15000], [0, 10000]]);
    assert.deepEqual(spans(a.assignWindows(null, 5000, at(0))), [[5000, 15000], [0, 10000]]);
    assert.deepEqual(spans(a.assignWindows(null, -1, at(0))), [[-5000, 5000], [-10000, 0]]);
    assert.deepEqual(spans(SlidingEventTimeWindows.of(10, 3).assignWindows(null, 9, at(0))), [[9, 19], [6, 16], [3, 13], [0, 10]]);
    assert.deepEqual(spans(SlidingEventTimeWindows.of(10, 5, 2).assignWindows(null, 3, at(0))), [[2, 12], [-3, 7]]);
    assert.deepEqual(spans(SlidingProcessingTimeWindows.of(4, 2).assignWindows(null, Number.NaN, at(5))), [[4, 8], [2, 6]]);
  });

  it('session windows start at the element and last the gap, static or dynamic; touching windows merge', () => {
    assert.deepEqual(spans(EventTimeSessionWindows.withGap(Time.seconds(3)).assignWindows(null, 100, at(0))), [[100, 3100]]);
    const dyn = EventTimeSessionWindows.withDynamicGap<{ gap: number }>((e) => e.gap);
    assert.deepEqual(spans(dyn.assignWindows({ gap: 7 }, 10, at(0))), [[10, 17]]);
    assert.throws(() => dyn.assignWindows({ gap: 0 }, 10, at(0)), /Dynamic gap can not be negative or zero/);
    assert.deepEqual(spans(ProcessingTimeSessionWindows.withGap(10).assignWindows(null, Number.NaN, at(50))), [[50, 60]]);
    const merges: Array<[Array<[number, number]>, [number, number]]> = [];
    TimeWindow.mergeWindows([new TimeWindow(10, 20), new TimeWindow(0, 5), new TimeWindow(20, 30), new TimeWindow(40, 50), new TimeWindow(4, 6)], (group, result) =>
      merges.push([spans(group), [result.getStart(), result.getEnd()]]),
    );
    assert.deepEqual(merges, [
      [[[0, 5], [4, 6]], [0, 6]],
      [[[10, 20], [20, 30]], [10, 30]],
    ]);
  });

  it('the global window is one window for all elements, ending at the largest timestamp', () => {
    const ws = GlobalWindows.create().assignWindows();
    assert.equal(ws.length, 1);
    assert.ok(ws[0] === GlobalWindow.get());
    assert.equal(GlobalWindow.get().maxTimestamp(), Number.MAX_SAFE_INTEGER);
  });

  it('event-time assigners refuse records without timestamps with advice', () => {
    assert.throws(() => TumblingEventTimeWindows.of(5).assignWindows(null, Number.NaN, at(0)), (e: Error) => e instanceof UsageError && /assignTimestampsAndWatermarks/.test(e.message));
  });

  it('rejects invalid sizes, offsets and gaps with Flink’s conditions', () => {
    assert.throws(() => TumblingEventTimeWindows.of(5, 5), /abs\(offset\) < size/);
    assert.throws(() => TumblingEventTimeWindows.of(0), /abs\(offset\) < size/);
    assert.throws(() => SlidingEventTimeWindows.of(10, 5, 5), /abs\(offset\) < slide/);
    assert.throws(() => EventTimeSessionWindows.withGap(0), /0 < size/);
    assert.throws(() => TumblingEventTimeWindows.of(Time.seconds(-5)), />= 0/);
    assert.throws(() => CountTrigger.of(0), /integer >= 1/);
    assert.throws(() => CountEvictor.of(-1), /integer >= 0/);
  });
});

describe('windowing API: windowed streams', () => {
  before(() => setExecutionContext({ mode: 'client', defaultParallelism: 1, bufferTimeout: 100, execute: () => Promise.reject(new Error('not in these tests')) }));
  after(() => setExecutionContext(undefined));
  const env = (): StreamExecutionEnvironment => StreamExecutionEnvironment.getExecutionEnvironment();

  it('timeWindow follows the time characteristic (processing time by default, as in Flink 1.9)', () => {
    const p = env();
    const pt = p.fromElements([1, 2]).keyBy(0).timeWindow(Time.seconds(5)).sum(1);
    assert.match(pt.transformation.name, /TumblingProcessingTimeWindows\(5000\)/);
    const e = env().setStreamTimeCharacteristic(TimeCharacteristic.EventTime);
    const et = e.fromElements([1, 2]).keyBy(0).timeWindow(Time.seconds(10), Time.seconds(5)).sum(1);
    assert.match(et.transformation.name, /SlidingEventTimeWindows\(10000, 5000\)/);
    assert.equal(et.transformation.operator, 'window');
  });

  it('windowAll runs with parallelism 1 and refuses another', () => {
    const s = env().setParallelism(4).fromElements(1, 2, 3).windowAll(GlobalWindows.create()).trigger(CountTrigger.of(2)).reduce((a, b) => a + b);
    assert.equal(s.getParallelism(), 1);
    assert.throws(() => s.setParallelism(2), /not a parallel operator/);
  });

  it('session windows need a trigger that can merge', () => {
    class NoMerge extends Trigger<unknown, TimeWindow> {
      onElement() {
        return TriggerResult.FIRE;
      }
      onEventTime() {
        return TriggerResult.CONTINUE;
      }
      onProcessingTime() {
        return TriggerResult.CONTINUE;
      }
      clear() {}
    }
    const ws = env().fromElements([1, 2]).keyBy(0).window(EventTimeSessionWindows.withGap(10));
    assert.throws(() => ws.trigger(new NoMerge()), /merging window assigner/);
    assert.throws(() => env().fromElements(1).keyBy((x) => x).window({} as never), /window assigner/);
    assert.throws(() => ws.allowedLateness(-1), />= 0/);
    assert.throws(() => ws.aggregate({ createAccumulator: () => 0, add: (_e, a) => a + 1, getResult: (a) => a }), /needs an AggregateFunction with merge/);
  });
});
