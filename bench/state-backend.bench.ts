/**
 * ValueState read-modify-write through the two keyed state backends, in process (one slot's work):
 * `hashmap` (heap) against `embedded-lmdb` (LMDB on local disk), the latter with several write-buffer sizes.
 * Per case: load every key once, then `update(f(value()))` for keys in a scrambled uniform order and in a
 * skewed order (the hottest 1% of the keys take about a third of the updates), `setCurrentKey` before every
 * operation as for records of a keyed stream. Values are a number (a counter) or a ~200-byte object
 * (`{ count, payload }`). Also printed: the heap in use after the load (the disk backend must not keep
 * values there), LMDB's file size, and a snapshot at the largest size (its synchronous part and the time
 * to read every key group in the canonical format).
 *
 * Run: `npx tsc -p . && node dist/bench/state-backend.bench.js [--keys 100000,1000000] [--seconds 3]
 *       [--values number,record] [--buffers 1,256,1024,4096,16384] [--backends hashmap,embedded-lmdb] [--dir /tmp]`
 */
import { readdirSync, statSync } from 'node:fs';
import { ValueStateDescriptor, type ValueState } from '../src/api/state.js';
import { EmbeddedLmdbStateBackend, HashMapStateBackend, type KeyedStateBackend, type StateBackend } from '../src/runtime/state/index.js';
import { seededRandom } from '../src/util/seeded-random.js';
import { machine } from './cluster-harness.js';

interface Args {
  keys: number[];
  seconds: number;
  values: string[];
  buffers: number[];
  backends: string[];
  dir: string | undefined;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { keys: [100_000, 1_000_000], seconds: 3, values: ['number', 'record'], buffers: [1, 256, 1024, 4096, 16384], backends: ['hashmap', 'embedded-lmdb'], dir: undefined };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    const v = argv[i + 1] ?? '';
    if (k === '--keys') (a.keys = v.split(',').map(Number)), i++;
    else if (k === '--seconds') (a.seconds = Number(v)), i++;
    else if (k === '--values') (a.values = v.split(',')), i++;
    else if (k === '--buffers') (a.buffers = v.split(',').map(Number)), i++;
    else if (k === '--backends') (a.backends = v.split(',')), i++;
    else if (k === '--dir') (a.dir = v), i++;
    else throw new Error(`unknown argument ${k}; see the usage at the top of bench/state-backend.bench.ts`);
  }
  return a;
}

const MAX_PARALLELISM = 128;
const PAYLOAD = 'x'.repeat(180);

interface Record200 {
  count: number;
  payload: string;
}

/** The change each update makes: a counter, or a ~200-byte object whose count goes up. */
const CHANGES: Record<string, (v: unknown, i: number) => unknown> = {
  number: (v) => ((v as number | null) ?? 0) + 1,
  record: (v, i) => {
    // A payload of its own per key, flat as a decoded one would be (not a rope sharing one string).
    const r = (v as Record200 | null) ?? { count: 0, payload: Buffer.from(`${PAYLOAD}${i}`).toString('latin1') };
    return { count: r.count + 1, payload: r.payload };
  },
};

function uniformOrder(n: number): Int32Array {
  const out = new Int32Array(n);
  const step = 2_654_435_761 % n || 1;
  for (let i = 0; i < n; i++) out[i] = (i * step) % n;
  return out;
}

/** Index = n * u^4 for uniform u, scrambled: 1% of the keys take about 32% of the updates. */
function skewedOrder(n: number, count: number): Int32Array {
  const rnd = seededRandom(42);
  const out = new Int32Array(count);
  const step = 2_654_435_761 % n || 1;
  for (let i = 0; i < count; i++) {
    const r = rnd();
    out[i] = (Math.min(n - 1, Math.floor(n * r * r * r * r)) * step) % n;
  }
  return out;
}

/** Operations per second of wall time and of this process's CPU time, over about `seconds`. */
function rate(seconds: number, op: (i: number) => void): { wall: number; cpu: number } {
  const BATCH = 5_000;
  let i = 0;
  const warm = performance.now() + 300;
  while (performance.now() < warm) for (let j = 0; j < BATCH; j++) op(i++);
  let n = 0;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const end = t0 + seconds * 1000;
  while (performance.now() < end) {
    for (let j = 0; j < BATCH; j++) op(i++);
    n += BATCH;
  }
  const wallS = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  return { wall: n / wallS, cpu: n / ((c.user + c.system) / 1e6) };
}

const k = (r: { wall: number; cpu: number }): string => `${(r.cpu / 1e3).toFixed(0)}K/s per CPU-s (wall ${(r.wall / 1e3).toFixed(0)}K/s)`;

