/**
 * The ApplicationMaster: the JobManager of a YARN application. It runs a JobManagerProcess on the container's
 * host with the YarnResourceDriver (TaskManagers in containers), registers with the ResourceManager's scheduler
 * (the REST port as its "RPC port" and the REST URL as tracking URL, so clients reach the JobManager from the
 * application report), and ends the application with the final status:
 *
 * - per-job: submits the staged job at start (a later attempt under ZooKeeper HA finds it recovered instead) and
 *   ends when the job ends: SUCCEEDED, FAILED or KILLED (cancelled). An attached client fetches the result first
 *   and then asks the cluster to shut down (`DELETE /cluster`); a detached one does not wait.
 * - session: runs until a client shuts the cluster down (`DELETE /cluster`, `bin/yarn-session.sh` → `stop`).
 * - application: runs the staged program's main itself (in a worker thread, as `/jars/:id/run` plans programs),
 *   submits each job it executes and gives the program the job's result, and ends when the program has
 *   returned: SUCCEEDED if all its jobs finished, otherwise FAILED or KILLED with the first job that did not
 *   (or FAILED with the program's own failure). The first job's id is fixed by the application, so a later
 *   attempt finds it recovered instead of running the program again. No client waits: it returned once the
 *   application was RUNNING.
 *
 * Only a final unregistration removes the staging directory: an attempt that dies leaves it for the next one.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { PlannedJob, RunJobOutcome } from '../client/plan-worker.js';
import type { Configuration } from '../config/index.js';
import type { JobManagerProcess } from '../jobmanager/jobmanager-process.js';
import type { JobExecutionResult } from '../jobmanager/dispatcher/dispatcher-gateway.js';
import { FlinkError } from '../util/errors.js';
import { getLogger } from '../util/logger.js';

const log = getLogger('org.apache.flink.yarn.YarnApplicationMaster');

export type FinalApplicationStatus = 'SUCCEEDED' | 'FAILED' | 'KILLED';
export type ClusterMode = 'per-job' | 'session' | 'application';

/** The scheduler side the ApplicationMaster itself talks to (ApplicationMasterProtocol register/finish). */
export interface ApplicationRegistration {
  register(am: { host: string; port: number; trackingUrl: string }): Promise<void>;
  finish(status: FinalApplicationStatus, diagnostics: string, trackingUrl: string): Promise<void>;
}

export interface ApplicationMasterOptions {
  mode: ClusterMode;
  config: Configuration;
  /** The host the JobManager publishes (NM_HOST). */
  host: string;
  /** Builds the JobManager; `onShutdownRequest` is DELETE /cluster. */
  createJobManager(o: { onShutdownRequest: () => void }): JobManagerProcess;
  registration: ApplicationRegistration;
  /** Per-job: the staged job graph (JSON) and bundle, and whether the client went away after submitting. */
  job?: { graphPath: string; bundlePath: string; bundleName: string; detached: boolean };
  /**
   * Application: the id the program's first job gets, and the runner of the program's main (a worker thread),
   * which hands each job the program executes to `runJob` and returns when the program has returned.
   */
  program?: { jobId: string; run(runJob: (job: PlannedJob) => Promise<RunJobOutcome>): Promise<unknown> };
  /** Removes `.flink/<appId>/` (after the final unregistration only). */
  removeStagingDirectory(): Promise<void>;
  /** How long an attached per-job client may take to fetch the result before the application ends anyway. */
  resultFetchGraceMs?: number;
  /** Poll interval for the per-job job's end. */
  pollMs?: number;
}

/** The application ended with this status and these diagnostics (what `yarn application -status` shows). */
export interface ApplicationOutcome {
  status: FinalApplicationStatus;
  diagnostics: string;
}

export class ApplicationMaster {
  private jm: JobManagerProcess | undefined;
  private shutdownRequested: (() => void) | undefined;
  private readonly shutdown = new Promise<void>((resolve) => (this.shutdownRequested = resolve));
  private fatal: ((err: Error) => void) | undefined;
  private readonly failed = new Promise<Error>((resolve) => (this.fatal = resolve));
  private closed = false;

  constructor(private readonly o: ApplicationMasterOptions) {}

  /** Something the application cannot go on from (the resource driver gave up): it ends FAILED. */
  fail(err: Error): void {
    this.fatal?.(err);
  }

  /** Runs the application to its end, unregisters with the final status, removes the staging directory. */
  async run(): Promise<ApplicationOutcome> {
    const jm = this.o.createJobManager({ onShutdownRequest: () => this.shutdownRequested?.() });
    this.jm = jm;
    await jm.start();
    const port = jm.restPort;
    const trackingUrl = jm.restUrl;
    await this.o.registration.register({ host: this.o.host, port, trackingUrl });
    log.info(`Registered the ApplicationMaster: JobManager web interface ${trackingUrl} (${this.o.mode} cluster).`);
    let outcome: ApplicationOutcome;
    try {
      const running = this.o.mode === 'per-job' ? this.runJob(jm) : this.o.mode === 'application' ? this.runProgram(jm) : this.runSession();
      outcome = await Promise.race([running, this.failed.then(failure)]);
    } catch (err) {
      outcome = failure(err as Error);
    }
    log.info(`The application ends ${outcome.status}: ${outcome.diagnostics}`);
    await this.o.registration.finish(outcome.status, outcome.diagnostics, trackingUrl);
    await this.close();
    await this.o.removeStagingDirectory().catch((err: Error) => log.warn(`Could not remove the staging directory: ${err.message}`));
    return outcome;
  }

