/**
 * The options of each `bin/flink` action and the help text, laid out as Flink's CliFrontendParser prints it.
 */
import { formatOptionTable, type OptionSpec } from './cli-options.js';

export const HELP: OptionSpec = {
  short: 'h',
  long: 'help',
  description: 'Show the help message for the CLI Frontend or the action.',
};

const CLASS: OptionSpec = {
  short: 'c',
  long: 'class',
  arg: 'classname',
  description:
    'Class with the program entry point ("main()" method). Only needed if the JAR file does not specify the ' +
    'class in its manifest. A flink-ts program is a module whose top level builds the job, so this option is ' +
    'accepted and ignored.',
};

const PARALLELISM: OptionSpec = {
  short: 'p',
  long: 'parallelism',
  arg: 'parallelism',
  description:
    'The parallelism with which to run the program. Optional flag to override the default value specified in ' +
    'the configuration.',
};

const DETACHED: OptionSpec = { short: 'd', long: 'detached', description: 'If present, runs the job in detached mode' };

const FROM_SAVEPOINT: OptionSpec = {
  short: 's',
  long: 'fromSavepoint',
  arg: 'savepointPath',
  description: 'Path to a savepoint to restore the job from (for example hdfs:///flink/savepoint-1537).',
};

const ALLOW_NON_RESTORED: OptionSpec = {
  short: 'n',
  long: 'allowNonRestoredState',
  description:
    'Allow to skip savepoint state that cannot be restored. You need to allow this if you removed an operator ' +
    'from your program that was part of the program when the savepoint was triggered.',
};

const SHUTDOWN_ON_ATTACHED_EXIT: OptionSpec = {
  short: 'sae',
  long: 'shutdownOnAttachedExit',
  description:
    'If the job is submitted in attached mode, perform a best-effort cluster shutdown when the CLI is ' +
    'terminated abruptly, e.g., in response to a user interrupt, such as typing Ctrl + C.',
};

const DYNAMIC: OptionSpec = {
  short: 'D',
  arg: 'property=value',
  description:
    'Allows specifying multiple generic configuration options. The available options are listed in ' +
    'docs/config.md.',
};

const TARGET: OptionSpec = {
  short: 't',
  long: 'target',
  arg: 'arg',
  description:
    'The deployment target for the given application, which is equivalent to the "execution.target" config ' +
    'option. For the "run" action the currently available targets are: "remote", "local", "yarn-per-job", ' +
    '"yarn-session".',
};

const JOBMANAGER: OptionSpec = {
  short: 'm',
  long: 'jobmanager',
  arg: 'arg',
  description:
    'Address of the JobManager to which to connect. Use this flag to connect to a different JobManager than ' +
    'the one specified in the configuration. Attention: This option is respected only if the ' +
    'high-availability configuration is NONE.',
};

const ZOOKEEPER_NAMESPACE: OptionSpec = {
  short: 'z',
  long: 'zookeeperNamespace',
  arg: 'arg',
  description: 'Namespace to create the Zookeeper sub-paths for high availability mode',
};

/** Options every action accepts (Flink's "Generic CLI" and "default" modes). */
export const GENERAL_OPTIONS: readonly OptionSpec[] = [HELP, DYNAMIC, TARGET, JOBMANAGER, ZOOKEEPER_NAMESPACE];

export const RUN_OPTIONS: readonly OptionSpec[] = [
  CLASS, PARALLELISM, DETACHED, FROM_SAVEPOINT, ALLOW_NON_RESTORED, SHUTDOWN_ON_ATTACHED_EXIT,
];
export const INFO_OPTIONS: readonly OptionSpec[] = [CLASS, PARALLELISM];
export const LIST_OPTIONS: readonly OptionSpec[] = [
  { short: 'a', long: 'all', description: 'Show all programs and their JobIDs' },
  { short: 'r', long: 'running', description: 'Show only running programs and their JobIDs' },
  { short: 's', long: 'scheduled', description: 'Show only scheduled programs and their JobIDs' },
];
const SAVEPOINT_FORMAT: OptionSpec = {
  short: 'type',
  long: 'type',
  arg: 'arg',
  description:
    'Describes the binary format in which a savepoint should be taken. Supported options: [canonical - a common ' +
    'format for all state backends, allow for changing state backends, native = a specific format for the chosen ' +
    'state backend, might be faster to take and restore from. flink-ts writes one format for both.',
};

