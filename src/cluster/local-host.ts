/**
 * This host: which names in conf/masters and conf/workers mean it, and running bin/ scripts on it directly,
 * without SSH, as Flink's scripts do for localhost.
 */
import { spawn } from 'node:child_process';
import { hostname, networkInterfaces, userInfo } from 'node:os';
import { join } from 'node:path';
import { HostCommandFailedError } from './errors.js';
import type { HostEntry } from './hosts-file.js';
import { describeCommand, LineSplitter, type HostRunner, type OutputSink } from './host-runner.js';

/** The names and addresses of this host, lower case: loopback, its host names and every interface address. */
export function localNames(env: NodeJS.ProcessEnv = process.env): Set<string> {
  const names = new Set<string>(['localhost', '::1']);
  for (const name of [hostname(), env['HOSTNAME'] ?? '']) {
    if (name === '') continue;
    names.add(name.toLowerCase());
    names.add((name.split('.')[0] as string).toLowerCase());
  }
  for (const addresses of Object.values(networkInterfaces())) {
    for (const a of addresses ?? []) names.add(a.address.toLowerCase());
  }
  return names;
}

let cachedNames: Set<string> | undefined;

/**
 * Whether a hosts-file entry means this host, where the daemon starts without SSH: localhost, 127.x.x.x, ::1,
 * this host's names and addresses. A `user@` other than the current user still goes over SSH (to log in as them).
 */
export function isLocalHost(entry: Pick<HostEntry, 'host' | 'user'>, names: Set<string> = (cachedNames ??= localNames())): boolean {
  if (entry.user !== undefined && entry.user !== userInfo().username) return false;
  const h = entry.host.toLowerCase();
  return names.has(h) || /^127\.\d+\.\d+\.\d+$/.test(h) || h.endsWith('.localhost');
}

export class LocalHostRunner implements HostRunner {
  readonly host: string;

  constructor(
    private readonly binDir: string,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {
    this.host = hostname();
  }

  async open(): Promise<void> {}

  run(script: string, args: readonly string[], out: OutputSink): Promise<void> {
    return new Promise((resolve, reject) => {
      const child = spawn(join(this.binDir, script), [...args], { stdio: ['ignore', 'pipe', 'pipe'], env: this.env });
      const stdout = new LineSplitter((l) => out.stdout(l));
      const stderr = new LineSplitter((l) => out.stderr(l));
      child.stdout.on('data', (c: Buffer) => stdout.push(c));
      child.stderr.on('data', (c: Buffer) => stderr.push(c));
      child.once('error', (err) => reject(new HostCommandFailedError(this.host, `could not run ${join(this.binDir, script)} on this host: ${err.message}`, { cause: err })));
      child.once('close', (code, signal) => {
        stdout.end();
        stderr.end();
        if (code === 0) {
          resolve();
          return;
        }
        const how = signal !== null ? `was killed by ${signal}` : `failed with exit code ${code}`;
        reject(new HostCommandFailedError(this.host, `${describeCommand(script, args)} ${how} on this host (${this.host}); its messages are above.`));
      });
    });
  }

  async close(): Promise<void> {}
}
