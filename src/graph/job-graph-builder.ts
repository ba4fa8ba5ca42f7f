/**
 * Turns a captured pipeline into a JobGraph: resolves parallelism, walks virtual partition/union nodes
 * into edges, and fuses operators into chains with Flink's rules (forward edge, equal parallelism, one
 * input, chaining allowed on both ends).
 */
import { createHash, randomBytes } from 'node:crypto';
import type { CapturedPipeline } from '../api/context.js';
import { functionFingerprint } from '../api/functions.js';
import { SAME_AS_INPUT, type PartitionerType, type Transformation } from '../api/transformation.js';
import { FlinkError, UsageError } from '../util/errors.js';
import { findLoops, isIterationHead, loopParallelism } from './batch-iterations.js';
import { shipStrategy, type ChainedOperator, type JobEdge, type JobGraph, type JobVertex, type PlanNode } from './job-graph.js';


interface StreamEdge {
  source: Transformation;
  target: Transformation;
  side: number;
  partitioner: PartitionerType | undefined;
  partitionNode: Transformation | undefined;
  /** The side output of `source` this edge carries (undefined: the main output). */
  tag: string | undefined;
}

export interface BuiltJobGraph {
  graph: JobGraph;
  /** Every transformation of the job by id, for binding user functions. */
  transformations: Map<number, Transformation>;
}

export interface BuildOptions {
  jobId?: string;
  args: string[];
  replay: string[];
  programName: string;
  /** Where relative paths resolve; default: this process's working directory (the client's). */
  workingDirectory?: string;
}

export function buildJobGraph(p: CapturedPipeline, opts: BuildOptions): BuiltJobGraph {
  const all = collect(p.sinks);
  const nodes = all.filter((t) => !t.virtual);
  const parallelism = resolveParallelism(nodes, p.defaultParallelism);
  checkIterations(nodes, parallelism, p.mode);
  const loops = findLoops(nodes);
  loopParallelism(loops, parallelism, nodes);
  const edges = streamEdges(nodes, parallelism);
  const inEdges = new Map<Transformation, StreamEdge[]>();
  const outEdges = new Map<Transformation, StreamEdge[]>();
  for (const n of nodes) {
    inEdges.set(n, []);
    outEdges.set(n, []);
  }
  for (const e of edges) {
    inEdges.get(e.target)?.push(e);
    outEdges.get(e.source)?.push(e);
  }

  const chainable = (e: StreamEdge): boolean =>
    e.partitioner === 'forward' &&
    (inEdges.get(e.target) as StreamEdge[]).length === 1 &&
    e.target.inputs.length === 1 &&
    e.target.chaining === 'ALWAYS' &&
    e.source.chaining !== 'NEVER' &&
    parallelism.get(e.source) === parallelism.get(e.target);

  // Chains, in topological order of their heads.
  const order = topoOrder(nodes, inEdges);
  const vertexOf = new Map<Transformation, number>();
  const opIndexOf = new Map<Transformation, number>();
  const vertices: JobVertex[] = [];
  for (const head of order) {
    if (vertexOf.has(head)) continue;
    const chain: Transformation[] = [];
    const visit = (t: Transformation): void => {
      chain.push(t);
      for (const e of outEdges.get(t) as StreamEdge[]) if (chainable(e)) visit(e.target);
    };
    visit(head);
    const index = vertices.length;
    chain.forEach((t, i) => {
      vertexOf.set(t, index);
      opIndexOf.set(t, i);
    });
    vertices.push({
      index,
      id: vertexId(chain),
      name: chain.map((t) => t.name).join(' -> '),
      parallelism: parallelism.get(head) as number,
      maxParallelism: head.maxParallelism > 0 ? head.maxParallelism : p.maxParallelism,
      operators: chain.map((t) => ({
        id: t.id,
        operator: t.operator as string,
        name: t.name,
        uid: t.uid ?? null,
        params: t.params,
        outputs: [],
        ...(loops.has(t) ? { iteration: loops.get(t) as number } : {}),
      })),
      inputs: [],
      outputs: [],
      isSource: head.inputs.length === 0,
      isSink: chain.some((t) => t.isSink),
    });
  }

  const jobEdges: JobEdge[] = [];
  for (const e of edges) {
    const sv = vertices[vertexOf.get(e.source) as number] as JobVertex;
    const srcOp = sv.operators[opIndexOf.get(e.source) as number] as ChainedOperator;
    if (chainable(e)) {
      srcOp.outputs.push({ chained: opIndexOf.get(e.target) as number, ...(e.tag !== undefined ? { tag: e.tag } : {}) });
      continue;
    }
    const edge: JobEdge = {
      index: jobEdges.length,
      source: sv.index,
      sourceOperator: opIndexOf.get(e.source) as number,
      target: vertexOf.get(e.target) as number,
      targetInput: e.side,
      partitioner: e.partitioner as PartitionerType,
      partitionRef: e.partitionNode?.id ?? null,
    };
    const loop = loops.get(e.target);
    if (loop !== undefined && loops.get(e.source) === loop && !(isIterationHead(e.source) && e.tag !== undefined)) edge.dynamic = true;
    const bc = broadcastName(e.target, e.side);
    if (bc !== undefined) edge.broadcast = bc;
    jobEdges.push(edge);
    srcOp.outputs.push({ edge: edge.index, ...(e.tag !== undefined ? { tag: e.tag } : {}) });
    sv.outputs.push(edge.index);
    (vertices[edge.target] as JobVertex).inputs.push(edge.index);
  }

  const graph: JobGraph = {
    jobId: opts.jobId ?? randomBytes(16).toString('hex'),
    jobName: p.jobName,
    mode: p.mode,
    executeIndex: p.executeIndex,
    replay: opts.replay,
    hash: '',
    args: opts.args,
    defaultParallelism: p.defaultParallelism,
    bufferTimeout: p.bufferTimeout,
    autoWatermarkInterval: p.autoWatermarkInterval,
    timeCharacteristic: p.timeCharacteristic,
    vertices,
    edges: jobEdges,
    plan: { nodes: planNodes(order, inEdges, parallelism) },
    programName: opts.programName,
    workingDirectory: opts.workingDirectory ?? process.cwd(),
  };
  graph.hash = graphHash(graph, all);
  // Settings, not structure: outside the hash, as the client's -D settings that join them later.
  if (p.jobConfiguration !== undefined && Object.keys(p.jobConfiguration).length > 0) graph.jobConfiguration = { ...p.jobConfiguration };
  const transformations = new Map(all.map((t) => [t.id, t]));
  return { graph, transformations };
}

