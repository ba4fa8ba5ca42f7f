/**
 * YARN session clusters from the client's side: the properties file `bin/yarn-session.sh` leaves for later
 * commands (`<yarn.properties-file.location or the temp dir>/.yarn-properties-<user>`, Flink's name and format),
 * and how `bin/flink run|list|cancel` find a session: `-yid`/`-Dyarn.application.id`, or `-t yarn-session` /
 * `-m yarn-cluster` with the properties file, then the JobManager's REST address from the application report.
 */
import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { YarnConfigOptions, type Configuration } from '../config/index.js';
import { FlinkError } from '../util/errors.js';
import { ResourceManagerRestClient } from '../yarn/client/index.js';
import type { RestClient } from './rest-client.js';
import { jobManagerAddress, restClientOf } from './yarn-deployment.js';

/** No session to talk to: no application id given, and no properties file of a yarn-session.sh. */
export class NoYarnSessionError extends FlinkError {
  constructor(file: string) {
    super(
      'YARN_NO_SESSION',
      `No YARN session was named and ${file} (written by bin/yarn-session.sh) does not exist. Start one with ` +
        'bin/yarn-session.sh, or name it with -yid <applicationId> or -Dyarn.application.id=<applicationId>.',
    );
  }
}

export function propertiesFile(conf: Configuration): string {
  const user = process.env['HADOOP_USER_NAME'] || userInfo().username;
  return join(conf.getOptional(YarnConfigOptions.PROPERTIES_FILE_LOCATION) ?? tmpdir(), `.yarn-properties-${user}`);
}

/** Writes the properties file of a session (Java properties, as Flink's yarn-session.sh writes them). */
export async function writePropertiesFile(conf: Configuration, applicationId: string): Promise<string> {
  const file = propertiesFile(conf);
  await writeFile(file, `#Generated YARN properties file\n#${new Date().toUTCString()}\ndynamicPropertiesString=\napplicationID=${applicationId}\n`, { mode: 0o644 });
  return file;
}

/** The session's application id from the properties file, or undefined without one. */
export async function readPropertiesFile(conf: Configuration): Promise<string | undefined> {
  const file = propertiesFile(conf);
  if (!existsSync(file)) return undefined;
  const line = (await readFile(file, 'utf8')).split('\n').find((l) => /^applicationID\s*[=:]/.test(l));
  return line?.replace(/^applicationID\s*[=:]\s*/, '').trim() || undefined;
}

/** Removes the properties file if it names `applicationId` (a newer session's file stays). */
export async function removePropertiesFile(conf: Configuration, applicationId: string): Promise<void> {
  if ((await readPropertiesFile(conf)) === applicationId) await rm(propertiesFile(conf), { force: true });
}

/**
 * The execution target a command line means, as Flink's CLI decides it: `-t` (or `execution.target`); a named
 * YARN application (`-yid`, `yarn.application.id`) is a session; `-m yarn-cluster` a per-job cluster; no `-m` at
 * all but a yarn-session.sh properties file, that session (said on stderr); else the configured cluster.
 */
export function executionTarget(conf: Configuration, given: { target?: string | undefined; jobManager?: string | undefined }, note: (line: string) => void): string {
  if (given.target !== undefined) return given.target;
  const configured = conf.toMap()['execution.target'];
  if (configured) return configured;
  if (conf.getOptional(YarnConfigOptions.APPLICATION_ID) !== undefined) return 'yarn-session';
  if (given.jobManager === 'yarn-cluster') return 'yarn-per-job';
  if (given.jobManager === undefined && existsSync(propertiesFile(conf))) {
    note(`Found YARN properties file under ${propertiesFile(conf)}.`);
    return 'yarn-session';
  }
  return 'remote';
}

/** The REST client of the session's JobManager. */
export async function yarnSessionClient(conf: Configuration): Promise<{ applicationId: string; client: RestClient }> {
  const applicationId = conf.getOptional(YarnConfigOptions.APPLICATION_ID) ?? (await readPropertiesFile(conf));
  if (applicationId === undefined) throw new NoYarnSessionError(propertiesFile(conf));
  const rm = ResourceManagerRestClient.fromEnvironment();
  const address = await jobManagerAddress(rm, applicationId);
  return { applicationId, client: restClientOf(conf, address, applicationId) };
}
