/**
 * Real hosts for multi-host tests: network namespaces made by scripts/netns-hosts.sh, each with its own address,
 * hostname, /tmp, /etc/hosts and sshd (key login with a key pair made for the run). The filesystem is otherwise
 * shared, so an installation under {@link NamespaceHosts.dir} is at the same path on every host, as Flink assumes.
 * Services the hosts need (ZooKeeper, HDFS) run in the root namespace bound to {@link NamespaceHosts.gateway}.
 *
 * ```ts
 * let hosts: NamespaceHosts;
 * before(async () => (hosts = await NamespaceHosts.up(3)));   // fails (never skips) where namespaces cannot be made
 * after(async () => hosts?.close());
 * it('runs on h2', async () => assert.equal((await hosts.exec('h2', 'hostname', [])).stdout, 'h2'));
 * ```
 */
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';

// This file runs from <dist>/test/support/; the script is in the repository next to dist/.
const REPO = resolve(process.env['FLINK_HOME'] ?? join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..'));
export const NETNS_SCRIPT = join(REPO, 'scripts', 'netns-hosts.sh');

export interface NamespaceHost {
  /** h1, h2, ...: its hostname, and its name in every host's /etc/hosts. */
  readonly name: string;
  readonly address: string;
  readonly netns: string;
  /** The directory the host sees as /tmp (its default pid directory). */
  readonly tmpDir: string;
  /** sshd's public host key (`ssh-ed25519 AAAA... hN`). */
  readonly hostKeyFile: string;
  /** sshd reads it at every login: empty it to make the host refuse the run's key. */
  readonly authorizedKeysFile: string;
}

export interface CommandOutput {
  readonly stdout: string;
  readonly stderr: string;
  readonly exitCode: number | undefined;
  /** Everything, for assertion messages. */
  readonly describe: string;
}

let counter = 0;

export class NamespaceHosts {
  private closed = false;

  private constructor(
    readonly id: string,
    /** The run's directory (not under /tmp): visible at the same path on every host and here. */
    readonly dir: string,
    /** The root namespace's address on the hosts' network; bind services for the hosts to it. */
    readonly gateway: string,
    readonly subnet: string,
    /** The private key every sshd accepts. */
    readonly clientKey: string,
    readonly hosts: readonly NamespaceHost[],
  ) {}

  /**
   * Creates `count` hosts. Throws with the script's explanation where namespaces cannot be created (no root,
   * no CAP_NET_ADMIN/CAP_SYS_ADMIN): such a machine cannot run these tests, and they must fail, not pass by
   * skipping. Runs left behind by a killed test process are removed first.
   */
  static async up(count: number): Promise<NamespaceHosts> {
    const env = { NETNS_OWNER_PID: String(process.pid) };
    await execa(NETNS_SCRIPT, ['down', '--stale'], { env, reject: false, timeout: 60_000 });
    const id = `t${process.pid.toString(36)}${(++counter).toString(36)}`.slice(0, 8);
    const r = await execa(NETNS_SCRIPT, ['up', id, String(count)], { env, reject: false, timeout: 120_000 });
    if (r.exitCode !== 0) {
      await execa(NETNS_SCRIPT, ['down', id], { reject: false, timeout: 60_000 });
      throw new Error(`could not create ${count} namespace hosts with ${NETNS_SCRIPT} (these tests need them and do not skip):\n${r.stderr}`);
    }
    const kv = new Map<string, string>();
    for (const line of r.stdout.split('\n')) {
      const eq = line.indexOf('=');
      if (eq > 0) kv.set(line.slice(0, eq), line.slice(eq + 1));
    }
    const get = (k: string): string => {
      const v = kv.get(k);
      if (v === undefined) throw new Error(`${NETNS_SCRIPT} up printed no ${k}=:\n${r.stdout}`);
      return v;
    };
    const dir = get('dir');
    const hosts = get('hosts')
      .split(',')
      .map((name) => ({
        name,
        address: get(`host.${name}`),
        netns: get(`netns.${name}`),
        tmpDir: get(`tmp.${name}`),
        hostKeyFile: get(`hostkey.${name}`),
        authorizedKeysFile: join(dir, name, 'authorized_keys'),
      }));
    return new NamespaceHosts(id, dir, get('gateway'), get('subnet'), get('key'), hosts);
  }

  host(name: string): NamespaceHost {
    const h = this.hosts.find((x) => x.name === name);
    if (h === undefined) throw new Error(`no host ${name} in run ${this.id} (${this.hosts.map((x) => x.name).join(', ')})`);
    return h;
  }

  /** An address in the hosts' subnet where no host answers. */
  get unusedAddress(): string {
    return this.subnet.replace(/\.0\/24$/, '.250');
  }

  /**
   * Runs a command on a host (its network, hostname and mounts), as root, with this process's environment less
   * HOSTNAME (which names this machine, not the host).
   */
  async exec(host: string, file: string, args: readonly string[], opts: { env?: Record<string, string>; timeout?: number } = {}): Promise<CommandOutput> {
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined && k !== 'HOSTNAME') env[k] = v;
    const r = await execa(NETNS_SCRIPT, ['exec', this.id, host, '--', file, ...args], {
      env: { ...env, ...opts.env },
      extendEnv: false,
      reject: false,
      timeout: opts.timeout ?? 120_000,
      stdin: 'ignore',
    });
    const stdout = String(r.stdout ?? '');
    const stderr = String(r.stderr ?? '');
    return {
      stdout,
      stderr,
      exitCode: r.exitCode,
      describe: `$ [${host}] ${file} ${args.join(' ')}\nexit code: ${r.exitCode}${r.timedOut ? ' (timed out)' : ''}\n--- stdout\n${stdout}\n--- stderr\n${stderr}`,
    };
  }

  /** The pids of every process on a host (sshd included). */
  async pids(host: string): Promise<number[]> {
    const r = await execa(NETNS_SCRIPT, ['pids', this.id, host], { reject: false, timeout: 30_000 });
    return String(r.stdout ?? '')
      .split('\n')
      .filter((l) => /^\d+$/.test(l.trim()))
      .map(Number);
  }

  /** The command lines of a host's processes other than its sshd listener. */
  async processes(host: string): Promise<string[]> {
    const out: string[] = [];
    for (const pid of await this.pids(host)) {
      const cmd = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
      const line = cmd.split('\0').join(' ').trim();
      if (line !== '' && !line.includes('sshd')) out.push(`${pid} ${line}`);
    }
    return out;
  }

  /** known_hosts lines for the given hosts (default: all), under their names and addresses. */
  async knownHostsLines(names: readonly string[] = this.hosts.map((h) => h.name)): Promise<string> {
    const lines: string[] = [];
    for (const name of names) {
      const h = this.host(name);
      const [type, key] = (await readFile(h.hostKeyFile, 'utf8')).trim().split(/\s+/);
      lines.push(`${h.name},${h.address} ${type} ${key}`);
    }
    return `${lines.join('\n')}\n`;
  }

  /** Makes the host refuse the run's key (sshd reads the file at every login). */
  async revokeLogin(host: string): Promise<void> {
    await writeFile(this.host(host).authorizedKeysFile, '');
  }

  /** Stops every process on the hosts, removes namespaces, links and files. Idempotent; never throws. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const r = await execa(NETNS_SCRIPT, ['down', this.id], { reject: false, timeout: 120_000 });
    if (r.exitCode !== 0) console.warn(`${NETNS_SCRIPT} down ${this.id} failed:\n${r.stderr}`);
  }
}
