/**
 * Two-input operators driven step by step: CoMap/CoFlatMap, (keyed) CoProcess with timers, broadcast
 * state on keyed and non-keyed streams, the interval join's bounds, lateness and cleanup, and the
 * iteration head/tail queue.
 */
import assert from 'node:assert/strict';
import {
  CoMapFunction,
  KeyedBroadcastProcessFunction,
  KeyedCoProcessFunction,
  MapStateDescriptor,
  OutputTag,
  ValueStateDescriptor,
  type Collector,
  type KeyedBroadcastContext,
  type KeyedCoOnTimerContext,
  type KeyedCoProcessContext,
  type KeyedReadOnlyBroadcastContext,
  type ValueState,
} from '../../../src/api/index.js';
import { OPERATORS } from '../../../src/runtime/operators/index.js';
import { feedbackQueue, IterationPlacementError } from '../../../src/runtime/operators/iteration.js';
import { MissingTimestampError } from '../../../src/runtime/operators/interval-join.js';
import { UsageError } from '../../../src/util/errors.js';
import { drive, TESTED_STATE_BACKENDS, TestingOperatorContext, useStateBackend, type Step } from './testing-operator-context.js';

const op = (name: string): NonNullable<(typeof OPERATORS)[string]> => OPERATORS[name] as NonNullable<(typeof OPERATORS)[string]>;
const r1 = (record: unknown, timestamp?: number): Step => ({ record, input: 0, ...(timestamp !== undefined ? { timestamp } : {}) });
const r2 = (record: unknown, timestamp?: number): Step => ({ record, input: 1, ...(timestamp !== undefined ? { timestamp } : {}) });
const first = (r: unknown): unknown => (r as unknown[])[0];

