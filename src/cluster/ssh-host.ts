/**
 * Another host of the cluster, reached with the ssh2 client the way Flink's scripts reach it with `ssh`: one
 * connection per host, the bin/ scripts run as `nohup /bin/bash -l "<bin dir>/<script>" <args>` at the path of
 * this installation, which Flink assumes is the same on every host. Before the first script it checks that
 * flink-ts is there and is this version, so a host set up differently fails with a line that says so.
 */
import { existsSync } from 'node:fs';
import { userInfo } from 'node:os';
import { dirname } from 'node:path';
import ssh2 from 'ssh2';
import type { AnyAuthMethod, ClientChannel, ConnectConfig } from 'ssh2';
import {
  HostCommandFailedError,
  RemoteInstallMissingError,
  RemoteVersionMismatchError,
  SshAuthRefusedError,
  SshConnectionError,
  SshConnectTimeoutError,
  SshHostKeyChangedError,
  SshHostKeyUnknownError,
  SshHostUnreachableError,
  type HostError,
} from './errors.js';
import type { HostEntry } from './hosts-file.js';
import { describeCommand, LineSplitter, shQuote, type HostRunner, type OutputSink } from './host-runner.js';
import { fingerprint, hostKeyAlgorithms, keyTypeOf, type KnownHosts } from './known-hosts.js';
import type { SshIdentities } from './ssh-identities.js';
import { DEFAULT_CONNECT_TIMEOUT_MS, type SshOptions } from './ssh-options.js';

export interface SshHostSettings {
  readonly options: SshOptions;
  /** Where the options came from (env.ssh.opts or FLINK_SSH_OPTS), for messages. */
  readonly optionsSource: string;
  readonly identities: SshIdentities;
  readonly knownHosts: KnownHosts;
  /** This installation's bin directory, which must be at the same path on the host. */
  readonly binDir: string;
  /** This installation's version (package.json); the host must have the same. */
  readonly version: string;
  /** Which hosts file(s) name the host, for messages (`conf/workers`). */
  readonly listedIn: string;
  /** How long one script may run there; a hang fails the host instead of the whole start. */
  readonly commandTimeoutMs?: number;
}

const DEFAULT_COMMAND_TIMEOUT_MS = 300_000;
const PROBE_MISSING = 'flink-ts-missing';

export class SshHostRunner implements HostRunner {
  readonly host: string;
  private readonly port: number;
  private readonly user: string;
  private client: ssh2.Client | undefined;
  private opening: Promise<void> | undefined;
  private closed = false;
  /** Why the host key was refused; the client only reports a generic handshake failure. */
  private hostKeyError: HostError | undefined;

  constructor(
    entry: HostEntry,
    private readonly settings: SshHostSettings,
  ) {
    this.host = entry.host;
    this.port = settings.options.port ?? 22;
    this.user = entry.user ?? settings.options.user ?? userInfo().username;
  }

  open(): Promise<void> {
    this.opening ??= this.connect().then(() => this.checkInstallation());
    return this.opening;
  }

  async run(script: string, args: readonly string[], out: OutputSink): Promise<void> {
    await this.open();
    const command = `nohup /bin/bash -l ${shQuote(`${this.settings.binDir}/${script}`)}${args.map((a) => ` ${shQuote(a)}`).join('')}`;
    const what = describeCommand(script, args);
    const { code, signal } = await this.exec(command, what, out);
    if (code === 0) return;
    const how = signal !== undefined ? `was killed by ${signal}` : `failed with exit code ${code}`;
    throw new HostCommandFailedError(this.host, `${what} ${how} on host ${this.host}; its messages are above.`);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.client?.end();
  }

