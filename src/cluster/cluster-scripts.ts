/**
 * What bin/start-cluster.sh and bin/stop-cluster.sh do with the hosts of conf/masters and conf/workers, as in
 * Flink: start the JobManager(s), then a TaskManager per conf/workers line; stop the TaskManagers first, then the
 * JobManager(s). In HA mode a JobManager starts on every conf/masters host (`jobmanager.sh start <host> <port>`);
 * otherwise one starts here. Hosts that mean this machine are run directly, every other host over SSH.
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { HighAvailabilityOptions, type Configuration } from '../config/index.js';
import { HostFanOut, type HostStep } from './host-fan-out.js';
import type { HostRunner, OutputSink } from './host-runner.js';
import { readMasters, readWorkers, type HostEntry } from './hosts-file.js';
import { KnownHosts } from './known-hosts.js';
import { isLocalHost, LocalHostRunner } from './local-host.js';
import { SshHostRunner, type SshHostSettings } from './ssh-host.js';
import { loadIdentities } from './ssh-identities.js';
import { parseSshOptions } from './ssh-options.js';

export interface ClusterScriptContext {
  readonly conf: Configuration;
  readonly confDir: string;
  /** This installation's bin directory: run here directly, and at the same path on the other hosts. */
  readonly binDir: string;
  readonly out: OutputSink;
  /** The ssh options and where they came from (FLINK_SSH_OPTS, else env.ssh.opts). */
  readonly sshOptions: { readonly text: string | undefined; readonly source: string };
  readonly env?: NodeJS.ProcessEnv;
  /** Makes the runner of a remote host; SSH unless a test says otherwise. */
  readonly remoteRunner?: (entry: HostEntry, settings: SshHostSettings) => HostRunner;
}

export interface ClusterScriptResult {
  /** 0 when every host did its part, 1 otherwise. */
  readonly exitCode: number;
  /** TaskManagers started (start only). */
  readonly taskManagersStarted: number;
  /** Whether every JobManager started (start only). */
  readonly jobManagersStarted: boolean;
}

const LOCAL: HostEntry = { host: 'localhost', user: undefined, webUiPort: undefined };

export function isHighAvailability(conf: Configuration): boolean {
  return String(conf.get(HighAvailabilityOptions.HA_MODE)).toUpperCase() === 'ZOOKEEPER';
}

