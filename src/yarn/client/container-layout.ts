/**
 * What a container launched by a flink-ts submission finds in its working directory, and the environment the
 * client hands the ApplicationMaster. Both are fixed names so the AM command and the AM itself can rely on them:
 *
 * ```
 * <container dir>/flink-ts/            the platform archive, unpacked: package.json, dist/src/, bin/, node_modules/
 * <container dir>/node/bin/node        the shipped Node.js runtime (absent when yarn.node.path is set)
 * <container dir>/<bundle name>        the job bundle, e.g. WordCount.mjs (not for a session; the program in application mode)
 * <container dir>/flink-conf.yaml      the effective configuration (the name the caller gave)
 * <container dir>/<job graph name>     per-job: the serialized job graph
 * ```
 *
 * The AM command is then `<node> flink-ts/dist/src/appmaster/entrypoint.js` with `<node>` = {@link ContainerLayout.node}.
 */
import type { LocalResources } from './rm-rest-client.js';

/** Link name of the platform archive: the unpacked flink-ts installation in every container. */
export const PLATFORM_LINK = 'flink-ts';
/** Link name of the shipped Node.js runtime archive; the executable is `node/bin/node`. */
export const NODE_LINK = 'node';
/** The shipped node executable, relative to the container's working directory. */
export const SHIPPED_NODE_PATH = `${NODE_LINK}/bin/node`;

export interface ContainerLayout {
  /** The node executable in the container: `yarn.node.path`, or {@link SHIPPED_NODE_PATH}. */
  node: string;
  /** The unpacked platform, relative to the container's working directory ({@link PLATFORM_LINK}). */
  platformDir: string;
  /** Link names of the staged files. */
  files: { bundle?: string | undefined; config: string; jobGraph?: string | undefined; extra: string[] };
}

/** Environment variables the client sets for the ApplicationMaster (read them with {@link readApplicationMasterEnvironment}). */
export const AM_ENV = Object.freeze({
  APPLICATION_ID: 'FLINK_TS_YARN_APPLICATION_ID',
  /** hdfs:// URI of the application's staging directory (the AM deletes it when the application ends). */
  STAGING_DIR: 'FLINK_TS_YARN_STAGING_DIR',
  /** host:port of the RM scheduler (ApplicationMasterProtocol). */
  SCHEDULER_ADDRESS: 'FLINK_TS_YARN_SCHEDULER_ADDRESS',
  /** The RM web address the client used, http://host:port. */
  RM_WEBAPP: 'FLINK_TS_YARN_RM_WEBAPP',
  /** The WebHDFS address(es) of the staging file system, comma-separated http://host:port (no yarn-site/hdfs-site in the container). */
  WEBHDFS: 'FLINK_TS_YARN_WEBHDFS',
  /** The AM's local resources by link name, as base64 JSON ({@link encodeEnvJson}): TaskManager containers get the same. */
  LOCAL_RESOURCES: 'FLINK_TS_YARN_LOCAL_RESOURCES',
  /** The {@link ContainerLayout} as base64 JSON. */
  LAYOUT: 'FLINK_TS_YARN_LAYOUT',
});

/**
 * JSON for a container environment variable, base64-encoded. The NodeManager writes each variable into its launch
 * script as `export KEY="value"` without escaping (on purpose: values may refer to $PWD and the like), so quotes,
 * `$` and backquotes in a value would be taken apart by the shell; base64 has none of them.
 */
export function encodeEnvJson(value: unknown): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64');
}

export function decodeEnvJson<T>(text: string): T {
  return JSON.parse(Buffer.from(text, 'base64').toString('utf8')) as T;
}

/** What the ApplicationMaster learns from its environment. */
export interface ApplicationMasterEnvironment {
  applicationId: string;
  stagingDir: string;
  schedulerAddress: { host: string; port: number };
  rmWebapp: string;
  webHdfs: string[];
  /** HADOOP_USER_NAME the client submitted as. */
  user: string | undefined;
  localResources: LocalResources;
  layout: ContainerLayout;
}

/** Reads the variables of {@link AM_ENV}; throws naming the first one missing or malformed. */
export function readApplicationMasterEnvironment(env: NodeJS.ProcessEnv = process.env): ApplicationMasterEnvironment {
  const get = (name: string): string => {
    const v = env[name];
    if (v === undefined || v === '') throw new Error(`${name} is not set: this process was not started by a flink-ts YARN submission`);
    return v;
  };
  const json = <T>(name: string): T => {
    try {
      return decodeEnvJson<T>(get(name));
    } catch (err) {
      throw new Error(`${name} is not base64 JSON: ${(err as Error).message}`);
    }
  };
  const scheduler = get(AM_ENV.SCHEDULER_ADDRESS);
  const i = scheduler.lastIndexOf(':');
  return {
    applicationId: get(AM_ENV.APPLICATION_ID),
    stagingDir: get(AM_ENV.STAGING_DIR),
    schedulerAddress: { host: scheduler.slice(0, i), port: Number(scheduler.slice(i + 1)) },
    rmWebapp: get(AM_ENV.RM_WEBAPP),
    webHdfs: get(AM_ENV.WEBHDFS).split(',').filter(Boolean),
    user: env.HADOOP_USER_NAME,
    localResources: json<LocalResources>(AM_ENV.LOCAL_RESOURCES),
    layout: json<ContainerLayout>(AM_ENV.LAYOUT),
  };
}

const SAFE_WORD = /^(?:[A-Za-z0-9_@%+=:,./-]|\{\{[A-Za-z_][A-Za-z0-9_]*\}\}|<LOG_DIR>|<CPS>)+$/;

/**
 * A container command line from words, ready for YARN: each word that is not plain is single-quoted for the
 * shell that runs it, and the whole is escaped for the double quotes the NodeManager wraps it in
 * (`exec /bin/bash -c "<command>"`, written without escaping), so `"`, `$`, `` ` `` and `\` arrive intact.
 * `{{VAR}}`, `<LOG_DIR>` and `<CPS>` stay unquoted so the NodeManager can expand them.
 */
export function shellCommand(words: readonly string[]): string {
  const inner = words.map((w) => (w !== '' && SAFE_WORD.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`)).join(' ');
  return inner.replace(/[\\"$`]/g, (c) => `\\${c}`);
}

/** What the client tells the ApplicationMaster besides {@link AM_ENV}: the kind of cluster and its job. */
export const CLUSTER_ENV = Object.freeze({
  /** `per-job`, `session` or `application`. */
  MODE: 'FLINK_TS_YARN_MODE',
  /** Per-job: base64 JSON {@link StagedJob} (src/yarn/client's encodeEnvJson). */
  JOB: 'FLINK_TS_YARN_JOB',
  /** Application: base64 JSON {@link StagedProgram}. */
  PROGRAM: 'FLINK_TS_YARN_PROGRAM',
});

/**
 * The staged program of an application-mode application, which the ApplicationMaster runs itself: the link name
 * of the client's bundle and what `bin/flink run-application` was given for it.
 */
export interface StagedProgram {
  bundle: string;
  /** The program's own file name (what the program sees as its argv[1]). */
  programName: string;
  args: string[];
  /** `-p`: the default parallelism of the program's jobs. */
  parallelism?: number;
  /** `-D`: the job's configuration, under what the program sets itself. */
  jobConfiguration?: Record<string, string>;
  /** `-s` (and `-n`): the savepoint the job restores from. */
  savepoint?: { path: string; allowNonRestoredState: boolean };
}

/** The staged job of a per-job application: link names in the container, and whether the client waits for it. */
export interface StagedJob {
  graph: string;
  bundle: string;
  detached: boolean;
}
