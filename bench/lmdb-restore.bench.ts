/**
 * Restoring embedded-lmdb keyed state several times larger than the heap, in process (one slot's work): a
 * checkpoint of `--keys` keys with ~200-byte values (the shape of the larger-than-the-heap integration test) is
 * written once, full or incremental; then a child process with a V8 heap of `--heap-mb` restores it as a task
 * does (loadRestoredState streaming key groups into the backend, then the state claiming them when it is
 * created) and checks a few values. Printed per heap: whether the restore fit, the time of its two phases, the
 * largest heap V8 reported in use before a collection (`--trace-gc`), and the size of the LMDB file afterwards.
 *
 * Run: `npx tsc -p . && node dist/bench/lmdb-restore.bench.js [--keys 2000000] [--heap-mb 48,128]
 *       [--incremental false,true] [--dir /tmp]`
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync, readFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ValueStateDescriptor, type ValueState } from '../src/api/state.js';
import { EmbeddedLmdbStateBackend, type KeyedStateBackend } from '../src/runtime/state/index.js';
import { writeStateFile, type StateFrame } from '../src/runtime/checkpoint/task-state-file.js';
import { chunkKeyGroup, chunkPath, uploadChunk } from '../src/runtime/checkpoint/shared-chunks.js';
import { loadRestoredState } from '../src/runtime/checkpoint/restore-assignment.js';
import type { CheckpointMetadata } from '../src/runtime/checkpoint/types.js';
import { machine } from './cluster-harness.js';

const MAX_PARALLELISM = 128;
const PAD = 'p'.repeat(190);
const UID = 'remember';

interface Args {
  keys: number;
  heapMb: number[];
  incremental: boolean[];
  dir: string;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { keys: 2_000_000, heapMb: [48, 128], incremental: [false], dir: tmpdir() };
  for (let i = 0; i < argv.length; i += 2) {
    const k = argv[i];
    const v = argv[i + 1] ?? '';
    if (k === '--keys') a.keys = Number(v);
    else if (k === '--heap-mb') a.heapMb = v.split(',').map(Number);
    else if (k === '--incremental') a.incremental = v.split(',').map((x) => x === 'true');
    else if (k === '--dir') a.dir = v;
    else throw new Error(`unknown argument ${k}; see the usage at the top of bench/lmdb-restore.bench.ts`);
  }
  return a;
}

function backendIn(directory: string): KeyedStateBackend {
  return new EmbeddedLmdbStateBackend().createKeyedStateBackend({
    operatorName: 'Remember',
    maxParallelism: MAX_PARALLELISM,
    keyGroupRange: { start: 0, end: MAX_PARALLELISM - 1 },
    now: () => Date.now(),
    localDirectory: directory,
  });
}

/** Writes a checkpoint of `keys` values into `dir` (`_metadata.json`, `op_0_0`, and `shared/` when incremental). */
async function writeCheckpoint(dir: string, keys: number, incremental: boolean): Promise<number> {
  const b = backendIn(join(dir, 'writer'));
  try {
    const seen = b.getPartitionedState<ValueState<{ n: number; pad: string }>>(new ValueStateDescriptor('seen'));
    for (let i = 0; i < keys; i++) {
      const k = `k${i}`;
      b.setCurrentKey(k);
      seen.update({ n: 2, pad: PAD + k });
    }
    const snap = b.snapshot(1);
    const shared = `file://${join(dir, 'shared')}`;
    async function* frames(): AsyncGenerator<StateFrame> {
      for await (const [kg, bytes] of snap.keyGroups()) {
        if (!incremental) {
          yield { op: UID, kg, b: bytes };
          continue;
        }
        const refs: string[] = [];
        for (const chunk of chunkKeyGroup(bytes)) {
          const path = chunkPath(shared, chunk);
          await uploadChunk(path, chunk);
          refs.push(path);
        }
        yield { op: UID, kg, refs };
      }
    }
    let size: number;
    try {
      size = await writeStateFile(`file://${dir}`, 'op_0_0', frames());
    } finally {
      snap.release();
    }
    const meta: CheckpointMetadata = {
      version: 1,
      jobId: 'bench',
      checkpointId: 1,
      timestamp: Date.now(),
      isSavepoint: false,
      directory: `file://${dir}`,
      operators: [{ uid: UID, name: 'Remember', parallelism: 1, maxParallelism: MAX_PARALLELISM, subtasks: [{ subtask: 0, file: 'op_0_0', keyGroupRange: { start: 0, end: MAX_PARALLELISM - 1 }, operatorState: false }] }],
    };
    writeFileSync(join(dir, '_metadata.json'), JSON.stringify(meta));
    return incremental ? size + dirBytes(join(dir, 'shared')) : size;
  } finally {
    b.close();
    rmSync(join(dir, 'writer'), { recursive: true, force: true });
  }
}

