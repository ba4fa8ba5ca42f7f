/**
 * conf/masters and conf/workers (conf/slaves before Flink 1.11), read as Flink's scripts read them: one host a
 * line, `#` starts a comment, blanks and spaces are dropped, a network topology path before the host
 * (`/rack1/host1`) is ignored. Lines may name the login as well, `user@host`, as ssh accepts it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HostsFileError } from './errors.js';

export interface HostEntry {
  /** The host name or address, without user, brackets or port. */
  readonly host: string;
  /** The login of a `user@host` line. */
  readonly user: string | undefined;
  /** The web UI port of a conf/masters `host:port` line. */
  readonly webUiPort: number | undefined;
}

/** The host lines of a hosts file's text: comments, blanks, spaces and topology paths removed. */
export function hostLines(text: string): string[] {
  const out: string[] = [];
  for (const raw of text.split('\n')) {
    let line = raw.replace(/#[\s\S]*$/, '').replace(/[ \t\r]/g, '');
    const slash = line.lastIndexOf('/');
    if (slash >= 0) line = line.slice(slash + 1);
    if (line !== '') out.push(line);
  }
  return out;
}

function splitUser(entry: string, file: string): { user: string | undefined; rest: string } {
  const at = entry.lastIndexOf('@');
  if (at < 0) return { user: undefined, rest: entry };
  const user = entry.slice(0, at);
  const rest = entry.slice(at + 1);
  if (user === '' || rest === '') throw new HostsFileError(`${file}: '${entry}' is not a host; write host or user@host.`);
  return { user, rest };
}

function webUiPort(text: string, entry: string, file: string): number | undefined {
  if (text === '') return undefined;
  if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > 65535) {
    throw new HostsFileError(`${file}: '${entry}' has the web UI port '${text}'; write host or host:port with a port from 1 to 65535.`);
  }
  return Number(text);
}

/** One conf/masters entry: `host`, `host:port`, `[v6]:port`, a bare IPv6 address, each optionally `user@`. */
export function parseMasterEntry(entry: string, file = 'conf/masters'): HostEntry {
  const { user, rest } = splitUser(entry, file);
  const bracketed = /^\[(.*)\](?::(.*))?$/.exec(rest);
  if (bracketed) return { host: bracketed[1] as string, user, webUiPort: webUiPort(bracketed[2] ?? '', entry, file) };
  // Two colons or more: an IPv6 address, which needs brackets to carry a port.
  if (/:.*:/.test(rest)) return { host: rest, user, webUiPort: undefined };
  const colon = rest.indexOf(':');
  if (colon < 0) return { host: rest, user, webUiPort: undefined };
  return { host: rest.slice(0, colon), user, webUiPort: webUiPort(rest.slice(colon + 1), entry, file) };
}

/** One conf/workers entry: `host` or `user@host`. */
export function parseWorkerEntry(entry: string, file = 'conf/workers'): HostEntry {
  const { user, rest } = splitUser(entry, file);
  return { host: rest.replace(/^\[(.*)\]$/, '$1'), user, webUiPort: undefined };
}

/** The JobManager hosts of `<confDir>/masters`; a missing file stops with Flink's message. */
export function readMasters(confDir: string): HostEntry[] {
  const file = join(confDir, 'masters');
  if (!existsSync(file)) throw new HostsFileError("No masters file. Please specify masters in 'conf/masters'.");
  return hostLines(readFileSync(file, 'utf8')).map((e) => parseMasterEntry(e, file));
}

/**
 * The TaskManager hosts, one entry per line (a host listed twice gets two TaskManagers): conf/workers, or
 * conf/slaves when there is no conf/workers. Both files with different hosts is a mistake this does not guess
 * about, unless `forStop`: stopping takes the hosts of both files, so nothing started from either keeps running.
 */
export function readWorkers(confDir: string, forStop = false): HostEntry[] {
  const workers = join(confDir, 'workers');
  const slaves = join(confDir, 'slaves');
  const lines = (f: string): string[] => hostLines(readFileSync(f, 'utf8'));
  let files = [workers];
  if (existsSync(slaves)) {
    if (!existsSync(workers)) {
      files = [slaves];
    } else if ([...lines(workers)].sort().join('\n') !== [...lines(slaves)].sort().join('\n')) {
      if (!forStop) {
        throw new HostsFileError(
          `Both ${workers} and ${slaves} list TaskManager hosts, and the lists differ. conf/slaves is the name Flink used ` +
            'before 1.11; keep the hosts you want in conf/workers and delete conf/slaves.',
        );
      }
      files = [workers, slaves];
    }
  }
  if (!existsSync(files[0] as string)) throw new HostsFileError("No workers file. Please specify workers in 'conf/workers'.");
  return files.flatMap((f) => lines(f).map((e) => parseWorkerEntry(e, f)));
}
