/**
 * The connect / broadcast / intervalJoin / iterate API: the job graphs it builds and its usage errors.
 */
import assert from 'node:assert/strict';
import {
  BroadcastProcessFunction,
  KeyedBroadcastProcessFunction,
  KeyedCoProcessFunction,
  MapStateDescriptor,
  OutputTag,
  StreamExecutionEnvironment,
  Time,
  ValueStateDescriptor,
} from '../../../src/api/index.js';
import type { JobGraph } from '../../../src/graph/index.js';
import { UsageError } from '../../../src/util/errors.js';
import { assertWellFormed, buildFirst, capturePipelines, planOf, vertexWith } from '../graph/testing-pipeline.js';

const streams = (): StreamExecutionEnvironment => StreamExecutionEnvironment.getExecutionEnvironment();

function usage(fn: () => unknown, message: RegExp): void {
  assert.throws(fn, (e: unknown) => e instanceof UsageError && e.code === 'USAGE' && message.test(e.message));
}

function edgesInto(g: JobGraph, operatorName: string): Array<{ partitioner: string; targetInput: number }> {
  const v = vertexWith(g, operatorName);
  return v.inputs.map((i) => g.edges[i] as JobGraph['edges'][number]).map((e) => ({ partitioner: e.partitioner, targetInput: e.targetInput }));
}

describe('connected streams, broadcast, interval join and iterate in the job graph', () => {
  it('connect().keyBy() builds a keyed two-input operator fed by two hash edges on inputs 0 and 1', async () => {
    const built = await buildFirst(async () => {
      const env = streams();
      const a = env.fromElements(['a', 1]);
      const b = env.fromElements({ k: 'a' });
      a.connect(b).keyBy(0, 'k').process({ processElement1: () => {}, processElement2: () => {} }).print();
      await env.execute();
    }, 2);
    assertWellFormed(built.graph);
    assert.deepEqual(edgesInto(built.graph, 'Co-Process').sort((x, y) => x.targetInput - y.targetInput), [
      { partitioner: 'hash', targetInput: 0 },
      { partitioner: 'hash', targetInput: 1 },
    ]);
    const op = vertexWith(built.graph, 'Co-Process').operators[0];
    assert.equal(op?.operator, 'keyed-co-process');
    assert.equal(built.transformations.get(op?.id as number)?.fns.length, 3, 'the function and both key selectors');
  });

  it('a broadcast stream reaches its operator over a broadcast edge, and the state names travel in the graph', async () => {
    const g = await planOf(async () => {
      const env = streams();
      const rules = env.fromElements(1).broadcast(new MapStateDescriptor('rules'), new MapStateDescriptor('more'));
      env.fromSequence(1, 10).keyBy((x) => x % 2).connect(rules).process({ processElement: () => {}, processBroadcastElement: () => {} }).print();
      await env.execute();
    }, 3);
    const v = vertexWith(g, 'Co-Process-Broadcast-Keyed');
    assert.deepEqual(v.operators[0]?.params, { broadcastStates: ['rules', 'more'], keyed: true });
    assert.deepEqual(edgesInto(g, 'Co-Process-Broadcast-Keyed').sort((x, y) => x.targetInput - y.targetInput), [
      { partitioner: 'hash', targetInput: 0 },
      { partitioner: 'broadcast', targetInput: 1 },
    ]);
  });

  it('interval join bounds become inclusive milliseconds, exclusive ones one millisecond inward', async () => {
    const g = await planOf(async () => {
      const env = streams();
      const a = env.fromElements(1).keyBy((x) => x);
      const b = env.fromElements(2).keyBy((x) => x);
      a.intervalJoin(b).between(-2000, Time.seconds(1)).lowerBoundExclusive().upperBoundExclusive().sideOutputLeftLateData(new OutputTag('late')).process((l, r) => [l, r]).print();
      await env.execute();
    });
    assert.deepEqual(vertexWith(g, 'Interval Join').operators[0]?.params, { keyed: true, lowerBound: -1999, upperBound: 999, leftLateTag: 'late' });
  });

  it('iterate() adds a head source and a tail sink chained to the feedback: no cycle in the graph', async () => {
    const g = await planOf(async () => {
      const env = streams();
      const it = env.fromSequence(1, 10).iterate(500);
      const next = it.map((x) => x - 1);
      it.closeWith(next.filter((x) => x > 0));
      next.print();
      await env.execute();
    }, 2);
    assertWellFormed(g);
    const head = g.vertices.find((v) => v.operators[0]?.operator === 'iteration-head');
    assert.ok(head, 'an iteration head vertex');
    assert.equal(head.isSource, true);
    assert.equal(head.parallelism, 2);
    assert.deepEqual(head.operators[0]?.params, { maxWaitTime: 500, iterationId: head.operators[0]?.id as number });
    const tailVertex = g.vertices.find((v) => v.operators.some((o) => o.operator === 'iteration-tail'));
    assert.ok(tailVertex?.operators.some((o) => o.name === 'Filter'), 'the tail is chained to the feedback operator');
    assert.equal(tailVertex?.parallelism, 2);
    assert.equal(edgesInto(g, 'Map').length, 2, 'the loop body reads the input and the head');
  });

  it('withFeedbackType() gives a two-input operator reading the input (0) and a new iteration head (1)', async () => {
    const g = await planOf(async () => {
      const env = streams();
      const it = env.fromSequence(1, 10).iterate(100).withFeedbackType<string>();
      const body = it.map({ map1: (n: number) => String(n), map2: (s: string) => s + '!' });
      it.closeWith(body.filter((s) => s.length < 3));
      body.print();
      await env.execute();
    }, 2);
    assertWellFormed(g);
    const heads = g.vertices.filter((v) => v.operators[0]?.operator === 'iteration-head');
    assert.equal(heads.length, 1, 'only the head of the typed iteration runs');
    const inputs = edgesInto(g, 'Co-Map');
    assert.deepEqual(inputs.map((e) => e.targetInput).sort(), [0, 1]);
    const fromHead = vertexWith(g, 'Co-Map').inputs.map((i) => g.edges[i] as JobGraph['edges'][number]).find((e) => e.source === heads[0]?.index);
    assert.equal(fromHead?.targetInput, 1);
  });
});

