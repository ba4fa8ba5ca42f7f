/**
 * The pure parts of the streaming sources (rate limiter batches, generator shares, reconnect rules, file
 * assignment and change detection) and the source operators driven by the testing context.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FileStatus } from '../../../src/fs/index.js';
import { LocalFileSystem } from '../../../src/fs/index.js';
import { OPERATORS, type OperatorFactory } from '../../../src/runtime/operators/index.js';
import { fileGroup, filesToRead, isIgnoredFile, listEligibleFiles } from '../../../src/runtime/operators/file-monitor-source.js';
import { generatorShare } from '../../../src/runtime/operators/generator-source.js';
import { shouldReconnect } from '../../../src/runtime/operators/socket-source.js';
import { BatchRateLimiter } from '../../../src/runtime/operators/source-timing.js';
import { waitFor } from '../../support/processes.js';
import { runSource, TestingOperatorContext } from './testing-operator-context.js';

const op = (name: string): OperatorFactory => {
  const f = OPERATORS[name];
  assert.ok(f, `operator ${name} is registered`);
  return f;
};

/** Drives a limiter on a simulated clock for `durationMs`; returns the grants (time, permits). */
function simulate(limiter: BatchRateLimiter, durationMs: number, start = 0): Array<[number, number]> {
  const grants: Array<[number, number]> = [];
  for (let now = start; now < start + durationMs; ) {
    const g = limiter.acquire(now);
    if (g.permits > 0) grants.push([now, g.permits]);
    else {
      assert.ok(g.waitMs >= 1, 'a wait is at least 1 ms');
      now += g.waitMs;
    }
  }
  return grants;
}

const total = (grants: Array<[number, number]>): number => grants.reduce((s, g) => s + g[1], 0);

describe('BatchRateLimiter', () => {
  it('keeps the average rate and hands out records in batches at high rates', () => {
    const grants = simulate(new BatchRateLimiter(100_000, 0, 1024), 2000);
    assert.ok(Math.abs(total(grants) - 200_000) <= 1024, `about 200000 records in 2 s, got ${total(grants)}`);
    // One timer per batch: at 100000/s at least 5 ms' worth (500 records) per grant after the first.
    assert.ok(grants.slice(1).every((g) => g[1] >= 500), 'batches of at least 5 ms of records');
    assert.ok(grants.length <= 2000 / 5 + 1, `${grants.length} grants`);
  });

  it('lets one record go at a time at low rates, the first at once', () => {
    const grants = simulate(new BatchRateLimiter(10, 1000, 1024), 1000, 1000);
    assert.deepEqual(grants[0], [1000, 1]);
    assert.equal(total(grants), 10);
    assert.ok(grants.every((g) => g[1] === 1));
    assert.deepEqual(grants.map((g) => g[0]), [1000, 1100, 1200, 1300, 1400, 1500, 1600, 1700, 1800, 1900]);
  });

  it('never grants more than the batch size, and after a stall catches up with at most one second of records', () => {
    const limiter = new BatchRateLimiter(1000, 0, 100);
    simulate(limiter, 1000);
    let burst = 0;
    for (let g = limiter.acquire(11_000); g.permits > 0; g = limiter.acquire(11_000)) {
      assert.ok(g.permits <= 100);
      burst += g.permits;
    }
    assert.ok(burst <= 1001, `burst after a 10 s stall: ${burst}`);
    assert.ok(burst >= 1000, `burst after a 10 s stall: ${burst}`);
  });

  it('at fractional rates (a rate divided among subtasks) still emits', () => {
    assert.equal(total(simulate(new BatchRateLimiter(1 / 3, 0, 1024), 9001)), 4);
  });
});

describe('generatorShare', () => {
  it('splits 0..count-1 into contiguous shares that cover every index once', () => {
    for (const [count, p] of [[10, 3], [2, 4], [0, 2], [1000, 1], [7, 7]] as const) {
      const shares = Array.from({ length: p }, (_, s) => generatorShare(count, s, p));
      assert.equal(shares[0]?.start, 0);
      for (let s = 1; s < p; s++) assert.equal(shares[s]?.start, shares[s - 1]?.end, 'contiguous');
      assert.equal(shares[p - 1]?.end, count);
      const sizes = shares.map((x) => x.end - x.start);
      assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1, `even: ${sizes}`);
    }
    assert.deepEqual(generatorShare(10, 0, 3), { start: 0, end: 4 });
  });

  it('stays exact for an unbounded count (Number.MAX_SAFE_INTEGER)', () => {
    const p = 3;
    const last = generatorShare(Number.MAX_SAFE_INTEGER, p - 1, p);
    assert.equal(last.end, Number.MAX_SAFE_INTEGER);
    assert.ok(Number.isSafeInteger(last.start));
  });
});

