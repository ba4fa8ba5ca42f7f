/**
 * The YARN options of Flink's command lines: `bin/yarn-session.sh -s 2 -tm 2048 -nm name ...` and, with a `y`
 * in front, `bin/flink run -m yarn-cluster -ys 2 -ytm 2048 ...` (Flink 1.9's form). Each becomes the
 * configuration key it stands for, so the rest of the client only reads the configuration.
 *
 * ```ts
 * const overrides = yarnOptionProperties(cl, 'y'); // { 'taskmanager.numberOfTaskSlots': '2', ... }
 * ```
 */
import type { CommandLine, OptionSpec } from './cli-options.js';
import { UsageError } from '../util/errors.js';

interface YarnOption extends OptionSpec {
  /** The configuration key the value goes to (absent: handled by the caller, or only a warning). */
  key?: string;
  /** Turns the command-line value into the key's value. */
  convert?: (value: string, name: string) => string;
  /** An option of older Flink versions that does nothing now: said once, then ignored. */
  ignored?: string;
}

/** `-jm 1024` means MiB, as in Flink; a value with a unit (`2g`, `1536m`) is taken as it is. */
function memory(value: string, name: string): string {
  const v = value.trim();
  if (/^\d+$/.test(v)) return `${v}m`;
  if (/^\d+(\.\d+)?\s*[a-zA-Z]+$/.test(v)) return v;
  throw new UsageError(`The memory of ${name} must be a size like 1024 (MiB) or 2g: ${value}`);
}

function positive(value: string, name: string): string {
  if (!/^\d+$/.test(value.trim()) || Number(value) < 1) throw new UsageError(`${name} must be a positive number: ${value}`);
  return value.trim();
}

/** The options without their `y` (yarn-session.sh); `yarnRunOptions()` adds it for `flink run -m yarn-cluster`. */
const OPTIONS: readonly YarnOption[] = [
  { short: 'at', long: 'applicationType', arg: 'arg', key: 'yarn.application.type', description: 'The type of the YARN application (default: Apache Flink).' },
  { short: 'id', long: 'applicationId', arg: 'arg', key: 'yarn.application.id', description: 'The id of a running YARN session to attach to.' },
  { short: 'jm', long: 'jobManagerMemory', arg: 'arg', key: 'jobmanager.memory.process.size', convert: memory, description: 'Memory of the JobManager container, in MiB unless a unit is given.' },
  { short: 'nl', long: 'nodeLabel', arg: 'arg', key: 'yarn.application.node-label', description: 'The YARN node label for the application.' },
  { short: 'nm', long: 'name', arg: 'arg', key: 'yarn.application.name', description: 'A name for the YARN application.' },
  { short: 'qu', long: 'queue', arg: 'arg', key: 'yarn.application.queue', description: 'The YARN queue to submit to.' },
  { short: 's', long: 'slots', arg: 'arg', key: 'taskmanager.numberOfTaskSlots', convert: positive, description: 'Slots of each TaskManager.' },
  { short: 't', long: 'ship', arg: 'arg', key: 'yarn.ship-files', description: 'Files or directories to ship to every container (repeat, or separate with ;).' },
  { short: 'tm', long: 'taskManagerMemory', arg: 'arg', key: 'taskmanager.memory.process.size', convert: memory, description: 'Memory of each TaskManager container, in MiB unless a unit is given.' },
  { short: 'z', long: 'zookeeperNamespace', arg: 'arg', key: 'high-availability.cluster-id', description: 'The ZooKeeper namespace (cluster id) for high availability.' },
  { short: 'n', long: 'container', arg: 'arg', ignored: 'TaskManager containers are started as the jobs need slots', description: 'Ignored (older versions: the number of TaskManager containers).' },
  { short: 'j', long: 'jar', arg: 'arg', ignored: 'flink-ts ships its own installation', description: 'Ignored (older versions: the Flink jar).' },
];

/** yarn-session.sh's own options besides the ones above. */
export const YARN_SESSION_OPTIONS: readonly OptionSpec[] = [
  ...OPTIONS,
  { short: 'd', long: 'detached', description: 'Start the session and return; stop it later with yarn-session.sh -id <appId> and "stop", or yarn application -kill.' },
  { short: 'D', arg: 'property=value', description: 'Use value for the given property.' },
  { short: 'h', long: 'help', description: 'Help for the YARN session command line.' },
  { short: 'q', long: 'query', description: "Show the YARN cluster's available resources (memory, vcores)." },
];

/** `flink run -m yarn-cluster` options: the same with a `y` (`-ys`, `--yarnslots`), plus -yD and -yd. */
export function yarnRunOptions(): OptionSpec[] {
  const prefixed = OPTIONS.map((o) => ({ ...o, short: `y${o.short}`, long: `yarn${o.long}` }));
  return [
    ...prefixed,
    { short: 'yD', arg: 'property=value', description: 'Use value for the given property (YARN).' },
    { short: 'yd', long: 'yarndetached', description: 'Deprecated: use -d. Run the job detached.' },
    { short: 'yh', long: 'yarnhelp', description: 'Help for the YARN options.' },
  ];
}

/**
 * The configuration the YARN options of `cl` set (`prefix` 'y' for `flink run`, '' for yarn-session.sh), and
 * warnings for options that do nothing any more.
 */
export function yarnOptionProperties(cl: CommandLine, prefix: 'y' | ''): { properties: Record<string, string>; warnings: string[] } {
  const properties: Record<string, string> = {};
  const warnings: string[] = [];
  for (const o of OPTIONS) {
    const name = `${prefix}${o.short}`;
    if (!cl.has(name)) continue;
    if (o.ignored !== undefined) {
      warnings.push(`The option -${name} is ignored: ${o.ignored}.`);
      continue;
    }
    if (o.key === undefined) continue;
    const values = cl.values(name);
    if (o.key === 'yarn.ship-files') {
      properties[o.key] = values.join(';');
      continue;
    }
    const value = values[values.length - 1] as string;
    properties[o.key] = o.convert ? o.convert(value, `-${name}`) : value;
  }
  for (const d of cl.values(`${prefix}D`)) {
    const eq = d.indexOf('=');
    if (eq <= 0) throw new UsageError(`-${prefix}D needs property=value: ${d}`);
    properties[d.slice(0, eq).trim()] = d.slice(eq + 1).trim();
  }
  return { properties, warnings };
}
