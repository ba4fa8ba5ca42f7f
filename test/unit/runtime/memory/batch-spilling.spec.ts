import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Collector } from '../../../../src/api/functions.js';
import type { TransformationInit } from '../../../../src/api/transformation.js';
import { ManagedMemoryExhaustedError, MemoryManager } from '../../../../src/runtime/memory/index.js';
import type { JoinStrategy, JoinType } from '../../../../src/runtime/operators/batch-joins.js';
import { OPERATORS, type OperatorContext, type OperatorFactory } from '../../../../src/runtime/operators/index.js';
import { drive, runOneInput, TestingOperatorContext, type Step } from '../testing-operator-context.js';
import { nestedLoopJoin } from '../join-reference.js';

const op = (name: string): OperatorFactory => OPERATORS[name] as OperatorFactory;
const sortJson = (xs: unknown[]): unknown[] => [...xs].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
const canon = (xs: unknown[]): string[] => xs.map((x) => JSON.stringify(x)).sort();

type R = [number, string];
const JOIN_TYPES: JoinType[] = ['INNER', 'LEFT_OUTER', 'RIGHT_OUTER', 'FULL_OUTER'];
const STRATEGIES: JoinStrategy[] = ['HASH_FIRST', 'HASH_SECOND', 'SORT_MERGE'];

/** coGroup as a nested loop: `[key, first records, second records]` for each key on either side. */
function nestedLoopCoGroup(a: R[], b: R[]): Array<[number, string[], string[]]> {
  const keys = new Set([...a, ...b].map((r) => r[0]));
  return [...keys].map((k) => [k, a.filter((r) => r[0] === k).map((r) => r[1]).sort(), b.filter((r) => r[0] === k).map((r) => r[1]).sort()]);
}

