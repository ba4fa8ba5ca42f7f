/** `node dist/src/taskmanager/entrypoint.js --configDir <dir>`: the TaskManager daemon. */
import { daemonHeap, describeHeapSetting, loadConfiguration } from '../config/index.js';
import { createTaskExecutor } from './index.js';
import { TerminationWatchdog } from './termination-watchdog.js';
import { getLogger } from '../util/logger.js';
import { runDaemon } from '../util/daemon.js';

const log = getLogger('org.apache.flink.runtime.taskexecutor.TaskManagerRunner');

await runDaemon('TaskManagerRunner', log, async (args) => {
  const conf = loadConfiguration({ ...(args.configDir ? { confDir: args.configDir } : {}), dynamicProperties: args.dynamic });
  // Keys of a Flink configuration that do nothing here: said once, in this daemon's log.
  for (const warning of conf.warnings()) log.warn(warning);
  // bin/flink-daemon.sh sends the output to <log file without .log>.out; that is where V8 reports a full heap.
  const logFile = process.env['FLINK_LOG_FILE'];
  const watchdog =
    logFile === undefined || !logFile.endsWith('.log')
      ? undefined
      : TerminationWatchdog.start({ outFile: `${logFile.slice(0, -'.log'.length)}.out`, heapSetting: describeHeapSetting(daemonHeap(conf, 'taskmanager')) });
  /**
   * process.exit() waits for every worker thread to end; with a task thread stuck in its teardown it would wait
   * forever, so such a process ends the way Flink's fatal errors halt the JVM: at once (SIGKILL).
   */
  const exit = (code: number): void => {
    if (te.hasStuckThreads) {
      log.error('A task thread cannot be ended: this TaskManager stops at once (SIGKILL).');
      process.kill(process.pid, 'SIGKILL');
    }
    process.exit(code);
  };
  const te = createTaskExecutor(conf, {
    ...(logFile !== undefined && logFile !== '' ? { logFile } : {}),
    ...(watchdog ? { reportsTermination: true, onRegistered: (jm, tmId) => watchdog.announce(jm, tmId) } : {}),
    onFatal: (err) => {
      log.error(`Fatal error: ${err.message}`);
      watchdog?.close();
      exit(1);
    },
  });
  await te.start();
  return async () => {
    watchdog?.close();
    await te.close();
    if (te.hasStuckThreads) exit(0);
  };
});
