/** What a task tells the operators and user functions inside a batch iteration's loop. */
import type { RuntimeContext } from '../../api/functions.js';
import type { Aggregator, IterationRuntimeContext } from '../../api/iterations.js';
import type { JobGraph, JobVertex } from '../../graph/index.js';
import type { IterationOperatorContext } from '../operators/operator.js';
import { iterationChannel, type IterationChannel } from './iteration-channel.js';
import { UsageError } from '../../util/errors.js';

/** The iteration a task belongs to: that of its head operator (an in-loop task's chain is all in the loop). */
export function taskIteration(vertex: JobVertex): number | undefined {
  return vertex.operators[0]?.iteration;
}

/** Whether the task needs the superstep-aware input handling (in a loop, or reading broadcast sets). */
export function needsSuperstepTask(job: JobGraph, vertex: JobVertex): boolean {
  return taskIteration(vertex) !== undefined || vertex.inputs.some((e) => job.edges[e]?.broadcast !== undefined);
}

/** The logical inputs of the task's head whose every edge comes from outside the loop. */
export function staticInputs(job: JobGraph, vertex: JobVertex): Set<number> {
  const dynamic = new Set<number>();
  const all = new Set<number>();
  for (const e of vertex.inputs) {
    const edge = job.edges[e] as JobGraph['edges'][number];
    if (edge.broadcast !== undefined) continue;
    all.add(edge.targetInput);
    if (edge.dynamic) dynamic.add(edge.targetInput);
  }
  return new Set([...all].filter((i) => !dynamic.has(i)));
}

export function iterationOperatorContext(
  job: JobGraph,
  vertex: JobVertex,
  subtask: number,
  iterationId: number,
  endSuperstep: () => Promise<void>,
  startSuperstep: () => Promise<void>,
): IterationOperatorContext {
  const ch = iterationChannel(job.jobId, iterationId, subtask);
  const loopTasks = job.vertices.filter((v) => v.operators.some((o) => o.iteration === iterationId)).length;
  return {
    iterationId,
    staticInputs: staticInputs(job, vertex),
    superstep: () => ch.superstep,
    loopTasks,
    ...(vertex.operators[0]?.operator.endsWith('-head') ? { endSuperstep, startSuperstep } : {}),
  };
}

/** The runtime context of a function inside the loop: the superstep number and the aggregators. */
export function iterationRuntimeContext(base: RuntimeContext, ch: IterationChannel): IterationRuntimeContext {
  return {
    ...base,
    getSuperstepNumber: () => ch.superstep,
    getIterationAggregator: <A extends Aggregator<unknown>>(name: string): A => {
      const a = ch.aggregators[name];
      if (!a) throw new UsageError(`No aggregator named '${name}' is registered with this iteration: call registerAggregator('${name}', …) on it.`);
      return a as A;
    },
    getPreviousIterationAggregate: <T>(name: string): T => {
      if (!(name in ch.aggregators)) throw new UsageError(`No aggregator named '${name}' is registered with this iteration: call registerAggregator('${name}', …) on it.`);
      return ch.previous.get(name) as T;
    },
  };
}

export { iterationChannel, type IterationChannel };
