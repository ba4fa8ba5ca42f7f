/**
 * `bin/flink savepoint`, `savepoint -d`, `stop`, `cancel -s` and `run -s` against a REST endpoint backed by the
 * testing gateway: Flink 1.20's output lines, the requests that reach the cluster, and argument mistakes.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer, type TestServer } from '../rest/rest-test-util.js';
import { jobDetails, newJobId } from '../rest/testing-dispatcher-gateway.js';
import { runCli, type CliResult } from './client-test-util.js';

const DASHES = '------------------------------------------------------------';
const HELP_HINT = 'Use the help option (-h or --help) to get help on the command.';
const SAVEPOINT_PATH = /^Savepoint completed\. Path: (\/tmp\/sp\/savepoint-[0-9a-f]{6}-[0-9a-f]{12})$/m;

function errorOutput(...lines: string[]): string {
  return ['', DASHES, ' The program finished with the following exception:', '', ...lines, ''].join('\n');
}

describe('bin/flink savepoint, stop, cancel -s, run -s', function () {
  this.timeout(60_000);
  let server: TestServer;
  let work: string;
  let jobId: string;

  const m = (): string => `127.0.0.1:${server.endpoint.port}`;
  const flink = (...args: string[]): Promise<CliResult> => runCli(args, work, work);
  const lines = (r: CliResult): string[] => r.stdout.split('\n').filter((l) => l !== '');

  beforeEach(async () => {
    server = await startTestServer();
    work = await mkdtemp(join(tmpdir(), 'flink-cli-savepoints-'));
    await writeFile(join(work, 'flink-conf.yaml'), '# empty: defaults only\n');
    jobId = server.gateway.addJob(jobDetails({ jobId: newJobId() })).jobId;
  });

  afterEach(async () => {
    await server.close();
    await rm(work, { recursive: true, force: true });
  });

  describe('savepoint', () => {
    it("triggers a savepoint, waits for it and prints Flink's lines with its path", async () => {
      const r = await flink('savepoint', '-m', m(), jobId, '/tmp/sp');
      assert.equal(r.stderr, '');
      assert.equal(r.code, 0);
      const path = SAVEPOINT_PATH.exec(r.stdout)?.[1];
      assert.ok(path, r.stdout);
      assert.deepEqual(lines(r), [
        `Triggering savepoint for job ${jobId}.`,
        'Waiting for response...',
        `Savepoint completed. Path: ${path}`,
        'You can resume your program from this savepoint with the run command.',
      ]);
      assert.deepEqual(server.gateway.calls.savepoints, [
        { jobId, request: { targetDirectory: '/tmp/sp', then: 'continue', formatType: 'CANONICAL', triggerId: undefined } },
      ]);
      assert.equal(server.gateway.jobs.get(jobId)?.status, 'RUNNING');
    });

    it("uses the cluster's default directory without one, a relative directory is this shell's, -type picks the format", async () => {
      server.gateway.defaultSavepointDirectory = '/tmp/sp';
      const r = await flink('savepoint', '-m', m(), '-type', 'native', jobId);
      assert.equal(r.code, 0, r.stderr);
      const rel = await flink('savepoint', '-m', m(), jobId, 'savepoints');
      assert.equal(rel.code, 0, rel.stderr);
      assert.deepEqual(
        server.gateway.calls.savepoints.map((c) => [c.request.targetDirectory, c.request.formatType]),
        [[undefined, 'NATIVE'], [join(work, 'savepoints'), 'CANONICAL']],
      );
    });

    it('says which setting is missing when no directory is named or configured', async () => {
      const r = await flink('savepoint', '-m', m(), jobId);
      assert.equal(r.code, 1);
      assert.deepEqual(lines(r), [`Triggering savepoint for job ${jobId}.`, 'Waiting for response...']);
      assert.equal(
        r.stderr,
        errorOutput(
          `Failed to trigger a savepoint for the job ${jobId}.`,
          'Caused by: Config key [state.savepoints.dir] is not set. Property [target-directory] must be provided.',
        ),
      );
    });

    it("reports the cluster's failure cause, without stack traces", async () => {
      server.gateway.savepointFailures.set(jobId, new Error('The job is not running (FINISHED).'));
      const r = await flink('savepoint', '-m', m(), jobId, '/tmp/sp');
      assert.equal(r.code, 1);
      assert.equal(
        r.stderr,
        errorOutput(`Failed to trigger a savepoint for the job ${jobId}.`, 'Caused by: Error: The job is not running (FINISHED).'),
      );
    });

    it('gives up after client.timeout, saying the savepoint may still complete', async () => {
      server.gateway.operationPolls = 1_000_000;
      const r = await flink('savepoint', '-m', m(), '-D', 'client.timeout=300ms', jobId, '/tmp/sp');
      assert.equal(r.code, 1);
      assert.match(r.stderr, new RegExp(`Caused by: The savepoint of job ${jobId} did not complete within 300 ms \\(client\\.timeout\\)\\. It may still complete: ask GET /jobs/${jobId}/savepoints/[0-9a-f]{32}`));
    });

    it('-detached prints the trigger id and returns at once', async () => {
      server.gateway.operationPolls = 1_000_000;
      const r = await flink('savepoint', '-detached', '-m', m(), jobId, '/tmp/sp');
      assert.equal(r.code, 0, r.stderr);
      const out = lines(r);
      assert.equal(out[0], `Triggering savepoint in detached mode for job ${jobId}.`);
      assert.match(out[1] ?? '', /^Successfully trigger manual savepoint, triggerId: [0-9a-f]{32}$/);
      assert.equal(out.length, 2);
    });

    it('answers argument mistakes with the message and the help hint', async () => {
      for (const [args, message] of [
        [['savepoint', '-m', m()], 'Missing JobID. Specify a Job ID to trigger a savepoint.'],
        [['savepoint', 'not-a-job'], 'Cannot parse JobID from "not-a-job". The expected format is [0-9a-fA-F]{32}, e.g. fd72014d4c864993a2e5a9287b4a9c5d.'],
        [['savepoint', '-type', 'compact', jobId], "Invalid savepoint format type 'compact'. Use -type canonical or -type native."],
        [['savepoint', '-d'], 'Missing argument for option: d'],
      ] as const) {
        const r = await flink(...args);
        assert.equal(r.code, 1, args.join(' '));
        assert.equal(r.stdout, `${message}\n\n${HELP_HINT}\n`, args.join(' '));
        assert.equal(r.stderr, '');
      }
      assert.equal(server.gateway.calls.savepoints.length, 0);
    });

    it('ignores extra arguments as Flink does, saying so', async () => {
      const r = await flink('savepoint', '-m', m(), jobId, '/tmp/sp', 'extra');
      assert.equal(r.code, 0, r.stderr);
      assert.equal(lines(r)[0], 'Provided more arguments than required. Ignoring not needed arguments.');
    });
  });

  describe('savepoint -d', () => {
    it("disposes a savepoint and prints Flink's lines", async () => {
      const r = await flink('savepoint', '-m', m(), '-d', '/tmp/sp/savepoint-abcdef-0123456789ab');
      assert.equal(r.stderr, '');
      assert.equal(r.code, 0);
      assert.deepEqual(lines(r), [
        "Disposing savepoint '/tmp/sp/savepoint-abcdef-0123456789ab'.",
        'Waiting for response...',
        "Savepoint '/tmp/sp/savepoint-abcdef-0123456789ab' disposed.",
      ]);
      assert.deepEqual(server.gateway.calls.disposals, ['/tmp/sp/savepoint-abcdef-0123456789ab']);
    });

    it('reports a failed disposal with the reason', async () => {
      server.gateway.disposalFailures.set('/tmp/data', Object.assign(new Error("'/tmp/data' is not a savepoint: it has no _metadata file."), { name: 'NotASavepointError' }));
      const r = await flink('savepoint', '-m', m(), '--dispose', '/tmp/data');
      assert.equal(r.code, 1);
      assert.equal(
        r.stderr,
        errorOutput("Failed to dispose the savepoint '/tmp/data'.", "Caused by: NotASavepointError: '/tmp/data' is not a savepoint: it has no _metadata file."),
      );
    });
  });

  describe('stop', () => {
    it("stops the job with a savepoint in the given directory and prints Flink's lines", async () => {
      const r = await flink('stop', '-m', m(), '-p', '/tmp/sp', jobId);
      assert.equal(r.stderr, '');
      assert.equal(r.code, 0);
      const path = SAVEPOINT_PATH.exec(r.stdout)?.[1];
      assert.deepEqual(lines(r), [
        `Suspending job "${jobId}" with a CANONICAL savepoint.`,
        `Triggering stop-with-savepoint for job ${jobId}.`,
        'Waiting for response...',
        `Savepoint completed. Path: ${path}`,
      ]);
      assert.deepEqual(server.gateway.calls.savepoints.map((c) => c.request), [
        { targetDirectory: '/tmp/sp', then: 'stop', formatType: 'CANONICAL', triggerId: undefined },
      ]);
      assert.equal(server.gateway.jobs.get(jobId)?.status, 'FINISHED');
    });

    it('drains with -d; "-p <Job ID>" and no -p use the default directory', async () => {
      server.gateway.defaultSavepointDirectory = '/tmp/sp';
      const drained = await flink('stop', '-m', m(), '--drain', jobId);
      assert.equal(drained.code, 0, drained.stderr);
      assert.equal(lines(drained)[0], `Draining job "${jobId}" with a CANONICAL savepoint.`);
      const other = server.gateway.addJob(jobDetails({ jobId: newJobId() })).jobId;
      const p = await flink('stop', '-m', m(), '-p', other);
      assert.equal(p.code, 0, p.stderr);
      assert.deepEqual(server.gateway.calls.savepoints.map((c) => [c.jobId, c.request.then, c.request.targetDirectory]), [
        [jobId, 'drain', undefined],
        [other, 'stop', undefined],
      ]);
    });

    it('answers a missing job id as Flink does, and reports an unknown job', async () => {
      const missing = await flink('stop', '-m', m());
      assert.equal(missing.code, 1);
      assert.equal(missing.stdout, `Missing JobId\n\n${HELP_HINT}\n`);
      const unknown = newJobId();
      const r = await flink('stop', '-m', m(), '-p', '/tmp/sp', unknown);
      assert.equal(r.code, 1);
      assert.equal(r.stderr, errorOutput(`Could not stop with a savepoint job "${unknown}".`, `Caused by: Job ${unknown} not found`));
    });
  });

  describe('cancel -s', () => {
    it("takes a savepoint, cancels the job and prints Flink's lines", async () => {
      const r = await flink('cancel', '-m', m(), '-s', '/tmp/sp', jobId);
      assert.equal(r.stderr, '');
      assert.equal(r.code, 0);
      const out = lines(r);
      assert.deepEqual(out.slice(0, 2), [
        'DEPRECATION WARNING: Cancelling a job with savepoint is deprecated. Use "stop" instead.',
        `Cancelling job ${jobId} with CANONICAL savepoint to /tmp/sp.`,
      ]);
      assert.match(out[2] ?? '', new RegExp(`^Cancelled job ${jobId}\\. Savepoint stored in /tmp/sp/savepoint-${jobId.slice(0, 6)}-[0-9a-f]{12}\\.$`));
      assert.equal(out.length, 3);
      assert.deepEqual(server.gateway.calls.savepoints.map((c) => c.request.then), ['cancel']);
      assert.equal(server.gateway.jobs.get(jobId)?.status, 'CANCELED');
    });

    it('"cancel -s <Job ID>" uses the default directory', async () => {
      server.gateway.defaultSavepointDirectory = '/tmp/sp';
      const r = await flink('cancel', '-m', m(), '-s', jobId);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(lines(r)[1], `Cancelling job ${jobId} with CANONICAL savepoint to default savepoint directory.`);
      assert.equal(server.gateway.calls.savepoints[0]?.request.targetDirectory, undefined);
    });
  });

  describe('run -s', () => {
    it('passes the savepoint (made absolute) and -n in the job configuration', async () => {
      const program = join(work, 'job.mjs');
      await writeFile(
        program,
        "import { StreamExecutionEnvironment } from 'flink-ts';\n" +
          'const env = StreamExecutionEnvironment.getExecutionEnvironment();\n' +
          "env.generateSequence(1, 10).addSink(() => {});\nawait env.execute('Restored');\n",
      );
      const r = await flink('run', '-d', '-m', m(), '-s', 'sp/savepoint-abcdef-0123456789ab', '-n', '-D', 'state.savepoints.dir=/tmp/sp', program);
      assert.equal(r.code, 0, r.stderr);
      const [submission] = server.gateway.calls.submissions;
      assert.deepEqual((submission?.jobGraph as { jobConfiguration?: unknown }).jobConfiguration, {
        'state.savepoints.dir': '/tmp/sp',
        'execution.savepoint.path': join(work, 'sp/savepoint-abcdef-0123456789ab'),
        'execution.savepoint.ignore-unclaimed-state': 'true',
      });
      const plain = await flink('run', '-d', '-m', m(), '--fromSavepoint', 'hdfs:///sp/savepoint-abcdef-0123456789ab', program);
      assert.equal(plain.code, 0, plain.stderr);
      assert.deepEqual((server.gateway.calls.submissions[1]?.jobGraph as { jobConfiguration?: unknown }).jobConfiguration, {
        'execution.savepoint.path': 'hdfs:///sp/savepoint-abcdef-0123456789ab',
        'execution.savepoint.ignore-unclaimed-state': 'false',
      });
    });
  });
});
