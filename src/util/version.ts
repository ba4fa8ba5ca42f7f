/** The product version (from package.json) and the git revision it was built from, when known. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string };
      if (pkg.name === 'flink-ts') return dir;
    } catch {
      // keep looking upward
    }
    dir = dirname(dir);
  }
  return process.env.FLINK_HOME ?? process.cwd();
}

function readVersion(): string {
  try {
    return (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

function readRevision(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: packageRoot(), stdio: ['ignore', 'pipe', 'ignore'], timeout: 2000 }).toString().trim() || 'DeadD0d0';
  } catch {
    return 'DeadD0d0';
  }
}

export const FLINK_TS_VERSION = readVersion();
export const FLINK_TS_REVISION = readRevision();
