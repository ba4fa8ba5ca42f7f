/**
 * Windows on a real in-process cluster (two TaskManagers of two slots) at parallelism 1 and 3: every window
 * kind on shuffled input with bounded out-of-orderness, each result compared with what the test computes
 * on its own from the same events.
 */
import assert from 'node:assert/strict';
import { useApiTestCluster, outputLines, PARALLELISMS, sorted } from './support/api-harness.js';

type Ev = [string, number, number];

/** Events [key, time, value]: keys k0..k4, one every 10 ms, shuffled within blocks of 5 (at most 40 ms out of order). */
function events(n: number, keys: number, keep: (t: number) => boolean = () => true): Ev[] {
  const e: Ev[] = [];
  for (let i = 0; i < n; i++) if (keep(i * 10)) e.push([`k${i % keys}`, i * 10, ((i * 7) % 13) + 1]);
  let seed = 11;
  const rnd = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  for (let b = 0; b + 5 <= e.length; b += 5) {
    for (let i = b + 4; i > b; i--) {
      const j = b + Math.floor(rnd() * (i - b + 1));
      [e[i], e[j]] = [e[j] as Ev, e[i] as Ev];
    }
  }
  return e;
}

const EVENTS = events(600, 5);
// Sessions: three keys, one event every 30 ms per key, with 500 ms pauses.
const SESSION_EVENTS = events(900, 3, (t) => Math.floor(t / 500) % 3 !== 2);
const ORDERS: Ev[] = events(200, 4).map(([k, t, v]) => [k, t, v]);
const PAYMENTS: Ev[] = events(150, 3).map(([k, t, v]) => [k.replace('k', 'k'), t + 7, v * 100]);

const PRELUDE =
  "import { StreamExecutionEnvironment, ParameterTool, WatermarkStrategy, Watermark, Duration, Time, TimeCharacteristic, OutputTag, ProcessWindowFunction, TumblingEventTimeWindows, SlidingEventTimeWindows, EventTimeSessionWindows, GlobalWindows, CountTrigger, PurgingTrigger } from 'flink-ts';\n" +
  "const dir = ParameterTool.fromArgs(process.argv.slice(2)).get('dir', '/nonexistent');\n" +
  `const EVENTS = ${JSON.stringify(EVENTS)};\n` +
  `const SESSION_EVENTS = ${JSON.stringify(SESSION_EVENTS)};\n` +
  `const ORDERS = ${JSON.stringify(ORDERS)};\n` +
  `const PAYMENTS = ${JSON.stringify(PAYMENTS)};\n` +
  'const timed = (env, data) => env.fromCollection(data).assignTimestampsAndWatermarks(WatermarkStrategy.forBoundedOutOfOrderness(Duration.ofMillis(100)).withTimestampAssigner((e) => e[1]));\n' +
  'const out = (stream, name) => stream.map((x) => JSON.stringify(x)).writeAsText(dir + "/" + name);\n';

/** Groups events by key and window start (for windows of `size` sliding by `slide`). */
function windowed(evs: Ev[], size: number, slide = size): Map<string, Ev[]> {
  const m = new Map<string, Ev[]>();
  for (const e of evs) {
    for (let start = Math.floor(e[1] / slide) * slide; start > e[1] - size; start -= slide) {
      const k = JSON.stringify([e[0], start]);
      m.set(k, [...(m.get(k) ?? []), e]);
    }
  }
  return m;
}
const total = (xs: Ev[]): number => xs.reduce((s, e) => s + e[2], 0);
const perWindow = <R>(m: Map<string, Ev[]>, f: (key: string, start: number, xs: Ev[]) => R): R[] =>
  [...m].map(([k, xs]) => {
    const [key, start] = JSON.parse(k) as [string, number];
    return f(key, start, xs);
  });

async function lines(path: string): Promise<unknown[]> {
  return (await outputLines(path)).map((l) => JSON.parse(l) as unknown);
}