function dirSize(dir: string): number {
  let total = 0;
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) total += statSync(`${e.parentPath}/${e.name}`).size;
  }
  return total;
}

function heapMiB(): number {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().heapUsed / 1024 / 1024;
}

async function runCase(name: string, backend: StateBackend, keys: number, valueKind: string, args: Args, snapshot: boolean, buffer = 0): Promise<void> {
  const names = Array.from({ length: keys }, (_, i) => `user-${i}`);
  const uniform = uniformOrder(keys);
  const skewed = skewedOrder(keys, 1_000_000);
  const heapBefore = heapMiB();
  const keyed: KeyedStateBackend = backend.createKeyedStateBackend({
    operatorName: 'bench',
    maxParallelism: MAX_PARALLELISM,
    keyGroupRange: { start: 0, end: MAX_PARALLELISM - 1 },
    now: Date.now,
    ...(args.dir === undefined ? {} : { localDirectory: args.dir }),
  });
  const state = keyed.getPartitionedState<ValueState<unknown>>(new ValueStateDescriptor('value'));
  const change = CHANGES[valueKind] as (v: unknown, i: number) => unknown;
  const rmw = (key: string, i: number): void => {
    keyed.setCurrentKey(key);
    state.update(change(state.value(), i));
  };
  const t0 = performance.now();
  for (let i = 0; i < keys; i++) rmw(names[uniform[i] as number] as string, i);
  const loadRate = keys / ((performance.now() - t0) / 1000);
  const heapAfterLoad = heapMiB() - heapBefore;
  const u = rate(args.seconds, (i) => rmw(names[uniform[i % keys] as number] as string, i));
  const s = rate(args.seconds, (i) => rmw(names[skewed[i % skewed.length] as number] as string, i));
  const disk = (keyed as unknown as { store?: { directory: string } }).store?.directory;
  console.log(
    `${name.padEnd(28)} ${String(keys).padStart(8)} ${valueKind.padEnd(6)}  load ${(loadRate / 1e3).toFixed(0)}K/s  ` +
      `uniform ${k(u)}  skewed ${k(s)}  heap after load +${heapAfterLoad.toFixed(0)} MiB` +
      (disk === undefined ? '' : `  file ${(dirSize(disk) / 1024 / 1024).toFixed(0)} MiB`),
  );
  if (buffer > 0) {
    // The synchronous part at its largest: a barrier when the write buffer is one write short of a commit.
    keyed.snapshot(0).release();
    for (let j = 0; j < buffer - 1; j++) rmw(names[uniform[j % keys] as number] as string, j);
    const s0 = performance.now();
    keyed.snapshot(0).release();
    console.log(`${''.padEnd(28)} snapshot with ${buffer - 1} buffered writes: synchronous part ${(performance.now() - s0).toFixed(1)} ms`);
  }
  if (snapshot) {
    const s0 = performance.now();
    const snap = keyed.snapshot(1);
    const sync = performance.now() - s0;
    let bytes = 0;
    let groups = 0;
    // Updates go on between key groups, as in a task.
    let updates = 0;
    const it = snap.keyGroups()[Symbol.asyncIterator]();
    for (;;) {
      const next = await it.next();
      if (next.done === true) break;
      bytes += next.value[1].length;
      groups++;
      for (let j = 0; j < 200; j++) rmw(names[skewed[updates++ % skewed.length] as number] as string, updates);
    }
    snap.release();
    console.log(
      `${''.padEnd(28)} snapshot: synchronous part ${sync.toFixed(1)} ms, ${groups} key groups (${(bytes / 1024 / 1024).toFixed(0)} MiB canonical) ` +
        `read in ${((performance.now() - s0) / 1000).toFixed(2)} s with ${updates} updates in between`,
    );
  }
  keyed.close();
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const m = machine();
  console.log(`# ${new Date().toISOString().slice(0, 10)}  ${m.cpu}, ${m.cores} cores, ${m.memGiB.toFixed(1)} GiB, Node ${m.node}, load ${m.load}`);
  for (const keys of args.keys) {
    for (const valueKind of args.values) {
      if (args.backends.includes('hashmap')) await runCase('hashmap', new HashMapStateBackend(), keys, valueKind, args, false);
      if (args.backends.includes('embedded-lmdb')) {
        for (const b of args.buffers) {
          const last = b === args.buffers[args.buffers.length - 1] && keys === args.keys[args.keys.length - 1] && valueKind === args.values[args.values.length - 1];
          await runCase(`embedded-lmdb buffer ${b}`, new EmbeddedLmdbStateBackend({ maxBufferedEntries: b }), keys, valueKind, args, last, b);
        }
      }
    }
  }
}

await main();