/** Runs every test's operators twice: with plenty of memory and with a few KiB (many spills). */
describe('batch operators under a tiny managed-memory budget', () => {
  let root: string;
  let manager: MemoryManager;
  const tiny = () => ({ memory: manager.forOperator('Tiny (1/1)') });
  /** Spill files created so far (to check that a test did spill). */
  let spills = 0;
  const spillFiles = (): string[] => readdirSync(root, { recursive: true }).filter((f) => String(f).endsWith('.spill')).map(String);

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'batch-spill-spec-'));
    manager = new MemoryManager({ budgetBytes: 16 * 1024, key: 'taskmanager.memory.managed.size', description: 'test', spillDirs: [join(root, 'a'), join(root, 'b')] });
    spills = 0;
    const newSpillPath = manager.newSpillPath.bind(manager);
    manager.newSpillPath = (owner) => {
      spills++;
      return newSpillPath(owner);
    };
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
  describe('join and coGroup', () => {
    /** Many records per key on both sides (so pairs multiply), and keys found on one side only. */
    const recs = (n: number, keys: number, offset: number, tag: string): R[] => Array.from({ length: n }, (_, i) => [((i * 7919) % keys) + offset, `${tag}${i} padding to make the records bigger`]);
    const a = recs(1500, 300, 0, 'a');
    const b = recs(1200, 400, 150, 'b');
    const arrivals: Array<[string, Step[]]> = [
      ['first input first', [...a.map((record) => ({ record, input: 0 })), { end: 0 }, ...b.map((record) => ({ record, input: 1 })), { end: 1 }]],
      ['second input first', [...b.map((record) => ({ record, input: 1 })), { end: 1 }, ...a.map((record) => ({ record, input: 0 })), { end: 0 }]],
      ['interleaved', [...a.flatMap((r, i) => [{ record: r, input: 0 }, ...(b[i] ? [{ record: b[i], input: 1 }] : [])]), { end: 0 }, { end: 1 }]],
    ];

    for (const type of JOIN_TYPES) {
      for (const strategy of STRATEGIES) {
        it(`${type} join by ${strategy} spills and gives the nested-loop result for every arrival order`, async () => {
          const expected = canon(nestedLoopJoin(a, b, type));
          for (const [order, steps] of arrivals) {
            const before = spills;
            const h = await drive(op('join'), { fns: [null, 0, 0], params: { joinType: type, strategy } }, steps, { inputs: 2, ...tiny() });
            assert.ok(spills > before, `${order}: spilled`);
            assert.deepEqual(canon(h.output), expected, order);
            assert.deepEqual(spillFiles(), [], `${order}: no spill file left after close`);
          }
        });
      }
    }

    it('a join function is applied to every pair, nulls included, after the switch to sorting', async () => {
      const fn = (x: R | null, y: R | null): string => `${x?.[1] ?? '-'}|${y?.[1] ?? '-'}`;
      const steps = arrivals[0]?.[1] as Step[];
      const h = await drive(op('join'), { fns: [fn, 0, 0], params: { joinType: 'FULL_OUTER' } }, steps, { inputs: 2, ...tiny() });
      assert.deepEqual(h.output.sort(), nestedLoopJoin(a, b, 'FULL_OUTER').map(([x, y]) => fn(x, y)).sort());
    });

    it('a hash join whose build side fits keeps hashing while the early probe records spill', async () => {
      const small = recs(40, 40, 100, 's');
      const steps: Step[] = [...a.map((record) => ({ record, input: 1 })), ...small.map((record) => ({ record, input: 0 })), { end: 0 }, { end: 1 }];
      for (const type of JOIN_TYPES) {
        const before = spills;
        const h = await drive(op('join'), { fns: [null, 0, 0], params: { joinType: type, strategy: 'HASH_FIRST' } }, steps, { inputs: 2, ...tiny() });
        // One file for the probe records, one more when they all moved to disk to make room for the table; no sorted runs.
        assert.ok(spills > before && spills <= before + 2, `${type}: only the waiting probe records were spilled (${spills - before} files)`);
        assert.deepEqual(canon(h.output), canon(nestedLoopJoin(small, a, type)), type);
      }
    });

    it('coGroup spills and gives each key both groups, for every arrival order', async () => {
      const f = (x: R[], y: R[], out: Collector<unknown>): void => out.collect([(x[0] ?? y[0])?.[0], x.map((r) => r[1]).sort(), y.map((r) => r[1]).sort()]);
      for (const [order, steps] of arrivals) {
        const before = spills;
        const h = await drive(op('co-group'), { fns: [f, 0, 0] }, steps, { inputs: 2, ...tiny() });
        assert.ok(spills > before, `${order}: spilled`);
        assert.deepEqual(canon(h.output), canon(nestedLoopCoGroup(a, b)), order);
      }
    });

    /** Drives a two-input operator through supersteps of an iteration whose second input is static (sent in superstep 1). */
    async function iterate(name: string, init: Partial<TransformationInit>, staticRecords: R[], rounds: R[][]): Promise<unknown[][]> {
      const h = new TestingOperatorContext(init, tiny());
      let superstep = 1;
      const ctx: OperatorContext = { ...h.ctx, iteration: { iterationId: 1, staticInputs: new Set([1]), superstep: () => superstep, loopTasks: 1 } };
      const operator = op(name)(ctx);
      await operator.open?.();
      const outputs: unknown[][] = [];
      try {
        for (const [i, round] of rounds.entries()) {
          if (i === 0) for (const r of staticRecords) operator.processElement?.(r, 1);
          for (const r of round) operator.processElement?.(r, 0);
          for (const input of [0, 1]) await operator.endInput?.(input);
          outputs.push(h.output.splice(0));
          if (i < rounds.length - 1) {
            superstep++;
            await operator.nextSuperstep?.();
          }
        }
      } finally {
        await operator.close?.();
      }
      return outputs;
    }

    it('inside an iteration a static side larger than the memory is spilled once and joined every superstep', async () => {
      const rounds = [a.slice(0, 200), a.slice(200, 900), [], a.slice(900)];
      for (const type of ['INNER', 'RIGHT_OUTER'] as const) {
        const outputs = await iterate('join', { fns: [null, 0, 0], params: { joinType: type } }, b, rounds);
        outputs.forEach((out, i) => assert.deepEqual(canon(out), canon(nestedLoopJoin(rounds[i] as R[], b, type)), `${type}, superstep ${i + 1}`));
      }
      const f = (x: R[], y: R[], out: Collector<unknown>): void => out.collect([(x[0] ?? y[0])?.[0], x.map((r) => r[1]).sort(), y.map((r) => r[1]).sort()]);
      const outputs = await iterate('co-group', { fns: [f, 0, 0] }, b, rounds);
      outputs.forEach((out, i) => assert.deepEqual(canon(out), canon(nestedLoopCoGroup(rounds[i] as R[], b)), `coGroup, superstep ${i + 1}`));
      assert.ok(spills > 0, 'spilled');
    });

    it('a join that fails or is closed while it drains leaves no spill file', async () => {
      for (const name of ['join', 'co-group'] as const) {
        const fn = name === 'join' ? null : (x: R[], y: R[], out: Collector<unknown>): void => out.collect([x.length, y.length]);
        // Fails downstream after 300 records.
        const failing = new TestingOperatorContext({ fns: [fn, 0, 0], params: { joinType: 'FULL_OUTER' } }, tiny());
        let n = 0;
        (failing.ctx.output as { collect(r: unknown): void }).collect = () => {
          if (++n > 300) throw new Error('downstream failed');
        };
        const broken = op(name)(failing.ctx);
        for (const r of a) broken.processElement?.(r, 0);
        for (const r of b) broken.processElement?.(r, 1);
        await broken.endInput?.(0);
        await assert.rejects(Promise.resolve(broken.endInput?.(1)), /downstream failed/);
        await broken.close?.();
        assert.deepEqual(spillFiles(), [], `${name}: no file after a failure`);

        // Closed (cancelled) while it waits for back pressure in the middle of its output.
        const h = new TestingOperatorContext({ fns: [fn, 0, 0], params: { joinType: 'FULL_OUTER' } }, tiny());
        const cancelled = op(name)(h.ctx);
        for (const r of a) cancelled.processElement?.(r, 0);
        for (const r of b) cancelled.processElement?.(r, 1);
        await cancelled.endInput?.(0);
        const ending = Promise.resolve(cancelled.endInput?.(1));
        await cancelled.close?.();
        await ending;
        assert.ok(h.output.length < (name === 'join' ? nestedLoopJoin(a, b, 'FULL_OUTER').length : 550), `${name}: stopped early (${h.output.length})`);
        assert.deepEqual(spillFiles(), [], `${name}: no file after close`);
      }
      assert.equal(manager.reserved, 0);
    });
  });
});
