/**
 * Event time, keyed state, timers and side outputs on a real in-process cluster (two TaskManagers of two
 * slots) at parallelism 1 and 3: shuffled input with bounded out-of-orderness, results compared with what
 * the test computes on its own.
 */
import assert from 'node:assert/strict';
import { useApiTestCluster, outputLines, PARALLELISMS, sorted } from './support/api-harness.js';

const PRELUDE =
  "import { StreamExecutionEnvironment, ParameterTool, WatermarkStrategy, Duration, Time, KeyedProcessFunction, ProcessFunction, OutputTag, ValueStateDescriptor, ListStateDescriptor, MapStateDescriptor, RichFlatMapFunction, TimeCharacteristic, BoundedOutOfOrdernessTimestampExtractor, TumblingEventTimeWindows } from 'flink-ts';\n" +
  "const dir = ParameterTool.fromArgs(process.argv.slice(2)).get('dir', '/nonexistent');\n" +
  // Events [key, time] for keys k0..k4 at times 0..N*10, shuffled within a window of 5 positions (bounded disorder).
  'const N = 600;\n' +
  'const EVENTS = (() => { const e = []; for (let i = 0; i < N; i++) e.push([`k${i % 5}`, i * 10]);\n' +
  '  let seed = 7; const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;\n' +
  '  for (let i = 0; i < e.length - 5; i++) { const j = i + Math.floor(rnd() * 5); [e[i], e[j]] = [e[j], e[i]]; } return e; })();\n';

const N = 600;
const EVENTS: Array<[string, number]> = Array.from({ length: N }, (_, i) => [`k${i % 5}`, i * 10]);

