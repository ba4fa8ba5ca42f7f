/**
 * What parallel program uploads cost the JobManager's memory: N clients upload a file of S MB each at the same
 * time (`POST /jars/upload`) to a real standalone cluster, then delete them (`DELETE /jars/:jarid`). Reports the
 * JobManager's RSS before, its peak during the uploads (VmHWM, reset first; cross-checked by polling VmRSS), and
 * its RSS a few seconds after the deletes.
 *
 *   node dist/bench/upload-memory.bench.js [--uploads 16] [--size-mb 95] [--conf key=value]...
 *
 * Each `--conf` line is appended to the cluster's flink-conf.yaml (e.g. web.upload.max-total-size: 4gb, so the
 * uploads fit under the cap). The upload files are sparse, so the client side costs neither disk nor memory.
 */
import { openAsBlob } from 'node:fs';
import { mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { machine, peakRssMiB, resetPeakRss, rssMiB, StandaloneBenchCluster } from './cluster-harness.js';

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? dflt) : dflt;
}

function args(name: string): string[] {
  const out: string[] = [];
  process.argv.forEach((a, i) => {
    const v = process.argv[i + 1];
    if (a === `--${name}` && v !== undefined) out.push(v.replace('=', ': '));
  });
  return out;
}

const uploads = Number(arg('uploads', '16'));
const sizeMb = Number(arg('size-mb', '95'));
const extraConf = args('conf');

const work = await mkdtemp(join(tmpdir(), 'flink-bench-upload-'));
const cluster = await StandaloneBenchCluster.start({ taskManagers: 1, slotsPerTaskManager: 1, extraConf });
try {
  const jm = (await cluster.daemons()).find((d) => d.role === 'JobManager');
  if (!jm) throw new Error('no JobManager pid');
  const base = `http://127.0.0.1:${cluster.restPort}`;
  const file = join(work, 'big-program.mjs');
  await writeFile(file, '');
  await truncate(file, sizeMb * 1_000_000);

  // Let the JobManager settle after start-up before the "before" reading.
  await sleep(2_000);
  const before = rssMiB(jm.pid);
  const hwmReset = resetPeakRss(jm.pid);
  let polled = before;
  const poller = setInterval(() => (polled = Math.max(polled, rssMiB(jm.pid))), 100);

  const started = Date.now();
  const answers = await Promise.all(
    Array.from({ length: uploads }, async () => {
      const form = new FormData();
      form.append('jarfile', await openAsBlob(file), 'big-program.mjs');
      const res = await fetch(`${base}/jars/upload`, { method: 'POST', body: form });
      return { status: res.status, body: (await res.json()) as { filename?: string; errors?: string[] } };
    }),
  );
  const uploadMs = Date.now() - started;
  clearInterval(poller);
  const peak = hwmReset ? peakRssMiB(jm.pid) : polled;
  const afterUpload = rssMiB(jm.pid);

  const ids = answers.flatMap((a) => (a.body.filename ? [a.body.filename.split('/').pop() as string] : []));
  for (const id of ids) await fetch(`${base}/jars/${encodeURIComponent(id)}`, { method: 'DELETE' });
  await sleep(5_000);
  const afterDelete = rssMiB(jm.pid);

  const statuses = new Map<number, number>();
  for (const a of answers) statuses.set(a.status, (statuses.get(a.status) ?? 0) + 1);
  const m = machine();
  console.log(`machine: ${m.cpu}, ${m.cores} cores, ${m.memGiB.toFixed(1)} GiB, Node.js ${m.node}, load ${m.load}`);
  console.log(`${uploads} parallel uploads of ${sizeMb} MB (${((uploads * sizeMb) / 1000).toFixed(2)} GB) in ${uploadMs} ms; answers: ${[...statuses].map(([s, n]) => `${n}x ${s}`).join(', ')}`);
  const firstError = answers.find((a) => a.body.errors)?.body.errors?.[0];
  if (firstError) console.log(`first error: ${firstError}`);
  console.log(
    `JobManager RSS: before ${before.toFixed(0)} MiB, peak ${peak.toFixed(0)} MiB (polled ${polled.toFixed(0)}), ` +
      `after the uploads ${afterUpload.toFixed(0)} MiB, 5 s after deleting them ${afterDelete.toFixed(0)} MiB`,
  );
} finally {
  await cluster.close();
  await rm(work, { recursive: true, force: true });
}