describe('socket reconnect rules (Flink counts the first connection)', () => {
  it('0 and 1 never reconnect, n allows n connections, -1 reconnects forever', () => {
    assert.equal(shouldReconnect(0, 1), false);
    assert.equal(shouldReconnect(1, 1), false);
    assert.equal(shouldReconnect(3, 1), true);
    assert.equal(shouldReconnect(3, 2), true);
    assert.equal(shouldReconnect(3, 3), false);
    assert.equal(shouldReconnect(-1, 1_000_000), true);
  });
});

describe('file monitoring', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ut-file-monitor-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("ignores names starting with '.' or '_' and HDFS's _COPYING_ files, as Flink's default filter", () => {
    assert.equal(isIgnoredFile('.part-1.crc'), true);
    assert.equal(isIgnoredFile('_SUCCESS'), true);
    assert.equal(isIgnoredFile('data.txt._COPYING_'), true);
    assert.equal(isIgnoredFile('data.txt'), false);
  });

  it('assigns every file to one file group, the same on every call', () => {
    const names = Array.from({ length: 200 }, (_, i) => `file-${i}.txt`);
    const owners = names.map((n) => fileGroup(n, 3));
    assert.ok(owners.every((o) => o >= 0 && o < 3));
    assert.deepEqual(names.map((n) => fileGroup(n, 3)), owners);
    for (let s = 0; s < 3; s++) assert.ok(owners.filter((o) => o === s).length > 30, `group ${s} gets a fair part`);
  });

  it('reads new files and modified files again, each once per change, and forgets deleted ones', () => {
    const f = (path: string, modificationTime: number): FileStatus => ({ path, length: 1, modificationTime, isDirectory: false });
    const seen = new Map<string, number>();
    const names = (fs: FileStatus[]): string[] => fs.map((x) => x.path);
    assert.deepEqual(names(filesToRead([f('/d/a', 1), f('/d/b', 1)], seen, () => true)), ['/d/a', '/d/b']);
    assert.deepEqual(names(filesToRead([f('/d/a', 1), f('/d/b', 1)], seen, () => true)), []);
    assert.deepEqual(names(filesToRead([f('/d/a', 2), f('/d/b', 1), f('/d/c', 1)], seen, () => true)), ['/d/a', '/d/c']);
    filesToRead([f('/d/a', 2)], seen, () => true);
    assert.deepEqual([...seen.keys()], ['/d/a']);
    // Parallel: each subtask takes only its own files.
    const all = Array.from({ length: 20 }, (_, i) => f(`/d/x${i}`, 1));
    const parts = [0, 1, 2].map((s) => names(filesToRead(all, new Map(), (p) => fileGroup(p, 3) === s)));
    assert.deepEqual(parts.flat().sort(), names(all).sort());
  });

  it('lists a directory oldest first, skipping hidden files and directories; a file alone is itself', async () => {
    const fs = new LocalFileSystem();
    await writeFile(join(dir, 'new.txt'), 'n\n');
    await writeFile(join(dir, 'old.txt'), 'o\n');
    await writeFile(join(dir, '.hidden'), 'h\n');
    await writeFile(join(dir, '_SUCCESS'), '');
    await utimes(join(dir, 'old.txt'), new Date(1_000_000), new Date(1_000_000));
    const files = await listEligibleFiles(fs, dir);
    assert.deepEqual(files.map((x) => x.path), [join(dir, 'old.txt'), join(dir, 'new.txt')]);
    assert.deepEqual((await listEligibleFiles(fs, join(dir, 'new.txt'))).map((x) => x.path), [join(dir, 'new.txt')]);
    await assert.rejects(listEligibleFiles(fs, join(dir, 'missing')), /does not exist\. Create the directory/);
  });

  it('PROCESS_ONCE reads every file of the directory once and ends', async () => {
    const out = await runSource(op('source:file-monitor'), { params: { path: dir, charset: 'UTF-8', continuous: false, interval: -1 } });
    assert.deepEqual((out as string[]).sort(), ['n', 'o']);
  });
});

