/**
 * Failures of a flink-ts application on a real YARN (scripts/hadoop.sh, private state and free ports): a
 * TaskManager container whose process is killed is replaced by a new container, and the job restarts from its
 * latest checkpoint with exactly-once output; an ApplicationMaster killed with a second attempt allowed and
 * ZooKeeper HA (scripts/zookeeper.sh) is started again by YARN and recovers the job, exactly once, with the
 * attached client following it.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { waitFor } from '../support/processes.js';
import { exactlyOnceJob } from './support/checkpoint-programs.js';
import { committed, exactlyOnceProblems, localStore, submittedJobId } from './support/exactly-once.js';
import { BIN_DIR, runCommand, type CommandResult } from './support/standalone-cluster.js';
import { YarnCluster, YARN_TEST_USER as USER, yarnClientSetup, type AppReport } from './support/yarn-cluster.js';
import { ZooKeeperServer } from './support/zookeeper-server.js';


interface JobDetails {
  state: string;
  vertices: { parallelism: number; tasks: Record<string, number> }[];
}

/** Pids and container ids of the TaskManager processes of `appId` (their command line names the container). */
function taskManagerContainers(appId: string): Array<{ pid: number; container: string }> {
  const digits = appId.replace(/^application_/, '');
  const found: Array<{ pid: number; container: string }> = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (!cmd.some((a) => a.endsWith('taskmanager/entrypoint.js'))) continue;
      const id = cmd.map((a) => /^taskmanager\.resource-id=(container_\S+)$/.exec(a)?.[1]).find((x) => x !== undefined);
      if (id?.includes(digits)) found.push({ pid: Number(entry), container: id });
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

describe('flink-ts on a real YARN: failures', function () {
  this.timeout(300_000);
  let yarn: YarnCluster | undefined;
  let zk: ZooKeeperServer | undefined;
  let scratch = '';
  let env: Record<string, string>;

  before(async function () {
    this.timeout(900_000);
    yarn = await YarnCluster.start({ nodeManagerMemoryMb: 4096, nodeManagerVcores: 4 });
    ({ scratch, env } = await yarnClientSetup(yarn, 'yarn-failures-it-'));
  });

  after(async function () {
    this.timeout(300_000);
    await yarn?.stop();
    await zk?.stop();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  async function report(appId: string): Promise<AppReport> {
    return (yarn as YarnCluster).rest.report(appId);
  }

  /** The staging directories left under the user's HDFS home. */
  async function stagingLeft(): Promise<string[]> {
    const res = await fetch(`${(yarn as YarnCluster).webhdfs}/webhdfs/v1/user/${USER}/.flink?op=LISTSTATUS&user.name=${USER}`);
    if (!res.ok) return [];
    const body = (await res.json()) as { FileStatuses: { FileStatus: { pathSuffix: string }[] } };
    return body.FileStatuses.FileStatus.map((f) => f.pathSuffix).filter((n) => n.startsWith('application_'));
  }

  it('a TaskManager container killed (kill -9 of its process): a new container replaces it and the job recovers from its latest checkpoint, exactly once', async () => {
    const out = join(scratch, 'out');
    await mkdir(out, { recursive: true });
    const store = localStore(join(scratch, 'checkpoints'));
    const job = join(scratch, 'exactly-once.js');
    const n = 60_000;
    await writeFile(job, exactlyOnceJob('Exactly once on YARN', out, n, 20, 'file-sink'));
    const run = await runCommand(
      join(BIN_DIR, 'flink'),
      ['run', '-t', 'yarn-per-job', '-d', '-p', '2', '-D', 'execution.checkpointing.interval=500ms', '-D', `state.checkpoints.dir=${store.uri}`, job],
      env,
      { timeout: 280_000 },
    );
    assert.equal(run.exitCode, 0, run.describe);
    const appId = /Submitted application (application_\d+_\d+)/.exec(run.stdout)?.[1] as string;
    const jobId = submittedJobId(run);
    const rest = `http://${/Found Web Interface (\S+) of application/.exec(run.stdout)?.[1] ?? ''}`;
    const details = async (): Promise<JobDetails | undefined> =>
      fetch(`${rest}/jobs/${jobId}`, { signal: AbortSignal.timeout(5_000) }).then((r) => (r.ok ? (r.json() as Promise<JobDetails>) : undefined), () => undefined);

    await waitFor('a completed checkpoint', 120_000, async () => ((await store.latestCompleted(jobId)) > 0 ? true : undefined), 250);
    const before = await waitFor('two TaskManager containers', 60_000, () => {
      const tms = taskManagerContainers(appId);
      return tms.length === 2 ? tms : undefined;
    }, 250);
    const victim = before[0] as { pid: number; container: string };
    process.kill(victim.pid, 'SIGKILL');
    const killedAt = Date.now();

    const replacement = await waitFor('a new TaskManager container', 120_000, () => taskManagerContainers(appId).find((t) => !before.some((b) => b.container === t.container)), 250);
    await waitFor('the job RUNNING on every task again', 120_000, async () => {
      const d = await details();
      return d?.state === 'RUNNING' && d.vertices.every((v) => v.tasks['RUNNING'] === v.parallelism) && taskManagerContainers(appId).length === 2 ? true : undefined;
    }, 200);
    console.log(`      (kill -9 of a TaskManager container to the job RUNNING again in ${replacement.container}: ${Date.now() - killedAt} ms)`);

    const app = await waitFor('the application to end', 240_000, async () => {
      const r = await report(appId);
      return ['FINISHED', 'FAILED', 'KILLED'].includes(r.state) ? r : undefined;
    }, 500);
    assert.deepEqual([app.state, app.finalStatus], ['FINISHED', 'SUCCEEDED'], `${app.diagnostics}\n${await (yarn as YarnCluster).describeContainerLogs(appId)}`);
    assert.deepEqual(exactlyOnceProblems(await committed(out), n), []);
    await waitFor('no staging directory', 30_000, async () => ((await stagingLeft()).length === 0 ? true : undefined), 250);
  });

  it('the ApplicationMaster killed (kill -9), a second attempt allowed, ZooKeeper HA: YARN starts it again, it recovers the job from its latest checkpoint, exactly once; the attached client follows it', async () => {
    zk = await ZooKeeperServer.standalone();
    const out = join(scratch, 'out-am');
    await mkdir(out, { recursive: true });
    const store = localStore(join(scratch, 'checkpoints-am'));
    const job = join(scratch, 'exactly-once-am.js');
    const n = 60_000;
    await writeFile(job, exactlyOnceJob('Through an AM restart', out, n, 20, 'file-sink'));
    const conf = [
      'execution.checkpointing.interval=500ms',
      `state.checkpoints.dir=${store.uri}`,
      'high-availability=zookeeper',
      `high-availability.zookeeper.quorum=${zk.quorum}`,
      `high-availability.storageDir=file://${scratch}/ha`,
      'yarn.application-attempts=2',
    ];
    // Attached: the client waits for the result across the restart.
    const attached = runCommand(join(BIN_DIR, 'flink'), ['run', '-t', 'yarn-per-job', '-p', '2', ...conf.flatMap((c) => ['-D', c]), job], env, { timeout: 290_000 });
    const appId = await waitFor('the application', 120_000, async () => {
      const apps = (await fetch(`${(yarn as YarnCluster).rmWebapp}/ws/v1/cluster/apps?states=RUNNING`).then((r) => r.json())) as { apps: { app: AppReport[] } | null };
      return apps.apps?.app.find((a) => a.name === 'Flink per-job cluster: Through an AM restart')?.id;
    }, 250);
    const first = await waitFor('the JobManager registered', 120_000, async () => {
      const r = await report(appId);
      return r.amRPCAddress && r.amRPCAddress !== 'N/A' ? r.amRPCAddress : undefined;
    }, 250);
    const jobId = await waitFor('the job', 60_000, async () => {
      const j = (await fetch(`http://${first}/jobs/overview`).then((r) => r.json()).catch(() => undefined)) as { jobs: { jid: string }[] } | undefined;
      return j?.jobs[0]?.jid;
    }, 250);
    await waitFor('a completed checkpoint', 120_000, async () => ((await store.latestCompleted(jobId)) > 0 ? true : undefined), 250);
    const am = applicationMasterPid(appId);
    assert.ok(am, 'the ApplicationMaster process');
    process.kill(am, 'SIGKILL');
    const killedAt = Date.now();
    const second = await waitFor('the second attempt registered', 180_000, async () => {
      const r = await report(appId);
      return r.amRPCAddress && r.amRPCAddress !== 'N/A' && r.amRPCAddress !== first ? r.amRPCAddress : undefined;
    }, 250);
    await waitFor('the job RUNNING again at the new ApplicationMaster', 180_000, async () => {
      const d = (await fetch(`http://${second}/jobs/${jobId}`).then((r) => (r.ok ? r.json() : undefined)).catch(() => undefined)) as JobDetails | undefined;
      return d?.state === 'RUNNING' && d.vertices.every((v) => v.tasks['RUNNING'] === v.parallelism) ? true : undefined;
    }, 200);
    console.log(`      (kill -9 of the ApplicationMaster to the job RUNNING in its second attempt: ${Date.now() - killedAt} ms)`);

    const run = await attached;
    assert.equal(run.exitCode, 0, `${run.describe}\n${await (yarn as YarnCluster).describeContainerLogs(appId)}`);
    assert.match(run.stdout, /The ApplicationMaster of application_\d+_\d+ was restarted/);
    assert.match(run.stdout, new RegExp(`Job with JobID ${jobId} has finished\\.`));
    assert.deepEqual(exactlyOnceProblems(await committed(out), n), []);
    const app = await waitFor('the application to end', 120_000, async () => {
      const r = await report(appId);
      return ['FINISHED', 'FAILED', 'KILLED'].includes(r.state) ? r : undefined;
    }, 500);
    assert.deepEqual([app.state, app.finalStatus], ['FINISHED', 'SUCCEEDED'], app.diagnostics);
    // The ApplicationMaster removes it right after it unregistered.
    await waitFor('the staging directory, kept for the second attempt, gone with the last one', 30_000, async () => ((await stagingLeft()).length === 0 ? true : undefined), 250);
  });

  it('an application killed through YARN leaves its staging directory (its ApplicationMaster cannot remove it); the next submission removes it', async () => {
    const session = (): Promise<CommandResult> => runCommand(join(BIN_DIR, 'yarn-session.sh'), ['-d'], env, { timeout: 200_000 });
    const first = await session();
    assert.equal(first.exitCode, 0, first.describe);
    const killed = /Submitted application (application_\d+_\d+)/.exec(first.stdout)?.[1] as string;
    await (yarn as YarnCluster).rest.kill(killed);
    await waitFor('the application KILLED', 60_000, async () => ((await report(killed)).state === 'KILLED' ? true : undefined), 250);
    assert.deepEqual(await stagingLeft(), [killed]);

    const second = await session();
    assert.equal(second.exitCode, 0, second.describe);
    const running = /Submitted application (application_\d+_\d+)/.exec(second.stdout)?.[1] as string;
    assert.match(second.stdout, new RegExp(`Removed the staging directory \\S+/\\.flink/${killed} of an application that has ended\\.`));
    assert.deepEqual(await stagingLeft(), [running], 'only the running session keeps its staging');
    const stop = await runCommand('bash', ['-c', `echo stop | "${join(BIN_DIR, 'yarn-session.sh')}" -id ${running}`], env, { timeout: 120_000 });
    assert.equal(stop.exitCode, 0, stop.describe);
    await waitFor('no staging left', 30_000, async () => ((await stagingLeft()).length === 0 ? true : undefined), 250);
  });

  it('TaskManagers larger than YARN allocates: one clear message with what was asked and offered, before anything is uploaded', async () => {
    const job = join(scratch, 'too-large.js');
    await writeFile(job, exactlyOnceJob('Too large', join(scratch, 'never'), 10, 20, 'file-sink'));
    const r = await runCommand(join(BIN_DIR, 'flink'), ['run', '-t', 'yarn-per-job', '-D', 'taskmanager.memory.process.size=64g', job], env, { timeout: 120_000 });
    assert.equal(r.exitCode, 1, r.describe);
    assert.match(r.stderr, /The TaskManager container asks for 81920 MB and 1 vcores, but the YARN ResourceManager allocates at most 4096 MB and 4 vcores per container/);
    assert.match(r.stderr, /-ytm \/ taskmanager\.memory\.process\.size/);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    assert.doesNotMatch(r.stdout, /Submitted application/);
    assert.deepEqual(await stagingLeft(), []);
  });

  it('a staging directory on an HDFS that does not answer: one line naming the address and the key it came from; no application is left running', async () => {
    const job = join(scratch, 'no-hdfs.js');
    await writeFile(job, exactlyOnceJob('No HDFS', join(scratch, 'never'), 10, 20, 'file-sink'));
    const r = await runCommand(join(BIN_DIR, 'flink'), ['run', '-t', 'yarn-per-job', '-D', 'yarn.staging-directory=hdfs://127.0.0.1:1/staging', job], env, { timeout: 120_000 });
    assert.equal(r.exitCode, 1, r.describe);
    assert.match(r.stderr, /127\.0\.0\.1/, r.describe);
    assert.match(r.stderr, /yarn\.staging-directory|fs\.hdfs\.webhdfs\.address|dfs\.namenode\.http-address/, r.describe);
    assert.doesNotMatch(r.stderr, /\n\s+at /, `no stack trace\n${r.describe}`);
    const running = (await fetch(`${(yarn as YarnCluster).rmWebapp}/ws/v1/cluster/apps?states=NEW,NEW_SAVING,SUBMITTED,ACCEPTED,RUNNING`).then((x) => x.json())) as { apps: { app: AppReport[] } | null };
    assert.deepEqual(running.apps?.app ?? [], []);
  });
});

/** The ApplicationMaster's node process of `appId`: the appmaster entrypoint whose working directory is a container of the application. */
function applicationMasterPid(appId: string): number | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // The node process itself (argv), not the launch script's shell, whose command line mentions it too.
      const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (!cmd.some((a) => a.endsWith('appmaster/entrypoint.js'))) continue;
      if (readlinkSync(`/proc/${entry}/cwd`).includes(appId)) return Number(entry);
    } catch {
      // gone meanwhile
    }
  }
  return undefined;
}
