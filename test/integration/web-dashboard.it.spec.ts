/**
 * The web dashboard in a real browser: headless Chromium against a standalone cluster started with
 * bin/start-cluster.sh. What a user does on port 8081 — look at the cluster, watch a running job's graph and
 * counters, read a TaskManager's stdout, cancel a job, submit one — with no console error, page error or failed
 * request on any page. Screenshots of every page go to test-artifacts/screenshots/.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DashboardBrowser, SCREENSHOT_DIR } from './support/dashboard-browser.js';
import { StandaloneCluster, waitFor, type CommandResult } from './support/standalone-cluster.js';
import { tickerJob } from './support/programs.js';

interface JobDetails {
  state: string;
  vertices: Array<{ id: string; name: string; parallelism: number; tasks: Record<string, number> }>;
}

/** A streaming job that runs until cancelled: ticks every 20 ms, labels them with the marker, prints them. */
function printingTicker(jobName: string): string {
  return tickerJob(jobName, {
    checkpointIntervalMs: 500,
    imports: ['ParameterTool'],
    preamble: "const marker = ParameterTool.fromArgs(process.argv.slice(2)).get('marker');",
    then: ".rebalance().map((n) => marker + ' ' + n).print()",
  });
}

function submittedJobId(r: CommandResult): string {
  const m = /^Job has been submitted with JobID ([0-9a-f]{32})$/m.exec(r.stdout);
  assert.ok(m, `no "Job has been submitted with JobID" line\n${r.describe}`);
  return m[1] as string;
}

