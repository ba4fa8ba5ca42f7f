/** Process checks shared by tests and benchmarks. */
import { readFileSync } from 'node:fs';

/** Whether a process runs. A dead one not yet reaped still answers kill(pid, 0); /proc tells, where there is one. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/s.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}
