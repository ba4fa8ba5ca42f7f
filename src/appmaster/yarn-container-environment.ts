/**
 * What a YARN container tells the process it runs, through the environment the NodeManager sets: its container
 * id (and so the application attempt), the node, its working, local and log directories, and the token file.
 * An ApplicationMaster started anywhere else fails with one line naming what is missing.
 */
import { FlinkError } from '../util/errors.js';
import { formatApplicationId, parseContainerId } from '../yarn/index.js';

export interface YarnContainerEnvironment {
  /** `container_[e<epoch>_]<cluster ts>_<app>_<attempt>_<n>` */
  containerId: string;
  /** `application_<cluster ts>_<app>` */
  applicationId: string;
  /** The application attempt (1 for the first). */
  attempt: number;
  clusterTimestamp: number;
  /** The application's sequence number at the ResourceManager. */
  applicationNumber: number;
  /** NM_HOST: the host this container runs on (the address the JobManager publishes). */
  host: string;
  nodeManagerPort: number | undefined;
  /** PWD: the container's working directory, where local resources are linked. */
  workingDir: string;
  /** LOCAL_DIRS: scratch directories YARN removes with the application. */
  localDirs: string[];
  /** LOG_DIRS: where the container's logs go (yarn logs collects them). */
  logDirs: string[];
  /** HADOOP_TOKEN_FILE_LOCATION: the container's tokens (the AMRMToken for an ApplicationMaster). */
  tokenFile: string | undefined;
  user: string | undefined;
}

/** The process does not run in a YARN container (a variable the NodeManager sets is missing or malformed). */
export class NotInYarnContainerError extends FlinkError {
  constructor(problem: string) {
    super(
      'NOT_IN_YARN_CONTAINER',
      `${problem}. The ApplicationMaster runs only in a YARN container started for it: submit with bin/flink run -t yarn-per-job, ` +
        'bin/flink run-application -t yarn-application or bin/yarn-session.sh.',
    );
  }
}

/** The application and attempt a container id belongs to. */
function containerOf(text: string): { applicationId: string; clusterTimestamp: number; applicationNumber: number; attempt: number } {
  const id = parseContainerId(text);
  const app = id?.appAttemptId?.applicationId;
  if (!id || !app) throw new NotInYarnContainerError(`CONTAINER_ID '${text}' is not a YARN container id`);
  return { applicationId: formatApplicationId(app), clusterTimestamp: app.clusterTimestamp ?? 0, applicationNumber: app.id ?? 0, attempt: id.appAttemptId?.attemptId ?? 1 };
}

export function yarnContainerEnvironment(env: NodeJS.ProcessEnv = process.env): YarnContainerEnvironment {
  const need = (name: string): string => {
    const v = env[name];
    if (v === undefined || v === '') throw new NotInYarnContainerError(`${name} is not set`);
    return v;
  };
  const containerId = need('CONTAINER_ID');
  const id = containerOf(containerId);
  const list = (name: string): string[] => (env[name] ?? '').split(',').filter((d) => d !== '');
  const nmPort = Number(env['NM_PORT']);
  return {
    containerId,
    applicationId: id.applicationId,
    attempt: id.attempt,
    clusterTimestamp: id.clusterTimestamp,
    applicationNumber: id.applicationNumber,
    host: need('NM_HOST'),
    nodeManagerPort: Number.isInteger(nmPort) && nmPort > 0 ? nmPort : undefined,
    workingDir: env['PWD'] ?? process.cwd(),
    localDirs: list('LOCAL_DIRS'),
    logDirs: list('LOG_DIRS'),
    tokenFile: env['HADOOP_TOKEN_FILE_LOCATION'],
    user: env['USER'],
  };
}