describe('usage errors of connect, broadcast, intervalJoin and iterate', () => {
  it('functions of the wrong kind or shape', async () => {
    await capturePipelines(() => {
      const env = streams();
      const a = env.fromElements(1);
      const b = env.fromElements('x');
      usage(() => a.connect(b).map(((x: unknown) => x) as never), /CoMapFunction needs the methods map1 and map2\(\)/);
      usage(() => a.connect(b).flatMap({ flatMap1: () => {} } as never), /missing: flatMap2/);
      class K extends KeyedCoProcessFunction<unknown, number, string, unknown> {
        processElement1(): void {}
        processElement2(): void {}
      }
      usage(() => a.connect(b).process(new K()), /KeyedCoProcessFunction can only be used when both input streams are keyed/);
      const rules = b.broadcast(new MapStateDescriptor('r'));
      class KB extends KeyedBroadcastProcessFunction<unknown, number, string, unknown> {
        processElement(): void {}
        processBroadcastElement(): void {}
      }
      class B extends BroadcastProcessFunction<number, string, unknown> {
        processElement(): void {}
        processBroadcastElement(): void {}
      }
      usage(() => a.connect(rules).process(new KB()), /KeyedBroadcastProcessFunction can only be used on a keyed stream/);
      usage(() => a.keyBy((x) => x).connect(rules).process(new B()), /BroadcastProcessFunction can only be used on a non-keyed stream/);
      usage(() => b.broadcast(new ValueStateDescriptor('v') as never), /MapStateDescriptors/);
      usage(() => a.connect({} as never), /connect\(\): give a DataStream/);
    });
  });

  it('interval join bounds and iterate arguments', async () => {
    await capturePipelines(() => {
      const env = streams();
      const a = env.fromElements(1).keyBy((x) => x);
      usage(() => a.intervalJoin(a).between(10, 5), /lowerBound <= upperBound must be fulfilled/);
      usage(() => a.intervalJoin(a).inProcessingTime(), /only supported in event time/);
      assert.doesNotThrow(() => a.intervalJoin(a).inEventTime().between(0, 1));
      usage(() => a.intervalJoin(a).between(Number.NaN, 5), /finite number of milliseconds/);
      usage(() => a.intervalJoin(env.fromElements(2) as never), /must be keyed too/);
      usage(() => env.fromElements(1).iterate(-1), /iterate\(maxWaitTimeMillis\)/);
    });
  });

  it('iterations in BATCH runtime mode are refused, as in Flink', async () => {
    await assert.rejects(
      buildFirst(async () => {
        const env = streams();
        env.setRuntimeMode('BATCH');
        const it = env.fromSequence(1, 3).iterate(10);
        it.closeWith(it.map((x) => x));
        await env.execute();
      }),
      (e: unknown) => e instanceof UsageError && /Iterations are not supported in BATCH execution mode/.test(e.message),
    );
  });

  it('an iteration that is never closed, or closed with another parallelism, is refused when the job is built', async () => {
    await assert.rejects(
      buildFirst(async () => {
        const env = streams();
        env.fromSequence(1, 3).iterate().map((x) => x).print();
        await env.execute();
      }),
      (e: unknown) => e instanceof UsageError && /never closed: call closeWith\(feedbackStream\)/.test(e.message),
    );
    await assert.rejects(
      buildFirst(async () => {
        const env = streams();
        const it = env.fromSequence(1, 3).iterate();
        const body = it.map((x) => x).setParallelism(3);
        it.closeWith(body);
        await env.execute();
      }, 2),
      (e: unknown) => e instanceof UsageError && /Parallelism of the feedback stream must match the parallelism of the original stream\. Parallelism of original stream: 2; parallelism of feedback stream: 3/.test(e.message),
    );
  });
});
