/**
 * `node dist/src/jobmanager/entrypoint.js --configDir <dir> [--host <h>] [--webui-port <p>]`: the
 * JobManager daemon that `bin/jobmanager.sh` starts.
 */
import { loadConfiguration } from '../config/index.js';
import { programPlannerFor } from '../client/plan-worker.js';
import { JobManagerProcess } from './jobmanager-process.js';
import { getLogger } from '../util/logger.js';
import { runDaemon } from '../util/daemon.js';

const log = getLogger('org.apache.flink.runtime.entrypoint.ClusterEntrypoint');

await runDaemon('StandaloneSessionClusterEntrypoint', log, async (args) => {
  const conf = loadConfiguration({ ...(args.configDir ? { confDir: args.configDir } : {}), dynamicProperties: args.dynamic });
  // Keys of a Flink configuration that do nothing here: said once, in this daemon's log.
  for (const warning of conf.warnings()) log.warn(warning);
  const jm = new JobManagerProcess({
    config: conf,
    ...(args.host ? { host: args.host } : {}),
    ...(args['webui-port'] ? { restPort: args['webui-port'] } : {}),
    onShutdownRequest: () => process.kill(process.pid, 'SIGTERM'),
    // Set by bin/flink-daemon.sh (not for start-foreground): the log and .out files the REST API serves.
    ...(process.env['FLINK_LOG_FILE'] ? { logFile: process.env['FLINK_LOG_FILE'] } : {}),
    // Programs uploaded through REST are planned here, in a worker thread (Flink runs main() on the JobManager too).
    planner: programPlannerFor(conf),
  });
  await jm.start();
  return () => jm.close();
});
