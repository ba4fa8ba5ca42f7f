import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApplicationMaster, applicationJobId, type ApplicationMasterOptions, type FinalApplicationStatus } from '../../../src/appmaster/application-master.js';
import type { PlannedJob, RunJobOutcome } from '../../../src/client/plan-worker.js';
import { Configuration } from '../../../src/config/index.js';
import type { JobManagerProcess } from '../../../src/jobmanager/jobmanager-process.js';
import type { JobExecutionResult } from '../../../src/jobmanager/dispatcher/dispatcher-gateway.js';
import { setLogSink } from '../../../src/util/logger.js';
import { waitFor } from '../../support/processes.js';

const JOB_ID = 'f'.repeat(32);

/** What the ApplicationMaster uses of a JobManagerProcess, recorded. */
class TestingJobManager {
  readonly events: string[] = [];
  submitted: unknown[] = [];
  known = false;
  result: JobExecutionResult | undefined;
  /** Per job, where a test runs several; otherwise `result`. */
  readonly results = new Map<string, JobExecutionResult>();
  resultReads = 0;
  onShutdownRequest: () => void = () => {};
  restPort = 40123;
  restUrl = 'http://nm1:40123';
  gateway = {
    jobDetails: async () => {
      if (!this.known) throw new Error('not found');
      return {};
    },
    submitJob: async (s: unknown) => {
      this.submitted.push(s);
      this.known = true;
      return { jobId: JOB_ID };
    },
    jobExecutionResult: async (jobId: string) => {
      this.resultReads++;
      return this.results.get(jobId) ?? this.result;
    },
  };
  async start(): Promise<void> {
    this.events.push('start');
  }
  async whenLeading(): Promise<void> {}
  async close(): Promise<void> {
    this.events.push('close');
  }
}

