/**
 * DataSet API semantics on a real in-process cluster (a MiniCluster with two TaskManagers of two slots):
 * small job files import `flink-ts`, run through the client's runProgram with target 'local', and hand
 * their collect()/count() results back through a global; every program runs at parallelism 1 and 3.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { registerLocalExecutorFactory } from '../../src/client/job-executor.js';
import { runProgram } from '../../src/client/program.js';
import { loadConfiguration, type Configuration } from '../../src/config/index.js';
import { localJobExecutor, MiniCluster } from '../../src/minicluster/index.js';
import { setLogSink } from '../../src/util/logger.js';

// ---- harness (the same in api-datastream.it.spec.ts) ----------------------------------------------------
interface RunResult {
  results: Record<string, unknown>;
  clientLines: string[];
  stdout: string;
}

class ApiTestCluster {
  dir = '';
  private cluster: MiniCluster | undefined;
  private config: Configuration | undefined;
  private programs = 0;

  async start(): Promise<void> {
    this.dir = await mkdtemp(join(tmpdir(), 'api-it-'));
    const confDir = join(this.dir, 'conf');
    await mkdir(confDir);
    await writeFile(join(confDir, 'flink-conf.yaml'), '# api integration tests: defaults\n');
    setLogSink(undefined);
    this.config = loadConfiguration({ confDir, env: {} });
    this.cluster = new MiniCluster({ config: this.config, taskManagers: 2, slotsPerTaskManager: 2 });
    await this.cluster.start();
    const gw = this.cluster.jobManager.gateway;
    registerLocalExecutorFactory(async () => ({
      description: 'the shared test cluster',
      submit: (graph, bundle) => gw.submitJob({ jobGraph: graph, bundle }),
      result: (jobId) => gw.jobExecutionResult(jobId),
      close: async () => {},
    }));
  }

  async close(): Promise<void> {
    registerLocalExecutorFactory((o) => localJobExecutor(o));
    await this.cluster?.close();
    if (this.dir) await rm(this.dir, { recursive: true, force: true });
  }

  /** A fresh directory for one test's inputs and outputs. */
  async scratch(name: string): Promise<string> {
    const d = join(this.dir, `${name}-${++this.programs}`);
    await mkdir(d, { recursive: true });
    return d;
  }

  /**
   * Runs a job file. The program body gets `R` (results for the test) and the API names in scope;
   * `console.log` output of the client (DataSet.print()) is captured when `captureStdout` is set.
   */
  async run(body: string, o: { parallelism: number; args?: string[]; captureStdout?: boolean }): Promise<RunResult> {
    const file = join(this.dir, `program-${++this.programs}.mjs`);
    await writeFile(
      file,
      "import { ExecutionEnvironment, StreamExecutionEnvironment, ParameterTool } from 'flink-ts';\n" +
        'const R = (globalThis.__apiIt ??= { results: {} }).results;\n' +
        // tag(name, ds) + collectTagged(): many data sets checked with one job (one collect of their union).
        'const __parts = [];\n' +
        'const tag = (name, ds) => void __parts.push(ds.map((x) => [name, x]));\n' +
        'const collectTagged = async () => { const out = {}; for (const [n, x] of await __parts.splice(0).reduce((a, b) => a.union(b)).collect()) (out[n] ??= []).push(x); return out; };\n' +
        `${body}\n`,
    );
    const g = globalThis as { __apiIt?: { results: Record<string, unknown> } };
    g.__apiIt = { results: {} };
    const clientLines: string[] = [];
    let stdout = '';
    const write = process.stdout.write.bind(process.stdout);
    if (o.captureStdout) {
      process.stdout.write = ((chunk: string | Uint8Array) => {
        stdout += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
        return true;
      }) as typeof process.stdout.write;
    }
    try {
      await runProgram({
        programPath: file,
        args: o.args ?? [],
        parallelism: o.parallelism,
        detached: false,
        target: 'local',
        config: this.config as Configuration,
        allowNonRestoredState: false,
        shutdownOnAttachedExit: false,
        print: (l) => void clientLines.push(l),
      });
    } finally {
      process.stdout.write = write;
    }
    return { results: g.__apiIt.results, clientLines, stdout };
  }
}

/** Lines of a sink's output: the file itself, or every file of the directory it became. */
async function outputLines(path: string): Promise<string[]> {
  const st = await stat(path);
  const files = st.isDirectory() ? (await readdir(path)).filter((f) => !f.startsWith('.')).sort().map((f) => join(path, f)) : [path];
  const lines: string[] = [];
  for (const f of files) lines.push(...(await readFile(f, 'utf8')).split('\n').filter((l) => l.length > 0));
  return lines;
}

const sorted = <T>(xs: readonly T[]): T[] => [...xs].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : JSON.stringify(a) > JSON.stringify(b) ? 1 : 0));
const PARALLELISMS = [1, 3] as const;
// ---- end of harness --------------------------------------------------------------------------------------

