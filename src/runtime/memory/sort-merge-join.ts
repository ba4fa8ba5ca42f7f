/**
 * A sort-merge join over two record streams sorted by their join keys: what a join switches to when its build side
 * outgrows the managed memory (sort both inputs with an {@link ExternalSorter}, then merge). Yields `[left, right]`
 * pairs, with `null` for the missing side of an outer join's unmatched record, as Flink hands it to the function.
 */
import type { OperatorMemory } from './memory-manager.js';

export type JoinKind = 'inner' | 'left' | 'right' | 'full';

export interface SortMergeJoinSpec<L, R> {
  readonly kind: JoinKind;
  readonly leftKey: (l: L) => unknown;
  readonly rightKey: (r: R) => unknown;
  /** The order both inputs are sorted by, on the extracted keys. */
  readonly compareKeys: (a: unknown, b: unknown) => number;
  /**
   * Where the left records of one key wait while the right records of that key stream past: a spillable list from
   * this memory (a key with more matches than memory then still joins), else an array.
   */
  readonly memory?: OperatorMemory;
}

interface GroupBuffer<L> extends Iterable<L> {
  add(l: L): void;
  clear(): void;
  close(): void;
}

function arrayBuffer<L>(): GroupBuffer<L> {
  let items: L[] = [];
  return {
    add: (l) => void items.push(l),
    clear: () => void (items = []),
    close: () => void (items = []),
    [Symbol.iterator]: () => items[Symbol.iterator](),
  };
}

export function* sortMergeJoin<L, R>(left: Iterable<L>, right: Iterable<R>, spec: SortMergeJoinSpec<L, R>): Generator<[L | null, R | null], void, undefined> {
  const { leftKey, rightKey, compareKeys: cmp } = spec;
  const leftOuter = spec.kind === 'left' || spec.kind === 'full';
  const rightOuter = spec.kind === 'right' || spec.kind === 'full';
  const li = left[Symbol.iterator]();
  const ri = right[Symbol.iterator]();
  const group: GroupBuffer<L> = spec.memory ? spec.memory.list<L>() : arrayBuffer<L>();
  try {
    let l = li.next();
    let r = ri.next();
    while (!l.done && !r.done) {
      const key = leftKey(l.value);
      const c = cmp(key, rightKey(r.value));
      if (c < 0) {
        if (leftOuter) yield [l.value, null];
        l = li.next();
        continue;
      }
      if (c > 0) {
        if (rightOuter) yield [null, r.value];
        r = ri.next();
        continue;
      }
      group.clear();
      do {
        group.add(l.value);
        l = li.next();
      } while (!l.done && cmp(leftKey(l.value), key) === 0);
      do {
        for (const x of group) yield [x, r.value];
        r = ri.next();
      } while (!r.done && cmp(rightKey(r.value), key) === 0);
    }
    for (; !l.done; l = li.next()) if (leftOuter) yield [l.value, null];
    for (; !r.done; r = ri.next()) if (rightOuter) yield [null, r.value];
  } finally {
    group.close();
    li.return?.();
    ri.return?.();
  }
}
