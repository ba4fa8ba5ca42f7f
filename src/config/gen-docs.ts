/**
 * Prints docs/config.md from the option registry:
 *   node dist/src/config/gen-docs.js > docs/config.md
 */
import type { ConfigOption } from './config-option.js';
import { OPTION_GROUPS } from './all-options.js';
import { FLINK_KEY_PATTERNS } from './flink-key-lookup.js';
import { formatReadable } from './values.js';

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

function typeCell(option: ConfigOption<unknown>): string {
  switch (option.type) {
    case 'enum':
      return `enum: ${(option.enumValues ?? []).map((v) => `\`${v}\``).join(', ')}`;
    case 'list':
      return `list (${(option.listSeparators ?? [';']).map((s) => `\`${s}\``).join(' or ')} separated)`;
    case 'duration':
      return 'duration';
    case 'memory':
      return 'memory size';
    default:
      return option.type;
  }
}

function defaultCell(option: ConfigOption<unknown>): string {
  if (option.defaultDescription !== undefined) return `(${option.defaultDescription})`;
  if (option.defaultValue === undefined) return '(none)';
  const text = formatReadable(option, option.defaultValue);
  return text === '' ? '`""`' : `\`${text}\``;
}

function descriptionCell(option: ConfigOption<unknown>): string {
  let text = option.description;
  if (option.enumAliases !== undefined) {
    const aliases = Object.entries(option.enumAliases).map(([alias, canonical]) => `\`${alias}\` = \`${canonical}\``);
    text += ` Also accepted: ${aliases.join(', ')}.`;
  }
  if (option.enumRefused !== undefined) {
    const refused = Object.entries(option.enumRefused).map(([value, why]) => `\`${value}\` (use \`${why.instead}\`)`);
    text += ` Refused with an explanation: ${refused.join(', ')}.`;
  }
  if (option.deprecatedKeys.length > 0) {
    text += ` Deprecated keys: ${option.deprecatedKeys.map((k) => `\`${k}\``).join(', ')}.`;
  }
  return text;
}

function renderConfigDocs(): string {
  const out: string[] = [
    '# Configuration',
    '',
    '<!-- Generated from src/config by `node dist/src/config/gen-docs.js > docs/config.md`. Do not edit by hand. -->',
    '',
    'flink-ts reads `flink-conf.yaml` from `$FLINK_CONF_DIR` (default `<FLINK_HOME>/conf`): one `key: value` per line,',
    '`#` starts a comment, and when a key appears twice the last occurrence wins. Values are layered:',
    'defaults < `flink-conf.yaml` < environment (`FLINK_LOG_DIR`, `FLINK_PID_DIR`, `FLINK_SSH_OPTS`) < `-D key=value`.',
    '',
    'Durations are a whole number with a unit (`ms`, `s`, `min`, `h`, `d`; e.g. `10 s`, `1 min`); a plain number means',
    'milliseconds. Memory sizes are a whole number with a unit (`b`, `kb`, `mb`, `gb`, `tb`, or `k`, `m`, `g`, `t`;',
    'e.g. `1024m`); a plain number means bytes. Enum values are case-insensitive.',
    '',
    'Check a configuration with `node dist/src/config/cli.js check`; print effective values with',
    '`node dist/src/config/cli.js get <key>...`.',
    '',
    'A key with a `<name>` part is a family: the name is yours (no dots or spaces), e.g. `metrics.reporter.prom.port`',
    'for the reporter named `prom`. Each key of a family has the type, default and checks of the row below.',
    '',
    '## Keys of Apache Flink',
    '',
    'A key that is not in the tables below but that Apache Flink knows is accepted and ignored, with one warning',
    '(`<key> (line N of <file>) has no effect in flink-ts (an Apache Flink key that flink-ts does not use)`) in the',
    'output of `config check` and `bin/start-cluster.sh`, in the JobManager and TaskManager logs, and, for `-D`,',
    'from `bin/flink`. So a `flink-conf.yaml` written for Flink starts a cluster here. Flink\'s keys are the ones its',
    'option classes declare in Flink 1.2 to 1.20, deprecated keys included (`src/config/flink-keys.ts`, generated',
    'by `scripts/flink-keys/generate.sh` from Flink\'s jars), plus these families whose last parts are free:',
    '',
    ...FLINK_KEY_PATTERNS.map((p) => `- \`${p}\``),
    '',
    'A family key one typo away from a flink-ts key is treated as that typo. Any other unknown key is an error that',
    'names the closest flink-ts key (or Flink key).',
    '',
    'flink-ts reads `flink-conf.yaml` only. A configuration directory with Flink 1.19+\'s nested `config.yaml` and',
    'no `flink-conf.yaml` is an error; next to a `flink-conf.yaml`, `config.yaml` is named in a warning as not read.',
    '',
    '## Memory',
    '',
    'bin/flink-daemon.sh gives each daemon its heap (`*.memory.process.size` when set, else `*.heap.size`) as',
    '`--max-old-space-size`. A TaskManager also gives each slot\'s worker thread an equal share of that heap as its',
    'limit; a task that outgrows it fails with `TaskOutOfMemoryError` naming the slot and the limit, and the',
    'TaskManager keeps running. When a TaskManager process runs out of memory all the same, a small watchdog',
    '(a `/bin/sh` process of about 2 MiB) sends the end of its `.out` file to the JobManager, and the job fails',
    'with `TaskManagerOutOfMemoryError` quoting it.',
    '',
    'The minimum heap is 64m, and 16m per slot. Measured on this code (Node.js 20): a TaskManager starts with 8 MiB',
    'of old space and a JobManager with 12 MiB; WordCount over 13 MB of text with 50,000 distinct words needs 16 MiB',
    'in one slot (streaming) and 32 MiB (batch). A TaskManager process uses about 60 MB of resident memory at',
    'these sizes, most of it outside the limited heap.',
  ];
  for (const group of OPTION_GROUPS) {
    out.push('', `## ${group.name}`, '', '| Key | Type | Default | Description |', '|---|---|---|---|');
    for (const option of group.options) {
      out.push(`| \`${option.key}\` | ${cell(typeCell(option))} | ${cell(defaultCell(option))} | ${cell(descriptionCell(option))} |`);
    }
  }
  return `${out.join('\n')}\n`;
}

process.stdout.write(renderConfigDocs());
