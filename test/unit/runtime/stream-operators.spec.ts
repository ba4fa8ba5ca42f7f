import assert from 'node:assert/strict';
import type { Collector, RuntimeContext } from '../../../src/api/functions.js';
import { OPERATORS } from '../../../src/runtime/operators/index.js';
import type { OperatorFactory } from '../../../src/runtime/operators/index.js';
import { UsageError } from '../../../src/util/errors.js';
import { drive, runOneInput, runSource } from './testing-operator-context.js';

const op = (name: string): OperatorFactory => {
  const f = OPERATORS[name];
  assert.ok(f, `operator ${name} is registered`);
  return f;
};

describe('record-at-a-time operators', () => {
  it('map applies the function to every record', async () => {
    assert.deepEqual(await runOneInput(op('map'), { fns: [(x: number) => x * 10] }, [1, 2, 3]), [10, 20, 30]);
  });

  it('a rich map function is opened with its runtime context and closed', async () => {
    const calls: string[] = [];
    const rich = {
      factor: 0,
      open(ctx: RuntimeContext) {
        calls.push(`open ${ctx.getIndexOfThisSubtask()}/${ctx.getNumberOfParallelSubtasks()} ${ctx.getJobParameters().join(' ')}`);
        this.factor = ctx.getIndexOfThisSubtask() + 1;
      },
      map(x: number) {
        return x * this.factor;
      },
      close() {
        calls.push('close');
      },
    };
    const out = await runOneInput(op('map'), { fns: [rich] }, [1, 2], { subtask: 2, parallelism: 3, args: ['--in', 'x'] });
    assert.deepEqual(out, [3, 6]);
    assert.deepEqual(calls, ['open 2/3 --in x', 'close']);
  });

  it('a class instance works as a rich function (methods on the prototype)', async () => {
    class Upper {
      prefix = '';
      open(): void {
        this.prefix = '>';
      }
      map(s: string): string {
        return this.prefix + s.toUpperCase();
      }
    }
    assert.deepEqual(await runOneInput(op('map'), { fns: [new Upper()] }, ['a', 'b']), ['>A', '>B']);
  });

  it('an object without the function\'s method is a usage error naming the method', async () => {
    await assert.rejects(runOneInput(op('map'), { fns: [{ mapp: (x: unknown) => x }] }, []), (e: unknown) => e instanceof UsageError && /no map\(\) method/.test(e.message));
  });

  describe('flatMap', () => {
    it('emits through the collector', async () => {
      const f = (s: string, out: Collector<string>): void => {
        for (const w of s.split(' ')) out.collect(w);
      };
      assert.deepEqual(await runOneInput(op('flat-map'), { fns: [f] }, ['a b', 'c']), ['a', 'b', 'c']);
    });
    it('emits the elements of a returned array or generator', async () => {
      assert.deepEqual(await runOneInput(op('flat-map'), { fns: [(n: number) => Array.from({ length: n }, (_, i) => i)] }, [0, 1, 3]), [0, 0, 1, 2]);
      function* gen(n: number): Generator<number> {
        yield n;
        yield -n;
      }
      assert.deepEqual(await runOneInput(op('flat-map'), { fns: [gen] }, [1, 2]), [1, -1, 2, -2]);
    });
    it('does not iterate a returned string, and ignores undefined or null', async () => {
      assert.deepEqual(await runOneInput(op('flat-map'), { fns: [(s: string) => s] }, ['abc']), []);
      assert.deepEqual(await runOneInput(op('flat-map'), { fns: [() => undefined] }, [1]), []);
      assert.deepEqual(await runOneInput(op('flat-map'), { fns: [() => null] }, [1]), []);
    });
    it('emits both collected and returned records, collected first', async () => {
      const f = (x: number, out: Collector<number>): number[] => {
        out.collect(x);
        return [x + 100];
      };
      assert.deepEqual(await runOneInput(op('flat-map'), { fns: [f] }, [1, 2]), [1, 101, 2, 102]);
    });
    it('works as a rich object with flatMap()', async () => {
      const f = { flatMap: (s: string, out: Collector<string>) => out.collect(s + s) };
      assert.deepEqual(await runOneInput(op('flat-map'), { fns: [f] }, ['x']), ['xx']);
    });
  });

  it('filter keeps the records the predicate accepts (truthy)', async () => {
    assert.deepEqual(await runOneInput(op('filter'), { fns: [(x: number) => x % 2] }, [1, 2, 3, 4, 5]), [1, 3, 5]);
    assert.deepEqual(await runOneInput(op('filter'), { fns: [{ filter: (s: string) => s.startsWith('a') }] }, ['ab', 'b', 'ac']), ['ab', 'ac']);
  });
});