function dirBytes(dir: string): number {
  let n = 0;
  for (const f of readdirSync(dir)) n += statSync(join(dir, f)).size;
  return n;
}

/** The child: restores the checkpoint in `dir` and prints one JSON line of timings. */
async function restoreChild(dir: string, keys: number): Promise<void> {
  const meta = JSON.parse(readFileSync(join(dir, '_metadata.json'), 'utf8')) as CheckpointMetadata;
  const local = join(dir, `restore-${process.pid}`);
  mkdirSync(local, { recursive: true });
  const b = backendIn(local);
  try {
    const started = performance.now();
    const all = { start: 0, end: MAX_PARALLELISM - 1 };
    await loadRestoredState(meta, [{ uid: UID, name: 'Remember', maxParallelism: MAX_PARALLELISM, keyGroupRange: all }], 1, 0, undefined, (_uid, kg, bytes) => b.restoreKeyGroup(kg, bytes));
    const loaded = performance.now();
    const seen = b.getPartitionedState<ValueState<{ n: number; pad: string }>>(new ValueStateDescriptor('seen'));
    const claimed = performance.now();
    for (const i of [0, Math.floor(keys / 2), keys - 1]) {
      b.setCurrentKey(`k${i}`);
      if (seen.value()?.pad !== PAD + `k${i}`) throw new Error(`the value of k${i} did not come back`);
    }
    const env = readdirSync(local)[0] as string;
    const fileBytes = statSync(join(local, env, 'data.mdb')).size;
    process.stdout.write(`RESULT ${JSON.stringify({ loadMs: loaded - started, claimMs: claimed - loaded, fileBytes })}\n`);
  } finally {
    b.close();
    rmSync(local, { recursive: true, force: true });
  }
}

/** The largest "used before collection" figure of `--trace-gc` lines ("Mark-Compact 126.2 (131.8) -> ..."). */
function peakHeapMb(trace: string): number {
  let peak = 0;
  for (const m of trace.matchAll(/(?:Scavenge|Mark-Compact|Mark-sweep)[^\d]*?(\d+(?:\.\d+)?) \(\d+(?:\.\d+)?\) ->/g)) peak = Math.max(peak, Number(m[1]));
  return peak;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv[0] === '--restore-from') {
    await restoreChild(argv[1] as string, Number(argv[3]));
    return;
  }
  const args = parseArgs(argv);
  const m = machine();
  const rows: string[] = [];
  for (const incremental of args.incremental) {
    const dir = mkdtempSync(join(args.dir, 'lmdb-restore-bench-'));
    try {
      const t0 = performance.now();
      const size = await writeCheckpoint(dir, args.keys, incremental);
      process.stdout.write(`checkpoint of ${(size / 1048576).toFixed(0)} MiB written in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
      for (const heap of args.heapMb) {
        const child = spawnSync(process.execPath, [`--max-old-space-size=${heap}`, '--trace-gc', fileURLToPath(import.meta.url), '--restore-from', dir, '--keys', String(args.keys)], {
          encoding: 'utf8',
          maxBuffer: 512 * 1024 * 1024,
        });
        const result = /RESULT (\{.*\})/.exec(child.stdout)?.[1];
        const peak = peakHeapMb(child.stdout);
        const kind = incremental ? 'incremental' : 'full';
        let row: string;
        if (child.status === 0 && result !== undefined) {
          const r = JSON.parse(result) as { loadMs: number; claimMs: number; fileBytes: number };
          row = `| ${args.keys.toLocaleString('en')} keys, ${(size / 1048576).toFixed(0)} MiB ${kind} | ${heap} | yes | ${(r.loadMs / 1000).toFixed(1)} | ${(r.claimMs / 1000).toFixed(1)} | ${peak.toFixed(0)} | ${(r.fileBytes / 1048576).toFixed(0)} |`;
        } else {
          const why = /FATAL ERROR: [^\n]*|Error: [^\n]*/.exec(`${child.stderr}\n${child.stdout}`)?.[0] ?? `exit ${child.status}`;
          row = `| ${args.keys.toLocaleString('en')} keys, ${(size / 1048576).toFixed(0)} MiB ${kind} | ${heap} | no: ${why} | | | ${peak.toFixed(0)} | |`;
        }
        process.stdout.write(`${row}\n`);
        rows.push(row);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  process.stdout.write(
    `\n${new Date().toISOString().slice(0, 10)}, ${m.cpu}, ${m.cores} cores, node ${m.node}\n` +
      '| checkpoint | --max-old-space-size (MiB) | restored | load s | claim s | peak heap in use (MiB) | LMDB file (MiB) |\n|---|---|---|---|---|---|---|\n' +
      `${rows.join('\n')}\n`,
  );
}

await main();
