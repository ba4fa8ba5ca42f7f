import assert from 'node:assert/strict';
import type { Collector } from '../../../src/api/functions.js';
import type { TransformationInit } from '../../../src/api/transformation.js';
import { compareStateKeys, sortMergeJoin, type JoinKind } from '../../../src/runtime/memory/index.js';
import { HashJoinTable, coGroup, cross, join, type JoinStrategy, type JoinType } from '../../../src/runtime/operators/batch-joins.js';
import type { OperatorContext, OperatorFactory, StreamOperator } from '../../../src/runtime/operators/index.js';
import { drive, TestingOperatorContext, type Step } from './testing-operator-context.js';
import { nestedLoopJoin as naiveJoin } from './join-reference.js';

type R = [number, string];
const TYPES: JoinType[] = ['INNER', 'LEFT_OUTER', 'RIGHT_OUTER', 'FULL_OUTER'];
const STRATEGIES: JoinStrategy[] = ['HASH_FIRST', 'HASH_SECOND', 'SORT_MERGE'];
const canon = (xs: unknown[]): string[] => xs.map((x) => JSON.stringify(x)).sort();

/** Deterministic records with many duplicate keys on both sides and keys found on one side only. */
function records(n: number, keys: number, seed: number, tag: string): R[] {
  let s = seed;
  const next = (): number => (s = (s * 1103515245 + 12345) % 2147483648);
  return Array.from({ length: n }, (_, i) => [next() % keys, `${tag}${i}`]);
}

const KINDS: Record<JoinType, JoinKind> = { INNER: 'inner', LEFT_OUTER: 'left', RIGHT_OUTER: 'right', FULL_OUTER: 'full' };
/** The sort-merge join the join operator falls back to, over inputs sorted in memory. */
function mergeJoin<T extends readonly unknown[]>(a: T[], b: T[], type: JoinType): unknown[] {
  const byKey = (x: T, y: T): number => compareStateKeys(x[0], y[0]);
  const key = (x: T): unknown => x[0];
  return [...sortMergeJoin([...a].sort(byKey), [...b].sort(byKey), { kind: KINDS[type], leftKey: key, rightKey: key, compareKeys: compareStateKeys })];
}

function hashJoin(a: R[], b: R[], type: JoinType, build: 0 | 1): unknown[] {
  const t = new HashJoinTable(build, type);
  const out: unknown[] = [];
  const sink = (x: unknown, y: unknown): void => void out.push([x, y]);
  for (const r of build === 0 ? a : b) t.insert(r[0], r);
  for (const r of build === 0 ? b : a) t.probe(r[0], r, sink);
  for (const [x, y] of t.unmatchedBuild()) sink(x, y);
  return out;
}

describe('batch join algorithms', () => {
  const inputs: Array<[string, R[], R[]]> = [
    ['duplicates on both sides', records(300, 40, 7, 'a'), records(250, 55, 11, 'b')],
    ['empty first side', [], records(30, 5, 3, 'b')],
    ['empty second side', records(30, 5, 3, 'a'), []],
    ['both empty', [], []],
    ['no common key', [[1, 'x'], [1, 'y']], [[2, 'z']]],
  ];
  for (const [what, a, b] of inputs) {
    for (const type of TYPES) {
      it(`${type} with ${what}: hash (either side) and sort-merge equal the nested loop`, () => {
        const expected = canon(naiveJoin(a, b, type));
        assert.deepEqual(canon(hashJoin(a, b, type, 0)), expected, 'build on first');
        assert.deepEqual(canon(hashJoin(a, b, type, 1)), expected, 'build on second');
        assert.deepEqual(canon(mergeJoin(a, b, type)), expected, 'sort-merge');
      });
    }
  }

  it('sort-merge orders keys of mixed types consistently', () => {
    const a: Array<[unknown, string]> = [['1', 'a1'], [1, 'a2'], [true, 'a3'], [null, 'a4']];
    const b: Array<[unknown, string]> = [[1, 'b1'], ['1', 'b2'], [null, 'b3'], [false, 'b4']];
    const pairs = mergeJoin(a, b, 'INNER') as Array<[[unknown, string], [unknown, string]]>;
    assert.deepEqual(canon(pairs.map(([x, y]) => [x[1], y[1]])), canon([['a1', 'b2'], ['a2', 'b1'], ['a4', 'b3']]));
  });
});

