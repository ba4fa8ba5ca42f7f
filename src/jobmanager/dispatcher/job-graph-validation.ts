/** Checks that a submitted JobGraph is well formed before anything is scheduled. */
import type { JobGraph } from '../../graph/index.js';
import { FlinkError } from '../../util/errors.js';

export class InvalidJobGraphError extends FlinkError {
  constructor(detail: string) {
    super('INVALID_JOB_GRAPH', `The submitted job graph is invalid: ${detail}. Submit programs with bin/flink run.`);
  }
}

export function validateJobGraph(g: unknown): JobGraph {
  const j = g as Partial<JobGraph> | null;
  if (!j || typeof j !== 'object') throw new InvalidJobGraphError('not a JSON object');
  if (typeof j.jobId !== 'string' || !/^[0-9a-f]{32}$/.test(j.jobId)) throw new InvalidJobGraphError('jobId must be 32 hex characters');
  if (typeof j.jobName !== 'string') throw new InvalidJobGraphError('jobName missing');
  if (!Array.isArray(j.vertices) || j.vertices.length === 0) throw new InvalidJobGraphError('no vertices');
  if (!Array.isArray(j.edges)) throw new InvalidJobGraphError('edges missing');
  for (const v of j.vertices) {
    if (!Number.isInteger(v.parallelism) || v.parallelism < 1) throw new InvalidJobGraphError(`vertex ${v.name} has parallelism ${String(v.parallelism)}`);
    if (!Array.isArray(v.operators) || v.operators.length === 0) throw new InvalidJobGraphError(`vertex ${v.name} has no operators`);
  }
  for (const e of j.edges) {
    if (!j.vertices[e.source] || !j.vertices[e.target]) throw new InvalidJobGraphError(`edge ${e.index} connects unknown vertices`);
  }
  if (typeof j.hash !== 'string' || !Array.isArray(j.args) || !Array.isArray(j.replay)) throw new InvalidJobGraphError('hash, args or replay missing');
  return j as JobGraph;
}
