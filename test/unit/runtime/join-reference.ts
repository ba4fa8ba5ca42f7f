/** The join as a nested loop over both inputs: what every join algorithm must produce (in some order). */
import type { JoinType } from '../../../src/runtime/operators/batch-joins.js';

export type Row = [number, string];

export function nestedLoopJoin(a: Row[], b: Row[], type: JoinType): Array<[Row | null, Row | null]> {
  const out: Array<[Row | null, Row | null]> = [];
  for (const x of a) {
    const m = b.filter((y) => y[0] === x[0]);
    for (const y of m) out.push([x, y]);
    if (m.length === 0 && (type === 'LEFT_OUTER' || type === 'FULL_OUTER')) out.push([x, null]);
  }
  if (type === 'RIGHT_OUTER' || type === 'FULL_OUTER') for (const y of b) if (!a.some((x) => x[0] === y[0])) out.push([null, y]);
  return out;
}
