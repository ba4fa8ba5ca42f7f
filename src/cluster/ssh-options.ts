/**
 * The OpenSSH options users put in `env.ssh.opts` / `FLINK_SSH_OPTS` (Flink hands that string to `ssh`), read
 * into settings for the ssh2 client. Options it cannot honour are refused by name rather than ignored, so a
 * setting the user relies on never silently does nothing.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import { SshOptionsError } from './errors.js';

/** OpenSSH's StrictHostKeyChecking; `ask` cannot ask here (no terminal), so it refuses unknown hosts like `yes`. */
export type StrictHostKeyChecking = 'yes' | 'ask' | 'accept-new' | 'no';

export interface SshOptions {
  /** -p / -o Port; undefined: 22 (or the port of a `host:port`-less line). */
  readonly port: number | undefined;
  /** -l / -o User; undefined: the user of a `user@host` line, else the current user. */
  readonly user: string | undefined;
  /** -i / -o IdentityFile, in order, `~` expanded. Empty: the default key files. */
  readonly identityFiles: readonly string[];
  /** -o IdentitiesOnly=yes: offer only the identity files, not ssh-agent's keys. */
  readonly identitiesOnly: boolean;
  readonly strictHostKeyChecking: StrictHostKeyChecking;
  /** -o UserKnownHostsFile (several, space-separated, allowed); undefined: ~/.ssh/known_hosts and known_hosts2. */
  readonly userKnownHostsFiles: readonly string[] | undefined;
  /** -o GlobalKnownHostsFile; undefined: /etc/ssh/ssh_known_hosts and ssh_known_hosts2. */
  readonly globalKnownHostsFiles: readonly string[] | undefined;
  /** -o ConnectTimeout in ms; undefined: {@link DEFAULT_CONNECT_TIMEOUT_MS}. */
  readonly connectTimeoutMs: number | undefined;
  /** -o ServerAliveInterval in ms (0: off) and ServerAliveCountMax. */
  readonly serverAliveIntervalMs: number;
  readonly serverAliveCountMax: number;
  /** -4 / -6 / -o AddressFamily. */
  readonly family: 4 | 6 | undefined;
}

/**
 * OpenSSH waits for the operating system's TCP timeout (minutes) unless ConnectTimeout is set; a cluster start
 * should not hang that long on one dead host.
 */
export const DEFAULT_CONNECT_TIMEOUT_MS = 20_000;

const UNDERSTOOD =
  'flink-ts understands -p PORT, -i FILE, -l USER, -4, -6, the no-op flags -n -T -x -q, and -o with Port, User, IdentityFile, ' +
  'IdentitiesOnly, StrictHostKeyChecking, UserKnownHostsFile, GlobalKnownHostsFile, ConnectTimeout, BatchMode, ' +
  'ServerAliveInterval, ServerAliveCountMax, AddressFamily, PasswordAuthentication, LogLevel';

/** Splits like a shell does (quotes and backslashes), a superset of the plain word splitting Flink's scripts do. */
export function splitShellWords(text: string, source: string): string[] {
  const words: string[] = [];
  let cur = '';
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (c === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) throw new SshOptionsError(`${source}: unmatched ' in '${text}'.`);
      cur += text.slice(i + 1, end);
      i = end;
      inWord = true;
    } else if (c === '"') {
      let j = i + 1;
      for (; j < text.length && text[j] !== '"'; j++) {
        if (text[j] === '\\' && j + 1 < text.length && '"\\$`'.includes(text[j + 1] as string)) j++;
        cur += text[j];
      }
      if (j >= text.length) throw new SshOptionsError(`${source}: unmatched " in '${text}'.`);
      i = j;
      inWord = true;
    } else if (c === '\\' && i + 1 < text.length) {
      cur += text[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (inWord) words.push(cur);
  return words;
}

function expandHome(path: string, home: string): string {
  if (path === '~') return home;
  if (path.startsWith('~/')) return join(home, path.slice(2));
  return path;
}

function yesNo(source: string, key: string, value: string): boolean {
  const v = value.toLowerCase();
  if (v === 'yes' || v === 'true') return true;
  if (v === 'no' || v === 'false') return false;
  throw new SshOptionsError(`${source}: -o ${key}=${value}: the value must be yes or no.`);
}

function wholeNumber(source: string, what: string, value: string, min: number, max: number): number {
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new SshOptionsError(`${source}: ${what} must be a whole number from ${min} to ${max}, not '${value}'.`);
  }
  return Number(value);
}

type Mutable = { -readonly [K in keyof SshOptions]: SshOptions[K] };

/**
 * Reads an `env.ssh.opts` / `FLINK_SSH_OPTS` string. `source` names where it came from in error messages.
 * Throws {@link SshOptionsError} for anything it cannot honour.
 */
