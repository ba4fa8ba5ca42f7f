/**
 * Join hints (Flink's JoinOperatorBase.JoinHint) and how each one is planned: which input is shipped how, and
 * which side the runtime builds its hash table on (or whether it sorts and merges).
 *
 * ```ts
 * const joined = big.join(small, JoinHint.BROADCAST_HASH_SECOND).where(0).equalTo(0);
 * const left = orders.leftOuterJoin(customers, JoinHint.REPARTITION_SORT_MERGE).where(1).equalTo(0).with((o, c) => [o, c?.[1] ?? null]);
 * ```
 */
import { UsageError } from '../util/errors.js';

export const JoinHint = {
  /** Let the system choose (here: repartition both inputs by key and build a hash table on one side). */
  OPTIMIZER_CHOOSES: 'OPTIMIZER_CHOOSES',
  /** Send the whole first input to every parallel instance and build the hash table from it (the first is small). */
  BROADCAST_HASH_FIRST: 'BROADCAST_HASH_FIRST',
  /** Send the whole second input to every parallel instance and build the hash table from it (the second is small). */
  BROADCAST_HASH_SECOND: 'BROADCAST_HASH_SECOND',
  /** Repartition both inputs by key; build the hash table from the first. */
  REPARTITION_HASH_FIRST: 'REPARTITION_HASH_FIRST',
  /** Repartition both inputs by key; build the hash table from the second. */
  REPARTITION_HASH_SECOND: 'REPARTITION_HASH_SECOND',
  /** Repartition both inputs by key, sort each by key and merge them. */
  REPARTITION_SORT_MERGE: 'REPARTITION_SORT_MERGE',
} as const;
export type JoinHint = (typeof JoinHint)[keyof typeof JoinHint];

/** The aggregation kinds of `aggregate(...)` and `.and(...)`; the plain strings 'SUM', 'MIN', 'MAX' work too. */
export const Aggregations = { SUM: 'SUM', MIN: 'MIN', MAX: 'MAX' } as const;

export type JoinType = 'INNER' | 'LEFT_OUTER' | 'RIGHT_OUTER' | 'FULL_OUTER';

/** How an input reaches the join: repartitioned by its key, sent whole to every instance, or left where it is. */
export type InputShipping = 'hash' | 'broadcast' | 'forward';

export interface JoinPlan {
  readonly shipping: readonly [InputShipping, InputShipping];
  /** The runtime's join strategy (see the join operator in runtime/operators/batch-joins.ts). */
  readonly strategy: 'HASH_FIRST' | 'HASH_SECOND' | 'SORT_MERGE';
}

/** The hints each join kind accepts, as Flink's DataSet API accepts them. */
const VALID_HINTS: Record<JoinType, readonly JoinHint[]> = {
  INNER: Object.values(JoinHint),
  LEFT_OUTER: ['OPTIMIZER_CHOOSES', 'BROADCAST_HASH_SECOND', 'REPARTITION_HASH_FIRST', 'REPARTITION_HASH_SECOND', 'REPARTITION_SORT_MERGE'],
  RIGHT_OUTER: ['OPTIMIZER_CHOOSES', 'BROADCAST_HASH_FIRST', 'REPARTITION_HASH_FIRST', 'REPARTITION_HASH_SECOND', 'REPARTITION_SORT_MERGE'],
  FULL_OUTER: ['OPTIMIZER_CHOOSES', 'REPARTITION_HASH_FIRST', 'REPARTITION_HASH_SECOND', 'REPARTITION_SORT_MERGE'],
};

const OPERATION: Record<JoinType, string> = { INNER: 'join', LEFT_OUTER: 'leftOuterJoin', RIGHT_OUTER: 'rightOuterJoin', FULL_OUTER: 'fullOuterJoin' };

export class InvalidJoinHintError extends UsageError {
  constructor(type: JoinType, hint: unknown) {
    const valid = VALID_HINTS[type];
    super(
      `Invalid JoinHint for ${OPERATION[type]}(): ${String(hint)}. Use one of ${valid.map((h) => `JoinHint.${h}`).join(', ')}` +
        (type === 'INNER' ? '.' : ' (an outer side cannot be broadcast: its unmatched records would be emitted by every instance).'),
    );
  }
}

export function checkJoinHint(type: JoinType, hint: unknown): JoinHint {
  if (typeof hint !== 'string' || !(VALID_HINTS[type] as readonly string[]).includes(hint)) throw new InvalidJoinHintError(type, hint);
  return hint as JoinHint;
}

export function planJoin(type: JoinType, hint: JoinHint): JoinPlan {
  switch (hint) {
    case 'BROADCAST_HASH_FIRST':
      return { shipping: ['broadcast', 'forward'], strategy: 'HASH_FIRST' };
    case 'BROADCAST_HASH_SECOND':
      return { shipping: ['forward', 'broadcast'], strategy: 'HASH_SECOND' };
    case 'REPARTITION_HASH_FIRST':
      return { shipping: ['hash', 'hash'], strategy: 'HASH_FIRST' };
    case 'REPARTITION_HASH_SECOND':
      return { shipping: ['hash', 'hash'], strategy: 'HASH_SECOND' };
    case 'REPARTITION_SORT_MERGE':
      return { shipping: ['hash', 'hash'], strategy: 'SORT_MERGE' };
    case 'OPTIMIZER_CHOOSES':
      // A one-sided outer join probes with its outer side, so unmatched records show at once.
      return { shipping: ['hash', 'hash'], strategy: type === 'LEFT_OUTER' ? 'HASH_SECOND' : 'HASH_FIRST' };
  }
}