describe('keyed streaming operators', () => {
  it('keyed reduce emits the running reduction of the record\'s key after every record', async () => {
    const out = await runOneInput(
      op('keyed-reduce'),
      { keySpec: 0, fns: [(a: [string, number], b: [string, number]) => [a[0], a[1] + b[1]]] },
      [['a', 1], ['b', 10], ['a', 2], ['a', 3], ['b', 20]],
    );
    assert.deepEqual(out, [['a', 1], ['b', 10], ['a', 3], ['a', 6], ['b', 30]]);
  });

  it('keyed reduce with a key selector function, composite keys and falsy keys', async () => {
    const out = await runOneInput(
      op('keyed-reduce'),
      { keySpec: (r: { k: unknown[]; n: number }) => r.k, fns: [(a: { k: unknown[]; n: number }, b: { k: unknown[]; n: number }) => ({ k: a.k, n: a.n + b.n })] },
      [{ k: [0, ''], n: 1 }, { k: [0, 'x'], n: 2 }, { k: [0, ''], n: 3 }],
    );
    assert.deepEqual(out.map((r) => (r as { n: number }).n), [1, 2, 4]);
    const byPositions = await runOneInput(op('keyed-reduce'), { keySpec: [0, 1], fns: [(a: number[], b: number[]) => [a[0], a[1], (a[2] ?? 0) + (b[2] ?? 0)]] }, [[1, 2, 5], [1, 3, 5], [1, 2, 5]]);
    assert.deepEqual(byPositions, [[1, 2, 5], [1, 3, 5], [1, 2, 10]]);
  });

  const agg = (agg: string, field: number | string, records: unknown[], first = true, keySpec: number | string = 0): Promise<unknown[]> =>
    runOneInput(op('keyed-aggregate'), { keySpec, params: { agg, field, first } }, records);

  it('sum adds the field per key and keeps the other fields of the first record', async () => {
    const out = await agg('sum', 1, [['a', 1, 'x'], ['b', 2, 'y'], ['a', 3, 'z']]);
    assert.deepEqual(out, [['a', 1, 'x'], ['b', 2, 'y'], ['a', 4, 'x']]);
  });

  it('never changes a record it already emitted', async () => {
    const out = await agg('sum', 1, [['a', 1], ['a', 2], ['a', 3]]);
    assert.deepEqual(out, [['a', 1], ['a', 3], ['a', 6]]);
  });

  it('min/max update only the field (Flink semantics); minBy/maxBy emit the whole record holding the extreme', async () => {
    const recs = [['a', 5, 'first'], ['a', 3, 'second'], ['a', 3, 'third'], ['a', 9, 'fourth']];
    assert.deepEqual(await agg('min', 1, recs), [['a', 5, 'first'], ['a', 3, 'first'], ['a', 3, 'first'], ['a', 3, 'first']]);
    assert.deepEqual(await agg('max', 1, recs), [['a', 5, 'first'], ['a', 5, 'first'], ['a', 5, 'first'], ['a', 9, 'first']]);
    assert.deepEqual(await agg('minBy', 1, recs), [['a', 5, 'first'], ['a', 3, 'second'], ['a', 3, 'second'], ['a', 3, 'second']]);
    assert.deepEqual(await agg('maxBy', 1, recs), [['a', 5, 'first'], ['a', 5, 'first'], ['a', 5, 'first'], ['a', 9, 'fourth']]);
  });

  it('minBy/maxBy with first = false take the last of equal records', async () => {
    const recs = [['a', 3, 'x'], ['a', 3, 'y']];
    assert.deepEqual(await agg('minBy', 1, recs, false), [['a', 3, 'x'], ['a', 3, 'y']]);
    assert.deepEqual(await agg('maxBy', 1, recs, false), [['a', 3, 'x'], ['a', 3, 'y']]);
    assert.deepEqual(await agg('maxBy', 1, recs, true), [['a', 3, 'x'], ['a', 3, 'x']]);
  });

  it('aggregates object fields by name, keyed by a field name', async () => {
    const recs = [{ u: 'a', n: 2, t: 1 }, { u: 'b', n: 1, t: 2 }, { u: 'a', n: 5, t: 3 }];
    assert.deepEqual(await agg('sum', 'n', recs, true, 'u'), [{ u: 'a', n: 2, t: 1 }, { u: 'b', n: 1, t: 2 }, { u: 'a', n: 7, t: 1 }]);
    assert.deepEqual((await agg('maxBy', 'n', recs, true, 'u'))[2], { u: 'a', n: 5, t: 3 });
    assert.deepEqual((await agg('min', 'n', recs, true, 'u'))[2], { u: 'a', n: 2, t: 1 });
  });

  it('orders strings for min/max', async () => {
    assert.deepEqual(await agg('max', 1, [['k', 'apple'], ['k', 'pear'], ['k', 'fig']]), [['k', 'apple'], ['k', 'pear'], ['k', 'pear']]);
  });

  it('sum over a field that is not a number is a usage error', async () => {
    await assert.rejects(agg('sum', 1, [['a', 'x'], ['a', 'y']]), (e: unknown) => e instanceof UsageError && /not a number/.test(e.message));
  });

  it('a key position on a non-tuple record is a usage error that says what the record was', async () => {
    await assert.rejects(agg('sum', 1, [{ a: 1 }]), (e: unknown) => e instanceof UsageError && /Key position 0 needs array \(tuple\) records, got an object/.test(e.message));
  });
});

