/**
 * Configuration checks for the bash scripts:
 *   node dist/src/config/cli.js [--configDir DIR] [-D key=value ...] check
 *   node dist/src/config/cli.js [--configDir DIR] [-D key=value ...] get KEY [KEY...]
 * `check` exits 0 when the configuration is valid; it prints one `Warning: ...` line on stderr for each key of
 * Apache Flink that has no effect here (and each file that is not read), and nothing else. `get` prints each
 * effective value on its own line (an empty line when unset without default; durations in ms, memory sizes in
 * bytes) and no warnings, so scripts can read it. A configuration error is printed as its one line on stderr
 * with exit code 1; a usage mistake exits with 2.
 */
import { lookupOption, suggestKey } from './all-options.js';
import { ConfigurationError } from './configuration-error.js';
import { loadConfiguration, parseDynamicProperty } from './loader.js';
import { slotHeap } from './memory.js';
import { metricReporters } from './metric-options.js';
import { formatValue } from './values.js';

const USAGE = 'Usage: cli.js [--configDir DIR] [-D key=value ...] (check | get KEY [KEY...])';

class CliUsageError extends Error {}

interface Args {
  confDir?: string;
  dynamic: Record<string, string>;
  positional: string[];
}

function parseArgs(argv: readonly string[]): Args {
  const args: Args = { dynamic: {}, positional: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const next = (): string => {
      const value = argv[++i];
      if (value === undefined) throw new CliUsageError(`${arg} needs a value`);
      return value;
    };
    if (arg === '--configDir' || arg === '-c') args.confDir = next();
    else if (arg.startsWith('--configDir=')) args.confDir = arg.slice('--configDir='.length);
    else if (arg === '-D') addDynamic(args, next());
    else if (arg.startsWith('-D')) addDynamic(args, arg.slice(2));
    else if (arg === '-h' || arg === '--help') args.positional.unshift('help');
    else if (arg.startsWith('-') && arg !== '-') throw new CliUsageError(`Unknown option ${arg}`);
    else args.positional.push(arg);
  }
  return args;
}

function addDynamic(args: Args, property: string): void {
  const [key, value] = parseDynamicProperty(property);
  args.dynamic[key] = value;
}

function run(argv: readonly string[]): number {
  const args = parseArgs(argv);
  const [command, ...rest] = args.positional;
  if (command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (command !== 'check' && command !== 'get') {
    throw new CliUsageError(command === undefined ? 'Missing command' : `Unknown command '${command}'`);
  }
  if (command === 'get' && rest.length === 0) throw new CliUsageError('get needs at least one KEY');
  if (command === 'check' && rest.length > 0) throw new CliUsageError(`check takes no arguments, got '${rest.join(' ')}'`);

  // Resolve keys first so a typo fails before anything is printed.
  const options = rest.map((key) => {
    const option = lookupOption(key)?.option;
    if (option === undefined) {
      const suggestion = suggestKey(key);
      throw new ConfigurationError(`Unknown configuration key '${key}'.${suggestion === undefined ? '' : ` Did you mean ${suggestion}?`}`, { key });
    }
    return option;
  });
  const conf = loadConfiguration({ ...(args.confDir === undefined ? {} : { confDir: args.confDir }), dynamicProperties: args.dynamic });
  if (command === 'check') {
    // What only a combination of keys can get wrong, checked before any daemon starts.
    slotHeap(conf);
    // Reporters flink-ts does not have are said here too, so bin/start-cluster.sh shows them before the daemons start.
    for (const warning of [...conf.warnings(), ...metricReporters(conf).warnings]) process.stderr.write(`Warning: ${warning}\n`);
    return 0;
  }
  const lines = options.map((option) => {
    const value = conf.getOptional(option);
    return value === undefined ? '' : formatValue(option, value);
  });
  if (lines.length > 0) process.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}

try {
  process.exitCode = run(process.argv.slice(2));
} catch (err) {
  if (err instanceof ConfigurationError) {
    process.stderr.write(`${err.message}\n`);
    process.exitCode = 1;
  } else if (err instanceof CliUsageError) {
    process.stderr.write(`${err.message}. ${USAGE}\n`);
    process.exitCode = 2;
  } else {
    throw err;
  }
}
