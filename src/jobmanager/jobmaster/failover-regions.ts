/**
 * Pipelined regions for `jobmanager.execution.failover-strategy: region`: the sets of subtasks that exchange
 * data, directly or through others. A failure restarts only its region; the other regions never see its data,
 * so they can go on. In a streaming job every exchange is pipelined, so a keyBy or rebalance joins all subtasks
 * of both vertices; only forward exchanges (subtask i to subtask i) keep subtasks apart, which gives an
 * embarrassingly parallel job one region per subtask index.
 */
import type { JobGraph } from '../../graph/index.js';
import { consumersOf } from '../../runtime/network/connectivity.js';

/** A subtask as `vertex:subtask`. */
export type TaskKey = `${number}:${number}`;

export function taskKey(vertex: number, subtask: number): TaskKey {
  return `${vertex}:${subtask}`;
}

/** The regions of the job: each a list of its subtasks; every subtask is in exactly one. */
export function pipelinedRegions(graph: JobGraph): TaskKey[][] {
  const parent = new Map<TaskKey, TaskKey>();
  const find = (k: TaskKey): TaskKey => {
    let r = k;
    while (parent.get(r) !== r) r = parent.get(r) as TaskKey;
    // Path halving keeps later lookups short.
    let c = k;
    while (parent.get(c) !== r) {
      const next = parent.get(c) as TaskKey;
      parent.set(c, r);
      c = next;
    }
    return r;
  };
  const union = (a: TaskKey, b: TaskKey): void => {
    const ra = find(a);
    const rb = find(b);
    if (ra !== rb) parent.set(ra, rb);
  };
  for (const v of graph.vertices) for (let s = 0; s < v.parallelism; s++) parent.set(taskKey(v.index, s), taskKey(v.index, s));
  for (const e of graph.edges) {
    const src = graph.vertices[e.source];
    const dst = graph.vertices[e.target];
    if (!src || !dst) continue;
    for (let p = 0; p < src.parallelism; p++) {
      for (const c of consumersOf(e.partitioner, src.parallelism, dst.parallelism, p)) union(taskKey(src.index, p), taskKey(dst.index, c));
    }
  }
  const regions = new Map<TaskKey, TaskKey[]>();
  for (const k of parent.keys()) {
    const r = find(k);
    const list = regions.get(r) ?? [];
    list.push(k);
    regions.set(r, list);
  }
  return [...regions.values()];
}

/** The subtasks to restart for failed subtasks `failed`: every region that holds one of them. */
export function regionsToRestart(regions: TaskKey[][], failed: ReadonlySet<TaskKey>): TaskKey[] {
  return regions.filter((r) => r.some((k) => failed.has(k))).flat();
}
