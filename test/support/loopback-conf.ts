/**
 * A throwaway cluster setup for tests and benchmarks: a copy of conf/ whose JobManager, REST endpoint and
 * TaskManagers use 127.0.0.1 and free ports, with its own pid and log directories.
 */
import { appendFile, cp, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A port that was free a moment ago on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export interface LoopbackSetup {
  root: string;
  confDir: string;
  pidDir: string;
  logDir: string;
  restPort: number;
  rpcPort: number;
}

export interface LoopbackSetupOptions {
  /** The installation whose conf/ is copied. */
  home: string;
  /** Prefix of the temporary directory's name. */
  prefix: string;
  slotsPerTaskManager: number;
  /** How many `localhost` lines conf/workers gets. */
  taskManagers: number;
  /** Lines appended to flink-conf.yaml (the last occurrence of a key wins). */
  extraConf?: readonly string[];
  /** A flink-conf.yaml to start from instead of the installation's (the loopback lines are appended to it). */
  baseConf?: string;
}

export async function loopbackSetup(o: LoopbackSetupOptions): Promise<LoopbackSetup> {
  const root = await mkdtemp(join(tmpdir(), o.prefix));
  const confDir = join(root, 'conf');
  const pidDir = join(root, 'pid');
  const logDir = join(root, 'log');
  await cp(join(o.home, 'conf'), confDir, { recursive: true });
  if (o.baseConf !== undefined) await cp(o.baseConf, join(confDir, 'flink-conf.yaml'));
  await mkdir(pidDir, { recursive: true });
  await mkdir(logDir, { recursive: true });
  const restPort = await freePort();
  let rpcPort = await freePort();
  while (rpcPort === restPort) rpcPort = await freePort();
  await appendFile(
    join(confDir, 'flink-conf.yaml'),
    [
      '',
      '# loopback only, free ports',
      'jobmanager.rpc.address: 127.0.0.1',
      `jobmanager.rpc.port: ${rpcPort}`,
      'rest.address: 127.0.0.1',
      'rest.bind-address: 127.0.0.1',
      `rest.port: ${restPort}`,
      // A base configuration may name a bind port range of its own (Flink's: 8080-8090).
      `rest.bind-port: ${restPort}`,
      'taskmanager.host: 127.0.0.1',
      `taskmanager.numberOfTaskSlots: ${o.slotsPerTaskManager}`,
      ...(o.extraConf ?? []),
      '',
    ].join('\n'),
  );
  await writeFile(join(confDir, 'workers'), 'localhost\n'.repeat(o.taskManagers));
  return { root, confDir, pidDir, logDir, restPort, rpcPort };
}
