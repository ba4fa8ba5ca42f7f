/**
 * Running jobs and failures on a real standalone cluster (issue 2): list and cancel of an unbounded job,
 * user functions that throw, programs that cannot become a job, a cluster that is not running, and a
 * TaskManager killed with `kill -9` in the middle of a job (last: it leaves one TaskManager).
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import {
  StandaloneCluster,
  freePort,
  isAlive,
  nonEmptyLines,
  waitFor,
  type CommandResult,
} from './support/standalone-cluster.js';
import { tickerJob } from './support/programs.js';

const ERROR_HEADER = '------------------------------------------------------------\n The program finished with the following exception:\n';
const DASHES = '--------------------------------------------------------------';

interface JobDetails {
  jid: string;
  name: string;
  state: string;
  'start-time': number;
  vertices: { parallelism: number; tasks: Record<string, number>; metrics: Record<string, number> }[];
}
interface TaskManagerInfo {
  id: string;
  dataPort: number;
  freeSlots: number;
}

function submittedJobId(r: CommandResult): string {
  const m = /^Job has been submitted with JobID ([0-9a-f]{32})$/m.exec(r.stdout);
  assert.ok(m, `no "Job has been submitted with JobID" line\n${r.describe}`);
  return m[1] as string;
}

function formatStart(ms: number): string {
  const d = new Date(ms);
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${p(d.getDate())}.${p(d.getMonth() + 1)}.${d.getFullYear()} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** A line server on 127.0.0.1 that writes a line every `intervalMs` to each client, as `nc -lk` fed slowly. */
async function slowLineServer(intervalMs: number): Promise<{ port: number; connections: Socket[]; closed: Socket[]; close(): Promise<void> }> {
  const connections: Socket[] = [];
  const closed: Socket[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const server: Server = createServer((socket) => {
    connections.push(socket);
    let n = 0;
    const timer = setInterval(() => socket.write(`line ${n++} of a slow stream\n`), intervalMs);
    timers.add(timer);
    socket.on('error', () => {});
    socket.on('close', () => {
      clearInterval(timer);
      timers.delete(timer);
      closed.push(socket);
    });
  });
  await new Promise<void>((res, rej) => {
    server.once('error', rej);
    server.listen(0, '127.0.0.1', () => res());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return {
    port: address.port,
    connections,
    closed,
    close: async () => {
      for (const t of timers) clearInterval(t);
      for (const s of connections) s.destroy();
      await new Promise<void>((res) => server.close(() => res()));
    },
  };
}

const TICKER_JOB = tickerJob('Unbounded Ticker', { parallel: true });

describe('running jobs and failures on a standalone cluster', function () {
  this.timeout(120_000);

  let cluster: StandaloneCluster;
  let jobsDir: string;

  async function jobFile(name: string, source: string): Promise<string> {
    const file = join(jobsDir, name);
    await writeFile(file, source);
    return file;
  }

  before(async function () {
    this.timeout(120_000);
    cluster = await StandaloneCluster.start();
    jobsDir = await cluster.tempDir('jobs');
  });

  after(async function () {
    this.timeout(90_000);
    await cluster?.stop();
  });

  it('flink list shows a running unbounded job; flink cancel ends it; list -a shows it CANCELED', async () => {
    const server = await slowLineServer(50);
    try {
      const job = await jobFile(
        'socket-job.js',
        `import { StreamExecutionEnvironment, ParameterTool } from 'flink-ts';
const params = ParameterTool.fromArgs(process.argv.slice(2));
const env = StreamExecutionEnvironment.getExecutionEnvironment();
env
  .socketTextStream('127.0.0.1', Number(params.get('port')))
  .map((line) => line.toUpperCase())
  .rebalance()
  .addSink(() => {});
await env.execute('Socket Upper Case');
`,
      );
      const run = await cluster.flink(['run', '-d', job, '--port', String(server.port)]);
      assert.equal(run.exitCode, 0, run.describe);
      const jobId = submittedJobId(run);
      await cluster.awaitJobState(jobId, ['RUNNING']);
      await waitFor('the socket source to connect', 30_000, () => (server.connections.length > 0 ? true : undefined));

      const details = await cluster.rest<JobDetails>(`/jobs/${jobId}`);
      const list = await cluster.flink(['list']);
      assert.equal(list.exitCode, 0, list.describe);
      assert.deepEqual(
        list.stdout.trimEnd().split('\n'),
        [
          'Waiting for response...',
          '------------------ Running/Restarting Jobs -------------------',
          `${formatStart(details['start-time'])} : ${jobId} : Socket Upper Case (RUNNING)`,
          DASHES,
          'No scheduled jobs.',
        ],
        list.describe,
      );
      assert.match(
        nonEmptyLines(list.stdout)[2] ?? '',
        /^\d{2}\.\d{2}\.\d{4} \d{2}:\d{2}:\d{2} : [0-9a-f]{32} : Socket Upper Case \(RUNNING\)$/,
      );

      // While it runs, the REST API shows its progress: the source vertex has written records.
      await waitFor('the running job to report records written', 15_000, async () => {
        const d = await cluster.rest<JobDetails>(`/jobs/${jobId}`);
        return (d.vertices[0]?.metrics['write-records'] ?? 0) > 0 ? true : undefined;
      });

      const cancel = await cluster.flink(['cancel', jobId]);
      assert.equal(cancel.exitCode, 0, cancel.describe);
      assert.deepEqual(nonEmptyLines(cancel.stdout), [`Cancelling job ${jobId}.`, `Cancelled job ${jobId}.`], cancel.describe);
      assert.equal((await cluster.rest<JobDetails>(`/jobs/${jobId}`)).state, 'CANCELED');
      // The source lets go of its connection when the job is cancelled.
      await waitFor('the socket source to disconnect', 15_000, () => (server.closed.length === server.connections.length ? true : undefined));

      const all = await cluster.flink(['list', '-a']);
      assert.equal(all.exitCode, 0, all.describe);
      const allLines = all.stdout.trimEnd().split('\n');
      assert.deepEqual(allLines.slice(0, 4), ['Waiting for response...', 'No running jobs.', 'No scheduled jobs.', '---------------------- Terminated Jobs -----------------------'], all.describe);
      assert.ok(allLines.includes(`${formatStart(details['start-time'])} : ${jobId} : Socket Upper Case (CANCELED)`), all.describe);
      assert.equal(allLines[allLines.length - 1], DASHES);

      const after = await cluster.flink(['list']);
      assert.deepEqual(after.stdout.trimEnd().split('\n'), ['Waiting for response...', 'No running jobs.', 'No scheduled jobs.'], after.describe);
    } finally {
      await server.close();
    }
  });

  it("a user function that throws fails the job with the user's message and stack, in flink run and in REST", async () => {
    const job = await jobFile(
      'throwing-job.js',
      [
        "import { StreamExecutionEnvironment } from 'flink-ts';",
        'const env = StreamExecutionEnvironment.getExecutionEnvironment();',
        'env',
        '  .generateSequence(1, 100000)',
        '  .map((n) => {',
        "    if (n === 4242) throw new Error('record 4242 is cursed');", // line 6
        '    return n;',
        '  })',
        '  .addSink(() => {});',
        "await env.execute('Cursed Records');",
        '',
      ].join('\n'),
    );
    const r = await cluster.flink(['run', '-p', '4', job]);
    assert.equal(r.exitCode, 1, r.describe);
    const jobId = submittedJobId(r);
    assert.ok(r.stderr.includes(ERROR_HEADER), r.describe);
    assert.ok(r.stderr.includes('record 4242 is cursed'), r.describe);
    assert.ok(r.stderr.includes(jobId), `the error names the job\n${r.describe}`);
    // The stack points at the throw in the user's own file, not at the bundle.
    assert.ok(r.stderr.includes(`${job}:6:`), `a stack frame at ${job}:6\n${r.describe}`);
    assert.ok(!/\.bundle\.mjs/.test(r.stderr), `no bundle paths in the stack\n${r.describe}`);
    assert.ok(!/Program execution finished/.test(r.stdout), r.describe);

    const exceptions = await cluster.rest<{ 'root-exception': string; 'all-exceptions': { exception: string; task: string }[] }>(`/jobs/${jobId}/exceptions`);
    assert.match(exceptions['root-exception'], /record 4242 is cursed/);
    assert.ok(exceptions['root-exception'].includes(`${job}:6:`), exceptions['root-exception']);
    assert.ok(exceptions['all-exceptions'].some((e) => /record 4242 is cursed/.test(e.exception) && /\(\d\/4\)/.test(e.task)), JSON.stringify(exceptions['all-exceptions']));

    const result = await cluster.rest<{ status: { id: string }; 'job-execution-result': { 'application-status': string } }>(`/jobs/${jobId}/execution-result`);
    assert.equal(result.status.id, 'COMPLETED');
    assert.equal(result['job-execution-result']['application-status'], 'FAILED');
    assert.equal((await cluster.rest<JobDetails>(`/jobs/${jobId}`)).state, 'FAILED');
  });

  it('a program that does not parse is refused with its path and line:col, without a stack trace', async () => {
    const job = await jobFile('broken-job.js', "import { StreamExecutionEnvironment } from 'flink-ts';\nconst env = StreamExecutionEnvironment.getExecutionEnvironment(;\n");
    const r = await cluster.flink(['run', job]);
    assert.equal(r.exitCode, 1, r.describe);
    assert.ok(r.stderr.includes(ERROR_HEADER), r.describe);
    assert.match(r.stderr, new RegExp(`${job.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:2:\\d+`), r.describe);
    assert.ok(!/^\s+at /m.test(r.stderr), `no stack trace\n${r.describe}`);
    assert.ok(!/Job has been submitted/.test(r.stdout), r.describe);
  });

  it("a program that never calls execute() gets Flink's message", async () => {
    const job = await jobFile(
      'no-execute-job.js',
      "import { StreamExecutionEnvironment } from 'flink-ts';\nconst env = StreamExecutionEnvironment.getExecutionEnvironment();\nenv.fromElements(1, 2, 3).print();\n",
    );
    const r = await cluster.flink(['run', job]);
    assert.equal(r.exitCode, 1, r.describe);
    assert.ok(r.stderr.includes(ERROR_HEADER), r.describe);
    assert.ok(
      r.stderr.includes("The program didn't contain a Flink job. Perhaps you forgot to call execute() on the execution environment."),
      r.describe,
    );
    assert.ok(!/^\s+at /m.test(r.stderr), `no stack trace\n${r.describe}`);
  });

  it('a program that builds a different graph on the TaskManager fails with a clear message', async () => {
    const job = await jobFile(
      'random-graph-job.js',
      `import { StreamExecutionEnvironment } from 'flink-ts';
const env = StreamExecutionEnvironment.getExecutionEnvironment();
env.generateSequence(1, 10).map((n) => n).name('Map ' + Math.random()).addSink(() => {});
await env.execute('Random Graph');
`,
    );
    const r = await cluster.flink(['run', '-p', '2', job]);
    assert.equal(r.exitCode, 1, r.describe);
    const jobId = submittedJobId(r);
    assert.match(r.stderr, /different job graph/, r.describe);
    const exceptions = await cluster.rest<{ 'root-exception': string }>(`/jobs/${jobId}/exceptions`);
    assert.match(exceptions['root-exception'], /different job graph/);
    assert.equal((await cluster.rest<JobDetails>(`/jobs/${jobId}`)).state, 'FAILED');
  });

  it('says that no cluster is running at the address, for list and run, within 15 s', async () => {
    const port = await freePort();
    const address = `127.0.0.1:${port}`;
    const job = await jobFile('tiny-job.js', `import { StreamExecutionEnvironment } from 'flink-ts';
const env = StreamExecutionEnvironment.getExecutionEnvironment();
env.fromElements(1, 2, 3).addSink(() => {});
await env.execute('Tiny');
`);
    for (const args of [['list', '-m', address], ['run', '-m', address, job], ['cancel', '-m', address, '0123456789abcdef0123456789abcdef']]) {
      const started = Date.now();
      const r = await cluster.flink(args, { timeout: 15_000 });
      assert.ok(!r.timedOut, `bin/flink ${args.join(' ')} hung\n${r.describe}`);
      assert.ok(Date.now() - started < 15_000);
      assert.notEqual(r.exitCode, 0, r.describe);
      assert.ok(r.stderr.includes(address), `names ${address}\n${r.describe}`);
      assert.match(r.stderr, /not running|Could not reach|Is the cluster running/i, r.describe);
    }
  });

  // Last in this file: it leaves the cluster with one TaskManager.
  it('kill -9 of a TaskManager fails the running job promptly, naming the lost TaskManager', async () => {
    const job = await jobFile('ticker-job.js', TICKER_JOB);
    // Attached, as a user runs it: the client waits for the job and reports how it ended.
    const abandon = new AbortController();
    const client = cluster.flink(['run', '-p', '4', job], { timeout: 60_000, signal: abandon.signal });
    try {
      await killTaskManagerUnder(client);
    } finally {
      // On a failed assertion the client may still wait for the job; it must not outlive the test.
      abandon.abort();
      await client;
    }
  });

  async function killTaskManagerUnder(client: Promise<CommandResult>): Promise<void> {
    const jobId = await waitFor('the job to run on all 4 subtasks', 30_000, async () => {
      const jobs = (await cluster.rest<{ jobs: { jid: string; name: string; state: string }[] }>('/jobs/overview')).jobs;
      const j = jobs.find((x) => x.name === 'Unbounded Ticker' && x.state === 'RUNNING');
      if (!j) return undefined;
      const d = await cluster.rest<JobDetails>(`/jobs/${j.jid}`);
      return d.vertices.every((v) => v.tasks['RUNNING'] === v.parallelism) ? j.jid : undefined;
    });
    const before = (await cluster.rest<{ taskmanagers: TaskManagerInfo[] }>('/taskmanagers')).taskmanagers;
    assert.equal(before.length, 2);
    assert.ok(before.every((tm) => tm.freeSlots === 0), `both TaskManagers busy: ${JSON.stringify(before)}`);

    const tmPids = await cluster.pids('taskexecutor');
    assert.equal(tmPids.length, 2);
    const victim = tmPids[1] as number;
    const killedAt = Date.now();
    process.kill(victim, 'SIGKILL');
    await waitFor(`TaskManager ${victim} to die`, 10_000, () => (isAlive(victim) ? undefined : true));

    await cluster.awaitJobState(jobId, ['FAILED', 'CANCELED', 'FINISHED'], 30_000);
    const failedAfter = Date.now() - killedAt;
    assert.equal((await cluster.rest<JobDetails>(`/jobs/${jobId}`)).state, 'FAILED');
    // heartbeat.timeout is 50 s; the closed connection must be noticed long before that.
    assert.ok(failedAfter < 5_000, `the job failed ${failedAfter} ms after the kill`);

    const exceptions = await cluster.rest<{ 'root-exception': string }>(`/jobs/${jobId}/exceptions`);
    const m = /TaskManager with id ([0-9a-f]+)\b.*no longer reachable/.exec(exceptions['root-exception']);
    assert.ok(m, exceptions['root-exception']);
    const lostId = m[1] as string;
    const lost = before.find((tm) => tm.id === lostId);
    assert.ok(lost, `the cause names one of ${before.map((tm) => tm.id).join(', ')}: ${lostId}`);
    assert.ok(exceptions['root-exception'].includes(`:${lost.dataPort}`), exceptions['root-exception']);

    const r = await client;
    assert.equal(r.exitCode, 1, r.describe);
    assert.equal(submittedJobId(r), jobId);
    assert.ok(r.stderr.includes(ERROR_HEADER), r.describe);
    assert.ok(r.stderr.includes(`TaskManager with id ${lostId}`), `flink run names the lost TaskManager\n${r.describe}`);

    // The named TaskManager is the killed one: it is the one that leaves the cluster; the other stays.
    const survivors = await waitFor('the lost TaskManager to be unregistered', 15_000, async () => {
      const tms = (await cluster.rest<{ taskmanagers: TaskManagerInfo[] }>('/taskmanagers')).taskmanagers;
      return tms.length === 1 ? tms : undefined;
    });
    assert.notEqual(survivors[0]?.id, lostId);
    assert.ok(isAlive(tmPids[0] as number), 'the other TaskManager process still runs');
    await waitFor('the surviving slots free again', 15_000, async () => {
      const o = await cluster.rest<{ 'slots-available': number; 'slots-total': number }>('/overview');
      return o['slots-total'] === 2 && o['slots-available'] === 2 ? true : undefined;
    });

    // The cluster keeps working on what is left.
    const bounded = await jobFile('after-loss-job.js', `import { StreamExecutionEnvironment } from 'flink-ts';
const env = StreamExecutionEnvironment.getExecutionEnvironment();
env.generateSequence(1, 1000).map((n) => n + 1).addSink(() => {});
await env.execute('After The Loss');
`);
    const again = await cluster.flink(['run', '-p', '2', bounded]);
    assert.equal(again.exitCode, 0, again.describe);
    assert.ok(nonEmptyLines(again.stdout).includes('Program execution finished'), again.describe);
  }
});
