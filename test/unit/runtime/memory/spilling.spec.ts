import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  compareStateKeys,
  estimateSize,
  ManagedMemoryExhaustedError,
  MemoryManager,
  RecordSizer,
  sortMergeJoin,
  type JoinKind,
  type OperatorMemory,
} from '../../../../src/runtime/memory/index.js';

/** A slot with `budget` bytes of managed memory spilling into two fresh directories (round-robin). */
function slot(budget: number): { memory: OperatorMemory; manager: MemoryManager; dirs: string[]; files(): string[]; cleanup(): void } {
  const root = mkdtempSync(join(tmpdir(), 'spill-spec-'));
  const dirs = [join(root, 'a'), join(root, 'b')];
  const manager = new MemoryManager({ budgetBytes: budget, key: 'taskmanager.memory.managed.size', description: 'test', spillDirs: dirs });
  return {
    memory: manager.forOperator('Operator Under Test (1/1)'),
    manager,
    dirs,
    files: () => dirs.flatMap((d) => (safeReaddir(d)).map((f) => join(d, f))),
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
}

function safeReaddir(d: string): string[] {
  try {
    return readdirSync(d);
  } catch {
    return [];
  }
}

/** Deterministic pseudo-random integers. */
function randoms(n: number, range: number, seed = 42): number[] {
  let x = seed;
  return Array.from({ length: n }, () => {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    return x % range;
  });
}

describe('managed memory: external sorter', () => {
  it('sorts what fits in memory without touching the disk', () => {
    const s = slot(1024 * 1024);
    try {
      const sorter = s.memory.sorter<number>((a, b) => a - b);
      for (const v of [5, 3, 9, 1]) sorter.add(v);
      assert.deepEqual([...sorter.sorted()], [1, 3, 5, 9]);
      assert.equal(sorter.spilled, false);
      assert.deepEqual(s.files(), []);
      sorter.close();
      assert.equal(s.manager.reserved, 0);
    } finally {
      s.cleanup();
    }
  });

  it('with a tiny budget writes many runs (over both directories) and merges them, duplicates and order kept', () => {
    const s = slot(8 * 1024);
    try {
      const values = randoms(20_000, 500).map((v, i) => ({ key: v, seq: i, text: `word-${v}` }));
      const sorter = s.memory.sorter<{ key: number; seq: number; text: string }>((a, b) => a.key - b.key, { maxFanIn: 8 });
      for (const v of values) sorter.add(v);
      assert.ok(sorter.spilled, 'spilled');
      assert.ok(s.dirs.every((d) => safeReaddir(d).length > 0), 'runs in both io.tmp.dirs');
      const out = [...sorter.sorted()];
      // A stable sort: the expected order is the input's, stably sorted by key.
      const expected = values.slice().sort((a, b) => a.key - b.key);
      assert.deepEqual(out, expected);
      sorter.close();
      assert.deepEqual(s.files(), [], 'runs removed on close');
      assert.equal(s.manager.reserved, 0, 'memory given back');
      sorter.close();
    } finally {
      s.cleanup();
    }
  });

  it('sorts an empty input', () => {
    const s = slot(4096);
    try {
      const sorter = s.memory.sorter<number>((a, b) => a - b);
      assert.deepEqual([...sorter.sorted()], []);
      s.memory.close();
    } finally {
      s.cleanup();
    }
  });

  it('merges runs added already sorted with spilled records', () => {
    const s = slot(4096);
    try {
      const sorter = s.memory.sorter<number>((a, b) => a - b);
      sorter.addSortedRun([1, 4, 7]);
      for (const v of randoms(3000, 100)) sorter.add(v);
      const out = [...sorter.sorted()];
      assert.equal(out.length, 3003);
      assert.deepEqual(out, out.slice().sort((a, b) => a - b));
      s.memory.close();
      assert.deepEqual(s.files(), []);
    } finally {
      s.cleanup();
    }
  });

  it('removes its files when closing after a failure (a record the codec refuses)', () => {
    const s = slot(4096);
    try {
      const sorter = s.memory.sorter<unknown>(() => 0);
      for (let i = 0; i < 500; i++) sorter.add({ i, pad: 'x'.repeat(40) });
      assert.ok(s.files().length > 0);
      assert.throws(() => {
        for (let i = 0; i < 500; i++) sorter.add({ f: () => i });
      });
      // The task fails; the operator's close() closes its memory.
      s.memory.close();
      assert.deepEqual(s.files(), []);
      assert.equal(s.manager.reserved, 0);
    } finally {
      s.cleanup();
    }
  });

  it('closes the run files of a merge its reader stops early', () => {
    const s = slot(4096);
    try {
      const sorter = s.memory.sorter<number>((a, b) => a - b);
      for (const v of randoms(5000, 1000)) sorter.add(v);
      const it = sorter.sorted()[Symbol.iterator]();
      it.next();
      it.return?.();
      sorter.close();
      assert.deepEqual(s.files(), []);
    } finally {
      s.cleanup();
    }
  });
});

describe('managed memory: spillable record list', () => {
  it('keeps what fits in memory and reads it again and again', () => {
    const s = slot(1024 * 1024);
    try {
      const list = s.memory.list<number>();
      for (let i = 0; i < 100; i++) list.add(i);
      assert.equal(list.spilled, false);
      assert.deepEqual([...list], [...Array(100).keys()]);
      assert.deepEqual([...list], [...Array(100).keys()]);
      list.close();
      assert.equal(s.manager.reserved, 0);
    } finally {
      s.cleanup();
    }
  });

  it('with a tiny budget spills its tail, keeps the order across many reads, removes its file on close', () => {
    const s = slot(4096);
    try {
      const list = s.memory.list<[number, string]>();
      const expected: Array<[number, string]> = [];
      for (let i = 0; i < 10_000; i++) {
        list.add([i, `v${i % 7}`]);
        expected.push([i, `v${i % 7}`]);
      }
      assert.ok(list.spilled);
      assert.equal(s.files().length, 1);
      for (let superstep = 0; superstep < 3; superstep++) assert.deepEqual([...list], expected);
      list.add([10_000, 'late']);
      assert.equal([...list].length, 10_001);
      list.close();
      list.close();
      assert.deepEqual(s.files(), []);
      assert.equal(s.manager.reserved, 0);
    } finally {
      s.cleanup();
    }
  });

  it('spillAll gives its memory back and keeps the order of adding, spilled or not before', () => {
    for (const n of [50, 10_000]) {
      const s = slot(4096);
      try {
        const list = s.memory.list<[number, string]>();
        const expected: Array<[number, string]> = [];
        const add = (i: number): void => {
          list.add([i, `v${i % 7}`]);
          expected.push([i, `v${i % 7}`]);
        };
        for (let i = 0; i < n; i++) add(i);
        assert.equal(list.spillAll(), true);
        assert.equal(s.memory.reserved, 0, 'memory given back');
        assert.equal(list.spillAll(), false, 'nothing left in memory');
        add(n);
        assert.equal(s.memory.reserved, 0, 'later records go to disk');
        assert.deepEqual([...list], expected);
        assert.equal(s.files().length, 1);
        list.close();
        assert.deepEqual(s.files(), []);
      } finally {
        s.cleanup();
      }
    }
  });

  it('an empty list reads as empty', () => {
    const s = slot(4096);
    try {
      assert.deepEqual([...s.memory.list()], []);
      s.memory.close();
    } finally {
      s.cleanup();
    }
  });

  it("the slot's budget is shared: a second list spills at once when the first holds it all", () => {
    const s = slot(64 * 1024);
    try {
      const other = s.manager.forOperator('Other (1/1)');
      const first = other.list<string>();
      for (let i = 0; i < 5000; i++) first.add(`record number ${i}`);
      const second = s.memory.list<string>();
      for (let i = 0; i < 5000; i++) second.add(`record number ${i}`);
      assert.ok(second.spilled);
      other.close();
      s.memory.close();
      assert.equal(s.manager.reserved, 0);
      assert.deepEqual(s.files(), []);
    } finally {
      s.cleanup();
    }
  });
});

describe('managed memory: sort-merge join', () => {
  type L = { k: number; l: string };
  type R = { k: number; r: string };
  const naive = (left: L[], right: R[], kind: JoinKind): string[] => {
    const out: string[] = [];
    for (const l of left) {
      const m = right.filter((r) => r.k === l.k);
      for (const r of m) out.push(`${l.l}|${r.r}`);
      if (m.length === 0 && (kind === 'left' || kind === 'full')) out.push(`${l.l}|null`);
    }
    for (const r of right) if (!left.some((l) => l.k === r.k) && (kind === 'right' || kind === 'full')) out.push(`null|${r.r}`);
    return out.sort();
  };

  for (const kind of ['inner', 'left', 'right', 'full'] as const) {
    it(`${kind} join of two sorted spilled streams equals a nested-loop join (duplicate keys on both sides)`, () => {
      const s = slot(4096);
      try {
        const left = randoms(600, 80, 1).map((k, i) => ({ k, l: `l${i}` }));
        const right = randoms(500, 100, 2).map((k, i) => ({ k: k + 20, r: `r${i}` }));
        const ls = s.memory.sorter<L>((a, b) => a.k - b.k);
        const rs = s.memory.sorter<R>((a, b) => a.k - b.k);
        left.forEach((l) => ls.add(l));
        right.forEach((r) => rs.add(r));
        assert.ok(ls.spilled && rs.spilled);
        const got = [...sortMergeJoin(ls.sorted(), rs.sorted(), { kind, leftKey: (l) => l.k, rightKey: (r) => r.k, compareKeys: compareStateKeys, memory: s.memory })].map(
          ([l, r]) => `${l ? l.l : 'null'}|${r ? r.r : 'null'}`,
        );
        assert.deepEqual(got.sort(), naive(left, right, kind));
        s.memory.close();
        assert.deepEqual(s.files(), []);
        assert.equal(s.manager.reserved, 0);
      } finally {
        s.cleanup();
      }
    });
  }

  it('joins empty inputs', () => {
    const none: Array<{ k: number }> = [];
    const spec = { leftKey: (x: { k: number }) => x.k, rightKey: (x: { k: number }) => x.k, compareKeys: compareStateKeys };
    assert.deepEqual([...sortMergeJoin(none, none, { ...spec, kind: 'full' })], []);
    assert.deepEqual([...sortMergeJoin([{ k: 1 }], none, { ...spec, kind: 'left' })], [[{ k: 1 }, null]]);
    assert.deepEqual([...sortMergeJoin([{ k: 1 }], none, { ...spec, kind: 'inner' })], []);
  });
});

describe('managed memory: sizes and keys', () => {
  it('estimates grow with the data and the sampler charges the average', () => {
    assert.ok(estimateSize('a'.repeat(1000)) > estimateSize('a'));
    assert.ok(estimateSize([1, 2, 3, 4]) > estimateSize([1]));
    assert.ok(estimateSize({ a: 'x', b: [1, 2] }) > estimateSize({ a: 'x' }));
    const sizer = new RecordSizer();
    for (let i = 0; i < 1000; i++) sizer.size(['word', i]);
    assert.equal(sizer.average, estimateSize(['word', 1]));
  });

  it('orders state keys totally and consistently with Map equality', () => {
    const keys = ['b', 'a', 2, 1, NaN, true, null, 10n, 'K:[1,2]'];
    const sorted = keys.slice().sort(compareStateKeys);
    assert.deepEqual(sorted, [null, true, NaN, 1, 2, 10n, 'K:[1,2]', 'a', 'b']);
    assert.ok(compareStateKeys(undefined, null) < 0);
    assert.equal(compareStateKeys(NaN, NaN), 0);
  });

  it('the error for data that cannot be spilled names the key to raise', () => {
    const s = slot(4096);
    try {
      const err = s.memory.exhausted('one group');
      assert.ok(err instanceof ManagedMemoryExhaustedError);
      assert.equal(err.code, 'MANAGED_MEMORY_EXHAUSTED');
      assert.match(err.message, /Operator Under Test \(1\/1\): one group needs more managed memory than its slot has \(4\.0 KiB; test\).*Raise taskmanager\.memory\.managed\.size/);
    } finally {
      s.cleanup();
    }
  });
});