for (const backend of TESTED_STATE_BACKENDS) describe(`two-input operators (${backend.name} state backend)`, () => {
  useStateBackend(backend);
  it('co-map calls map1 for the first input and map2 for the second, with the rich-function lifecycle', async () => {
    const calls: string[] = [];
    class Tag extends CoMapFunction<number, string, string> {
      override open(): void {
        calls.push(`open ${this.getRuntimeContext().getIndexOfThisSubtask()}`);
      }
      map1(n: number): string {
        return `n${n}`;
      }
      map2(s: string): string {
        return `s${s}`;
      }
      override close(): void {
        calls.push('close');
      }
    }
    const h = await drive(op('co-map'), { fns: [new Tag()] }, [r1(1), r2('a'), r1(2)], { inputs: 2 });
    assert.deepEqual(h.output, ['n1', 'sa', 'n2']);
    assert.deepEqual(calls, ['open 0', 'close']);
  });

  it('co-flat-map emits through the collector and what the functions return', async () => {
    const h = await drive(op('co-flat-map'), { fns: [{ flatMap1: (n: number, out: Collector<number>) => out.collect(n * 10), flatMap2: (s: string) => s.split('') }] }, [r1(1), r2('xy')], { inputs: 2 });
    assert.deepEqual(h.output, [10, 'x', 'y']);
  });

  it('co-map on keyed connected streams sets the key of each input before the call', async () => {
    class Count extends CoMapFunction<[string, number], { k: string }, unknown> {
      private count!: ValueState<number>;
      override open(): void {
        this.count = this.getRuntimeContext().getState(new ValueStateDescriptor<number>('count', null, 0));
      }
      map1(r: [string, number]): unknown {
        this.count.update((this.count.value() ?? 0) + 1);
        return [r[0], this.count.value()];
      }
      map2(r: { k: string }): unknown {
        this.count.update((this.count.value() ?? 0) + 100);
        return [r.k, this.count.value()];
      }
    }
    const h = await drive(op('co-map'), { fns: [new Count(), 0, 'k'], params: { keyed: true } }, [r1(['a', 1]), r2({ k: 'a' }), r1(['b', 1]), r2({ k: 'b' }), r1(['a', 1])], { keyed: true, inputs: 2 });
    assert.deepEqual(h.output, [['a', 1], ['a', 101], ['b', 1], ['b', 101], ['a', 102]]);
  });

  it('keyed co-process: state and timers are shared by both inputs, timers fire with their key', async () => {
    class Gate extends KeyedCoProcessFunction<string, [string, boolean], [string, number], string> {
      private off!: ValueState<boolean>;
      override open(): void {
        this.off = this.getRuntimeContext().getState(new ValueStateDescriptor<boolean>('off', null, false));
      }
      processElement1(c: [string, boolean], ctx: KeyedCoProcessContext<string>): void {
        this.off.update(!c[1]);
        ctx.timerService().registerEventTimeTimer(100);
      }
      processElement2(e: [string, number], ctx: KeyedCoProcessContext<string>, out: Collector<string>): void {
        if (!this.off.value()) out.collect(`${ctx.getCurrentKey()}:${e[1]}@${ctx.timestamp()}`);
        ctx.timerService().registerEventTimeTimer(e[1] + 50);
      }
      override onTimer(t: number, ctx: KeyedCoOnTimerContext<string>, out: Collector<string>): void {
        out.collect(`timer ${ctx.getCurrentKey()} ${t} ${ctx.timeDomain()} ${ctx.timestamp()}`);
      }
    }
    const h = await drive(
      op('keyed-co-process'),
      { fns: [new Gate(), first, first], params: { keyed: true } },
      [r1(['a', false], 1), r2(['a', 10], 10), r2(['b', 20], 20), { watermark: 60 }, r1(['a', true], 70), r2(['a', 80], 80), { watermark: 200 }],
      { keyed: true, inputs: 2 },
    );
    assert.deepEqual(h.output, ['b:20@20', 'timer a 60 EVENT_TIME 60', 'a:80@80', 'timer b 70 EVENT_TIME 70', 'timer a 100 EVENT_TIME 100', 'timer a 130 EVENT_TIME 130']);
    assert.deepEqual(h.watermarks, [60, 200]);
  });

  it('non-keyed co-process: timestamps and side outputs work, timers say they need keyed streams', async () => {
    const tag = new OutputTag<number>('two');
    const h = await drive(
      op('co-process'),
      {
        fns: [
          {
            processElement1: (v: number, ctx: { timestamp(): number | null }, out: Collector<unknown>) => out.collect([v, ctx.timestamp()]),
            processElement2: (v: number, ctx: { output(t: OutputTag<number>, v: number): void }) => ctx.output(tag, v),
          },
        ],
      },
      [r1(1, 5), r2(2), r1(3)],
      { inputs: 2 },
    );
    assert.deepEqual(h.output, [[1, 5], [3, null]]);
    assert.deepEqual(h.sideOutputs.get('two'), [2]);
    await assert.rejects(
      drive(op('co-process'), { fns: [{ processElement1: (_v: unknown, ctx: { timerService(): { registerEventTimeTimer(t: number): void } }) => ctx.timerService().registerEventTimeTimer(1), processElement2: () => {} }] }, [r1(1)]),
      (e: unknown) => e instanceof UsageError && /only supported on keyed streams/.test(e.message),
    );
  });
});

