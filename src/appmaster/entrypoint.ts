/**
 * `node flink-ts/dist/src/appmaster/entrypoint.js`: the ApplicationMaster process YARN starts in the first
 * container of a flink-ts application (see src/yarn/client/container-layout.ts for what the container holds).
 * It loads the staged flink-conf.yaml, runs the JobManager on the container's host with TaskManagers in YARN
 * containers, and ends the application with its final status. A start that fails still unregisters, FAILED with
 * the reason, so `yarn application -status` and the client show what to fix instead of an exit code.
 */
import { CoreOptions, ExecutionOptions, HighAvailabilityOptions, loadConfiguration, PipelineOptions, RestOptions, savepointRestoreSettings, TaskManagerOptions, YarnConfigOptions, type Configuration } from '../config/index.js';
import { programPlannerFor, runInWorker, type PlannedJob, type RunJobOutcome } from '../client/plan-worker.js';
import { JobManagerProcess } from '../jobmanager/jobmanager-process.js';
import { getLogger } from '../util/logger.js';
import { ApplicationMasterClient, readTokenFile } from '../yarn/index.js';
import { CLUSTER_ENV, containerOf, decodeEnvJson, readApplicationMasterEnvironment, removeStagingDirectory, shellCommand, type ApplicationMasterEnvironment, type StagedJob, type StagedProgram } from '../yarn/client/index.js';
import { ApplicationMaster, applicationJobId, type ClusterMode } from './application-master.js';
import { yarnContainerEnvironment, type YarnContainerEnvironment } from './yarn-container-environment.js';
import { YarnResourceDriver } from './yarn-resource-driver.js';
import { launchResources, YarnScheduler, type YarnContainer } from './yarn-scheduler.js';

const log = getLogger('org.apache.flink.yarn.entrypoint.YarnClusterEntrypoint');

async function main(): Promise<number> {
  const container = yarnContainerEnvironment();
  const submission = readApplicationMasterEnvironment();
  const mode = (process.env[CLUSTER_ENV.MODE] ?? 'session') as ClusterMode;
  const credentials = await readTokenFile(container.tokenFile);
  const am = await ApplicationMasterClient.fromTokenFile(submission.schedulerAddress, container.tokenFile === undefined ? {} : { tokenFile: container.tokenFile });
  log.info(`ApplicationMaster of ${container.applicationId}, attempt ${container.attempt}, on ${container.host} (${mode} cluster).`);

  let conf: Configuration;
  let overrides: Record<string, string>;
  try {
    ({ conf, overrides } = clusterConfiguration(container));
  } catch (err) {
    // Not even a JobManager: still tell YARN (and so the client) why.
    await am.registerApplicationMaster({ host: container.host, rpcPort: 0, trackingUrl: '' });
    await am.finishApplicationMaster({ finalApplicationStatus: 'APP_FAILED', diagnostics: `The ApplicationMaster could not start: ${(err as Error).message}` });
    await am.close();
    throw err;
  }

  const tm = containerOf(conf, 'taskmanager');
  let jm: JobManagerProcess | undefined;
  const scheduler = new YarnScheduler(am, credentials, (c) => taskManagerLaunch(c, submission, tm.heapMb, overrides, jm));
  const master: { current?: ApplicationMaster } = {};
  const driver = new YarnResourceDriver<YarnContainer>({
    allocator: scheduler,
    launcher: scheduler,
    slotsPerTaskManager: conf.get(TaskManagerOptions.NUM_TASK_SLOTS),
    resource: { memoryMb: tm.memoryMb, vcores: tm.vcores },
    heartbeatMs: conf.get(YarnConfigOptions.HEARTBEAT_INTERVAL) * 1000,
    fastHeartbeatMs: conf.get(YarnConfigOptions.CONTAINER_REQUEST_HEARTBEAT_INTERVAL),
    ...(conf.getOptional(YarnConfigOptions.MAX_FAILED_CONTAINERS) === undefined ? {} : { maxFailedContainers: conf.get(YarnConfigOptions.MAX_FAILED_CONTAINERS) as number }),
    onFatal: (err) => master.current?.fail(err),
  });
  const job = mode === 'per-job' ? decodeEnvJson<StagedJob>(process.env[CLUSTER_ENV.JOB] ?? '') : undefined;
  const program = mode === 'application' ? decodeEnvJson<StagedProgram>(process.env[CLUSTER_ENV.PROGRAM] ?? '') : undefined;
  const application = new ApplicationMaster({
    mode,
    config: conf,
    host: container.host,
    createJobManager: ({ onShutdownRequest }) => {
      jm = new JobManagerProcess({
        config: conf,
        host: container.host,
        restPort: conf.getOptional(RestOptions.BIND_PORT) ?? '0',
        rpcPort: 0,
        resourceDriver: driver,
        onShutdownRequest,
        // <LOG_DIR>/jobmanager.log (client/yarn-deployment.ts), stdout in jobmanager.out next to it.
        ...(process.env['FLINK_LOG_FILE'] ? { logFile: process.env['FLINK_LOG_FILE'] } : {}),
        planner: programPlannerFor(conf),
      });
      return jm;
    },
    registration: {
      register: async (r) => {
        await scheduler.register(r);
        driver.start();
      },
      finish: async (status, diagnostics, trackingUrl) => {
        await driver.close();
        await scheduler.finish(status, diagnostics, trackingUrl);
      },
    },
    ...(job ? { job: { graphPath: job.graph, bundlePath: job.bundle, bundleName: job.bundle, detached: job.detached } } : {}),
    ...(program ? { program: { jobId: applicationJobId(container.applicationId), run: (runJob) => runProgram(conf, program, applicationJobId(container.applicationId), runJob) } } : {}),
    removeStagingDirectory: async () => {
      await removeStagingDirectory(submission.stagingDir, { webHdfs: submission.webHdfs, user: submission.user });
    },
  });
  master.current = application;
  // YARN kills the application (yarn application -kill): stop, without unregistering (the RM has decided).
  const onSignal = (signal: string): void => {
    log.info(`RECEIVED SIGNAL ${signal}: stopping the ApplicationMaster.`);
    void Promise.allSettled([application.close(), driver.close(), scheduler.close()]).finally(() => process.exit(0));
  };
  process.once('SIGTERM', () => onSignal('SIGTERM'));
  process.once('SIGINT', () => onSignal('SIGINT'));
  try {
    const outcome = await application.run();
    return outcome.status === 'SUCCEEDED' ? 0 : 1;
  } finally {
    await driver.close();
    await scheduler.close();
  }
}

