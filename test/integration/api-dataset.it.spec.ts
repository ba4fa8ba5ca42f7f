/**
 * DataSet API semantics on a real in-process cluster (a MiniCluster with two TaskManagers of two slots):
 * small job files import `flink-ts`, run through the client's runProgram with target 'local', and hand
 * their collect()/count() results back through a global; every program runs at parallelism 1 and 3.
 */
import assert from 'node:assert/strict';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { useApiTestCluster, outputLines, PARALLELISMS, sorted } from './support/api-harness.js';

/** What every job file of this spec starts with. */
const PRELUDE =
  "import { ExecutionEnvironment, StreamExecutionEnvironment, ParameterTool } from 'flink-ts';\n" +
  'const R = (globalThis.__apiIt ??= { results: {} }).results;\n' +
  // tag(name, ds) + collectTagged(): many data sets checked with one job (one collect of their union).
  'const __parts = [];\n' +
  'const tag = (name, ds) => void __parts.push(ds.map((x) => [name, x]));\n' +
  'const collectTagged = async () => { const out = {}; for (const [n, x] of await __parts.splice(0).reduce((a, b) => a.union(b)).collect()) (out[n] ??= []).push(x); return out; };\n';

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
  const c = useApiTestCluster(PRELUDE);

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

      it('join (pairs and with()), coGroup, cross, union, mapPartition, reduce, reduceGroup, sortPartition, partitioning and setParallelism', async () => {
        const { results: r } = await c.run(
          `
          const env = ExecutionEnvironment.getExecutionEnvironment();
          const users = env.fromElements([1, 'ann'], [2, 'bob'], [3, 'cid'], [4, 'dan']);
          const orders = env.generateSequence(0, 5).map((i) => [100 + i, [1, 2, 1, 9, 4, 4][i], i * 1.5]);
          tag('join', users.join(orders).where(0).equalTo(1));
          tag('joinWith', users.join(orders).where(0).equalTo(1).with((u, o) => [u[1], o[0]]));
          tag('joinSelectors', orders.join(users).where((o) => o[1]).equalTo((u) => u[0]).with({ join: (o, u) => u[1] + ':' + o[0] }));
          tag('coGroup', users.coGroup(orders).where(0).equalTo(1).with((us, os, out) => out.collect([us.map((u) => u[1]).join('') || '-', os.map((o) => o[0]).sort()])));
          tag('cross', env.fromElements(1, 2, 3).cross(env.fromElements('a', 'b')));
          tag('crossWith', env.generateSequence(1, 4).cross(env.fromElements(10, 20)).with((a, b) => a * b));
          tag('union', env.fromElements(1, 2).union(env.fromElements(2, 3)).union(env.generateSequence(10, 12)));
          tag('mapPartition', env.generateSequence(1, 100).mapPartition((values, out) => out.collect(values.reduce((a, b) => a + b, 0))));
          tag('reduce', env.generateSequence(1, 100).reduce((a, b) => a + b));
          tag('reduceGroup', env.generateSequence(1, 10).reduceGroup((values, out) => out.collect(values.length)));
          tag('sortPartition', env.generateSequence(1, 60).map((x) => [(x * 37) % 11, x]).sortPartition(0, 'ASCENDING').sortPartition(1, 'DESCENDING')
            .mapPartition((vals, out) => out.collect(vals)));
          tag('sortByFunction', env.generateSequence(1, 30).sortPartition((x) => -x).mapPartition((vals, out) => out.collect(vals)));
          tag('hashPartition', env.generateSequence(1, 40).map((x) => [x % 4, x]).partitionByHash(0)
            .mapPartition({ open(ctx) { this.i = ctx.getIndexOfThisSubtask(); }, mapPartition(vals, out) { for (const v of vals) out.collect([this.i, v[0]]); } }));
          tag('setParallelism', env.generateSequence(1, 20).map({ open(ctx) { this.n = ctx.getNumberOfParallelSubtasks(); }, map(x) { return this.n; } }).setParallelism(2).name('two'));
          R.tagged = await collectTagged();
          `,
          { parallelism: p },
        );
        const t = r.tagged as Record<string, unknown[]>;
        const ordersData = [0, 1, 2, 3, 4, 5].map((i) => [100 + i, [1, 2, 1, 9, 4, 4][i] as number, i * 1.5] as const);
        const usersData: Array<[number, string]> = [[1, 'ann'], [2, 'bob'], [3, 'cid'], [4, 'dan']];
        const pairsExpected = usersData.flatMap((u) => ordersData.filter((o) => o[1] === u[0]).map((o) => [u, [...o]]));
        assert.deepEqual(sorted(t.join ?? []), sorted(pairsExpected));
        assert.deepEqual(sorted(t.joinWith ?? []), sorted(pairsExpected.map(([u, o]) => [(u as [number, string])[1], (o as number[])[0]])));
        assert.deepEqual(sorted(t.joinSelectors ?? []), sorted(pairsExpected.map(([u, o]) => `${(u as [number, string])[1]}:${(o as number[])[0]}`)));
        assert.deepEqual(sorted(t.coGroup ?? []), sorted([['ann', [100, 102]], ['bob', [101]], ['cid', []], ['dan', [104, 105]], ['-', [103]]]));
        assert.deepEqual(sorted(t.cross ?? []), sorted([1, 2, 3].flatMap((a) => ['a', 'b'].map((b) => [a, b]))));
        assert.deepEqual(((t.crossWith ?? []) as number[]).sort((a, b) => a - b), [10, 20, 20, 30, 40, 40, 60, 80]);
        assert.deepEqual(((t.union ?? []) as number[]).sort((a, b) => a - b), [1, 2, 2, 3, 10, 11, 12]);
        const mp = (t.mapPartition ?? []) as number[];
        assert.equal(mp.length, p, 'one call per partition');
        assert.equal(mp.reduce((a, b) => a + b, 0), 5050);
        assert.deepEqual(t.reduce, [5050]);
        assert.deepEqual(t.reduceGroup, [10]);
        const parts = (t.sortPartition ?? []) as Array<Array<[number, number]>>;
        assert.deepEqual(parts.flat().map((x) => x[1]).sort((a, b) => a - b), Array.from({ length: 60 }, (_, i) => i + 1));
        for (const part of parts) {
          for (let i = 1; i < part.length; i++) {
            const [a, b] = [part[i - 1] as [number, number], part[i] as [number, number]];
            assert.ok(a[0] < b[0] || (a[0] === b[0] && a[1] > b[1]), `partition sorted by field 0 asc, then 1 desc: ${JSON.stringify(part)}`);
          }
        }
        for (const part of (t.sortByFunction ?? []) as number[][]) assert.deepEqual(part, [...part].sort((a, b) => b - a));
        const hp = (t.hashPartition ?? []) as Array<[number, number]>;
        assert.equal(hp.length, 40);
        for (let k = 0; k < 4; k++) assert.equal(new Set(hp.filter((x) => x[1] === k).map((x) => x[0])).size, 1, `key ${k} in one partition`);
        assert.deepEqual(t.setParallelism, Array.from({ length: 20 }, () => 2));
      });

      it('readTextFile and readCsvFile (types, ignoreFirstLine, includeFields, quotes), writeAsText/writeAsCsv and print()', async () => {
        const dir = await c.scratch(`files-p${p}`);
        const lines = ['first line', 'zweite Zeile – ü', '', 'fourth\ttab', ...Array.from({ length: 200 }, (_, i) => `line ${i}`)];
        await writeFile(join(dir, 'in.txt'), lines.join('\r\n'));
        await mkdir(join(dir, 'indir'));
        await writeFile(join(dir, 'indir', 'a.txt'), 'a1\na2\n');
        await writeFile(join(dir, 'indir', 'b.txt'), 'b1\n');
        await writeFile(join(dir, 'indir', '_SUCCESS'), '');
        await writeFile(join(dir, 'in.csv'), 'name,count,price\nann,3,1.5\n"doe, jane",7,-2\n\nbob,0,1e2\n');
        await writeFile(join(dir, 'semi.csv'), '# comment\nx;1;true\ny;2;false\n');
        const { results: r, stdout } = await c.run(
          `
          const dir = ParameterTool.fromArgs(process.argv.slice(2)).getRequired('dir');
          const env = ExecutionEnvironment.getExecutionEnvironment();
          tag('text', env.readTextFile(dir + '/in.txt'));
          tag('textDir', env.readTextFile(dir + '/indir'));
          tag('csv', env.readCsvFile(dir + '/in.csv', { ignoreFirstLine: true, quoteCharacter: '"', types: ['string', 'int', 'number'] }));
          tag('csvInclude', env.readCsvFile(dir + '/in.csv', { ignoreFirstLine: true, quoteCharacter: '"', includeFields: '101', types: ['string', 'number'] }));
          tag('csvStrings', env.readCsvFile(dir + '/in.csv', { includeFields: [1] }));
          tag('csvSemi', env.readCsvFile(dir + '/semi.csv', { fieldDelimiter: ';', ignoreComments: '#', types: ['string', 'int', 'boolean'] }));
          Object.assign(R, await collectTagged());
          const words = env.fromElements('b', 'a', 'b', 'c').map((w) => [w, 1]).groupBy(0).sum(1);
          words.writeAsText(dir + '/text-out');
          words.writeAsCsv(dir + '/csv-out', '\\n', '|');
          env.fromElements('solo').writeAsText(dir + '/single').setParallelism(1);
          const res = await env.execute('write files');
          R.jobId = res.getJobID();
          R.runtime = res.getNetRuntime();
          await env.fromElements(['x', 1], ['y', 2]).print();
          `,
          { parallelism: p, args: ['--dir', dir], captureStdout: true },
        );
        assert.deepEqual(sorted(r.text as string[]), sorted(lines));
        assert.deepEqual(sorted(r.textDir as string[]), ['a1', 'a2', 'b1']);
        assert.deepEqual(sorted(r.csv as unknown[]), sorted([['ann', 3, 1.5], ['doe, jane', 7, -2], ['bob', 0, 100]]));
        assert.deepEqual(sorted(r.csvInclude as unknown[]), sorted([['ann', 1.5], ['doe, jane', -2], ['bob', 100]]));
        // Without a quote character quotes are data, as in Flink: '"doe, jane",7' has the fields '"doe' and ' jane"'.
        assert.deepEqual(sorted(r.csvStrings as unknown[]), sorted([['count'], ['3'], [' jane"'], ['0']]));
        assert.deepEqual(sorted(r.csvSemi as unknown[]), sorted([['x', 1, true], ['y', 2, false]]));
        assert.deepEqual((await outputLines(join(dir, 'text-out'))).sort(), ['(a,1)', '(b,2)', '(c,1)']);
        assert.deepEqual((await outputLines(join(dir, 'csv-out'))).sort(), ['a|1', 'b|2', 'c|1']);
        assert.equal((await stat(join(dir, 'text-out'))).isDirectory(), p > 1, 'a parallel sink writes a directory of files');
        assert.equal(await readFile(join(dir, 'single'), 'utf8'), 'solo\n');
        assert.match(r.jobId as string, /^[0-9a-f]{32}$/);
        assert.equal(typeof r.runtime, 'number');
        assert.deepEqual(stdout.split('\n').filter((l) => l.startsWith('(')).sort(), ['(x,1)', '(y,2)']);
      });

      it('NO_OVERWRITE on an existing output path fails the job with Flink\'s message; OVERWRITE replaces it', async () => {
        const dir = await c.scratch(`overwrite-p${p}`);
        await writeFile(join(dir, 'out'), 'old\n');
        const program = (mode: string): string => `
          const dir = ParameterTool.fromArgs(process.argv.slice(2)).getRequired('dir');
          const env = ExecutionEnvironment.getExecutionEnvironment();
          env.fromElements('new').writeAsText(dir + '/out'${mode ? `, '${mode}'` : ''});
          await env.execute();
        `;
        await assert.rejects(c.run(program(''), { parallelism: p, args: ['--dir', dir] }), (e: unknown) => {
          assert.match(chain(e), /already exists\. Existing files and directories are not overwritten in NO_OVERWRITE mode/);
          return true;
        });
        assert.equal(await readFile(join(dir, 'out'), 'utf8'), 'old\n');
        await c.run(program('OVERWRITE'), { parallelism: p, args: ['--dir', dir] });
        assert.deepEqual(await outputLines(join(dir, 'out')), ['new']);
      });

      it('a later job built from count() and collect() results runs (the TaskManagers replay earlier results)', async () => {
        const { results: r, clientLines } = await c.run(
          `
          const env = ExecutionEnvironment.getExecutionEnvironment();
          const n = await env.generateSequence(1, 20).filter((x) => x % 4 === 0).count();
          const keys = await env.fromElements('b', 'a', 'c', 'a').distinct().collect();
          keys.sort();
          // The shape of this job depends on both results: n decides the sequence, keys the number of branches.
          let ds = env.generateSequence(1, n).map((x) => x * 100);
          for (const k of keys) ds = ds.union(env.fromElements(k + n));
          R.combined = await ds.collect();
          R.last = await env.fromCollection(R.combined).filter((x) => typeof x === 'number').reduce((a, b) => a + b).collect();
          `,
          { parallelism: p },
        );
        assert.deepEqual(sorted(r.combined as unknown[]), sorted([100, 200, 300, 400, 500, 'a5', 'b5', 'c5']));
        assert.deepEqual(r.last, [1500]);
        assert.equal(clientLines.filter((l) => l.startsWith('Job has been submitted with JobID')).length, 4);
        assert.equal(clientLines.filter((l) => l === 'Program execution finished').length, 4);
      });

      it('a failing user function fails the job; the error reaches the program with its message', async () => {
        const { results: r } = await c.run(
          `
          const env = ExecutionEnvironment.getExecutionEnvironment();
          try {
            await env.generateSequence(1, 100).map((x) => { if (x === 42) throw new Error('no 42 here'); return x; }).collect();
            R.outcome = 'succeeded';
          } catch (e) {
            R.outcome = 'failed';
            let msgs = [];
            for (let cur = e; cur; cur = cur.cause) msgs.push(cur.message);
            R.messages = msgs;
          }
          // Whatever the program does after a failed job, the TaskManagers must see the same.
          R.after = await env.fromElements(1, 2).map(R.outcome === 'failed' ? (x) => x * 2 : (x) => x * 3).collect();
          `,
          { parallelism: p },
        );
        assert.equal(r.outcome, 'failed');
        assert.match((r.messages as string[]).join('\n'), /Job failed/);
        assert.match((r.messages as string[]).join('\n'), /no 42 here/);
        assert.deepEqual(sorted(r.after as number[]), [2, 4]);

        await assert.rejects(
          c.run(
            `
            const env = ExecutionEnvironment.getExecutionEnvironment();
            await env.fromElements('a', 'b').map((s) => { if (s === 'b') throw new TypeError('bad record ' + s); return s; }).collect();
            `,
            { parallelism: p },
          ),
          (e: unknown) => {
            assert.equal((e as Error).name, 'ProgramInvocationException');
            assert.match(chain(e), /The main method caused an error: Job failed/);
            assert.match(chain(e), /TypeError: bad record b/);
            return true;
          },
        );
      });
    });
  }
});

/** Every message of an error's cause chain, one per line. */
function chain(e: unknown): string {
  const out: string[] = [];
  for (let cur: unknown = e; cur instanceof Error && out.length < 20; cur = cur.cause) out.push(`${cur.name}: ${cur.message}`);
  return out.join('\n');
}