describe('data generator source', () => {
  it('each subtask generates its share; together every index once; rich generators are opened and closed', async () => {
    const calls: string[] = [];
    const gen = {
      open: () => void calls.push('open'),
      map: (i: number) => `r${i}`,
      close: () => void calls.push('close'),
    };
    const outs = await Promise.all(
      [0, 1, 2].map((subtask) => runSource(op('source:data-generator'), { fns: [gen], params: { count: 10, recordsPerSecond: null } }, { subtask, parallelism: 3 })),
    );
    assert.deepEqual(outs, [['r0', 'r1', 'r2', 'r3'], ['r4', 'r5', 'r6'], ['r7', 'r8', 'r9']]);
    assert.deepEqual(calls, ['open', 'open', 'open', 'close', 'close', 'close']);
  });

  it('yields between batches so back pressure and cancellation reach an unbounded source', async () => {
    const h = new TestingOperatorContext({ fns: [(i: number) => i], params: { count: Number.MAX_SAFE_INTEGER, recordsPerSecond: null } });
    const source = op('source:data-generator')(h.ctx);
    const running = source.run?.();
    await waitFor('records from the unbounded generator', 10_000, () => (h.output.length > 5000 ? true : undefined), 5);
    h.cancelled = true;
    await running;
    assert.ok(h.yields >= 5, `${h.yields} yields`);
    assert.deepEqual(h.output.slice(0, 3), [0, 1, 2]);
  });

  it('a rate-limited source stops promptly on cancellation while waiting for its next batch', async () => {
    const h = new TestingOperatorContext({ fns: [(i: number) => i], params: { count: 100, recordsPerSecond: 1 } });
    const source = op('source:data-generator')(h.ctx);
    const running = source.run?.();
    await waitFor('the first record', 10_000, () => (h.output.length === 1 ? true : undefined), 5);
    h.cancelled = true;
    await running;
    assert.deepEqual(h.output, [0]);
  });
});

describe('socket source reconnecting', () => {
  let server: Server;
  let port: number;
  const accepted: Socket[] = [];
  before(async () => {
    // Each connection gets two lines, then the server closes it (and keeps listening, as nc -lk).
    server = createServer((s) => {
      accepted.push(s);
      const n = accepted.length;
      s.end(`conn${n} a\nconn${n} b\n`);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    port = (server.address() as { port: number }).port;
  });
  after(async () => {
    await new Promise<void>((r) => server.close(() => r()));
  });

  it('maxRetry 3 reads three connections (Flink counts the first), 500 ms apart, then ends', async () => {
    accepted.length = 0;
    const out = await runSource(op('source:socket'), { params: { hostname: '127.0.0.1', port, delimiter: '\n', maxRetry: 3 } });
    assert.deepEqual(out, ['conn1 a', 'conn1 b', 'conn2 a', 'conn2 b', 'conn3 a', 'conn3 b']);
  });

  it('maxRetry -1 reconnects until cancelled, and cancellation ends the pause at once', async () => {
    accepted.length = 0;
    const h = new TestingOperatorContext({ params: { hostname: '127.0.0.1', port, delimiter: '\n', maxRetry: -1 } });
    const source = op('source:socket')(h.ctx);
    const running = source.run?.();
    await waitFor('a second connection', 10_000, () => (h.output.length >= 4 ? true : undefined), 5);
    h.cancelled = true;
    await running;
    assert.deepEqual(h.output.slice(0, 4), ['conn1 a', 'conn1 b', 'conn2 a', 'conn2 b']);
  });

  it('refused reconnection attempts count against maxRetry; when they run out the job fails saying what to start', async () => {
    let listening: Server | undefined = createServer((s) => {
      s.end('only\n');
      const l = listening;
      listening = undefined;
      l?.close();
    });
    await new Promise<void>((r) => listening?.listen(0, '127.0.0.1', () => r()));
    const gone = (listening.address() as { port: number }).port;
    const h = new TestingOperatorContext({ params: { hostname: '127.0.0.1', port: gone, delimiter: '\n', maxRetry: 3 } });
    await assert.rejects(op('source:socket')(h.ctx).run?.() ?? Promise.resolve(), (e: unknown) => {
      assert.equal((e as { code?: string }).code, 'SOCKET_SOURCE_CONNECT');
      assert.match((e as Error).message, new RegExp(`lost its connection and could not reconnect \\(after 3 attempts\\) to 127\\.0\\.0\\.1:${gone}: ECONNREFUSED\\. Start a server there first \\(for example: nc -lk ${gone}\\)`));
      return true;
    });
    assert.deepEqual(h.output, ['only']);
  });
});
