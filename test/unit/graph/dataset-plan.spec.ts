import assert from 'node:assert/strict';
import { ExecutionEnvironment } from '../../../src/api/index.js';
import { UsageError } from '../../../src/util/errors.js';
import { assertWellFormed, buildFirst, capturePipelines, edgeBetween, planOf, vertexNames, vertexWith } from './testing-pipeline.js';

const batch = (): ExecutionEnvironment => ExecutionEnvironment.getExecutionEnvironment();
type Pair = [string, number];
const pairs = (env: ExecutionEnvironment) => env.fromElements<Pair>(['a', 1], ['b', 2], ['a', 3]);

describe('JobGraph builder: DataSet programs', () => {
  it('groupBy().sum() chains a combiner to its input, then a hash edge to the final aggregation', async () => {
    const built = await buildFirst(async () => {
      const env = batch();
      pairs(env).groupBy(0).sum(1).writeAsText('/tmp/never-written');
      await env.execute();
    }, 3);
    const g = built.graph;
    assertWellFormed(g);
    assert.equal(g.mode, 'BATCH');
    assert.deepEqual(vertexNames(g), ['Collection Source -> Combine (Aggregate)', 'Aggregate -> DataSink (TextOutputFormat (/tmp/never-written))']);
    const combiner = vertexWith(g, 'Combine (Aggregate)');
    assert.equal(combiner.parallelism, 1, 'the combiner runs with its input\'s parallelism');
    assert.equal(vertexWith(g, 'Aggregate').parallelism, 3);
    const e = edgeBetween(g, 'Combine (Aggregate)', 'Aggregate');
    assert.equal(e.partitioner, 'hash');
    assert.equal(built.transformations.get(e.partitionRef as number)?.keySpec, 0);
    const ops = g.vertices.flatMap((v) => v.operators);
    assert.deepEqual(ops.find((o) => o.name === 'Combine (Aggregate)')?.params, { aggregations: [['SUM', 1]], combiner: true });
    assert.deepEqual(ops.find((o) => o.name === 'Aggregate')?.params, { aggregations: [['SUM', 1]], combiner: false });
  });

  it('a parallel input keeps the combiner at the input\'s parallelism, chained', async () => {
    const g = await planOf(async () => {
      const env = batch();
      env.generateSequence(1, 100).map((x): Pair => [`k${x % 5}`, x]).groupBy(0).reduce((a, b) => [a[0], a[1] + b[1]]).writeAsText('/tmp/x');
      await env.execute();
    }, 2);
    assert.deepEqual(vertexNames(g), ['Sequence Source -> Map -> Combine (Reduce)', 'Reduce -> DataSink (TextOutputFormat (/tmp/x))']);
    assert.deepEqual(g.vertices.map((v) => v.parallelism), [2, 2]);
    assert.equal(g.edges[0]?.partitioner, 'hash');
  });

  it('.and() adds the aggregation to both the combiner and the final step', async () => {
    const g = await planOf(async () => {
      const env = batch();
      env.fromElements<[string, number, number]>(['a', 1, 2]).groupBy(0).sum(1).and('MAX', 2).andMin(1).writeAsText('/tmp/x');
      await env.execute();
    }, 2);
    const ops = g.vertices.flatMap((v) => v.operators).filter((o) => o.operator === 'grouped-aggregate');
    assert.equal(ops.length, 2);
    for (const o of ops) assert.deepEqual(o.params.aggregations, [['SUM', 1], ['MAX', 2], ['MIN', 1]]);
  });

  it('join makes two hash edges into one two-input vertex', async () => {
    const built = await buildFirst(async () => {
      const env = batch();
      const left = pairs(env);
      const right = env.fromElements<[number, string]>([1, 'x']).name('Right');
      left.join(right).where(0).equalTo(1).writeAsText('/tmp/x');
      await env.execute();
    }, 2);
    const g = built.graph;
    assertWellFormed(g);
    const join = vertexWith(g, 'Join');
    assert.equal(join.inputs.length, 2);
    const ins = join.inputs.map((i) => g.edges[i]).sort((a, b) => (a?.targetInput ?? 0) - (b?.targetInput ?? 0));
    assert.deepEqual(ins.map((e) => [e?.partitioner, e?.targetInput]), [['hash', 0], ['hash', 1]]);
    assert.deepEqual(ins.map((e) => g.vertices[e?.source as number]?.name), ['Collection Source', 'Right']);
    assert.deepEqual(ins.map((e) => built.transformations.get(e?.partitionRef as number)?.keySpec), [0, 1]);
    assert.equal(join.operators[0]?.name, 'Join', 'the join heads its vertex');
  });

  it('coGroup makes two hash edges into one two-input vertex', async () => {
    const g = await planOf(async () => {
      const env = batch();
      pairs(env).coGroup(pairs(env).name('Other')).where(0).equalTo(0).with((a, b, out) => out.collect([a.length, b.length])).writeAsText('/tmp/x');
      await env.execute();
    }, 2);
    const v = vertexWith(g, 'CoGroup');
    assert.deepEqual(v.inputs.map((i) => [g.edges[i]?.partitioner, g.edges[i]?.targetInput]).sort(), [['hash', 0], ['hash', 1]]);
  });

  it('cross broadcasts the second input', async () => {
    const g = await planOf(async () => {
      const env = batch();
      env.generateSequence(1, 3).cross(env.fromElements('a', 'b').name('Small')).writeAsText('/tmp/x');
      await env.execute();
    }, 2);
    assertWellFormed(g);
    const broadcast = edgeBetween(g, 'Small', 'Cross');
    assert.equal(broadcast.partitioner, 'broadcast');
    assert.equal(broadcast.targetInput, 1);
    const left = edgeBetween(g, 'Sequence Source', 'Cross');
    assert.equal(left.partitioner, 'forward');
    assert.equal(left.targetInput, 0);
  });

  it('distinct and first(n) chain a local step before the exchange', async () => {
    const g = await planOf(async () => {
      const env = batch();
      env.generateSequence(1, 3).distinct().writeAsText('/tmp/a');
      env.generateSequence(1, 3).first(2).writeAsText('/tmp/b');
      await env.execute();
    }, 2);
    assert.ok(vertexNames(g).includes('Sequence Source -> Combine (Distinct)'));
    assert.equal(edgeBetween(g, 'Combine (Distinct)', 'Distinct').partitioner, 'hash');
    assert.ok(vertexNames(g).includes('Sequence Source -> First (local)'));
    assert.equal(vertexWith(g, 'First(2)').parallelism, 1);
  });

  it('reduce() on a whole data set combines per partition, then reduces with parallelism 1', async () => {
    const g = await planOf(async () => {
      const env = batch();
      env.generateSequence(1, 10).reduce((a, b) => a + b).writeAsText('/tmp/x');
      await env.execute();
    }, 3);
    // The sink keeps the default parallelism, as in Flink: the single reduced record goes to one of its files.
    assert.deepEqual(vertexNames(g), ['Sequence Source -> Combine (Reduce)', 'Reduce', 'DataSink (TextOutputFormat (/tmp/x))']);
    assert.deepEqual(g.vertices.map((v) => v.parallelism), [3, 1, 3]);
    assert.equal(edgeBetween(g, 'Combine (Reduce)', 'Reduce').partitioner, 'rebalance');
  });

  it('sortGroup + first(n) and reduceGroup hash-partition without a combiner', async () => {
    const g = await planOf(async () => {
      const env = batch();
      pairs(env).groupBy(0).sortGroup(1, 'DESCENDING').first(1).writeAsText('/tmp/a');
      await env.execute();
    }, 2);
    const first = vertexWith(g, 'First(1)');
    assert.equal(first.operators[0]?.operator, 'grouped-group-reduce');
    assert.deepEqual(first.operators[0]?.params, { orders: ['DESCENDING'], first: 1 });
    assert.equal(g.edges.length, 1);
    assert.equal(g.edges[0]?.partitioner, 'hash');
  });

  it('union of data sets flattens into input edges of the consumer', async () => {
    const g = await planOf(async () => {
      const env = batch();
      const a = env.generateSequence(1, 3).name('A');
      const b = env.generateSequence(4, 6).name('B');
      const c = env.generateSequence(7, 9).name('C');
      a.union(b).union(c).map((x) => x).writeAsText('/tmp/x');
      await env.execute();
    }, 2);
    assert.equal(vertexWith(g, 'Map').inputs.length, 3);
  });

  it('collect() and count() run as jobs of their own, and execute() afterwards needs a sink of its own', async () => {
    const pipelines = await capturePipelines(async () => {
      const env = batch();
      const ds = env.generateSequence(1, 3);
      await ds.collect();
      await ds.count();
      ds.writeAsText('/tmp/x');
      await env.execute('third');
      await assert.rejects(env.execute('fourth'), (e: unknown) => e instanceof UsageError && /No data sinks have been created yet/.test(e.message));
    });
    assert.deepEqual(
      pipelines.map((p) => [p.executeIndex, p.sinks.map((s) => s.operator)]),
      [[0, ['sink:collect']], [1, ['sink:count']], [2, ['sink:text']]],
    );
    assert.equal(pipelines[2]?.jobName, 'third');
    const accs = pipelines.slice(0, 2).map((p) => p.sinks[0]?.params.accumulator);
    assert.notEqual(accs[0], accs[1], 'each collect()/count() has its own accumulator name');
  });

  it('rebalance() and partitionByHash() put their partitioning on the edge', async () => {
    const g = await planOf(async () => {
      const env = batch();
      env.generateSequence(1, 3).name('R').rebalance().writeAsText('/tmp/a');
      env.generateSequence(1, 3).name('H').partitionByHash((x) => x % 2).writeAsText('/tmp/b');
      await env.execute();
    }, 2);
    assert.equal(g.edges.find((e) => g.vertices[e.source]?.name === 'R')?.partitioner, 'rebalance');
    assert.equal(g.edges.find((e) => g.vertices[e.source]?.name === 'H')?.partitioner, 'hash');
  });
});
