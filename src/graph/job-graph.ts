/**
 * The JobGraph: what the client submits and every TaskManager rebuilds. Plain JSON; user functions are
 * referenced by transformation id and re-bound on the TaskManager.
 */
import type { Json, PartitionerType } from '../api/transformation.js';

export interface JobGraph {
  jobId: string;
  jobName: string;
  mode: 'STREAMING' | 'BATCH';
  /** Which `execute()` call of the program this job is (0-based). */
  executeIndex: number;
  /** Results of the program's earlier `execute()` calls, so a TaskManager re-running the program gets
   * the same values the client got (base64 of the codec-encoded accumulator maps). */
  replay: string[];
  /** Hash of the graph structure and the user functions' text; the TaskManager must rebuild the same. */
  hash: string;
  /** Program arguments (process.argv.slice(2) inside the program). */
  args: string[];
  defaultParallelism: number;
  bufferTimeout: number;
  /** `pipeline.auto-watermark-interval` in ms: how often timestamp assigners emit watermarks (0: never). */
  autoWatermarkInterval?: number;
  /** Flink 1.9's time characteristic; with IngestionTime the sources stamp records with the wall clock. */
  timeCharacteristic?: 'ProcessingTime' | 'IngestionTime' | 'EventTime';
  vertices: JobVertex[];
  edges: JobEdge[];
  /** Flink's execution-plan JSON of the StreamGraph (what `flink info` prints). */
  plan: { nodes: PlanNode[] };
  /** The bundle's file name as submitted, for messages. */
  programName: string;
  /** The client's working directory: relative file paths of sources and sinks resolve against it. */
  workingDirectory: string;
  /**
   * The job's own configuration keys: the client's `-D key=value` settings and what the program set on its
   * environment (checkpointing, restart strategy, state backend; the program's win). The JobManager applies those
   * it reads per job (such as slot.request.timeout) to this job only. Not part of the hash.
   */
  jobConfiguration?: Record<string, string>;
}

export interface JobVertex {
  index: number;
  /** 32 hex chars, stable for the same program. */
  id: string;
  name: string;
  parallelism: number;
  maxParallelism: number;
  /** The operator chain in topological order; [0] is the head. */
  operators: ChainedOperator[];
  /** Indices of the edges this vertex reads. */
  inputs: number[];
  /** Indices of the edges this vertex writes. */
  outputs: number[];
  isSource: boolean;
  isSink: boolean;
}

export interface ChainedOperator {
  /** The transformation id: binds user functions on the TaskManager. */
  id: number;
  operator: string;
  name: string;
  uid: string | null;
  params: { [key: string]: Json };
  /**
   * Where this operator's records go: another operator of the chain, or a job edge. Outputs with a `tag`
   * receive only that side output (OutputTag id); the others the main output.
   */
  outputs: Array<({ chained: number } | { edge: number }) & { tag?: string }>;
  /** Set for the operators inside a batch iteration's loop: the iteration's id. */
  iteration?: number;
}

export interface JobEdge {
  index: number;
  source: number; // vertex index
  /** Index of the producing operator within the source chain. */
  sourceOperator: number;
  target: number; // vertex index
  /** The logical input of the target's head operator (0, or 1 for the second input of a join). */
  targetInput: number;
  partitioner: PartitionerType;
  /** Transformation id whose key spec / partitioner function drives hash and custom partitioning. */
  partitionRef: number | null;
  /** Inside a batch iteration's loop: the edge carries a new round of records every superstep. */
  dynamic?: boolean;
  /** The edge feeds the broadcast variable of this name (withBroadcastSet) rather than the operator's input. */
  broadcast?: string;
}

export interface PlanNode {
  id: number;
  type: string;
  pact: 'Data Source' | 'Operator' | 'Data Sink';
  contents: string;
  parallelism: number;
  predecessors?: Array<{ id: number; ship_strategy: string; side: 'first' | 'second' }>;
}

/**
 * Prefix of the `replay` entry of an execute() call that failed in the client (followed by the error message):
 * a program may catch the failure and go on, and the TaskManagers re-running it must take the same path.
 */
export const FAILED_REPLAY_PREFIX = '!failed:';

export function shipStrategy(p: PartitionerType): string {
  switch (p) {
    case 'hash':
      return 'HASH';
    case 'custom':
      return 'CUSTOM';
    default:
      return p.toUpperCase();
  }
}

/** The JobGraph in the REST `plan` shape (`/jobs/:id/plan`, the `plan` field of `/jobs/:id`). */
export function restPlan(g: JobGraph): Json {
  return {
    jid: g.jobId,
    name: g.jobName,
    type: g.mode,
    nodes: g.vertices.map((v) => ({
      id: v.id,
      parallelism: v.parallelism,
      operator: '',
      operator_strategy: '',
      description: v.operators.map((o) => o.name).join(' -> '),
      inputs: v.inputs.map((e, num) => {
        const edge = g.edges[e] as JobEdge;
        return {
          num,
          id: (g.vertices[edge.source] as JobVertex).id,
          ship_strategy: shipStrategy(edge.partitioner),
          exchange: 'pipelined_bounded',
        };
      }),
      optimizer_properties: {},
    })),
  };
}
