/**
 * A whole YARN submission: application id and resource check (before anything is uploaded), the shared platform
 * and Node.js archives (uploaded once), the application's staging directory, and the submission itself; then
 * following the application until it runs or ends, and killing it.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { YarnConfigOptions, type Configuration } from '../../config/index.js';
import { resolveHdfsSettings, parseHdfsUri } from '../../fs/index.js';
import { AM_ENV, encodeEnvJson, NODE_LINK, PLATFORM_LINK, SHIPPED_NODE_PATH, shellCommand, type ContainerLayout } from './container-layout.js';
import { ensureSharedArchive, nodeRuntimeArchive, platformArchive, type CachedArchive } from './platform-archive.js';
import { isFinalState, ResourceManagerRestClient, type ApplicationReport, type LocalResources, type YarnApplicationState } from './rm-rest-client.js';
import { ApplicationStaging, removeStagingDirectory, resolveStagingRoot, STAGING_FOLDER, type StagedFile } from './staging.js';
import { YarnDeploymentError, type ResourceAmount } from './yarn-errors.js';
import { resolveYarnSettings } from './yarn-site.js';

export interface SubmitApplicationOptions {
  /** The effective Flink configuration: yarn.* options (queue, attempts, tags, staging, lib dirs, node path ...). */
  conf: Configuration;
  appName: string;
  /**
   * The AM's command as words (each shell-quoted as needed), or made from the container layout, e.g.
   * `(l) => [l.node, `${l.platformDir}/dist/src/appmaster/entrypoint.js`]`. stdout and stderr go to
   * `<LOG_DIR>/<logName>.out|.err`.
   */
  amCommand: readonly string[] | ((layout: ContainerLayout) => readonly string[]);
  /**
   * Extra environment of the AM (the {@link AM_ENV} variables and HADOOP_USER_NAME are set in any case). YARN writes
   * each value unescaped inside double quotes: `$VAR` expands, a `"` breaks it (use {@link encodeEnvJson} for data).
   */
  amEnv?: Record<string, string>;
  amResource: ResourceAmount;
  /** Other containers the application will ask for (TaskManagers): checked against the maximum allocation too, before any upload. */
  otherContainers?: { what: string; resource: ResourceAmount }[];
  /** Files for the application's staging directory, each linked into the AM container under its name. */
  /** The job bundle is absent for a session cluster, which gets its jobs later over REST. */
  files: { bundle?: StagedFile; config: StagedFile; jobGraph?: StagedFile; extra?: StagedFile[] };
  /** Base name of the AM's log files (default `jobmanager`). */
  logName?: string;
  /** Default: yarn.application-attempts. */
  maxAppAttempts?: number;
  /** Keep TaskManager containers when the AM restarts (with HA). Default false. */
  keepContainersAcrossApplicationAttempts?: boolean;
  /** Where HADOOP_CONF_DIR / YARN_CONF_DIR / HADOOP_USER_NAME come from (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** A client to use instead of one from the environment. */
  rm?: ResourceManagerRestClient;
  /** The installation to pack and the local archive cache (defaults: this installation, ~/.cache/flink-ts). */
  platform?: { home?: string; cacheDir?: string };
  /** Steps as one-line messages, for a CLI's progress output. */
  onProgress?: (line: string) => void;
}

export interface SubmittedApplication {
  applicationId: string;
  /** hdfs:// URI of `<root>/.flink/<appId>`. */
  stagingDir: string;
  /** Everything this submission uploaded: staging files plus any shared archive that was not there yet. */
  uploadedBytes: number;
  /** Of which: into the staging directory. */
  stagingBytes: number;
  /** Of which: shared archives (0 when they were reused). */
  sharedBytes: number;
  /** The AM's local resources by link name; TaskManager containers use the same. */
  localResources: LocalResources;
  layout: ContainerLayout;
  /** The command line the AM container runs. */
  amCommand: string;
  platform: CachedArchive;
  /** Undefined when yarn.node.path names a node on the NodeManagers. */
  nodeRuntime: CachedArchive | undefined;
  /** The RM's page of the application. */
  trackingUrl: string;
  rmWebUrl: string;
  /** Milliseconds spent packing (0 on a cache hit), uploading, and in total. */
  timings: { packMs: number; uploadMs: number; totalMs: number };
}

/**
 * Submits an application to YARN. Fails before uploading anything when the RM is unreachable or the AM asks
 * more than the RM's maximum allocation; removes the staging directory when a later step fails.
 */