export function parseSshOptions(text: string | undefined, source = 'env.ssh.opts', home = homedir()): SshOptions {
  const o: Mutable = {
    port: undefined,
    user: undefined,
    identityFiles: [],
    identitiesOnly: false,
    strictHostKeyChecking: 'ask',
    userKnownHostsFiles: undefined,
    globalKnownHostsFiles: undefined,
    connectTimeoutMs: undefined,
    serverAliveIntervalMs: 0,
    serverAliveCountMax: 3,
    family: undefined,
  };
  const identityFiles: string[] = [];
  const words = splitShellWords(text ?? '', source);
  for (let i = 0; i < words.length; i++) {
    const word = words[i] as string;
    if (!word.startsWith('-') || word.length < 2) {
      throw new SshOptionsError(`${source}: '${word}' is not an ssh option (host names belong in conf/masters and conf/workers). ${UNDERSTOOD}.`);
    }
    const flag = word.slice(0, 2);
    // Options with a value take it attached (-p22) or as the next word (-p 22).
    const value = (): string => {
      if (word.length > 2) return word.slice(2);
      const next = words[++i];
      if (next === undefined) throw new SshOptionsError(`${source}: ${flag} needs a value.`);
      return next;
    };
    switch (flag) {
      case '-p':
        o.port = wholeNumber(source, '-p', value(), 1, 65535);
        break;
      case '-l':
        o.user = value();
        break;
      case '-i':
        identityFiles.push(expandHome(value(), home));
        break;
      case '-o':
        applyOption(o, identityFiles, value(), source, home);
        break;
      case '-4':
      case '-6':
        if (word.length > 2) throw unknownFlag(source, word);
        o.family = flag === '-4' ? 4 : 6;
        break;
      case '-n':
      case '-T':
      case '-x':
      case '-q':
        // Already how the client works: no stdin, no terminal, no X11, and it prints nothing of its own.
        if (!/^-[nTxq]+$/.test(word)) throw unknownFlag(source, word);
        break;
      default:
        throw unknownFlag(source, word);
    }
  }
  o.identityFiles = identityFiles;
  return Object.freeze(o);
}

function unknownFlag(source: string, word: string): SshOptionsError {
  return new SshOptionsError(`${source}: the ssh option '${word}' is not supported by flink-ts' SSH client; remove it. ${UNDERSTOOD}.`);
}

function applyOption(o: Mutable, identityFiles: string[], text: string, source: string, home: string): void {
  const m = /^\s*([A-Za-z0-9]+)\s*(?:=\s*|\s+)(.*?)\s*$/.exec(text);
  if (!m) throw new SshOptionsError(`${source}: -o '${text}' is not of the form Key=Value.`);
  const key = m[1] as string;
  const raw = m[2] as string;
  const val = raw.replace(/^"(.*)"$/, '$1');
  switch (key.toLowerCase()) {
    case 'port':
      o.port = wholeNumber(source, `-o ${key}`, val, 1, 65535);
      return;
    case 'user':
      o.user = val;
      return;
    case 'identityfile':
      identityFiles.push(expandHome(val, home));
      return;
    case 'identitiesonly':
      o.identitiesOnly = yesNo(source, key, val);
      return;
    case 'stricthostkeychecking': {
      const v = val.toLowerCase();
      if (v === 'yes' || v === 'true') o.strictHostKeyChecking = 'yes';
      else if (v === 'ask') o.strictHostKeyChecking = 'ask';
      else if (v === 'accept-new') o.strictHostKeyChecking = 'accept-new';
      else if (v === 'no' || v === 'off' || v === 'false') o.strictHostKeyChecking = 'no';
      else throw new SshOptionsError(`${source}: -o ${key}=${val}: the value must be yes, accept-new, no, off or ask.`);
      return;
    }
    case 'userknownhostsfile':
      o.userKnownHostsFiles = splitShellWords(val, source).map((f) => expandHome(f, home));
      return;
    case 'globalknownhostsfile':
      o.globalKnownHostsFiles = splitShellWords(val, source).map((f) => expandHome(f, home));
      return;
    case 'connecttimeout':
      o.connectTimeoutMs = wholeNumber(source, `-o ${key}`, val, 1, 86_400) * 1000;
      return;
    case 'batchmode':
      // Never prompting is the only mode a cluster start has; yes and no are both accepted.
      yesNo(source, key, val);
      return;
    case 'passwordauthentication':
      // Passwords are never asked for (there is no terminal), whatever the value.
      yesNo(source, key, val);
      return;
    case 'serveraliveinterval':
      o.serverAliveIntervalMs = wholeNumber(source, `-o ${key}`, val, 0, 86_400) * 1000;
      return;
    case 'serveralivecountmax':
      o.serverAliveCountMax = wholeNumber(source, `-o ${key}`, val, 1, 1000);
      return;
    case 'addressfamily': {
      const v = val.toLowerCase();
      if (v === 'inet') o.family = 4;
      else if (v === 'inet6') o.family = 6;
      else if (v === 'any') o.family = undefined;
      else throw new SshOptionsError(`${source}: -o ${key}=${val}: the value must be any, inet or inet6.`);
      return;
    }
    case 'loglevel':
      // The client logs nothing of its own; every failure is one line on stderr.
      return;
    default:
      throw new SshOptionsError(`${source}: the ssh option '-o ${key}' is not supported by flink-ts' SSH client; remove it. ${UNDERSTOOD}.`);
  }
}
