/**
 * A private real HDFS + YARN for one spec file, from `scripts/hadoop.sh` (HADOOP_HOME_DIR=<temp dir>,
 * HADOOP_FREE_PORTS=1): its own state directory and free ports, so it never meets a developer's cluster or
 * another spec's. YARN JVMs are heavy: start one per spec file in `before`, stop it in `after`.
 *
 * ```ts
 * let yarn: YarnCluster | undefined;
 * before(async function () { this.timeout(900_000); yarn = await YarnCluster.start(); });
 * after(async function () { this.timeout(120_000); await yarn?.stop(); });
 * // yarn.confDir for HADOOP_CONF_DIR, yarn.rmWebapp, yarn.rest (the RM's REST API), yarn.scheduler (for an AM),
 * // yarn.containerLog(appId, 'jobmanager.out'), yarn.describeContainerLogs(appId) for assertion messages
 * ```
 */
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { parseHadoopXml } from '../../../src/fs/index.js';
import { DIST_DIR, FLINK_HOME, runCommand } from './standalone-cluster.js';
import { ResourceManagerRest } from './yarn-rm-rest.js';

export { ResourceManagerRest, type AppReport } from './yarn-rm-rest.js';

const SCRIPT = join(FLINK_HOME, 'scripts', 'hadoop.sh');

// The script reads these from the environment: a developer's or CI's settings must not leak into the private cluster.
const INHERITED_VARS_TO_DROP = [
  'HDFS_NAMENODE_PORT', 'WEBHDFS_PORT', 'HDFS_DATANODE_PORT', 'HDFS_DATANODE_HTTP_PORT', 'HDFS_DATANODE_IPC_PORT',
  'YARN_RM_PORT', 'YARN_RM_SCHEDULER_PORT', 'YARN_RM_TRACKER_PORT', 'YARN_RM_ADMIN_PORT', 'YARN_RM_WEBAPP_PORT',
  'YARN_NM_PORT', 'YARN_NM_LOCALIZER_PORT', 'YARN_NM_WEBAPP_PORT', 'YARN_NM_COUNT', 'YARN_NM_MEMORY_MB', 'YARN_NM_VCORES',
  'HADOOP_CONF_DIR', 'YARN_CONF_DIR', 'HADOOP_HOST', 'HADOOP_YARN', 'HADOOP_HOME_DIR',
];

export interface YarnClusterOptions {
  nodeManagers?: number;
  /** Memory each NodeManager offers, also the scheduler's maximum allocation (default 4096). */
  nodeManagerMemoryMb?: number;
  /** vcores each NodeManager offers, also the maximum per container (default 4). */
  nodeManagerVcores?: number;
}

export class YarnCluster {
  private stopped = false;

  private constructor(
    /** The state directory (config, HDFS data, NodeManager local and log dirs). */
    readonly stateDir: string,
    /** The environment scripts/hadoop.sh ran with. */
    readonly scriptEnv: Record<string, string>,
    /** HADOOP_CONF_DIR for clients: core-site.xml, hdfs-site.xml, yarn-site.xml. */
    readonly confDir: string,
    /** hdfs://127.0.0.1:<port> */
    readonly defaultFs: string,
    /** http://127.0.0.1:<port> */
    readonly webhdfs: string,
    /** http://127.0.0.1:<port> */
    readonly rmWebapp: string,
    readonly nodeManagers: number,
    /** The scheduler address an ApplicationMaster talks to. */
    readonly scheduler: { host: string; port: number },
  ) {}

  /** The ResourceManager's REST API as this user. */
  get rest(): ResourceManagerRest {
    return new ResourceManagerRest(this.rmWebapp, process.env['HADOOP_USER_NAME'] || userInfo().username);
  }

