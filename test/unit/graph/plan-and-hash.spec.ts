import assert from 'node:assert/strict';
import { ExecutionEnvironment, StreamExecutionEnvironment } from '../../../src/api/index.js';
import { restPlan, type JobGraph, type PlanNode } from '../../../src/graph/index.js';
import { buildFirst, planOf } from './testing-pipeline.js';

const streams = (): StreamExecutionEnvironment => StreamExecutionEnvironment.getExecutionEnvironment();

function wordCount(env: StreamExecutionEnvironment, input: string): void {
  env
    .readTextFile(input)
    .flatMap((line: string, out) => {
      for (const w of line.split(' ')) out.collect([w, 1] as [string, number]);
    })
    .keyBy(0)
    .sum(1)
    .print();
}

describe('Execution plan JSON (graph.plan, as Flink\'s ExecutionPlan)', () => {
  let g: JobGraph;
  before(async () => {
    g = await planOf(async () => {
      const env = streams();
      wordCount(env, '/data/in.txt');
      await env.execute('WordCount');
    }, 2);
  });

  it('lists every operator as a node with id, type, pact, contents and parallelism', () => {
    const nodes = g.plan.nodes;
    assert.deepEqual(
      nodes.map((n) => [n.type, n.pact, n.contents, n.parallelism]),
      [
        ['Source: /data/in.txt', 'Data Source', 'Source: /data/in.txt', 2],
        ['Flat Map', 'Operator', 'Flat Map', 2],
        ['Keyed Aggregation', 'Operator', 'Keyed Aggregation', 2],
        ['Sink: Print to Std. Out', 'Data Sink', 'Print to Std. Out', 2],
      ],
    );
    for (const n of nodes) assert.deepEqual(Object.keys(n).filter((k) => k !== 'predecessors').sort(), ['contents', 'id', 'pact', 'parallelism', 'type']);
    assert.equal(new Set(nodes.map((n) => n.id)).size, nodes.length, 'node ids are unique');
  });

  it('gives predecessors with their ship strategy, in topological order', () => {
    const nodes = g.plan.nodes;
    const byType = (t: string): PlanNode => nodes.find((n) => n.type === t) as PlanNode;
    assert.equal(byType('Source: /data/in.txt').predecessors, undefined);
    assert.deepEqual(byType('Flat Map').predecessors?.map((p) => [p.id, p.ship_strategy]), [[byType('Source: /data/in.txt').id, 'FORWARD']]);
    assert.deepEqual(byType('Keyed Aggregation').predecessors?.map((p) => [p.id, p.ship_strategy]), [[byType('Flat Map').id, 'HASH']]);
    const seen = new Set<number>();
    for (const n of nodes) {
      for (const p of n.predecessors ?? []) assert.ok(seen.has(p.id), `predecessor ${p.id} of ${n.type} comes first`);
      seen.add(n.id);
    }
  });

  it('names every partitioner as Flink does', async () => {
    const plan = await planOf(async () => {
      const env = streams();
      const s = env.generateSequence(1, 10);
      for (const k of ['rebalance', 'rescale', 'shuffle', 'broadcast', 'global'] as const) s[k]().map((x) => x).name(k).print();
      s.partitionCustom((k: number, n) => k % n, (x) => x).map((x) => x).name('custom').print();
      env.fromElements(1).map((x) => x).name('from1').print();
      await env.execute();
    }, 2);
    const strategy = (name: string): string | undefined => plan.plan.nodes.find((n) => n.contents === name)?.predecessors?.[0]?.ship_strategy;
    assert.deepEqual(
      ['rebalance', 'rescale', 'shuffle', 'broadcast', 'global', 'custom', 'from1'].map(strategy),
      ['REBALANCE', 'RESCALE', 'SHUFFLE', 'BROADCAST', 'GLOBAL', 'CUSTOM', 'REBALANCE'],
    );
  });

  it('survives a JSON round trip unchanged (the JobGraph travels as JSON)', () => {
    assert.deepEqual(JSON.parse(JSON.stringify(g)), g);
  });

  it('restPlan() has the REST shape: jid, name, type and one node per vertex with its inputs', () => {
    const rest = restPlan(g) as {
      jid: string;
      name: string;
      type: string;
      nodes: Array<{ id: string; parallelism: number; operator: string; operator_strategy: string; description: string; inputs?: Array<{ num: number; id: string; ship_strategy: string; exchange: string }>; optimizer_properties: object }>;
    };
    assert.equal(rest.jid, g.jobId);
    assert.equal(rest.name, 'WordCount');
    assert.equal(rest.type, 'STREAMING');
    assert.equal(rest.nodes.length, g.vertices.length);
    for (const n of rest.nodes) {
      assert.match(n.id, /^[0-9a-f]{32}$/);
      assert.equal(typeof n.operator, 'string');
      assert.equal(typeof n.operator_strategy, 'string');
      assert.deepEqual(n.optimizer_properties, {});
    }
    assert.deepEqual(rest.nodes.map((n) => n.description), ['Source: /data/in.txt -> Flat Map', 'Keyed Aggregation -> Print to Std. Out']);
    assert.deepEqual(rest.nodes[0]?.inputs ?? [], []);
    assert.deepEqual(rest.nodes[1]?.inputs, [{ num: 0, id: rest.nodes[0]?.id, ship_strategy: 'HASH', exchange: 'pipelined_bounded' }]);
  });

  it('a DataSet job plans as BATCH', async () => {
    const b = await planOf(async () => {
      const env = ExecutionEnvironment.getExecutionEnvironment();
      env.fromElements(1, 2).map((x) => x).writeAsText('/tmp/x');
      await env.execute('B');
    });
    assert.equal((restPlan(b) as { type: string }).type, 'BATCH');
    assert.deepEqual(b.plan.nodes.map((n) => n.pact), ['Data Source', 'Operator', 'Data Sink']);
  });
});

