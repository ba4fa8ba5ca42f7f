/**
 * DataStream API semantics on a real in-process cluster (a MiniCluster with two TaskManagers of two slots):
 * their results with writeAsText (or their own sinks) to a scratch directory the test reads back; every
 * program runs at parallelism 1 and 3. Job files get `dir` (their scratch directory) and `R` in scope.
 */
import assert from 'node:assert/strict';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { useApiTestCluster, outputLines, PARALLELISMS, sorted } from './support/api-harness.js';

/** What every job file of this spec starts with. */
const PRELUDE =
  "import { ExecutionEnvironment, StreamExecutionEnvironment, ParameterTool } from 'flink-ts';\n" +
  "import { writeFileSync } from 'node:fs';\n" +
  'const R = (globalThis.__apiIt ??= { results: {} }).results;\n' +
  "const dir = ParameterTool.fromArgs(process.argv.slice(2)).get('dir', '/nonexistent');\n";

/** Output lines parsed as JSON (the programs stringify records before writing them). */
async function jsonLines<T = unknown>(path: string): Promise<T[]> {
  return (await outputLines(path)).map((l) => JSON.parse(l) as T);
}

/** The numbers subtask `s` of a parallel generateSequence(from, to) emits. */
function sequenceShare(from: number, to: number, s: number, p: number): number[] {
  const total = to - from + 1;
  const start = from + Math.floor((total * s) / p);
  const end = from + Math.floor((total * (s + 1)) / p) - 1;
  return Array.from({ length: Math.max(0, end - start + 1) }, (_, i) => start + i);
}

type KRow = [string, number, number];
const KROWS: KRow[] = Array.from({ length: 40 }, (_, i) => [`k${i % 4}`, (i * 7) % 13, i]);
const KROWS_JS = 'Array.from({ length: 40 }, (_, i) => [`k${i % 4}`, (i * 7) % 13, i])';

/** What a keyed operator emits, record by record, when the input arrives in order (one source subtask). */
function runningPerKey<T>(rows: KRow[], step: (acc: T | undefined, r: KRow) => T): T[] {
  const state = new Map<string, T>();
  return rows.map((r) => {
    const next = step(state.get(r[0]), r);
    state.set(r[0], next);
    return next;
  });
}

/** Lines of one key, in file order (every key lives in one subtask, so its order is the emission order). */
function ofKey<T extends unknown[] | { name: string }>(rows: T[], key: string): T[] {
  return rows.filter((r) => (Array.isArray(r) ? r[0] : r.name) === key);
}

