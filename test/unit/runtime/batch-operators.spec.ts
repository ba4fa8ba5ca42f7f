import assert from 'node:assert/strict';
import type { Collector } from '../../../src/api/functions.js';
import { OPERATORS, type OperatorFactory } from '../../../src/runtime/operators/index.js';
import { drive, runOneInput, type Step } from './testing-operator-context.js';

const op = (name: string): OperatorFactory => {
  const f = OPERATORS[name];
  assert.ok(f, `operator ${name} is registered`);
  return f;
};
type P = [string, number];
const sortJson = (xs: unknown[]): unknown[] => [...xs].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));

/** Every interleaving of two record lists (as steps on inputs 0 and 1), each input ended after its last record. */
function interleavings(a: unknown[], b: unknown[]): Step[][] {
  const A: Step[] = [...a.map((record) => ({ record, input: 0 })), { end: 0 }];
  const B: Step[] = [...b.map((record) => ({ record, input: 1 })), { end: 1 }];
  const out: Step[][] = [];
  const rec = (i: number, j: number, acc: Step[]): void => {
    if (i === A.length && j === B.length) out.push(acc);
    if (i < A.length) rec(i + 1, j, [...acc, A[i] as Step]);
    if (j < B.length) rec(i, j + 1, [...acc, B[j] as Step]);
  };
  rec(0, 0, []);
  return out;
}

