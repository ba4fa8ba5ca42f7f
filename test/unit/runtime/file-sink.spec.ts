/**
 * The row-format file sink operator driven directly, as a task with checkpoints would drive it: records,
 * snapshotState, finishSnapshot, notifyCheckpointComplete, restore into a fresh operator, failure, end of input.
 * What is checked is what a user sees in the output directory: which files are visible, under which names,
 * with which lines. The lifecycle cases run on a local directory and on a fake WebHDFS (hdfs://).
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BasePathBucketAssigner,
  DateTimeBucketAssigner,
  DefaultRollingPolicy,
  FileSink,
  OnCheckpointRollingPolicy,
  OutputFileConfig,
  StreamingFileSink,
  type BucketAssigner,
} from '../../../src/api/index.js';
import { decodeRecords, encodeRecord } from '../../../src/runtime/codec/index.js';
import { OPERATORS, type StreamOperator } from '../../../src/runtime/operators/index.js';
import { waitFor } from '../../support/processes.js';
import { TestingWebHdfsServer } from '../fs/testing-webhdfs-server.js';
import { ManualClock, TestingOperatorContext, type TestingContextOptions } from './testing-operator-context.js';

/** Where the sink writes, read back without flink-ts' FileSystem. */
interface Store {
  /** The base path as the sink gets it. */
  base: string;
  /** Every file below the base path: relative path → content. */
  files(): Promise<Map<string, string>>;
  /** Deletes one file (relative path). */
  remove(rel: string): Promise<void>;
  /** Whether a file being written shows up before it is closed (a local file does; a WebHDFS upload does not). */
  showsOpenFiles: boolean;
}

const hidden = (rel: string): boolean => /^[._]/.test(rel.slice(rel.lastIndexOf('/') + 1));

async function visible(store: Store): Promise<Map<string, string>> {
  return new Map([...(await store.files())].filter(([rel]) => !hidden(rel)));
}
async function hiddenNames(store: Store): Promise<string[]> {
  return [...(await store.files()).keys()].filter(hidden);
}
/** The lines of every visible file, sorted (files are unordered among themselves). */
async function visibleLines(store: Store): Promise<string[]> {
  return [...(await visible(store)).values()].flatMap((c) => c.split('\n').filter((l) => l !== '')).sort();
}
/** A checkpoint's items as they come back from storage: encoded at once, decoded on restore. */
function stored(items: unknown[]): unknown[] {
  return decodeRecords(encodeRecord(items))[0] as unknown[];
}

interface Driven {
  h: TestingOperatorContext;
  op: StreamOperator;
  write(...records: unknown[]): void;
}

async function start(sink: unknown, restored?: unknown[], clock?: ManualClock, o: TestingContextOptions = {}): Promise<Driven> {
  const factory = OPERATORS['sink:file'];
  assert.ok(factory);
  const h = new TestingOperatorContext({ name: 'FileSink', operator: 'sink:file', fns: [sink], isSink: true }, { ...o, ...(clock ? { clock } : {}) });
  const op = factory(h.ctx);
  await op.initializeState?.(restored);
  await op.open?.();
  return { h, op, write: (...records) => records.forEach((r) => op.processElement?.(r, 0)) };
}

async function checkpoint(d: Driven, id: number): Promise<unknown[]> {
  const items = stored(d.op.snapshotState?.(id, Date.now()) ?? []);
  await d.op.finishSnapshot?.(id);
  return items;
}

const PART = /^part-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}-\d+$/;

