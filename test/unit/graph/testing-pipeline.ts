/**
 * Builds pipelines with the real API under a test execution context: `execute()` captures the pipeline
 * instead of submitting it, and the captured pipeline goes through the real JobGraph builder.
 */
import assert from 'node:assert/strict';
import { setExecutionContext, type CapturedPipeline } from '../../../src/api/context.js';
import { buildJobGraph, type BuiltJobGraph, type JobEdge, type JobGraph, type JobVertex } from '../../../src/graph/index.js';

/** Runs `program` and returns every pipeline its `execute()` calls (and collect()/count()) handed over. */
export async function capturePipelines(program: () => Promise<unknown> | unknown, defaultParallelism = 1): Promise<CapturedPipeline[]> {
  const captured: CapturedPipeline[] = [];
  setExecutionContext({
    mode: 'client',
    defaultParallelism,
    bufferTimeout: 100,
    execute: async (p) => {
      captured.push(p);
      return { jobId: `captured-${captured.length}`, netRuntime: 0, accumulators: {} };
    },
  });
  try {
    await program();
  } finally {
    setExecutionContext(undefined);
  }
  return captured;
}

export async function buildFirst(program: () => Promise<unknown> | unknown, defaultParallelism = 1, jobId = '0'.repeat(32)): Promise<BuiltJobGraph> {
  const [p] = await capturePipelines(program, defaultParallelism);
  assert.ok(p, 'the program called execute()');
  return buildJobGraph(p, { jobId, args: [], replay: [], programName: 'test-program.js' });
}

/** The JobGraph of the program's first execute(). */
export async function planOf(program: () => Promise<unknown> | unknown, defaultParallelism = 1): Promise<JobGraph> {
  return (await buildFirst(program, defaultParallelism)).graph;
}

/** Vertex names (operator names joined by " -> "), in graph order. */
export function vertexNames(g: JobGraph): string[] {
  return g.vertices.map((v) => v.name);
}

/** The vertex whose chain holds an operator named `name` (exactly one must). */
export function vertexWith(g: JobGraph, name: string): JobVertex {
  const found = g.vertices.filter((v) => v.operators.some((o) => o.name === name));
  assert.equal(found.length, 1, `exactly one vertex holds operator '${name}' in [${vertexNames(g).join(' | ')}]`);
  return found[0] as JobVertex;
}

/** The edges from the vertex holding `from` to the vertex holding `to`. */
export function edgesBetween(g: JobGraph, from: string, to: string): JobEdge[] {
  const s = vertexWith(g, from).index;
  const t = vertexWith(g, to).index;
  return g.edges.filter((e) => e.source === s && e.target === t);
}

/** The one edge from `from` to `to`. */
export function edgeBetween(g: JobGraph, from: string, to: string): JobEdge {
  const es = edgesBetween(g, from, to);
  assert.equal(es.length, 1, `one edge ${from} -> ${to}, got ${es.length}`);
  return es[0] as JobEdge;
}

/** Asserts that every edge is consistent with the vertices' input/output lists. */
export function assertWellFormed(g: JobGraph): void {
  g.edges.forEach((e, i) => {
    assert.equal(e.index, i);
    const s = g.vertices[e.source];
    const t = g.vertices[e.target];
    assert.ok(s && t, `edge ${i} connects existing vertices`);
    assert.ok(s.outputs.includes(i), `edge ${i} is an output of ${s.name}`);
    assert.ok(t.inputs.includes(i), `edge ${i} is an input of ${t.name}`);
    const op = s.operators[e.sourceOperator];
    assert.ok(op?.outputs.some((o) => 'edge' in o && o.edge === i), `edge ${i} leaves operator ${op?.name}`);
  });
  for (const v of g.vertices) {
    assert.equal(v.isSource, v.inputs.length === 0, `${v.name}: isSource matches having no inputs`);
    v.operators.forEach((op, i) => {
      for (const o of op.outputs) if ('chained' in o) assert.ok(o.chained > i, `${v.name}: chained outputs point forward`);
    });
  }
}