type Row = [string, number, number];
/** The grouping test data, built the same way in the job file. */
const ROWS: Row[] = Array.from({ length: 60 }, (_, i) => [`k${i % 5}`, i, (i * 3) % 7]);
const ROWS_JS = 'Array.from({ length: 60 }, (_, i) => [`k${i % 5}`, i, (i * 3) % 7])';

function groupRows<K>(key: (r: Row) => K): Map<string, Row[]> {
  const m = new Map<string, Row[]>();
  for (const r of ROWS) {
    const k = JSON.stringify(key(r));
    m.set(k, [...(m.get(k) ?? []), r]);
  }
  return m;
}

describe('DataSet API on a MiniCluster', function () {
  this.timeout(120_000);
  const c = new ApiTestCluster();
  before(async () => {
    await c.start();
  });
  after(async () => {
    await c.close();
  });

  for (const p of PARALLELISMS) {
    describe(`parallelism ${p}`, () => {
      it('sources, map/flatMap/filter, rich functions, collect() and count()', async () => {
        const { results: r } = await c.run(
          `
          const env = ExecutionEnvironment.getExecutionEnvironment();
          R.parallelism = env.getParallelism();
          tag('elements', env.fromElements('a', 'b', 'c').map((s) => s.toUpperCase()));
          tag('collection', env.fromCollection([1, 2, 3, 4]).filter((x) => x % 2 === 0));
          tag('flat', env.generateSequence(1, 4).flatMap((n, out) => { for (let i = 0; i < n; i++) out.collect(n); }));
          tag('returned', env.fromElements('x y', 'z').flatMap((l) => l.split(' ')));
          tag('seq', env.generateSequence(-5, 5));
          tag('objects', env.fromElements({ a: 1, b: [1, 'x'] }, { a: 2, b: null }).map((o) => ({ ...o, c: o.a * 10 })));
          tag('rich', env.generateSequence(1, 30).rebalance().map({
            open(ctx) { this.info = [ctx.getIndexOfThisSubtask(), ctx.getNumberOfParallelSubtasks(), ctx.getJobParameters().join(' ')]; },
            map(x) { return [...this.info, x]; },
          }));
          tag('filterObj', env.generateSequence(1, 10).filter({ filter: (x) => x > 8 }));
          R.tagged = await collectTagged();
          R.count = await env.generateSequence(1, 1000).filter((x) => x % 7 === 0).count();
          R.emptyCount = await env.generateSequence(1, 10).filter(() => false).count();
          R.empty = await env.generateSequence(1, 10).filter(() => false).collect();
          `,
          { parallelism: p, args: ['--mode', 'test run'] },
        );
        const t = r.tagged as Record<string, unknown[]>;
        assert.equal(r.parallelism, p);
        assert.deepEqual(sorted(t.elements ?? []), ['A', 'B', 'C']);
        assert.deepEqual(sorted(t.collection ?? []), [2, 4]);
        assert.deepEqual(((t.flat ?? []) as number[]).sort(), [1, 2, 2, 3, 3, 3, 4, 4, 4, 4]);
        assert.deepEqual(sorted(t.returned ?? []), ['x', 'y', 'z']);
        assert.deepEqual(((t.seq ?? []) as number[]).sort((a, b) => a - b), Array.from({ length: 11 }, (_, i) => i - 5));
        assert.deepEqual(sorted(t.objects ?? []), sorted([{ a: 1, b: [1, 'x'], c: 10 }, { a: 2, b: null, c: 20 }]));
        assert.deepEqual(sorted(t.filterObj ?? []), [10, 9].sort());
        const rich = (t.rich ?? []) as Array<[number, number, string, number]>;
        assert.deepEqual(rich.map((x) => x[3]).sort((a, b) => a - b), Array.from({ length: 30 }, (_, i) => i + 1));
        assert.deepEqual([...new Set(rich.map((x) => x[0]))].sort(), Array.from({ length: p }, (_, i) => i), 'every subtask index appears');
        assert.ok(rich.every((x) => x[1] === p && x[2] === '--mode test run'), 'parallelism and job parameters seen in open()');
        assert.equal(r.count, 142);
        assert.equal(r.emptyCount, 0);
        assert.deepEqual(r.empty, []);
      });

      it('groupBy with reduce, reduceGroup, sum/min/max, aggregate().and(), sortGroup + first, distinct and first', async () => {
        const { results: r } = await c.run(
          `
          const env = ExecutionEnvironment.getExecutionEnvironment();
          const rows = env.fromCollection(${ROWS_JS}).rebalance();
          tag('sum', rows.groupBy(0).sum(1).map((x) => [x[0], x[1]]));
          tag('min', rows.groupBy(0).min(2).map((x) => [x[0], x[2]]));
          tag('max', rows.groupBy(0).max(1).map((x) => [x[0], x[1]]));
          tag('and', rows.groupBy(0).aggregate('SUM', 1).and('MAX', 2).map((x) => [x[0], x[1], x[2]]));
          tag('andMax', rows.groupBy(0).min(1).andMax(2).map((x) => [x[0], x[1], x[2]]));
          tag('andSum', rows.groupBy(0).sum(1).andSum(2).map((x) => [x[0], x[1], x[2]]));
          tag('reduce', rows.groupBy(0).reduce((a, b) => [a[0], a[1] + b[1], Math.max(a[2], b[2])]));
          tag('reduceGroup', rows.groupBy(0).reduceGroup((values, out) => out.collect([values[0][0], values.length])));
          tag('byFunction', rows.groupBy((r) => r[2]).reduceGroup((values) => [[values[0][2], values.length]]));
          tag('composite', rows.groupBy(0, 2).sum(1).map((x) => [x[0], x[2], x[1]]));
          tag('byName', rows.map((x) => ({ name: x[0], v: x[1] })).groupBy('name').sum('v'));
          tag('firstSorted', rows.groupBy(0).sortGroup(1, 'DESCENDING').first(2));
          tag('sortedGroup', rows.groupBy(0).sortGroup(2, 'ASCENDING').sortGroup(1, 'DESCENDING').reduceGroup((vs, out) => out.collect([vs[0][0], vs.map((v) => v[1])])));
          tag('distinct', rows.map((x) => [x[0], x[2] % 2]).distinct());
          tag('distinctKey', rows.distinct(0));
          tag('distinctPrim', env.fromElements(1, 2, 2, 3, 3, 3).distinct());
          tag('first', rows.first(7));
          R.tagged = await collectTagged();
          `,
          { parallelism: p },
        );
        const t = r.tagged as Record<string, unknown[]>;
        const byKey = groupRows((x) => x[0]);
        const perKey = <T>(f: (k: string, rs: Row[]) => T): T[] => sorted([...byKey].map(([k, rs]) => f(JSON.parse(k) as string, rs)));
        const sum = (rs: Row[], i: 1 | 2): number => rs.reduce((a, x) => a + x[i], 0);
        assert.deepEqual(sorted(t.sum ?? []), perKey((k, rs) => [k, sum(rs, 1)]));
        assert.deepEqual(sorted(t.min ?? []), perKey((k, rs) => [k, Math.min(...rs.map((x) => x[2]))]));
        assert.deepEqual(sorted(t.max ?? []), perKey((k, rs) => [k, Math.max(...rs.map((x) => x[1]))]));
        assert.deepEqual(sorted(t.and ?? []), perKey((k, rs) => [k, sum(rs, 1), Math.max(...rs.map((x) => x[2]))]));
        assert.deepEqual(sorted(t.andMax ?? []), perKey((k, rs) => [k, Math.min(...rs.map((x) => x[1])), Math.max(...rs.map((x) => x[2]))]));
        assert.deepEqual(sorted(t.andSum ?? []), perKey((k, rs) => [k, sum(rs, 1), sum(rs, 2)]), 'sum(1).andSum(2) sums each field once');
        assert.deepEqual(sorted(t.reduce ?? []), perKey((k, rs) => [k, sum(rs, 1), Math.max(...rs.map((x) => x[2]))]));
        assert.deepEqual(sorted(t.reduceGroup ?? []), perKey((k, rs) => [k, rs.length]));
        assert.deepEqual(sorted(t.byFunction ?? []), sorted([...groupRows((x) => x[2])].map(([k, rs]) => [JSON.parse(k) as number, rs.length])));
        assert.deepEqual(sorted(t.composite ?? []), sorted([...groupRows((x) => [x[0], x[2]])].map(([k, rs]) => [...(JSON.parse(k) as [string, number]), sum(rs, 1)])));
        assert.deepEqual(sorted(t.byName ?? []), perKey((k, rs) => ({ name: k, v: sum(rs, 1) })));
        assert.deepEqual(sorted(t.firstSorted ?? []), sorted([...byKey.values()].flatMap((rs) => [...rs].sort((a, b) => b[1] - a[1]).slice(0, 2))));
        assert.deepEqual(
          sorted(t.sortedGroup ?? []),
          perKey((k, rs) => [k, [...rs].sort((a, b) => a[2] - b[2] || b[1] - a[1]).map((x) => x[1])]),
        );
        assert.deepEqual(sorted(t.distinct ?? []), sorted([...new Set(ROWS.map((x) => JSON.stringify([x[0], x[2] % 2])))].map((s) => JSON.parse(s) as unknown)));
        const dk = (t.distinctKey ?? []) as Row[];
        assert.deepEqual(dk.map((x) => x[0]).sort(), ['k0', 'k1', 'k2', 'k3', 'k4']);
        assert.ok(dk.every((x) => ROWS.some((y) => JSON.stringify(y) === JSON.stringify(x))), 'distinct(0) keeps whole input records');
        assert.deepEqual(((t.distinctPrim ?? []) as number[]).sort(), [1, 2, 3]);
        const first = (t.first ?? []) as Row[];
        assert.equal(first.length, 7);
        assert.equal(new Set(first.map((x) => x[1])).size, 7, 'seven different input records');
      });
    });
  }
});
