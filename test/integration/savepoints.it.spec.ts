/**
 * Savepoints on a real standalone cluster (issue 9): `bin/flink stop -p` takes a savepoint and ends the job,
 * `bin/flink run -s` resumes it at another parallelism with the same final result as an uninterrupted run;
 * `bin/flink savepoint`, `cancel -s` and `savepoint -d`; and Flink 1.20's own RestClusterClient triggering a
 * savepoint and stopping a job.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FLINK_HOME, StandaloneCluster, runCommand, waitFor, type CommandResult } from './support/standalone-cluster.js';
import { exactlyOnceJob } from './support/checkpoint-programs.js';
import { tickerJob } from './support/programs.js';

function submittedJobId(r: CommandResult): string {
  const m = /Job has been submitted with JobID ([0-9a-f]{32})/.exec(r.stdout);
  assert.ok(m, `no JobID in the output\n${r.describe}`);
  return m[1] as string;
}

function savepointPath(r: CommandResult): string {
  const m = /^Savepoint completed\. Path: (.+)$/m.exec(r.stdout);
  assert.ok(m, `no "Savepoint completed. Path:" line\n${r.describe}`);
  return (m[1] as string).trim();
}

function localPath(uri: string): string {
  return uri.replace(/^file:\/\//, '');
}

/** Every committed JSON line of the visible files below `dir`. */
async function committed(dir: string): Promise<unknown[][]> {
  const out: unknown[][] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    if (e.name.startsWith('.')) continue;
    if (e.isDirectory()) out.push(...(await committed(join(dir, e.name))));
    else for (const line of (await readFile(join(dir, e.name), 'utf8')).split('\n')) if (line) out.push(JSON.parse(line) as unknown[]);
  }
  return out;
}

