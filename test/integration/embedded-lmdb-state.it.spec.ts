/**
 * Keyed state larger than the heap, on a real standalone cluster (1 TaskManager, 1 slot) configured with
 * `state.backend: embedded-lmdb` and a small heap: a keyed job keeps a ~200-byte value for each of 2M keys
 * (over 400 MiB of state against a 128 MiB slot heap), updates every key twice and counts the keys whose
 * second visit found the first one's value intact; checkpointed, the same state survives a kill -9 of the
 * TaskManager and is restored into a new one with the same small heap. The same job with the heap backend
 * (`-D state.backend=hashmap`, a job's own setting) runs out of memory.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StandaloneCluster, waitFor } from './support/standalone-cluster.js';

const KEYS = 2_000_000;
const SLOT_HEAP_MB = 128;
/**
 * The kill test keeps as much state in fewer, larger values (1M keys of ~420 bytes): the same bytes to checkpoint
 * and restore, half the records to process. A million entries still take far more than the heap as objects.
 */
const KILL_KEYS = 1_000_000;
const KILL_PAD = 400;

/**
 * Records k0..k{keys-1}, round after round, so every key's value is live at once. The first stage checks and
 * updates each key's value ({n, pad}: about 200 bytes) and emits 1 on the key's last round; the second stage
 * (one key) counts them in ValueState and writes the count when the final watermark fires its timer.
 */
const JOB = `import { StreamExecutionEnvironment, ParameterTool, KeyedProcessFunction, ValueStateDescriptor, WatermarkStrategy } from 'flink-ts';
const params = ParameterTool.fromArgs(process.argv.slice(2));
const keys = Number(params.get('keys'));
const rounds = Number(params.get('rounds'));
const failAfter = Number(params.get('fail-after', '-1'));
const PAD = 'p'.repeat(Number(params.get('pad', '190')));
class Remember extends KeyedProcessFunction {
  open() { this.seen = this.getRuntimeContext().getState(new ValueStateDescriptor('seen')); this.processed = 0; }
  processElement(key, ctx, out) {
    if (++this.processed === failAfter) throw new Error('failing on purpose after ' + failAfter + ' records');
    const v = this.seen.value();
    if (v !== null && v.pad !== PAD + key) throw new Error('the value of ' + key + ' came back changed: ' + JSON.stringify(v).slice(0, 80));
    const n = v === null ? 1 : v.n + 1;
    this.seen.update({ n, pad: PAD + key });
    if (n === rounds) out.collect(1);
  }
}
class CountAtTheEnd extends KeyedProcessFunction {
  open() { this.count = this.getRuntimeContext().getState(new ValueStateDescriptor('count')); }
  processElement(one, ctx, out) {
    const c = this.count.value();
    if (c === null) ctx.timerService().registerEventTimeTimer(keys * rounds);
    this.count.update((c ?? 0) + one);
  }
  onTimer(ts, ctx, out) { out.collect('distinct keys: ' + this.count.value()); }
}
const env = StreamExecutionEnvironment.getExecutionEnvironment();
env.generateSequence(0, keys * rounds - 1)
  .assignTimestampsAndWatermarks(WatermarkStrategy.forMonotonousTimestamps().withTimestampAssigner((i) => i))
  .map((i) => 'k' + (i % keys))
  .keyBy((k) => k)
  .process(new Remember()).name('Remember')
  .keyBy(() => 0)
  .process(new CountAtTheEnd()).name('Count')
  .writeAsText(params.get('output'));
await env.execute('Larger Than The Heap');
`;

interface Exceptions {
  'root-exception': string | null;
}

interface CheckpointStats {
  latest: { completed: { state_size: number } | null; restored: { id: number } | null };
}

