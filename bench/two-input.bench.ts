/**
 * Two-input operators on one core, without the network: records per second through co-map, a keyed
 * co-process with ValueState read-modify-write on both inputs, the keyed broadcast operator's keyed side,
 * and the interval join (1,000 keys, both sides at the same event-time pace, bounds ±100 ms, watermarks
 * every 1,000 records so buffers stay small).
 * Run: `npx tsc -p . && node dist/bench/two-input.bench.js [records]`.
 */
import { MapStateDescriptor, ValueStateDescriptor, type ValueState } from '../src/api/index.js';
import { OPERATORS, type OperatorFactory, type StreamOperator } from '../src/runtime/operators/index.js';
import { TestingOperatorContext } from '../test/unit/runtime/testing-operator-context.js';

const N = Number(process.argv[2] ?? 2_000_000);
const KEYS = 1000;

async function measure(name: string, factory: OperatorFactory, init: ConstructorParameters<typeof TestingOperatorContext>[0], feed: (op: StreamOperator, h: TestingOperatorContext) => void): Promise<void> {
  const h = new TestingOperatorContext(init, { keyed: init.params?.keyed === true });
  // Count instead of keeping the output: the bench measures the operator, not an ever-growing array.
  let out = 0;
  (h.ctx.output as { collect(r: unknown): void }).collect = () => void out++;
  const op = factory(h.ctx);
  await op.open?.();
  const t0 = process.hrtime.bigint();
  feed(op, h);
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  await op.close?.();
  console.log(`${name.padEnd(34)} ${(N / s / 1e6).toFixed(2)} M records/s  (${out} out)`);
}

const op = (n: string): OperatorFactory => OPERATORS[n] as OperatorFactory;
const pairs = Array.from({ length: KEYS }, (_, k) => [`key${k}`, k] as [string, number]);
const first = (r: unknown): unknown => (r as unknown[])[0];

await measure('co-map', op('co-map'), { fns: [{ map1: (x: unknown) => x, map2: (x: unknown) => x }] }, (o) => {
  const p = o.processElement as (r: unknown, i: number) => void;
  for (let i = 0; i < N; i++) p(pairs[i % KEYS], i & 1);
});

class Count {
  private n!: ValueState<number>;
  open(ctx: { getState(d: ValueStateDescriptor<number>): ValueState<number> }): void {
    this.n = ctx.getState(new ValueStateDescriptor<number>('n', null, 0));
  }
  processElement1(): void {
    this.n.update((this.n.value() as number) + 1);
  }
  processElement2(): void {
    this.n.update((this.n.value() as number) - 1);
  }
}
await measure('keyed co-process (ValueState r-m-w)', op('keyed-co-process'), { fns: [new Count(), first, first], params: { keyed: true } }, (o) => {
  const p = o.processElement as (r: unknown, i: number) => void;
  for (let i = 0; i < N; i++) p(pairs[i % KEYS], i & 1);
});

const rules = new MapStateDescriptor<string, number>('rules');
await measure(
  'keyed broadcast (read rule per record)',
  op('keyed-co-broadcast'),
  {
    fns: [
      {
        processElement: (r: [string, number], ctx: { getBroadcastState(d: unknown): { get(k: string): number | null } }, out: { collect(x: unknown): void }) => {
          if ((ctx.getBroadcastState(rules).get('f') ?? 0) > r[1]) out.collect(r);
        },
        processBroadcastElement: (r: [string, number], ctx: { getBroadcastState(d: unknown): { put(k: string, v: number): void } }) => ctx.getBroadcastState(rules).put(r[0], r[1]),
      },
      first,
    ],
    params: { keyed: true, broadcastStates: ['rules'] },
  },
  (o) => {
    const p = o.processElement as (r: unknown, i: number) => void;
    p(['f', 500], 1);
    for (let i = 0; i < N; i++) p(pairs[i % KEYS], 0);
  },
);

await measure(
  'interval join (±100 ms, 1,000 keys)',
  op('interval-join'),
  { fns: [(l: unknown, r: unknown, _c: unknown, out: { collect(x: unknown): void }) => out.collect(l === r), first, first], params: { keyed: true, lowerBound: -100, upperBound: 100 } },
  (o, h) => {
    const p = o.processElement as (r: unknown, i: number) => void;
    const wm = o.processWatermark as (w: number) => void;
    // Ten records per millisecond of event time; each key gets a record every 100 ms, sides alternating.
    for (let i = 0; i < N; i++) {
      h.element.timestamp = Math.floor(i / 10);
      p(pairs[i % KEYS], Math.floor(i / KEYS) & 1);
      if (i % 1000 === 999) wm(Math.floor(i / 10) - 110);
    }
  },
);