for (const backend of TESTED_STATE_BACKENDS) describe(`broadcast state operators (${backend.name} state backend)`, () => {
  useStateBackend(backend);
  const rules = new MapStateDescriptor<string, number>('rules');

  it('keyed: the broadcast side writes the state, the keyed side reads it, applyToKeyedState visits every key with state', async () => {
    const sumDesc = new ValueStateDescriptor<number>('sum', null, 0);
    class Apply extends KeyedBroadcastProcessFunction<string, [string, number], [string, number], string> {
      private sum!: ValueState<number>;
      override open(): void {
        this.sum = this.getRuntimeContext().getState(sumDesc);
      }
      processElement(e: [string, number], ctx: KeyedReadOnlyBroadcastContext<string>, out: Collector<string>): void {
        this.sum.update((this.sum.value() ?? 0) + e[1]);
        const state = ctx.getBroadcastState(rules);
        assert.equal((state as unknown as { put?: unknown }).put, undefined, 'read-only on the keyed side');
        out.collect(`${ctx.getCurrentKey()} x${state.get('factor') ?? 1} = ${(this.sum.value() ?? 0) * (state.get('factor') ?? 1)}`);
      }
      processBroadcastElement(rule: [string, number], ctx: KeyedBroadcastContext, out: Collector<string>): void {
        ctx.getBroadcastState(rules).put(rule[0], rule[1]);
        const visited: string[] = [];
        ctx.applyToKeyedState(sumDesc, (key, state: ValueState<number>) => {
          visited.push(`${String(key)}=${state.value()}`);
          state.update((state.value() ?? 0) * 2);
        });
        out.collect(`rule ${rule[0]}: ${visited.sort().join(',')}`);
      }
    }
    const h = await drive(
      op('keyed-co-broadcast'),
      { fns: [new Apply(), first], params: { keyed: true, broadcastStates: ['rules'] } },
      [r1(['a', 1]), r1(['b', 2]), r2(['factor', 3]), r1(['a', 1]), r1(['c', 5])],
      { keyed: true, inputs: 2 },
    );
    assert.deepEqual(h.output, ['a x1 = 1', 'b x1 = 2', 'rule factor: a=1,b=2', 'a x3 = 9', 'c x3 = 15']);
  });

  it('keyed: keyed state used directly in processBroadcastElement is refused (no current key), as in Flink', async () => {
    const sumDesc = new ValueStateDescriptor<number>('sum');
    class Misuse extends KeyedBroadcastProcessFunction<string, [string, number], [string, number], string> {
      private sum!: ValueState<number>;
      override open(): void {
        this.sum = this.getRuntimeContext().getState(sumDesc);
      }
      processElement(e: [string, number]): void {
        this.sum.update(e[1]);
      }
      processBroadcastElement(): void {
        this.sum.value();
      }
    }
    await assert.rejects(
      drive(op('keyed-co-broadcast'), { fns: [new Misuse(), first], params: { keyed: true, broadcastStates: ['rules'] } }, [r1(['a', 1]), r2(['factor', 3])], { keyed: true, inputs: 2 }),
      (e: unknown) => e instanceof UsageError && /no current key/.test(e.message) && /applyToKeyedState/.test(e.message),
    );
  });

  it('a descriptor not given to broadcast(...) is refused with what to do', async () => {
    const other = new MapStateDescriptor<string, number>('other');
    await assert.rejects(
      drive(op('co-broadcast'), { fns: [{ processElement: () => {}, processBroadcastElement: (_v: unknown, ctx: KeyedBroadcastContext) => ctx.getBroadcastState(other) }], params: { broadcastStates: ['rules'] } }, [r2('x')]),
      (e: unknown) => e instanceof UsageError && /broadcast state 'other' does not exist/.test(e.message) && /stream\.broadcast/.test(e.message),
    );
  });

  it('non-keyed: each instance keeps its own broadcast state in operator state', async () => {
    const fn = {
      processElement: (v: string, ctx: KeyedReadOnlyBroadcastContext<never>, out: Collector<unknown>) => out.collect([v, ctx.getBroadcastState(rules).get(v)]),
      processBroadcastElement: (r: [string, number], ctx: KeyedBroadcastContext) => ctx.getBroadcastState(rules).put(r[0], r[1]),
    };
    const h = await drive(op('co-broadcast'), { fns: [fn], params: { broadcastStates: ['rules'] } }, [r1('x'), r2(['x', 7]), r1('x'), r1('y')], { inputs: 2 });
    assert.deepEqual(h.output, [['x', null], ['x', 7], ['y', null]]);
    assert.deepEqual([...h.ctx.operatorStateBackend().getBroadcastState('rules').keys()], ['x']);
  });
});