  private connect(): Promise<void> {
    const { options, identities, knownHosts } = this.settings;
    const timeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    const auth: AnyAuthMethod[] = identities.keys.map((k) => ({ type: 'publickey', username: this.user, key: k.key }));
    if (identities.agent !== undefined) auth.push({ type: 'agent', username: this.user, agent: identities.agent });
    if (auth.length === 0) {
      return Promise.reject(
        new SshAuthRefusedError(
          this.host,
          `no SSH key to log in to host ${this.host} with: none of ${identities.tried.join(', ')} exists and SSH_AUTH_SOCK is not set. ` +
            `Create a key (ssh-keygen), or name one with -i in ${this.settings.optionsSource}.`,
        ),
      );
    }
    const knownTypes = knownHosts.knownKeyTypes(this.host, this.port);
    const config: ConnectConfig = {
      host: this.host,
      port: this.port,
      username: this.user,
      readyTimeout: timeoutMs,
      authHandler: auth,
      hostVerifier: (key: Buffer) => this.verifyHostKey(key),
      keepaliveInterval: options.serverAliveIntervalMs,
      keepaliveCountMax: options.serverAliveCountMax,
      // Ask for a key of a type known_hosts has, as ssh does; otherwise a host with several keys could show one
      // that is not listed and look unknown.
      ...(knownTypes.length > 0 ? { algorithms: { serverHostKey: knownTypes.flatMap(hostKeyAlgorithms) as ssh2.ServerHostKeyAlgorithm[] } } : {}),
      ...(options.family !== undefined ? { forceIPv4: options.family === 4, forceIPv6: options.family === 6 } : {}),
    };
    return new Promise((resolve, reject) => {
      const client = new ssh2.Client();
      this.client = client;
      let settled = false;
      client.once('ready', () => {
        settled = true;
        resolve();
      });
      client.on('error', (err: Error & { level?: string; code?: string }) => {
        if (settled) return;
        settled = true;
        client.end();
        reject(this.hostKeyError ?? this.describeConnectError(err, timeoutMs));
      });
      client.once('close', () => {
        if (settled) return;
        settled = true;
        reject(this.hostKeyError ?? new SshConnectionError(this.host, `host ${this.host} closed the SSH connection during login.`));
      });
      client.connect(config);
    });
  }

  private verifyHostKey(key: Buffer): boolean {
    const { knownHosts, options, optionsSource } = this.settings;
    const status = knownHosts.check(this.host, this.port, key);
    const name = this.port === 22 ? this.host : `[${this.host}]:${this.port}`;
    const print = `${keyTypeOf(key)} ${fingerprint(key)}`;
    switch (status.kind) {
      case 'known':
        return true;
      case 'revoked':
        this.hostKeyError = new SshHostKeyChangedError(this.host, `host ${this.host} presented a revoked host key (${print}, revoked at ${status.where}); not connecting.`);
        return false;
      case 'changed':
        if (options.strictHostKeyChecking === 'no') return true;
        this.hostKeyError = new SshHostKeyChangedError(
          this.host,
          `the host key of ${this.host} has changed: it presented ${print}, but ${status.where} lists another key for it. ` +
            `If ${this.host} was reinstalled, remove the old key (ssh-keygen -R ${name}) and add the new one; otherwise someone may be intercepting the connection.`,
        );
        return false;
      case 'unknown': {
        if (options.strictHostKeyChecking === 'no' || options.strictHostKeyChecking === 'accept-new') {
          knownHosts.add(this.host, this.port, key);
          return true;
        }
        const files = knownHosts.files.filter((f) => f !== '/dev/null' && (f === knownHosts.writableFile || existsSync(f)));
        this.hostKeyError = new SshHostKeyUnknownError(
          this.host,
          `host ${this.host} is not a known host (its key ${print} is in none of ${files.length > 0 ? files.join(', ') : 'the known_hosts files'}). ` +
            `Check the key and add it (ssh-keyscan ${this.port === 22 ? '' : `-p ${this.port} `}${this.host} >> ${knownHosts.writableFile ?? '~/.ssh/known_hosts'}), ` +
            `or set -o StrictHostKeyChecking=accept-new in ${optionsSource}.`,
        );
        return false;
      }
    }
  }

