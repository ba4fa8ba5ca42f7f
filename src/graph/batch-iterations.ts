/**
 * The loops of batch iterations in a pipeline: which operators run once per superstep (the step function, from
 * the head to the tails), which data reaches them from outside the loop, and the rules Flink applies to them.
 */
import type { Transformation } from '../api/transformation.js';
import { resultTag } from '../api/iterations.js';
import { UsageError } from '../util/errors.js';

const HEADS = new Set(['iteration:bulk-head', 'iteration:delta-head']);
const TAILS = new Set(['iteration:bulk-tail', 'iteration:criterion', 'iteration:solution-set-delta', 'iteration:workset-tail']);

export function isIterationHead(t: Transformation): boolean {
  return t.operator !== undefined && HEADS.has(t.operator);
}

/** For every operator inside a loop: the id of its iteration (the head's transformation id). */
export type LoopMembership = Map<Transformation, number>;

interface Consumer {
  target: Transformation;
  /** The side output the target reads, if any. */
  tag: string | undefined;
}

/**
 * Finds each loop's operators: everything downstream of the head's main output (and of joins with the solution
 * set) up to the tails. Checks that the loop is closed and that no data of a superstep leaves the loop other than
 * through the iteration's result.
 */
export function findLoops(nodes: readonly Transformation[]): LoopMembership {
  const member: LoopMembership = new Map();
  const heads = nodes.filter(isIterationHead);
  if (heads.length === 0) return member;
  const placeholder = nodes.find((t) => t.operator === 'iteration:solution-set');
  if (placeholder) {
    throw new UsageError(
      'The solution set of a delta iteration can only be joined or co-grouped with, on its key: ' +
        'use getSolutionSet() as one side of join() or coGroup(), and produce the delta from that.',
    );
  }
  const consumers = consumersOf(nodes);
  for (const head of heads) {
    const id = head.id;
    const seeds = [head, ...nodes.filter((t) => t.operator?.startsWith('iteration:solution-set-') === true && t.params.iterationId === id && !TAILS.has(t.operator))];
    const stack = [...seeds];
    for (const s of seeds) member.set(s, id);
    while (stack.length > 0) {
      const t = stack.pop() as Transformation;
      for (const c of consumers.get(t) ?? []) {
        if (t === head && c.tag === resultTag(id)) continue;
        const other = member.get(c.target);
        if (other !== undefined && other !== id) throw new UsageError('Nested or interleaved iterations are not supported: close one iteration before using its data in another.');
        if (other === undefined) {
          member.set(c.target, id);
          stack.push(c.target);
        }
      }
    }
    checkClosed(head, nodes, member, consumers);
  }
  return member;
}

function checkClosed(head: Transformation, nodes: readonly Transformation[], member: LoopMembership, consumers: Map<Transformation, Consumer[]>): void {
  const id = head.id;
  const tails = nodes.filter((t) => t.operator !== undefined && TAILS.has(t.operator) && t.params.iterationId === id);
  const delta = head.operator === 'iteration:delta-head';
  if (!tails.some((t) => t.operator === (delta ? 'iteration:workset-tail' : 'iteration:bulk-tail'))) {
    throw new UsageError(`The iteration ${head.name} was never closed: call closeWith(...) on it and use the data set that closeWith returns.`);
  }
  for (const t of tails) {
    if (member.get(t) !== id) {
      const what = t.operator === 'iteration:criterion' ? 'termination criterion' : t.operator === 'iteration:solution-set-delta' ? 'solution set delta' : delta ? 'next workset' : 'next partial solution';
      throw new UsageError(`closeWith(): the ${what} of ${head.name} does not depend on the iteration's data; build it from the partial solution, the workset or the solution set.`);
    }
  }
  for (const [t, loop] of member) {
    if (loop !== id) continue;
    for (const c of consumers.get(t) ?? []) {
      if (t === head && c.tag === resultTag(id)) continue;
      if (member.get(c.target) !== id) {
        throw new UsageError(
          `${t.name} is part of the iteration ${head.name} but ${c.target.name} outside the loop uses its data. ` +
            'Only the data set closeWith() returns leaves an iteration: did you forget to close it?',
        );
      }
    }
  }
}

/** The operators that read each operator's output, looking through virtual nodes. */
function consumersOf(nodes: readonly Transformation[]): Map<Transformation, Consumer[]> {
  const out = new Map<Transformation, Consumer[]>();
  for (const target of nodes) {
    const walk = (t: Transformation, tag: string | undefined): void => {
      if (t.virtual === 'union') {
        for (const u of t.inputs) walk(u, tag);
        return;
      }
      if (t.virtual === 'partition') return walk(t.inputs[0] as Transformation, tag);
      if (t.virtual === 'side-output') return walk(t.inputs[0] as Transformation, t.sideOutputTag);
      const list = out.get(t) ?? [];
      list.push({ target, tag });
      out.set(t, list);
    };
    for (const i of target.inputs) walk(i, undefined);
  }
  return out;
}

/** Operators inside a loop run with the iteration's parallelism: subtask i of each meets the head's slot i. */
export function loopParallelism(member: LoopMembership, parallelism: Map<Transformation, number>, nodes: readonly Transformation[]): void {
  const heads = new Map(nodes.filter(isIterationHead).map((h) => [h.id, h]));
  for (const [t, id] of member) {
    const head = heads.get(id) as Transformation;
    if (t === head) continue;
    const p = parallelism.get(head) as number;
    if (t.parallelism > 0 && t.parallelism !== p) {
      throw new UsageError(`${t.name} runs inside the iteration ${head.name}, whose parallelism is ${p}: operators of a step function run with the iteration's parallelism (remove setParallelism(${t.parallelism}) or set it on the iteration).`);
    }
    parallelism.set(t, p);
  }
}
