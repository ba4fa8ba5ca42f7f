import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Collector } from '../../../../src/api/functions.js';
import { ManagedMemoryExhaustedError, MemoryManager } from '../../../../src/runtime/memory/index.js';
import { OPERATORS, type OperatorFactory } from '../../../../src/runtime/operators/index.js';
import { drive, runOneInput, type Step } from '../testing-operator-context.js';

const op = (name: string): OperatorFactory => OPERATORS[name] as OperatorFactory;
const sortJson = (xs: unknown[]): unknown[] => [...xs].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));

/** Runs every test's operators twice: with plenty of memory and with a few KiB (many spills). */
describe('batch operators under a tiny managed-memory budget', () => {
  let root: string;
  let manager: MemoryManager;
  const tiny = () => ({ memory: manager.forOperator('Tiny (1/1)') });
  const spillFiles = (): string[] => readdirSync(root, { recursive: true }).filter((f) => String(f).endsWith('.spill')).map(String);

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'batch-spill-spec-'));
    manager = new MemoryManager({ budgetBytes: 16 * 1024, key: 'taskmanager.memory.managed.size', description: 'test', spillDirs: [join(root, 'a'), join(root, 'b')] });
  });
  afterEach(() => {
    try {
      assert.deepEqual(spillFiles(), [], 'no spill file left');
      assert.equal(manager.reserved, 0, 'all memory given back');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  const words = Array.from({ length: 20_000 }, (_, i) => [`w${(i * 7919) % 3000}`, 1] as [string, number]);
  const counts = (): Array<[string, number]> => {
    const m = new Map<string, number>();
    for (const [w] of words) m.set(w, (m.get(w) ?? 0) + 1);
    return [...m];
  };

  it('grouped aggregate and grouped reduce spill sorted partials and merge them', async () => {
    const params = { aggregations: [['SUM', 1]], combiner: false };
    assert.deepEqual(sortJson(await runOneInput(op('grouped-aggregate'), { keySpec: 0, params }, words, tiny())), sortJson(counts()));
    const reduce = (a: [string, number], b: [string, number]): [string, number] => [a[0], a[1] + b[1]];
    assert.deepEqual(sortJson(await runOneInput(op('grouped-reduce'), { keySpec: 0, fns: [reduce], params: { combiner: false } }, words, tiny())), sortJson(counts()));
  });

  it('a combiner emits partial results when its table is full; the final step still gets the right sums', async () => {
    const partial = await runOneInput(op('grouped-aggregate'), { keySpec: 0, params: { aggregations: [['SUM', 1]], combiner: true } }, words, tiny());
    assert.ok(partial.length > 3000, `flushed more than once: ${partial.length} partials`);
    const final = await runOneInput(op('grouped-aggregate'), { keySpec: 0, params: { aggregations: [['SUM', 1]], combiner: false } }, partial);
    assert.deepEqual(sortJson(final), sortJson(counts()));
  });

  it('reduceGroup with a group order sorts by key and order and hands over groups one at a time', async () => {
    const recs = Array.from({ length: 6000 }, (_, i) => [`k${i % 300}`, (i * 31) % 1000] as [string, number]);
    const f = (values: Array<[string, number]>, out: Collector<unknown>): void => out.collect([values[0]?.[0], values.map((v) => v[1]).join(',')]);
    const init = { keySpec: 0, fns: [f, 1], params: { orders: ['DESCENDING'] } };
    const expected = await runOneInput(op('grouped-group-reduce'), init, recs);
    const spilled = await runOneInput(op('grouped-group-reduce'), init, recs, tiny());
    assert.deepEqual(sortJson(spilled), sortJson(expected));
    const first = { keySpec: 0, fns: [null, 1], params: { orders: ['ASCENDING'], first: 2 } };
    assert.deepEqual(sortJson(await runOneInput(op('grouped-group-reduce'), first, recs, tiny())), sortJson(await runOneInput(op('grouped-group-reduce'), first, recs)));
  });

  it('distinct emits each key once, before and after it spilled', async () => {
    const recs = Array.from({ length: 20_000 }, (_, i) => (i * 7919) % 5000);
    const out = await runOneInput(op('distinct'), { keySpec: '*' }, recs, tiny());
    assert.equal(out.length, 5000);
    assert.equal(new Set(out).size, 5000);
  });

  it('sortPartition sorts more than fits', async () => {
    const recs = Array.from({ length: 20_000 }, (_, i) => [(i * 7919) % 10007, i]);
    const init = { fns: [0], params: { orders: ['ASCENDING'] } };
    assert.deepEqual(await runOneInput(op('sort-partition'), init, recs, tiny()), await runOneInput(op('sort-partition'), init, recs));
  });

  it('coGroup merges both sorted inputs key by key', async () => {
    const a = Array.from({ length: 5000 }, (_, i) => [i % 700, `a${i}`]);
    const b = Array.from({ length: 5000 }, (_, i) => [(i % 900) + 300, `b${i}`]);
    const f = (x: unknown[][], y: unknown[][], out: Collector<unknown>): void => out.collect([x[0]?.[0] ?? y[0]?.[0], x.length, y.length]);
    const steps: Step[] = [...a.map((record) => ({ record, input: 0 })), ...b.map((record) => ({ record, input: 1 }))];
    const init = { fns: [f, 0, 0] };
    const expected = (await drive(op('co-group'), init, steps, { inputs: 2 })).output;
    const got = (await drive(op('co-group'), init, steps, { inputs: 2, ...tiny() })).output;
    assert.equal(got.length, 1200);
    assert.deepEqual(sortJson(got), sortJson(expected));
  });

  it('a group that cannot fit fails with a message naming the key to raise, and leaves no file', async () => {
    const recs = Array.from({ length: 20_000 }, (_, i) => ['one', i, 'some padding to make the records bigger']);
    const f = (values: unknown[]): unknown[] => [values.length];
    const memory = tiny();
    await assert.rejects(
      runOneInput(op('grouped-group-reduce'), { keySpec: 0, fns: [f], params: { orders: [] } }, recs, memory),
      (err: unknown) => err instanceof ManagedMemoryExhaustedError && /reduceGroup function.*Raise taskmanager\.memory\.managed\.size/.test(err.message),
    );
    // A failed task closes its operators (this harness stops at the error), which closes their memory.
    memory.memory.close();
  });
});
