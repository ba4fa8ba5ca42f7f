/**
 * Connected streams, broadcast state, interval joins and streaming iterations on a real in-process cluster
 * (two TaskManagers of two slots) at parallelism 1 and 3, compared with results the test computes itself.
 */
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { useApiTestCluster, outputLines, PARALLELISMS, sorted } from './support/api-harness.js';
import { waitFor } from './support/standalone-cluster.js';

const PRELUDE =
  "import { StreamExecutionEnvironment, ParameterTool, WatermarkStrategy, Duration, Time, OutputTag, ValueStateDescriptor, ListStateDescriptor, MapStateDescriptor, CoMapFunction, CoFlatMapFunction, CoProcessFunction, KeyedCoProcessFunction, BroadcastProcessFunction, KeyedBroadcastProcessFunction, ProcessJoinFunction } from 'flink-ts';\n" +
  "import { appendFileSync } from 'node:fs';\n" +
  "const dir = ParameterTool.fromArgs(process.argv.slice(2)).get('dir', '/nonexistent');\n" +
  // A sink that makes every record visible at once, for jobs that run until cancelled.
  "const live = () => ({ open(ctx) { this.f = dir + '/live/' + ctx.getIndexOfThisSubtask(); }, invoke(x) { appendFileSync(this.f, String(x) + '\\n'); } });\n" +
  // A deterministic shuffle within a window of 5 positions (bounded disorder).
  'const shuffle = (e, s) => { let seed = s; const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;\n' +
  '  for (let i = 0; i < e.length - 5; i++) { const j = i + Math.floor(rnd() * 5); [e[i], e[j]] = [e[j], e[i]]; } return e; };\n' +
  'const ts = (f) => WatermarkStrategy.forBoundedOutOfOrderness(Duration.ofMillis(100)).withTimestampAssigner(f);\n';

/** Left and right events of the interval join: [key, time], the same on both sides of the test. */
function joinEvents(): { left: Array<[string, number]>; right: Array<[string, number]> } {
  const left: Array<[string, number]> = [];
  const right: Array<[string, number]> = [];
  for (let i = 0; i < 300; i++) left.push([`k${i % 4}`, i * 10]);
  for (let i = 0; i < 300; i++) right.push([`k${(i * 7) % 4}`, i * 10 + (i % 3) * 3]);
  return { left, right };
}
const JOIN_EVENTS_JS =
  'const left = []; const right = [];\n' +
  'for (let i = 0; i < 300; i++) left.push([`k${i % 4}`, i * 10]);\n' +
  'for (let i = 0; i < 300; i++) right.push([`k${(i * 7) % 4}`, i * 10 + (i % 3) * 3]);\n' +
  'shuffle(left, 3); shuffle(right, 11);\n';

function expectedJoin(lower: number, upper: number, lowerInclusive: boolean, upperInclusive: boolean): string[] {
  const { left, right } = joinEvents();
  const out: string[] = [];
  for (const l of left) {
    for (const r of right) {
      if (l[0] !== r[0]) continue;
      const d = r[1] - l[1];
      const okLower = lowerInclusive ? d >= lower : d > lower;
      const okUpper = upperInclusive ? d <= upper : d < upper;
      if (okLower && okUpper) out.push(JSON.stringify([l[0], l[1], r[1], Math.max(l[1], r[1])]));
    }
  }
  return out.sort();
}

