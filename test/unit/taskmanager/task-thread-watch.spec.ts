/**
 * The watch over a task thread's end: a thread whose JavaScript ended but that never exits is reported, a
 * cancelled one that does not end is a fatal error after task.cancellation.timeout. With a test double of the
 * thread and hand-driven timers; and once with a real worker thread that hangs in lmdb-js's teardown (in a child
 * process, because a process holding such a thread cannot exit).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TaskThreadWatch, type Schedule, type WatchedThread } from '../../../src/taskmanager/task-thread-watch.js';

/** A thread that exits only when the test says so. */
class TestingThread extends EventEmitter implements WatchedThread {
  terminations = 0;
  terminate(): Promise<number> {
    this.terminations++;
    return new Promise<number>(() => {});
  }
  exit(): void {
    this.emit('exit', 1);
  }
}

/** Timers that fire when the test advances them. */
class ManualTimers {
  private readonly pending: Array<{ fn: () => void; ms: number; cancelled: boolean }> = [];
  readonly schedule: Schedule = (fn, ms) => {
    const t = { fn, ms, cancelled: false };
    this.pending.push(t);
    return () => (t.cancelled = true);
  };
  /** Fires every live timer of `ms`; how many fired. */
  fire(ms: number): number {
    let n = 0;
    for (const t of this.pending.splice(0)) {
      if (t.cancelled) continue;
      if (t.ms !== ms) {
        this.pending.push(t);
        continue;
      }
      n++;
      t.fn();
    }
    return n;
  }
  live(): number[] {
    return this.pending.filter((t) => !t.cancelled).map((t) => t.ms);
  }
}

