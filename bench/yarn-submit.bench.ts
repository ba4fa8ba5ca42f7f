/**
 * `bin/flink run -t yarn-per-job` on a local YARN: from the command to the job RUNNING (all tasks), for the first
 * submission (the platform and Node.js archives packed and uploaded, and localized by the NodeManager) and for the
 * ones after it (only the bundle, the configuration, the job graph and the Hadoop configuration), with the bytes
 * each uploaded. A private HDFS + YARN from scripts/hadoop.sh (one NodeManager), a fresh archive cache
 * (XDG_CACHE_HOME in a temp dir), a job that runs until it is cancelled.
 *
 * node dist/bench/yarn-submit.bench.js [--runs 5]
 */
import { spawn } from 'node:child_process';
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { BIN_DIR, DIST_DIR, FLINK_HOME } from '../test/integration/support/standalone-cluster.js';
import { YarnCluster } from '../test/integration/support/yarn-cluster.js';
import { tickerJob } from '../test/integration/support/programs.js';

interface JobDetails {
  state: string;
  vertices: { parallelism: number; tasks: Record<string, number> }[];
}

const runs = Number(process.argv[process.argv.indexOf('--runs') + 1] ?? 5) || 5;
const user = process.env['HADOOP_USER_NAME'] || userInfo().username;

async function main(): Promise<void> {
  const yarn = await YarnCluster.start({ nodeManagerMemoryMb: 4096, nodeManagerVcores: 4 });
  const scratch = await mkdtemp(join(tmpdir(), 'yarn-submit-bench-'));
  try {
    const confDir = join(scratch, 'conf');
    await cp(join(FLINK_HOME, 'conf'), confDir, { recursive: true });
    await writeFile(join(confDir, 'flink-conf.yaml'), ['jobmanager.heap.size: 512m', 'taskmanager.heap.size: 512m', `yarn.properties-file.location: ${scratch}`, ''].join('\n'));
    const job = join(scratch, 'ticker.js');
    await writeFile(job, tickerJob('Ticker'));
    const env = { ...process.env, FLINK_CONF_DIR: confDir, FLINK_DIST_DIR: DIST_DIR, HADOOP_CONF_DIR: yarn.confDir, HADOOP_USER_NAME: user, XDG_CACHE_HOME: join(scratch, 'cache') };
    const rows: string[] = [];
    for (let i = 0; i < runs; i++) {
      const started = Date.now();
      const out = await runDetached(['run', '-t', 'yarn-per-job', '-d', '-p', '1', job], env);
      const appId = /Submitted application (application_\d+_\d+)/.exec(out)?.[1];
      const bytes = Number(/\(uploaded (\d+) bytes\)/.exec(out)?.[1] ?? NaN);
      const address = /Found Web Interface (\S+) of application/.exec(out)?.[1];
      const jobId = /Job has been submitted with JobID ([0-9a-f]{32})/.exec(out)?.[1];
      if (!appId || !address || !jobId) throw new Error(`unexpected output:\n${out}`);
      const submittedMs = Date.now() - started;
      for (;;) {
        const d = (await fetch(`http://${address}/jobs/${jobId}`).then((r) => r.json()).catch(() => undefined)) as JobDetails | undefined;
        if (d?.state === 'RUNNING' && d.vertices.every((v) => v.tasks['RUNNING'] === v.parallelism)) break;
        if (Date.now() - started > 300_000) throw new Error(`job ${jobId} of ${appId} not RUNNING after 5 min`);
        await new Promise((r) => setTimeout(r, 100));
      }
      const runningMs = Date.now() - started;
      rows.push(`| ${i === 0 ? 'first' : `#${i + 1}`} | ${bytes.toLocaleString('en-US')} | ${(submittedMs / 1000).toFixed(1)} s | ${(runningMs / 1000).toFixed(1)} s |`);
      console.log(rows[rows.length - 1]);
      // The application ends when its job is cancelled.
      await fetch(`http://${address}/jobs/${jobId}?mode=cancel`, { method: 'PATCH' });
      for (let t = Date.now(); Date.now() - t < 120_000; await new Promise((r) => setTimeout(r, 250))) {
        const r = await yarn.rest.report(appId);
        if (['FINISHED', 'FAILED', 'KILLED'].includes(r.state)) break;
      }
    }
    console.log('| submission | bytes uploaded | flink run returned (AM registered) | job RUNNING |');
    console.log('|---|---|---|---|');
    for (const r of rows) console.log(r);
  } finally {
    await yarn.stop();
    await rm(scratch, { recursive: true, force: true });
  }
}

function runDetached(args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn(join(BIN_DIR, 'flink'), args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (c: Buffer) => (out += c.toString()));
    p.stderr.on('data', (c: Buffer) => (out += c.toString()));
    p.on('error', reject);
    p.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`bin/flink exited ${code}:\n${out}`))));
  });
}

await main();