describe('ApplicationMaster', () => {
  let dir: string;
  before(() => setLogSink(undefined));
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'flink-am-unit-'));
    await writeFile(join(dir, 'job.json'), JSON.stringify({ jobId: JOB_ID, jobName: 'WordCount' }));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  function am(mode: 'per-job' | 'session' | 'application', detached = true, program?: (runJob: (job: PlannedJob) => Promise<RunJobOutcome>) => Promise<unknown>) {
    const jm = new TestingJobManager();
    const calls: string[] = [];
    const finished: Array<{ status: FinalApplicationStatus; diagnostics: string; trackingUrl: string }> = [];
    const o: ApplicationMasterOptions = {
      mode,
      config: Configuration.fromMap({}),
      host: 'nm1',
      createJobManager: ({ onShutdownRequest }) => {
        jm.onShutdownRequest = onShutdownRequest;
        return jm as unknown as JobManagerProcess;
      },
      registration: {
        register: async (r) => void calls.push(`register ${r.host}:${r.port} ${r.trackingUrl}`),
        finish: async (status, diagnostics, trackingUrl) => void finished.push({ status, diagnostics, trackingUrl }),
      },
      ...(mode === 'per-job' ? { job: { graphPath: join(dir, 'job.json'), bundlePath: join(dir, 'job.mjs'), bundleName: 'job.mjs', detached } } : {}),
      ...(mode === 'application' && program ? { program: { jobId: JOB_ID, run: program } } : {}),
      removeStagingDirectory: async () => void calls.push('staging removed'),
      pollMs: 5,
      resultFetchGraceMs: 10_000,
    };
    return { master: new ApplicationMaster(o), jm, calls, finished };
  }

  const result = (applicationStatus: JobExecutionResult['applicationStatus']): JobExecutionResult => ({ jobId: JOB_ID, applicationStatus, accumulatorResults: {}, netRuntime: 5 });

  it('per-job, detached: registers with the REST port and URL, submits the staged job, ends with its status', async () => {
    const { master, jm, calls, finished } = am('per-job');
    const run = master.run();
    await waitFor('the submission', 5_000, () => jm.submitted[0], 5);
    assert.deepEqual(calls, ['register nm1:40123 http://nm1:40123']);
    jm.result = result('SUCCEEDED');
    assert.deepEqual(await run, { status: 'SUCCEEDED', diagnostics: `Job 'WordCount' (${JOB_ID}) finished.` });
    assert.deepEqual(finished, [{ status: 'SUCCEEDED', diagnostics: `Job 'WordCount' (${JOB_ID}) finished.`, trackingUrl: 'http://nm1:40123' }]);
    assert.deepEqual(calls.at(-1), 'staging removed');
    assert.deepEqual(jm.events, ['start', 'close']);
  });

  it('per-job, attached: waits for the client to fetch the result and shut down; a cancelled job ends KILLED', async () => {
    const { master, jm, finished } = am('per-job', false);
    const run = master.run();
    await waitFor('the submission', 5_000, () => jm.submitted[0], 5);
    jm.result = result('CANCELED');
    const reads = jm.resultReads;
    await waitFor('the ApplicationMaster to see the result', 5_000, () => (jm.resultReads > reads ? true : undefined), 5);
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(finished, [], 'not before the client shut the cluster down');
    jm.onShutdownRequest();
    assert.equal((await run).status, 'KILLED');
  });

  it('per-job, a later attempt that recovered the job does not submit it again', async () => {
    const { master, jm } = am('per-job');
    jm.known = true;
    jm.result = result('FAILED');
    assert.equal((await master.run()).status, 'FAILED');
    assert.deepEqual(jm.submitted, []);
  });

  const JOB_2 = 'e'.repeat(32);
  const job = (jobId = JOB_ID, jobName = 'WordCount Example'): PlannedJob => ({ jobGraph: { jobId, jobName }, bundle: { fileName: 'WordCount.bundle.mjs', data: new Uint8Array([1]) } });

  it('application: runs the program, submits the job it executes, gives it the result, and ends when the program returned', async () => {
    const seen: RunJobOutcome[] = [];
    let programReturned = false;
    const { master, jm, calls, finished } = am('application', true, async (runJob) => {
      seen.push(await runJob(job()));
      programReturned = true;
    });
    const run = master.run();
    await waitFor('the submission', 5_000, () => jm.submitted[0], 5);
    assert.deepEqual(jm.submitted, [job()]);
    jm.result = result('SUCCEEDED');
    assert.deepEqual(await run, { status: 'SUCCEEDED', diagnostics: `Job 'WordCount Example' (${JOB_ID}) finished.` });
    assert.ok(programReturned);
    assert.deepEqual(seen, [{ ok: true, jobId: JOB_ID, netRuntime: 5, accumulatorResults: {} }]);
    assert.equal(finished[0]?.status, 'SUCCEEDED');
    assert.deepEqual(calls, ['register nm1:40123 http://nm1:40123', 'staging removed']);
    assert.deepEqual(jm.events, ['start', 'close']);
  });

  it('application: a program that fails before its execute() ends the application FAILED with its message; nothing is submitted', async () => {
    const { master, jm, finished, calls } = am('application', true, async () => {
      throw new Error('The main method caused an error: no input path given\n    at main (WordCount.js:3:9)');
    });
    const outcome = await master.run();
    assert.deepEqual(outcome, { status: 'FAILED', diagnostics: 'The program failed before its job was submitted: The main method caused an error: no input path given' });
    assert.deepEqual(finished.map((f) => f.status), ['FAILED']);
    assert.deepEqual(jm.submitted, []);
    assert.equal(calls.at(-1), 'staging removed');
  });

  it('application: the first job that failed decides, even when the program caught it and ran another job', async () => {
    const seen: RunJobOutcome[] = [];
    const { master, jm } = am('application', true, async (runJob) => {
      seen.push(await runJob(job(JOB_ID, 'First')));
      seen.push(await runJob(job(JOB_2, 'Second')));
    });
    jm.results.set(JOB_ID, { ...result('FAILED'), failureCause: { name: 'Error', message: 'Division by zero\nmore lines' } });
    jm.results.set(JOB_2, { ...result('SUCCEEDED'), jobId: JOB_2 });
    assert.deepEqual(await master.run(), { status: 'FAILED', diagnostics: `Job 'First' (${JOB_ID}) failed: Division by zero` });
    assert.deepEqual(seen, [
      { ok: false, message: `Job 'First' (${JOB_ID}) failed: Division by zero` },
      { ok: true, jobId: JOB_2, netRuntime: 5, accumulatorResults: {} },
    ]);
    assert.equal(jm.submitted.length, 2);
  });

  it('application: a cancelled job ends the application KILLED; two finished jobs end it SUCCEEDED naming both', async () => {
    const cancelled = am('application', true, async (runJob) => void (await runJob(job())));
    cancelled.jm.result = result('CANCELED');
    assert.deepEqual(await cancelled.master.run(), { status: 'KILLED', diagnostics: `Job 'WordCount Example' (${JOB_ID}) was cancelled.` });

    const two = am('application', true, async (runJob) => {
      await runJob(job(JOB_ID, 'First'));
      await runJob(job(JOB_2, 'Second'));
    });
    two.jm.results.set(JOB_ID, result('SUCCEEDED'));
    two.jm.results.set(JOB_2, { ...result('SUCCEEDED'), jobId: JOB_2 });
    assert.deepEqual(await two.master.run(), { status: 'SUCCEEDED', diagnostics: `Job 'First' (${JOB_ID}) finished. Job 'Second' (${JOB_2}) finished.` });
  });

  it('application: a later attempt that recovered the job neither runs the program again nor submits', async () => {
    let runs = 0;
    const { master, jm } = am('application', true, async () => void runs++);
    jm.known = true;
    jm.result = result('SUCCEEDED');
    assert.equal((await master.run()).status, 'SUCCEEDED');
    assert.equal(runs, 0);
    assert.deepEqual(jm.submitted, []);
  });

  it('application: the job id is fixed by the application id (32 hex characters), so every attempt uses the same', () => {
    assert.match(applicationJobId('application_1764590000000_0001'), /^[0-9a-f]{32}$/);
    assert.equal(applicationJobId('application_1764590000000_0001'), applicationJobId('application_1764590000000_0001'));
    assert.notEqual(applicationJobId('application_1764590000000_0001'), applicationJobId('application_1764590000000_0002'));
  });

  it('session: runs until a client shuts the cluster down', async () => {
    const { master, jm, finished } = am('session');
    const run = master.run();
    await waitFor('the start', 5_000, () => (jm.events.includes('start') ? true : undefined), 5);
    jm.onShutdownRequest();
    assert.equal((await run).status, 'SUCCEEDED');
    assert.equal(finished[0]?.diagnostics, 'The session cluster was shut down by a client.');
  });

  it('a fatal error (the resource driver gave up) ends the application FAILED with its message', async () => {
    const { master, jm, calls } = am('session');
    const run = master.run();
    await waitFor('the start', 5_000, () => (jm.events.includes('start') ? true : undefined), 5);
    master.fail(new Error('More than 3 TaskManager container(s) failed'));
    assert.deepEqual(await run, { status: 'FAILED', diagnostics: 'The ApplicationMaster failed: More than 3 TaskManager container(s) failed' });
    assert.equal(calls.at(-1), 'staging removed');
  });
});
