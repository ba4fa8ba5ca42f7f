import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startTestServer, type TestServer } from '../rest/rest-test-util.js';
import { jobDetails, newJobId } from '../rest/testing-dispatcher-gateway.js';
import { closedPort } from './client-test-util.js';

const CLI = fileURLToPath(new URL('../../../src/client/cli.js', import.meta.url));
const DASHES = '------------------------------------------------------------';
const HELP_HINT = 'Use the help option (-h or --help) to get help on the command.';

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

describe('bin/flink (cli.js)', function () {
  this.timeout(60_000);
  let server: TestServer;
  let confDir: string;

  function flink(...args: string[]): Promise<CliResult> {
    const env: NodeJS.ProcessEnv = { ...process.env, FLINK_CONF_DIR: confDir, TZ: 'UTC' };
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [CLI, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
      child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      const timer = setTimeout(() => child.kill('SIGKILL'), 50_000);
      child.on('error', reject);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code, stdout, stderr });
      });
    });
  }

  const m = (): string => `127.0.0.1:${server.endpoint.port}`;

  beforeEach(async () => {
    server = await startTestServer();
    confDir = await mkdtemp(join(tmpdir(), 'flink-cli-conf-'));
    await writeFile(join(confDir, 'flink-conf.yaml'), '# empty: defaults only\n');
  });

  afterEach(async () => {
    await server.close();
    await rm(confDir, { recursive: true, force: true });
  });

  describe('list', () => {
    let ids: { running: string; restarting: string; created: string; finished: string };

    beforeEach(() => {
      ids = { running: newJobId(), restarting: newJobId(), created: newJobId(), finished: newJobId() };
      const gw = server.gateway;
      gw.addJob(jobDetails({ jobId: ids.running, status: 'RUNNING', startTime: 1_572_941_993_000 }));
      gw.addJob(jobDetails({ jobId: ids.restarting, name: 'Restarting one', status: 'RESTARTING', startTime: 1_572_941_990_000 }));
      gw.addJob(jobDetails({ jobId: ids.created, name: 'Scheduled one', status: 'CREATED', startTime: 1_572_942_000_000 }));
      gw.addJob(
        jobDetails({ jobId: ids.finished, name: 'Done', status: 'FINISHED', startTime: 1_572_940_000_000, endTime: 1_572_940_100_000 }),
      );
    });

    it('prints running and scheduled jobs, sorted by start time', async () => {
      const r = await flink('list', '-m', m());
      assert.equal(r.stderr, '');
      assert.equal(r.code, 0);
      assert.equal(
        r.stdout,
        [
          'Waiting for response...',
          '------------------ Running/Restarting Jobs -------------------',
          `05.11.2019 08:19:50 : ${ids.restarting} : Restarting one (RESTARTING)`,
          `05.11.2019 08:19:53 : ${ids.running} : Socket Window WordCount (RUNNING)`,
          '--------------------------------------------------------------',
          '----------------------- Scheduled Jobs -----------------------',
          `05.11.2019 08:20:00 : ${ids.created} : Scheduled one (CREATED)`,
          '--------------------------------------------------------------',
          '',
        ].join('\n'),
      );
    });

    it('adds terminated jobs with -a and shows only running ones with -r', async () => {
      const all = await flink('list', '-a', '-m', m());
      assert.equal(all.code, 0);
      assert.ok(
        all.stdout.endsWith(
          [
            '---------------------- Terminated Jobs -----------------------',
            `05.11.2019 07:46:40 : ${ids.finished} : Done (FINISHED)`,
            '--------------------------------------------------------------',
            '',
          ].join('\n'),
        ),
        all.stdout,
      );
      const running = await flink('list', '--running', `--jobmanager=${m()}`);
      assert.equal(running.code, 0);
      assert.ok(!running.stdout.includes('Scheduled'), running.stdout);
      assert.ok(!running.stdout.includes('Terminated'), running.stdout);
      assert.ok(running.stdout.includes(`(RUNNING)`), running.stdout);
    });

    it('says so when there are no jobs', async () => {
      server.gateway.jobs.clear();
      const r = await flink('list', '-m', m());
      assert.equal(r.code, 0);
      assert.equal(r.stdout, 'Waiting for response...\nNo running jobs.\nNo scheduled jobs.\n');
    });
  });

  it('reports an unreachable cluster in Flink\'s error shape, within 15 s', async () => {
    const port = await closedPort();
    const started = Date.now();
    const r = await flink('list', '-m', `127.0.0.1:${port}`);
    assert.ok(Date.now() - started < 15_000);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, 'Waiting for response...\n');
    assert.equal(
      r.stderr,
      [
        '',
        DASHES,
        ' The program finished with the following exception:',
        '',
        'Failed to retrieve job list.',
        `Caused by: Could not reach the JobManager at http://127.0.0.1:${port} (-m 127.0.0.1:${port}): connection ` +
          "refused. Is the cluster running? Start it with bin/start-cluster.sh, or point -m at the JobManager's REST address.",
        '',
      ].join('\n'),
    );
  });

  describe('cancel', () => {
    it('cancels and waits until the job is CANCELED', async () => {
      const job = server.gateway.addJob(jobDetails({ jobId: newJobId() }));
      server.gateway.cancelDelayMs = 300;
      const r = await flink('cancel', '-m', m(), job.jobId);
      assert.equal(r.stderr, '');
      assert.equal(r.code, 0);
      assert.equal(r.stdout, `Cancelling job ${job.jobId}.\nCancelled job ${job.jobId}.\n`);
      assert.deepEqual(server.gateway.calls.cancellations, [job.jobId]);
      assert.equal(server.gateway.jobs.get(job.jobId)?.status, 'CANCELED');
    });

    it('fails clearly for an unknown job', async () => {
      const jobId = newJobId();
      const r = await flink('cancel', '-m', m(), jobId);
      assert.equal(r.code, 1);
      assert.equal(r.stdout, `Cancelling job ${jobId}.\n`);
      assert.equal(
        r.stderr,
        [
          '',
          DASHES,
          ' The program finished with the following exception:',
          '',
          `Could not cancel job ${jobId}.`,
          `Caused by: Job ${jobId} not found`,
          '',
        ].join('\n'),
      );
    });

    it('asks for a job id, and rejects a malformed one', async () => {
      const missing = await flink('cancel', '-m', m());
      assert.equal(missing.code, 1);
      assert.equal(missing.stdout, `Missing JobID. Specify a JobID to cancel a job.\n\n${HELP_HINT}\n`);
      const bad = await flink('cancel', 'xyz');
      assert.equal(bad.code, 1);
      assert.equal(
        bad.stdout,
        'Cannot parse JobID from "xyz". The expected format is [0-9a-fA-F]{32}, e.g. ' +
          `fd72014d4c864993a2e5a9287b4a9c5d.\n\n${HELP_HINT}\n`,
      );
      assert.equal(server.gateway.calls.cancellations.length, 0);
    });
  });

  it('prints the version', async () => {
    const r = await flink('--version');
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^Version: \S+, Commit ID: \S+\n$/);
  });

  it('rejects an unknown action and prints usage without one', async () => {
    const unknown = await flink('frobnicate');
    assert.equal(unknown.code, 1);
    assert.equal(
      unknown.stdout,
      [
        '"frobnicate" is not a valid action.',
        '',
        'Valid actions are "run", "run-application", "list", "info", "savepoint", "stop", or "cancel".',
        '',
        'Specify the version option (-v or --version) to print Flink version.',
        '',
        'Specify the help option (-h or --help) to get help on the command.',
        '',
      ].join('\n'),
    );
    const none = await flink();
    assert.equal(none.code, 1);
    assert.ok(none.stdout.startsWith('./flink <ACTION> [OPTIONS] [ARGUMENTS]\n'), none.stdout);
    assert.ok(none.stdout.endsWith('Please specify an action.\n'), none.stdout);
  });

  it('prints help for the CLI and for each action', async () => {
    const all = await flink('--help');
    assert.equal(all.code, 0);
    for (const action of ['run', 'info', 'list', 'stop', 'cancel', 'savepoint']) {
      assert.ok(all.stdout.includes(`Action "${action}" `), action);
    }
    const list = await flink('list', '-h');
    assert.equal(list.code, 0);
    assert.ok(list.stdout.includes('  Syntax: list [OPTIONS]\n'), list.stdout);
    assert.ok(list.stdout.includes('     -r,--running     Show only running programs and their JobIDs\n'), list.stdout);
  });

  it('answers usage mistakes with the message and the help hint, never a stack trace', async () => {
    for (const [args, message] of [
      [['list', '--bogus'], 'Unrecognized option: --bogus'],
      [['run', '-p'], 'Missing argument for option: p'],
      [['run'], 'Missing program file. Specify the job file to run: run [OPTIONS] <program-file> <arguments>'],
      [['run', '-p', '0', 'job.mjs'], 'Program file does not exist: job.mjs'],
      [['list', '-m', 'no-port'], "The JobManager address 'no-port' is not valid. Use host:port, e.g. -m localhost:8081."],
    ] as const) {
      const r = await flink(...args);
      assert.equal(r.code, 1, args.join(' '));
      assert.equal(r.stdout, `${message}\n\n${HELP_HINT}\n`, args.join(' '));
      assert.equal(r.stderr, '');
    }
  });

  it('points run -t yarn-application to run-application, and run-application without -t yarn-application to its target', async () => {
    const run = await flink('run', '-t', 'yarn-application', CLI);
    assert.equal(run.code, 1, run.stdout);
    assert.match(run.stdout, /^The 'yarn-application' target runs the program in the cluster, which the run action does not: use 'bin\/flink run-application -t yarn-application <program-file> <arguments>'/);
    assert.ok(run.stdout.endsWith(`\n\n${HELP_HINT}\n`), run.stdout);
    for (const args of [['run-application', '-t', 'remote', CLI], ['run-application', '-m', m(), CLI]]) {
      const r = await flink(...args);
      assert.equal(r.code, 1, r.stdout);
      assert.match(r.stdout, /^The run-application action needs the execution target 'yarn-application' \(-t yarn-application\), not 'remote'\./, args.join(' '));
      assert.equal(r.stderr, '');
    }
    const help = await flink('run-application', '-h');
    assert.equal(help.code, 0);
    assert.ok(help.stdout.includes('  Syntax: run-application [OPTIONS] <program-file> <arguments>\n'), help.stdout);
    assert.match(help.stdout, /-p,--parallelism/);
  });

  it('reports a bad -D value as a configuration error', async () => {
    const r = await flink('list', '-m', m(), '-D', 'rest.connection-timeout=soon');
    assert.equal(r.code, 1);
    assert.ok(r.stderr.startsWith(`\n${DASHES}\n The program finished with the following exception:\n\n`), r.stderr);
    assert.match(r.stderr, /rest\.connection-timeout/);
    assert.ok(!/\n\s+at /.test(r.stderr), r.stderr);
  });

  it('warns once for a -D key of Apache Flink that has no effect, and still runs; an unknown -D key is an error', async () => {
    await writeFile(join(confDir, 'flink-conf.yaml'), 'classloader.resolve-order: parent-first\n');
    const r = await flink('list', '-m', m(), '-D', 'metrics.latency.interval=1000');
    assert.equal(r.code, 0, r.stderr);
    // The file's Flink keys are start-cluster's to report; a command repeats only what its own -D added.
    assert.equal(
      r.stderr,
      'Warning: -D metrics.latency.interval has no effect in flink-ts (an Apache Flink key that flink-ts does not use)\n',
    );
    assert.match(r.stdout, /Waiting for response\.\.\./);

    const bad = await flink('list', '-m', m(), '-D', 'rest.conection-timeout=5s');
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /-D rest\.conection-timeout: unknown configuration key\. Did you mean rest\.connection-timeout\?/);
  });
});
