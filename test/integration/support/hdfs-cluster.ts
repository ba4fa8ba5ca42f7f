/**
 * The real HDFS of the integration tests, from `scripts/hadoop.sh`: reused when one is already running
 * (CI starts it once), started otherwise, and then stopped again only by whoever started it.
 * Plus a minimal WebHDFS reader/writer on fetch that is independent of src/fs, for checking results.
 */
import { request } from 'node:http';
import { join } from 'node:path';
import { FLINK_HOME, runCommand } from './standalone-cluster.js';

export interface HdfsInfo {
  confDir: string;
  /** hdfs://127.0.0.1:<rpc port> */
  defaultFs: string;
  /** http://127.0.0.1:<http port> */
  webhdfs: string;
  /** Whether this process started it (and so must stop it). */
  startedHere: boolean;
  /** The environment of scripts/hadoop.sh for this instance (a private one: see startPrivateHdfs). */
  env?: Record<string, string>;
}

const SCRIPT = join(FLINK_HOME, 'scripts', 'hadoop.sh');

function parse(stdout: string, startedHere: boolean): HdfsInfo | undefined {
  const get = (k: string): string | undefined => new RegExp(`^${k.replace(/\./g, '\\.')}=(.+)$`, 'm').exec(stdout)?.[1]?.trim();
  const confDir = get('HADOOP_CONF_DIR');
  const defaultFs = get('fs.defaultFS');
  const webhdfs = get('webhdfs');
  return confDir && defaultFs && webhdfs ? { confDir, defaultFs, webhdfs, startedHere } : undefined;
}

/** `scripts/hadoop.sh status`, else `start`; fails with the script's output when HDFS does not come up. */
export async function startHdfs(): Promise<HdfsInfo> {
  const env = { ...(process.env as Record<string, string>) };
  const status = await runCommand('bash', [SCRIPT, 'status'], env, { timeout: 60_000 });
  const running = status.exitCode === 0 ? parse(status.stdout, false) : undefined;
  if (running) return running;
  const started = await runCommand('bash', [SCRIPT, 'start'], env, { timeout: 400_000 });
  const info = started.exitCode === 0 ? parse(started.stdout, true) : undefined;
  if (!info) {
    // Whatever half came up goes down again: no stray daemons after a failed start.
    await runCommand('bash', [SCRIPT, 'stop'], env, { timeout: 120_000 });
    throw new Error(`scripts/hadoop.sh start did not bring HDFS up\n${started.describe}`);
  }
  return info;
}

/**
 * An HDFS of this test alone (NameNode and DataNode, no YARN) on free ports of `host`, with its state in
 * `homeDir`: for hosts that reach this machine only at another address than loopback (the namespace hosts'
 * gateway). WebHDFS redirects to the DataNode at `host` too. stopHdfs() stops it and removes its state.
 */
export async function startPrivateHdfs(host: string, homeDir: string): Promise<HdfsInfo> {
  const env = { ...(process.env as Record<string, string>), HADOOP_HOST: host, HADOOP_HOME_DIR: homeDir, HADOOP_FREE_PORTS: '1', HADOOP_YARN: '0' };
  const started = await runCommand('bash', [SCRIPT, 'start'], env, { timeout: 400_000 });
  const info = started.exitCode === 0 ? parse(started.stdout, true) : undefined;
  if (!info) {
    await runCommand('bash', [SCRIPT, 'clean'], env, { timeout: 120_000 });
    throw new Error(`scripts/hadoop.sh start did not bring HDFS up on ${host}\n${started.describe}`);
  }
  return { ...info, env };
}

/** Stops an HDFS this process started (a private one is also removed); idempotent. */
export async function stopHdfs(info: HdfsInfo | undefined): Promise<void> {
  if (!info?.startedHere) return;
  const r = await runCommand('bash', [SCRIPT, info.env ? 'clean' : 'stop'], info.env ?? { ...(process.env as Record<string, string>) }, { timeout: 120_000 });
  if (r.exitCode !== 0) throw new Error(`scripts/hadoop.sh ${info.env ? 'clean' : 'stop'} failed\n${r.describe}`);
  info.startedHere = false;
}

/** Raw WebHDFS (fetch follows the DataNode redirect itself), for test setup and for checking results. */
export class RawWebHdfs {
  constructor(
    private readonly base: string,
    private readonly user: string,
  ) {}

  private url(path: string, op: string, params: Record<string, string> = {}): string {
    return `${this.base}/webhdfs/v1${path}?${new URLSearchParams({ op, 'user.name': this.user, ...params }).toString()}`;
  }

  /** CREATE in its two steps; node:http for the DataNode step, whose unsolicited `100 Continue` fetch rejects. */
  async put(path: string, data: string | Buffer): Promise<void> {
    const nn = await fetch(this.url(path, 'CREATE', { overwrite: 'true' }), { method: 'PUT', redirect: 'manual', signal: AbortSignal.timeout(60_000) });
    const location = nn.headers.get('location');
    if (nn.status !== 307 || !location) throw new Error(`CREATE ${path}: HTTP ${nn.status} ${await nn.text()}`);
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(location, { method: 'PUT', timeout: 60_000 }, (res) => {
        res.resume();
        res.once('end', () => resolve(res.statusCode ?? 0));
      });
      req.once('timeout', () => req.destroy(new Error(`CREATE ${path}: no answer from the DataNode in 60 s`)));
      req.once('error', reject);
      req.end(data);
    });
    if (status !== 201) throw new Error(`CREATE ${path}: the DataNode answered HTTP ${status}`);
  }

  async read(path: string): Promise<string> {
    const res = await fetch(this.url(path, 'OPEN'), { signal: AbortSignal.timeout(60_000) });
    if (res.status !== 200) throw new Error(`OPEN ${path}: HTTP ${res.status} ${await res.text()}`);
    return res.text();
  }

  async list(path: string): Promise<{ pathSuffix: string; type: string; length: number }[]> {
    const res = await fetch(this.url(path, 'LISTSTATUS'), { signal: AbortSignal.timeout(60_000) });
    if (res.status !== 200) throw new Error(`LISTSTATUS ${path}: HTTP ${res.status} ${await res.text()}`);
    return ((await res.json()) as { FileStatuses: { FileStatus: { pathSuffix: string; type: string; length: number }[] } }).FileStatuses.FileStatus;
  }

  async mkdirs(path: string): Promise<void> {
    const res = await fetch(this.url(path, 'MKDIRS'), { method: 'PUT', signal: AbortSignal.timeout(60_000) });
    if (res.status !== 200) throw new Error(`MKDIRS ${path}: HTTP ${res.status} ${await res.text()}`);
  }

  async delete(path: string): Promise<void> {
    await fetch(this.url(path, 'DELETE', { recursive: 'true' }), { method: 'DELETE', signal: AbortSignal.timeout(60_000) });
  }
}