  private describeConnectError(err: Error & { level?: string; code?: string }, timeoutMs: number): HostError {
    const where = `${this.host}:${this.port}`;
    const { listedIn, optionsSource, identities } = this.settings;
    if (err.level === 'client-timeout') {
      return new SshConnectTimeoutError(
        this.host,
        `could not connect to host ${where} within ${timeoutMs / 1000} s. Check that ${this.host} is up and reachable from here, ` +
          `or allow more time with -o ConnectTimeout=SECONDS in ${optionsSource}.`,
        { cause: err },
      );
    }
    if (err.level === 'client-authentication') {
      const keys = [...identities.keys.map((k) => k.file), ...(identities.agent !== undefined ? ['the keys of ssh-agent'] : [])];
      return new SshAuthRefusedError(
        this.host,
        `host ${this.host} refused the SSH login of user ${this.user} with ${keys.join(', ')}. ` +
          `Add the public key to ~${this.user}/.ssh/authorized_keys on ${this.host}, or name the right key (-i) or user (-l, or user@host) in ${optionsSource}.`,
        { cause: err },
      );
    }
    switch (err.code) {
      case 'ENOTFOUND':
      case 'EAI_AGAIN':
      case 'EAI_NONAME':
        return new SshHostUnreachableError(this.host, `the host name ${this.host} (in ${listedIn}) does not resolve (${err.code}). Fix the name in ${listedIn}, or add it to DNS or /etc/hosts.`, { cause: err });
      case 'ECONNREFUSED':
        return new SshHostUnreachableError(this.host, `host ${this.host} refuses connections on port ${this.port}: start sshd there, or give its port with -p in ${optionsSource}.`, { cause: err });
      case 'EHOSTUNREACH':
      case 'ENETUNREACH':
      case 'EHOSTDOWN':
      case 'ETIMEDOUT':
        return new SshHostUnreachableError(this.host, `host ${where} is unreachable (${err.code}). Check that it is up and that its line in ${listedIn} is right.`, { cause: err });
      default:
        return new SshConnectionError(this.host, `the SSH connection to host ${where} failed: ${err.message}.`, { cause: err });
    }
  }

  /** Whether flink-ts is at this installation's path there, and its version. */
  private async checkInstallation(): Promise<void> {
    const { binDir, version } = this.settings;
    const home = dirname(binDir);
    const script =
      `if [ -f ${shQuote(`${binDir}/taskmanager.sh`)} ] && [ -f ${shQuote(`${binDir}/jobmanager.sh`)} ]; then ` +
      `sed -n 's/^[[:space:]]*"version"[[:space:]]*:[[:space:]]*"\\([^"]*\\)".*/\\1/p' ${shQuote(`${home}/package.json`)} 2>/dev/null | head -n 1; ` +
      `else echo ${PROBE_MISSING}; fi`;
    const lines: string[] = [];
    const { code } = await this.exec(`/bin/sh -c ${shQuote(script)}`, 'the installation check', { stdout: (l) => lines.push(l), stderr: () => {} });
    const answer = lines.join('\n').trim();
    if (code !== 0 || answer === PROBE_MISSING) {
      throw new RemoteInstallMissingError(
        this.host,
        `flink-ts is not installed at ${home} on host ${this.host} (no ${binDir}/taskmanager.sh there). ` +
          `The cluster scripts run the installation at the same path on every host: install flink-ts ${version} at ${home} on ${this.host}.`,
      );
    }
    if (answer !== '' && version !== 'unknown' && answer !== version) {
      throw new RemoteVersionMismatchError(
        this.host,
        `host ${this.host} has flink-ts ${answer} at ${home}, but this host has ${version}. Install the same version on every host.`,
      );
    }
  }

  private exec(command: string, what: string, out: OutputSink): Promise<{ code: number | undefined; signal: string | undefined }> {
    const client = this.client;
    if (client === undefined || this.closed) return Promise.reject(new SshConnectionError(this.host, `the SSH connection to host ${this.host} is closed.`));
    const timeoutMs = this.settings.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
    return new Promise((resolve, reject) => {
      client.exec(command, (err: Error | undefined, channel: ClientChannel) => {
        if (err) {
          reject(new SshConnectionError(this.host, `host ${this.host} did not let ${what} run over SSH: ${err.message}.`, { cause: err }));
          return;
        }
        const stdout = new LineSplitter((l) => out.stdout(l));
        const stderr = new LineSplitter((l) => out.stderr(l));
        let code: number | undefined;
        let signal: string | undefined;
        let exited = false;
        const timer = setTimeout(() => {
          channel.close();
          reject(new HostCommandFailedError(this.host, `${what} did not finish within ${timeoutMs / 1000} s on host ${this.host}.`));
        }, timeoutMs);
        channel.on('data', (c: Buffer) => stdout.push(c));
        channel.stderr.on('data', (c: Buffer) => stderr.push(c));
        channel.once('exit', (exitCode: number | null, exitSignal?: string) => {
          exited = true;
          if (typeof exitCode === 'number') code = exitCode;
          if (typeof exitSignal === 'string') signal = exitSignal;
        });
        channel.once('close', () => {
          clearTimeout(timer);
          stdout.end();
          stderr.end();
          if (!exited) {
            reject(new SshConnectionError(this.host, `the SSH connection to host ${this.host} closed before ${what} finished.`));
            return;
          }
          resolve({ code, signal });
        });
      });
    });
  }
}
