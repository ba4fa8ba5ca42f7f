/**
 * How DataSet operations become transformations when there is more to it than one operator: joins (shipping and
 * strategy from the hint), cross products, minBy/maxBy. Kept apart from dataset.ts, which imports it.
 */
import type { DataSet, ExecutionEnvironment } from './dataset.js';
import { planJoin, type JoinHint, type JoinType } from './join-hints.js';
import { fieldExtractor } from './keys.js';
import type { KeySpec, Transformation } from './transformation.js';
import { UsageError } from '../util/errors.js';

type Field = number | string;

export function hashPartition(env: ExecutionEnvironment, input: Transformation, key: KeySpec): Transformation {
  return env.create({ name: 'Hash Partition', virtual: 'partition', partitioner: 'hash', keySpec: key, inputs: [input] });
}

const JOIN_NAMES: Record<JoinType, string> = { INNER: 'Join', LEFT_OUTER: 'LeftOuterJoin', RIGHT_OUTER: 'RightOuterJoin', FULL_OUTER: 'FullOuterJoin' };

export function joinTransformation<A, B>(left: DataSet<A>, right: DataSet<B>, leftKey: KeySpec, rightKey: KeySpec, type: JoinType, hint: JoinHint, fn: unknown): Transformation {
  const env = left.env;
  if (right.env !== env) throw new UsageError(`${JOIN_NAMES[type]}: both data sets must come from the same execution environment.`);
  const plan = planJoin(type, hint);
  const ship = (input: Transformation, how: string, key: KeySpec): Transformation =>
    how === 'hash' ? hashPartition(env, input, key) : how === 'broadcast' ? env.create({ name: 'Broadcast', virtual: 'partition', partitioner: 'broadcast', inputs: [input] }) : input;
  const inputs = [ship(left.transformation, plan.shipping[0], leftKey), ship(right.transformation, plan.shipping[1], rightKey)];
  const params = { joinType: type, strategy: plan.strategy, hint };
  return env.create({ name: JOIN_NAMES[type], operator: 'join', fns: [fn, leftKey, rightKey], params, inputs, inputSides: [0, 1] });
}

/** A cross product's transformation: one input broadcast (0: the first, 1: the second) and buffered by every instance. */
export function crossTransformation<A, B>(left: DataSet<A>, right: DataSet<B>, broadcast: 0 | 1): Transformation {
  const env = left.env;
  const bc = (t: Transformation): Transformation => env.create({ name: 'Broadcast', virtual: 'partition', partitioner: 'broadcast', inputs: [t] });
  const inputs = broadcast === 1 ? [left.transformation, bc(right.transformation)] : [bc(left.transformation), right.transformation];
  return env.create({ name: 'Cross', operator: 'cross', fns: [null], params: { buffered: broadcast }, inputs, inputSides: [0, 1] });
}

/** Flink's SelectByMinFunction / SelectByMaxFunction as a reduce function: fields compared in order, ties keep the first. */
export function selectBy<T>(fields: Field[], sign: 1 | -1, where: string): (a: T, b: T) => T {
  if (fields.length === 0) throw new UsageError(`${where}(): give at least one field (a tuple position or a field name).`);
  for (const f of fields) if (typeof f !== 'number' && typeof f !== 'string') throw new UsageError(`${where}(): fields must be tuple positions or field names.`);
  const getters = fields.map((f) => fieldExtractor(f));
  return (a, b) => {
    for (const get of getters) {
      const x = get(a) as number | string;
      const y = get(b) as number | string;
      if (x !== y) {
        if (x < y) return sign < 0 ? a : b;
        if (x > y) return sign < 0 ? b : a;
      }
    }
    return a;
  };
}

/**
 * A join or coGroup with a delta iteration's solution set: the other side is partitioned like the solution set and
 * each record is matched against the slot's own solution-set partition (no shuffle of the solution set).
 */
export function solutionSetOperator<A, B>(kind: 'join' | 'co-group', left: DataSet<A>, right: DataSet<B>, leftKey: KeySpec, rightKey: KeySpec, fn: unknown): Transformation | undefined {
  const isSolutionSet = (d: { transformation: Transformation }): boolean => d.transformation.operator === 'iteration:solution-set';
  const ssLeft = isSolutionSet(left);
  if (!ssLeft && !isSolutionSet(right)) return undefined;
  if (ssLeft && isSolutionSet(right)) throw new UsageError(`A ${kind} of the solution set with itself is not supported: join the workset (or another data set) with it.`);
  const [ss, other, ssKey, otherKey] = ssLeft ? [left.transformation, right, leftKey, rightKey] : [right.transformation, left, rightKey, leftKey];
  const key = ss.fns[0] as KeySpec;
  if ((typeof ssKey !== 'function' || typeof key !== 'function') && JSON.stringify(ssKey) !== JSON.stringify(key)) {
    throw new UsageError(
      `The solution set must be ${kind === 'join' ? 'joined' : 'co-grouped'} on its key: iterateDelta() keyed it by ${JSON.stringify(key)}, but this ${kind} uses ${JSON.stringify(ssKey)}.`,
    );
  }
  const env = other.env;
  const part = hashPartition(env, other.transformation, otherKey);
  return env.create({
    name: kind === 'join' ? 'Join (Solution Set)' : 'CoGroup (Solution Set)',
    operator: `iteration:solution-set-${kind}`,
    fns: [fn, otherKey, key],
    params: { iterationId: ss.params.iterationId as number, solutionSetSide: ssLeft ? 0 : 1 },
    inputs: [part],
  });
}
