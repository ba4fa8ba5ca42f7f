/**
 * `bin/yarn-session.sh`: starts a flink-ts session cluster on YARN (or attaches to one with `-id`), prints the
 * JobManager's web address and the application id, and writes the properties file that later `bin/flink run`,
 * `list` and `cancel` use to find it. Attached, it waits for `stop` (or `quit`) on stdin and then shuts the
 * cluster down; `-d` returns at once. Output and exit codes follow bin/flink's.
 */
import { createInterface } from 'node:readline';
import { YarnConfigOptions } from '../config/index.js';
import { UsageError } from '../util/errors.js';
import { followApplication, killApplication, ResourceManagerRestClient } from '../yarn/client/index.js';
import { printError } from './cli.js';
import { loadCliConfiguration } from './cli-environment.js';
import { formatOptionTable, parseCommandLine, type CommandLine } from './cli-options.js';
import type { RestClient } from './rest-client.js';
import { YARN_SESSION_OPTIONS, yarnOptionProperties } from './yarn-cli-options.js';
import { deployYarnCluster, jobManagerAddress, restClientOf } from './yarn-deployment.js';
import { removePropertiesFile, writePropertiesFile } from './yarn-session.js';

interface Io {
  out(line: string): void;
  err(line: string): void;
}

const USAGE = 'Usage: bin/yarn-session.sh [OPTIONS]';

export async function yarnSessionMain(argv: readonly string[], io: Io, stdin: NodeJS.ReadableStream = process.stdin): Promise<number> {
  try {
    const cl = parseCommandLine(YARN_SESSION_OPTIONS, argv, false);
    if (cl.has('h')) {
      io.out(USAGE);
      for (const line of formatOptionTable(YARN_SESSION_OPTIONS)) io.out(line);
      return 0;
    }
    if (cl.args.length > 0) throw new UsageError(`yarn-session.sh takes no arguments: ${cl.args.join(' ')}`);
    return await run(cl, io, stdin);
  } catch (err) {
    return printError(err, io);
  }
}

async function run(cl: CommandLine, io: Io, stdin: NodeJS.ReadableStream): Promise<number> {
  const yarn = yarnOptionProperties(cl, '');
  for (const warning of yarn.warnings) io.err(warning);
  const conf = loadCliConfiguration(cl.values('D'), yarn.properties, (line) => io.err(line));
  const rm = ResourceManagerRestClient.fromEnvironment();
  if (cl.has('q')) {
    const m = await rm.getClusterMetrics();
    io.out(`NodeManagers: ${m.activeNodes}; available memory ${m.availableMB} MB of ${m.totalMB} MB; available vcores ${m.availableVirtualCores} of ${m.totalVirtualCores}.`);
    return 0;
  }
  let applicationId: string;
  let client: RestClient;
  let address: string;
  const existing = conf.getOptional(YarnConfigOptions.APPLICATION_ID);
  if (existing !== undefined) {
    applicationId = existing;
    address = await jobManagerAddress(rm, applicationId, (line) => io.out(line));
    client = restClientOf(conf, address, applicationId);
    io.out(`Found Web Interface ${address} of application '${applicationId}'.`);
  } else {
    const d = await deployYarnCluster(conf, rm, { print: (line) => io.out(line), defaultName: 'Flink session cluster' });
    ({ address, client } = d);
    applicationId = d.app.applicationId;
  }
  const file = await writePropertiesFile(conf, applicationId);
  io.out(`JobManager Web Interface: ${client.url}`);
  io.out(`The YARN session is application ${applicationId}; bin/flink run, list and cancel find it through ${file}.`);
  if (cl.has('d')) {
    io.out('The session runs detached. Stop it with:');
    io.out(`  echo stop | bin/yarn-session.sh -id ${applicationId}`);
    io.out(`or through YARN (nothing of the session's jobs is saved then): yarn application -kill ${applicationId}`);
    return 0;
  }
  io.out("Type 'stop' (or 'quit') and Enter to stop the session.");
  const why = await untilStopped(stdin, rm, applicationId);
  if (why === 'ended') {
    io.out(`The application ${applicationId} has ended.`);
  } else {
    io.out(`Stopping the YARN session ${applicationId} ...`);
    await client.shutDownCluster().catch(() => undefined);
    const { report, timedOut } = await followApplication(applicationId, () => {}, { rm, until: 'final', timeoutMs: 60_000 });
    // A JobManager that does not go by itself is ended by YARN.
    if (timedOut) await killApplication(applicationId, { rm });
    io.out(`The YARN session ${applicationId} is ${timedOut ? 'KILLED' : `${report.state} (${report.finalStatus})`}.`);
  }
  await removePropertiesFile(conf, applicationId);
  return 0;
}

/** Resolves on `stop`/`quit` on stdin, or when the application ends some other way (killed through YARN). */
function untilStopped(stdin: NodeJS.ReadableStream, rm: ResourceManagerRestClient, applicationId: string): Promise<'stop' | 'ended'> {
  return new Promise((resolve) => {
    const lines = createInterface({ input: stdin });
    let timer: NodeJS.Timeout | undefined;
    const done = (why: 'stop' | 'ended'): void => {
      if (timer) clearInterval(timer);
      lines.close();
      resolve(why);
    };
    lines.on('line', (line) => {
      if (/^\s*(stop|quit)\s*$/i.test(line)) done('stop');
    });
    // Without a terminal (stdin at its end), the session runs until it is stopped through YARN or the REST API.
    timer = setInterval(() => {
      void rm.getApplicationReport(applicationId).then(
        (r) => (['FINISHED', 'FAILED', 'KILLED'].includes(r.state) ? done('ended') : undefined),
        () => undefined,
      );
    }, 2_000);
  });
}