export async function submitApplication(o: SubmitApplicationOptions): Promise<SubmittedApplication> {
  const t0 = Date.now();
  const env = o.env ?? process.env;
  const progress = o.onProgress ?? (() => {});
  const settings = resolveYarnSettings(env);
  const rm = o.rm ?? new ResourceManagerRestClient({ endpoints: settings.webapp, user: settings.user });
  const conf = o.conf;

  const app = await rm.newApplication();
  const applicationId = app.applicationId;
  await rm.checkResources('ApplicationMaster container', o.amResource, app);
  for (const c of o.otherContainers ?? []) await rm.checkResources(c.what, c.resource, app);

  const root = await resolveStagingRoot(conf, env);
  const sharedDir = conf.getOptional(YarnConfigOptions.PROVIDED_LIB_DIRS)?.[0]?.trim() || `${root}/${STAGING_FOLDER}/lib`;
  const replication = conf.get(YarnConfigOptions.FILE_REPLICATION);
  const repl = { ...(replication > 0 ? { replication } : {}), access: { env } };
  const nodePath = conf.getOptional(YarnConfigOptions.NODE_PATH)?.trim() || undefined;

  const tPack = Date.now();
  const platform = await platformArchive(o.platform ?? {});
  const nodeRuntime = nodePath === undefined ? await nodeRuntimeArchive(o.platform?.cacheDir === undefined ? {} : { cacheDir: o.platform.cacheDir }) : undefined;
  const packMs = platform.packedNow || nodeRuntime?.packedNow ? Date.now() - tPack : 0;
  if (packMs > 0) progress(`Packed the platform archive ${platform.fileName} (${platform.size} bytes${nodeRuntime ? `; Node.js runtime ${nodeRuntime.size} bytes` : ''}) in ${packMs} ms`);

  const tUpload = Date.now();
  const localResources: LocalResources = {};
  let sharedBytes = 0;
  const shared = await ensureSharedArchive(platform, sharedDir, repl);
  localResources[PLATFORM_LINK] = shared.resource;
  sharedBytes += shared.uploadedBytes;
  if (nodeRuntime) {
    const n = await ensureSharedArchive(nodeRuntime, sharedDir, repl);
    localResources[NODE_LINK] = n.resource;
    sharedBytes += n.uploadedBytes;
  }
  progress(sharedBytes > 0 ? `Uploaded the shared archives to ${sharedDir} (${sharedBytes} bytes)` : `Reusing the shared archives in ${sharedDir}`);

  const staging = await ApplicationStaging.create(root, applicationId, repl);
  try {
    const files = [...(o.files.bundle ? [o.files.bundle] : []), o.files.config, ...(o.files.jobGraph ? [o.files.jobGraph] : []), ...(o.files.extra ?? [])];
    const names = new Set<string>([PLATFORM_LINK, NODE_LINK]);
    for (const f of files) {
      if (names.has(f.name)) throw new YarnDeploymentError(`Two files would be linked as '${f.name}' in the container (names ${PLATFORM_LINK} and ${NODE_LINK} are taken by the platform). Give each staged file its own name.`);
      names.add(f.name);
      localResources[f.name] = await staging.upload(f);
    }
    const uploadMs = Date.now() - tUpload;
    progress(`Uploaded ${files.length} file(s) to ${staging.dir} (${staging.uploadedBytes} bytes)`);

    const layout: ContainerLayout = {
      node: nodePath ?? SHIPPED_NODE_PATH,
      platformDir: PLATFORM_LINK,
      files: { bundle: o.files.bundle?.name, config: o.files.config.name, jobGraph: o.files.jobGraph?.name, extra: (o.files.extra ?? []).map((f) => f.name) },
    };
    const words = typeof o.amCommand === 'function' ? o.amCommand(layout) : o.amCommand;
    const logName = o.logName ?? 'jobmanager';
    const command = `${shellCommand(words)} 1><LOG_DIR>/${logName}.out 2><LOG_DIR>/${logName}.err`;
    const hdfs = resolveHdfsSettings(parseHdfsUri(staging.dir).authority, {}, env);
    const environment: Record<string, string> = {
      ...o.amEnv,
      HADOOP_USER_NAME: settings.user,
      [AM_ENV.APPLICATION_ID]: applicationId,
      [AM_ENV.STAGING_DIR]: staging.dir,
      [AM_ENV.SCHEDULER_ADDRESS]: `${settings.scheduler.host}:${settings.scheduler.port}`,
      [AM_ENV.RM_WEBAPP]: rm.webUrl,
      [AM_ENV.WEBHDFS]: hdfs.endpoints.map((e) => e.baseUrl).join(','),
      [AM_ENV.LOCAL_RESOURCES]: encodeEnvJson(localResources),
      [AM_ENV.LAYOUT]: encodeEnvJson(layout),
    };
    const tags = conf
      .get(YarnConfigOptions.APPLICATION_TAGS)
      .split(',')
      .map((t) => t.trim())
      .filter(Boolean);
    const priority = conf.get(YarnConfigOptions.APPLICATION_PRIORITY);
    await rm.submitApplication({
      applicationId,
      applicationName: o.appName,
      queue: conf.getOptional(YarnConfigOptions.APPLICATION_QUEUE),
      priority: priority >= 0 ? priority : undefined,
      amContainer: { localResources, environment, command },
      resource: o.amResource,
      maxAppAttempts: o.maxAppAttempts ?? conf.get(YarnConfigOptions.APPLICATION_ATTEMPTS),
      applicationType: conf.get(YarnConfigOptions.APPLICATION_TYPE),
      keepContainersAcrossApplicationAttempts: o.keepContainersAcrossApplicationAttempts ?? false,
      applicationTags: tags,
      attemptFailuresValidityInterval: conf.get(YarnConfigOptions.APPLICATION_ATTEMPT_FAILURES_VALIDITY_INTERVAL),
    });
    const uploadedBytes = sharedBytes + staging.uploadedBytes;
    progress(`Submitted application ${applicationId} (${uploadedBytes} bytes uploaded)`);
    return {
      applicationId,
      stagingDir: staging.dir,
      uploadedBytes,
      stagingBytes: staging.uploadedBytes,
      sharedBytes,
      localResources,
      layout,
      amCommand: command,
      platform,
      nodeRuntime,
      trackingUrl: `${rm.webUrl}/cluster/app/${applicationId}`,
      rmWebUrl: rm.webUrl,
      timings: { packMs, uploadMs, totalMs: Date.now() - t0 },
    };
  } catch (err) {
    await staging.remove().catch(() => undefined);
    throw err;
  }
}