describe('Streaming time, state and timers on a MiniCluster', function () {
  this.timeout(120_000);
  const c = useApiTestCluster(PRELUDE);

  for (const p of PARALLELISMS) {
    describe(`parallelism ${p}`, () => {
      it('event-time timers fire once each, in time order per key, with the timer timestamp and key', async () => {
        const d = await c.scratch(`timers-p${p}`);
        await c.run(
          `
          const env = StreamExecutionEnvironment.getExecutionEnvironment();
          env.getConfig().setAutoWatermarkInterval(10);
          class EveryHundred extends KeyedProcessFunction {
            open() { this.last = this.getRuntimeContext().getState(new ValueStateDescriptor('last')); }
            processElement(e, ctx, out) {
              // A timer at the end of each 100 ms bucket; registering it again for the same key changes nothing.
              ctx.timerService().registerEventTimeTimer(Math.floor(e[1] / 100) * 100 + 99);
            }
            onTimer(ts, ctx, out) {
              const prev = this.last.value();
              this.last.update(ts);
              out.collect(JSON.stringify([ctx.getCurrentKey(), ts, prev, ctx.timestamp(), ctx.timeDomain()]));
            }
          }
          env.fromCollection(EVENTS)
            .assignTimestampsAndWatermarks(WatermarkStrategy.forBoundedOutOfOrderness(Duration.ofMillis(100)).withTimestampAssigner((e) => e[1]))
            .rebalance()
            .keyBy((e) => e[0])
            .process(new EveryHundred())
            .writeAsText(dir + '/out');
          await env.execute('timers');
          `,
          { parallelism: p, args: ['--dir', d] },
        );
        const got = (await outputLines(`${d}/out`)).map((l) => JSON.parse(l) as [string, number, number | null, number, string]);
        const expected: Array<[string, number, number | null, number, string]> = [];
        for (let k = 0; k < 5; k++) {
          const buckets = [...new Set(EVENTS.filter((e) => e[0] === `k${k}`).map((e) => Math.floor(e[1] / 100) * 100 + 99))].sort((a, b) => a - b);
          buckets.forEach((b, i) => expected.push([`k${k}`, b, i === 0 ? null : (buckets[i - 1] as number), b, 'EVENT_TIME']));
        }
        assert.deepStrictEqual(sorted(got), sorted(expected));
        // Per key, in time order (one key lives in one subtask, whose file keeps emission order).
        for (let k = 0; k < 5; k++) {
          const times = got.filter((r) => r[0] === `k${k}`).map((r) => r[1]);
          assert.deepStrictEqual(times, [...times].sort((a, b) => a - b));
        }
      });

      it('an idle source instance (withIdleness) does not hold back event time: windows fire while it still runs', async () => {
        const d = await c.scratch(`idle-p${p}`);
        await c.run(
          `
          const { existsSync, writeFileSync, appendFileSync } = await import('node:fs');
          const marker = dir + '/first-window-fired';
          const waitForMarker = async (ctx) => {
            // Bounded: without idleness the marker never appears and the job fails here.
            for (let i = 0; i < 600 && !existsSync(marker); i++) await new Promise((r) => setTimeout(r, 50));
            if (!existsSync(marker)) throw new Error('no window fired while a source instance was idle');
          };
          const env = StreamExecutionEnvironment.getExecutionEnvironment();
          env.getConfig().setAutoWatermarkInterval(50);
          env.addSource({
            open(ctx) { this.subtask = ctx.getIndexOfThisSubtask(); },
            async run(ctx) {
              // Instance 0 has all the data; instance 1 has none and stays running until a window fired.
              if (this.subtask === 0) for (let t = 0; t < 5000; t += 100) ctx.collect(['k' + (t % 300), t]);
              await waitForMarker(ctx);
            },
          }, 'Two instances', { parallel: true }).setParallelism(2)
            .assignTimestampsAndWatermarks(WatermarkStrategy.forMonotonousTimestamps().withTimestampAssigner((e) => e[1]).withIdleness(Duration.ofMillis(150)))
            .keyBy((e) => e[0])
            .window(TumblingEventTimeWindows.of(Time.seconds(1)))
            .process({ process(key, ctx, elements, out) { out.collect(JSON.stringify([key, ctx.window().getStart(), [...elements].length])); } })
            .addSink({ invoke(v) { appendFileSync(dir + '/windows-' + process.pid + '-' + Math.random().toString(36).slice(2), v + '\\n'); if (!existsSync(marker)) writeFileSync(marker, v); } });
          await env.execute('idleness');
          `,
          { parallelism: p, args: ['--dir', d] },
        );
        const { readdir, readFile } = await import('node:fs/promises');
        const rows: unknown[] = [];
        for (const f of (await readdir(d)).filter((n) => n.startsWith('windows-'))) {
          for (const l of (await readFile(`${d}/${f}`, 'utf8')).split('\n').filter((x) => x.length > 0)) rows.push(JSON.parse(l) as unknown);
        }
        const expected: unknown[] = [];
        for (const k of ['k0', 'k100', 'k200']) for (let w = 0; w < 5000; w += 1000) expected.push([k, w, [...Array(50).keys()].map((i) => i * 100).filter((t) => `k${t % 300}` === k && t >= w && t < w + 1000).length]);
        assert.deepStrictEqual(sorted(rows), sorted(expected.filter((e) => (e as number[])[2] !== 0)));
      });

      it('operator state through initializeState (CheckpointedFunction) belongs to one parallel instance', async () => {
        const d = await c.scratch(`opstate-p${p}`);
        await c.run(
          `
          const env = StreamExecutionEnvironment.getExecutionEnvironment();
          env.fromSequence(1, 300).rebalance().map({
            initializeState(ctx) { this.seen = ctx.getOperatorStateStore().getListState(new ListStateDescriptor('seen')); this.restored = ctx.isRestored(); },
            open(rc) { this.subtask = rc.getIndexOfThisSubtask(); },
            map(v) { this.seen.add(v); return JSON.stringify([this.subtask, [...this.seen.get()].length, this.restored]); },
          }).writeAsText(dir + '/out');
          await env.execute('operator state');
          `,
          { parallelism: p, args: ['--dir', d] },
        );
        const rows = (await outputLines(`${d}/out`)).map((l) => JSON.parse(l) as [number, number, boolean]);
        assert.equal(rows.length, 300);
        const bySubtask = new Map<number, number[]>();
        for (const [s, n, restored] of rows) {
          assert.equal(restored, false);
          bySubtask.set(s, [...(bySubtask.get(s) ?? []), n]);
        }
        assert.equal(bySubtask.size, p);
        // Each instance's list grows by one per record it saw, independently of the others.
        for (const lengths of bySubtask.values()) assert.deepStrictEqual(lengths, lengths.map((_, i) => i + 1));
      });

      it('keyed state is isolated per key in rich functions after keyBy, side outputs reach getSideOutput', async () => {
        const d = await c.scratch(`state-p${p}`);
        await c.run(
          `
          const env = StreamExecutionEnvironment.getExecutionEnvironment();
          const odd = new OutputTag('odd');
          class Count extends RichFlatMapFunction {
            open() { this.n = this.getRuntimeContext().getState(new ValueStateDescriptor('n', null, 0)); this.seen = this.getRuntimeContext().getMapState(new MapStateDescriptor('seen')); this.all = this.getRuntimeContext().getListState(new ListStateDescriptor('all')); }
            flatMap(e, out) { this.n.update(this.n.value() + 1); this.seen.put(e[1] % 3, true); this.all.add(e[1]); if (this.n.value() === 120) out.collect(JSON.stringify([e[0], this.n.value(), [...this.seen.keys()].sort(), [...this.all.get()].length])); }
          }
          const counted = env.fromCollection(EVENTS).keyBy((e) => e[0]).flatMap(new Count());
          counted.writeAsText(dir + '/counts');
          const split = env.fromCollection(EVENTS).process({ processElement(e, ctx, out) { if ((e[1] / 10) % 2 === 1) ctx.output(odd, e[1]); else out.collect(e[1]); } });
          split.writeAsText(dir + '/even');
          split.getSideOutput(odd).map((x) => x * 10).writeAsText(dir + '/odd');
          await env.execute('state');
          `,
          { parallelism: p, args: ['--dir', d] },
        );
        const counts = (await outputLines(`${d}/counts`)).map((l) => JSON.parse(l) as unknown);
        assert.deepStrictEqual(sorted(counts), sorted([0, 1, 2, 3, 4].map((k) => [`k${k}`, 120, [0, 1, 2], 120])));
        const even = (await outputLines(`${d}/even`)).map(Number);
        const odd = (await outputLines(`${d}/odd`)).map(Number);
        assert.deepStrictEqual(even.sort((a, b) => a - b), EVENTS.map((e) => e[1]).filter((t) => (t / 10) % 2 === 0));
        assert.deepStrictEqual(odd.sort((a, b) => a - b), EVENTS.map((e) => e[1] * 10).filter((t) => (t / 100) % 2 === 1));
      });
    });
  }
});
