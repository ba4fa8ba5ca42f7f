/**
 * A real ZooKeeper for integration tests, from `scripts/zookeeper.sh` (standalone or a 3-server ensemble) on free
 * ports of 127.0.0.1 (or another address of this machine, such as the namespace hosts' gateway: ZK_HOST) with its
 * state in a temporary ZK_HOME_DIR, so every test run has its own servers. stop() ends every server of that
 * directory (by the script, then by command line) and removes the directory.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { connect, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FLINK_HOME, isAlive, runCommand, type CommandResult } from './standalone-cluster.js';

const SCRIPT = join(FLINK_HOME, 'scripts', 'zookeeper.sh');
const HOST = '127.0.0.1';

/** Ports that were free a moment ago, all distinct (held open together while choosing). */
export async function freePorts(n: number): Promise<number[]> {
  const servers: Server[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const srv = createServer();
      servers.push(srv);
      await new Promise<void>((res, rej) => {
        srv.once('error', rej);
        srv.listen(0, HOST, () => res());
      });
    }
    return servers.map((s) => {
      const addr = s.address();
      return typeof addr === 'object' && addr ? addr.port : 0;
    });
  } finally {
    await Promise.all(servers.map((s) => new Promise<void>((res) => s.close(() => res()))));
  }
}

/** The server's mode from the `srvr` four-letter word ('leader', 'follower', 'standalone'), or undefined. */
export function zooKeeperMode(port: number, host: string = HOST): Promise<string | undefined> {
  return new Promise((res) => {
    const chunks: Buffer[] = [];
    const sock = connect(port, host, () => sock.end('srvr'));
    sock.setTimeout(2000, () => sock.destroy());
    sock.on('data', (c: Buffer) => chunks.push(c));
    sock.on('close', () => res(/^Mode: (\S+)$/m.exec(Buffer.concat(chunks).toString('utf8'))?.[1]));
    sock.on('error', () => undefined);
  });
}

export class ZooKeeperServer {
  private constructor(
    readonly home: string,
    /** Client ports: one (standalone) or three (ensemble). */
    readonly ports: readonly number[],
    private readonly peerPorts: readonly string[],
    /** The address the servers listen on. */
    readonly host: string = HOST,
  ) {}

  get quorum(): string {
    return this.ports.map((p) => `${this.host}:${p}`).join(',');
  }

  get ensemble(): boolean {
    return this.ports.length > 1;
  }

  /** One server; `host` is the address it listens on (default 127.0.0.1). */
  static async standalone(host: string = HOST): Promise<ZooKeeperServer> {
    const home = await mkdtemp(join(tmpdir(), 'flink-ha-zk-'));
    const [port] = (await freePorts(1)) as [number];
    return ZooKeeperServer.#started(new ZooKeeperServer(home, [port], [], host));
  }

  /** Three servers on `host` (default 127.0.0.1). */
  static async ensembleOfThree(host: string = HOST): Promise<ZooKeeperServer> {
    const home = await mkdtemp(join(tmpdir(), 'flink-ha-zk-'));
    const ports = await freePorts(9);
    return ZooKeeperServer.#started(new ZooKeeperServer(home, ports.slice(0, 3), [0, 1, 2].map((i) => `${ports[3 + i]}:${ports[6 + i]}`), host));
  }

  /** Starts `server`; one that does not come up leaves no process and no directory behind. */
  static async #started(server: ZooKeeperServer): Promise<ZooKeeperServer> {
    try {
      await server.start();
    } catch (err) {
      await server.stop();
      throw err;
    }
    return server;
  }

  #run(args: string[]): Promise<CommandResult> {
    const env: Record<string, string> = {
      ...(process.env as Record<string, string>),
      ZK_HOME_DIR: this.home,
      ZK_HOST: this.host,
      ZK_PORT: String(this.ports[0]),
      ZK_ENSEMBLE_PORTS: this.ports.join(','),
      ZK_ENSEMBLE_PEER_PORTS: this.peerPorts.join(','),
    };
    return runCommand('bash', [SCRIPT, ...args], env, { timeout: 300_000 });
  }

  /** Starts the server(s); the ensemble only when every server serves and one leads. */
  async start(): Promise<void> {
    const r = await this.#run([this.ensemble ? 'start-ensemble' : 'start']);
    if (r.exitCode !== 0) throw new Error(`scripts/zookeeper.sh could not start ZooKeeper\n${r.describe}`);
  }

  /** Stops the server(s) gracefully (data stays). */
  async stopServers(): Promise<void> {
    const r = await this.#run([this.ensemble ? 'stop-ensemble' : 'stop']);
    if (r.exitCode !== 0) throw new Error(`scripts/zookeeper.sh could not stop ZooKeeper\n${r.describe}`);
  }

  /** The pid of ensemble server `index` (0-based), or of the standalone server. */
  async pidOf(index = 0): Promise<number> {
    const dir = this.ensemble ? join(this.home, 'ensemble', `server-${index + 1}`) : join(this.home, 'standalone');
    return Number((await readFile(join(dir, 'zookeeper.pid'), 'utf8')).trim());
  }

  /** The index of the ensemble server that leads now. */
  async leaderIndex(): Promise<number | undefined> {
    const modes = await Promise.all(this.ports.map((p) => zooKeeperMode(p, this.host)));
    const i = modes.indexOf('leader');
    return i < 0 ? undefined : i;
  }

  /** Stops everything of this directory and removes it; safe to call twice. */
  async stop(): Promise<void> {
    await this.#run([this.ensemble ? 'stop-ensemble' : 'stop']).catch(() => undefined);
    for (const pid of processesUsing(this.home)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone already
      }
    }
    await rm(this.home, { recursive: true, force: true });
  }
}

/** Live processes whose command line mentions `dir`: the servers of one test run. */
export function processesUsing(dir: string): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (readFileSync(`/proc/${name}/cmdline`, 'utf8').includes(dir) && isAlive(Number(name))) pids.push(Number(name));
    } catch {
      // exited while we looked
    }
  }
  return pids;
}
