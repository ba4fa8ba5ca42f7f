/**
 * Apache Flink 1.20's own Java clients against a real flink-ts cluster: `RestClusterClient` and `RestClient`
 * with Flink's MessageHeaders for every endpoint flink-ts serves (test/flink-clients/FlinkClientsCheck.java), and
 * Flink's `CliFrontend` for `list`, `list -a` and `cancel`, whose output must match `bin/flink`'s.
 *
 * Needs Java 17 and Maven; scripts/flink-clients.sh builds the Java side (the first build downloads Flink's jars,
 * which .ci/run does before the tests).
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { planInWorker } from '../../src/client/plan-worker.js';
import {
  FLINK_HOME,
  StandaloneCluster,
  isAlive,
  nonEmptyLines,
  runCommand,
  waitFor,
  type CommandResult,
} from './support/standalone-cluster.js';
import { tickerJob } from './support/programs.js';
import { runCli } from '../unit/client/client-test-util.js';
import { WINDOW_VERTEX, sampleCheckpointStatistics } from '../unit/rest/checkpoint-fixtures.js';
import { startTestServer, type TestServer } from '../unit/rest/rest-test-util.js';
import { jobDetails, newJobId } from '../unit/rest/testing-dispatcher-gateway.js';

const CHECK_MAIN = 'flinkts.clients.FlinkClientsCheck';
const CLI_FRONTEND = 'org.apache.flink.client.cli.CliFrontend';
const FAILURE_TEXT = 'record 77 is cursed';
const TM_HEAP_MIB = 600;
const MIB = 1024 * 1024;

/** A bounded DataSet job whose count() leaves an accumulator in the job result. */
const COUNT_JOB = `import { ExecutionEnvironment } from 'flink-ts';
const env = ExecutionEnvironment.getExecutionEnvironment();
// A small bulk iteration, so GET /jobs/:jobid carries flink-ts's \`iterations\` field for Flink's client to read.
const it = env.generateSequence(1, 1000).iterate(2);
const n = await it.closeWith(it.map((x) => x)).filter((x) => x % 7 === 0).count();
console.log('multiples of 7: ' + n);
`;

const FAILING_JOB = `import { StreamExecutionEnvironment } from 'flink-ts';
const env = StreamExecutionEnvironment.getExecutionEnvironment();
env
  .generateSequence(1, 1000)
  .map((n) => {
    if (n === 77) throw new Error('${FAILURE_TEXT}');
    return n;
  })
  .addSink(() => {});
await env.execute('Cursed Records');
`;

const TICKER_JOB = tickerJob('Unbounded Ticker');

const BOUNDED_JOB = `import { StreamExecutionEnvironment } from 'flink-ts';
const env = StreamExecutionEnvironment.getExecutionEnvironment();
env.generateSequence(1, 100).map((n) => n + 1).addSink(() => {});
await env.execute('Bounded Plus One');
`;

interface JavaClients {
  javaBin: string;
  classpath: string;
}

/** Builds test/flink-clients (a fresh machine downloads Flink's jars here; CI does that beforehand). */
async function buildJavaClients(): Promise<JavaClients> {
  const build = await runCommand(join(FLINK_HOME, 'scripts', 'flink-clients.sh'), ['build'], process.env as Record<string, string>, { timeout: 850_000 });
  assert.equal(build.exitCode, 0, build.describe);
  const printed = (key: string): string => {
    const line = build.stdout.split('\n').find((l) => l.startsWith(`${key}=`));
    assert.ok(line, `no ${key}= line\n${build.describe}`);
    return line.slice(key.length + 1);
  };
  return { javaBin: printed('java'), classpath: printed('classpath') };
}

/** Runs a Java main class from the built classpath. */
function runJava(clients: JavaClients, main: string, args: readonly string[], env: Record<string, string> = {}): Promise<CommandResult> {
  return runCommand(clients.javaBin, ['-cp', clients.classpath, main, ...args], { ...(process.env as Record<string, string>), ...env }, { timeout: 150_000 });
}

/** A config.yaml for Flink 1.20's own tools: the REST endpoint, retries off so a failing call fails at once. */
async function flinkClientConf(dir: string, restPort: number): Promise<void> {
  await writeFile(
    join(dir, 'config.yaml'),
    ['rest.address: 127.0.0.1', `rest.port: ${restPort}`, 'rest.retry.max-attempts: 0', 'rest.retry.delay: 100 ms', ''].join('\n'),
  );
}