  /** Stops the JobManager; safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.jm?.close();
  }

  private async runSession(): Promise<ApplicationOutcome> {
    await this.shutdown;
    return { status: 'SUCCEEDED', diagnostics: 'The session cluster was shut down by a client.' };
  }

  private async runJob(jm: JobManagerProcess): Promise<ApplicationOutcome> {
    const job = this.o.job;
    if (!job) throw new FlinkError('YARN_NO_JOB', 'A per-job application needs its staged job graph and bundle.');
    const graph = JSON.parse(await readFile(job.graphPath, 'utf8')) as { jobId: string; jobName?: string };
    const jobId = graph.jobId;
    // A later attempt under ZooKeeper HA recovers the job when it leads (or has its result): only then is it known.
    await jm.whenLeading();
    const known = await jm.gateway.jobDetails(jobId).then(
      () => true,
      () => false,
    );
    if (!known) {
      try {
        await jm.gateway.submitJob({ jobGraph: graph, bundle: { fileName: job.bundleName, path: job.bundlePath } });
      } catch (err) {
        if ((err as FlinkError).code !== 'DUPLICATE_JOB') throw err;
      }
    }
    const result = await this.waitForResult(jm, jobId);
    if (!job.detached) {
      // The attached client fetches the result, then shuts the cluster down; it may also be gone.
      const grace = this.o.resultFetchGraceMs ?? 60_000;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([this.shutdown, new Promise<void>((resolve) => (timer = setTimeout(resolve, grace)))]);
      clearTimeout(timer);
    }
    return outcomeOf(result, graph.jobName ?? jobId);
  }

  private async runProgram(jm: JobManagerProcess): Promise<ApplicationOutcome> {
    const program = this.o.program;
    if (!program) throw new FlinkError('YARN_NO_PROGRAM', 'An application-mode application needs its staged program.');
    // A later attempt under ZooKeeper HA has recovered the (first) job already, or recorded its result: the
    // program is not run a second time (with HA, Flink's application mode allows one job only, too).
    const recovered = await jm.gateway.jobDetails(program.jobId).then(
      (d) => d.name || program.jobId,
      () => undefined,
    );
    if (recovered !== undefined) return outcomeOf(await this.waitForResult(jm, program.jobId), recovered);

    const outcomes: ApplicationOutcome[] = [];
    let programFailure: Error | undefined;
    try {
      await program.run(async (planned) => {
        const graph = planned.jobGraph as { jobId: string; jobName?: string };
        const name = graph.jobName ?? graph.jobId;
        log.info(`The program submits job '${name}' (${graph.jobId}).`);
        await jm.gateway.submitJob({ jobGraph: planned.jobGraph, bundle: planned.bundle });
        const r = await this.waitForResult(jm, graph.jobId);
        const outcome = outcomeOf(r, name);
        outcomes.push(outcome);
        return r.applicationStatus === 'SUCCEEDED'
          ? { ok: true, jobId: r.jobId, netRuntime: r.netRuntime, accumulatorResults: r.accumulatorResults }
          : { ok: false, message: outcome.diagnostics };
      });
    } catch (err) {
      programFailure = err as Error;
    }
    // The first job that did not finish decides, even when the program caught its failure and went on.
    const unfinished = outcomes.find((o) => o.status !== 'SUCCEEDED');
    if (unfinished) return unfinished;
    if (programFailure) {
      const when = outcomes.length === 0 ? 'before its job was submitted' : `after ${outcomes.length} finished job(s)`;
      return { status: 'FAILED', diagnostics: `The program failed ${when}: ${programFailure.message.split('\n')[0]}` };
    }
    return { status: 'SUCCEEDED', diagnostics: outcomes.map((o) => o.diagnostics).join(' ') };
  }

  private async waitForResult(jm: JobManagerProcess, jobId: string): Promise<JobExecutionResult> {
    const pollMs = this.o.pollMs ?? 500;
    for (;;) {
      const r = await jm.gateway.jobExecutionResult(jobId).catch(() => undefined);
      if (r) return r;
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
  }
}

function outcomeOf(r: JobExecutionResult, name: string): ApplicationOutcome {
  if (r.applicationStatus === 'SUCCEEDED') return { status: 'SUCCEEDED', diagnostics: `Job '${name}' (${r.jobId}) finished.` };
  if (r.applicationStatus === 'CANCELED') return { status: 'KILLED', diagnostics: `Job '${name}' (${r.jobId}) was cancelled.` };
  const cause = r.failureCause ? `: ${r.failureCause.message.split('\n')[0]}` : '';
  return { status: 'FAILED', diagnostics: `Job '${name}' (${r.jobId}) failed${cause}` };
}

/** The id of the job of an application-mode application: the same in every attempt of the application. */
export function applicationJobId(applicationId: string): string {
  return createHash('md5').update(`flink-ts application ${applicationId}`).digest('hex');
}

function failure(err: Error): ApplicationOutcome {
  return { status: 'FAILED', diagnostics: `The ApplicationMaster failed: ${err.message}` };
}