describe('web dashboard in headless Chromium', function () {
  this.timeout(300_000);
  let cluster: StandaloneCluster | undefined;
  let browser: DashboardBrowser | undefined;
  let dir = '';
  let checkpointDir = '';
  let jobId = '';
  const marker = `dash${process.pid}x${Date.now()}`;
  const submittedJobs: string[] = [];

  const c = (): StandaloneCluster => cluster as StandaloneCluster;
  const b = (): DashboardBrowser => browser as DashboardBrowser;

  before(async function () {
    this.timeout(180_000);
    checkpointDir = await mkdtemp(join(tmpdir(), 'flink-dashboard-checkpoints-'));
    cluster = await StandaloneCluster.start({ extraConf: [`state.checkpoints.dir: file://${checkpointDir}`] });
    dir = await cluster.tempDir('dashboard');
    browser = await DashboardBrowser.launch(cluster.restUrl);

    const program = join(dir, 'printing-ticker.js');
    await writeFile(program, printingTicker('Dashboard Ticker'));
    const r = await cluster.flink(['run', '-d', '-p', '1', program, '--marker', marker]);
    assert.equal(r.exitCode, 0, r.describe);
    jobId = submittedJobId(r);
    await waitFor('every subtask of the ticker RUNNING', 60_000, async () => {
      const j = await c().rest<JobDetails>(`/jobs/${jobId}`);
      return j.vertices.length > 0 && j.vertices.every((v) => v.tasks['RUNNING'] === v.parallelism) ? j : undefined;
    });
  });

  after(async () => {
    await browser?.close();
    for (const id of [jobId, ...submittedJobs]) {
      if (id !== '') await cluster?.restResponse(`/jobs/${id}?mode=cancel`, { method: 'PATCH' }).catch(() => undefined);
    }
    await cluster?.stop();
    if (checkpointDir !== '') await rm(checkpointDir, { recursive: true, force: true });
  });

  it('opens on the overview: slots, TaskManagers, version, and the running job', async () => {
    await b().open('/');
    assert.equal(await b().waitForText('[data-test=slots-total]', /^4$/), '4');
    assert.equal(await b().textOf('[data-test=taskmanagers]'), '2');
    assert.match(await b().waitForText('[data-test=flink-version]', /^v\d/), /^v\d+\.\d+/);
    await b().waitForText(`[data-test=running-jobs] tr[data-jid="${jobId}"]`, /Dashboard Ticker[\s\S]*RUNNING/);
    await b().waitForText('[data-test=jobs-running]', /^1$/);
    await b().screenshot('overview');
    b().assertNoProblems('overview');
  });

  it("opens the job from the running list and shows its graph with counters that grow", async () => {
    await b().route('/overview');
    const row = await b().page.waitForSelector(`[data-test=running-jobs] tr[data-jid="${jobId}"] a.job-name`);
    await row?.click();
    await b().waitForText('[data-test=job-name]', /^Dashboard Ticker$/);
    assert.match(await b().page.evaluate(() => (globalThis as unknown as { location: { hash: string } }).location.hash), new RegExp(`#/jobs/${jobId}$`));

    const job = await c().rest<JobDetails>(`/jobs/${jobId}`);
    await b().page.waitForFunction((n: number) => (globalThis as unknown as { document: { querySelectorAll(s: string): { length: number } } }).document.querySelectorAll('[data-test=job-graph] g.node').length === n, {}, job.vertices.length);
    assert.ok(job.vertices.length >= 2, `the rebalance makes two vertices: ${JSON.stringify(job.vertices.map((v) => v.name))}`);
    const source = job.vertices.find((v) => /Ticker/.test(v.name)) ?? job.vertices[0];
    assert.ok(source);
    const sourceNode = `[data-test=job-graph] g.node[data-vertex="${source.id}"]`;
    await b().waitForText(`${sourceNode} [data-test=vertex-status]`, /^RUNNING$/);
    const before = await b().waitForNumberAbove(`${sourceNode} [data-test=records-out]`, 0);
    const later = await b().waitForNumberAbove(`${sourceNode} [data-test=records-out]`, before);
    assert.ok(later > before);
    // The vertex table below the graph shows the same vertices.
    await b().waitForText('[data-test=vertices]', new RegExp(source.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
    await b().screenshot('job-graph');
    b().assertNoProblems('job');
  });

  it("shows the job's subtasks, checkpoints, exceptions, configuration and timeline", async () => {
    await b().route(`/jobs/${jobId}`);
    const job = await c().rest<JobDetails>(`/jobs/${jobId}`);
    const last = job.vertices[job.vertices.length - 1];
    assert.ok(last);
    await (await b().page.waitForSelector(`[data-test=vertices] tr[data-vertex="${last.id}"]`))?.click();
    await b().waitForText('[data-test=subtasks] tr[data-subtask="0"]', /RUNNING/);
    await b().screenshot('job-subtasks');
    b().assertNoProblems('job subtasks');

    await b().route(`/jobs/${jobId}/checkpoints`);
    await b().waitForNumberAbove('[data-test=checkpoints-completed]', 0, 60_000);
    await b().waitForText('[data-test=checkpoint-history]', /COMPLETED/);
    await b().screenshot('job-checkpoints');
    b().assertNoProblems('job checkpoints');

    await b().route(`/jobs/${jobId}/exceptions`);
    await b().waitForText('[data-test=exceptions]', /No exceptions/);
    await b().screenshot('job-exceptions');
    b().assertNoProblems('job exceptions');

    await b().route(`/jobs/${jobId}/configuration`);
    await b().waitForText('[data-test=job-config]', /job-parallelism/);
    await b().screenshot('job-configuration');
    b().assertNoProblems('job configuration');

    await b().route(`/jobs/${jobId}/timeline`);
    await b().waitForText('[data-test=timeline]', /Ticker/);
    await (await b().page.waitForSelector('[data-test=timeline] .timeline-row.clickable'))?.click();
    await b().waitForText('[data-test=subtask-timeline]', /#0 /);
    await b().screenshot('job-timeline');
    b().assertNoProblems('job timeline');
  });

  it('lists the TaskManagers and shows one with its slots, memory and metrics', async () => {
    await b().route('/taskmanagers');
    await b().page.waitForFunction(() => (globalThis as unknown as { document: { querySelectorAll(s: string): { length: number } } }).document.querySelectorAll('[data-test=taskmanagers] tbody tr').length === 2);
    await b().screenshot('taskmanagers');
    b().assertNoProblems('TaskManagers');

    const first = await b().page.waitForSelector('[data-test=taskmanagers] tbody tr a');
    await first?.click();
    await b().waitForText('[data-test=tm-facts]', /Slots \(free \/ total\)\s*\d+ \/ 2/);
    await b().page.waitForSelector('[data-test=metrics], .empty');
    await b().screenshot('taskmanager-metrics');
    b().assertNoProblems('TaskManager');

    await (await b().page.waitForSelector('[data-tab=log]'))?.click();
    await b().page.waitForSelector('[data-test=log][data-loaded=true], .empty');
    await b().screenshot('taskmanager-log');
    b().assertNoProblems('TaskManager log');
  });

  it("follows a TaskManager's stdout, where the job's print() output is", async () => {
    const job = await c().rest<JobDetails>(`/jobs/${jobId}`);
    const sink = job.vertices[job.vertices.length - 1];
    assert.ok(sink);
    const vertex = await c().rest<{ subtasks: Array<{ 'taskmanager-id': string }> }>(`/jobs/${jobId}/vertices/${sink.id}`);
    const tmId = vertex.subtasks[0]?.['taskmanager-id'];
    assert.ok(tmId, JSON.stringify(vertex));

    await b().route('/taskmanagers');
    await (await b().page.waitForSelector(`[data-test=taskmanagers] tr[data-tm="${tmId}"] a`))?.click();
    await (await b().page.waitForSelector('[data-tab=stdout]'))?.click();
    const text = await b().waitForText('[data-test=log]', new RegExp(`${marker} \\d+`), 60_000);
    // New lines keep arriving without a reload.
    const seen = Math.max(...[...text.matchAll(new RegExp(`${marker} (\\d+)`, 'g'))].map((m) => Number(m[1])));
    await b().waitForText('[data-test=log]', new RegExp(`${marker} ${seen + 10}\\b`), 60_000);
    await b().screenshot('taskmanager-stdout');
    b().assertNoProblems('TaskManager stdout');
  });

  it('shows the JobManager configuration, metrics, log and stdout', async () => {
    await b().route('/jobmanager/config');
    await b().waitForText('[data-test=jm-config]', /rest\.port/);
    await b().screenshot('jobmanager-config');
    b().assertNoProblems('JobManager configuration');

    await b().route('/jobmanager/metrics');
    await b().page.waitForSelector('[data-test=metrics], .empty');
    await b().screenshot('jobmanager-metrics');
    b().assertNoProblems('JobManager metrics');

    await b().route('/jobmanager/log');
    await b().page.waitForSelector('[data-test=log][data-loaded=true], .empty');
    await b().screenshot('jobmanager-log');
    await b().route('/jobmanager/stdout');
    await b().page.waitForSelector('[data-test=log][data-loaded=true], .empty');
    b().assertNoProblems('JobManager log');
  });

  it('cancels the job with the Cancel button and shows it CANCELED', async () => {
    await b().route(`/jobs/${jobId}`);
    await (await b().page.waitForSelector('[data-test=cancel-job]'))?.click();
    await (await b().page.waitForSelector('[data-test=confirm-cancel]'))?.click();
    await b().waitForText('.page-head .badge', /^CANCELED$/, 60_000);
    assert.equal(await b().page.$('[data-test=cancel-job]'), null, 'no Cancel button on a canceled job');
    await b().screenshot('job-canceled');
    assert.equal((await c().rest<{ state: string }>(`/jobs/${jobId}`)).state, 'CANCELED');

    await b().route('/overview');
    await b().waitForText(`[data-test=completed-jobs] tr[data-jid="${jobId}"]`, /CANCELED/);
    await b().waitForNumberAbove('[data-test=jobs-cancelled]', 0);
    await b().screenshot('overview-after-cancel');
    b().assertNoProblems('job (cancel)');
  });

  it('uploads a program on the submit page and runs it with arguments and parallelism', async () => {
    const program = join(dir, 'submitted-ticker.js');
    const submittedMarker = `${marker}s`;
    await writeFile(program, printingTicker('Submitted Ticker'));
    await b().route('/overview');
    await (await b().page.waitForSelector('[data-nav=submit]'))?.click();
    const input = await b().page.waitForSelector('[data-test=upload-form] input[type=file]');
    assert.ok(input);
    await input.uploadFile(program);
    await (await b().page.waitForSelector('[data-test=upload]'))?.click();
    const form = 'form.jar[data-jar="submitted-ticker.js"]';
    await b().page.waitForSelector(form);
    await b().screenshot('submit');
    await b().page.type(`${form} input[name=programArgs]`, `--marker ${submittedMarker}`);
    await b().page.type(`${form} input[name=parallelism]`, '1');
    await (await b().page.waitForSelector(`${form} [data-test=run]`))?.click();

    const hash = await b().page.waitForFunction(() => {
      const h = (globalThis as unknown as { location: { hash: string } }).location.hash;
      return /^#\/jobs\/[0-9a-f]{32}$/.test(h) ? h : false;
    });
    const submitted = ((await hash.jsonValue()) as string).slice('#/jobs/'.length);
    submittedJobs.push(submitted);
    await b().waitForText('[data-test=job-name]', /^Submitted Ticker$/);
    await b().waitForText('.page-head .badge', /^RUNNING$/, 60_000);
    await b().screenshot('submitted-job');
    assert.equal((await c().rest<{ state: string }>(`/jobs/${submitted}`)).state, 'RUNNING');
    // The arguments typed into the form reached the program: its print() lines carry the marker.
    await waitFor('the submitted job\'s output in a TaskManager .out file', 60_000, async () => {
      for (const n of [0, 1]) if ((await c().readLog('taskexecutor', n, 'out')).includes(`${submittedMarker} `)) return true;
      return undefined;
    }, 200);
    b().assertNoProblems('submit');
    console.log(`      (screenshots in ${SCREENSHOT_DIR})`);
  });
});

describe('web dashboard with web.submit.enable: false', function () {
  this.timeout(180_000);
  let cluster: StandaloneCluster | undefined;
  let browser: DashboardBrowser | undefined;

  before(async () => {
    cluster = await StandaloneCluster.start({ taskManagers: 1, slotsPerTaskManager: 1, extraConf: ['web.submit.enable: false'] });
    browser = await DashboardBrowser.launch(cluster.restUrl);
  });

  after(async () => {
    await browser?.close();
    await cluster?.stop();
  });

  it('has no Submit link, and the submit page says submission is turned off', async () => {
    const b = browser as DashboardBrowser;
    await b.open('/');
    await b.waitForText('[data-test=slots-total]', /^1$/);
    await b.page.waitForSelector('[data-nav=taskmanagers]');
    assert.equal(await b.page.$('[data-nav=submit]'), null, 'no Submit link');
    await b.route('/submit');
    await b.waitForText('main', /turned off on this cluster \(web\.submit\.enable: false\)/);
    await b.screenshot('submit-disabled');
    b.assertNoProblems('submit (disabled)');
  });
});