/** The version in package.json next to the bin directory. */
export function installationVersion(binDir: string): string {
  try {
    const pkg = JSON.parse(readFileSync(join(dirname(binDir), 'package.json'), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : 'unknown';
  } catch {
    return 'unknown';
  }
}

function hostKey(entry: HostEntry): string {
  return isLocalHost(entry) ? 'local' : `${entry.user ?? ''}@${entry.host.toLowerCase()}`;
}

/**
 * One runner per distinct host. SSH settings (options, keys, known_hosts) are read only when some host is
 * remote, so a cluster on this machine alone never depends on ~/.ssh; a mistake in them throws before anything
 * starts.
 */
function fanOut(ctx: ClusterScriptContext, steps: readonly HostStep[], files: Map<string, Set<string>>): HostFanOut {
  const remote = steps.filter((s) => hostKey(s.entry) !== 'local');
  let base: Omit<SshHostSettings, 'listedIn'> | undefined;
  if (remote.length > 0) {
    const home = homedir();
    const options = parseSshOptions(ctx.sshOptions.text, ctx.sshOptions.source, home);
    base = {
      options,
      optionsSource: ctx.sshOptions.source,
      identities: loadIdentities(options, ctx.sshOptions.source, ctx.env ?? process.env, home),
      knownHosts: KnownHosts.load(
        options.userKnownHostsFiles ?? [join(home, '.ssh', 'known_hosts'), join(home, '.ssh', 'known_hosts2')],
        options.globalKnownHostsFiles ?? ['/etc/ssh/ssh_known_hosts', '/etc/ssh/ssh_known_hosts2'],
      ),
      binDir: ctx.binDir,
      version: installationVersion(ctx.binDir),
    };
  }
  const makeRemote = ctx.remoteRunner ?? ((entry: HostEntry, settings: SshHostSettings) => new SshHostRunner(entry, settings));
  return new HostFanOut((entry) => {
    const key = hostKey(entry);
    if (key === 'local' || base === undefined) return { key, create: () => new LocalHostRunner(ctx.binDir, ctx.env ?? process.env) };
    const settings = { ...base, listedIn: [...(files.get(key) ?? ['conf/workers'])].join(' and ') };
    return { key, create: () => makeRemote(entry, settings) };
  }, ctx.out);
}

function listedIn(groups: ReadonlyArray<readonly [string, readonly HostEntry[]]>): Map<string, Set<string>> {
  const files = new Map<string, Set<string>>();
  for (const [file, entries] of groups) {
    for (const e of entries) {
      const key = hostKey(e);
      files.set(key, (files.get(key) ?? new Set()).add(file));
    }
  }
  return files;
}

export async function startCluster(ctx: ClusterScriptContext): Promise<ClusterScriptResult> {
  const ha = isHighAvailability(ctx.conf);
  // Every hosts file is read before anything starts: a mistake in one stops the start with nothing running.
  const masters = ha ? readMasters(ctx.confDir) : [];
  const workers = readWorkers(ctx.confDir);
  const jmSteps: HostStep[] = ha
    ? masters.map((m) => ({ entry: m, script: 'jobmanager.sh', args: ['start', m.host, ...(m.webUiPort !== undefined ? [String(m.webUiPort)] : [])] }))
    : [{ entry: LOCAL, script: 'jobmanager.sh', args: ['start'] }];
  const tmSteps: HostStep[] = workers.map((w) => ({ entry: w, script: 'taskmanager.sh', args: ['start'] }));
  const hosts = fanOut(ctx, [...jmSteps, ...tmSteps], listedIn([['conf/masters', masters], ['conf/workers', workers]]));
  try {
    ctx.out.stdout(ha ? `Starting HA cluster with ${masters.length} masters.` : 'Starting cluster.');
    const jms = await hosts.runPhase(jmSteps);
    const tms = await hosts.runPhase(tmSteps);
    if (tms.failed.length > 0) {
      ctx.out.stderr(`Error: ${tms.failed.length} of ${tmSteps.length} TaskManager(s) failed to start; see the messages above.`);
    }
    return {
      exitCode: hosts.failures.length > 0 ? 1 : 0,
      taskManagersStarted: tms.succeeded.length,
      jobManagersStarted: jms.failed.length === 0,
    };
  } finally {
    await hosts.close();
  }
}

export async function stopCluster(ctx: ClusterScriptContext): Promise<ClusterScriptResult> {
  const ha = isHighAvailability(ctx.conf);
  const workers = readWorkers(ctx.confDir, true);
  const masters = ha ? readMasters(ctx.confDir) : [];
  // stop-all once per host, however often conf/workers lists it.
  const seen = new Set<string>();
  const tmSteps: HostStep[] = [];
  for (const w of workers) {
    const key = hostKey(w);
    if (seen.has(key)) continue;
    seen.add(key);
    tmSteps.push({ entry: w, script: 'taskmanager.sh', args: ['stop-all'] });
  }
  const jmSteps: HostStep[] = ha
    ? masters.map((m) => ({ entry: m, script: 'jobmanager.sh', args: ['stop'] }))
    : [{ entry: LOCAL, script: 'jobmanager.sh', args: ['stop'] }];
  const hosts = fanOut(ctx, [...tmSteps, ...jmSteps], listedIn([['conf/masters', masters], ['conf/workers', workers]]));
  try {
    await hosts.runPhase(tmSteps);
    await hosts.runPhase(jmSteps);
    return { exitCode: hosts.failures.length > 0 ? 1 : 0, taskManagersStarted: 0, jobManagersStarted: false };
  } finally {
    await hosts.close();
  }
}