function lifecycle(kind: string, make: () => Promise<Store & { cleanup(): Promise<void> }>): void {
  describe(`file sink lifecycle (${kind})`, () => {
    let store: Store & { cleanup(): Promise<void> };
    beforeEach(async () => {
      store = await make();
    });
    afterEach(async () => {
      await store.cleanup();
    });
    const sink = (): FileSink<string> => FileSink.forRowFormat<string>(store.base).withBucketAssigner(new BasePathBucketAssigner()).build();

    it('a completed checkpoint makes exactly the records before it visible, under Flink names', async () => {
      const d = await start(sink());
      d.write('a', 'b');
      await checkpoint(d, 1);
      d.write('c');
      await checkpoint(d, 2);
      d.write('d');
      assert.deepEqual(await visibleLines(store), [], 'nothing visible before a checkpoint completes');
      await d.op.notifyCheckpointComplete?.(1);
      assert.deepEqual(await visibleLines(store), ['a', 'b']);
      for (const name of (await visible(store)).keys()) assert.match(name, PART);
      assert.ok(
        (await hiddenNames(store)).some((n) => /^\.part-[0-9a-f-]{36}-\d+\.inprogress\.[0-9a-f-]{36}$/.test(n)),
        `the file of checkpoint 2 waits hidden as .part-<uuid>-<n>.inprogress.<uuid>: ${(await hiddenNames(store)).join(', ')}`,
      );
      await d.op.notifyCheckpointComplete?.(1);
      await d.op.notifyCheckpointComplete?.(2);
      assert.deepEqual(await visibleLines(store), ['a', 'b', 'c']);
      await d.op.endInput?.(0);
      await d.op.close?.();
      assert.deepEqual(await visibleLines(store), ['a', 'b', 'c', 'd']);
      assert.deepEqual(await hiddenNames(store), [], 'no hidden file left after the end of input');
      assert.deepEqual(d.h.failures, []);
    });

    it('a restore commits the files of the restored checkpoint and removes what the failed attempt left', async () => {
      const d = await start(sink());
      d.write('a', 'b');
      await checkpoint(d, 1);
      d.write('c');
      const second = await checkpoint(d, 2);
      d.write('d');
      await checkpoint(d, 3);
      d.write('e');
      if (store.showsOpenFiles) await waitFor('the open part file of e', 10_000, async () => ((await hiddenNames(store)).some((n) => n.startsWith('..')) ? true : undefined));
      // The process dies here: checkpoint 2 completed but nobody was told, checkpoint 3 never completed.
      const before = await hiddenNames(store);
      assert.ok(before.length >= 3, `pending files of checkpoints 1-3 are there: ${before.join(', ')}`);

      const r = await start(sink(), second);
      assert.deepEqual(await visibleLines(store), ['a', 'b', 'c'], 'the files of checkpoints 1 and 2 are committed');
      assert.deepEqual(await hiddenNames(store), [], "checkpoint 3's pending file and the open file are gone");
      r.write('d', 'e', 'f');
      await r.op.endInput?.(0);
      await r.op.close?.();
      assert.deepEqual(await visibleLines(store), ['a', 'b', 'c', 'd', 'e', 'f'], 'every record exactly once');
      assert.equal(new Set((await visible(store)).keys()).size, (await visible(store)).size);
      assert.deepEqual(r.h.failures, []);
    });

    it('a restore at another parallelism commits the files of every old subtask', async () => {
      const old = await Promise.all([0, 1].map((subtask) => start(sink(), undefined, undefined, { subtask, parallelism: 2 })));
      old[0]?.write('a', 'b');
      old[1]?.write('c');
      const items = (await Promise.all(old.map((d) => checkpoint(d, 1)))).flat();
      assert.equal(items.length, 2, 'one item per subtask');
      const r = await start(sink(), items, undefined, { subtask: 0, parallelism: 1 });
      assert.deepEqual(await visibleLines(store), ['a', 'b', 'c']);
      r.write('d');
      await r.op.endInput?.(0);
      await r.op.close?.();
      assert.deepEqual(await visibleLines(store), ['a', 'b', 'c', 'd']);
    });

    it('committing again what is already committed is fine (a restore after the notification)', async () => {
      const d = await start(sink());
      d.write('a');
      const first = await checkpoint(d, 1);
      await d.op.notifyCheckpointComplete?.(1);
      await d.op.notifyCheckpointComplete?.(1);
      const r = await start(sink(), first);
      await r.op.endInput?.(0);
      await r.op.close?.();
      assert.deepEqual(await visibleLines(store), ['a']);
      assert.deepEqual(r.h.failures, []);
    });

    it('a failure or cancellation makes nothing visible; the next start removes the hidden files', async () => {
      const d = await start(
        FileSink.forRowFormat<string>(store.base)
          .withBucketAssigner(new BasePathBucketAssigner())
          .withRollingPolicy(DefaultRollingPolicy.builder().withMaxPartSize(1).build())
          .build(),
      );
      d.write('a');
      await checkpoint(d, 1);
      d.write('b', 'c'); // b's file rolls, pending for no checkpoint yet; c's stays open
      await d.op.close?.();
      await d.op.close?.();
      assert.deepEqual(await visibleLines(store), []);
      assert.equal((await hiddenNames(store)).length, 1, "the pending file of checkpoint 1 stays (a restore may need it); b's and c's went");
      // A restart from before checkpoint 1 (it never completed).
      const r = await start(sink(), []);
      assert.deepEqual(await hiddenNames(store), []);
      await r.op.close?.();
      assert.deepEqual(await visibleLines(store), []);
    });

    it('a completed checkpoint also commits the files of earlier checkpoints that were aborted', async () => {
      const d = await start(sink());
      d.write('a');
      await checkpoint(d, 1);
      d.write('b');
      await checkpoint(d, 2);
      d.op.notifyCheckpointAborted?.(1);
      await d.op.notifyCheckpointComplete?.(2);
      assert.deepEqual(await visibleLines(store), ['a', 'b']);
      await d.op.close?.();
    });

    it('the end of input waits for the commits of a notification still running', async () => {
      const d = await start(sink());
      for (let i = 1; i <= 5; i++) {
        d.write(`r${i}`);
        await checkpoint(d, i);
      }
      const notified = d.op.notifyCheckpointComplete?.(5);
      await d.op.endInput?.(0);
      assert.deepEqual(await visibleLines(store), ['r1', 'r2', 'r3', 'r4', 'r5'], 'everything is committed when endInput returns');
      await notified;
      await d.op.close?.();
      assert.deepEqual(await hiddenNames(store), []);
      assert.deepEqual(d.h.failures, []);
    });

    it('a pending file that disappeared fails the restore with what happened and what to do', async () => {
      const d = await start(sink());
      d.write('a');
      const first = await checkpoint(d, 1);
      for (const n of await hiddenNames(store)) await store.remove(n);
      await assert.rejects(start(sink(), first), (e: Error & { code?: string }) => e.code === 'FILE_SINK_PENDING_FILE_MISSING' && /neither its pending file/.test(e.message));
    });
  });
}