describe('savepoints on a standalone cluster', function () {
  this.timeout(300_000);
  let cluster: StandaloneCluster;

  before(async () => {
    cluster = await StandaloneCluster.start({ taskManagers: 2, slotsPerTaskManager: 2 });
  });
  after(async () => {
    await cluster?.stop();
  });

  async function allRunning(jobId: string): Promise<boolean> {
    const d = await cluster.rest<{ state: string; vertices: { parallelism: number; tasks: Record<string, number> }[] }>(`/jobs/${jobId}`);
    return d.state === 'RUNNING' && d.vertices.every((v) => v.tasks['RUNNING'] === v.parallelism);
  }

  async function sourceRecords(jobId: string): Promise<number> {
    const d = await cluster.rest<{ vertices: { name: string; metrics: Record<string, number> }[] }>(`/jobs/${jobId}`);
    return d.vertices[0]?.metrics['write-records'] ?? 0;
  }

  it('stop -p, then run -s at another parallelism: the committed output equals an uninterrupted run', async () => {
    const n = 30_000;
    const out = await cluster.tempDir('out');
    const savepoints = await cluster.tempDir('savepoints');
    const job = join(await cluster.tempDir('jobs'), 'resumable.js');
    await writeFile(job, exactlyOnceJob('Resumable', out, n, 10, 'file-sink'));

    const first = await cluster.flink(['run', '-d', '-p', '2', job]);
    assert.equal(first.exitCode, 0, first.describe);
    const firstId = submittedJobId(first);
    await waitFor('the first run to be under way', 60_000, async () => ((await sourceRecords(firstId)) > 3000 ? true : undefined));

    const stop = await cluster.flink(['stop', '-p', `file://${savepoints}`, firstId]);
    assert.equal(stop.exitCode, 0, stop.describe);
    assert.match(stop.stdout, new RegExp(`Suspending job "${firstId}" with a CANONICAL savepoint\\.`));
    const path = savepointPath(stop);
    assert.ok(existsSync(join(localPath(path), '_metadata')), `${path} holds _metadata`);
    assert.equal(await cluster.awaitJobState(firstId, ['FINISHED', 'FAILED', 'CANCELED']), 'FINISHED');
    const stoppedAt = await sourceRecords(firstId);
    assert.ok(stoppedAt < n, `the first run stopped before the end of its input (${stoppedAt} of ${n})`);

    const second = await cluster.flink(['run', '-d', '-p', '3', '-s', path, job]);
    assert.equal(second.exitCode, 0, second.describe);
    const secondId = submittedJobId(second);
    assert.equal(await cluster.awaitJobState(secondId, ['FINISHED', 'FAILED', 'CANCELED'], 120_000), 'FINISHED');
    const details = await cluster.rest<{ vertices: { parallelism: number }[] }>(`/jobs/${secondId}`);
    assert.ok(details.vertices.some((v) => v.parallelism === 3), 'the keyed operators ran at parallelism 3');
    const checkpoints = await cluster.rest<{ latest: { restored: { external_path: string } | null } }>(`/jobs/${secondId}/checkpoints`);
    assert.equal(checkpoints.latest.restored?.external_path, path);

    const records = await committed(out);
    const numbers = records.filter((r) => r[0] === 'n').map((r) => r[1] as number).sort((a, b) => a - b);
    assert.equal(numbers.length, n, 'every record committed once');
    assert.ok(numbers.every((x, i) => x === i), 'no record lost or repeated');
    for (let k = 0; k < 13; k++) {
      const counts = records.filter((r) => r[0] === 'n' && (r[1] as number) % 13 === k).map((r) => r[2] as number).sort((a, b) => a - b);
      assert.ok(counts.every((c, i) => c === i + 1), `key ${k}: the restored counts go on from the savepoint`);
    }
    const windows = records.filter((r) => r[0] === 'w');
    assert.equal(new Set(windows.map((w) => `${String(w[1])}@${String(w[2])}`)).size, windows.length, 'every window fired once');
    assert.equal(windows.reduce((s, w) => s + (w[3] as number), 0), n, 'the windows counted every record once');
  });

  it('savepoint, cancel -s and savepoint -d print what Flink prints; a bad path is refused clearly', async () => {
    const savepoints = await cluster.tempDir('savepoints');
    const job = join(await cluster.tempDir('jobs'), 'ticker.js');
    await writeFile(job, tickerJob('Savepoint Ticker'));
    const run = await cluster.flink(['run', '-d', job]);
    const jobId = submittedJobId(run);
    await waitFor('the ticker running', 30_000, async () => ((await allRunning(jobId)) ? true : undefined));

    const sp = await cluster.flink(['savepoint', jobId, `file://${savepoints}`]);
    assert.equal(sp.exitCode, 0, sp.describe);
    assert.match(sp.stdout, new RegExp(`Triggering savepoint for job ${jobId}\\.`));
    assert.match(sp.stdout, /You can resume your program from this savepoint with the run command\./);
    const path = savepointPath(sp);
    assert.match(path, new RegExp(`/savepoint-${jobId.slice(0, 6)}-[0-9a-f]{12}$`));
    assert.equal((await cluster.rest<{ state: string }>(`/jobs/${jobId}`)).state, 'RUNNING', 'a savepoint leaves the job running');

    const cancel = await cluster.flink(['cancel', '-s', `file://${savepoints}`, jobId]);
    assert.equal(cancel.exitCode, 0, cancel.describe);
    assert.equal(await cluster.awaitJobState(jobId, ['CANCELED', 'FAILED', 'FINISHED']), 'CANCELED');

    const dispose = await cluster.flink(['savepoint', '-d', path]);
    assert.equal(dispose.exitCode, 0, dispose.describe);
    assert.ok(!existsSync(localPath(path)), 'the disposed savepoint is gone');

    const missing = await cluster.flink(['run', '-d', '-s', `file://${savepoints}/no-such-savepoint`, job]);
    const jobOfMissing = /JobID ([0-9a-f]{32})/.exec(missing.stdout)?.[1];
    if (jobOfMissing) {
      assert.equal(await cluster.awaitJobState(jobOfMissing, ['FAILED', 'FINISHED', 'CANCELED']), 'FAILED');
      const ex = await cluster.rest<{ 'root-exception': string }>(`/jobs/${jobOfMissing}/exceptions`);
      assert.match(ex['root-exception'], /no-such-savepoint: it does not exist/);
    } else {
      assert.notEqual(missing.exitCode, 0, missing.describe);
    }
  });

  it("Flink 1.20's RestClusterClient triggers a savepoint and stops a job with one", async function () {
    this.timeout(900_000);
    const build = await runCommand(join(FLINK_HOME, 'scripts', 'flink-clients.sh'), ['build'], process.env as Record<string, string>, { timeout: 850_000 });
    assert.equal(build.exitCode, 0, build.describe);
    const printed = (key: string): string => (build.stdout.split('\n').find((l) => l.startsWith(`${key}=`)) ?? '').slice(key.length + 1);
    const job = join(await cluster.tempDir('jobs'), 'ticker.js');
    await writeFile(job, tickerJob('Client Savepoints'));
    const ids: string[] = [];
    for (let i = 0; i < 2; i++) {
      const run = await cluster.flink(['run', '-d', job]);
      ids.push(submittedJobId(run));
    }
    await waitFor('both running', 30_000, async () => ((await Promise.all(ids.map(allRunning))).every((x) => x) ? true : undefined));
    const target = `file://${await cluster.tempDir('client-savepoints')}`;
    const r = await runCommand(
      printed('java'),
      ['-cp', printed('classpath'), 'flinkts.clients.FlinkClientsCheck', 'real-savepoints', '--rest', cluster.address, '--job', ids[0] as string, '--stop-job', ids[1] as string, '--target', target],
      process.env as Record<string, string>,
      { timeout: 150_000 },
    );
    assert.deepEqual(r.stdout.split('\n').filter((l) => l.startsWith('FAIL')), [], r.describe);
    assert.equal(r.exitCode, 0, r.describe);
    const locations = r.stdout.split('\n').filter((l) => l.startsWith('LOCATION ')).map((l) => l.split(' ')[2] as string);
    assert.equal(locations.length, 2, r.describe);
    for (const l of locations) assert.ok(existsSync(join(localPath(l), '_metadata')), `${l} holds _metadata`);
    assert.equal((await cluster.rest<{ state: string }>(`/jobs/${ids[0] as string}`)).state, 'RUNNING');
    assert.equal(await cluster.awaitJobState(ids[1] as string, ['FINISHED', 'FAILED', 'CANCELED']), 'FINISHED');
    await cluster.flink(['cancel', ids[0] as string]);
  });
});
