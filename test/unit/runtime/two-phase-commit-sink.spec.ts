/**
 * A user's TwoPhaseCommitSinkFunction (a transaction = the records of one checkpoint interval, written to a file
 * of their own on commit) driven through its operator as a task with checkpoints would drive it.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TwoPhaseCommitSinkFunction, type SinkContext } from '../../../src/api/index.js';
import { decodeRecords, encodeRecord } from '../../../src/runtime/codec/index.js';
import { OPERATORS, type StreamOperator } from '../../../src/runtime/operators/index.js';
import { TestingOperatorContext } from './testing-operator-context.js';

interface Txn {
  id: string;
  records: string[];
}

/** Records of a transaction are kept in the transaction; preCommit stages them in a hidden file, commit renames it. */
class FilePerTransactionSink extends TwoPhaseCommitSinkFunction<string, Txn> {
  readonly calls: string[] = [];
  private running = 0;
  overlapped = false;
  private n = 0;
  constructor(
    private readonly dir: string,
    private readonly attempt: string,
  ) {
    super();
  }
  private async step<T>(what: string, work: () => Promise<T>): Promise<T> {
    this.calls.push(what);
    if (this.running++ > 0) this.overlapped = true;
    try {
      // A real sink waits for the network here; the sink must not start the next call meanwhile.
      await new Promise((r) => setImmediate(r));
      return await work();
    } finally {
      this.running--;
    }
  }
  override open(): void {
    this.calls.push(`open ${this.getRuntimeContext().getIndexOfThisSubtask()}`);
  }
  override close(): void {
    this.calls.push('close');
  }
  protected beginTransaction(): Txn {
    const id = `${this.attempt}-${this.n++}`;
    this.calls.push(`begin ${id}`);
    return { id, records: [] };
  }
  protected invoke(txn: Txn, value: string, context: SinkContext): Promise<void> {
    return this.step(`invoke ${txn.id} ${value}@${context.timestamp()}`, async () => void txn.records.push(value));
  }
  protected preCommit(txn: Txn): Promise<void> {
    return this.step(`preCommit ${txn.id}`, () => writeFile(join(this.dir, `.${txn.id}`), txn.records.map((r) => `${r}\n`).join('')));
  }
  protected commit(txn: Txn): Promise<void> {
    return this.step(`commit ${txn.id}`, async () => {
      // Idempotent: after a restore it may come again for a transaction committed before the failure.
      await rename(join(this.dir, `.${txn.id}`), join(this.dir, txn.id)).catch(async (err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT' || !(await readdir(this.dir)).includes(txn.id)) throw err;
      });
    });
  }
  protected abort(txn: Txn): Promise<void> {
    return this.step(`abort ${txn.id}`, () => rm(join(this.dir, `.${txn.id}`), { force: true }));
  }
  protected override recoverAndAbort(txn: Txn): Promise<void> {
    this.calls.push(`recoverAndAbort ${txn.id} (${txn.records.length} records)`);
    return this.abort(txn);
  }
}

interface Driven {
  h: TestingOperatorContext;
  op: StreamOperator;
  fn: FilePerTransactionSink;
}

async function start(fn: FilePerTransactionSink, restored?: unknown[]): Promise<Driven> {
  const factory = OPERATORS['sink:two-phase-commit'];
  assert.ok(factory);
  const h = new TestingOperatorContext({ name: 'Sink: Unnamed', operator: 'sink:two-phase-commit', fns: [fn], isSink: true });
  const op = factory(h.ctx);
  await op.initializeState?.(restored);
  await op.open?.();
  return { h, op, fn };
}

function write(d: Driven, ...records: string[]): void {
  for (const [i, r] of records.entries()) {
    d.h.element.timestamp = i;
    d.op.processElement?.(r, 0);
  }
}

async function checkpoint(d: Driven, id: number): Promise<unknown[]> {
  // Encoded at once, decoded on restore, as checkpoint storage does.
  const items = decodeRecords(encodeRecord(d.op.snapshotState?.(id, 0) ?? []))[0] as unknown[];
  await d.op.finishSnapshot?.(id);
  return items;
}

