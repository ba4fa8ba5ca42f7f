/**
 * The window operator driven record by record (unit harness): firing on watermarks and the wall clock,
 * session merging, triggers, evictors, allowed lateness and late side outputs, window function contexts.
 */
import assert from 'node:assert/strict';
import {
  ContinuousEventTimeTrigger,
  ContinuousProcessingTimeTrigger,
  CountEvictor,
  CountTrigger,
  DeltaEvictor,
  EventTimeSessionWindows,
  GlobalWindows,
  OutputTag,
  ProcessingTimeSessionWindows,
  ProcessWindowFunction,
  PurgingTrigger,
  ReducingStateDescriptor,
  SlidingEventTimeWindows,
  StreamExecutionEnvironment,
  TimeEvictor,
  TimeWindow,
  Trigger,
  TriggerResult,
  TumblingEventTimeWindows,
  TumblingProcessingTimeWindows,
  ValueStateDescriptor,
  WindowAssigner,
  EventTimeTrigger,
  type Collector,
  type KeyedStream,
  type ProcessWindowContext,
  type ReducingState,
  type TriggerContext,
  type ValueState,
  type Window,
} from '../../../src/api/index.js';
import { setExecutionContext } from '../../../src/api/context.js';
import type { DataStream } from '../../../src/api/datastream.js';
import type { TransformationInit } from '../../../src/api/transformation.js';
import { createWindowOperator, type WindowOperator } from '../../../src/runtime/operators/window/index.js';
import { drive, ManualClock, TESTED_STATE_BACKENDS, useStateBackend, type Step, type TestingOperatorContext } from './testing-operator-context.js';

type E = [string, number];
const rec = (k: string, v: number, timestamp: number): Step => ({ record: [k, v] as E, timestamp });
const sum = (a: E, b: E): E => [a[0], a[1] + b[1]];

/** The window transformation a program builds, as the operator under test gets it. */
function windowOf(build: (keyed: KeyedStream<E, string>, stream: DataStream<E>) => { transformation: TransformationInit & { keySpec?: unknown } }): Partial<TransformationInit> {
  const env = StreamExecutionEnvironment.getExecutionEnvironment();
  const stream = env.fromElements<E>(['a', 0]);
  const t = build(stream.keyBy((e) => e[0]), stream).transformation;
  return { name: t.name, operator: t.operator, params: t.params, fns: t.fns, keySpec: t.keySpec as TransformationInit['keySpec'] };
}

async function run(init: Partial<TransformationInit>, steps: Step[], clock?: ManualClock): Promise<{ h: TestingOperatorContext; op: WindowOperator; out: Array<[unknown, number]> }> {
  let op: WindowOperator | undefined;
  const h = await drive((c) => (op = createWindowOperator(c)), init, steps, { keyed: true, ...(clock ? { clock } : {}) });
  return { h, op: op as WindowOperator, out: h.output.map((r, i) => [r, h.timestamps[i] as number]) };
}