async function until(what: string, probe: () => boolean): Promise<void> {
  const end = Date.now() + 10_000;
  while (!probe()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const GRACE = 5_000;
const CANCELLATION = 180_000;

describe('TaskThreadWatch', () => {
  let timers: ManualTimers;
  let thread: TestingThread;
  let stuck: boolean[];
  let fatal: number;
  let watch: TaskThreadWatch;
  beforeEach(() => {
    timers = new ManualTimers();
    thread = new TestingThread();
    stuck = [];
    fatal = 0;
    watch = new TaskThreadWatch({
      teardownGraceMs: GRACE,
      cancellationTimeoutMs: CANCELLATION,
      onStuck: (cancelled) => stuck.push(cancelled),
      onCancellationTimeout: () => fatal++,
      schedule: timers.schedule,
    });
    watch.watch(thread);
  });
  afterEach(() => {
    watch.lifeline.close();
    thread.exit();
  });

  it('a thread whose JavaScript ended and that does not exit within the grace is reported as stuck', async () => {
    watch.lifeline.close(); // what Node.js does at the start of the thread's teardown
    await until('the end of its JavaScript to be seen', () => watch.hasJavaScriptEnded);
    assert.deepEqual(stuck, []);
    assert.equal(timers.fire(GRACE), 1);
    assert.deepEqual(stuck, [false], 'reported once, as not cancelled');
    assert.ok(watch.isStuck);
  });

  it('a thread that exits after its JavaScript ended is not reported', async () => {
    watch.lifeline.close();
    await until('the end of its JavaScript to be seen', () => watch.hasJavaScriptEnded);
    thread.exit();
    assert.equal(timers.fire(GRACE), 0, 'the grace timer was cancelled by the exit');
    assert.deepEqual(stuck, []);
    assert.ok(watch.hasExited && !watch.isStuck);
  });

  it('a cancelled thread that never ends is a fatal error after task.cancellation.timeout, and cancel() does not wait for it', async () => {
    const cancelled = watch.cancel();
    assert.equal(thread.terminations, 1);
    watch.lifeline.close();
    await until('the end of its JavaScript to be seen', () => watch.hasJavaScriptEnded);
    timers.fire(GRACE);
    await cancelled; // resolves once the thread is known to hang
    assert.deepEqual(stuck, [true], 'reported as stuck after a cancellation');
    assert.equal(fatal, 0);
    assert.equal(timers.fire(CANCELLATION), 1);
    assert.equal(fatal, 1);
  });

  it('a cancelled thread that exits in time ends its cancellation timeout', async () => {
    const cancelled = watch.cancel();
    assert.deepEqual(timers.live(), [CANCELLATION]);
    thread.exit();
    await cancelled;
    assert.deepEqual(timers.live(), []);
    assert.equal(fatal, 0);
  });

  it('task.cancellation.timeout 0 waits forever', () => {
    const forever = new TaskThreadWatch({ teardownGraceMs: GRACE, cancellationTimeoutMs: 0, onStuck: () => {}, onCancellationTimeout: () => fatal++, schedule: timers.schedule });
    const t = new TestingThread();
    forever.watch(t);
    void forever.cancel();
    assert.deepEqual(timers.live(), []);
    forever.lifeline.close();
    t.exit();
  });

  it('with a real worker thread that runs out of memory inside an lmdb-js write transaction: reported, though the thread never exits', async function () {
    this.timeout(60_000);
    const dir = await mkdtemp(join(tmpdir(), 'task-thread-watch-'));
    try {
      const watchModule = new URL('../../../src/taskmanager/task-thread-watch.js', import.meta.url).href;
      const lmdbFrom = fileURLToPath(new URL('../../../../package.json', import.meta.url));
      // The worker fills its heap inside transactionSync: V8 stops it there, lmdb-js's write lock stays taken, and
      // the environment's cleanup waits for that lock forever (no 'error', no 'exit').
      await writeFile(
        join(dir, 'worker.mjs'),
        `import { workerData } from 'node:worker_threads';
import { createRequire } from 'node:module';
const lmdb = createRequire(${JSON.stringify(lmdbFrom)})('lmdb');
const db = lmdb.open({ path: workerData.dir, keyEncoding: 'binary', encoding: 'binary', noSync: true, overlappingSync: false });
const hog = [];
db.transactionSync(() => { for (let i = 0; ; i++) { hog.push(new Array(1000).fill(i)); db.putSync(Buffer.from('k' + i), Buffer.from('v')); } });
`,
      );
      await writeFile(
        join(dir, 'main.mjs'),
        `import { Worker } from 'node:worker_threads';
import { TaskThreadWatch } from ${JSON.stringify(watchModule)};
const started = Date.now();
const watch = new TaskThreadWatch({
  teardownGraceMs: 2000,
  cancellationTimeoutMs: 0,
  onStuck: (cancelled) => {
    console.log('stuck ' + JSON.stringify({ cancelled, exited: watch.hasExited }));
    // process.exit() would wait for the thread forever.
    process.kill(process.pid, 'SIGKILL');
  },
  onCancellationTimeout: () => {},
});
const worker = new Worker(new URL('./worker.mjs', import.meta.url), { workerData: { dir: ${JSON.stringify(join(dir, 'env'))}, lifeline: watch.lifeline }, transferList: [watch.lifeline], resourceLimits: { maxOldGenerationSizeMb: 32 } });
watch.watch(worker);
worker.on('error', (e) => console.log('error ' + e.code));
worker.on('exit', () => { console.log('exit'); process.exit(0); });
setTimeout(() => { console.log('nothing after ' + (Date.now() - started) + ' ms'); process.kill(process.pid, 'SIGKILL'); }, 40_000);
`,
      );
      const child = spawn(process.execPath, [join(dir, 'main.mjs')], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (out += d.toString()));
      await new Promise<void>((resolve) => child.on('close', () => resolve()));
      // Should lmdb-js ever release its lock in that teardown, the worker prints "error ERR_WORKER_OUT_OF_MEMORY" and
      // "exit" instead, and this test has to change with it.
      assert.match(out, /stuck \{"cancelled":false,"exited":false\}/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