describe('TwoPhaseCommitSinkFunction', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ut-2pc-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const committed = async (): Promise<Record<string, string>> => {
    const out: Record<string, string> = {};
    for (const f of (await readdir(dir)).filter((f) => !f.startsWith('.')).sort()) out[f] = await readFile(join(dir, f), 'utf8');
    return out;
  };
  const staged = async (): Promise<string[]> => (await readdir(dir)).filter((f) => f.startsWith('.')).sort();

  it('commits the transaction of a checkpoint when it completes; a restore commits the pending ones and aborts the open one', async () => {
    const d = await start(new FilePerTransactionSink(dir, 'a'));
    write(d, 'r1', 'r2');
    await checkpoint(d, 1);
    write(d, 'r3');
    const second = await checkpoint(d, 2);
    write(d, 'r4');
    assert.deepEqual(await committed(), {});
    await d.op.notifyCheckpointComplete?.(1);
    assert.deepEqual(await committed(), { 'a-0': 'r1\nr2\n' });
    assert.deepEqual(await staged(), ['.a-1'], 'the transaction of checkpoint 2 is pre-committed, not committed');
    assert.equal(d.fn.overlapped, false, 'no two calls at once');
    assert.deepEqual(d.h.failures, []);

    // The process dies. A new one restores checkpoint 2: transaction a-1 was pre-committed for it, a-2 was open.
    const r = await start(new FilePerTransactionSink(dir, 'b'), second);
    assert.deepEqual(await committed(), { 'a-0': 'r1\nr2\n', 'a-1': 'r3\n' });
    // a-0 is in checkpoint 2 too (the notification of checkpoint 1 came after it): committed again, idempotently.
    assert.deepEqual(r.fn.calls.slice(0, 6), ['open 0', 'commit a-0', 'commit a-1', 'recoverAndAbort a-2 (0 records)', 'abort a-2', 'begin b-0']);
    write(r, 'r4', 'r5');
    await r.op.endInput?.(0);
    await r.op.close?.();
    assert.deepEqual(await committed(), { 'a-0': 'r1\nr2\n', 'a-1': 'r3\n', 'b-0': 'r4\nr5\n' }, 'every record exactly once');
    assert.deepEqual(await staged(), []);
    assert.equal(r.fn.calls.at(-1), 'close');
    assert.equal(r.fn.overlapped, false);
  });

  it('invoke sees each record with its context and the transaction open when it arrived; calls run in order', async () => {
    const d = await start(new FilePerTransactionSink(dir, 'a'));
    write(d, 'x', 'y');
    await checkpoint(d, 1);
    await d.op.notifyCheckpointComplete?.(1);
    await d.op.endInput?.(0);
    await d.op.close?.();
    // beginTransaction runs at the barrier; y's invoke waited for x's, and still goes into a-0 with its own timestamp.
    assert.deepEqual(d.fn.calls, ['open 0', 'begin a-0', 'invoke a-0 x@0', 'begin a-1', 'invoke a-0 y@1', 'preCommit a-0', 'commit a-0', 'preCommit a-1', 'commit a-1', 'close']);
    assert.deepEqual(await committed(), { 'a-0': 'x\ny\n', 'a-1': '' });
  });

  it('a later completed checkpoint commits the transactions of earlier ones that were aborted, in order', async () => {
    const d = await start(new FilePerTransactionSink(dir, 'a'));
    write(d, 'one');
    await checkpoint(d, 1);
    write(d, 'two');
    await checkpoint(d, 2);
    d.op.notifyCheckpointAborted?.(1);
    await d.op.notifyCheckpointComplete?.(2);
    assert.deepEqual(await committed(), { 'a-0': 'one\n', 'a-1': 'two\n' });
    assert.deepEqual(
      d.fn.calls.filter((c) => c.startsWith('commit')),
      ['commit a-0', 'commit a-1'],
    );
    await d.op.close?.();
  });

  it('the end of input waits for the commits of a notification still running, and commits each transaction once', async () => {
    const d = await start(new FilePerTransactionSink(dir, 'a'));
    for (let i = 1; i <= 3; i++) {
      write(d, `r${i}`);
      await checkpoint(d, i);
    }
    const notified = d.op.notifyCheckpointComplete?.(3);
    await d.op.endInput?.(0);
    assert.deepEqual(await committed(), { 'a-0': 'r1\n', 'a-1': 'r2\n', 'a-2': 'r3\n', 'a-3': '' });
    await notified;
    await d.op.close?.();
    assert.deepEqual(
      d.fn.calls.filter((c) => c.startsWith('commit')),
      ['commit a-0', 'commit a-1', 'commit a-2', 'commit a-3'],
    );
  });

  it('a failure or cancellation aborts the open transaction and commits nothing', async () => {
    const d = await start(new FilePerTransactionSink(dir, 'a'));
    write(d, 'r1');
    await checkpoint(d, 1);
    write(d, 'r2');
    await d.op.close?.();
    await d.op.close?.();
    assert.deepEqual(await committed(), {});
    assert.deepEqual(await staged(), ['.a-0'], 'the pre-committed transaction stays for a restore to commit');
    assert.deepEqual(d.fn.calls.slice(-2), ['abort a-1', 'close']);
  });

  it('a commit that fails fails the task with the error of the function', async () => {
    const fn = new FilePerTransactionSink(dir, 'a');
    const d = await start(fn);
    write(d, 'r1');
    await checkpoint(d, 1);
    await rm(join(dir, '.a-0'));
    await d.op.notifyCheckpointComplete?.(1);
    assert.equal(d.h.failures.length, 1);
    assert.match(String(d.h.failures[0]), /ENOENT/);
    await d.op.close?.();
  });
});
