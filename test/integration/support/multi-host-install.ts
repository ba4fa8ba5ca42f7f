/**
 * A flink-ts installation for a multi-host test on namespace hosts: a directory under the hosts' run directory
 * (so it is at the same path on every host, as Flink requires) with a copy of bin/ and package.json, dist/ and
 * node_modules/ of the build under test as hard links (the checkout may be under /tmp, which every namespace host
 * replaces with its own, so a symbolic link to it would point at nothing there), and its own conf/ (masters, workers, flink-conf.yaml with env.ssh.opts naming the
 * run's key and a known_hosts file written here). Remote hosts read <install>/conf, as Flink's hosts read
 * <FLINK_HOME>/conf: FLINK_CONF_DIR does not travel over SSH.
 *
 * ```ts
 * const install = await MultiHostInstall.create(hosts, { masters: ['h1'], workers: ['h2', 'h3'] });
 * const r = await install.script('h1', 'start-cluster.sh');   // run on h1, as a user logged in there would
 * ```
 */
import { cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { NamespaceHosts, CommandOutput } from '../../support/netns-hosts.js';
import { BIN_DIR, DIST_DIR, FLINK_HOME, runCommand, type CommandResult } from './standalone-cluster.js';

export interface MultiHostInstallOptions {
  /** conf/masters lines (`h1`, `h1:8081`). */
  readonly masters: readonly string[];
  /** conf/workers lines. */
  readonly workers: readonly string[];
  /** Lines appended to flink-conf.yaml (the last occurrence of a key wins). */
  readonly extraConf?: readonly string[];
  /** The hosts whose keys go into known_hosts (default: all). */
  readonly knownHosts?: readonly string[];
  /** More OpenSSH options for env.ssh.opts, after the key and known_hosts options. */
  readonly sshOpts?: string;
  /** The directory name under the run directory (default flink). */
  readonly name?: string;
}

export class MultiHostInstall {
  private constructor(
    readonly hosts: NamespaceHosts,
    readonly home: string,
    readonly knownHostsFile: string,
  ) {}

  get confDir(): string {
    return join(this.home, 'conf');
  }

  get logDir(): string {
    return join(this.home, 'log');
  }

  static async create(hosts: NamespaceHosts, o: MultiHostInstallOptions): Promise<MultiHostInstall> {
    const home = join(hosts.dir, o.name ?? 'flink');
    const confDir = join(home, 'conf');
    await mkdir(confDir, { recursive: true });
    await mkdir(join(home, 'log'), { recursive: true });
    await cp(BIN_DIR, join(home, 'bin'), { recursive: true });
    await cp(join(FLINK_HOME, 'package.json'), join(home, 'package.json'));
    for (const dir of ['dist', 'node_modules']) await linkTree(join(DIST_DIR, '..', dir), join(home, dir));
    const knownHostsFile = join(home, 'known_hosts');
    await writeFile(knownHostsFile, await hosts.knownHostsLines(o.knownHosts));
    const base = await readFile(join(FLINK_HOME, 'conf', 'flink-conf.yaml'), 'utf8');
    const first = (o.masters[0] ?? 'h1').replace(/:.*$/, '');
    await writeFile(
      join(confDir, 'flink-conf.yaml'),
      [
        base,
        '# namespace hosts: every host reads this file at the same path',
        `jobmanager.rpc.address: ${first}`,
        `rest.address: ${first}`,
        // The test reaches the REST API from the root namespace, at the host's address.
        'rest.bind-address: 0.0.0.0',
        'taskmanager.numberOfTaskSlots: 2',
        'taskmanager.heap.size: 256m',
        'jobmanager.heap.size: 256m',
        `env.ssh.opts: -i ${hosts.clientKey} -o UserKnownHostsFile=${knownHostsFile} -o ConnectTimeout=10${o.sshOpts ? ` ${o.sshOpts}` : ''}`,
        ...(o.extraConf ?? []),
        '',
      ].join('\n'),
    );
    await writeFile(join(confDir, 'masters'), `${o.masters.join('\n')}\n`);
    await writeFile(join(confDir, 'workers'), `${o.workers.join('\n')}\n`);
    return new MultiHostInstall(hosts, home, knownHostsFile);
  }

  /** Runs one of the installation's bin/ scripts on a host, as a user logged in there would. */
  script(host: string, script: string, args: readonly string[] = [], env: Record<string, string> = {}): Promise<CommandOutput> {
    return this.hosts.exec(host, join(this.home, 'bin', script), args, { env, timeout: 180_000 });
  }

  /** bin/flink in the root namespace with this installation's configuration (give -m <address>:<port>). */
  flink(args: readonly string[]): Promise<CommandResult> {
    return runCommand(join(this.home, 'bin', 'flink'), args, { FLINK_CONF_DIR: this.confDir }, { timeout: 120_000 });
  }

  /** GET on a host's REST API from the root namespace. */
  async rest<T>(host: string, path: string, port = 8081): Promise<T> {
    const res = await fetch(`http://${this.hosts.host(host).address}:${port}${path}`, { signal: AbortSignal.timeout(5_000) });
    const text = await res.text();
    if (!res.ok) throw new Error(`GET ${path} on ${host} answered ${res.status}: ${text}`);
    return JSON.parse(text) as T;
  }

  /** The flink-ts daemons (node processes of this installation) running on a host. */
  async daemons(host: string): Promise<string[]> {
    return (await this.hosts.processes(host)).filter((p) => p.includes(join(this.home, 'dist')) && /entrypoint\.js/.test(p));
  }
}

/** A copy of a tree made of hard links (instant on one file system), or a plain copy across file systems. */
async function linkTree(from: string, to: string): Promise<void> {
  const linked = await runCommand('cp', ['-al', from, to], {});
  if (linked.exitCode === 0) return;
  await cp(from, to, { recursive: true, verbatimSymlinks: true });
}