/**
 * Application mode: the staged bundle run in a worker thread (as `/jars/:id/run` plans programs), with what
 * run-application was given: arguments, -p, -D (under the program's own settings) and -s.
 */
function runProgram(conf: Configuration, program: StagedProgram, jobId: string, runJob: (job: PlannedJob) => Promise<RunJobOutcome>): Promise<number> {
  return runInWorker({
    programPath: program.bundle,
    bundled: { programName: program.programName },
    args: program.args,
    defaultParallelism: program.parallelism ?? conf.get(CoreOptions.DEFAULT_PARALLELISM),
    bufferTimeout: conf.get(ExecutionOptions.BUFFER_TIMEOUT),
    autoWatermarkInterval: conf.get(PipelineOptions.AUTO_WATERMARK_INTERVAL),
    jobId,
    ...(program.jobConfiguration ? { defaultJobConfiguration: program.jobConfiguration } : {}),
    ...(program.savepoint ? { jobConfiguration: savepointRestoreSettings(program.savepoint.path, program.savepoint.allowNonRestoredState) } : {}),
  }, runJob);
}

/**
 * The staged flink-conf.yaml with what only the container knows: the JobManager's host and free ports, the
 * container's local directories, and (under ZooKeeper HA without a cluster id of the user's) the application id
 * as cluster id, as Flink does. TaskManagers get the same overrides.
 */
function clusterConfiguration(container: YarnContainerEnvironment): { conf: Configuration; overrides: Record<string, string> } {
  const base = loadConfiguration({ confDir: container.workingDir });
  const overrides: Record<string, string> = {
    'jobmanager.rpc.address': container.host,
    'rest.address': container.host,
  };
  if (container.localDirs.length > 0 && base.getOptional(CoreOptions.TMP_DIRS) === undefined) overrides['io.tmp.dirs'] = container.localDirs.join(',');
  if (base.get(HighAvailabilityOptions.HA_MODE) === 'ZOOKEEPER' && !base.toMap()['high-availability.cluster-id']) {
    overrides['high-availability.cluster-id'] = container.applicationId;
  }
  const conf = loadConfiguration({ confDir: container.workingDir, dynamicProperties: overrides });
  for (const warning of conf.warnings()) log.warn(warning);
  return { conf, overrides };
}

/** How a TaskManager container starts: the shipped node on the shipped platform, registering at this JobManager. */
function taskManagerLaunch(
  c: YarnContainer,
  submission: ApplicationMasterEnvironment,
  heapMb: number,
  overrides: Record<string, string>,
  jm: JobManagerProcess | undefined,
) {
  const properties: Record<string, string> = {
    ...overrides,
    'jobmanager.rpc.port': String(jm?.rpcPort ?? 0),
    'taskmanager.resource-id': c.id,
    'io.tmp.dirs': '{{PWD}}',
  };
  delete properties['rest.address'];
  const words = [
    'FLINK_LOG_FILE=<LOG_DIR>/taskmanager.log',
    submission.layout.node,
    `--max-old-space-size=${heapMb}`,
    `${submission.layout.platformDir}/dist/src/taskmanager/entrypoint.js`,
    '--configDir',
    '.',
    ...Object.entries(properties).flatMap(([k, v]) => ['-D', `${k}=${v}`]),
  ];
  return {
    localResources: launchResources(submission.localResources),
    environment: [
      { key: 'HADOOP_USER_NAME', value: submission.user ?? '' },
      // The client's Hadoop configuration files, linked into every container (see client/yarn-deployment.ts).
      ...('core-site.xml' in submission.localResources ? [{ key: 'HADOOP_CONF_DIR', value: '$PWD' }] : []),
    ],
    command: [`${shellCommand(words)} 1><LOG_DIR>/taskmanager.out 2><LOG_DIR>/taskmanager.err`],
  };
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    log.error(`The ApplicationMaster failed: ${(err as Error).message}`, err);
    process.exit(1);
  },
);
