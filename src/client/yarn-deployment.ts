/**
 * Deploying a flink-ts cluster on YARN from the client: the effective configuration, bundle and job graph staged
 * in HDFS, the ApplicationMaster's container asked for, and the application followed until its JobManager
 * registered — whose REST address (host and port in the application report) clients then use. Per-job
 * (yarn-job-executor.ts), session (yarn-session-cli.ts) and application clusters (yarn-application.ts) are
 * deployed the same way.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { restScheme, restSslClientOptions, RestOptions, YarnConfigOptions, type Configuration } from '../config/index.js';
import { FlinkError } from '../util/errors.js';
import {
  CLUSTER_ENV,
  containerOf,
  encodeEnvJson,
  followApplication,
  killApplication,
  resolveStagingRoot,
  ResourceManagerRestClient,
  submitApplication,
  sweepEndedStagingDirectories,
  type ApplicationReport,
  type StagedFile,
  type StagedJob,
  type StagedProgram,
  type SubmittedApplication,
} from '../yarn/client/index.js';
import { RestClient } from './rest-client.js';
import { restFetch } from './rest-transport.js';

const JOB_GRAPH_FILE = 'job-graph.json';
const HADOOP_CONF_FILES = ['core-site.xml', 'hdfs-site.xml'];
/** How long a started ApplicationMaster container may take to run the JobManager and register. */
const REGISTRATION_WAIT_MS = 180_000;

/** The YARN application ended (or failed) where a running cluster was expected. */
export class YarnApplicationEndedError extends FlinkError {
  constructor(appId: string, report: ApplicationReport, what = "before the job's result was known") {
    super(
      'YARN_APPLICATION_ENDED',
      `The YARN application ${appId} ended ${report.state}/${report.finalStatus} ${what}. YARN says: ` +
        `${report.diagnostics.trim() || '(no diagnostics)'}. Its logs: yarn logs -applicationId ${appId}` +
        (report.amContainerLogs ? ` (or ${report.amContainerLogs})` : ''),
    );
  }
}

export interface YarnClusterDeployment {
  app: SubmittedApplication;
  /** host:port of the JobManager's REST endpoint. */
  address: string;
  client: RestClient;
}

/**
 * Deploys a per-job cluster (with `job`) or a session cluster, and waits until its JobManager registered.
 * A deployment that fails on the way is killed and its staging directory removed.
 */
export async function deployYarnCluster(
  conf: Configuration,
  rm: ResourceManagerRestClient,
  o: {
    print: (line: string) => void;
    defaultName: string;
    job?: { graph: { jobId: string }; bundle: { fileName: string; data: Uint8Array }; detached: boolean };
    /** Application mode: the program the ApplicationMaster runs itself, and its bundle. */
    program?: { staged: Omit<StagedProgram, 'bundle'>; bundle: { fileName: string; data: Uint8Array } };
  },
): Promise<YarnClusterDeployment> {
  const jm = containerOf(conf, 'jobmanager');
  const tm = containerOf(conf, 'taskmanager');
  const job = o.job;
  const program = o.program;
  const bundle = job?.bundle ?? program?.bundle;
  await sweepLeftovers(conf, rm, o.print);
  const app = await submitApplication({
    conf,
    appName: conf.getOptional(YarnConfigOptions.APPLICATION_NAME) ?? o.defaultName,
    rm,
    amResource: { memoryMb: jm.memoryMb, vCores: jm.vcores },
    otherContainers: [{ what: 'TaskManager container', resource: { memoryMb: tm.memoryMb, vCores: tm.vcores } }],
    amCommand: (l) => ['FLINK_LOG_FILE=<LOG_DIR>/jobmanager.log', l.node, `--max-old-space-size=${jm.heapMb}`, `${l.platformDir}/dist/src/appmaster/entrypoint.js`],
    amEnv: {
      // The client's core-site.xml and hdfs-site.xml travel along (hdfs:/// paths, the NameNode's web address).
      ...(hadoopConfFiles().length > 0 ? { HADOOP_CONF_DIR: '$PWD' } : {}),
      ...(job
        ? {
            [CLUSTER_ENV.MODE]: 'per-job',
            [CLUSTER_ENV.JOB]: encodeEnvJson({ graph: JOB_GRAPH_FILE, bundle: job.bundle.fileName, detached: job.detached } satisfies StagedJob),
          }
        : program
          ? { [CLUSTER_ENV.MODE]: 'application', [CLUSTER_ENV.PROGRAM]: encodeEnvJson({ ...program.staged, bundle: program.bundle.fileName } satisfies StagedProgram) }
          : { [CLUSTER_ENV.MODE]: 'session' }),
    },
    files: {
      config: { name: 'flink-conf.yaml', data: Buffer.from(stringify(conf.toMap()), 'utf8') },
      extra: hadoopConfFiles(),
      ...(bundle ? { bundle: { name: bundle.fileName, data: bundle.data } } : {}),
      ...(job ? { jobGraph: { name: JOB_GRAPH_FILE, data: Buffer.from(JSON.stringify(job.graph), 'utf8') } } : {}),
    },
    onProgress: (line) => o.print(line),
  });
  o.print(`Submitted application ${app.applicationId} (uploaded ${app.uploadedBytes} bytes)`);
  try {
    const address = await jobManagerAddress(rm, app.applicationId, o.print);
    o.print(`Found Web Interface ${address} of application '${app.applicationId}'.`);
    return { app, address, client: restClientOf(conf, address, app.applicationId) };
  } catch (err) {
    await killApplication(app.applicationId, { rm, stagingDir: app.stagingDir }).catch(() => undefined);
    throw err;
  }
}