/** The broadcast variable an input of an operator carries (withBroadcastSet), if it is one. */
function broadcastName(t: Transformation, side: number): string | undefined {
  const from = t.params.broadcastFrom;
  if (typeof from !== 'number' || side < from) return undefined;
  return (t.params.broadcastSets as string[])[side - from];
}

function collect(sinks: readonly Transformation[]): Transformation[] {
  const seen = new Set<Transformation>();
  const visit = (t: Transformation): void => {
    if (seen.has(t)) return;
    seen.add(t);
    for (const i of t.inputs) visit(i);
    for (const c of t.companions ?? []) visit(c);
  };
  for (const s of sinks) visit(s);
  return [...seen].sort((a, b) => a.id - b.id);
}

function resolveParallelism(nodes: Transformation[], defaultParallelism: number): Map<Transformation, number> {
  const out = new Map<Transformation, number>();
  const resolve = (t: Transformation): number => {
    const known = out.get(t);
    if (known !== undefined) return known;
    let p: number;
    if (t.parallelism === SAME_AS_INPUT) {
      let input = t.inputs[0] as Transformation;
      while (input.virtual) input = input.inputs[0] as Transformation;
      p = resolve(input);
    } else {
      p = t.parallelism > 0 ? t.parallelism : defaultParallelism;
    }
    out.set(t, p);
    return p;
  };
  nodes.forEach(resolve);
  return out;
}

/** Follows each operator's inputs through virtual nodes to the operators that feed it. */
function streamEdges(nodes: Transformation[], parallelism: Map<Transformation, number>): StreamEdge[] {
  const edges: StreamEdge[] = [];
  for (const target of nodes) {
    target.inputs.forEach((input, i) => {
      const side = target.inputSides?.[i] ?? i;
      const walk = (t: Transformation, partitionNode: Transformation | undefined, tag: string | undefined): void => {
        if (t.virtual === 'union') {
          for (const u of t.inputs) walk(u, partitionNode, tag);
          return;
        }
        if (t.virtual === 'partition') {
          // The partitioning closest to the consumer wins, as in Flink.
          walk(t.inputs[0] as Transformation, partitionNode ?? t, tag);
          return;
        }
        if (t.virtual === 'side-output') {
          walk(t.inputs[0] as Transformation, partitionNode, t.sideOutputTag);
          return;
        }
        let partitioner = partitionNode?.partitioner;
        const ps = parallelism.get(t) as number;
        const pt = parallelism.get(target) as number;
        if (partitioner === undefined) partitioner = ps === pt ? 'forward' : 'rebalance';
        if (partitioner === 'forward' && ps !== pt) {
          throw new UsageError(
            `Forward partitioning does not allow change of parallelism. Upstream operation: ${t.name} parallelism: ${ps}, ` +
              `downstream operation: ${target.name} parallelism: ${pt}. You must use another partitioning strategy, ` +
              'such as broadcast, rebalance, shuffle or global.',
          );
        }
        edges.push({ source: t, target, side, partitioner, partitionNode, tag });
      };
      walk(input, undefined, undefined);
    });
  }
  return edges;
}

