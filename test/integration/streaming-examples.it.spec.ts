/**
 * The windowed streaming examples, run with bin/flink on a real standalone cluster (two TaskManagers of two
 * slots), their output compared with results the test computes on its own.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { EXAMPLES_DIR, StandaloneCluster } from './support/standalone-cluster.js';
import { outputLines } from './support/api-harness.js';

const example = (name: string): string => join(EXAMPLES_DIR, 'streaming', name);

/** Parses Flink tuple lines `(a,1,2)` into their fields. */
function tuples(lines: string[]): string[][] {
  return lines.map((l) => {
    const m = /^\((.*)\)$/.exec(l);
    assert.ok(m, `not a tuple line: ${JSON.stringify(l)}`);
    return (m[1] as string).split(',');
  });
}

/** TopSpeedWindowing.js's generator, written again here: reports in arrival order. */
function carReports(numCars: number, n: number): Array<[number, number, number, number]> {
  const out: Array<{ report: [number, number, number, number]; arrival: number }> = [];
  const speeds = new Array<number>(numCars).fill(50);
  const distances = new Array<number>(numCars).fill(0);
  let seed = 11;
  const rnd = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  for (let i = 0; i < n; i++) {
    const car = i % numCars;
    const time = 1_700_000_000_000 + Math.floor(i / numCars) * 1000;
    speeds[car] = Math.max(0, Math.min(120, (speeds[car] as number) + (rnd() < 0.5 ? -5 : 5)));
    distances[car] = (distances[car] as number) + (speeds[car] as number) / 3.6;
    out.push({ report: [car, speeds[car] as number, Math.round(distances[car] as number), time], arrival: time });
  }
  out.forEach((r, i) => {
    if (i % 97 === 96) r.arrival += 30_000;
    else if (i % 50 === 49) r.arrival += 4_000;
    else r.arrival += Math.floor(rnd() * 1500);
  });
  return out.sort((a, b) => a.arrival - b.arrival).map((r) => r.report);
}

/**
 * Event-time semantics of the example, simulated: 10 s tumbling windows per car, a watermark 2 s behind the
 * latest report after every report, 5 s allowed lateness, maxBy(speed) keeping the first of equal speeds.
 */
function expectedTopSpeeds(reports: Array<[number, number, number, number]>): { top: string[]; late: string[] } {
  const size = 10_000;
  const lateness = 5_000;
  const windows = new Map<string, { car: number; maxTs: number; best: [number, number, number, number]; fired: boolean }>();
  const top: string[] = [];
  const late: string[] = [];
  let wm = Number.NEGATIVE_INFINITY;
  let maxTime = Number.NEGATIVE_INFINITY;
  const show = (r: readonly number[]): string => `(${r.join(',')})`;
  const advance = (to: number): void => {
    if (to <= wm) return;
    wm = to;
    // On-time firings in window order (the test compares sorted lines, so order across keys does not matter).
    for (const w of [...windows.values()].sort((a, b) => a.maxTs - b.maxTs)) {
      if (!w.fired && w.maxTs <= wm) {
        w.fired = true;
        top.push(show(w.best));
      }
    }
    for (const [k, w] of windows) if (w.maxTs + lateness <= wm) windows.delete(k);
  };
  for (const r of reports) {
    const [car, speed, , time] = r;
    const start = time - (time % size);
    const maxTs = start + size - 1;
    if (maxTs + lateness <= wm) {
      late.push(show(r));
    } else {
      const key = `${car}@${start}`;
      const w = windows.get(key);
      if (!w) windows.set(key, { car, maxTs, best: r, fired: false });
      else if (speed > w.best[1]) w.best = r;
      const cur = windows.get(key) as { maxTs: number; best: number[]; fired: boolean };
      // A record for a window the watermark already passed fires it again at once.
      if (cur.maxTs <= wm) top.push(show(cur.best));
    }
    maxTime = Math.max(maxTime, time);
    advance(maxTime - 2000 - 1);
  }
  advance(Number.POSITIVE_INFINITY);
  return { top, late };
}

describe('windowed streaming examples on a standalone cluster (2 TaskManagers x 2 slots)', function () {
  this.timeout(120_000);
  let cluster: StandaloneCluster;
  before(async function () {
    this.timeout(120_000);
    cluster = await StandaloneCluster.start();
  });
  after(async () => {
    await cluster?.stop();
  });

  it('WindowWordCount.js: count windows of --window occurrences sliding by --slide, per word', async () => {
    const dir = await cluster.tempDir('window-wordcount');
    const words = ['alpha', 'beta', 'gamma', 'delta'];
    const lines: string[] = [];
    for (let i = 0; i < 400; i++) lines.push(`${words[i % 4]} ${words[(i * 3) % 4]} ${i % 7 === 0 ? 'rare' : 'alpha'}`);
    await writeFile(join(dir, 'in.txt'), `${lines.join('\n')}\n`);
    const out = join(dir, 'out');
    const r = await cluster.flink(['run', '-p', '3', example('WindowWordCount.js'), '--input', join(dir, 'in.txt'), '--output', out, '--window', '10', '--slide', '5']);
    assert.equal(r.exitCode, 0, r.describe);
    // Per word with n occurrences: a firing every 5 occurrences, counting the last (at most) 10.
    const totals = new Map<string, number>();
    for (const l of lines) for (const w of l.split(' ')) totals.set(w, (totals.get(w) ?? 0) + 1);
    const expected: string[] = [];
    for (const [w, n] of totals) for (let k = 5; k <= n; k += 5) expected.push(`(${w},${Math.min(10, k)})`);
    assert.deepEqual((await outputLines(out)).sort(), expected.sort());
  });

  it('SessionWindowing.js: sessions per user with a 3 ms gap, clicks summed', async () => {
    const out = join(await cluster.tempDir('sessions'), 'out');
    const r = await cluster.flink(['run', example('SessionWindowing.js'), '--output', out]);
    assert.equal(r.exitCode, 0, r.describe);
    assert.deepEqual(tuples(await outputLines(out)).map((t) => t.join(',')).sort(), ['a,1,1', 'a,10,1', 'b,1,3', 'c,11,1', 'c,6,1']);
  });

  it('TopSpeedWindowing.js: fastest report per car and 10 s window, late updates within 5 s, later reports to the side output', async () => {
    const dir = await cluster.tempDir('top-speed');
    const r = await cluster.flink(['run', '-p', '2', example('TopSpeedWindowing.js'), '--cars', '3', '--reports', '900', '--output', dir]);
    assert.equal(r.exitCode, 0, r.describe);
    const expected = expectedTopSpeeds(carReports(3, 900));
    // The data makes both kinds of lateness happen.
    assert.ok(expected.late.length > 0, 'the generator made no report too late');
    assert.ok(expected.top.length > 3 * 30, 'no late firings expected');
    assert.deepEqual((await outputLines(join(dir, 'top'))).sort(), [...expected.top].sort());
    assert.deepEqual((await outputLines(join(dir, 'late'))).sort(), [...expected.late].sort());
  });
});
