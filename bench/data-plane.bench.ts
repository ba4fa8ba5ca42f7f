/**
 * The TCP data plane between two TaskManagers, without the rest of the cluster: two DataConnectionManagers
 * in this process on 127.0.0.1, one sending data frames (with a credit frame after every fourth, as a
 * consumer would) and the other receiving them. Checks that every frame arrives whole and in order, and
 * reports frames/s, MB/s and CPU time per frame (sender and receiver together).
 *
 *   node dist/bench/data-plane.bench.js [--frames 20000] [--size 32768] [--rounds 5]
 */
import { DataConnectionManager, type DataFrame } from '../src/taskmanager/network/data-connections.js';
import { stats } from './cluster-harness.js';

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : dflt;
  if (!(v > 0)) throw new Error(`--${name} needs a positive number`);
  return v;
}

const FRAMES = arg('frames', 20_000);
const SIZE = arg('size', 32 * 1024);
const ROUNDS = arg('rounds', 5);
const JOB = 'f'.repeat(32);
const A = 'a'.repeat(32);
const B = 'b'.repeat(32);

// Payloads prepared once and never changed (a socket may still hold one while it is sent again), so the
// figures are the data plane's, not the sender's allocation.
const POOL = Math.min(FRAMES, 1024);
const PAYLOADS = Array.from({ length: POOL }, (_, i) => {
  const b = new Uint8Array(SIZE);
  new DataView(b.buffer).setUint32(0, i);
  b[SIZE - 1] = i & 255;
  return b;
});

interface Round {
  framesPerSec: number;
  mbPerSec: number;
  cpuUsPerFrame: number;
}

async function round(): Promise<Round> {
  let next = 0;
  let credits = 0;
  let failure: Error | undefined;
  let resolveDone!: () => void;
  const done = new Promise<void>((r) => (resolveDone = r));
  const onFrame = (f: DataFrame): void => {
    if (f.type === 'credit') {
      credits += f.n;
      return;
    }
    const b = f.payload;
    const ok = f.type === 'data' && f.jobId === JOB && f.e === 3 && f.p === 1 && f.c === 2 && b !== undefined && b.byteLength === SIZE &&
      b.byteOffset === 0 && b.buffer.byteLength === SIZE && new DataView(b.buffer).getUint32(0) === next % POOL && b[SIZE - 1] === (next % POOL & 255);
    if (!ok && !failure) failure = new Error(`frame ${next} arrived damaged or out of order`);
    if (++next === FRAMES) resolveDone();
  };
  const sender = new DataConnectionManager(A, '127.0.0.1', 0, () => {});
  const receiver = new DataConnectionManager(B, '127.0.0.1', 0, onFrame);
  await sender.start();
  await receiver.start();
  const peer = { host: '127.0.0.1', dataPort: receiver.port };
  const payloads = PAYLOADS;
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  let sent = 0;
  const pump = (): void => {
    for (let i = 0; i < 64 && sent < FRAMES; i++, sent++) {
      sender.send(B, peer, { type: 'data', jobId: JOB, e: 3, p: 1, c: 2, n: 0, payload: payloads[sent % POOL] as Uint8Array });
      if (sent % 4 === 3) sender.send(B, peer, { type: 'credit', jobId: JOB, e: 3, p: 1, c: 2, n: 2 });
    }
    if (sent < FRAMES) setImmediate(pump);
  };
  pump();
  await done;
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  await sender.close();
  await receiver.close();
  if (failure) throw failure;
  if (credits !== Math.floor(FRAMES / 4) * 2) throw new Error(`credit frames lost: got ${credits} credits`);
  return { framesPerSec: (FRAMES / ms) * 1000, mbPerSec: (FRAMES * SIZE) / ms / 1000, cpuUsPerFrame: ((cpu.user + cpu.system) / FRAMES) };
}

async function main(): Promise<void> {
  console.log(`node ${process.version}: ${FRAMES} data frames of ${SIZE} B (+ a credit frame per 4) over one loopback connection, ${ROUNDS} rounds`);
  await round(); // warm-up
  const rounds: Round[] = [];
  for (let i = 0; i < ROUNDS; i++) rounds.push(await round());
  const f = stats(rounds.map((r) => r.framesPerSec));
  const mb = stats(rounds.map((r) => r.mbPerSec));
  const cpu = stats(rounds.map((r) => r.cpuUsPerFrame));
  console.log(`frames/s   median ${f.median.toFixed(0)} (${f.min.toFixed(0)}..${f.max.toFixed(0)})`);
  console.log(`MB/s       median ${mb.median.toFixed(0)} (${mb.min.toFixed(0)}..${mb.max.toFixed(0)})`);
  console.log(`CPU/frame  median ${cpu.median.toFixed(1)} µs (${cpu.min.toFixed(1)}..${cpu.max.toFixed(1)}), sender and receiver`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