describe(`keyed state larger than the heap (real cluster, state.backend: embedded-lmdb, ${SLOT_HEAP_MB} MiB slot heap)`, function () {
  this.timeout(900_000);
  let cluster: StandaloneCluster | undefined;
  /** The TaskManager's io.tmp.dirs, where the task's LMDB environments live. */
  let tmp: string;

  before(async function () {
    this.timeout(120_000);
    tmp = await mkdtemp(join(tmpdir(), 'flink-it-lmdb-'));
    cluster = await StandaloneCluster.start({
      taskManagers: 1,
      slotsPerTaskManager: 1,
      // One slot: the worker's heap limit is the whole taskmanager.heap.size (workerHeapLimits: old generation
      // 128 MiB, young generation left at V8's default because an eighth of 128 MiB is below 48 MiB).
      extraConf: ['state.backend: embedded-lmdb', `taskmanager.heap.size: ${SLOT_HEAP_MB}m`, `io.tmp.dirs: ${tmp}`],
    });
  });

  after(async function () {
    this.timeout(60_000);
    await cluster?.stop();
    await rm(tmp, { recursive: true, force: true });
  });

  async function program(c: StandaloneCluster): Promise<string> {
    const file = join(await c.tempDir('jobs'), 'larger-than-the-heap.js');
    await writeFile(file, JOB);
    return file;
  }

  it(`counts ${KEYS / 1e6}M distinct keys with ~200-byte values kept in LMDB, several times the slot's heap`, async () => {
    const c = cluster as StandaloneCluster;
    const out = join(await c.tempDir('out'), 'count');
    let finished = false;
    const run = c.flink(['run', '-p', '1', await program(c), '--keys', String(KEYS), '--rounds', '2', '--output', out], { timeout: 840_000 });
    void run.finally(() => (finished = true));
    // The LMDB files' largest size while the job runs: the state really is on disk, and larger than the heap.
    let peak = 0;
    await waitFor('the job to end', 840_000, async () => {
      peak = Math.max(peak, await lmdbBytes(tmp));
      return finished ? true : undefined;
    }, 500);
    const r = await run;
    assert.equal(r.exitCode, 0, r.describe);
    assert.equal((await readOutput(out)).trim(), `distinct keys: ${KEYS}`);
    assert.ok(peak > 3 * SLOT_HEAP_MB * 1024 * 1024, `the LMDB file reached ${(peak / 1024 / 1024).toFixed(0)} MiB, over 3x the slot heap`);
    await waitFor('the task to remove its LMDB environment', 30_000, async () => ((await findLmdbDirs(tmp)).length === 0 ? true : undefined));
  });

  it('a task that fails removes its LMDB environment too', async () => {
    const c = cluster as StandaloneCluster;
    const out = join(await c.tempDir('out'), 'count');
    const r = await c.flink(['run', '-p', '1', await program(c), '--keys', '100000', '--rounds', '2', '--fail-after', '150000', '--output', out], { timeout: 120_000 });
    assert.equal(r.exitCode, 1, r.describe);
    assert.match(r.stderr, /failing on purpose after 150000 records/, r.describe);
    await waitFor('the failed task to remove its LMDB environment', 30_000, async () => ((await findLmdbDirs(tmp)).length === 0 ? true : undefined));
  });

  it('checkpoints that state while the job runs, and a kill -9 of the TaskManager restores it from the checkpoint', async () => {
    const c = cluster as StandaloneCluster;
    const out = join(await c.tempDir('out'), 'count');
    const checkpoints = await c.tempDir('checkpoints');
    const conf = ['execution.checkpointing.interval=10s', `state.checkpoints.dir=file://${checkpoints}`, 'execution.checkpointing.timeout=5min'];
    const args = ['--keys', String(KILL_KEYS), '--pad', String(KILL_PAD), '--rounds', '3', '--output', out];
    const run = await c.flink(['run', '-d', '-p', '1', ...conf.flatMap((k) => ['-D', k]), await program(c), ...args]);
    assert.equal(run.exitCode, 0, run.describe);
    const jobId = /JobID ([0-9a-f]{32})/.exec(run.stdout)?.[1] as string;
    // A checkpoint of more than three times the slot's heap completes while the job runs.
    await waitFor('a checkpoint larger than three times the heap', 600_000, async () => {
      const s = await c.rest<CheckpointStats>(`/jobs/${jobId}/checkpoints`);
      return (s.latest.completed?.state_size ?? 0) > 3 * SLOT_HEAP_MB * 1024 * 1024 ? true : undefined;
    }, 500);
    const [victim] = await c.pids('taskexecutor');
    await c.startTaskManager();
    process.kill(victim as number, 'SIGKILL');
    // The new TaskManager restores all of it into its own LMDB environment, within the same 128 MiB slot heap.
    assert.equal(await c.awaitJobState(jobId, ['FINISHED', 'FAILED', 'CANCELED'], 600_000), 'FINISHED');
    const restored = (await c.rest<CheckpointStats>(`/jobs/${jobId}/checkpoints`)).latest.restored?.id;
    assert.ok(restored !== undefined, 'the job restored a checkpoint');
    const size = (await c.rest<{ state_size: number }>(`/jobs/${jobId}/checkpoints/details/${restored}`)).state_size;
    assert.ok(size > 3 * SLOT_HEAP_MB * 1024 * 1024, `the restored checkpoint holds ${(size / 1048576).toFixed(0)} MiB, over 3x the slot heap`);
    assert.equal((await readOutput(out)).trim(), `distinct keys: ${KILL_KEYS}`);
  });

  it('the same job with the heap backend (-D state.backend=hashmap) runs out of memory in its slot', async () => {
    const c = cluster as StandaloneCluster;
    const out = join(await c.tempDir('out'), 'count');
    const r = await c.flink(['run', '-p', '1', '-D', 'state.backend=hashmap', await program(c), '--keys', String(KEYS), '--rounds', '2', '--output', out], { timeout: 600_000 });
    assert.equal(r.exitCode, 1, r.describe);
    assert.match(r.stderr, /Remember.* ran out of memory in slot 0 of TaskManager [0-9a-f]+: its heap limit is 128 MiB/, r.describe);
    const jobId = /JobID ([0-9a-f]{32})/.exec(r.stdout)?.[1];
    assert.ok(jobId, r.describe);
    const root = (await c.rest<Exceptions>(`/jobs/${jobId}/exceptions`))['root-exception'] ?? '';
    assert.match(root, /TaskOutOfMemoryError/);
  });
});

/** A file sink's output: one file at parallelism 1, else the files of a directory. */
async function readOutput(path: string): Promise<string> {
  const st = await stat(path);
  if (!st.isDirectory()) return readFile(path, 'utf8');
  return (await Promise.all((await readdir(path)).sort().map((f) => readFile(join(path, f), 'utf8')))).join('');
}

/** The bytes of every LMDB data file under `dir`. */
async function lmdbBytes(dir: string): Promise<number> {
  let total = 0;
  for (const d of await findLmdbDirs(dir)) total += (await stat(join(d, 'data.mdb')).catch(() => ({ size: 0 }))).size;
  return total;
}

/** LMDB environments (`flink-ts-lmdb-*` directories) under `dir`, at any depth. */
async function findLmdbDirs(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => [])) {
    if (e.isDirectory() && e.name.startsWith('flink-ts-lmdb-')) found.push(join(e.parentPath, e.name));
  }
  return found;
}