const op = (f: OperatorFactory, params: TransformationInit['params'], fn: unknown = null): { f: OperatorFactory; init: Partial<TransformationInit> } => ({
  f,
  init: { fns: [fn, 0, 0], params },
});

describe('join operator', () => {
  const a = records(40, 8, 5, 'a');
  const b = records(30, 11, 9, 'b');
  /** A few arrival orders: one side first, the other first, and alternating. */
  const orders: Step[][] = [
    [...a.map((record) => ({ record, input: 0 })), { end: 0 }, ...b.map((record) => ({ record, input: 1 })), { end: 1 }],
    [...b.map((record) => ({ record, input: 1 })), { end: 1 }, ...a.map((record) => ({ record, input: 0 })), { end: 0 }],
    [...a.flatMap((r, i) => [{ record: r, input: 0 }, ...(b[i] ? [{ record: b[i], input: 1 }] : [])]), { end: 1 }, { end: 0 }],
  ];
  for (const type of TYPES) {
    for (const strategy of STRATEGIES) {
      it(`${type} by ${strategy} gives the nested-loop result for every arrival order`, async () => {
        const expected = canon(naiveJoin(a, b, type));
        for (const steps of orders) {
          const { f, init } = op(join, { joinType: type, strategy });
          const h = await drive(f, init, steps, { inputs: 2 });
          assert.deepEqual(canon(h.output), expected);
        }
      });
    }
  }

  it('an outer join function gets null for the missing side', async () => {
    const fn = (x: R | null, y: R | null): string => `${x?.[1] ?? '-'}|${y?.[1] ?? '-'}`;
    const h = await drive(join, { fns: [fn, 0, 0], params: { joinType: 'FULL_OUTER' } }, [
      { record: [1, 'a'], input: 0 },
      { record: [2, 'b'], input: 1 },
      { record: [1, 'c'], input: 1 },
    ], { inputs: 2 });
    assert.deepEqual((h.output as string[]).sort(), ['-|b', 'a|c']);
  });
});

/** Drives one operator through several supersteps of an iteration, as a task does, returning each superstep's output. */
async function supersteps(
  factory: OperatorFactory,
  init: Partial<TransformationInit>,
  staticInputs: number[],
  rounds: Step[][],
): Promise<{ outputs: unknown[][]; operator: StreamOperator }> {
  const h = new TestingOperatorContext(init);
  let superstep = 1;
  const ctx: OperatorContext = { ...h.ctx, iteration: { iterationId: 1, staticInputs: new Set(staticInputs), superstep: () => superstep, loopTasks: 1 } };
  const operator = factory(ctx);
  await operator.open?.();
  const outputs: unknown[][] = [];
  for (const [i, steps] of rounds.entries()) {
    for (const s of steps) {
      if ('record' in s) operator.processElement?.(s.record, s.input ?? 0);
      else if ('end' in s) throw new Error('the harness ends every input itself');
    }
    for (const input of [0, 1]) await operator.endInput?.(input);
    outputs.push(h.output.splice(0));
    if (i < rounds.length - 1) {
      superstep++;
      await operator.nextSuperstep?.();
    }
  }
  await operator.close?.();
  return { outputs, operator };
}