function topoOrder(nodes: Transformation[], inEdges: Map<Transformation, StreamEdge[]>): Transformation[] {
  const out: Transformation[] = [];
  const state = new Map<Transformation, 1 | 2>();
  const visit = (t: Transformation): void => {
    const s = state.get(t);
    if (s === 2) return;
    if (s === 1) throw new FlinkError('CYCLIC_GRAPH', 'The program built a cyclic graph; close loops with stream.iterate() and closeWith(feedback).');
    state.set(t, 1);
    for (const e of inEdges.get(t) as StreamEdge[]) visit(e.source);
    state.set(t, 2);
    out.push(t);
  };
  nodes.forEach(visit);
  return out;
}

function vertexId(chain: Transformation[]): string {
  const h = createHash('sha256');
  for (const t of chain) h.update(`${t.uid ?? `#${t.id}`}|${t.operator}|`);
  return h.digest('hex').slice(0, 32);
}

function graphHash(g: JobGraph, all: Transformation[]): string {
  const h = createHash('sha256');
  h.update(JSON.stringify({ name: g.jobName, mode: g.mode, executeIndex: g.executeIndex, v: g.vertices, e: g.edges }));
  for (const t of all) {
    h.update(`\n${t.id}:`);
    for (const f of t.fns) h.update(functionFingerprint(f));
    if (t.keySpec !== undefined) h.update(`key:${functionFingerprint(t.keySpec)}`);
  }
  return h.digest('hex');
}

function planNodes(order: Transformation[], inEdges: Map<Transformation, StreamEdge[]>, parallelism: Map<Transformation, number>): PlanNode[] {
  return order.map((t) => {
    const ins = inEdges.get(t) as StreamEdge[];
    const node: PlanNode = {
      id: t.id,
      type: t.isSink ? prefixed('Sink: ', t.name) : ins.length === 0 ? prefixed('Source: ', t.name) : t.name,
      pact: t.isSink ? 'Data Sink' : ins.length === 0 ? 'Data Source' : 'Operator',
      contents: t.name,
      parallelism: parallelism.get(t) as number,
    };
    if (ins.length > 0) {
      node.predecessors = ins.map((e) => ({
        id: e.source.id,
        ship_strategy: shipStrategy(e.partitioner as PartitionerType),
        side: e.side === 0 ? 'first' : 'second',
      }));
    }
    return node;
  });
}

/** Flink names sources "Source: x" and sinks "Sink: x"; names that already say so (readTextFile's) stay. */
function prefixed(prefix: string, name: string): string {
  return name.startsWith(prefix) ? name : `${prefix}${name}`;
}

/**
 * Streaming iterations: every head needs a tail (closeWith), and the feedback must have the iteration's
 * parallelism, because head and tail of subtask i pass records through a queue in slot i (Flink's rule too).
 */
function checkIterations(nodes: Transformation[], parallelism: Map<Transformation, number>, mode: string): void {
  const heads = new Map<number, Transformation>();
  const closed = new Set<number>();
  for (const t of nodes) if (t.operator === 'iteration-head') heads.set(t.params.iterationId as number, t);
  if (heads.size > 0 && mode === 'BATCH') {
    throw new UsageError("Iterations are not supported in BATCH execution mode. To run this pipeline, set the runtime mode to STREAMING (env.setRuntimeMode('STREAMING')).");
  }
  for (const t of nodes) {
    if (t.operator !== 'iteration-tail') continue;
    const id = t.params.iterationId as number;
    const head = heads.get(id);
    if (!head) continue;
    closed.add(id);
    const ph = parallelism.get(head) as number;
    const pt = parallelism.get(t) as number;
    if (ph !== pt) {
      throw new UsageError(
        `Parallelism of the feedback stream must match the parallelism of the original stream. Parallelism of original stream: ${ph}; ` +
          `parallelism of feedback stream: ${pt}. Parallelism can be modified using DataStream#setParallelism() method.`,
      );
    }
  }
  for (const [id, head] of heads) {
    if (!closed.has(id)) throw new UsageError(`The iteration ${head.name} was never closed: call closeWith(feedbackStream) on the stream iterate() returned.`);
  }
}
