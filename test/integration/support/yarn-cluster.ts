/**
 * A private real HDFS + YARN from scripts/hadoop.sh for one spec file (state in a temp dir, free ports), the
 * ResourceManager's REST API for submitting and following applications, and the container logs of an
 * application for failure messages. YARN's JVMs are heavy: start one per spec file and always stop it.
 */
import { readdir, readFile, rm } from 'node:fs/promises';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { parseHadoopXml } from '../../../src/fs/index.js';
import { FLINK_HOME, runCommand } from './standalone-cluster.js';

const SCRIPT = join(FLINK_HOME, 'scripts', 'hadoop.sh');

// A developer's or CI's own port settings must not leak into a private cluster on free ports.
const INHERITED_SETTINGS = [
  'HDFS_NAMENODE_PORT', 'WEBHDFS_PORT', 'HDFS_DATANODE_PORT', 'HDFS_DATANODE_HTTP_PORT', 'HDFS_DATANODE_IPC_PORT',
  'YARN_RM_PORT', 'YARN_RM_SCHEDULER_PORT', 'YARN_RM_TRACKER_PORT', 'YARN_RM_ADMIN_PORT', 'YARN_RM_WEBAPP_PORT',
  'YARN_NM_PORT', 'YARN_NM_LOCALIZER_PORT', 'YARN_NM_WEBAPP_PORT', 'YARN_NM_COUNT', 'HADOOP_CONF_DIR', 'HADOOP_HOST', 'HADOOP_YARN',
];

export interface YarnCluster {
  stateDir: string;
  confDir: string;
  /** http://127.0.0.1:<port> */
  rmWeb: string;
  /** The scheduler address an ApplicationMaster talks to. */
  scheduler: { host: string; port: number };
  env: Record<string, string>;
}

/** Starts HDFS and YARN with their state in `stateDir`; on failure stops whatever came up and throws the script's output. */
export async function startPrivateYarn(stateDir: string): Promise<YarnCluster> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !INHERITED_SETTINGS.includes(k)) env[k] = v;
  Object.assign(env, { HADOOP_HOME_DIR: stateDir, HADOOP_FREE_PORTS: '1', YARN_NM_MEMORY_MB: '2048', YARN_NM_VCORES: '4' });
  const started = await runCommand('bash', [SCRIPT, 'start'], env, { timeout: 400_000 });
  const line = (k: string): string | undefined => new RegExp(`^${k.replace(/\./g, '\\.')}=(.+)$`, 'm').exec(started.stdout)?.[1]?.trim();
  const confDir = line('HADOOP_CONF_DIR');
  const rmWeb = line('yarn.resourcemanager.webapp');
  if (started.exitCode !== 0 || !confDir || !rmWeb) {
    await stopPrivateYarn({ stateDir, env });
    throw new Error(`scripts/hadoop.sh start did not bring HDFS and YARN up\n${started.describe}`);
  }
  const yarnSite = parseHadoopXml(await readFile(join(confDir, 'yarn-site.xml'), 'utf8'));
  const [host, port] = (yarnSite.get('yarn.resourcemanager.scheduler.address') ?? '').split(':');
  return { stateDir, confDir, rmWeb, scheduler: { host: host ?? '127.0.0.1', port: Number(port) }, env };
}

/** Stops the cluster, kills anything of it still alive (by the script's command-line marker) and deletes its state. */
export async function stopPrivateYarn(cluster: Pick<YarnCluster, 'stateDir' | 'env'>): Promise<void> {
  const r = await runCommand('bash', [SCRIPT, 'clean'], cluster.env, { timeout: 120_000 });
  for (const pid of processesOf(cluster.stateDir)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  await rm(cluster.stateDir, { recursive: true, force: true });
  if (r.exitCode !== 0) throw new Error(`scripts/hadoop.sh clean failed\n${r.describe}`);
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

export interface AppReport {
  id: string;
  state: string;
  finalStatus: string;
  diagnostics: string;
  trackingUrl?: string;
  trackingUI?: string;
  amRPCAddress?: string;
  amHostHttpAddress?: string;
  [k: string]: unknown;
}

/** The ResourceManager's REST API as a client uses it on an insecure cluster (?user.name=). */
export class ResourceManagerRest {
  constructor(
    readonly base: string,
    readonly user: string,
  ) {}

  private url(path: string): string {
    return `${this.base}/ws/v1/cluster${path}?user.name=${encodeURIComponent(this.user)}`;
  }

  private async json(method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }> {
    const res = await fetch(this.url(path), {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? null : JSON.stringify(body),
      signal: AbortSignal.timeout(15_000),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path}: HTTP ${res.status} ${text}`);
    return { status: res.status, body: text === '' ? undefined : (JSON.parse(text) as unknown) };
  }

  async newApplication(): Promise<string> {
    return ((await this.json('POST', '/apps/new-application')).body as { 'application-id': string })['application-id'];
  }

  async submit(submission: Record<string, unknown>): Promise<void> {
    await this.json('POST', '/apps', submission);
  }

  async report(id: string): Promise<AppReport> {
    return ((await this.json('GET', `/apps/${id}`)).body as { app: AppReport }).app;
  }

  /** Asks the RM to kill the application; ignores errors (used in cleanup). */
  async kill(id: string): Promise<void> {
    await this.json('PUT', `/apps/${id}/state`, { state: 'KILLED' }).catch(() => undefined);
  }
}

/** Every container log file of `appId` on this cluster's NodeManagers, as `== path ==\ncontent` blocks. */
export async function containerLogs(stateDir: string, appId: string): Promise<string> {
  const blocks: string[] = [];
  const nms = (await readdir(stateDir).catch(() => [] as string[])).filter((d) => d.startsWith('nodemanager-'));
  for (const nm of nms) {
    const appDir = join(stateDir, nm, 'logs', appId);
    for (const container of await readdir(appDir).catch(() => [] as string[])) {
      for (const file of await readdir(join(appDir, container)).catch(() => [] as string[])) {
        const path = join(appDir, container, file);
        const text = await readFile(path, 'utf8').catch((e: unknown) => `(unreadable: ${String(e)})`);
        blocks.push(`== ${nm}/${container}/${file} ==\n${text.length > 8000 ? `...${text.slice(-8000)}` : text}`);
      }
    }
  }
  return blocks.length === 0 ? `(no container logs of ${appId} under ${stateDir})` : blocks.join('\n');
}
