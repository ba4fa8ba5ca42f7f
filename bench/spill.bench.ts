/**
 * Managed memory: throughput of a grouped aggregation (the final step of WordCount: groupBy(0).sum(1)) and of a
 * sort (sortPartition), of joins (hash and sort-merge) and of a coGroup, each with the whole budget in memory and
 * with a budget so small that it spills sorted runs to the temp dir and merges them. In-process, on the operators
 * themselves (no cluster, no network). Two-input cases feed the first input whole, then the second.
 *
 *   node dist/bench/spill.bench.js [--records 2000000] [--keys 200000] [--runs 3] [--tiny 1mb]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { MemoryManager } from '../src/runtime/memory/index.js';
import { OPERATORS, type OperatorFactory } from '../src/runtime/operators/index.js';
import { TestingOperatorContext } from '../test/unit/runtime/testing-operator-context.js';

interface Args {
  records: number;
  keys: number;
  runs: number;
  tiny: number;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { records: 2_000_000, keys: 200_000, runs: 3, tiny: 1024 * 1024 };
  for (let i = 0; i < argv.length; i += 2) {
    const v = Number.parseInt(argv[i + 1] ?? '', 10);
    switch (argv[i]) {
      case '--records': a.records = v; break;
      case '--keys': a.keys = v; break;
      case '--runs': a.runs = v; break;
      case '--tiny': a.tiny = (argv[i + 1] ?? '').endsWith('mb') ? v * 1024 * 1024 : (argv[i + 1] ?? '').endsWith('kb') ? v * 1024 : v; break;
      default: throw new Error(`Unknown argument ${argv[i]}. Usage: spill.bench.js [--records N] [--keys N] [--runs N] [--tiny 1mb]`);
    }
  }
  return a;
}

/** The records of each input, fed one input after the other. */
type Inputs = ReadonlyArray<readonly unknown[]>;

/** Runs one operator over the records with the given budget; returns records/s. */
async function measure(operator: string, init: ConstructorParameters<typeof TestingOperatorContext>[0], inputs: Inputs, budget: number): Promise<{ rate: number; out: number }> {
  const root = mkdtempSync(join(tmpdir(), 'spill-bench-'));
  try {
    const manager = new MemoryManager({ budgetBytes: budget, key: 'taskmanager.memory.managed.size', description: 'bench', spillDirs: [root] });
    const h = new TestingOperatorContext(init, { memory: manager.forOperator('bench') });
    let out = 0;
    (h.ctx as { output: { collect(r: unknown): void } }).output.collect = () => void out++;
    const op = (OPERATORS[operator] as OperatorFactory)(h.ctx);
    const t0 = process.hrtime.bigint();
    await op.open?.();
    const process_ = op.processElement as (r: unknown, i: number) => void;
    let total = 0;
    for (const [input, records] of inputs.entries()) {
      for (const r of records) process_(r, input);
      await op.endInput?.(input);
      total += records.length;
    }
    await op.close?.();
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    return { rate: total / s, out };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const fmt = (n: number): string => `${(n / 1e6).toFixed(2)}M records/s`;

async function main(): Promise<void> {
  const a = parseArgs(process.argv.slice(2));
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  console.log(`${new Date().toISOString()}  ${cpu}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, node ${process.version}`);
  console.log(`${a.records.toLocaleString('en')} records, ${a.keys.toLocaleString('en')} keys, tiny budget ${(a.tiny / 1024).toFixed(0)} KiB, ${a.runs} runs (median)`);
  const words = Array.from({ length: a.records }, (_, i) => [`word${(i * 7919) % a.keys}`, 1]);
  const rows = Array.from({ length: a.records }, (_, i) => [(i * 7919) % 1_000_003, `row${i}`]);
  // A join's build side: one record per key of a tenth of the rows' keys; every row probes it.
  const dims = Array.from({ length: Math.ceil(a.records / 10) }, (_, i) => [i * 10, `dim${i}`]);
  const joinFn = (x: unknown, y: unknown): unknown => (x === null ? y : x);
  const coGroupFn = (x: unknown[], y: unknown[], out: { collect(r: unknown): void }): void => out.collect(x.length + y.length);
  const cases: Array<[string, string, ConstructorParameters<typeof TestingOperatorContext>[0], Inputs]> = [
    ['grouped aggregation (sum)', 'grouped-aggregate', { keySpec: 0, params: { aggregations: [['SUM', 1]], combiner: false } }, [words]],
    ['sort (sortPartition)', 'sort-partition', { fns: [0], params: { orders: ['ASCENDING'] } }, [rows]],
    ['hash join (build first)', 'join', { fns: [joinFn, 0, 0], params: { joinType: 'INNER', strategy: 'HASH_FIRST' } }, [dims, rows]],
    ['left outer hash join', 'join', { fns: [joinFn, 0, 0], params: { joinType: 'LEFT_OUTER', strategy: 'HASH_SECOND' } }, [rows, dims]],
    ['sort-merge join', 'join', { fns: [joinFn, 0, 0], params: { joinType: 'INNER', strategy: 'SORT_MERGE' } }, [dims, rows]],
    ['coGroup', 'co-group', { fns: [coGroupFn, 0, 0] }, [dims, rows]],
  ];
  for (const [name, operator, init, records] of cases) {
    const inMemory: number[] = [];
    const spilled: number[] = [];
    for (let r = 0; r < a.runs; r++) {
      // Alternated, so drift of the machine's load hits both alike.
      inMemory.push((await measure(operator, init, records, 1024 ** 3)).rate);
      spilled.push((await measure(operator, init, records, a.tiny)).rate);
    }
    console.log(`${name.padEnd(28)} in memory ${fmt(median(inMemory))}   spilling ${fmt(median(spilled))}   (${(median(spilled) / median(inMemory)).toFixed(2)}x)`);
  }
}

await main();
