/**
 * Window operator throughput, in process (no network, no codec): records/s through a keyed event-time
 * window, driven as a task drives it (records with timestamps, a watermark every 1000 records).
 * Run: `npx tsc -p . && node dist/bench/window.bench.js [--records 2000000] [--keys 1000] [--runs 3] [--case <name part>]`
 * (profile with `node --cpu-prof dist/bench/window.bench.js ...`).
 */
import { setExecutionContext } from '../src/api/context.js';
import {
  EventTimeSessionWindows,
  SlidingEventTimeWindows,
  StreamExecutionEnvironment,
  Time,
  TumblingEventTimeWindows,
  type KeyedStream,
} from '../src/api/index.js';
import type { Transformation } from '../src/api/transformation.js';
import { createWindowOperator } from '../src/runtime/operators/window/index.js';
import { TestingOperatorContext } from '../test/unit/runtime/testing-operator-context.js';

type E = [string, number];

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}
const RECORDS = arg('records', 2_000_000);
const KEYS = arg('keys', 1000);
const RUNS = arg('runs', 3);
/** Event time advances 1 ms every 10 records: with 1000 keys, a 1 s window holds 10 records per key. */
const PER_MS = 10;

const keys = Array.from({ length: KEYS }, (_, i) => `key-${i}`);
const sum = (a: E, b: E): E => [a[0], a[1] + b[1]];
const count = { createAccumulator: () => 0, add: (_e: E, acc: number) => acc + 1, getResult: (acc: number) => acc, merge: (a: number, b: number) => a + b };

const cases: Record<string, (k: KeyedStream<E, string>) => { transformation: Transformation }> = {
  'tumbling 1 s, reduce': (k) => k.window(TumblingEventTimeWindows.of(Time.seconds(1))).reduce(sum),
  'tumbling 1 s, aggregate': (k) => k.window(TumblingEventTimeWindows.of(Time.seconds(1))).aggregate(count),
  'tumbling 1 s, process (all elements)': (k) => k.window(TumblingEventTimeWindows.of(Time.seconds(1))).apply((key, _w, xs, out) => out.collect([key, [...xs].length])),
  'sliding 5 s / 1 s, aggregate': (k) => k.window(SlidingEventTimeWindows.of(Time.seconds(5), Time.seconds(1))).aggregate(count),
  'session gap 100 ms, reduce': (k) => k.window(EventTimeSessionWindows.withGap(Time.milliseconds(100))).reduce(sum),
};

async function runOnce(build: (k: KeyedStream<E, string>) => { transformation: Transformation }): Promise<{ rate: number; results: number }> {
  const env = StreamExecutionEnvironment.getExecutionEnvironment();
  const t = build(env.fromElements<E>(['a', 0]).keyBy((e) => e[0])).transformation;
  const h = new TestingOperatorContext({ name: t.name, operator: t.operator, params: t.params, fns: t.fns, keySpec: t.keySpec }, { keyed: true });
  let results = 0;
  const ctx = { ...h.ctx, output: { ...h.ctx.output, collect: () => void results++ } };
  const op = createWindowOperator(ctx);
  await op.open?.();
  const process = op.processElement as (r: unknown, i: number) => void;
  const el = h.ctx.element;
  const recs: E[] = Array.from({ length: KEYS * 4 }, (_, i) => [keys[i % KEYS] as string, 1]);
  const start = performance.now();
  for (let i = 0; i < RECORDS; i++) {
    const ts = Math.floor(i / PER_MS);
    el.timestamp = ts;
    process(recs[i % recs.length], 0);
    if (i % 1000 === 999) op.processWatermark?.(ts - 100);
  }
  op.processWatermark?.(Infinity);
  const ms = performance.now() - start;
  await op.close?.();
  return { rate: (RECORDS / ms) * 1000, results };
}

async function main(): Promise<void> {
  setExecutionContext({ mode: 'client', defaultParallelism: 1, bufferTimeout: 100, execute: () => Promise.reject(new Error('benchmark only')) });
  console.log(`window operator, in process: ${RECORDS} records, ${KEYS} keys, ${RUNS} runs (median), node ${process.version}`);
  const only = process.argv.indexOf('--case') >= 0 ? process.argv[process.argv.indexOf('--case') + 1] ?? '' : '';
  for (const [name, build] of Object.entries(cases)) {
    if (!name.includes(only)) continue;
    await runOnce(build); // warm-up
    const rates: number[] = [];
    let results = 0;
    for (let r = 0; r < RUNS; r++) {
      const res = await runOnce(build);
      rates.push(res.rate);
      results = res.results;
    }
    rates.sort((a, b) => a - b);
    const median = rates[Math.floor(rates.length / 2)] as number;
    console.log(`${name.padEnd(38)} ${(median / 1e6).toFixed(2)}M records/s  (min ${((rates[0] as number) / 1e6).toFixed(2)}M, max ${((rates[rates.length - 1] as number) / 1e6).toFixed(2)}M; ${results} results)`);
  }
}

void main();
