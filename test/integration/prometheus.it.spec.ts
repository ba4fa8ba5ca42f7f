/**
 * The Prometheus reporter on a real standalone cluster (bin/start-cluster.sh, one JobManager and two TaskManagers
 * on 127.0.0.1) configured with Flink's keys and a port range: every daemon serves its metrics on its own port of
 * the range, scrapes parse as Prometheus's text format, a running job's counters grow between scrapes, and its
 * series are gone once it is cancelled. A reporter flink-ts does not have (JMX) is a warning, not a failure.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { StandaloneCluster, freePort, waitFor, type CommandResult } from './support/standalone-cluster.js';
import { scrape, series, type PrometheusFamily } from '../support/prometheus-scrape.js';
import { tickerJob } from './support/programs.js';

const JOB_NAME = 'prometheus_ticker';
const PORTS = 4;

/** A job that runs until cancelled, over the network: a source per subtask, a key-by, a map, a sink. */
const JOB = tickerJob(JOB_NAME, { parallel: true, periodMs: 5, then: '.keyBy((n) => n % 7).map((n) => n * 2).addSink(() => {})' });

/** Whether a port can be listened on at 127.0.0.1 right now. */
function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/** The first of `n` consecutive ports that were all free a moment ago. */
async function freeRange(n: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const first = await freePort();
    if (first + n > 65535) continue;
    let all = true;
    for (let p = first + 1; p < first + n && all; p++) all = await isFree(p);
    if (all) return first;
  }
  throw new Error(`no ${n} consecutive free ports on 127.0.0.1`);
}

function submittedJobId(r: CommandResult): string {
  const m = /^Job has been submitted with JobID ([0-9a-f]{32})$/m.exec(r.stdout);
  assert.ok(m, `no "Job has been submitted with JobID" line\n${r.describe}`);
  return m[1] as string;
}

/** Scrapes every port of the range; a port nobody serves on is left out. */
async function scrapeAll(first: number): Promise<Map<number, PrometheusFamily[]>> {
  const out = new Map<number, PrometheusFamily[]>();
  for (let port = first; port < first + PORTS; port++) {
    try {
      out.set(port, await scrape(port));
    } catch (err) {
      if ((err as { cause?: { code?: string } }).cause?.code !== 'ECONNREFUSED') throw err;
    }
  }
  return out;
}

/** The sum of a family's series of the job over all TaskManager scrapes, with the labels each had. */
function jobSeries(scrapes: readonly PrometheusFamily[][], name: string, labels: Record<string, string> = {}): { sum: number; labels: Record<string, string>[] } {
  const all = scrapes.flatMap((families) => series(families, name, { job_name: JOB_NAME, ...labels }));
  return { sum: all.reduce((a, s) => a + s.value, 0), labels: all.map((s) => s.labels) };
}