for (const backend of TESTED_STATE_BACKENDS) describe(`window operator (${backend.name} state backend)`, () => {
  useStateBackend(backend);
  before(() => setExecutionContext({ mode: 'client', defaultParallelism: 1, bufferTimeout: 100, execute: () => Promise.reject(new Error('not in these tests')) }));
  after(() => setExecutionContext(undefined));

  it('tumbling event-time windows fire when the watermark passes their end, with timestamp end - 1, per key', async () => {
    const init = windowOf((k) => k.window(TumblingEventTimeWindows.of(10)).reduce(sum));
    const { h, out } = await run(init, [rec('a', 1, 1), rec('b', 5, 3), rec('a', 2, 9), rec('a', 4, 12), { watermark: 8 }, { watermark: 9 }, rec('a', 8, 15), { watermark: Infinity }]);
    assert.deepEqual(out, [
      [['a', 3], 9],
      [['b', 5], 9],
      [['a', 12], 19],
    ]);
    assert.deepEqual(h.watermarks, [8, 9, Infinity], 'watermarks are forwarded after the windows fired');
  });

  it('negative timestamps and offsets place elements in the right windows', async () => {
    const init = windowOf((k) => k.window(TumblingEventTimeWindows.of(10, 3)).reduce(sum));
    const { out } = await run(init, [rec('a', 1, -8), rec('a', 2, 2), rec('a', 4, 3), rec('a', 8, -7), { watermark: Infinity }]);
    assert.deepEqual(out, [
      [['a', 1], -8],
      [['a', 10], 2],
      [['a', 4], 12],
    ]);
  });

  it('sliding windows: each element counts in every overlapping window', async () => {
    const init = windowOf((k) => k.window(SlidingEventTimeWindows.of(10, 5)).sum(1));
    const { out } = await run(init, [rec('a', 1, 0), rec('a', 2, 6), rec('a', 4, 12), { watermark: Infinity }]);
    assert.deepEqual(out, [
      [['a', 1], 4],
      [['a', 3], 9],
      [['a', 6], 14],
      [['a', 4], 19],
    ]);
  });

  it('aggregate, process, apply and incremental aggregation with a process function', async () => {
    const avg = { createAccumulator: () => [0, 0], add: (e: E, a: number[]) => [(a[0] as number) + e[1], (a[1] as number) + 1], getResult: (a: number[]) => (a[0] as number) / (a[1] as number), merge: (a: number[], b: number[]) => [(a[0] as number) + (b[0] as number), (a[1] as number) + (b[1] as number)] };
    const steps: Step[] = [rec('a', 1, 1), rec('a', 3, 2), rec('b', 10, 3), { watermark: Infinity }];
    const w = TumblingEventTimeWindows.of(10);
    assert.deepEqual((await run(windowOf((k) => k.window(w).aggregate(avg)), steps)).out, [[2, 9], [10, 9]]);
    class Describe extends ProcessWindowFunction<E, string, string, TimeWindow> {
      process(key: string, ctx: ProcessWindowContext<TimeWindow>, elements: Iterable<E>, out: Collector<string>): void {
        out.collect(`${key}@${ctx.window().getStart()}-${ctx.window().getEnd()}:${[...elements].map((e) => e[1]).join(',')} wm=${ctx.currentWatermark()}`);
      }
    }
    assert.deepEqual((await run(windowOf((k) => k.window(w).process(new Describe())), steps)).h.output, ['a@0-10:1,3 wm=Infinity', 'b@0-10:10 wm=Infinity']);
    const apply = (key: string, win: TimeWindow, input: Iterable<E>, out: Collector<string>): void => out.collect(`${key} ${win.maxTimestamp()} ${[...input].length}`);
    assert.deepEqual((await run(windowOf((k) => k.window(w).apply(apply)), steps)).h.output, ['a 9 2', 'b 9 1']);
    assert.deepEqual((await run(windowOf((k) => k.window(w).reduce(sum, new Describe())), steps)).h.output, ['a@0-10:4 wm=Infinity', 'b@0-10:10 wm=Infinity']);
    assert.deepEqual((await run(windowOf((k) => k.window(w).aggregate(avg, apply as never)), steps)).h.output, ['a 9 1', 'b 9 1']);
    assert.deepEqual((await run(windowOf((k) => k.window(w).maxBy(1)), steps)).h.output, [['a', 3], ['b', 10]]);
  });

  it('the process context gives per-window state (cleared with clear()), per-key state and side outputs', async () => {
    const tag = new OutputTag<string>('info');
    class Firings extends ProcessWindowFunction<E, string, string, TimeWindow> {
      private readonly d = new ValueStateDescriptor<number>('firings', null, 0);
      private readonly g = new ValueStateDescriptor<number>('total', null, 0);
      process(key: string, ctx: ProcessWindowContext<TimeWindow>, elements: Iterable<E>, out: Collector<string>): void {
        const n = ctx.windowState().getState(this.d);
        n.update((n.value() ?? 0) + 1);
        const total = ctx.globalState().getState(this.g);
        total.update((total.value() ?? 0) + 1);
        out.collect(`${key} ${ctx.window().getStart()} firing ${n.value()} of total ${total.value()}`);
        ctx.output(tag, `${key}:${[...elements].length}`);
      }
      override clear(ctx: ProcessWindowContext<TimeWindow>): void {
        ctx.output(tag, `clear ${ctx.window().getStart()} after ${(ctx.windowState().getState(this.d) as ValueState<number>).value()}`);
        ctx.windowState().getState(this.d).update(null);
      }
    }
    const init = windowOf((k) => k.window(TumblingEventTimeWindows.of(10)).allowedLateness(5).process(new Firings()));
    const { h } = await run(init, [rec('a', 1, 1), { watermark: 9 }, rec('a', 2, 5), { watermark: 14 }, rec('a', 3, 12), { watermark: Infinity }]);
    assert.deepEqual(h.output, ['a 0 firing 1 of total 1', 'a 0 firing 2 of total 2', 'a 10 firing 1 of total 3']);
    assert.deepEqual(h.sideOutputs.get('info'), ['a:1', 'a:2', 'clear 0 after 2', 'a:1', 'clear 10 after 1']);
  });

  it('allowed lateness: a late element within it fires the window again; later ones go to the side output or are counted as dropped', async () => {
    const late = new OutputTag<E>('late');
    const steps: Step[] = [rec('a', 1, 1), rec('a', 2, 8), { watermark: 12 }, rec('a', 4, 5), { watermark: 15 }, rec('a', 8, 3), rec('a', 16, 20), { watermark: Infinity }];
    const { out, h } = await run(windowOf((k) => k.window(TumblingEventTimeWindows.of(10)).allowedLateness(5).sideOutputLateData(late).reduce(sum)), steps);
    assert.deepEqual(out, [
      [['a', 3], 9],
      [['a', 7], 9],
      [['a', 16], 29],
    ]);
    assert.deepEqual(h.sideOutputs.get('late'), [['a', 8]]);
    const dropped = await run(windowOf((k) => k.window(TumblingEventTimeWindows.of(10)).reduce(sum)), steps);
    assert.deepEqual(dropped.out, [
      [['a', 3], 9],
      [['a', 16], 29],
    ]);
    assert.equal(dropped.op.numLateRecordsDropped, 2);
  });

  it('session windows merge as elements bridge gaps, also a late element within the allowed lateness', async () => {
    const init = windowOf((k) => k.window(EventTimeSessionWindows.withGap(10)).allowedLateness(20).sideOutputLateData(new OutputTag('late')).apply((key: string, w: TimeWindow, input: Iterable<E>, out: Collector<string>) => out.collect(`${key} [${w.getStart()},${w.getEnd()}) ${[...input].map((e) => e[1]).join('+')}`)));
    const { h } = await run(init, [
      rec('a', 1, 0),
      rec('a', 2, 5),
      rec('b', 100, 1),
      rec('a', 3, 30),
      rec('a', 4, 15),
      { watermark: 24 },
      // Late for the first session (ended at 25 > 24? no: [0,25) has max 24, fired), but within lateness: 22 bridges [0,25) and [30,40).
      rec('a', 5, 22),
      { watermark: 60 },
      rec('a', 6, 1),
      { watermark: Infinity },
    ]);
    assert.deepEqual(h.output, ['b [1,11) 100', 'a [0,25) 1+2+4', 'a [0,40) 1+2+4+3+5']);
    assert.deepEqual(h.sideOutputs.get('late'), [['a', 6]]);
  });

  it('dynamic session gaps come from each element', async () => {
    const init = windowOf((k) => k.window(EventTimeSessionWindows.withDynamicGap<E>((e) => e[1])).apply((_key: string, w: TimeWindow, input: Iterable<E>, out: Collector<string>) => out.collect(`${w.getStart()}-${w.getEnd()}:${[...input].length}`)));
    const { h } = await run(init, [rec('a', 5, 0), rec('a', 1, 4), rec('a', 1, 7), rec('a', 30, 20), { watermark: Infinity }]);
    assert.deepEqual(h.output, ['0-5:2', '7-8:1', '20-50:1']);
  });

  it('count windows: a purging count trigger on global windows, and sliding counts with an evictor', async () => {
    const tumbling = await run(windowOf((k) => k.countWindow(3).sum(1)), [rec('a', 1, 0), rec('a', 2, 0), rec('b', 9, 0), rec('a', 3, 0), rec('a', 4, 0), { watermark: Infinity }]);
    assert.deepEqual(tumbling.h.output, [['a', 6]], 'incomplete windows never fire, not even at the end of input');
    const sliding = await run(windowOf((k) => k.countWindow(3, 2).sum(1)), [1, 2, 3, 4, 5, 6, 7].map((v) => rec('a', v, 0)));
    assert.deepEqual(sliding.h.output, [['a', 3], ['a', 9], ['a', 15]]);
    assert.equal(sliding.out[0]?.[1], Number.MAX_SAFE_INTEGER, 'global window results carry the largest timestamp');
    const all = await run(windowOf((_k, s) => s.countWindowAll(2).reduce(sum)), [rec('a', 1, 0), rec('b', 2, 0), rec('c', 3, 0)]);
    assert.deepEqual(all.h.output, [['a', 3]]);
  });

  it('purging and continuous event-time triggers', async () => {
    const steps: Step[] = [rec('a', 1, 1), rec('a', 2, 12), { watermark: 10 }, rec('a', 4, 15), { watermark: 21 }, rec('a', 8, 25), { watermark: Infinity }];
    const cont = await run(windowOf((k) => k.window(TumblingEventTimeWindows.of(30)).trigger(ContinuousEventTimeTrigger.of(10)).reduce(sum)), steps);
    assert.deepEqual(cont.h.output, [['a', 3], ['a', 7], ['a', 15]]);
    const purging = await run(windowOf((k) => k.window(TumblingEventTimeWindows.of(30)).trigger(PurgingTrigger.of(ContinuousEventTimeTrigger.of(10))).reduce(sum)), steps);
    assert.deepEqual(purging.h.output, [['a', 3], ['a', 4], ['a', 8]]);
  });

  it('a custom trigger with state scoped to key and window', async () => {
    class EverySecondOrEnd extends Trigger<E, TimeWindow> {
      private readonly count = new ReducingStateDescriptor<number>('n', (a, b) => a + b);
      onElement(_e: E, _ts: number, w: TimeWindow, ctx: TriggerContext): TriggerResult {
        const n = ctx.getPartitionedState<ReducingState<number>>(this.count);
        n.add(1);
        ctx.registerEventTimeTimer(w.maxTimestamp());
        return (n.get() ?? 0) % 2 === 0 ? TriggerResult.FIRE_AND_PURGE : TriggerResult.CONTINUE;
      }
      onEventTime(time: number, w: TimeWindow): TriggerResult {
        return time === w.maxTimestamp() ? TriggerResult.FIRE : TriggerResult.CONTINUE;
      }
      onProcessingTime(): TriggerResult {
        return TriggerResult.CONTINUE;
      }
      clear(w: TimeWindow, ctx: TriggerContext): void {
        ctx.getPartitionedState<ReducingState<number>>(this.count).clear();
        ctx.deleteEventTimeTimer(w.maxTimestamp());
      }
    }
    const { out } = await run(windowOf((k) => k.window(TumblingEventTimeWindows.of(10)).trigger(new EverySecondOrEnd()).reduce(sum)), [
      rec('a', 1, 1),
      rec('b', 10, 2),
      rec('a', 2, 3),
      rec('a', 4, 11),
      rec('a', 8, 4),
      { watermark: Infinity },
    ]);
    assert.deepEqual(out, [
      [['a', 3], 9],
      [['a', 8], 9],
      [['b', 10], 9],
      [['a', 4], 19],
    ]);
  });

  it('evictors: count, time and delta, before or after the function', async () => {
    const w = TumblingEventTimeWindows.of(100);
    const steps: Step[] = [rec('a', 1, 10), rec('a', 2, 50), rec('a', 30, 60), rec('a', 4, 90), { watermark: Infinity }];
    const list = (k: KeyedStream<E, string>) => k.window(w);
    const values = (_key: string, _w: Window, input: Iterable<E>, out: Collector<string>): void => out.collect([...input].map((e) => e[1]).join(','));
    assert.deepEqual((await run(windowOf((k) => list(k).evictor(CountEvictor.of(2)).apply(values)), steps)).h.output, ['30,4']);
    assert.deepEqual((await run(windowOf((k) => list(k).evictor(TimeEvictor.of(45)).apply(values)), steps)).h.output, ['2,30,4']);
    assert.deepEqual((await run(windowOf((k) => list(k).evictor(DeltaEvictor.of<E>(10, (a, b) => Math.abs(a[1] - b[1]))).apply(values)), steps)).h.output, ['1,2,4']);
    assert.deepEqual((await run(windowOf((k) => list(k).evictor(CountEvictor.of(2)).reduce(sum)), steps)).h.output, [['a', 34]]);
    // Evicting after the function: the firing sees everything, the next one what was kept.
    const after = await run(windowOf((k) => k.window(GlobalWindows.create()).trigger(CountTrigger.of(2)).evictor(CountEvictor.of(1, true)).apply(values)), [1, 2, 3, 4].map((v) => rec('a', v, 0)));
    assert.deepEqual(after.h.output, ['1,2', '2,3,4']);
  });

  it('a custom assigner with windows of different sizes', async () => {
    class BucketAndTotal extends WindowAssigner<E, TimeWindow> {
      assignWindows(_e: E, ts: number): TimeWindow[] {
        const start = Math.floor(ts / 10) * 10;
        return [new TimeWindow(start, start + 10), new TimeWindow(0, 100)];
      }
      getDefaultTrigger(): Trigger<E, TimeWindow> {
        return EventTimeTrigger.create() as unknown as Trigger<E, TimeWindow>;
      }
      isEventTime(): boolean {
        return true;
      }
    }
    const { out } = await run(windowOf((k) => k.window(new BucketAndTotal()).reduce(sum)), [rec('a', 1, 3), rec('a', 2, 12), rec('a', 4, 15), { watermark: 20 }, { watermark: Infinity }]);
    assert.deepEqual(out, [
      [['a', 1], 9],
      [['a', 6], 19],
      [['a', 7], 99],
    ]);
  });

  it('processing-time windows fire on the wall clock, and not at the end of input (as in Flink)', async () => {
    const clock = new ManualClock(1000);
    const init = windowOf((k) => k.window(TumblingProcessingTimeWindows.of(100)).reduce(sum));
    const { out } = await run(init, [rec('a', 1, Number.NaN), { time: 1050 }, rec('a', 2, Number.NaN), rec('b', 5, Number.NaN), { time: 1099 }, { time: 1100 }, rec('a', 4, Number.NaN), { watermark: Infinity }], clock);
    assert.deepEqual(out, [
      [['a', 3], 1099],
      [['b', 5], 1099],
    ]);
  });

  it('processing-time sessions and a continuous processing-time trigger', async () => {
    const sessions = await run(windowOf((k) => k.window(ProcessingTimeSessionWindows.withGap(50)).reduce(sum)), [rec('a', 1, 0), { time: 30 }, rec('a', 2, 0), { time: 70 }, rec('a', 4, 0), { time: 200 }, rec('a', 8, 0), { time: 260 }], new ManualClock(0));
    assert.deepEqual(sessions.out, [
      [['a', 7], 119],
      [['a', 8], 249],
    ]);
    const cont = await run(windowOf((k) => k.window(GlobalWindows.create()).trigger(ContinuousProcessingTimeTrigger.of(100)).reduce(sum)), [rec('a', 1, 0), { time: 150 }, rec('a', 2, 0), { time: 220 }], new ManualClock(10));
    assert.deepEqual(cont.h.output, [['a', 1], ['a', 3]]);
  });
});