describe('DataStream API on a MiniCluster', function () {
  this.timeout(120_000);
  const c = useApiTestCluster(PRELUDE);

  for (const p of PARALLELISMS) {
    describe(`parallelism ${p}`, () => {
      it('sources (fromElements, fromCollection, generateSequence, readTextFile), map/flatMap/filter, writeAsText/writeAsCsv', async () => {
        const d = await c.scratch(`records-p${p}`);
        const text = ['héllo wörld', '', 'third line', ...Array.from({ length: 300 }, (_, i) => `l${i}`)];
        await writeFile(join(d, 'in.txt'), `${text.join('\n')}\n`);
        await c.run(
          `
          const env = StreamExecutionEnvironment.getExecutionEnvironment();
          env.fromElements('a b', 'c').flatMap((l, out) => l.split(' ').forEach((w) => out.collect(w))).map((w) => w.toUpperCase()).writeAsText(dir + '/flat');
          env.fromCollection([1, 2, 3, 4, 5, 6]).filter((x) => x % 2 === 0).writeAsText(dir + '/filter');
          env.generateSequence(1, 1000).map((x) => x * 2).writeAsText(dir + '/seq');
          env.generateSequence(1, 4).flatMap((n) => Array(n).fill(n)).writeAsText(dir + '/returned');
          env.readTextFile(dir + '/in.txt').map((l) => l.length + ':' + l).writeAsText(dir + '/text');
          env.fromElements(['a', 1], ['b', [2, 3]]).writeAsText(dir + '/tuples');
          env.fromElements(['a', 1], ['b', 2]).writeAsCsv(dir + '/csv', 'NO_OVERWRITE', '\\n', ';');
          env.fromElements({ a: 1 }).writeAsText(dir + '/object');
          await env.execute('records');
          `,
          { parallelism: p, args: ['--dir', d] },
        );
        assert.deepEqual((await outputLines(join(d, 'flat'))).sort(), ['A', 'B', 'C']);
        assert.deepEqual((await outputLines(join(d, 'filter'))).sort(), ['2', '4', '6']);
        assert.deepEqual((await outputLines(join(d, 'seq'))).map(Number).sort((a, b) => a - b), Array.from({ length: 1000 }, (_, i) => 2 * (i + 1)));
        assert.deepEqual((await outputLines(join(d, 'returned'))).sort(), ['1', '2', '2', '3', '3', '3', '4', '4', '4', '4']);
        // The empty line is a record too: it prints as '0:'.
        assert.deepEqual((await outputLines(join(d, 'text'))).sort(), text.map((l) => `${l.length}:${l}`).sort());
        assert.deepEqual((await outputLines(join(d, 'tuples'))).sort(), ['(a,1)', '(b,(2,3))']);
        assert.deepEqual((await outputLines(join(d, 'csv'))).sort(), ['a;1', 'b;2']);
        assert.deepEqual(await outputLines(join(d, 'object')), ['{"a":1}']);
        assert.equal((await stat(join(d, 'seq'))).isDirectory(), p > 1, 'a parallel sink writes a directory of files 1..p');
        if (p > 1) assert.deepEqual((await readdir(join(d, 'seq'))).sort(), ['1', '2', '3']);
      });

      it('keyBy (function, field name, position) with reduce, sum, min, max, minBy, maxBy', async () => {
        const d = await c.scratch(`keyed-p${p}`);
        await c.run(
          `
          const env = StreamExecutionEnvironment.getExecutionEnvironment();
          const rows = env.fromCollection(${KROWS_JS});
          const out = (s, name) => s.map((r) => JSON.stringify(r)).writeAsText(dir + '/' + name);
          out(rows.keyBy(0).sum(1), 'sum');
          out(rows.keyBy((r) => r[0]).reduce((a, b) => [a[0], a[1] + b[1], b[2]]), 'reduce');
          out(rows.keyBy(0).min(1), 'min');
          out(rows.keyBy(0).max(1), 'max');
          out(rows.keyBy(0).minBy(1), 'minBy');
          out(rows.keyBy(0).maxBy(1, false), 'maxByLast');
          // Parallelism 1 keeps the map chained to the source: one producer, so each key's records stay in order.
          const objects = rows.map((r) => ({ name: r[0], v: r[1], i: r[2] })).setParallelism(1);
          out(objects.keyBy('name').max('v'), 'maxByName');
          out(objects.keyBy('name').maxBy('v'), 'maxByObject');
          rows.keyBy(0).sum(1).map({ open(ctx) { this.i = ctx.getIndexOfThisSubtask(); }, map(r) { return JSON.stringify([r[0], this.i]); } })
            .writeAsText(dir + '/where');
          await env.execute('keyed');
          `,
          { parallelism: p, args: ['--dir', d] },
        );
        const keys = ['k0', 'k1', 'k2', 'k3'];
        const check = async <T extends unknown[] | { name: string }>(name: string, expected: T[]): Promise<void> => {
          const got = await jsonLines<T>(join(d, name));
          assert.equal(got.length, KROWS.length, `${name}: one output per input record`);
          for (const k of keys) assert.deepEqual(ofKey(got, k), ofKey(expected, k), `${name}, key ${k}`);
        };
        const copy = (r: KRow): KRow => [r[0], r[1], r[2]];
        await check('sum', runningPerKey<KRow>(KROWS, (a, r) => (a ? [a[0], a[1] + r[1], a[2]] : copy(r))));
        await check('reduce', runningPerKey<KRow>(KROWS, (a, r) => (a ? [a[0], a[1] + r[1], r[2]] : copy(r))));
        await check('min', runningPerKey<KRow>(KROWS, (a, r) => (a ? [a[0], Math.min(a[1], r[1]), a[2]] : copy(r))));
        await check('max', runningPerKey<KRow>(KROWS, (a, r) => (a ? [a[0], Math.max(a[1], r[1]), a[2]] : copy(r))));
        await check('minBy', runningPerKey<KRow>(KROWS, (a, r) => (a && a[1] <= r[1] ? a : copy(r))));
        await check('maxByLast', runningPerKey<KRow>(KROWS, (a, r) => (a && a[1] > r[1] ? a : copy(r))));
        type O = { name: string; v: number; i: number };
        const objs: O[] = KROWS.map((r) => ({ name: r[0], v: r[1], i: r[2] }));
        const runningObj = (step: (a: O | undefined, r: O) => O): O[] => {
          const state = new Map<string, O>();
          return objs.map((r) => {
            const next = step(state.get(r.name), r);
            state.set(r.name, next);
            return next;
          });
        };
        await check('maxByName', runningObj((a, r) => (a ? { ...a, v: Math.max(a.v, r.v) } : { ...r })));
        await check('maxByObject', runningObj((a, r) => (a && a.v >= r.v ? a : { ...r })));
        const where = await jsonLines<[string, number]>(join(d, 'where'));
        for (const k of keys) assert.equal(new Set(where.filter((w) => w[0] === k).map((w) => w[1])).size, 1, `key ${k} is handled by one subtask`);
      });

      it('union and the partitioners: rebalance, rescale, forward, shuffle, broadcast, global, partitionCustom, keyBy', async () => {
        const d = await c.scratch(`partitioners-p${p}`);
        await c.run(
          `
          const env = StreamExecutionEnvironment.getExecutionEnvironment();
          const tagger = (name) => ({
            open(ctx) { this.i = ctx.getIndexOfThisSubtask(); this.n = ctx.getNumberOfParallelSubtasks(); },
            map(x) { return JSON.stringify([name, this.i, this.n, x]); },
          });
          const seq = () => env.generateSequence(1, 30);
          const tagged = [
            env.fromCollection(Array.from({ length: 30 }, (_, i) => i + 1)).rebalance().map(tagger('rebalance')),
            seq().rescale().map(tagger('rescale')),
            seq().forward().map(tagger('forward')),
            seq().shuffle().map(tagger('shuffle')),
            env.fromElements(1, 2, 3, 4, 5).broadcast().map(tagger('broadcast')),
            seq().global().map(tagger('global')),
            seq().partitionCustom((k, n) => k % n, (x) => x).map(tagger('custom')),
            seq().partitionCustom({ partition: (k, n) => (k * 2) % n }, (x) => x).map(tagger('customObject')),
            seq().keyBy((x) => x % 5).map(tagger('keyBy')),
            seq().union(env.fromElements(100, 200), env.generateSequence(300, 301)).map(tagger('union')),
          ];
          tagged[0].union(...tagged.slice(1)).writeAsText(dir + '/tagged');
          await env.execute('partitioners');
          `,
          { parallelism: p, args: ['--dir', d] },
        );
        const rows = await jsonLines<[string, number, number, number]>(join(d, 'tagged'));
        const of = (name: string): Array<[number, number]> => rows.filter((r) => r[0] === name).map((r) => [r[1], r[3]]);
        const values = (name: string): number[] => of(name).map((x) => x[1]).sort((a, b) => a - b);
        const thirty = Array.from({ length: 30 }, (_, i) => i + 1);
        assert.ok(rows.every((r) => r[2] === p), 'every tagging map runs with the default parallelism');
        for (const name of ['rebalance', 'rescale', 'forward', 'shuffle', 'global', 'custom', 'customObject', 'keyBy']) {
          assert.deepEqual(values(name), thirty, `${name}: every record exactly once`);
        }
        const perSubtask = (name: string): number[] => Array.from({ length: p }, (_, s) => of(name).filter((x) => x[0] === s).length);
        assert.deepEqual(perSubtask('rebalance'), Array.from({ length: p }, () => 30 / p), 'rebalance deals round robin');
        for (const name of ['rescale', 'forward']) {
          for (let s = 0; s < p; s++) {
            assert.deepEqual(of(name).filter((x) => x[0] === s).map((x) => x[1]).sort((a, b) => a - b), sequenceShare(1, 30, s, p), `${name}: subtask ${s} gets its source subtask's share`);
          }
        }
        assert.deepEqual(sorted(of('broadcast')), sorted([1, 2, 3, 4, 5].flatMap((x) => Array.from({ length: p }, (_, s) => [s, x]))), 'broadcast reaches every subtask');
        assert.ok(of('global').every((x) => x[0] === 0), 'global sends everything to subtask 0');
        assert.ok(of('custom').every(([s, x]) => s === x % p), 'partitionCustom picks the subtask');
        assert.ok(of('customObject').every(([s, x]) => s === (x * 2) % p), 'a partitioner object works too');
        for (let k = 0; k < 5; k++) assert.equal(new Set(of('keyBy').filter((x) => x[1] % 5 === k).map((x) => x[0])).size, 1, `keyBy: key ${k} on one subtask`);
        assert.deepEqual(values('union'), [...thirty, 100, 200, 300, 301]);
      });

      it('setParallelism, name, uid, disableChaining and startNewChain shape the tasks; addSink objects are opened and closed', async () => {
        const d = await c.scratch(`settings-p${p}`);
        await c.run(
          `
          const env = StreamExecutionEnvironment.getExecutionEnvironment();
          const info = (label) => ({
            open(ctx) { this.t = ctx.getTaskName(); this.n = ctx.getNumberOfParallelSubtasks(); },
            map(x) { return JSON.stringify([label, this.t, this.n, x]); },
          });
          const all = [
            env.generateSequence(1, 12).map(info('p2')).name('Tag A').uid('tag-a').setParallelism(2),
            env.generateSequence(1, 6).map(info('chained')).name('Chained'),
            env.generateSequence(1, 6).map(info('isolated')).name('Isolated').disableChaining().map((x) => x).name('After'),
            env.generateSequence(1, 6).map((x) => x).name('Before').map(info('head')).name('Head').startNewChain().map((x) => x).name('Tail'),
            env.fromElements(7).map(info('single')).setParallelism(1).name('Single'),
          ];
          all[0].union(...all.slice(1)).writeAsText(dir + '/tasks').name('Tasks Sink').uid('tasks-sink');
          env.generateSequence(1, 20).addSink({
            open(ctx) { this.values = []; this.i = ctx.getIndexOfThisSubtask(); this.n = ctx.getNumberOfParallelSubtasks(); },
            invoke(x) { this.values.push(x); },
            close() { writeFileSync(dir + '/sink-' + this.i + '.json', JSON.stringify({ n: this.n, values: this.values })); },
          }).name('Object Sink');
          env.generateSequence(1, 50).addSink({
            open(ctx) { this.values = []; this.i = ctx.getIndexOfThisSubtask(); },
            async invoke(x) { await new Promise((r) => setTimeout(r, x % 3)); this.values.push(x); },
            close() { writeFileSync(dir + '/async-' + this.i + '.json', JSON.stringify(this.values)); },
          }).setParallelism(1);
          await env.execute('settings');
          `,
          { parallelism: p, args: ['--dir', d] },
        );
        const rows = await jsonLines<[string, string, number, number]>(join(d, 'tasks'));
        const of = (label: string): Array<[string, string, number, number]> => rows.filter((r) => r[0] === label);
        assert.equal(of('p2').length, 12);
        assert.ok(of('p2').every((r) => r[2] === 2 && /^Tag A( -> .*)? \([12]\/2\)$/.test(r[1])), `setParallelism(2) and name(): ${of('p2')[0]?.[1]}`);
        assert.ok(of('chained').every((r) => /^Sequence Source -> Chained/.test(r[1]) && r[2] === p), `chained to its source: ${of('chained')[0]?.[1]}`);
        assert.ok(of('isolated').every((r) => new RegExp(`^Isolated \\(\\d/${p}\\)$`).test(r[1])), `disableChaining() runs alone: ${of('isolated')[0]?.[1]}`);
        assert.ok(of('head').every((r) => /^Head -> Tail/.test(r[1])), `startNewChain() heads a chain that goes on: ${of('head')[0]?.[1]}`);
        assert.deepEqual(of('single').map((r) => [r[2], r[3]]), [[1, 7]]);

        const sinkFiles = (await readdir(d)).filter((f) => f.startsWith('sink-')).sort();
        assert.deepEqual(sinkFiles, Array.from({ length: p }, (_, i) => `sink-${i}.json`), 'every sink subtask was opened and closed');
        const parts = await Promise.all(sinkFiles.map(async (f) => JSON.parse(await readFile(join(d, f), 'utf8')) as { n: number; values: number[] }));
        assert.ok(parts.every((x) => x.n === p));
        assert.deepEqual(parts.flatMap((x) => x.values).sort((a, b) => a - b), Array.from({ length: 20 }, (_, i) => i + 1));
        const asyncValues = JSON.parse(await readFile(join(d, 'async-0.json'), 'utf8')) as number[];
        assert.equal(asyncValues.length, 50, 'every async invoke() finished before close()');
        if (p === 1) assert.deepEqual(asyncValues, Array.from({ length: 50 }, (_, i) => i + 1), 'async invokes run in order');
      });

      it('several execute() calls in one program run as separate jobs, each with only its own sinks', async () => {
        const d = await c.scratch(`multi-p${p}`);
        const { results: r, clientLines } = await c.run(
          `
          const env = StreamExecutionEnvironment.getExecutionEnvironment();
          env.fromElements(1, 2, 3).map((x) => x * 10).writeAsText(dir + '/first');
          const first = await env.execute('first job');
          R.first = first.getJobID();
          env.fromElements(4).map((x) => x + 1).writeAsText(dir + '/second');
          const second = await env.execute('second job');
          R.second = second.getJobID();
          R.runtime = second.getNetRuntime();
          `,
          { parallelism: p, args: ['--dir', d] },
        );
        assert.deepEqual((await outputLines(join(d, 'first'))).sort(), ['10', '20', '30']);
        assert.deepEqual(await outputLines(join(d, 'second')), ['5']);
        assert.notEqual(r.first, r.second);
        assert.equal(typeof r.runtime, 'number');
        assert.deepEqual(clientLines.filter((l) => /^Job with JobID [0-9a-f]{32} has finished\.$/.test(l)).length, 2);
      });

      it('a user function error fails the job and reaches the client with its message; so does one in open()', async () => {
        await assert.rejects(
          c.run(
            `
            const env = StreamExecutionEnvironment.getExecutionEnvironment();
            env.generateSequence(1, 100).map((x) => { if (x === 77) throw new RangeError('seventy-seven'); return x; }).writeAsText(dir + '/never');
            await env.execute('failing');
            `,
            { parallelism: p, args: ['--dir', await c.scratch(`fail-p${p}`)] },
          ),
          (e: unknown) => {
            assert.equal((e as Error).name, 'ProgramInvocationException');
            assert.match(chain(e), /Job failed \(JobID: [0-9a-f]{32}\)/);
            assert.match(chain(e), /RangeError: seventy-seven/);
            return true;
          },
        );
        await assert.rejects(
          c.run(
            `
            const env = StreamExecutionEnvironment.getExecutionEnvironment();
            env.generateSequence(1, 10).filter({ open() { throw new Error('cannot open'); }, filter: () => true }).writeAsText(dir + '/never');
            await env.execute('failing open');
            `,
            { parallelism: p, args: ['--dir', await c.scratch(`fail-open-p${p}`)] },
          ),
          (e: unknown) => /Error: cannot open/.test(chain(e)),
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