describe('Connected streams, broadcast state, interval joins and iterations on a MiniCluster', function () {
  this.timeout(120_000);
  const c = useApiTestCluster(PRELUDE);

  for (const p of PARALLELISMS) {
    describe(`parallelism ${p}`, () => {
      it('CoMap and CoFlatMap see which input a record came from', async () => {
        const d = await c.scratch(`comap-p${p}`);
        await c.run(
          `
          const env = StreamExecutionEnvironment.getExecutionEnvironment();
          const numbers = env.fromSequence(1, 200);
          const words = env.fromElements('a b', 'c', 'd e f');
          class Tag extends CoMapFunction {
            open() { this.subtask = this.getRuntimeContext().getIndexOfThisSubtask(); }
            map1(n) { return 'n' + n; }
            map2(w) { return 'w' + w + (this.subtask >= 0 ? '' : '?'); }
          }
          numbers.connect(words).map(new Tag()).writeAsText(dir + '/map');
          numbers.connect(words).flatMap({
            flatMap1(n, out) { if (n % 50 === 0) { out.collect(n); out.collect(-n); } },
            flatMap2(w) { return w.split(' '); },
          }).writeAsText(dir + '/flat');
          await env.execute('co-map');
          `,
          { parallelism: p, args: ['--dir', d] },
        );
        const expectedMap = [...Array.from({ length: 200 }, (_, i) => `n${i + 1}`), 'wa b', 'wc', 'wd e f'];
        assert.deepStrictEqual((await outputLines(`${d}/map`)).sort(), expectedMap.sort());
        assert.deepStrictEqual((await outputLines(`${d}/flat`)).sort(), ['50', '-50', '100', '-100', '150', '-150', '200', '-200', 'a', 'b', 'c', 'd', 'e', 'f'].sort());
      });

      it('keyed connect shares keyed state across both inputs: a control stream disables keys', async () => {
        const d = await c.scratch(`control-p${p}`);
        await c.run(
          `
          const env = StreamExecutionEnvironment.getExecutionEnvironment();
          env.getConfig().setAutoWatermarkInterval(10);
          // The control stream says which keys are off; data is held per key and released at the end of
          // event time, so the result does not depend on which input arrives first.
          const control = env.fromElements(['k1', false], ['k3', false], ['k9', true], ['k3', true], ['k1', false])
            .assignTimestampsAndWatermarks(ts(() => 0));
          const data = env.fromCollection(shuffle(Array.from({ length: 500 }, (_, i) => ['k' + (i % 6), i]), 5))
            .assignTimestampsAndWatermarks(ts((e) => e[1]));
          class Gate extends KeyedCoProcessFunction {
            open() {
              this.off = this.getRuntimeContext().getState(new ValueStateDescriptor('off', null, false));
              this.held = this.getRuntimeContext().getListState(new ListStateDescriptor('held'));
            }
            processElement1(c, ctx) { if (!c[1]) this.off.update(true); ctx.timerService().registerEventTimeTimer(1e12); }
            processElement2(e, ctx) { this.held.add(e[1]); ctx.timerService().registerEventTimeTimer(1e12); }
            onTimer(t, ctx, out) {
              const values = [...this.held.get()].sort((a, b) => a - b);
              out.collect(JSON.stringify([ctx.getCurrentKey(), this.off.value(), values.length, values.reduce((a, b) => a + b, 0)]));
            }
          }
          control.connect(data).keyBy((c) => c[0], (e) => e[0]).process(new Gate()).writeAsText(dir + '/out');
          await env.execute('control');
          `,
          { parallelism: p, args: ['--dir', d] },
        );
        const got = (await outputLines(`${d}/out`)).map((l) => JSON.parse(l) as unknown);
        const expected: unknown[] = [];
        for (let k = 0; k < 6; k++) {
          const vs = Array.from({ length: 500 }, (_, i) => i).filter((i) => i % 6 === k);
          expected.push([`k${k}`, k === 1 || k === 3, vs.length, vs.reduce((a, b) => a + b, 0)]);
        }
        expected.push(['k9', false, 0, 0]);
        assert.deepStrictEqual(sorted(got), sorted(expected));
      });

      it('CoProcess timers on keyed connected streams fire once per key and time, in time order', async () => {
        const d = await c.scratch(`cotimers-p${p}`);
        await c.run(
          `
          const env = StreamExecutionEnvironment.getExecutionEnvironment();
          env.getConfig().setAutoWatermarkInterval(10);
          const a = env.fromCollection(shuffle(Array.from({ length: 400 }, (_, i) => ['k' + (i % 3), i * 10]), 1)).assignTimestampsAndWatermarks(ts((e) => e[1]));
          const b = env.fromCollection(shuffle(Array.from({ length: 400 }, (_, i) => ['k' + (i % 4), i * 10 + 5]), 2)).assignTimestampsAndWatermarks(ts((e) => e[1]));
          const late = new OutputTag('second');
          const timers = a.keyBy((e) => e[0]).connect(b.keyBy((e) => e[0])).process({
            processElement1(e, ctx) { ctx.timerService().registerEventTimeTimer(Math.floor(e[1] / 1000) * 1000 + 999); },
            processElement2(e, ctx) { ctx.timerService().registerEventTimeTimer(Math.floor(e[1] / 1000) * 1000 + 999); ctx.output(late, ctx.timestamp()); },
            onTimer(t, ctx, out) { out.collect(JSON.stringify([ctx.getCurrentKey(), t, ctx.timestamp(), ctx.timeDomain()])); },
          });
          timers.writeAsText(dir + '/timers');
          timers.getSideOutput(late).writeAsText(dir + '/side');
          await env.execute('co-timers');
          `,
          { parallelism: p, args: ['--dir', d] },
        );
        const got = (await outputLines(`${d}/timers`)).map((l) => JSON.parse(l) as [string, number, number, string]);
        const expected = new Set<string>();
        for (let i = 0; i < 400; i++) {
          expected.add(JSON.stringify([`k${i % 3}`, Math.floor((i * 10) / 1000) * 1000 + 999]));
          expected.add(JSON.stringify([`k${i % 4}`, Math.floor((i * 10 + 5) / 1000) * 1000 + 999]));
        }
        assert.deepStrictEqual(sorted(got.map((r) => JSON.stringify([r[0], r[1]]))), sorted([...expected]));
        for (const r of got) assert.deepStrictEqual([r[2], r[3]], [r[1], 'EVENT_TIME']);
        for (const k of ['k0', 'k1', 'k2', 'k3']) {
          const times = got.filter((r) => r[0] === k).map((r) => r[1]);
          assert.deepStrictEqual(times, [...times].sort((x, y) => x - y));
        }
        const side = (await outputLines(`${d}/side`)).map(Number).sort((x, y) => x - y);
        assert.deepStrictEqual(side, Array.from({ length: 400 }, (_, i) => i * 10 + 5));
      });

      it('broadcast rules reach every instance and apply to a keyed stream; applyToKeyedState visits keyed state', async () => {
        const d = await c.scratch(`broadcast-p${p}`);
        await c.run(
          `
          const env = StreamExecutionEnvironment.getExecutionEnvironment();
          env.getConfig().setAutoWatermarkInterval(10);
          const rulesDesc = new MapStateDescriptor('rules');
          const rules = env.fromElements(['double', 2], ['triple', 3], ['tenfold', 10]).assignTimestampsAndWatermarks(ts(() => 0)).broadcast(rulesDesc);
          const events = env.fromCollection(shuffle(Array.from({ length: 300 }, (_, i) => ['k' + (i % 7), i]), 9)).assignTimestampsAndWatermarks(ts((e) => e[1]));
          const seen = new OutputTag('seen');
          const visited = new OutputTag('visited');
          class Apply extends KeyedBroadcastProcessFunction {
            open() { this.sum = this.getRuntimeContext().getState(new ValueStateDescriptor('sum', null, 0)); }
            processElement(e, ctx) {
              this.sum.update(this.sum.value() + e[1]);
              ctx.timerService().registerEventTimeTimer(1e12);
            }
            processBroadcastElement(rule, ctx) {
              ctx.getBroadcastState(rulesDesc).put(rule[0], rule[1]);
              ctx.output(seen, JSON.stringify([this.getRuntimeContext().getIndexOfThisSubtask(), rule[0]]));
              ctx.applyToKeyedState(new ValueStateDescriptor('sum', null, 0), (key, state) => {
                ctx.output(visited, JSON.stringify([key, state.value() >= 0]));
              });
            }
            onTimer(t, ctx, out) {
              const factors = [...ctx.getBroadcastState(rulesDesc).immutableEntries()].map(([, f]) => f).sort((a, b) => a - b);
              out.collect(JSON.stringify([ctx.getCurrentKey(), factors.map((f) => f * this.sum.value())]));
            }
          }
          const out = events.keyBy((e) => e[0]).connect(rules).process(new Apply());
          out.writeAsText(dir + '/out');
          out.getSideOutput(seen).writeAsText(dir + '/seen');
          out.getSideOutput(visited).writeAsText(dir + '/visited');
          await env.execute('broadcast');
          `,
          { parallelism: p, args: ['--dir', d] },
        );
        const got = (await outputLines(`${d}/out`)).map((l) => JSON.parse(l) as unknown);
        const expected: unknown[] = [];
        for (let k = 0; k < 7; k++) {
          const s = Array.from({ length: 300 }, (_, i) => i).filter((i) => i % 7 === k).reduce((a, b) => a + b, 0);
          expected.push([`k${k}`, [2 * s, 3 * s, 10 * s]]);
        }
        assert.deepStrictEqual(sorted(got), sorted(expected));
        const seenLines = (await outputLines(`${d}/seen`)).map((l) => JSON.parse(l) as [number, string]);
        const expectedSeen: Array<[number, string]> = [];
        for (let s = 0; s < p; s++) for (const r of ['double', 'triple', 'tenfold']) expectedSeen.push([s, r]);
        assert.deepStrictEqual(sorted(seenLines), sorted(expectedSeen));
        // Which keys exist when a rule arrives depends on timing; every key visited is a real key with its state.
        for (const l of await outputLines(`${d}/visited`)) {
          const [key, ok] = JSON.parse(l) as [string, boolean];
          assert.match(key, /^k[0-6]$/);
          assert.equal(ok, true);
        }
      });

      it('non-keyed broadcast: every instance applies every rule to its share of the stream', async () => {
        const d = await c.scratch(`broadcast-nk-p${p}`);
        await c.run(
          `
          const env = StreamExecutionEnvironment.getExecutionEnvironment();
          const desc = new MapStateDescriptor('words');
          const words = env.fromElements('alpha', 'beta').broadcast(desc);
          class Count extends BroadcastProcessFunction {
            processElement(v, ctx) { if (ctx.getBroadcastState(desc).contains('x')) throw new Error('unexpected'); }
            processBroadcastElement(w, ctx, out) {
              ctx.getBroadcastState(desc).put(w, w.length);
              out.collect(JSON.stringify([this.getRuntimeContext().getIndexOfThisSubtask(), [...ctx.getBroadcastState(desc).immutableEntries()].length >= 1, w]));
            }
          }
          env.fromSequence(1, 100).rebalance().connect(words).process(new Count()).writeAsText(dir + '/out');
          await env.execute('broadcast-non-keyed');
          `,
          { parallelism: p, args: ['--dir', d] },
        );
        const got = (await outputLines(`${d}/out`)).map((l) => JSON.parse(l) as unknown);
        const expected: unknown[] = [];
        for (let s = 0; s < p; s++) for (const w of ['alpha', 'beta']) expected.push([s, true, w]);
        assert.deepStrictEqual(sorted(got), sorted(expected));
      });

      for (const [lower, upper, lowerIncl, upperIncl] of [
        [-20, 16, true, true],
        [-20, 16, false, false],
        [0, 30, true, false],
      ] as const) {
        it(`interval join between(${lower}, ${upper})${lowerIncl ? '' : '.lowerBoundExclusive()'}${upperIncl ? '' : '.upperBoundExclusive()'} matches an independent join`, async () => {
          const d = await c.scratch(`ijoin-p${p}`);
          await c.run(
            `
            const env = StreamExecutionEnvironment.getExecutionEnvironment();
            env.getConfig().setAutoWatermarkInterval(10);
            ${JOIN_EVENTS_JS}
            const l = env.fromCollection(left).assignTimestampsAndWatermarks(ts((e) => e[1])).keyBy((e) => e[0]);
            const r = env.fromCollection(right).assignTimestampsAndWatermarks(ts((e) => e[1])).keyBy((e) => e[0]);
            let joined = l.intervalJoin(r).between(${lower}, ${upper});
            ${lowerIncl ? '' : 'joined = joined.lowerBoundExclusive();'}
            ${upperIncl ? '' : 'joined = joined.upperBoundExclusive();'}
            joined.process(new (class extends ProcessJoinFunction {
              processElement(a, b, ctx, out) {
                if (ctx.getLeftTimestamp() !== a[1] || ctx.getRightTimestamp() !== b[1]) throw new Error('wrong timestamps');
                out.collect(JSON.stringify([a[0], a[1], b[1], ctx.getTimestamp()]));
              }
            })()).writeAsText(dir + '/out');
            await env.execute('interval-join');
            `,
            { parallelism: p, args: ['--dir', d] },
          );
          const got = (await outputLines(`${d}/out`)).sort();
          const expected = expectedJoin(lower, upper, lowerIncl, upperIncl);
          assert.ok(expected.length > 100, 'the test data joins');
          assert.deepStrictEqual(got, expected);
        });
      }

      it('iterate(): numbers decremented until zero through the feedback loop leave exactly once', async () => {
        const d = await c.scratch(`iterate-p${p}`);
        await c.run(
          `
          const env = StreamExecutionEnvironment.getExecutionEnvironment();
          // [id, remaining, rounds]
          const input = env.fromCollection(Array.from({ length: 300 }, (_, i) => [i, i % 17, 0])).rebalance().map((x) => x);
          const it = input.iterate(3000);
          // keyBy inside the loop: fed-back records cross slots and TaskManagers on their way round.
          const step = it.keyBy((x) => x[0] % 7).map((x) => [x[0], x[1] - 1, x[2] + 1]);
          it.closeWith(step.filter((x) => x[1] > 0));
          step.filter((x) => x[1] <= 0).map((x) => JSON.stringify(x)).writeAsText(dir + '/out');
          await env.execute('iterate');
          `,
          { parallelism: p, args: ['--dir', d] },
        );
        const got = (await outputLines(`${d}/out`)).map((l) => JSON.parse(l) as [number, number, number]);
        const expected = Array.from({ length: 300 }, (_, i) => [i, Math.min(0, (i % 17) - 1), Math.max(1, i % 17)]);
        assert.deepStrictEqual(sorted(got), sorted(expected));
      });

      it('iterate().withFeedbackType(): a co-function reads the input and a feedback of another type', async () => {
        const d = await c.scratch(`iterate-typed-p${p}`);
        await c.run(
          `
          const env = StreamExecutionEnvironment.getExecutionEnvironment();
          const it = env.fromCollection(Array.from({ length: 100 }, (_, i) => i)).rebalance().map((x) => x).iterate(3000).withFeedbackType('String');
          // Numbers come in, JSON strings [id, left, hops] go round.
          const step = it.flatMap({
            flatMap1: (n) => [JSON.stringify([n, n % 5, 0])],
            flatMap2: (s) => { const [id, left, hops] = JSON.parse(s); return [JSON.stringify([id, left - 1, hops + 1])]; },
          });
          it.closeWith(step.filter((s) => JSON.parse(s)[1] > 0));
          step.filter((s) => JSON.parse(s)[1] <= 0).writeAsText(dir + '/out');
          await env.execute('iterate typed');
          `,
          { parallelism: p, args: ['--dir', d] },
        );
        const got = (await outputLines(`${d}/out`)).map((l) => JSON.parse(l) as unknown);
        assert.deepStrictEqual(sorted(got), sorted(Array.from({ length: 100 }, (_, i) => [i, 0, i % 5])));
      });
    });
  }

  it('iterate() without maxWaitTime keeps the loop going until the job is cancelled', async () => {
    const d = await c.scratch('iterate-forever');
    await mkdir(join(d, 'live'));
    const known = new Set((await c.dispatcher.listJobs()).map((j) => j.jobId));
    let settled = false;
    const run = c
      .run(
        `
        const env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setBufferTimeout(5); // a few records go round: each hop waits for the buffer timeout
        const it = env.fromElements(0, 1, 2, 3, 4, 5).map((x) => [x, 0]).iterate();
        const round = it.keyBy((x) => x[0]).map((x) => [x[0], x[1] + 1]);
        it.closeWith(round);
        round.filter((x) => x[1] % 20 === 0).map((x) => x[0] + ':' + x[1]).addSink(live());
        await env.execute('iterate forever');
        `,
        { parallelism: 3, args: ['--dir', d] },
      )
      .then(
        () => 'finished',
        (e: unknown) => e,
      );
    void run.then(() => (settled = true));
    const jobId = await waitFor('the iteration job to run', 30_000, async () => {
      if (settled) throw new Error(`the job ended before it was cancelled: ${String(await run)}`);
      return (await c.dispatcher.listJobs()).find((j) => !known.has(j.jobId) && j.status === 'RUNNING')?.jobId;
    });
    try {
      // Every record goes round and round: each reaches round 200 while the job runs.
      await waitFor('every record to pass round 200', 60_000, async () => {
        const lines = await outputLines(join(d, 'live')).catch(() => [] as string[]);
        const done = new Set(lines.filter((l) => Number(l.split(':')[1]) >= 200).map((l) => l.split(':')[0]));
        return done.size === 6 ? true : undefined;
      });
    } finally {
      await c.dispatcher.cancelJob(jobId);
      await run;
    }
    assert.equal((await c.dispatcher.listJobs()).find((j) => j.jobId === jobId)?.status, 'CANCELED');
    // No record was duplicated or lost on the way: per key, the rounds seen are consecutive multiples of 20.
    const lines = await outputLines(join(d, 'live'));
    for (let k = 0; k < 6; k++) {
      const rounds = lines.filter((l) => l.startsWith(`${k}:`)).map((l) => Number(l.split(':')[1]));
      assert.deepStrictEqual(rounds, rounds.map((_, i) => (i + 1) * 20));
    }
  });
});