describe('Prometheus reporter on a standalone cluster', function () {
  this.timeout(120_000);

  let cluster: StandaloneCluster;
  let firstPort: number;
  let jobsDir: string;

  before(async function () {
    this.timeout(120_000);
    firstPort = await freeRange(PORTS);
    cluster = await StandaloneCluster.start({
      taskManagers: 2,
      slotsPerTaskManager: 1,
      extraConf: [
        'metrics.reporter.prom.factory.class: org.apache.flink.metrics.prometheus.PrometheusReporterFactory',
        `metrics.reporter.prom.port: ${firstPort}-${firstPort + PORTS - 1}`,
        'metrics.reporter.jmx.factory.class: org.apache.flink.metrics.jmx.JMXReporterFactory',
        // The endpoints listen where the daemons do: loopback only.
        'jobmanager.bind-host: 127.0.0.1',
        'taskmanager.bind-host: 127.0.0.1',
      ],
    });
    jobsDir = await cluster.tempDir('jobs');
  });

  after(async function () {
    this.timeout(90_000);
    await cluster?.stop();
  });

  it('each daemon serves on its own port of the range: one JobManager, two TaskManagers', async () => {
    const taskManagers = (await cluster.rest<{ taskmanagers: { id: string }[] }>('/taskmanagers')).taskmanagers.map((t) => t.id).sort();
    const scrapes = await waitFor('three Prometheus endpoints in the range', 30_000, async () => {
      const s = await scrapeAll(firstPort);
      return s.size === 3 ? s : undefined;
    });
    const jobManagers = [...scrapes].filter(([, f]) => series(f, 'flink_jobmanager_Status_JVM_Memory_Heap_Used').length === 1);
    assert.equal(jobManagers.length, 1, `ports serving JobManager metrics: ${jobManagers.map(([p]) => p).join(', ')}`);
    const [, jm] = jobManagers[0] as [number, PrometheusFamily[]];
    assert.ok((series(jm, 'flink_jobmanager_Status_JVM_Memory_Heap_Used')[0]?.value ?? 0) > 0);
    assert.deepEqual(series(jm, 'flink_jobmanager_numRegisteredTaskManagers').map((s) => s.value), [2]);
    // The counters and gauges of Flink are all gauges in Prometheus, as Flink's reporter exports them.
    assert.ok(jm.every((f) => f.type === 'GAUGE'), jm.filter((f) => f.type !== 'GAUGE').map((f) => f.name).join(', '));

    const tmIds = [...scrapes.values()]
      .flatMap((f) => series(f, 'flink_taskmanager_Status_JVM_CPU_Load'))
      .map((s) => s.labels['tm_id'] ?? '')
      .sort();
    assert.deepEqual(tmIds, taskManagers.map((id) => id.replace(/[^a-zA-Z0-9:_]/g, '_')).sort());
    for (const families of scrapes.values()) {
      for (const s of series(families, 'flink_taskmanager_Status_JVM_CPU_Load')) assert.equal(s.labels['host'], '127_0_0_1');
    }
  });

  it('a running job: operator numRecordsIn and task numRecordsOut grow between scrapes; its series go when it is cancelled', async () => {
    const file = join(jobsDir, 'ticker.js');
    await writeFile(file, JOB);
    const submitted = await cluster.flink(['run', '-d', '-p', '2', file]);
    assert.equal(submitted.exitCode, 0, submitted.describe);
    const jobId = submittedJobId(submitted);
    await cluster.awaitJobState(jobId, ['RUNNING']);
    const tmScrapes = async (): Promise<PrometheusFamily[][]> =>
      [...(await scrapeAll(firstPort)).values()].filter((f) => series(f, 'flink_jobmanager_Status_JVM_Memory_Heap_Used').length === 0);

    // Tasks report once a second: wait for the first figures of every subtask, then for them to grow.
    const first = await waitFor('operator numRecordsIn of both subtasks', 30_000, async () => {
      const s = jobSeries(await tmScrapes(), 'flink_taskmanager_job_task_operator_numRecordsIn');
      const subtasks = new Set(s.labels.map((l) => l['subtask_index']));
      return subtasks.size === 2 && s.sum > 0 ? s : undefined;
    });
    for (const labels of first.labels) {
      for (const name of ['job_name', 'job_id', 'task_name', 'subtask_index', 'operator_name', 'host', 'tm_id']) assert.ok(labels[name], `${name} in ${JSON.stringify(labels)}`);
      assert.equal(labels['job_id'], jobId);
    }
    // The source tasks write to the network (the key-by), so their task-scope numRecordsOut counts.
    const sourceOut = (scrapes: PrometheusFamily[][]): number =>
      scrapes
        .flatMap((f) => series(f, 'flink_taskmanager_job_task_numRecordsOut', { job_name: JOB_NAME }))
        .filter((x) => x.labels['task_name'] === 'Ticker')
        .reduce((a, x) => a + x.value, 0);
    const firstOut = sourceOut(await tmScrapes());
    let seen = '';
    await waitFor('numRecordsIn and numRecordsOut to grow', 30_000, async () => {
      const now = await tmScrapes();
      const inNow = jobSeries(now, 'flink_taskmanager_job_task_operator_numRecordsIn').sum;
      const outNow = sourceOut(now);
      seen = `numRecordsIn ${first.sum} -> ${inNow}, source numRecordsOut ${firstOut} -> ${outNow}; task series: ${JSON.stringify(jobSeries(now, 'flink_taskmanager_job_task_numRecordsOut'))}`;
      return inNow > first.sum && outNow > firstOut ? true : undefined;
    }).catch((err: Error) => assert.fail(`${err.message}: ${seen}`));

    const jmPort = async (): Promise<PrometheusFamily[]> => {
      for (const families of (await scrapeAll(firstPort)).values()) {
        if (series(families, 'flink_jobmanager_Status_JVM_Memory_Heap_Used').length === 1) return families;
      }
      throw new Error('no JobManager endpoint in the range');
    };
    const uptime = series(await jmPort(), 'flink_jobmanager_job_uptime', { job_name: JOB_NAME, job_id: jobId });
    assert.equal(uptime.length, 1, JSON.stringify(uptime));
    assert.ok((uptime[0]?.value ?? 0) >= 0);

    const cancelled = await cluster.flink(['cancel', jobId]);
    assert.equal(cancelled.exitCode, 0, cancelled.describe);
    await cluster.awaitJobState(jobId, ['CANCELED']);
    await waitFor("the job's series to leave every scrape", 30_000, async () => {
      const all = [...(await scrapeAll(firstPort)).values()];
      const left = all.flatMap((f) => f.flatMap((fam) => fam.metrics.filter((m) => m.labels?.['job_id'] === jobId).map(() => fam.name)));
      return left.length === 0 ? true : undefined;
    });
    // The daemons' own metrics stay.
    assert.equal(series(await jmPort(), 'flink_jobmanager_Status_JVM_Memory_Heap_Used').length, 1);
  });

  it('a reporter flink-ts does not have is one warning naming it; the daemons run all the same', async () => {
    const log = await cluster.readLog('standalonesession', 0);
    const lines = log.split('\n').filter((l) => l.includes("Metric reporter 'jmx'"));
    assert.equal(lines.length, 1, log);
    assert.match(lines[0] as string, /WARN .*org\.apache\.flink\.metrics\.jmx\.JMXReporterFactory.* is not available in flink-ts/);
    assert.match(log, /Prometheus reporter 'prom' serves metrics on port \d+ \(127\.0\.0\.1\)/);
    // bin/start-cluster.sh said it before any daemon started.
    assert.match(cluster.startOutput, /Warning: Metric reporter 'jmx' \(metrics\.reporter\.jmx\.factory\.class: .*\) is not available in flink-ts/);
  });
});