describe('sources', () => {
  it('collection source emits its elements in order', async () => {
    assert.deepEqual(await runSource(op('source:collection'), { fns: [['a', 'b', 'c']] }), ['a', 'b', 'c']);
  });

  it('sequence source splits from..to into contiguous shares, one per subtask', async () => {
    for (const p of [1, 2, 3, 7]) {
      const all: number[] = [];
      for (let s = 0; s < p; s++) {
        const part = (await runSource(op('source:sequence'), { params: { from: 5, to: 1009 } }, { subtask: s, parallelism: p })) as number[];
        for (let i = 1; i < part.length; i++) assert.equal(part[i], (part[i - 1] as number) + 1);
        all.push(...part);
      }
      assert.deepEqual(all, Array.from({ length: 1005 }, (_, i) => i + 5), `parallelism ${p}`);
    }
  });

  it('custom source: a generator function, an async generator, and a rich object with run/cancel', async () => {
    function* gen(): Generator<number> {
      yield 1;
      yield 2;
    }
    assert.deepEqual(await runSource(op('source:custom'), { fns: [gen] }), [1, 2]);
    async function* agen(): AsyncGenerator<string> {
      yield 'x';
      yield 'y';
    }
    assert.deepEqual(await runSource(op('source:custom'), { fns: [agen] }), ['x', 'y']);
    const calls: string[] = [];
    const rich = {
      open: () => void calls.push('open'),
      run: async (ctx: { collect(r: unknown): void; isRunning(): boolean }) => {
        for (let i = 0; i < 3 && ctx.isRunning(); i++) ctx.collect(i);
      },
      cancel: () => void calls.push('cancel'),
      close: () => void calls.push('close'),
    };
    assert.deepEqual(await runSource(op('source:custom'), { fns: [rich] }), [0, 1, 2]);
    assert.deepEqual(calls, ['open', 'cancel', 'close']);
  });

  it('drive() ends inputs that were not ended explicitly', async () => {
    const h = await drive(op('sink:count'), { params: { accumulator: 'n' } }, [{ record: 1 }, { record: 2 }]);
    assert.deepEqual(h.accumulators.get('n'), { kind: 'sum', value: 2 });
  });
});