export interface FollowOptions {
  rm?: ResourceManagerRestClient;
  env?: NodeJS.ProcessEnv;
  /** Stop at RUNNING (default) or only at a final state. */
  until?: 'running' | 'final';
  /** Poll interval (default 500 ms). */
  intervalMs?: number;
  /** Gives up after this long (default: no limit); the last report is returned with `timedOut`. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface FollowResult {
  report: ApplicationReport;
  /** True when the application ended FAILED or KILLED (or FINISHED with a final status other than SUCCEEDED). */
  failed: boolean;
  /** YARN's diagnostics when it failed, else ''. */
  diagnostics: string;
  timedOut: boolean;
}

/** A progress line for a report, e.g. `application_1_0001 is ACCEPTED: waiting for the ApplicationMaster container (3 s)`. */
export function describeProgress(r: ApplicationReport, elapsedMs: number): string {
  const why: Partial<Record<YarnApplicationState, string>> = {
    NEW: 'being created',
    NEW_SAVING: 'being stored by the ResourceManager',
    SUBMITTED: 'submitted to the scheduler',
    ACCEPTED: 'waiting for the ApplicationMaster container and its registration',
    RUNNING: `running (tracking ${r.trackingUrl ?? 'n/a'})`,
  };
  return `YARN application ${r.id} is ${r.state}${why[r.state] ? `: ${why[r.state]}` : ''} (${Math.round(elapsedMs / 1000)} s)`;
}

/**
 * Polls the application report until it is RUNNING (or final, with `until: 'final'`), calling `onProgress`
 * whenever the state changes and every 10 s otherwise.
 */
export async function followApplication(applicationId: string, onProgress: (line: string, report: ApplicationReport) => void = () => {}, o: FollowOptions = {}): Promise<FollowResult> {
  const rm = o.rm ?? ResourceManagerRestClient.fromEnvironment(o.env);
  const t0 = Date.now();
  const interval = o.intervalMs ?? 500;
  let lastState = '';
  let lastLine = 0;
  for (;;) {
    o.signal?.throwIfAborted();
    const report = await rm.getApplicationReport(applicationId);
    const now = Date.now();
    if (report.state !== lastState || now - lastLine >= 10_000) {
      onProgress(describeProgress(report, now - t0), report);
      lastState = report.state;
      lastLine = now;
    }
    const final = isFinalState(report.state);
    if (final || (o.until !== 'final' && report.state === 'RUNNING')) {
      const failed = final && !(report.state === 'FINISHED' && report.finalStatus === 'SUCCEEDED');
      return { report, failed, diagnostics: failed ? report.diagnostics : '', timedOut: false };
    }
    if (o.timeoutMs !== undefined && now - t0 >= o.timeoutMs) return { report, failed: false, diagnostics: '', timedOut: true };
    await sleep(interval, undefined, o.signal ? { signal: o.signal } : undefined);
  }
}

/**
 * Kills an application and waits until YARN reports it final; returns that state (an ended one is left alone).
 * With `stagingDir`, also removes the staging directory once the application is final: a killed AM cannot.
 */
export async function killApplication(
  applicationId: string,
  o: { rm?: ResourceManagerRestClient; env?: NodeJS.ProcessEnv; timeoutMs?: number; stagingDir?: string } = {},
): Promise<YarnApplicationState> {
  const rm = o.rm ?? ResourceManagerRestClient.fromEnvironment(o.env);
  const state = await rm.killApplication(applicationId, o.timeoutMs === undefined ? {} : { timeoutMs: o.timeoutMs });
  // Only once YARN is done with it: a still-running attempt could be localizing from it.
  if (o.stagingDir !== undefined && isFinalState(state)) await removeStagingDirectory(o.stagingDir, { env: o.env ?? process.env });
  return state;
}