describe('JobGraph hash', () => {
  const hashOf = async (program: () => Promise<unknown>, jobId?: string): Promise<JobGraph> => (await buildFirst(program, 2, jobId)).graph;

  it('is the same for the same program built twice (and does not depend on the job id)', async () => {
    const program = async (): Promise<void> => {
      const env = streams();
      wordCount(env, '/in');
      await env.execute('wc');
    };
    const a = await hashOf(program, 'a'.repeat(32));
    const b = await hashOf(program, 'b'.repeat(32));
    assert.match(a.hash, /^[0-9a-f]{64}$/);
    assert.equal(a.hash, b.hash);
    assert.deepEqual(a.vertices.map((v) => v.id), b.vertices.map((v) => v.id), 'vertex ids are stable');
  });

  it('changes when a function body changes', async () => {
    const run = (f: (x: number) => number) => hashOf(async () => {
      const env = streams();
      env.generateSequence(1, 3).map(f).print();
      await env.execute();
    });
    const a = await run((x) => x * 2);
    const b = await run((x) => x * 3);
    const c = await run((x) => x * 2);
    assert.notEqual(a.hash, b.hash);
    assert.equal(a.hash, c.hash);
  });

  it('changes when a function\'s name changes', async () => {
    function double(x: number): number {
      return x * 2;
    }
    function twice(x: number): number {
      return x * 2;
    }
    const run = (f: (x: number) => number) => hashOf(async () => {
      const env = streams();
      env.generateSequence(1, 3).map(f).print();
      await env.execute();
    });
    assert.notEqual((await run(double)).hash, (await run(twice)).hash);
  });

  it('changes when a rich function\'s class or methods change', async () => {
    class Doubler {
      map(x: number): number {
        return x * 2;
      }
    }
    class Tripler {
      map(x: number): number {
        return x * 3;
      }
    }
    const run = (f: { map(x: number): number }) => hashOf(async () => {
      const env = streams();
      env.generateSequence(1, 3).map(f).print();
      await env.execute();
    });
    assert.notEqual((await run(new Doubler())).hash, (await run(new Tripler())).hash);
    assert.notEqual((await run({ map: (x: number) => x + 1 })).hash, (await run({ map: (x: number) => x + 2 })).hash);
  });

  it('changes with the key selector, the parallelism and the job name', async () => {
    const base = { key: (x: number) => x % 2, p: 2, name: 'j' };
    const run = (o: typeof base) => hashOf(async () => {
      const env = streams();
      const s = env.generateSequence(1, 3);
      s.keyBy(o.key).reduce((a, b) => a + b).setParallelism(o.p).print();
      await env.execute(o.name);
    });
    const h0 = (await run(base)).hash;
    assert.notEqual((await run({ ...base, key: (x: number) => x % 3 })).hash, h0);
    assert.notEqual((await run({ ...base, p: 3 })).hash, h0);
    assert.notEqual((await run({ ...base, name: 'k' })).hash, h0);
    assert.equal((await run({ ...base })).hash, h0);
  });
});
