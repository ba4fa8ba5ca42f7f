/**
 * Tells the JobManager how a TaskManager process ended when it could not say so itself: V8 aborts a process
 * whose main heap is full without running any JavaScript, so only its `.out` file knows ("FATAL ERROR: ...
 * JavaScript heap out of memory"). The JobManager would otherwise only see a closed connection.
 *
 * The watchdog is a `/bin/sh` child (about 1 MiB; not a second Node.js process) that blocks reading a pipe from
 * this process. Each registration writes the JobManager's address to it. When this process ends, the pipe
 * closes: if the last line was not "stop", the shell starts termination-reporter.js, which reads the end of the
 * `.out` file and sends it to the JobManager. A clean shutdown writes "stop" first.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { getLogger } from '../util/logger.js';

const log = getLogger('org.apache.flink.runtime.taskexecutor.TerminationWatchdog');
const REPORTER = new URL('./termination-reporter.js', import.meta.url);

// $1 node, $2 reporter, $3 .out file, $4 heap setting; the last line read adds: host port tmId.
const SCRIPT = `
last=""
while IFS= read -r line; do
  case "$line" in
    stop) exit 0 ;;
    *) last="$line" ;;
  esac
done
[ -n "$last" ] || exit 0
exec "$1" "$2" "$3" "$4" $last
`;

export interface TerminationWatchdogOptions {
  /** The daemon's `.out` file, where V8 writes its fatal errors. */
  outFile: string;
  /** The heap setting in effect, e.g. "taskmanager.heap.size: 1gb". */
  heapSetting: string;
}

export class TerminationWatchdog {
  private child: ChildProcess | undefined;
  private closed = false;

  private constructor(child: ChildProcess) {
    this.child = child;
  }

  /**
   * Starts the watchdog, or returns undefined where it cannot work: no `.out` file (a foreground daemon writes
   * to the terminal) or no /bin/sh.
   */
  static start(o: TerminationWatchdogOptions): TerminationWatchdog | undefined {
    if (!existsSync(o.outFile) || !existsSync('/bin/sh')) return undefined;
    const child = spawn('/bin/sh', ['-c', SCRIPT, 'flink-ts-watchdog', process.execPath, fileURLToPath(REPORTER), o.outFile, o.heapSetting], {
      // Its own process group: a signal to this daemon's group must not take the watchdog with it.
      detached: true,
      stdio: ['pipe', 'ignore', 'ignore'],
    });
    child.on('error', (err) => log.warn(`The termination watchdog could not start: ${err.message}`));
    // Writes to a watchdog that died fail with EPIPE; that must not take the TaskManager down.
    child.stdin?.on('error', () => {});
    // Neither the child nor the pipe may keep this process alive.
    child.unref();
    (child.stdin as (NodeJS.WritableStream & { unref?: () => void }) | null)?.unref?.();
    return new TerminationWatchdog(child);
  }

  /** Where the report goes if this process dies from now on. */
  announce(jobManager: { host: string; port: number }, tmId: string): void {
    if (this.closed) return;
    this.child?.stdin?.write(`${jobManager.host} ${jobManager.port} ${tmId}\n`);
  }

  /** A clean shutdown: the watchdog exits without a report. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.child?.stdin?.end('stop\n');
    this.child = undefined;
  }
}
