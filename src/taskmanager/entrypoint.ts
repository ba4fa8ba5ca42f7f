/** `node dist/src/taskmanager/entrypoint.js --configDir <dir>`: the TaskManager daemon. */
import { loadConfiguration } from '../config/index.js';
import { createTaskExecutor } from './index.js';
import { getLogger } from '../util/logger.js';
import { runDaemon } from '../util/daemon.js';

const log = getLogger('org.apache.flink.runtime.taskexecutor.TaskManagerRunner');

await runDaemon('TaskManagerRunner', log, async (args) => {
  const conf = loadConfiguration({ ...(args.configDir ? { confDir: args.configDir } : {}), dynamicProperties: args.dynamic });
  // Keys of a Flink configuration that do nothing here: said once, in this daemon's log.
  for (const warning of conf.warnings()) log.warn(warning);
  const te = createTaskExecutor(conf, {
    onFatal: (err) => {
      log.error(`Fatal error: ${err.message}`);
      process.exit(1);
    },
  });
  await te.start();
  return () => te.close();
});