/** The lines of a Java check program that reported a failure. */
function javaFailures(r: CommandResult): string[] {
  return r.stdout.split('\n').filter((l) => l.startsWith('FAIL'));
}

function submittedJobId(r: CommandResult): string {
  const m = /^Job has been submitted with JobID ([0-9a-f]{32})$/m.exec(r.stdout);
  assert.ok(m, `no "Job has been submitted with JobID" line\n${r.describe}`);
  return m[1] as string;
}

/**
 * `flink list` output as its sections: each header (or "No ... jobs." line) with the rows under it, rows sorted,
 * so two listings compare equal when they show the same jobs in the same sections.
 */
function sections(stdout: string): string[][] {
  const out: string[][] = [];
  let rows: string[] | undefined;
  for (const line of nonEmptyLines(stdout)) {
    if (/^\d{2}\.\d{2}\.\d{4} \d{2}:\d{2}:\d{2} : /.test(line) && rows) {
      rows.push(line);
    } else {
      if (rows) out.push(rows.sort());
      rows = [line];
    }
  }
  if (rows) out.push(rows.sort());
  return out;
}

describe("Apache Flink 1.20's Java clients against a flink-ts cluster", function () {
  this.timeout(180_000);

  let cluster: StandaloneCluster;
  let clients: JavaClients;
  let work: string;
  let flinkConfDir: string;

  const java = (main: string, args: readonly string[], env: Record<string, string> = {}): Promise<CommandResult> => runJava(clients, main, args, env);

  /** Flink's own `bin/flink`: CliFrontend with a config dir that points at the cluster's REST port. */
  function flinkCli(args: readonly string[]): Promise<CommandResult> {
    return java(CLI_FRONTEND, args, { FLINK_CONF_DIR: flinkConfDir });
  }

  async function jobFile(name: string, source: string): Promise<string> {
    const file = join(work, name);
    await writeFile(file, source);
    return file;
  }

  async function startTicker(): Promise<string> {
    const run = await cluster.flink(['run', '-d', await jobFile('ticker.js', TICKER_JOB)]);
    assert.equal(run.exitCode, 0, run.describe);
    const jobId = submittedJobId(run);
    await cluster.awaitJobState(jobId, ['RUNNING']);
    return jobId;
  }

  before(async function () {
    // A fresh machine downloads Flink's jars here; CI does that beforehand (scripts/flink-clients.sh fetch).
    this.timeout(900_000);
    clients = await buildJavaClients();

    // A heap size of our own, to see it come back as each TaskManager's hardware.freeMemory.
    cluster = await StandaloneCluster.start({ extraConf: [`taskmanager.heap.size: ${TM_HEAP_MIB}m`] });
    work = await cluster.tempDir('flink-clients');
    flinkConfDir = await cluster.tempDir('flink-conf');
    await flinkClientConf(flinkConfDir, cluster.restPort);
  });

  after(async function () {
    this.timeout(90_000);
    await cluster?.stop();
  });

  it("RestClusterClient and RestClient parse every answer, for finished, failed, cancelled, uploaded and submitted jobs", async () => {
    const finishedRun = await cluster.flink(['run', await jobFile('count.js', COUNT_JOB)]);
    assert.equal(finishedRun.exitCode, 0, finishedRun.describe);
    const finished = submittedJobId(finishedRun);
    const failedRun = await cluster.flink(['run', await jobFile('failing.js', FAILING_JOB)]);
    assert.equal(failedRun.exitCode, 1, failedRun.describe);
    const failed = submittedJobId(failedRun);
    const running = await startTicker();

    // What POST /jobs takes: a planned job graph (JSON) and its bundle, as bin/flink would send them.
    const planned = await planInWorker({ programPath: await jobFile('bounded.js', BOUNDED_JOB), args: [], defaultParallelism: 1, bufferTimeout: 100 });
    const graphFile = join(work, 'job-graph.json');
    const bundleFile = join(work, planned.bundle.fileName);
    await writeFile(graphFile, JSON.stringify(planned.jobGraph));
    await writeFile(bundleFile, planned.bundle.data);

    // A savepoint directory for disposeSavepoint to remove, and a plain directory it must refuse to touch.
    const savepointDir = join(work, 'savepoint-0a1b2c-0123456789ab');
    const plainDir = join(work, 'not-a-savepoint');
    await mkdir(join(savepointDir, 'op'), { recursive: true });
    await writeFile(join(savepointDir, '_metadata'), 'metadata');
    await writeFile(join(savepointDir, 'op', 'state'), 'state');
    await mkdir(plainDir);
    await writeFile(join(plainDir, 'data'), 'keep');

    const r = await java(CHECK_MAIN, [
      'check',
      '--rest', cluster.address,
      '--finished', finished,
      '--failed', failed,
      '--failure-text', FAILURE_TEXT,
      '--running', running,
      '--program', await jobFile('upload-me.js', BOUNDED_JOB),
      '--job-graph', graphFile,
      '--bundle', bundleFile,
      '--savepoint', savepointDir,
      '--not-a-savepoint', plainDir,
    ]);
    if (process.env['FLINK_IT_VERBOSE'] === '1') console.log(r.stdout);
    const failures = r.stdout.split('\n').filter((l) => l.startsWith('FAIL'));
    assert.deepEqual(failures, [], r.describe);
    assert.equal(r.exitCode, 0, r.describe);
    // Every endpoint was called (a check that silently skipped some would pass the lines above).
    for (const endpoint of [
      'GET /config', 'GET /overview', 'GET /taskmanagers', 'GET /taskmanagers/:taskmanagerid', 'GET /jobmanager/config',
      'GET /jobmanager/environment', 'GET /jobs', 'GET /jobs/overview', 'GET /jobs/:jobid', 'GET /jobs/:jobid/status',
      'GET /jobs/:jobid/plan', 'GET /jobs/:jobid/config', 'GET /jobs/:jobid/exceptions', 'GET /jobs/:jobid/accumulators',
      'GET /jobs/:jobid/execution-result', 'GET /jobs/:jobid/vertices/:vertexid', 'GET /jobs/:jobid/vertices/:vertexid/watermarks',
      'PATCH /jobs/:jobid', 'POST /jars/upload', 'GET /jars', 'POST /jars/:jarid/run', 'DELETE /jars/:jarid', 'POST /jobs',
      'GET /jobs/:jobid/checkpoints', 'GET /jobs/:jobid/checkpoints/config', 'POST /savepoint-disposal',
    ]) {
      assert.ok(r.stdout.includes(`ok    ${endpoint} `) || r.stdout.includes(`(${endpoint})`), `${endpoint} was called\n${r.describe}`);
    }
    assert.equal(await cluster.awaitJobState(running, ['CANCELED']), 'CANCELED');
    assert.equal(existsSync(savepointDir), false, 'disposeSavepoint removed the savepoint');
    assert.equal(existsSync(join(plainDir, 'data')), true, 'disposeSavepoint left the plain directory alone');
  });

  it("GET /taskmanagers: freeMemory is each TaskManager's heap limit, timeSinceLastHeartbeat a recent point in time", async () => {
    const { taskmanagers } = await cluster.rest<{ taskmanagers: Array<{ timeSinceLastHeartbeat: number; hardware: { freeMemory: number } }> }>('/taskmanagers');
    assert.equal(taskmanagers.length, 2);
    for (const tm of taskmanagers) {
      // V8's limit is the old space (--max-old-space-size) plus a little young space.
      assert.ok(tm.hardware.freeMemory >= TM_HEAP_MIB * MIB && tm.hardware.freeMemory < (TM_HEAP_MIB + 100) * MIB, JSON.stringify(tm));
      assert.ok(Math.abs(Date.now() - tm.timeSinceLastHeartbeat) < 60_000, JSON.stringify(tm));
    }
  });

  it("Flink's CliFrontend list and list -a print what bin/flink prints", async () => {
    const running = await startTicker();
    try {
      for (const args of [['list'], ['list', '-a']]) {
        const theirs = await flinkCli(args);
        const ours = await cluster.flink(args);
        assert.equal(theirs.exitCode, 0, theirs.describe);
        assert.equal(ours.exitCode, 0, ours.describe);
        assert.deepEqual(sections(ours.stdout), sections(theirs.stdout), `flink ${args.join(' ')}\n${theirs.describe}\n${ours.describe}`);
        if (args.length === 1) assert.ok(theirs.stdout.includes(`: ${running} : Unbounded Ticker (RUNNING)`), theirs.describe);
      }
    } finally {
      await cluster.flink(['cancel', running]);
    }
  });

  it("Flink's CliFrontend cancel prints what bin/flink cancel prints, and the job ends CANCELED", async () => {
    const [theirsJob, oursJob] = [await startTicker(), await startTicker()];
    const theirs = await flinkCli(['cancel', theirsJob]);
    const ours = await cluster.flink(['cancel', oursJob]);
    assert.equal(theirs.exitCode, 0, theirs.describe);
    assert.equal(ours.exitCode, 0, ours.describe);
    const generic = (r: CommandResult, id: string): string[] => nonEmptyLines(r.stdout).map((l) => l.replaceAll(id, '<id>'));
    assert.deepEqual(generic(ours, oursJob), generic(theirs, theirsJob), `${theirs.describe}\n${ours.describe}`);
    assert.deepEqual(generic(theirs, theirsJob), ['Cancelling job <id>.', 'Cancelled job <id>.'], theirs.describe);
    assert.equal(await cluster.awaitJobState(theirsJob, ['CANCELED', 'FAILED', 'FINISHED']), 'CANCELED');
  });

  it("Flink's CliFrontend fails clearly for an unknown job, as bin/flink does", async () => {
    const unknown = '0123456789abcdef0123456789abcdef';
    const theirs = await flinkCli(['cancel', unknown]);
    const ours = await cluster.flink(['cancel', unknown]);
    assert.equal(theirs.exitCode, 1, theirs.describe);
    assert.equal(ours.exitCode, 1, ours.describe);
    for (const r of [theirs, ours]) assert.ok(r.stderr.includes(`Job ${unknown} not found`) || r.stdout.includes(`Job ${unknown} not found`), r.describe);
  });

  // Last: it shuts the cluster down.
  it('RestClient shuts the cluster down (DELETE /cluster): the JobManager exits', async () => {
    const pids = await cluster.pids('standalonesession');
    assert.equal(pids.length, 1, `JobManager pids: ${pids.join(', ')}`);
    const r = await java(CHECK_MAIN, ['shutdown', '--rest', cluster.address]);
    assert.equal(r.exitCode, 0, r.describe);
    // As in a Flink standalone cluster, the TaskManagers outlive it (they wait for a JobManager to come back).
    await waitFor('the JobManager to exit', 60_000, () => (pids.some(isAlive) ? undefined : true), 100);
  });
});

