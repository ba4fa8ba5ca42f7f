import assert from 'node:assert/strict';
import { StreamExecutionEnvironment } from '../../../src/api/index.js';
import { UsageError } from '../../../src/util/errors.js';
import { assertWellFormed, buildFirst, capturePipelines, edgeBetween, edgesBetween, planOf, vertexNames, vertexWith } from './testing-pipeline.js';

const streams = (): StreamExecutionEnvironment => StreamExecutionEnvironment.getExecutionEnvironment();

describe('JobGraph builder: chaining of streaming operators (Flink rules)', () => {
  it('chains forward connections between operators of equal parallelism into one vertex', async () => {
    const g = await planOf(async () => {
      const env = streams();
      env.generateSequence(1, 10).map((x) => x * 2).filter((x) => x > 3).print();
      await env.execute('chain');
    }, 2);
    assertWellFormed(g);
    assert.deepEqual(vertexNames(g), ['Sequence Source -> Map -> Filter -> Print to Std. Out']);
    assert.equal(g.edges.length, 0);
    const v = g.vertices[0];
    assert.equal(v?.parallelism, 2);
    assert.equal(v?.isSource, true);
    assert.equal(v?.isSink, true);
    assert.deepEqual(v?.operators.map((o) => o.outputs), [[{ chained: 1 }], [{ chained: 2 }], [{ chained: 3 }], []]);
  });

  it('connects operators of different parallelism with a rebalance edge and does not chain them', async () => {
    const g = await planOf(async () => {
      const env = streams();
      env.fromElements(1, 2, 3).map((x) => x + 1).print();
      await env.execute();
    }, 4);
    assertWellFormed(g);
    assert.deepEqual(vertexNames(g), ['Collection Source', 'Map -> Print to Std. Out']);
    assert.equal(vertexWith(g, 'Collection Source').parallelism, 1);
    assert.equal(vertexWith(g, 'Map').parallelism, 4);
    assert.equal(edgeBetween(g, 'Collection Source', 'Map').partitioner, 'rebalance');
  });

  it('setParallelism on an operator splits the chain where the parallelism changes', async () => {
    const g = await planOf(async () => {
      const env = streams();
      env.generateSequence(1, 10).map((x) => x).setParallelism(2).filter(() => true).print();
      await env.execute();
    }, 3);
    assert.deepEqual(vertexNames(g), ['Sequence Source', 'Map', 'Filter -> Print to Std. Out']);
    assert.deepEqual(g.vertices.map((v) => v.parallelism), [3, 2, 3]);
    assert.equal(edgeBetween(g, 'Sequence Source', 'Map').partitioner, 'rebalance');
    assert.equal(edgeBetween(g, 'Map', 'Filter').partitioner, 'rebalance');
  });

  it('keyBy makes a hash edge whose partition node carries the key', async () => {
    const built = await buildFirst(async () => {
      const env = streams();
      env.generateSequence(1, 10).map((x): [string, number] => [`k${x % 3}`, x]).keyBy(0).sum(1).print();
      await env.execute();
    }, 2);
    const g = built.graph;
    assertWellFormed(g);
    assert.deepEqual(vertexNames(g), ['Sequence Source -> Map', 'Keyed Aggregation -> Print to Std. Out']);
    const e = edgeBetween(g, 'Map', 'Keyed Aggregation');
    assert.equal(e.partitioner, 'hash');
    assert.notEqual(e.partitionRef, null);
    const partition = built.transformations.get(e.partitionRef as number);
    assert.equal(partition?.virtual, 'partition');
    assert.equal(partition?.keySpec, 0);
  });

  it('keyBy with a key selector function and a field name', async () => {
    const key = (r: { user: string }): string => r.user;
    const built = await buildFirst(async () => {
      const env = streams();
      const s = env.fromElements({ user: 'a', n: 1 });
      s.keyBy(key).reduce((a, b) => ({ user: a.user, n: a.n + b.n })).print();
      s.keyBy('user').maxBy('n').print();
      await env.execute();
    }, 2);
    const edges = built.graph.edges.filter((e) => e.partitioner === 'hash');
    assert.equal(edges.length, 2);
    const specs = edges.map((e) => built.transformations.get(e.partitionRef as number)?.keySpec);
    assert.ok(specs.includes(key));
    assert.ok(specs.includes('user'));
  });

  it('disableChaining() isolates an operator in its own vertex', async () => {
    const g = await planOf(async () => {
      const env = streams();
      env.generateSequence(1, 10).map((x) => x).disableChaining().filter(() => true).print();
      await env.execute();
    }, 2);
    assertWellFormed(g);
    assert.deepEqual(vertexNames(g), ['Sequence Source', 'Map', 'Filter -> Print to Std. Out']);
    assert.equal(edgeBetween(g, 'Sequence Source', 'Map').partitioner, 'forward');
    assert.equal(edgeBetween(g, 'Map', 'Filter').partitioner, 'forward');
  });

  it('startNewChain() starts a chain at the operator, which still chains with its successors', async () => {
    const g = await planOf(async () => {
      const env = streams();
      env.generateSequence(1, 10).map((x) => x).filter(() => true).startNewChain().map((x) => x).print();
      await env.execute();
    }, 2);
    assert.deepEqual(vertexNames(g), ['Sequence Source -> Map', 'Filter -> Map -> Print to Std. Out']);
    assert.equal(g.edges.length, 1);
    assert.equal(g.edges[0]?.partitioner, 'forward');
  });

  it('a sink with disableChaining() runs in its own vertex', async () => {
    const g = await planOf(async () => {
      const env = streams();
      env.generateSequence(1, 10).map((x) => x).print().disableChaining();
      await env.execute();
    }, 2);
    assert.deepEqual(vertexNames(g), ['Sequence Source -> Map', 'Print to Std. Out']);
  });

  it('an operator with two inputs (union) is not chained to either', async () => {
    const g = await planOf(async () => {
      const env = streams();
      const a = env.generateSequence(1, 5);
      const b = env.generateSequence(6, 10).name('Second');
      a.union(b).map((x) => x).print();
      await env.execute();
    }, 2);
    assertWellFormed(g);
    assert.deepEqual(vertexNames(g).sort(), ['Map -> Print to Std. Out', 'Second', 'Sequence Source'].sort());
    const map = vertexWith(g, 'Map');
    assert.equal(map.inputs.length, 2);
    for (const e of map.inputs.map((i) => g.edges[i])) {
      assert.equal(e?.partitioner, 'forward');
      assert.equal(e?.targetInput, 0, 'a union feeds the one logical input');
    }
  });

  it('flattens nested unions: a.union(b).union(c) and a.union(b, c) give three input edges', async () => {
    for (const nested of [true, false]) {
      const g = await planOf(async () => {
        const env = streams();
        const [a, b, c] = [1, 2, 3].map((i) => env.generateSequence(i, 10).name(`S${i}`)) as [ReturnType<typeof env.generateSequence>, ReturnType<typeof env.generateSequence>, ReturnType<typeof env.generateSequence>];
        (nested ? a.union(b).union(c) : a.union(b, c)).map((x) => x).print();
        await env.execute();
      }, 2);
      const map = vertexWith(g, 'Map');
      assert.equal(map.inputs.length, 3, nested ? 'nested union' : 'union of three');
      const sources = map.inputs.map((i) => g.vertices[g.edges[i]?.source as number]?.name).sort();
      assert.deepEqual(sources, ['S1', 'S2', 'S3']);
    }
  });

  it('a partitioning before a union applies to that input only; one after it applies to all', async () => {
    const g = await planOf(async () => {
      const env = streams();
      const a = env.generateSequence(1, 5).name('A');
      const b = env.generateSequence(6, 10).name('B');
      a.rebalance().union(b).map((x) => x).name('M1').print();
      a.union(b).shuffle().map((x) => x).name('M2').print();
      await env.execute();
    }, 2);
    assert.equal(edgeBetween(g, 'A', 'M1').partitioner, 'rebalance');
    assert.equal(edgeBetween(g, 'B', 'M1').partitioner, 'forward');
    assert.equal(edgeBetween(g, 'A', 'M2').partitioner, 'shuffle');
    assert.equal(edgeBetween(g, 'B', 'M2').partitioner, 'shuffle');
  });

  it('the partitioning closest to the consumer wins', async () => {
    const g = await planOf(async () => {
      const env = streams();
      env.generateSequence(1, 5).rebalance().broadcast().map((x) => x).print();
      await env.execute();
    }, 2);
    assert.equal(edgeBetween(g, 'Sequence Source', 'Map').partitioner, 'broadcast');
  });

  it('explicit forward() with a change of parallelism fails with Flink\'s message', async () => {
    await assert.rejects(
      buildFirst(async () => {
        const env = streams();
        env.fromElements(1, 2).forward().map((x) => x).print();
        await env.execute();
      }, 3),
      (err: unknown) => {
        assert.ok(err instanceof UsageError);
        assert.match(err.message, /^Forward partitioning does not allow change of parallelism\./);
        assert.match(err.message, /Upstream operation: Collection Source parallelism: 1, downstream operation: Map parallelism: 3/);
        assert.match(err.message, /broadcast, rebalance, shuffle or global/);
        return true;
      },
    );
  });

  it('explicit forward() with equal parallelism chains like the default', async () => {
    const g = await planOf(async () => {
      const env = streams();
      env.generateSequence(1, 5).forward().map((x) => x).print();
      await env.execute();
    }, 2);
    assert.deepEqual(vertexNames(g), ['Sequence Source -> Map -> Print to Std. Out']);
  });

  for (const kind of ['rescale', 'broadcast', 'global', 'shuffle', 'rebalance'] as const) {
    it(`${kind}() puts a ${kind} edge in front of the next operator`, async () => {
      const g = await planOf(async () => {
        const env = streams();
        env.generateSequence(1, 5)[kind]().map((x) => x).print();
        await env.execute();
      }, 2);
      assertWellFormed(g);
      assert.deepEqual(vertexNames(g), ['Sequence Source', 'Map -> Print to Std. Out']);
      const e = edgeBetween(g, 'Sequence Source', 'Map');
      assert.equal(e.partitioner, kind);
      assert.equal(e.targetInput, 0);
    });
  }

  it('partitionCustom() makes a custom edge that refers to the partitioner and key', async () => {
    const partitioner = (key: number, n: number): number => key % n;
    const built = await buildFirst(async () => {
      const env = streams();
      env.generateSequence(1, 5).partitionCustom(partitioner, (x) => x).map((x) => x).print();
      await env.execute();
    }, 2);
    const e = edgeBetween(built.graph, 'Sequence Source', 'Map');
    assert.equal(e.partitioner, 'custom');
    const node = built.transformations.get(e.partitionRef as number);
    assert.equal(node?.fns[0], partitioner);
    assert.equal(typeof node?.keySpec, 'function');
  });

  it('an operator feeding two chainable consumers chains both', async () => {
    const g = await planOf(async () => {
      const env = streams();
      const m = env.generateSequence(1, 5).map((x) => x);
      m.print();
      m.writeAsText('/tmp/never-written');
      await env.execute();
    }, 2);
    assert.equal(g.vertices.length, 1);
    const ops = g.vertices[0]?.operators ?? [];
    const map = ops.find((o) => o.name === 'Map');
    assert.equal(map?.outputs.length, 2);
    assert.ok(map?.outputs.every((o) => 'chained' in o));
  });

  it('an operator feeding consumers of different parallelism chains one and ships to the other', async () => {
    const g = await planOf(async () => {
      const env = streams();
      const m = env.generateSequence(1, 5).map((x) => x);
      m.print();
      m.print('other').setParallelism(1);
      await env.execute();
    }, 2);
    assertWellFormed(g);
    assert.equal(g.vertices.length, 2);
    const map = vertexWith(g, 'Map');
    assert.equal(map.operators.length, 3);
    assert.equal(map.outputs.length, 1);
    assert.equal(g.edges[0]?.partitioner, 'rebalance');
  });

  it('sources are the heads of their vertices and sinks only end chains', async () => {
    const g = await planOf(async () => {
      const env = streams();
      env.fromElements('a', 'b').print();
      env.generateSequence(1, 3).setParallelism(1).print();
      await env.execute();
    }, 1);
    assert.equal(g.vertices.length, 2);
    assert.ok(g.vertices.every((v) => v.isSource && v.isSink));
  });

  it('a second execute() captures only the sinks defined after the first', async () => {
    const pipelines = await capturePipelines(async () => {
      const env = streams();
      env.fromElements(1).print();
      await env.execute('first');
      env.fromElements(2).map((x) => x).print();
      await env.execute('second');
    });
    assert.deepEqual(pipelines.map((p) => [p.jobName, p.executeIndex, p.sinks.length]), [['first', 0, 1], ['second', 1, 1]]);
    assert.notEqual(pipelines[0]?.sinks[0], pipelines[1]?.sinks[0]);
  });

  it('edgesBetween reports nothing for unconnected vertices', async () => {
    const g = await planOf(async () => {
      const env = streams();
      env.fromElements(1).name('X').print();
      env.fromElements(2).name('Y').print();
      await env.execute();
    });
    assert.deepEqual(edgesBetween(g, 'X', 'Y'), []);
  });
});