/**
 * The client's Hadoop configuration for the containers: a NodeManager does not necessarily give its containers a
 * HADOOP_CONF_DIR, and the job's hdfs:/// paths mean the client's fs.defaultFS.
 */
function hadoopConfFiles(): StagedFile[] {
  const dir = process.env['HADOOP_CONF_DIR'] || process.env['YARN_CONF_DIR'];
  if (!dir) return [];
  return HADOOP_CONF_FILES.filter((f) => existsSync(join(dir, f))).map((f) => ({ name: f, path: join(dir, f) }));
}

/**
 * Staging directories of applications killed through YARN stay behind (their ApplicationMaster could not remove
 * them; Flink's FLINK-9196): each deployment removes those of applications that have ended.
 */
async function sweepLeftovers(conf: Configuration, rm: ResourceManagerRestClient, print: (line: string) => void): Promise<void> {
  try {
    const root = await resolveStagingRoot(conf);
    const removed = await sweepEndedStagingDirectories(root, async (id) => {
      const state = await rm.getApplicationState(id).catch((err: { code?: string }) => (err.code === 'YARN_APPLICATION_NOT_FOUND' ? 'FINISHED' : undefined));
      return state === 'FINISHED' || state === 'FAILED' || state === 'KILLED';
    });
    for (const dir of removed) print(`Removed the staging directory ${dir} of an application that has ended.`);
  } catch {
    // Only housekeeping: a problem with HDFS shows in the upload that follows.
  }
}

/** The REST client of the JobManager of a YARN application at `address` (host:port). */
export function restClientOf(conf: Configuration, address: string, appId: string): RestClient {
  return new RestClient({
    baseUrl: `${restScheme(conf)}://${address}`,
    timeoutMs: conf.get(RestOptions.CONNECTION_TIMEOUT),
    describeAddressSource: `the JobManager of YARN application ${appId}`,
    fetch: restFetch(restSslClientOptions(conf)),
  });
}

/** The JobManager's REST address from a report's amRPCAddress, once an attempt registered one (else undefined). */
export function registeredAddress(a: string | undefined): string | undefined {
  return a && a !== 'N/A' && !/:(0|-1)$/.test(a) ? a : undefined;
}

/** Follows the application until its JobManager registered (its REST address in the report); fails with YARN's diagnostics. */
export async function jobManagerAddress(rm: ResourceManagerRestClient, appId: string, print: (line: string) => void = () => {}): Promise<string> {
  const { report, failed } = await followApplication(appId, (line) => print(line), { rm, until: 'running' });
  if (failed) throw new YarnApplicationEndedError(appId, report, 'while it was starting');
  // RUNNING means the AM's container started; its address is there once the JobManager registered.
  const deadline = Date.now() + REGISTRATION_WAIT_MS;
  for (let r = report; ; r = await rm.getApplicationReport(appId)) {
    if (['FINISHED', 'FAILED', 'KILLED'].includes(r.state)) throw new YarnApplicationEndedError(appId, r, 'while it was starting');
    const address = registeredAddress(r.amRPCAddress);
    if (address !== undefined) return address;
    if (Date.now() > deadline) {
      throw new FlinkError('YARN_AM_NOT_REGISTERED', `The ApplicationMaster of ${appId} did not register within ${REGISTRATION_WAIT_MS / 1000} s. Its logs: yarn logs -applicationId ${appId}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
