/**
 * Read and write throughput of the FileSystem implementations (file:// and hdfs:// through WebHDFS) for a
 * 1 GiB data set at parallelism 1 and 2. Each parallel stream runs in its own worker thread, as a slot's task
 * does. Writes: p writers each write size/p bytes to their own file (create → write 1 MiB chunks → commit).
 * Reads: p readers each read a byte range [i*size/p, (i+1)*size/p) of one file, as input splits do.
 *
 *   node dist/bench/fs.bench.js [--size 1073741824] [--parallelism 1,2] [--runs 3] [--schemes file,hdfs]
 *
 * hdfs:// uses the HDFS of $HADOOP_CONF_DIR; without it, `scripts/hadoop.sh start` (and stop afterwards).
 */
import { execa } from 'execa';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { getFileSystem, loadHadoopConf } from '../src/fs/index.js';

interface Task {
  kind: 'write' | 'read';
  path: string;
  start: number;
  end: number;
}

const CHUNK = 1024 * 1024;

async function runTask(t: Task): Promise<number> {
  const fs = getFileSystem(t.path);
  let bytes = 0;
  if (t.kind === 'write') {
    const chunk = Buffer.alloc(CHUNK, 'abcdefghijklmnopqrstuvwxyz0123456789\n');
    const w = await fs.create(t.path, 'OVERWRITE');
    for (let left = t.end - t.start; left > 0; left -= CHUNK) {
      const n = Math.min(CHUNK, left);
      await w.write(n === CHUNK ? chunk : chunk.subarray(0, n));
      bytes += n;
    }
    await w.commit();
  } else {
    for await (const c of fs.open(t.path, { start: t.start, end: t.end })) bytes += c.byteLength;
  }
  return bytes;
}

if (!isMainThread) {
  const t = workerData as Task;
  parentPort?.postMessage(await runTask(t));
} else {
  await main();
}

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
}

async function parallel(tasks: Task[]): Promise<number> {
  const t0 = performance.now();
  const bytes = await Promise.all(
    tasks.map(
      (task) =>
        new Promise<number>((res, rej) => {
          const w = new Worker(fileURLToPath(import.meta.url), { workerData: task });
          w.once('message', (n: number) => res(n));
          w.once('error', rej);
          w.once('exit', (code) => (code === 0 ? undefined : rej(new Error(`worker exited with ${code}`))));
        }),
    ),
  );
  const seconds = (performance.now() - t0) / 1000;
  const total = bytes.reduce((a, b) => a + b, 0);
  return total / (1024 * 1024) / seconds;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
}

async function main(): Promise<void> {
  const size = Number(arg('size', String(1024 * 1024 * 1024)));
  const ps = arg('parallelism', '1,2').split(',').map(Number);
  const runs = Number(arg('runs', '3'));
  const schemes = arg('schemes', 'file,hdfs').split(',');
  const home = resolve(process.env.FLINK_HOME ?? join(dirname(fileURLToPath(import.meta.url)), '..', '..'));
  let startedHdfs = false;
  const localDir = await mkdtemp(join(tmpdir(), 'fs-bench-'));
  try {
    const bases: Record<string, string> = { file: localDir };
    if (schemes.includes('hdfs')) {
      if (!process.env.HADOOP_CONF_DIR) {
        const script = join(home, 'scripts', 'hadoop.sh');
        const status = await execa('bash', [script, 'status'], { reject: false, timeout: 60_000 });
        const r = status.exitCode === 0 ? status : await execa('bash', [script, 'start'], { reject: false, stderr: 'inherit', timeout: 400_000 });
        const dir = /^HADOOP_CONF_DIR=(.+)$/m.exec(String(r.stdout))?.[1];
        if (r.exitCode !== 0 || !dir) throw new Error(`scripts/hadoop.sh start failed: ${String(r.stdout)}`);
        process.env.HADOOP_CONF_DIR = dir;
        startedHdfs = status.exitCode !== 0;
      }
      const defaultFs = loadHadoopConf().get('fs.defaultFS');
      if (!defaultFs) throw new Error('no fs.defaultFS in $HADOOP_CONF_DIR/core-site.xml');
      bases.hdfs = `${defaultFs}/fs-bench-${process.pid}`;
    }
    console.log(`size ${(size / 1024 / 1024).toFixed(0)} MiB, ${runs} runs, median MB/s (MiB/s); all runs in brackets`);
    console.log('| scheme | p | write MB/s | read MB/s |');
    console.log('|---|---|---|---|');
    for (const scheme of schemes) {
      const base = bases[scheme] as string;
      const fs = getFileSystem(base);
      await fs.mkdirs(base);
      const whole = `${base}/whole.bin`;
      await parallel([{ kind: 'write', path: whole, start: 0, end: size }]);
      for (const p of ps) {
        const writes: number[] = [];
        const reads: number[] = [];
        for (let r = 0; r < runs; r++) {
          const share = (i: number): number => Math.floor((size * i) / p);
          writes.push(await parallel(Array.from({ length: p }, (_, i) => ({ kind: 'write' as const, path: `${base}/part-${i}.bin`, start: share(i), end: share(i + 1) }))));
          reads.push(await parallel(Array.from({ length: p }, (_, i) => ({ kind: 'read' as const, path: whole, start: share(i), end: share(i + 1) }))));
        }
        const fmt = (xs: number[]): string => `${median(xs).toFixed(0)} [${xs.map((x) => x.toFixed(0)).join(', ')}]`;
        console.log(`| ${scheme}:// | ${p} | ${fmt(writes)} | ${fmt(reads)} |`);
      }
      await fs.delete(base, true);
    }
  } finally {
    await rm(localDir, { recursive: true, force: true });
    if (startedHdfs) await execa('bash', [join(home, 'scripts', 'hadoop.sh'), 'stop'], { reject: false, timeout: 120_000 });
  }
}
