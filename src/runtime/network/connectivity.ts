/**
 * Which consumer subtasks a producer subtask is connected to, per partitioner. Forward and rescale are
 * point-wise (Flink's POINTWISE distribution); everything else is all-to-all.
 */
import type { PartitionerType } from '../../api/transformation.js';

export function isPointwise(p: PartitionerType): boolean {
  return p === 'forward' || p === 'rescale';
}

/** Consumer subtasks that producer `p` (of `P`) sends to, for `D` consumers, in channel order. */
export function consumersOf(partitioner: PartitionerType, P: number, D: number, p: number): number[] {
  if (!isPointwise(partitioner)) return range(D);
  if (P === D) return [p];
  if (P > D) return [Math.floor((p * D) / P)];
  const out: number[] = [];
  for (let c = 0; c < D; c++) if (Math.floor((c * P) / D) === p) out.push(c);
  return out;
}

/** Producer subtasks that consumer `c` (of `D`) reads from. */
export function producersOf(partitioner: PartitionerType, P: number, D: number, c: number): number[] {
  if (!isPointwise(partitioner)) return range(P);
  if (P === D) return [c];
  if (P < D) return [Math.floor((c * P) / D)];
  const out: number[] = [];
  for (let p = 0; p < P; p++) if (Math.floor((p * D) / P) === c) out.push(p);
  return out;
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