lifecycle('local directory', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ut-file-sink-'));
  return {
    base: join(dir, 'out'),
    showsOpenFiles: true,
    files: async () => {
      const out = new Map<string, string>();
      const walk = async (abs: string, rel: string): Promise<void> => {
        let entries;
        try {
          entries = await readdir(abs, { withFileTypes: true });
        } catch {
          return;
        }
        for (const e of entries) {
          const r = rel ? `${rel}/${e.name}` : e.name;
          if (e.isDirectory()) await walk(join(abs, e.name), r);
          else out.set(r, await readFile(join(abs, e.name), 'utf8'));
        }
      };
      await walk(join(dir, 'out'), '');
      return out;
    },
    remove: (rel) => unlink(join(dir, 'out', rel)),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
});

lifecycle('hdfs:// (fake WebHDFS)', async () => {
  const server = new TestingWebHdfsServer();
  await server.start();
  const confDir = await mkdtemp(join(tmpdir(), 'ut-file-sink-hadoop-'));
  await writeFile(
    join(confDir, 'hdfs-site.xml'),
    `<configuration><property><name>dfs.namenode.http-address</name><value>${server.address}</value></property></configuration>`,
  );
  const saved = { conf: process.env.HADOOP_CONF_DIR, user: process.env.HADOOP_USER_NAME };
  process.env.HADOOP_CONF_DIR = confDir;
  process.env.HADOOP_USER_NAME = 'tester';
  const root = '/sink/out';
  return {
    base: `hdfs://fake-nn:8020${root}`,
    showsOpenFiles: false,
    files: async () => new Map([...server.files].filter(([p]) => p.startsWith(`${root}/`)).map(([p, b]) => [p.slice(root.length + 1), b.toString('utf8')])),
    remove: async (rel) => void server.files.delete(`${root}/${rel}`),
    cleanup: async () => {
      for (const [k, v] of [
        ['HADOOP_CONF_DIR', saved.conf],
        ['HADOOP_USER_NAME', saved.user],
      ] as const) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
      await server.close();
      await rm(confDir, { recursive: true, force: true });
    },
  };
});