describe('batch operators', () => {
  it('mapPartition gets all records of the partition in one call', async () => {
    const calls: number[] = [];
    const f = (values: number[], out: Collector<number>): void => {
      calls.push(values.length);
      out.collect(values.reduce((a, b) => a + b, 0));
    };
    assert.deepEqual(await runOneInput(op('map-partition'), { fns: [f] }, [1, 2, 3, 4]), [10]);
    assert.deepEqual(calls, [4]);
    assert.deepEqual(await runOneInput(op('map-partition'), { fns: [{ mapPartition: (v: number[]) => v.map((x) => -x) }] }, [1, 2]), [-1, -2]);
    assert.deepEqual(await runOneInput(op('map-partition'), { fns: [{ reduce: (v: number[]) => [v.length] }], params: { method: 'reduce' } }, [1, 2]), [2]);
  });

  it('reduce combines all records into one, and emits nothing for empty input', async () => {
    assert.deepEqual(await runOneInput(op('reduce'), { fns: [(a: number, b: number) => a + b] }, [1, 2, 3]), [6]);
    assert.deepEqual(await runOneInput(op('reduce'), { fns: [(a: number, b: number) => a + b] }, []), []);
    assert.deepEqual(await runOneInput(op('reduce'), { fns: [(a: number, b: number) => Math.max(a, b)] }, [0]), [0], 'a single falsy record is kept');
  });

  it('grouped reduce emits one record per key', async () => {
    const out = await runOneInput(op('grouped-reduce'), { keySpec: 0, fns: [(a: P, b: P) => [a[0], a[1] + b[1]]] }, [['a', 1], ['b', 2], ['a', 3], ['c', 0]]);
    assert.deepEqual(sortJson(out), [['a', 4], ['b', 2], ['c', 0]]);
  });

  it('grouped aggregate applies SUM/MIN/MAX per key, several at once, and combines like a single pass', async () => {
    const recs: Array<[string, number, number]> = [['a', 1, 9], ['b', 5, 5], ['a', 3, 2], ['a', 2, 7], ['b', -1, 6]];
    const params = (combiner: boolean) => ({ aggregations: [['SUM', 1], ['MAX', 2]], combiner });
    const direct = await runOneInput(op('grouped-aggregate'), { keySpec: 0, params: params(false) }, recs);
    assert.deepEqual(sortJson(direct), [['a', 6, 9], ['b', 4, 6]]);
    // Combiners on two partitions, then the final step: the same result.
    const c1 = await runOneInput(op('grouped-aggregate'), { keySpec: 0, params: params(true) }, recs.slice(0, 2));
    const c2 = await runOneInput(op('grouped-aggregate'), { keySpec: 0, params: params(true) }, recs.slice(2));
    const final = await runOneInput(op('grouped-aggregate'), { keySpec: 0, params: params(false) }, [...c1, ...c2]);
    assert.deepEqual(sortJson(final), sortJson(direct));
    const min = await runOneInput(op('grouped-aggregate'), { keySpec: 0, params: { aggregations: [['MIN', 1]] } }, recs);
    assert.deepEqual(sortJson(min), [['a', 1, 9], ['b', -1, 5]]);
  });

  it('grouped aggregate does not change its input records', async () => {
    const recs: P[] = [['a', 1], ['a', 2]];
    await runOneInput(op('grouped-aggregate'), { keySpec: 0, params: { aggregations: [['SUM', 1]] } }, recs);
    assert.deepEqual(recs, [['a', 1], ['a', 2]]);
  });

  describe('grouped group-reduce', () => {
    const recs: Array<[string, number, string]> = [['a', 3, 'x'], ['b', 1, 'y'], ['a', 1, 'z'], ['a', 2, 'x'], ['b', 5, 'w']];
    it('calls reduceGroup once per key with all of its records', async () => {
      const f = (values: Array<[string, number, string]>, out: Collector<unknown>): void => out.collect([values[0]?.[0], values.length]);
      assert.deepEqual(sortJson(await runOneInput(op('grouped-group-reduce'), { keySpec: 0, fns: [f], params: { orders: [], method: 'reduce' } }, recs)), [['a', 3], ['b', 2]]);
      const returning = { reduce: (values: Array<[string, number, string]>) => values.map((v) => v[1]) };
      assert.deepEqual((await runOneInput(op('grouped-group-reduce'), { keySpec: 0, fns: [returning], params: { orders: [] } }, recs) as number[]).sort(), [1, 1, 2, 3, 5]);
    });
    it('sorts each group by the sortGroup fields and orders', async () => {
      const f = (values: Array<[string, number, string]>, out: Collector<unknown>): void => out.collect(values.map((v) => `${v[1]}${v[2]}`).join(' '));
      const run = (fields: unknown[], orders: string[]) => runOneInput(op('grouped-group-reduce'), { keySpec: 0, fns: [f, ...fields], params: { orders } }, recs).then((o) => (o as string[]).sort());
      assert.deepEqual(await run([1], ['ASCENDING']), ['1y 5w', '1z 2x 3x']);
      assert.deepEqual(await run([1], ['DESCENDING']), ['3x 2x 1z', '5w 1y']);
      assert.deepEqual(await run([2, 1], ['ASCENDING', 'DESCENDING']), ['3x 2x 1z', '5w 1y']);
    });
    it('first(n) keeps the first n records of each (sorted) group', async () => {
      const first = (n: number, fields: unknown[], orders: string[]) => runOneInput(op('grouped-group-reduce'), { keySpec: 0, fns: [null, ...fields], params: { orders, first: n } }, recs);
      assert.deepEqual(sortJson(await first(1, [1], ['ASCENDING'])), [['a', 1, 'z'], ['b', 1, 'y']]);
      assert.deepEqual(sortJson(await first(2, [1], ['DESCENDING'])), [['a', 2, 'x'], ['a', 3, 'x'], ['b', 1, 'y'], ['b', 5, 'w']]);
      assert.equal((await first(10, [], [])).length, recs.length);
    });
  });

  it('distinct keeps the first record of each key; whole records compare by value', async () => {
    assert.deepEqual(await runOneInput(op('distinct'), { keySpec: '*' }, [[1, 'a'], [1, 'a'], [2, 'a'], [1, 'a']]), [[1, 'a'], [2, 'a']]);
    assert.deepEqual(await runOneInput(op('distinct'), { keySpec: '*' }, [3, 1, 3, '3', 1]), [3, 1, '3']);
    assert.deepEqual(await runOneInput(op('distinct'), { keySpec: 1 }, [[1, 'a'], [2, 'a'], [3, 'b']]), [[1, 'a'], [3, 'b']]);
    assert.deepEqual(await runOneInput(op('distinct'), { keySpec: '*' }, [{ a: 1 }, { a: 1 }, { a: 2 }]), [{ a: 1 }, { a: 2 }]);
  });

  it('first-n passes at most n records', async () => {
    assert.deepEqual(await runOneInput(op('first-n'), { params: { n: 2 } }, [5, 6, 7]), [5, 6]);
    assert.deepEqual(await runOneInput(op('first-n'), { params: { n: 5 } }, [5]), [5]);
  });

  it('sort-partition sorts by several fields and orders', async () => {
    const recs = [['b', 2], ['a', 2], ['a', 1], ['c', 0]];
    assert.deepEqual(await runOneInput(op('sort-partition'), { fns: [1, 0], params: { orders: ['DESCENDING', 'ASCENDING'] } }, recs), [['a', 2], ['b', 2], ['a', 1], ['c', 0]]);
    assert.deepEqual(await runOneInput(op('sort-partition'), { fns: [(r: unknown[]) => r[0]], params: { orders: ['ASCENDING'] } }, recs).then((o) => o.map((r) => (r as unknown[])[0])), ['a', 'a', 'b', 'c']);
  });

  describe('two-input operators give the same result for every arrival order', () => {
    const left: P[] = [['a', 1], ['b', 2], ['a', 3]];
    const right: Array<[number, string]> = [[10, 'a'], [20, 'c'], [30, 'a']];
    const orders = interleavings(left, right);
    before(() => assert.ok(orders.length > 50, `${orders.length} interleavings`));

    it('join: default pairs and with(fn)', async () => {
      const expected = sortJson([[['a', 1], [10, 'a']], [['a', 1], [30, 'a']], [['a', 3], [10, 'a']], [['a', 3], [30, 'a']]]);
      for (const steps of orders) {
        const h = await drive(op('join'), { fns: [null, 0, 1] }, steps, { inputs: 2 });
        assert.deepEqual(sortJson(h.output), expected);
        const withFn = await drive(op('join'), { fns: [(l: P, r: [number, string]) => l[1] + r[0], 0, 1] }, steps, { inputs: 2 });
        assert.deepEqual((withFn.output as number[]).sort((x, y) => x - y), [11, 13, 31, 33]);
      }
    });

    it('coGroup: one call per key of either side, with an empty list for a missing side', async () => {
      const f = (a: P[], b: Array<[number, string]>, out: Collector<string>): void => out.collect(`${a[0]?.[0] ?? b[0]?.[1]}:${a.length}/${b.length}`);
      for (const steps of orders) {
        const h = await drive(op('co-group'), { fns: [f, 0, 1] }, steps, { inputs: 2 });
        assert.deepEqual((h.output as string[]).sort(), ['a:2/2', 'b:1/0', 'c:0/1']);
      }
    });

    it('cross: every pair (left, right)', async () => {
      for (const steps of orders) {
        const h = await drive(op('cross'), { fns: [null] }, steps, { inputs: 2 });
        assert.equal(h.output.length, 9);
        assert.deepEqual(sortJson(h.output), sortJson(left.flatMap((l) => right.map((r) => [l, r]))));
      }
    });
  });

  it('a rich join function is opened and closed', async () => {
    const calls: string[] = [];
    const f = { open: () => void calls.push('open'), join: (a: number, b: number) => a + b, close: () => void calls.push('close') };
    const h = await drive(op('join'), { fns: [f, (x: number) => x % 2, (x: number) => x % 2] }, [{ record: 1, input: 0 }, { end: 0 }, { record: 3, input: 1 }], { inputs: 2 });
    assert.deepEqual(h.output, [4]);
    assert.deepEqual(calls, ['open', 'close']);
  });

  it('emits large results with back pressure pauses', async () => {
    const h = await drive(op('grouped-reduce'), { keySpec: (x: number) => x, fns: [(a: number) => a] }, Array.from({ length: 2000 }, (_, i) => ({ record: i })));
    assert.equal(h.output.length, 2000);
    assert.ok(h.yields >= 7, `yielded ${h.yields} times`);
  });
});