/**
 * The savepoint and checkpoint-statistics endpoints through Flink's own client and command line, against a
 * flink-ts REST endpoint whose dispatcher answers with canned data (the testing gateway of the unit tests): the
 * job master does not take savepoints yet, and the point here is what Flink's classes make of our JSON and our
 * command line of the same operations. The end-to-end savepoint runs belong with the job master's tests.
 */
describe("Apache Flink 1.20's Java clients on savepoints and checkpoint statistics (canned answers)", function () {
  this.timeout(180_000);

  const TARGET = '/tmp/flink-ts-sp';
  const FAILURE_TEXT = 'the savepoint was declined by a task';
  let clients: JavaClients;
  let server: TestServer;
  let dir: string;
  let flinkConfDir: string;
  let ourConfDir: string;

  const newJob = (): string => server.gateway.addJob(jobDetails({ jobId: newJobId() })).jobId;

  before(async function () {
    this.timeout(900_000);
    clients = await buildJavaClients();
    server = await startTestServer();
    dir = await mkdtemp(join(tmpdir(), 'flink-clients-savepoints-'));
    flinkConfDir = join(dir, 'flink-conf');
    ourConfDir = join(dir, 'our-conf');
    await mkdir(flinkConfDir);
    await mkdir(ourConfDir);
    await flinkClientConf(flinkConfDir, server.endpoint.port);
    await writeFile(join(ourConfDir, 'flink-conf.yaml'), `rest.address: 127.0.0.1\nrest.port: ${server.endpoint.port}\n`);
  });

  after(async () => {
    await server?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('RestClusterClient triggers, stops, cancels with and disposes savepoints; RestClient reads the checkpoint statistics', async () => {
    const gw = server.gateway;
    const failing = newJob();
    gw.savepointFailures.set(failing, new Error(FAILURE_TEXT));
    const stats = newJob();
    gw.checkpointStats.set(stats, sampleCheckpointStatistics());
    gw.disposalFailures.set('/tmp/not-a-savepoint', new Error("'/tmp/not-a-savepoint' is not a savepoint"));
    const r = await runJava(clients, CHECK_MAIN, [
      'savepoints',
      '--rest', `127.0.0.1:${server.endpoint.port}`,
      '--job', newJob(),
      '--stop-job', newJob(),
      '--cancel-job', newJob(),
      '--failing-job', failing,
      '--failure-text', FAILURE_TEXT,
      '--target', TARGET,
      '--stats-job', stats,
      '--empty-job', newJob(),
      '--checkpoint', '4',
      '--vertex', WINDOW_VERTEX,
      '--dispose', `${TARGET}/savepoint-abcdef-0123456789ab`,
      '--bad-dispose', '/tmp/not-a-savepoint',
      '--bad-dispose-text', 'is not a savepoint',
    ]);
    if (process.env['FLINK_IT_VERBOSE'] === '1') console.log(r.stdout);
    assert.deepEqual(javaFailures(r), [], r.describe);
    assert.equal(r.exitCode, 0, r.describe);
    for (const endpoint of [
      'POST /jobs/:jobid/savepoints', 'GET /jobs/:jobid/savepoints/:triggerid', 'POST /jobs/:jobid/stop', 'POST /savepoint-disposal',
      'GET /jobs/:jobid/checkpoints', 'GET /jobs/:jobid/checkpoints/config', 'GET /jobs/:jobid/checkpoints/details/:checkpointid',
      'GET /jobs/:jobid/checkpoints/details/:checkpointid/subtasks/:vertexid',
    ]) {
      assert.ok(r.stdout.includes(`ok    ${endpoint} `) || r.stdout.includes(`(${endpoint}`), `${endpoint} was called\n${r.describe}`);
    }
    // What the Java client asked for, as the dispatcher received it.
    assert.deepEqual(
      gw.calls.savepoints.map((c) => [c.request.then, c.request.formatType, c.request.targetDirectory]),
      [
        ['continue', 'CANONICAL', TARGET],
        ['continue', 'NATIVE', TARGET],
        ['continue', 'CANONICAL', TARGET],
        ['drain', 'CANONICAL', TARGET],
        ['cancel', 'CANONICAL', TARGET],
      ],
    );
  });

  it("Flink's CliFrontend savepoint, stop, cancel -s and savepoint -d print what bin/flink prints", async () => {
    const generic = (text: string, jobId: string): string[] =>
      nonEmptyLines(text).map((l) =>
        l.replaceAll(jobId, '<id>').replace(/savepoint-[0-9a-f]{6}-[0-9a-f]{12}/g, 'savepoint-<x>').replace(/[0-9a-f]{32}/g, '<trigger>'),
      );
    const cases: Array<{ args: (jobId: string) => string[]; exitCode: number; failing?: boolean }> = [
      { args: (j) => ['savepoint', j, TARGET], exitCode: 0 },
      { args: (j) => ['savepoint', '-detached', j, TARGET], exitCode: 0 },
      { args: (j) => ['stop', '-p', TARGET, j], exitCode: 0 },
      { args: (j) => ['stop', '--drain', '-p', TARGET, j], exitCode: 0 },
      { args: (j) => ['cancel', '-s', TARGET, j], exitCode: 0 },
      { args: () => ['savepoint', '-d', `${TARGET}/savepoint-abcdef-0123456789ab`], exitCode: 0 },
      { args: (j) => ['savepoint', j, TARGET], exitCode: 1, failing: true },
    ];
    for (const c of cases) {
      const [theirsJob, oursJob] = [newJob(), newJob()];
      if (c.failing) for (const j of [theirsJob, oursJob]) server.gateway.savepointFailures.set(j, new Error(FAILURE_TEXT));
      const theirs = await runJava(clients, CLI_FRONTEND, c.args(theirsJob), { FLINK_CONF_DIR: flinkConfDir });
      const oursRun = await runCli(c.args(oursJob), ourConfDir);
      const what = `flink ${c.args('<id>').join(' ')}\n${theirs.describe}\nours: ${JSON.stringify(oursRun)}`;
      assert.equal(theirs.exitCode, c.exitCode, what);
      assert.equal(oursRun.code, c.exitCode, what);
      assert.deepEqual(generic(oursRun.stdout, oursJob), generic(theirs.stdout, theirsJob), what);
      if (c.failing) for (const err of [theirs.stderr, oursRun.stderr]) assert.ok(err.includes(FAILURE_TEXT), what);
    }
  });
});
