/**
 * What every `bin/flink` action shares: its I/O, parsing its options (and `-h`), the job id argument, the
 * configuration with `-D`, and the REST client of the cluster it talks to.
 */
import { parseDynamicProperty, type Configuration } from '../config/index.js';
import { FlinkError, UsageError } from '../util/errors.js';
import { GENERAL_OPTIONS, actionHelp, type ActionName } from './cli-help.js';
import { loadCliConfiguration } from './cli-environment.js';
import { parseCommandLine, type CommandLine, type OptionSpec } from './cli-options.js';
import { clusterRestClient } from './cluster-address.js';
import { yarnOptionProperties } from './yarn-cli-options.js';
import { executionTarget, yarnSessionClient } from './yarn-session.js';
import type { RestClient } from './rest-client.js';
import type { ProgressLine } from './job-progress.js';

export interface CliIo {
  out(line: string): void;
  err(line: string): void;
  /** The installation directory, for `-v`. */
  home: string;
  /** The progress line of an attached run, when stdout is a terminal (out and err erase it before writing). */
  progress?(): ProgressLine | undefined;
}

/** An action reached the cluster but could not do its work; the cause says why. */
export class CliActionError extends FlinkError {
  constructor(message: string, cause: unknown) {
    super('CLI_ACTION_FAILED', message, { cause });
  }
}

export type Action = (args: readonly string[], io: CliIo) => Promise<void>;

const JOB_ID = /^[0-9a-fA-F]{32}$/;

export function parse(action: ActionName, specs: readonly OptionSpec[], args: readonly string[], stopAtNonOption: boolean, io: CliIo): CommandLine | undefined {
  const cl = parseCommandLine([...specs, ...GENERAL_OPTIONS], args, stopAtNonOption);
  if (cl.has('h')) {
    for (const line of actionHelp(action)) io.out(line);
    return undefined;
  }
  return cl;
}

export function parseJobId(value: string): string {
  if (!JOB_ID.test(value)) {
    throw new UsageError(
      `Cannot parse JobID from "${value}". The expected format is [0-9a-fA-F]{32}, e.g. fd72014d4c864993a2e5a9287b4a9c5d.`,
    );
  }
  return value.toLowerCase();
}

/** Overrides that options other than -D imply (`-z` names the HA cluster id). */
function derivedProperties(cl: CommandLine): Record<string, string> {
  const z = cl.value('z');
  return z === undefined ? {} : { 'high-availability.cluster-id': z };
}

export function loadConfig(cl: CommandLine, io: CliIo): Configuration {
  // `flink run -m yarn-cluster -ys 2 -ytm 2048 ...`: Flink 1.9's YARN options, as the keys they stand for.
  const yarn = yarnOptionProperties(cl, 'y');
  for (const warning of yarn.warnings) io.err(warning);
  return loadCliConfiguration(cl.values('D'), { ...yarn.properties, ...derivedProperties(cl) }, (line) => io.err(line));
}

/** `-m host:port`, unless it is the older `-m yarn-cluster` form (which means a YARN target). */
export function jobManagerOverride(cl: CommandLine): string | undefined {
  const m = cl.value('m');
  return m === undefined || m === 'yarn-cluster' ? undefined : m;
}

/** Whether `-D rest.address=...` names the REST endpoint (then no HA leader lookup). */
export function restAddressGiven(cl: CommandLine): boolean {
  return cl.values('D').some((property) => parseDynamicProperty(property)[0] === 'rest.address');
}

/** The REST client of the cluster: `-m`, `-D rest.address`, the HA leader, or the configuration (cluster-address.ts). */
export async function clusterClient(cl: CommandLine, io: CliIo, conf: Configuration = loadConfig(cl, io)): Promise<RestClient> {
  // A YARN session: -yid, -t yarn-session, or the properties file of bin/yarn-session.sh (-m yarn-cluster without an
  // application id means the session of that file here, as there is no job to start a cluster for).
  const target = executionTarget(conf, { target: cl.value('t'), jobManager: cl.value('m') }, (line) => io.err(line));
  if (target === 'yarn-session' || target === 'yarn-per-job') return (await yarnSessionClient(conf)).client;
  return clusterRestClient(conf, { jobManagerOverride: jobManagerOverride(cl), restAddressGiven: restAddressGiven(cl) });
}

