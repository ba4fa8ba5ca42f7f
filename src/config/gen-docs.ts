/**
 * Prints docs/config.md from the option registry:
 *   node dist/src/config/gen-docs.js > docs/config.md
 */
import type { ConfigOption } from './config-option.js';
import { OPTION_GROUPS } from './all-options.js';
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
    'e.g. `1024m`); a plain number means bytes. Enum values are case-insensitive. Unknown keys are rejected.',
    '',
    'Check a configuration with `node dist/src/config/cli.js check`; print effective values with',
    '`node dist/src/config/cli.js get <key>...`.',
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