const SAVEPOINT_DETACHED: OptionSpec = {
  short: 'detached',
  description:
    'Triggering savepoint in detached mode, client and JM are decoupled, return the savepoint trigger id as the ' +
    'unique identification of the detached savepoint.',
};

export const CANCEL_OPTIONS: readonly OptionSpec[] = [
  {
    short: 's',
    long: 'withSavepoint',
    arg: 'targetDirectory',
    optionalArg: true,
    description:
      '**DEPRECATION WARNING**: Cancelling a job with savepoint is deprecated. Use "stop" instead.\n' +
      'Trigger savepoint and cancel job. The target directory is optional. If no directory is specified, the ' +
      'configured default directory (state.savepoints.dir) is used.',
  },
  SAVEPOINT_FORMAT,
];
export const STOP_OPTIONS: readonly OptionSpec[] = [
  {
    short: 'd',
    long: 'drain',
    description: 'Send MAX_WATERMARK before taking the savepoint and stopping the pipeline.',
  },
  {
    short: 'p',
    long: 'savepointPath',
    arg: 'savepointPath',
    optionalArg: true,
    description:
      'Path to the savepoint (for example hdfs:///flink/savepoint-1537). If no directory is specified, the ' +
      'configured default will be used ("state.savepoints.dir").',
  },
  SAVEPOINT_FORMAT,
  SAVEPOINT_DETACHED,
];
export const SAVEPOINT_OPTIONS: readonly OptionSpec[] = [
  { short: 'd', long: 'dispose', arg: 'arg', description: 'Path of savepoint to dispose.' },
  SAVEPOINT_FORMAT,
  SAVEPOINT_DETACHED,
];

export type ActionName = 'run' | 'run-application' | 'info' | 'list' | 'stop' | 'cancel' | 'savepoint';

interface ActionHelp {
  summary: string;
  syntax: string;
  options: readonly OptionSpec[];
  /** Whether the general (Generic CLI / default mode) options are listed too. */
  general: boolean;
}

const ACTION_HELP: Readonly<Record<ActionName, ActionHelp>> = {
  run: {
    summary: 'compiles and runs a program.',
    syntax: 'run [OPTIONS] <program-file> <arguments>',
    options: RUN_OPTIONS,
    general: true,
  },
  'run-application': {
    summary: 'runs an application in Application Mode.',
    syntax: 'run-application [OPTIONS] <program-file> <arguments>',
    options: RUN_OPTIONS,
    general: true,
  },
  info: {
    summary: 'shows the optimized execution plan of the program (JSON).',
    syntax: 'info [OPTIONS] <program-file> <arguments>',
    options: INFO_OPTIONS,
    general: false,
  },
  list: { summary: 'lists running and scheduled programs.', syntax: 'list [OPTIONS]', options: LIST_OPTIONS, general: true },
  stop: {
    summary: 'stops a running program with a savepoint (streaming jobs only).',
    syntax: 'stop [OPTIONS] <Job ID>',
    options: STOP_OPTIONS,
    general: true,
  },
  cancel: {
    summary: 'cancels a running program.',
    syntax: 'cancel [OPTIONS] <Job ID>',
    options: CANCEL_OPTIONS,
    general: true,
  },
  savepoint: {
    summary: 'triggers savepoints for a running job or disposes existing ones.',
    syntax: 'savepoint [OPTIONS] <Job ID> [<target directory>]',
    options: SAVEPOINT_OPTIONS,
    general: true,
  },
};

export const ACTION_ORDER: readonly ActionName[] = ['run', 'run-application', 'info', 'list', 'stop', 'cancel', 'savepoint'];

export function actionHelp(action: ActionName): string[] {
  const help = ACTION_HELP[action];
  const lines = ['', `Action "${action}" ${help.summary}`, '', `  Syntax: ${help.syntax}`];
  if (help.options.length > 0) {
    lines.push(`  "${action}" action options:`, ...formatOptionTable(help.options));
  }
  if (help.general) {
    lines.push('  Options for Generic CLI mode:', ...formatOptionTable([DYNAMIC, TARGET]), '');
    lines.push('  Options for default mode:', ...formatOptionTable([DYNAMIC, JOBMANAGER, ZOOKEEPER_NAMESPACE]), '');
  }
  lines.push('');
  return lines;
}

export function generalHelp(): string[] {
  const lines = ['./flink <ACTION> [OPTIONS] [ARGUMENTS]', '', 'The following actions are available:'];
  for (const action of ACTION_ORDER) lines.push(...actionHelp(action));
  lines.push('');
  return lines;
}