describe('two-input batch operators inside an iteration', () => {
  const links: R[] = [[1, 'l1'], [1, 'l1b'], [2, 'l2'], [9, 'l9']];
  const staticSteps: Step[] = links.map((record) => ({ record, input: 1 }));
  const dyn = (recs: R[]): Step[] => recs.map((record) => ({ record, input: 0 }));

  for (const type of TYPES) {
    it(`${type} join keeps the static side's table and sees only the current superstep's records`, async () => {
      const rounds: R[][] = [[[1, 'x'], [3, 'y']], [[2, 'z']], [], [[9, 'w'], [9, 'v'], [1, 'u']]];
      // The static records come in the first superstep only, before or after the dynamic ones.
      const steps = rounds.map((r, i) => (i === 0 ? [...dyn(r).slice(0, 1), ...staticSteps, ...dyn(r).slice(1)] : dyn(r)));
      const calls: string[] = [];
      const fn = {
        open: () => void calls.push('open'),
        join: (x: R | null, y: R | null) => [x, y],
        close: () => void calls.push('close'),
      };
      const { outputs, operator } = await supersteps(join, { fns: [fn, 0, 0], params: { joinType: type, strategy: 'SORT_MERGE' } }, [1], steps);
      assert.equal(operator.cachesStaticInputs, true);
      outputs.forEach((out, i) => assert.deepEqual(canon(out), canon(naiveJoin(rounds[i] as R[], links, type)), `superstep ${i + 1}`));
      assert.deepEqual(calls, ['open', 'close', 'open', 'close', 'open', 'close', 'open', 'close'], 'one open and close per superstep');
    });
  }

  it('a join with the static side first also builds on it', async () => {
    const rounds: R[][] = [[[1, 'x']], [[2, 'y'], [5, 'q']]];
    const staticFirst: Step[] = links.map((record) => ({ record, input: 0 }));
    const steps = rounds.map((r, i) => [...(i === 0 ? staticFirst : []), ...r.map((record) => ({ record, input: 1 }))]);
    const { outputs } = await supersteps(join, { fns: [null, 0, 0], params: { joinType: 'RIGHT_OUTER', strategy: 'HASH_SECOND' } }, [0], steps);
    outputs.forEach((out, i) => assert.deepEqual(canon(out), canon(naiveJoin(links, rounds[i] as R[], 'RIGHT_OUTER')), `superstep ${i + 1}`));
  });

  it('coGroup calls the function for static-only keys every superstep', async () => {
    const fn = (a: R[], b: R[], out: Collector<string>): void => out.collect(`${(a[0] ?? b[0])?.[0]}:${a.map((r) => r[1]).join('')}/${b.map((r) => r[1]).join('')}`);
    const rounds: R[][] = [[[1, 'x'], [3, 'y']], [[2, 'z']], []];
    const steps = rounds.map((r, i) => [...dyn(r), ...(i === 0 ? staticSteps : [])]);
    const { outputs, operator } = await supersteps(coGroup, { fns: [fn, 0, 0] }, [1], steps);
    assert.equal(operator.cachesStaticInputs, true);
    assert.deepEqual(outputs.map((o) => (o as string[]).sort()), [
      ['1:x/l1l1b', '2:/l2', '3:y/', '9:/l9'],
      ['1:/l1l1b', '2:z/l2', '9:/l9'],
      ['1:/l1l1b', '2:/l2', '9:/l9'],
    ]);
  });

  it('cross keeps the static side and pairs it with each superstep’s records', async () => {
    const rounds: number[][] = [[1, 2], [3], []];
    const steps = rounds.map((r, i) => [...r.map((record) => ({ record, input: 1 })), ...(i === 0 ? ['a', 'b'].map((record) => ({ record, input: 0 })) : [])]);
    const { outputs, operator } = await supersteps(cross, { fns: [null], params: { buffered: 1 } }, [0], steps);
    assert.equal(operator.cachesStaticInputs, true);
    assert.deepEqual(outputs.map((o) => canon(o)), [canon([['a', 1], ['a', 2], ['b', 1], ['b', 2]]), canon([['a', 3], ['b', 3]]), []]);
  });

  it('without a static input nothing is kept between supersteps', async () => {
    const rounds: Step[][] = [
      [{ record: [1, 'a'], input: 0 }, { record: [1, 'b'], input: 1 }],
      [{ record: [1, 'c'], input: 0 }],
    ];
    const { outputs, operator } = await supersteps(join, { fns: [null, 0, 0], params: { joinType: 'LEFT_OUTER' } }, [], rounds);
    assert.equal(operator.cachesStaticInputs, false);
    assert.deepEqual(outputs, [[[[1, 'a'], [1, 'b']]], [[[1, 'c'], null]]]);
  });
});
