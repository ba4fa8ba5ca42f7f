/**
 * Where the CLI runs: the configuration with `-D` overrides, and the version and commit `bin/flink -v` reports.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import type { Configuration } from '../config/index.js';
import { ignoredKeyWarning, loadConfiguration, parseDynamicProperty } from '../config/index.js';

export { flinkHome } from '../config/index.js';

/**
 * Loads flink-conf.yaml from FLINK_CONF_DIR (default `<FLINK_HOME>/conf`) with the CLI's `-D key=value` and
 * option-derived overrides on top; later `-D`s win. A `-D` with a key of Apache Flink that flink-ts does not use
 * is passed to `warn` (one line each); such keys in the file are the cluster scripts' to report, not every command's.
 */
export function loadCliConfiguration(
  dynamicProperties: readonly string[],
  derived: Readonly<Record<string, string>> = {},
  warn: (line: string) => void = () => {},
): Configuration {
  const overrides: Record<string, string> = { ...derived };
  for (const property of dynamicProperties) {
    const [key, value] = parseDynamicProperty(property);
    overrides[key] = value;
  }
  const conf = loadConfiguration({ dynamicProperties: overrides });
  for (const ignored of conf.ignoredFlinkKeys) {
    if (ignored.origin.kind === 'dynamic') warn(`Warning: ${ignoredKeyWarning(ignored)}`);
  }
  return conf;
}

export interface VersionInfo {
  version: string;
  /** The short git commit of the installation, or 'unknown'. */
  commitId: string;
}

export function versionInfo(home: string): VersionInfo {
  let version = 'unknown';
  try {
    const pkg = JSON.parse(readFileSync(join(home, 'package.json'), 'utf8')) as { version?: unknown };
    if (typeof pkg.version === 'string') version = pkg.version;
  } catch {
    // No package.json next to the installation: report what we know.
  }
  return { version, commitId: gitCommit(home) ?? 'unknown' };
}

/** Reads the commit from `.git` directly; spawning git for `-v` would be slow and git may be missing. */
function gitCommit(home: string): string | undefined {
  try {
    let gitDir = join(home, '.git');
    if (statSync(gitDir).isFile()) {
      const m = /^gitdir:\s*(.+)$/m.exec(readFileSync(gitDir, 'utf8'));
      if (!m) return undefined;
      gitDir = isAbsolute(m[1] as string) ? (m[1] as string) : join(home, m[1] as string);
    }
    const head = readFileSync(join(gitDir, 'HEAD'), 'utf8').trim();
    const ref = /^ref:\s*(.+)$/.exec(head)?.[1];
    const sha = ref === undefined ? head : resolveRef(gitDir, ref);
    return sha !== undefined && /^[0-9a-f]{40}$/.test(sha) ? sha.slice(0, 7) : undefined;
  } catch {
    return undefined;
  }
}

function resolveRef(gitDir: string, ref: string): string | undefined {
  const loose = join(gitDir, ref);
  if (existsSync(loose)) return readFileSync(loose, 'utf8').trim();
  const packed = join(gitDir, 'packed-refs');
  if (!existsSync(packed)) return undefined;
  for (const line of readFileSync(packed, 'utf8').split('\n')) {
    const [sha, name] = line.trim().split(' ');
    if (name === ref) return sha;
  }
  return undefined;
}
