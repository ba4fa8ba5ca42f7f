/**
 * The host fan-out of bin/start-cluster.sh and bin/stop-cluster.sh:
 *
 *   node dist/src/cluster/cli.js start|stop --configDir DIR --binDir DIR [--logDir DIR]
 *
 * `start` then waits until the cluster reports the TaskManagers that started (FLINK_START_NO_WAIT=1 skips it),
 * so `bin/start-cluster.sh && bin/flink run ...` works at once. Exit code 0 when every host did its part, 1 when
 * any failed (each failure is one `Error:` line naming the host), 2 for a usage mistake.
 */
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { main as awaitClusterMain } from '../client/await-cluster.js';
import { CoreOptions, loadConfiguration } from '../config/index.js';
import { FlinkError } from '../util/errors.js';
import { startCluster, stopCluster } from './cluster-scripts.js';
import { HostsFileError } from './errors.js';
import type { OutputSink } from './host-runner.js';

const USAGE = 'Usage: cli.js (start|stop) --configDir DIR --binDir DIR [--logDir DIR]';

const consoleSink: OutputSink = {
  stdout: (line) => process.stdout.write(`${line}\n`),
  stderr: (line) => process.stderr.write(`${line}\n`),
};

export async function main(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let command: string | undefined;
  let values: { configDir?: string; binDir?: string; logDir?: string };
  try {
    const parsed = parseArgs({
      args: [...argv],
      options: { configDir: { type: 'string' }, binDir: { type: 'string' }, logDir: { type: 'string' } },
      strict: true,
      allowPositionals: true,
    });
    values = parsed.values;
    command = parsed.positionals[0];
    if ((command !== 'start' && command !== 'stop') || parsed.positionals.length !== 1 || values.configDir === undefined || values.binDir === undefined) {
      throw new Error(USAGE);
    }
  } catch (err) {
    process.stderr.write(`${err instanceof Error && err.message !== USAGE ? `${err.message}\n` : ''}${USAGE}\n`);
    return 2;
  }
  const confDir = values.configDir;
  const binDir = values.binDir;
  const fromEnv = env['FLINK_SSH_OPTS'];
  try {
    const conf = loadConfiguration({ confDir });
    const ctx = {
      conf,
      confDir,
      binDir,
      env,
      out: consoleSink,
      sshOptions: fromEnv !== undefined && fromEnv !== '' ? { text: fromEnv, source: 'FLINK_SSH_OPTS' } : { text: conf.getOptional(CoreOptions.FLINK_SSH_OPTS), source: 'env.ssh.opts' },
    };
    if (command === 'stop') return (await stopCluster(ctx)).exitCode;
    const result = await startCluster(ctx);
    if (env['FLINK_START_NO_WAIT'] !== '1' && result.jobManagersStarted) {
      // Not being ready in time is a warning (printed by await-cluster), not a failure, as before.
      await awaitClusterMain([
        '--configDir', confDir,
        ...(values.logDir !== undefined ? ['--logDir', values.logDir] : []),
        '--taskmanagers', String(result.taskManagersStarted),
        '--timeout', '30',
      ]);
    }
    return result.exitCode;
  } catch (err) {
    // Flink's own messages for the hosts files are printed as they are; everything else as one Error: line.
    if (err instanceof HostsFileError) process.stderr.write(`${err.message}\n`);
    else if (err instanceof FlinkError || err instanceof Error) process.stderr.write(`Error: ${err.message}\n`);
    else process.stderr.write(`Error: ${String(err)}\n`);
    return 1;
  }
}

// Compared as real paths: an installation may reach dist/ through a symbolic link.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href) {
  process.exitCode = await main(process.argv.slice(2));
}