describe('file sink: rolling, buckets, names, encoders', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ut-file-sink-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const store = (): Store => ({
    base: dir,
    showsOpenFiles: true,
    files: async () => {
      const out = new Map<string, string>();
      const walk = async (abs: string, rel: string): Promise<void> => {
        for (const e of await readdir(abs, { withFileTypes: true })) {
          const r = rel ? `${rel}/${e.name}` : e.name;
          if (e.isDirectory()) await walk(join(abs, e.name), r);
          else out.set(r, await readFile(join(abs, e.name), 'utf8'));
        }
      };
      await walk(dir, '');
      return out;
    },
    remove: (rel) => unlink(join(dir, rel)),
  });
  /** The visible files' contents in the order the sink opened them (by part counter). */
  const filesInOrder = async (): Promise<string[]> =>
    [...(await visible(store()))].sort(([a], [b]) => Number(/-(\d+)[^-]*$/.exec(a)?.[1]) - Number(/-(\d+)[^-]*$/.exec(b)?.[1])).map(([, c]) => c);

  it('rolls when the part file is bigger than the maximum part size (checked before each record)', async () => {
    const sink = FileSink.forRowFormat<string>(dir)
      .withBucketAssigner(new BasePathBucketAssigner())
      .withRollingPolicy(DefaultRollingPolicy.builder().withMaxPartSize(10).build())
      .build();
    const d = await start(sink);
    d.write('r1..', 'r2..', 'r3..', 'r4..', 'r5..', 'r6..', 'r7..');
    await d.op.endInput?.(0);
    await d.op.close?.();
    // 5 bytes a line: after 2 lines the file holds 10 (not more than 10), after 3 it holds 15 and rolls.
    assert.deepEqual(await filesInOrder(), ['r1..\nr2..\nr3..\n', 'r4..\nr5..\nr6..\n', 'r7..\n']);
  });

  it('counts bytes, not characters, for the part size', async () => {
    const sink = FileSink.forRowFormat<string>(dir)
      .withBucketAssigner(new BasePathBucketAssigner())
      .withRollingPolicy(DefaultRollingPolicy.builder().withMaxPartSize(100_000).build())
      .build();
    const d = await start(sink);
    const line = 'ä'.repeat(40_000); // 80 000 bytes + '\n', 40 001 characters
    d.write(line, line, line);
    await d.op.endInput?.(0);
    await d.op.close?.();
    assert.deepEqual((await filesInOrder()).map((c) => c.split('\n').length - 1), [2, 1]);
  });

  it('rolls a part file older than the rollover interval, and one inactive for the inactivity interval', async () => {
    const clock = new ManualClock(0);
    const policy = DefaultRollingPolicy.builder().withRolloverInterval(1000).withInactivityInterval(300).build();
    const sink = FileSink.forRowFormat<string>(dir).withBucketAssigner(new BasePathBucketAssigner()).withRollingPolicy(policy).withBucketCheckInterval(100).build();
    const d = await start(sink, undefined, clock);
    d.write('a');
    for (let t = 100; t <= 900; t += 100) {
      clock.advanceTo(t);
      d.write(`a${t}`); // never inactive for 300 ms, so only the rollover interval ends this file
    }
    clock.advanceTo(1000);
    d.write('b');
    clock.advanceTo(1400); // 400 ms without records
    d.write('c');
    await d.op.endInput?.(0);
    await d.op.close?.();
    const files = await filesInOrder();
    assert.equal(files.length, 3);
    assert.equal(files[0], ['a', 'a100', 'a200', 'a300', 'a400', 'a500', 'a600', 'a700', 'a800', 'a900', ''].join('\n'));
    assert.deepEqual(files.slice(1), ['b\n', 'c\n']);
  });

  it('OnCheckpointRollingPolicy: one file per bucket and checkpoint, whatever its size and age', async () => {
    const clock = new ManualClock(0);
    const sink = FileSink.forRowFormat<string>(dir).withBucketAssigner(new BasePathBucketAssigner()).withRollingPolicy(OnCheckpointRollingPolicy.build()).withBucketCheckInterval(10).build();
    const d = await start(sink, undefined, clock);
    d.write('x'.repeat(200_000), 'y');
    clock.advanceTo(10 * 60_000);
    d.write('z');
    await checkpoint(d, 1);
    d.write('after');
    await d.op.notifyCheckpointComplete?.(1);
    assert.deepEqual((await filesInOrder()).map((c) => c.split('\n').length - 1), [3]);
    await d.op.endInput?.(0);
    await d.op.close?.();
    assert.deepEqual((await filesInOrder()).map((c) => c.split('\n').length - 1), [3, 1]);
  });

  it('DateTimeBucketAssigner: one directory per hour of the wall clock, yyyy-MM-dd--HH by default', async () => {
    const clock = new ManualClock(Date.UTC(2024, 0, 31, 23, 59, 59, 500));
    const sink = StreamingFileSink.forRowFormat<string>(dir).withBucketAssigner(new DateTimeBucketAssigner(undefined, 'UTC')).build();
    const d = await start(sink, undefined, clock);
    d.write('late');
    clock.advanceTo(Date.UTC(2024, 1, 1, 0, 0, 0, 10));
    d.write('early');
    await d.op.endInput?.(0);
    await d.op.close?.();
    const files = await visible(store());
    assert.deepEqual([...files.keys()].map((k) => k.split('/')[0]).sort(), ['2024-01-31--23', '2024-02-01--00']);
    assert.deepEqual([...files].find(([k]) => k.startsWith('2024-02-01--00/'))?.[1], 'early\n');
  });

  it('a bucket assigner of its own picks nested directories; a bad bucket id is refused with a reason', async () => {
    const byCountry: BucketAssigner<{ country: string; n: number }> = { getBucketId: (e) => `country=${e.country}/part` };
    const sink = FileSink.forRowFormat<{ country: string; n: number }>(dir, (e) => `${e.n}\n`).withBucketAssigner(byCountry).build();
    const d = await start(sink);
    d.write({ country: 'de', n: 1 }, { country: 'fr', n: 2 }, { country: 'de', n: 3 });
    await d.op.endInput?.(0);
    await d.op.close?.();
    const files = await visible(store());
    assert.deepEqual([...files].map(([k, v]) => [k.slice(0, k.lastIndexOf('/')), v]).sort(), [
      ['country=de/part', '1\n3\n'],
      ['country=fr/part', '2\n'],
    ]);
    const bad = await start(FileSink.forRowFormat<string>(dir).withBucketAssigner({ getBucketId: () => '../escape' }).build());
    assert.throws(() => bad.write('x'), /bucket id must be a relative directory path/);
    await bad.op.close?.();
  });

  it('OutputFileConfig sets prefix and suffix of the final and the pending names', async () => {
    const sink = FileSink.forRowFormat<string>(dir)
      .withBucketAssigner(new BasePathBucketAssigner())
      .withOutputFileConfig(OutputFileConfig.builder().withPartPrefix('events').withPartSuffix('.txt').build())
      .build();
    const d = await start(sink);
    d.write('a');
    await checkpoint(d, 1);
    assert.match((await hiddenNames(store()))[0] ?? '', /^\.events-[0-9a-f-]{36}-0\.txt\.inprogress\.[0-9a-f-]{36}$/);
    await d.op.notifyCheckpointComplete?.(1);
    assert.match([...(await visible(store())).keys()][0] ?? '', /^events-[0-9a-f-]{36}-0\.txt$/);
    await d.op.close?.();
  });

  it('SimpleStringEncoder writes records as print() shows them; an encoder may give bytes', async () => {
    const d = await start(FileSink.forRowFormat(dir).withBucketAssigner(new BasePathBucketAssigner()).build());
    d.write(['a', 1], 'plain', { k: 'v' });
    await d.op.endInput?.(0);
    await d.op.close?.();
    assert.deepEqual(await filesInOrder(), ['(a,1)\nplain\n{"k":"v"}\n']);
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir);
    const bytes = await start(FileSink.forRowFormat<number>(dir, { encode: (n) => Uint8Array.of(n) }).withBucketAssigner(new BasePathBucketAssigner()).build());
    bytes.write(65, 66, 10);
    await bytes.op.endInput?.(0);
    await bytes.op.close?.();
    assert.deepEqual(await filesInOrder(), ['AB\n']);
  });

  it('two sinks of one job in the same directory, and their restores, keep to their own files', async () => {
    const a = await start(FileSink.forRowFormat<string>(dir).withBucketAssigner(new BasePathBucketAssigner()).build());
    a.write('a1');
    const aState = await checkpoint(a, 1);
    // Another operator (another transformation id) of the same job: other part file names.
    const factory = OPERATORS['sink:file'];
    assert.ok(factory);
    const other = new TestingOperatorContext({ name: 'FileSink B', operator: 'sink:file', fns: [FileSink.forRowFormat<string>(dir).withBucketAssigner(new BasePathBucketAssigner()).build()] });
    Object.defineProperty(other.ctx.transformation, 'id', { value: 2 });
    const b = factory(other.ctx);
    await b.initializeState?.(undefined);
    await b.open?.();
    b.processElement?.('b1', 0);
    b.snapshotState?.(1, 0);
    await b.finishSnapshot?.(1);
    // A restore of sink A must not remove B's pending file.
    const r = await start(FileSink.forRowFormat<string>(dir).withBucketAssigner(new BasePathBucketAssigner()).build(), aState);
    await b.notifyCheckpointComplete?.(1);
    assert.deepEqual(await visibleLines(store()), ['a1', 'b1']);
    await r.op.close?.();
    await b.close?.();
  });
});
