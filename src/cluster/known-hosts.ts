/**
 * OpenSSH known_hosts files: which host keys are trusted for a host. Understands plain and hashed (`|1|salt|hash`)
 * host names, `[host]:port` for ports other than 22, wildcards (`*`, `?`), negated patterns (`!`) and `@revoked`
 * lines. `@cert-authority` lines are skipped: host certificates are not supported.
 */
import { createHash, createHmac } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';

export type HostKeyStatus =
  | { readonly kind: 'known' }
  /** No key of the presented type is known for the host. */
  | { readonly kind: 'unknown' }
  /** Another key of the same type is known: `where` is `file:line` of (one of) them. */
  | { readonly kind: 'changed'; readonly where: string }
  | { readonly kind: 'revoked'; readonly where: string };

interface Entry {
  readonly marker: '' | 'revoked';
  readonly patterns: string;
  readonly keyType: string;
  readonly key: Buffer;
  readonly where: string;
}

/** The key type at the start of an SSH public key blob (`ssh-ed25519`, `ssh-rsa`, ...). */
export function keyTypeOf(blob: Buffer): string {
  if (blob.length < 4) return '';
  const len = blob.readUInt32BE(0);
  return blob.subarray(4, 4 + len).toString('latin1');
}

/** `SHA256:...`, the fingerprint OpenSSH shows. */
export function fingerprint(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/** The server host key algorithms that present a key of the given known_hosts key type. */
export function hostKeyAlgorithms(keyType: string): string[] {
  if (keyType === 'ssh-rsa') return ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'];
  return [keyType];
}

/** The name a host is looked up under: `host` for port 22, else `[host]:port`. */
export function knownHostsName(host: string, port: number): string {
  const h = host.toLowerCase();
  return port === 22 ? h : `[${h}]:${port}`;
}

function globToRegExp(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`, 'i');
}

function hashedMatches(pattern: string, name: string): boolean {
  const parts = pattern.split('|');
  // |1|salt|hash splits into ['', '1', salt, hash].
  if (parts.length !== 4 || parts[1] !== '1') return false;
  const salt = Buffer.from(parts[2] as string, 'base64');
  const digest = createHmac('sha1', salt).update(name).digest('base64');
  return digest === parts[3];
}

/** Whether a known_hosts host field (comma-separated patterns) matches `name`. */
export function hostPatternsMatch(patterns: string, name: string): boolean {
  if (patterns.startsWith('|')) return hashedMatches(patterns, name);
  let matched = false;
  for (const pattern of patterns.split(',')) {
    if (pattern === '') continue;
    const negated = pattern.startsWith('!');
    const glob = negated ? pattern.slice(1) : pattern;
    if (!globToRegExp(glob).test(name)) continue;
    if (negated) return false;
    matched = true;
  }
  return matched;
}

function parseLine(line: string, where: string): Entry | undefined {
  const fields = line.trim().split(/\s+/);
  if (fields.length === 0 || fields[0] === '' || (fields[0] as string).startsWith('#')) return undefined;
  let marker: Entry['marker'] = '';
  if ((fields[0] as string).startsWith('@')) {
    if (fields[0] === '@revoked') marker = 'revoked';
    else return undefined;
    fields.shift();
  }
  const [patterns, keyType, base64] = fields;
  if (patterns === undefined || keyType === undefined || base64 === undefined) return undefined;
  const key = Buffer.from(base64, 'base64');
  if (keyTypeOf(key) !== keyType) return undefined;
  return { marker, patterns, keyType, key, where };
}

export class KnownHosts {
  private constructor(
    private readonly entries: readonly Entry[],
    /** Where accepted keys are added (the first user known_hosts file), if anywhere. */
    readonly writableFile: string | undefined,
    /** The files that were looked at, for messages. */
    readonly files: readonly string[],
  ) {}

  /** Reads every file that exists; missing ones count as empty, as in OpenSSH. */
  static load(userFiles: readonly string[], globalFiles: readonly string[]): KnownHosts {
    const entries: Entry[] = [];
    for (const file of [...userFiles, ...globalFiles]) {
      if (file === '/dev/null' || !existsSync(file)) continue;
      const lines = readFileSync(file, 'utf8').split('\n');
      lines.forEach((line, i) => {
        const entry = parseLine(line, `${file}:${i + 1}`);
        if (entry) entries.push(entry);
      });
    }
    const writable = userFiles.find((f) => f !== '/dev/null');
    return new KnownHosts(entries, writable, [...userFiles, ...globalFiles]);
  }

  private matching(host: string, port: number): Entry[] {
    const name = knownHostsName(host, port);
    return this.entries.filter((e) => hostPatternsMatch(e.patterns, name));
  }

  /** The key types known for the host (to ask the server for a key of one of them). */
  knownKeyTypes(host: string, port: number): string[] {
    return [...new Set(this.matching(host, port).filter((e) => e.marker === '').map((e) => e.keyType))];
  }

  check(host: string, port: number, blob: Buffer): HostKeyStatus {
    const entries = this.matching(host, port);
    const revoked = entries.find((e) => e.marker === 'revoked' && e.key.equals(blob));
    if (revoked) return { kind: 'revoked', where: revoked.where };
    if (entries.some((e) => e.marker === '' && e.key.equals(blob))) return { kind: 'known' };
    const type = keyTypeOf(blob);
    const other = entries.find((e) => e.marker === '' && e.keyType === type);
    if (other) return { kind: 'changed', where: other.where };
    return { kind: 'unknown' };
  }

  /**
   * Appends the host's key to the writable file and remembers it. Returns the file, or undefined when there is
   * none to write to (UserKnownHostsFile=/dev/null).
   */
  add(host: string, port: number, blob: Buffer): string | undefined {
    const file = this.writableFile;
    if (file === undefined) return undefined;
    const type = keyTypeOf(blob);
    const line = `${knownHostsName(host, port)} ${type} ${blob.toString('base64')}`;
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
    appendFileSync(file, `${text === '' || text.endsWith('\n') ? '' : '\n'}${line}\n`, { mode: 0o600 });
    (this.entries as Entry[]).push({ marker: '', patterns: knownHostsName(host, port), keyType: type, key: blob, where: file });
    return file;
  }
}