for (const backend of TESTED_STATE_BACKENDS) describe(`interval join operator (${backend.name} state backend)`, () => {
  useStateBackend(backend);
  const pairs = (lower: number, upper: number, steps: Step[], extra: Record<string, string> = {}): Promise<TestingOperatorContext> =>
    drive(
      op('interval-join'),
      {
        fns: [(l: [string, number], r: [string, number], ctx: { getTimestamp(): number }, out: Collector<unknown>) => out.collect([l[1], r[1], ctx.getTimestamp()]), first, first],
        params: { keyed: true, lowerBound: lower, upperBound: upper, ...extra },
      },
      steps,
      { keyed: true, inputs: 2 },
    );

  it('joins pairs of equal keys within the bounds, in both arrival orders, with the larger timestamp', async () => {
    const h = await pairs(-2, 3, [
      r1(['a', 10], 10),
      r2(['a', 8], 8), // 8 - 10 = -2: inside
      r2(['a', 13], 13), // +3: inside
      r2(['a', 14], 14), // +4: outside
      r2(['b', 11], 11), // other key
      r1(['a', 11], 11), // joins 13 (+2), 14 (+3); 8 is -3: outside
    ]);
    assert.deepEqual(h.output, [[10, 8, 10], [10, 13, 13], [11, 13, 13], [11, 14, 14]]);
    assert.deepEqual(h.timestamps, [10, 13, 13, 14]);
  });

  it('drops late records (or sends them to the late side output) and cleans its buffers once the watermark passes', async () => {
    const h = await pairs(-5, 5, [r1(['a', 10], 10), r2(['a', 12], 12), { watermark: 20 }, r2(['a', 15], 15), r1(['a', 19], 19), r1(['a', 30], 30), { watermark: 100 }], {
      leftLateTag: 'late-left',
    });
    assert.deepEqual(h.output, [[10, 12, 12]]);
    assert.deepEqual(h.sideOutputs.get('late-left'), [['a', 19]]);
    assert.equal(h.ctx.keyedStateBackend().numKeys(), 0, 'every buffered record was cleaned up');
  });

  it('keeps a bucket while a partner may still come, and says so when timestamps are missing', async () => {
    // Left 10 may join right records up to 10 + 5: its bucket survives watermark 14.
    const h = await pairs(0, 5, [r1(['a', 10], 10), { watermark: 14 }, r2(['a', 15], 15)]);
    assert.deepEqual(h.output, [[10, 15, 15]]);
    await assert.rejects(pairs(0, 5, [r1(['a', 1])]), MissingTimestampError);
  });
});

describe('iteration head and tail', () => {
  it('the tail feeds the head through the queue of its job, iteration and subtask; the head ends after maxWaitTime without feedback', async () => {
    const head = new TestingOperatorContext({ params: { iterationId: 7, maxWaitTime: 50 } });
    const tail = new TestingOperatorContext({ params: { iterationId: 7 } });
    const h = op('iteration-head')(head.ctx);
    const t = op('iteration-tail')(tail.ctx);
    await h.open?.();
    await t.open?.();
    tail.element.timestamp = 42;
    t.processElement?.('x', 0);
    tail.element.timestamp = Number.NaN;
    t.processElement?.('y', 0);
    const running = h.run?.();
    // More feedback while the head runs wakes it up.
    setImmediate(() => t.processElement?.('z', 0));
    await running;
    assert.deepEqual(head.output, ['x', 'y', 'z']);
    assert.deepEqual(head.timestamps.slice(0, 2), [42, Number.NaN]);
    assert.deepEqual(head.watermarks, [Number.POSITIVE_INFINITY], 'the head never holds back event time');
    // After the head ended, feedback is dropped instead of piling up.
    t.processElement?.('late', 0);
    assert.equal(feedbackQueue(head.ctx.jobId, 7, 0).size, 0);
  });

  it('a tail whose head is not in the same worker fails instead of losing the feedback', async () => {
    const tail = new TestingOperatorContext({ params: { iterationId: 9 } });
    const t = op('iteration-tail')(tail.ctx);
    await assert.rejects(Promise.resolve().then(() => t.open?.()), IterationPlacementError);
  });

  it('a head without maxWaitTime runs until cancelled', async () => {
    const head = new TestingOperatorContext({ params: { iterationId: 8, maxWaitTime: 0 } });
    const h = op('iteration-head')(head.ctx);
    await h.open?.();
    const running = h.run?.();
    feedbackQueue(head.ctx.jobId, 8, 0).push(1, Number.NaN);
    setImmediate(() => (head.cancelled = true));
    await running;
    assert.deepEqual(head.output, [1]);
  });
});