  /** Starts HDFS and YARN; fails with the script's output (and leaves nothing running) when they do not come up. */
  static async start(options: YarnClusterOptions = {}): Promise<YarnCluster> {
    const stateDir = await mkdtemp(join(tmpdir(), 'yarn-it-'));
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !INHERITED_VARS_TO_DROP.includes(k)) env[k] = v;
    const nms = options.nodeManagers ?? 1;
    Object.assign(env, {
      HADOOP_HOME_DIR: stateDir,
      HADOOP_FREE_PORTS: '1',
      YARN_NM_COUNT: String(nms),
      YARN_NM_MEMORY_MB: String(options.nodeManagerMemoryMb ?? 4096),
      YARN_NM_VCORES: String(options.nodeManagerVcores ?? 4),
    });
    const started = await runCommand('bash', [SCRIPT, 'start'], env, { timeout: 900_000 });
    const get = (k: string): string | undefined => new RegExp(`^${k.replace(/\./g, '\\.')}=(.+)$`, 'm').exec(started.stdout)?.[1]?.trim();
    const confDir = get('HADOOP_CONF_DIR');
    const defaultFs = get('fs.defaultFS');
    const webhdfs = get('webhdfs');
    const rmWebapp = get('yarn.resourcemanager.webapp');
    if (started.exitCode !== 0 || !confDir || !defaultFs || !webhdfs || !rmWebapp) {
      await runCommand('bash', [SCRIPT, 'clean'], env, { timeout: 120_000 });
      await rm(stateDir, { recursive: true, force: true });
      throw new Error(`scripts/hadoop.sh start did not bring HDFS and YARN up\n${started.describe}`);
    }
    const yarnSite = parseHadoopXml(await readFile(join(confDir, 'yarn-site.xml'), 'utf8'));
    const [host, port] = (yarnSite.get('yarn.resourcemanager.scheduler.address') ?? '').split(':');
    return new YarnCluster(stateDir, env, confDir, defaultFs, webhdfs, rmWebapp, nms, { host: host ?? '127.0.0.1', port: Number(port) });
  }

  /** The client environment for this cluster: the current one with HADOOP_CONF_DIR pointing here. */
  clientEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = { ...process.env, HADOOP_CONF_DIR: this.confDir, ...extra };
    delete env.YARN_CONF_DIR;
    return env;
  }

  /** Container directories (logs) of an application, on every NodeManager: `<nm>/logs/<appId>/<containerId>`. */
  containerLogDirs(applicationId: string): string[] {
    const dirs: string[] = [];
    for (let i = 0; i < this.nodeManagers; i++) {
      const appDir = join(this.stateDir, `nodemanager-${i}`, 'logs', applicationId);
      if (!existsSync(appDir)) continue;
      for (const c of readdirSync(appDir).sort()) dirs.push(join(appDir, c));
    }
    return dirs;
  }

  /** A log file of an application's first container that has it (e.g. the AM's `jobmanager.out`), or undefined. */
  containerLog(applicationId: string, fileName: string): string | undefined {
    for (const dir of this.containerLogDirs(applicationId)) {
      const f = join(dir, fileName);
      if (existsSync(f)) return readFileSync(f, 'utf8');
    }
    return undefined;
  }

  /** Every log file of an application, for assertion messages. */
  async describeContainerLogs(applicationId: string): Promise<string> {
    const parts: string[] = [];
    for (const dir of this.containerLogDirs(applicationId)) {
      for (const f of readdirSync(dir)) parts.push(`--- ${join(dir, f)}\n${(await readFile(join(dir, f), 'utf8')).slice(-3000)}`);
    }
    return parts.join('\n') || `(no container logs for ${applicationId})`;
  }

  /** `scripts/hadoop.sh clean` (stops every daemon and container, deletes the state); idempotent. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    const r = await runCommand('bash', [SCRIPT, 'clean'], this.scriptEnv, { timeout: 180_000 });
    // Containers a failed test left behind (their working directories are under the NodeManagers' dirs).
    for (const pid of processesOf(this.stateDir)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await rm(this.stateDir, { recursive: true, force: true });
    if (r.exitCode !== 0) throw new Error(`scripts/hadoop.sh clean failed\n${r.describe}`);
  }
}

/** Live processes of this cluster: its JVMs (by marker) and container processes (working dir in its NodeManager dirs). */
export function processesOf(stateDir: string): number[] {
  const marker = `-Dflinkts.hadoop.id=${stateDir}/`;
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').join(' ');
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (/^\d+ \(.*\) Z/s.test(stat)) continue;
      let cwd = '';
      try {
        cwd = readlinkSync(`/proc/${entry}/cwd`);
      } catch {
        // not ours to look at
      }
      if (cmdline.includes(marker) || cmdline.includes(`${stateDir}/nodemanager-`) || cwd.startsWith(`${stateDir}/nodemanager-`)) pids.push(Number(entry));
    } catch {
      // exited while we looked
    }
  }
  return pids;
}

/** The user the YARN tests submit as (HADOOP_USER_NAME, else the OS user). */
export const YARN_TEST_USER = process.env['HADOOP_USER_NAME'] || userInfo().username;

/**
 * A flink-ts client installation for YARN tests: a temp dir with a copy of conf/ whose flink-conf.yaml has small
 * daemons (512 MB heaps, 1 slot each) and keeps the session properties file in that dir (never where another
 * test's bin/flink would find it), and the environment for bin/ commands against `yarn`. remove() deletes the dir.
 */
export async function yarnClientSetup(yarn: YarnCluster, prefix: string): Promise<{ scratch: string; env: Record<string, string>; remove(): Promise<void> }> {
  const scratch = await mkdtemp(join(tmpdir(), prefix));
  const confDir = join(scratch, 'conf');
  await cp(join(FLINK_HOME, 'conf'), confDir, { recursive: true });
  await writeFile(
    join(confDir, 'flink-conf.yaml'),
    ['jobmanager.heap.size: 512m', 'taskmanager.heap.size: 512m', 'taskmanager.numberOfTaskSlots: 1', `yarn.properties-file.location: ${scratch}`, ''].join('\n'),
  );
  const env = { ...(process.env as Record<string, string>), FLINK_CONF_DIR: confDir, FLINK_DIST_DIR: DIST_DIR, HADOOP_CONF_DIR: yarn.confDir, HADOOP_USER_NAME: YARN_TEST_USER };
  return { scratch, env, remove: () => rm(scratch, { recursive: true, force: true }) };
}
