/**
 * flink-ts on a real YARN and HDFS (scripts/hadoop.sh, private state and free ports), as a user runs it: per-job
 * clusters (`bin/flink run -t yarn-per-job`, `-m yarn-cluster`) and a session (`bin/yarn-session.sh`, then
 * `bin/flink run`, `list`, `cancel` finding it). The client stages in HDFS and asks YARN for the ApplicationMaster,
 * which runs the JobManager and asks for TaskManager containers; WordCount reads and writes hdfs://. In application
 * mode (`bin/flink run-application -t yarn-application`) the ApplicationMaster runs the program itself. Afterwards the
 * RM shows each application in a final state with the right status, and nothing is left in the staging directory.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { waitFor } from '../support/processes.js';
import { RawWebHdfs } from './support/hdfs-cluster.js';
import { BIN_DIR, EXAMPLES_DIR, runCommand, type CommandResult } from './support/standalone-cluster.js';
import { diffCounts, expectedCounts, generateText, parseCountLines } from './support/word-data.js';
import { tickerJob } from './support/programs.js';
import { YarnCluster, YARN_TEST_USER as USER, yarnClientSetup, type AppReport } from './support/yarn-cluster.js';

const WORDCOUNT = join(EXAMPLES_DIR, 'batch', 'WordCount.js');

describe('flink-ts on a real YARN: per-job clusters, application mode and a session', function () {
  this.timeout(300_000);
  let yarn: YarnCluster | undefined;
  let scratch = '';
  let hdfs: RawWebHdfs;
  let env: Record<string, string>;
  const text = generateText(7, 400_000, 800);

  before(async function () {
    this.timeout(900_000);
    // An ApplicationMaster and two TaskManagers of 768 MB each.
    yarn = await YarnCluster.start({ nodeManagerMemoryMb: 4096, nodeManagerVcores: 4 });
    ({ scratch, env } = await yarnClientSetup(yarn, 'yarn-per-job-it-'));
    hdfs = new RawWebHdfs(yarn.webhdfs, USER);
    await hdfs.mkdirs('/in');
    await hdfs.put('/in/words.txt', text);
  });

  after(async function () {
    this.timeout(300_000);
    await yarn?.stop();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  function flink(args: string[]): Promise<CommandResult> {
    return runCommand(join(BIN_DIR, 'flink'), args, env, { timeout: 280_000 });
  }

  async function applications(): Promise<AppReport[]> {
    const res = await fetch(`${(yarn as YarnCluster).rmWebapp}/ws/v1/cluster/apps`, { signal: AbortSignal.timeout(10_000) });
    const body = (await res.json()) as { apps: { app: AppReport[] } | null };
    return body.apps?.app ?? [];
  }

  async function countsIn(dir: string): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    for (const f of await hdfs.list(dir)) {
      for (const { word, count } of parseCountLines(await hdfs.read(`${dir}/${f.pathSuffix}`), `hdfs file ${f.pathSuffix}`)) counts.set(word, count);
    }
    return counts;
  }

  async function stagingLeft(): Promise<string[]> {
    const entries = await hdfs.list(`/user/${USER}/.flink`).catch(() => []);
    return entries.map((e) => e.pathSuffix).filter((n) => n.startsWith('application_'));
  }

  /** The ApplicationMaster removes the staging directory just after it unregistered (the RM already shows the end). */
  async function noStagingLeft(): Promise<void> {
    assert.deepEqual(await waitFor('no staging directory', 30_000, async () => ((await stagingLeft()).length === 0 ? [] : undefined), 250), []);
  }

  it('attached: WordCount reads and writes hdfs:// with TaskManagers in YARN containers; the application ends FINISHED/SUCCEEDED and leaves no staging', async () => {
    const r = await flink(['run', '-t', 'yarn-per-job', '-p', '2', WORDCOUNT, '--input', 'hdfs:///in/words.txt', '--output', 'hdfs:///out/attached']);
    const appId = /Submitted application (application_\d+_\d+)/.exec(r.stdout)?.[1];
    const logs = appId ? await (yarn as YarnCluster).describeContainerLogs(appId) : '';
    assert.equal(r.exitCode, 0, `${r.describe}\n${logs}`);
    assert.ok(appId, r.describe);
    assert.match(r.stdout, /Found Web Interface \S+:\d+ of application 'application_\d+_\d+'\./);
    assert.match(r.stdout, /Job with JobID [0-9a-f]{32} has finished\./);
    assert.equal(diffCounts(await countsIn('/out/attached'), expectedCounts(text)), undefined);
    const app = await waitFor('the application to end', 60_000, async () => (await applications()).find((a) => a.id === appId && ['FINISHED', 'FAILED', 'KILLED'].includes(a.state)), 250);
    assert.deepEqual([app.state, app.finalStatus], ['FINISHED', 'SUCCEEDED'], app.diagnostics);
    assert.match(app.diagnostics, /Job 'WordCount Example' \([0-9a-f]{32}\) finished\./);
    await noStagingLeft();
  });

  it('detached with the older -m yarn-cluster form and -y options: returns after the submission; the application ends with its job', async () => {
    const r = await flink(['run', '-m', 'yarn-cluster', '-d', '-ynm', 'WordCount on YARN', '-ys', '2', '-p', '2', WORDCOUNT, '--input', 'hdfs:///in/words.txt', '--output', 'hdfs:///out/detached']);
    assert.equal(r.exitCode, 0, r.describe);
    const appId = /Submitted application (application_\d+_\d+)/.exec(r.stdout)?.[1];
    assert.match(r.stdout, /Job has been submitted with JobID [0-9a-f]{32}/);
    const app = await waitFor('the application to end', 180_000, async () => (await applications()).find((a) => a.id === appId && ['FINISHED', 'FAILED', 'KILLED'].includes(a.state)), 500);
    assert.equal(app.name, 'WordCount on YARN');
    assert.deepEqual([app.state, app.finalStatus], ['FINISHED', 'SUCCEEDED'], `${app.diagnostics}\n${await (yarn as YarnCluster).describeContainerLogs(app.id)}`);
    assert.equal(diffCounts(await countsIn('/out/detached'), expectedCounts(text)), undefined);
    await noStagingLeft();
  });

  it('run-application -t yarn-application: the ApplicationMaster runs WordCount itself and ends SUCCEEDED; a program that throws before execute() ends it FAILED with its message', async () => {
    const r = await flink(['run-application', '-t', 'yarn-application', '-p', '2', WORDCOUNT, '--input', 'hdfs:///in/words.txt', '--output', 'hdfs:///out/application']);
    const appId = /Submitted application (application_\d+_\d+)/.exec(r.stdout)?.[1];
    assert.equal(r.exitCode, 0, `${r.describe}\n${appId ? await (yarn as YarnCluster).describeContainerLogs(appId) : ''}`);
    assert.ok(appId, r.describe);
    assert.match(r.stdout, /Found Web Interface \S+:\d+ of application 'application_\d+_\d+'\./);
    // The client ran no job itself: it returned after the deployment.
    assert.doesNotMatch(r.stdout, /Job has been submitted with JobID/);
    const app = await waitFor('the application to end', 180_000, async () => (await applications()).find((a) => a.id === appId && ['FINISHED', 'FAILED', 'KILLED'].includes(a.state)), 500);
    assert.deepEqual([app.state, app.finalStatus], ['FINISHED', 'SUCCEEDED'], `${app.diagnostics}\n${await (yarn as YarnCluster).describeContainerLogs(app.id)}`);
    assert.match(app.diagnostics, /Job 'WordCount Example' \([0-9a-f]{32}\) finished\./);
    assert.equal(diffCounts(await countsIn('/out/application'), expectedCounts(text)), undefined);
    await noStagingLeft();

    const failing = join(scratch, 'failing-main.js');
    await writeFile(failing, "import { ExecutionEnvironment } from 'flink-ts';\nExecutionEnvironment.getExecutionEnvironment();\nthrow new Error('no input path given to the failing program');\n");
    const bad = await flink(['run-application', '-t', 'yarn-application', failing]);
    const badId = /Submitted application (application_\d+_\d+)/.exec(bad.stdout)?.[1];
    assert.ok(badId, bad.describe);
    // The client may have returned before the program failed (exit 0) or seen the application end (YARN's diagnostics).
    if (bad.exitCode !== 0) assert.match(bad.stderr, /no input path given to the failing program/, bad.describe);
    const failed = await waitFor('the failing application to end', 180_000, async () => (await applications()).find((a) => a.id === badId && ['FINISHED', 'FAILED', 'KILLED'].includes(a.state)), 500);
    assert.equal(failed.finalStatus, 'FAILED', failed.diagnostics);
    assert.match(failed.diagnostics, /no input path given to the failing program/);
    await noStagingLeft();
  });

  it('yarn-session.sh -d starts a session; bin/flink run (twice), list and cancel find it through the properties file; stop ends it FINISHED', async () => {
    const start = await runCommand(join(BIN_DIR, 'yarn-session.sh'), ['-d', '-nm', 'flink-ts session', '-s', '1'], env, { timeout: 280_000 });
    assert.equal(start.exitCode, 0, start.describe);
    const appId = /Submitted application (application_\d+_\d+)/.exec(start.stdout)?.[1] as string;
    assert.match(start.stdout, /JobManager Web Interface: http:\/\/\S+:\d+/);
    const properties = join(scratch, `.yarn-properties-${USER}`);
    assert.ok(existsSync(properties), start.describe);

    const ticker = join(scratch, 'ticker.js');
    await writeFile(ticker, tickerJob('Ticker on YARN'));
    const first = await flink(['run', '-d', '-p', '1', ticker]);
    assert.equal(first.exitCode, 0, first.describe);
    assert.match(first.stderr, /Found YARN properties file under /);
    const tickerId = /Job has been submitted with JobID ([0-9a-f]{32})/.exec(first.stdout)?.[1] as string;
    // A second job in the same session, attached, to its end (a TaskManager container more is asked for).
    const second = await flink(['run', '-p', '1', WORDCOUNT, '--input', 'hdfs:///in/words.txt', '--output', 'hdfs:///out/session']);
    assert.equal(second.exitCode, 0, `${second.describe}\n${await (yarn as YarnCluster).describeContainerLogs(appId)}`);
    assert.equal(diffCounts(await countsIn('/out/session'), expectedCounts(text)), undefined);

    const list = await flink(['list']);
    assert.equal(list.exitCode, 0, list.describe);
    assert.match(list.stdout, new RegExp(`${tickerId} : Ticker on YARN \\(RUNNING\\)`));
    const cancel = await flink(['cancel', '-yid', appId, tickerId]);
    assert.equal(cancel.exitCode, 0, cancel.describe);
    assert.match(cancel.stdout, new RegExp(`Cancelled job ${tickerId}\\.`));

    const stop = await runCommand('bash', ['-c', `echo stop | "${join(BIN_DIR, 'yarn-session.sh')}" -id ${appId}`], env, { timeout: 120_000 });
    assert.equal(stop.exitCode, 0, stop.describe);
    const app = await waitFor('the session to end', 60_000, async () => (await applications()).find((a) => a.id === appId && ['FINISHED', 'FAILED', 'KILLED'].includes(a.state)), 250);
    assert.equal(app.name, 'flink-ts session');
    assert.deepEqual([app.state, app.finalStatus], ['FINISHED', 'SUCCEEDED'], app.diagnostics);
    assert.equal(existsSync(properties), false, 'the properties file of the stopped session is gone');
    await noStagingLeft();
  });
});