describe('Windows on a MiniCluster', function () {
  this.timeout(180_000);
  const c = useApiTestCluster(PRELUDE);

  it('event-time windows on records without timestamps fail the job with advice', async () => {
    await assert.rejects(
      c.run(
        `
        const env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.fromCollection(EVENTS).keyBy((e) => e[0]).window(TumblingEventTimeWindows.of(Time.seconds(1))).sum(2).writeAsText(dir + '/never');
        await env.execute('no timestamps');
        `,
        { parallelism: 2, args: ['--dir', await c.scratch('no-timestamps')] },
      ),
      (e: unknown) => {
        const messages: string[] = [];
        for (let cur: unknown = e; cur instanceof Error && messages.length < 20; cur = cur.cause) messages.push(cur.message);
        assert.match(messages.join('\n'), /Record has no timestamp.*assignTimestampsAndWatermarks/s);
        return true;
      },
    );
  });

  for (const p of PARALLELISMS) {
    describe(`parallelism ${p}`, () => {
      it('tumbling event-time windows: reduce, aggregate, process, apply, incremental + process, timeWindow, all fire at the end of input', async () => {
        const d = await c.scratch(`tumbling-p${p}`);
        await c.run(
          `
          const env = StreamExecutionEnvironment.getExecutionEnvironment();
          env.setStreamTimeCharacteristic(TimeCharacteristic.EventTime);
          env.getConfig().setAutoWatermarkInterval(10);
          const keyed = timed(env, EVENTS).rebalance().keyBy((e) => e[0]);
          const w = () => keyed.window(TumblingEventTimeWindows.of(Time.milliseconds(100)));
          const stamp = { processElement(e, ctx, o) { o.collect([e[0], e[2], ctx.timestamp()]); } };
          out(w().reduce((a, b) => [a[0], a[1], a[2] + b[2]]).process(stamp), 'reduce');
          const count = { createAccumulator: () => 0, add: (e, acc) => acc + 1, getResult: (acc) => acc, merge: (a, b) => a + b };
          out(w().aggregate(count), 'aggregate');
          class Describe extends ProcessWindowFunction {
            process(key, ctx, elements, o) {
              const xs = [...elements];
              o.collect([key, ctx.window().getStart(), ctx.window().getEnd(), xs.length, xs.reduce((s, e) => s + e[2], 0), this.getRuntimeContext().getNumberOfParallelSubtasks()]);
            }
          }
          out(w().process(new Describe()), 'process');
          out(w().apply((key, win, input, o) => { const ts = [...input].map((e) => e[1]); o.collect([key, win.getStart(), Math.min(...ts), Math.max(...ts)]); }), 'apply');
          out(w().reduce((a, b) => [a[0], a[1], a[2] + b[2]], { process(key, ctx, elements, o) { o.collect([key, ctx.window().getStart(), [...elements][0][2]]); } }), 'reduce-process');
          out(w().aggregate(count, (key, win, input, o) => o.collect([key, win.maxTimestamp(), [...input][0]])), 'aggregate-apply');
          out(keyed.timeWindow(Time.milliseconds(100)).sum(2).map((e) => [e[0], e[2]]), 'timewindow');
          await env.execute('tumbling');
          `,
          { parallelism: p, args: ['--dir', d] },
        );
        const m = windowed(EVENTS, 100);
        assert.deepEqual(sorted(await lines(`${d}/reduce`)), sorted(perWindow(m, (k, s, xs) => [k, total(xs), s + 99])));
        assert.deepEqual(sorted(await lines(`${d}/aggregate`)), sorted(perWindow(m, (_k, _s, xs) => xs.length)));
        assert.deepEqual(sorted(await lines(`${d}/process`)), sorted(perWindow(m, (k, s, xs) => [k, s, s + 100, xs.length, total(xs), p])));
        assert.deepEqual(sorted(await lines(`${d}/apply`)), sorted(perWindow(m, (k, s, xs) => [k, s, Math.min(...xs.map((e) => e[1])), Math.max(...xs.map((e) => e[1]))])));
        assert.deepEqual(sorted(await lines(`${d}/reduce-process`)), sorted(perWindow(m, (k, s, xs) => [k, s, total(xs)])));
        assert.deepEqual(sorted(await lines(`${d}/aggregate-apply`)), sorted(perWindow(m, (k, s, xs) => [k, s + 99, xs.length])));
        assert.deepEqual(sorted(await lines(`${d}/timewindow`)), sorted(perWindow(m, (k, _s, xs) => [k, total(xs)])));
      });

      it('sliding windows and windowAll', async () => {
        const d = await c.scratch(`sliding-p${p}`);
        await c.run(
          `
          const env = StreamExecutionEnvironment.getExecutionEnvironment();
          env.getConfig().setAutoWatermarkInterval(10);
          const stream = timed(env, EVENTS).rebalance();
          const sum = { createAccumulator: () => [0, 0], add: (e, a) => [a[0] + e[2], a[1] + 1], getResult: (a) => a, merge: (a, b) => [a[0] + b[0], a[1] + b[1]] };
          out(stream.keyBy((e) => e[0]).window(SlidingEventTimeWindows.of(Time.milliseconds(200), Time.milliseconds(50))).aggregate(sum, { process(key, ctx, els, o) { o.collect([key, ctx.window().getStart(), ...[...els][0]]); } }), 'sliding');
          out(stream.windowAll(TumblingEventTimeWindows.of(Time.milliseconds(250))).process({ process(ctx, els, o) { const xs = [...els]; o.collect([ctx.window().getStart(), xs.length, xs.reduce((s, e) => s + e[2], 0)]); } }), 'all');
          await env.execute('sliding');
          `,
          { parallelism: p, args: ['--dir', d] },
        );
        assert.deepEqual(sorted(await lines(`${d}/sliding`)), sorted(perWindow(windowed(EVENTS, 200, 50), (k, s, xs) => [k, s, total(xs), xs.length])));
        const all = new Map<number, Ev[]>();
        for (const e of EVENTS) all.set(Math.floor(e[1] / 250) * 250, [...(all.get(Math.floor(e[1] / 250) * 250) ?? []), e]);
        assert.deepEqual(sorted(await lines(`${d}/all`)), sorted([...all].map(([s, xs]) => [s, xs.length, total(xs)])));
      });

      it('session windows with a static and a dynamic gap', async () => {
        const d = await c.scratch(`sessions-p${p}`);
        await c.run(
          `
          const env = StreamExecutionEnvironment.getExecutionEnvironment();
          env.getConfig().setAutoWatermarkInterval(10);
          const keyed = timed(env, SESSION_EVENTS).rebalance().keyBy((e) => e[0]);
          const describe = (key, win, els, o) => { const xs = [...els]; o.collect([key, win.getStart(), win.getEnd(), xs.length, xs.reduce((s, e) => s + e[2], 0)]); };
          out(keyed.window(EventTimeSessionWindows.withGap(Time.milliseconds(100))).apply(describe), 'static');
          const gaps = { k0: 40, k1: 25, k2: 100 };
          out(keyed.window(EventTimeSessionWindows.withDynamicGap({ extract: (e) => gaps[e[0]] })).reduce((a, b) => [a[0], a[1], a[2] + b[2]], describe), 'dynamic');
          await env.execute('sessions');
          `,
          { parallelism: p, args: ['--dir', d] },
        );
        const sessions = (gapOf: (k: string) => number, withCount: boolean): unknown[] => {
          const res: unknown[] = [];
          for (const key of ['k0', 'k1', 'k2']) {
            const xs = SESSION_EVENTS.filter((e) => e[0] === key).sort((a, b) => a[1] - b[1]);
            const g = gapOf(key);
            let cur: { start: number; end: number; xs: Ev[] } | undefined;
            const flush = (): void => void (cur && res.push([key, cur.start, cur.end, withCount ? cur.xs.length : 1, total(cur.xs)]));
            for (const e of xs) {
              if (cur && e[1] <= cur.end) {
                cur.end = Math.max(cur.end, e[1] + g);
                cur.xs.push(e);
              } else {
                flush();
                cur = { start: e[1], end: e[1] + g, xs: [e] };
              }
            }
            flush();
          }
          return res;
        };
        const staticSessions = sessions(() => 100, true);
        assert.ok(staticSessions.length >= 6, 'the pauses split each key into several sessions');
        assert.deepEqual(sorted(await lines(`${d}/static`)), sorted(staticSessions));
        const gaps: Record<string, number> = { k0: 40, k1: 25, k2: 100 };
        assert.deepEqual(sorted(await lines(`${d}/dynamic`)), sorted(sessions((k) => gaps[k] as number, false)));
      });

      it('global windows with a count trigger, countWindow with a slide, countWindowAll', async () => {
        const d = await c.scratch(`count-p${p}`);
        await c.run(
          `
          const env = StreamExecutionEnvironment.getExecutionEnvironment();
          const keyed = env.fromCollection(EVENTS).keyBy((e) => e[0]);
          const sumOf = (key, win, els, o) => { const xs = [...els]; o.collect([key, xs.length, xs.reduce((s, e) => s + e[2], 0)]); };
          out(keyed.window(GlobalWindows.create()).trigger(PurgingTrigger.of(CountTrigger.of(7))).apply(sumOf), 'global');
          out(keyed.countWindow(5, 2).apply(sumOf), 'sliding');
          out(keyed.countWindow(4).sum(2).map((e) => [e[0], e[2]]), 'tumbling');
          out(env.fromCollection(EVENTS).countWindowAll(9).reduce((a, b) => ['all', 0, a[2] + b[2]]).map((e) => e[2]), 'all');
          await env.execute('count');
          `,
          { parallelism: p, args: ['--dir', d] },
        );
        const expected = (size: number, slide: number): Array<[string, number, number]> => {
          const res: Array<[string, number, number]> = [];
          for (const key of ['k0', 'k1', 'k2', 'k3', 'k4']) {
            const xs = EVENTS.filter((e) => e[0] === key);
            for (let n = slide; n <= xs.length; n += slide) {
              const win = xs.slice(Math.max(0, n - size), n);
              if (size === slide && win.length < size) continue;
              res.push([key, win.length, total(win)]);
            }
          }
          return res;
        };
        assert.deepEqual(sorted(await lines(`${d}/global`)), sorted(expected(7, 7)));
        assert.deepEqual(sorted(await lines(`${d}/sliding`)), sorted(expected(5, 2)));
        assert.deepEqual(sorted(await lines(`${d}/tumbling`)), sorted(expected(4, 4).map(([k, , s]) => [k, s])));
        const all: number[] = [];
        for (let n = 9; n <= EVENTS.length; n += 9) all.push(total(EVENTS.slice(n - 9, n)));
        // The sinks after the one window instance run in parallel, so compare the results as a multiset.
        assert.deepEqual(sorted(await lines(`${d}/all`)), sorted(all));
      });

      it('allowed lateness: a late record within it fires the window again, a later one reaches the side output', async () => {
        const d = await c.scratch(`late-p${p}`);
        await c.run(
          `
          const env = StreamExecutionEnvironment.getExecutionEnvironment();
          // [key, time, value, watermark after this record or null]: watermarks exactly where the test wants them.
          const data = [['a', 10, 1, null], ['b', 30, 10, null], ['a', 20, 2, 120], ['a', 50, 4, null], ['a', 110, 8, 160], ['a', 60, 16, null], ['b', 99, 32, null], ['b', 150, 64, null]];
          const late = new OutputTag('late');
          const windows = env.fromCollection(data)
            .assignTimestampsAndWatermarks({ extractTimestamp: (e) => e[1], checkAndGetNextWatermark: (e) => (e[3] === null ? null : new Watermark(e[3])) })
            .keyBy((e) => e[0])
            .window(TumblingEventTimeWindows.of(Time.milliseconds(100)))
            .allowedLateness(Time.milliseconds(50))
            .sideOutputLateData(late)
            .reduce((a, b) => [a[0], a[1], a[2] + b[2]], { process(key, ctx, els, o) { o.collect([key, ctx.window().getStart(), [...els][0][2]]); } });
          out(windows, 'main');
          out(windows.getSideOutput(late).map((e) => [e[0], e[1]]), 'late');
          await env.execute('lateness');
          `,
          { parallelism: p, args: ['--dir', d] },
        );
        const main = await lines(`${d}/main`);
        assert.deepEqual(sorted(main), sorted([['a', 0, 3], ['b', 0, 10], ['a', 0, 7], ['a', 100, 8], ['b', 100, 64]]));
        // Per key in firing order (one key lives in one subtask, whose file keeps the order).
        assert.deepEqual(main.filter((r) => (r as unknown[])[0] === 'a'), [['a', 0, 3], ['a', 0, 7], ['a', 100, 8]]);
        assert.deepEqual(sorted(await lines(`${d}/late`)), sorted([['a', 60], ['b', 99]]));
      });

      it('processing-time windows fire on the wall clock; at the end of input they do not fire (as in Flink)', async () => {
        const d = await c.scratch(`processing-p${p}`);
        await c.run(
          `
          const fs = await import('node:fs');
          const env = StreamExecutionEnvironment.getExecutionEnvironment();
          const words = ['a', 'b', 'a', 'c', 'a', 'b', 'd', 'a'];
          // The source stays up until the windows have reported every word (a condition, not a pause): in
          // Flink, processing-time windows that are still open when the input ends never fire.
          const source = {
            running: true,
            async run(ctx) {
              for (const w of words) ctx.collect([w, 1]);
              const counted = () => (fs.existsSync(dir + '/progress') ? fs.readFileSync(dir + '/progress', 'utf8').split('\\n').filter((l) => l).reduce((s, l) => s + Number(l), 0) : 0);
              while (this.running && ctx.isRunning() && counted() < words.length) await new Promise((r) => setTimeout(r, 20));
            },
            cancel() { this.running = false; },
          };
          env.addSource(source).keyBy((e) => e[0]).timeWindow(Time.milliseconds(300)).sum(1)
            .process({ processElement(e, ctx, o) { fs.appendFileSync(dir + '/progress', e[1] + '\\n'); o.collect([e[0], e[1], (ctx.timestamp() + 1) % 300]); } })
            .map((x) => JSON.stringify(x)).writeAsText(dir + '/counts');
          // A bounded input whose windows are still open at its end: nothing fires.
          env.fromElements(['x', 1], ['y', 1]).keyBy((e) => e[0]).timeWindow(Time.minutes(10)).sum(1).map((x) => JSON.stringify(x)).writeAsText(dir + '/never');
          await env.execute('processing time');
          `,
          { parallelism: p, args: ['--dir', d] },
        );
        const counts = (await lines(`${d}/counts`)) as Array<[string, number, number]>;
        const totals = new Map<string, number>();
        for (const [w, n, aligned] of counts) {
          totals.set(w, (totals.get(w) ?? 0) + n);
          assert.equal(aligned, 0, 'results carry the end of a 300 ms window (minus 1 ms) as timestamp');
        }
        assert.deepEqual([...totals].sort(), [['a', 4], ['b', 2], ['c', 1], ['d', 1]]);
        assert.deepEqual(await outputLines(`${d}/never`).catch(() => []), []);
      });

      it('window join, coGroup and interval join', async () => {
        const d = await c.scratch(`join-p${p}`);
        await c.run(
          `
          const env = StreamExecutionEnvironment.getExecutionEnvironment();
          env.getConfig().setAutoWatermarkInterval(10);
          const orders = timed(env, ORDERS).rebalance();
          const payments = timed(env, PAYMENTS).rebalance();
          out(orders.join(payments).where((o) => o[0]).equalTo((x) => x[0]).window(TumblingEventTimeWindows.of(Time.milliseconds(100))).apply((o, x) => [o[0], o[1], x[1]]), 'join');
          out(orders.coGroup(payments).where((o) => o[0]).equalTo((x) => x[0]).window(TumblingEventTimeWindows.of(Time.milliseconds(100)))
            .apply({ coGroup(os, xs, o) { o.collect([[...os].map((e) => e[1]).sort((a, b) => a - b), [...xs].map((e) => e[1]).sort((a, b) => a - b)]); } }), 'cogroup');
          out(orders.keyBy((o) => o[0]).intervalJoin(payments.keyBy((x) => x[0])).between(Time.milliseconds(-20), Time.milliseconds(30))
            .process({ processElement(o, x, ctx, c) { c.collect([o[0], o[1], x[1], ctx.getTimestamp()]); } }), 'interval');
          await env.execute('join');
          `,
          { parallelism: p, args: ['--dir', d] },
        );
        const interval: unknown[] = [];
        for (const o of ORDERS) for (const x of PAYMENTS) if (o[0] === x[0] && x[1] >= o[1] - 20 && x[1] <= o[1] + 30) interval.push([o[0], o[1], x[1], Math.max(o[1], x[1])]);
        assert.ok(interval.length > 50);
        assert.deepEqual(sorted(await lines(`${d}/interval`)), sorted(interval));
        const joined: unknown[] = [];
        for (const o of ORDERS) for (const x of PAYMENTS) if (o[0] === x[0] && Math.floor(o[1] / 100) === Math.floor(x[1] / 100)) joined.push([o[0], o[1], x[1]]);
        assert.ok(joined.length > 50);
        assert.deepEqual(sorted(await lines(`${d}/join`)), sorted(joined));
        const groups = new Map<string, [number[], number[]]>();
        const add = (e: Ev, side: 0 | 1): void => {
          const k = JSON.stringify([e[0], Math.floor(e[1] / 100)]);
          const g = groups.get(k) ?? [[], []];
          g[side].push(e[1]);
          groups.set(k, g);
        };
        for (const o of ORDERS) add(o, 0);
        for (const x of PAYMENTS) add(x, 1);
        assert.deepEqual(sorted(await lines(`${d}/cogroup`)), sorted([...groups.values()].map(([a, b]) => [a.sort((x, y) => x - y), b.sort((x, y) => x - y)])));
      });
    });
  }
});
