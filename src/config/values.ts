/**
 * Converting configuration text to typed values and back, and the one-line errors that say where a bad value
 * came from and what to write instead.
 */
import type { ConfigOption } from './config-option.js';
import { ConfigurationError } from './configuration-error.js';
import { DURATION_HINT, MEMORY_HINT, formatDuration, formatDurationReadable, formatMemorySize, tryParseDuration, tryParseMemorySize } from './units.js';

/** Where a configuration value came from; error messages name it. */
export type Origin =
  | { readonly kind: 'file'; readonly file: string; readonly line: number }
  | { readonly kind: 'dynamic' }
  | { readonly kind: 'env'; readonly variable: string }
  | { readonly kind: 'map'; readonly name: string };

/** A value as written, under the key as written (possibly a deprecated one). */
export interface RawEntry {
  readonly key: string;
  readonly value: string;
  readonly origin: Origin;
}

/** `source` of the public API: '-D' for dynamic properties, anything else names a map. */
export function originOf(source: string | undefined): Origin {
  if (source === '-D') return { kind: 'dynamic' };
  return { kind: 'map', name: source ?? 'configuration map' };
}

function location(origin: Origin, key: string): string {
  switch (origin.kind) {
    case 'file':
      return `${origin.file}:${origin.line}: ${key}`;
    case 'dynamic':
      return `-D ${key}`;
    case 'env':
      return `environment variable ${origin.variable} (${key})`;
    case 'map':
      return `${origin.name}: ${key}`;
  }
}

/** How a user would write `key` = `value` in the place the bad value came from. */
export function exampleFor(origin: Origin, key: string, value: string): string {
  switch (origin.kind) {
    case 'dynamic':
      return `-D ${key}=${value}`;
    case 'env':
      return `${origin.variable}=${value}`;
    default:
      return `${key}: ${value}`;
  }
}

export function invalidValue(origin: Origin, writtenKey: string, problem: string, example?: string): ConfigurationError {
  const tail = example === undefined ? '' : `, e.g. ${example}`;
  return new ConfigurationError(`Invalid configuration in ${location(origin, writtenKey)}: ${problem}${tail}`, {
    key: writtenKey,
    ...(origin.kind === 'file' ? { file: origin.file, line: origin.line } : {}),
  });
}

const INT_MIN = -(2 ** 31);
const INT_MAX = 2 ** 31 - 1;
const DOUBLE = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** Shows a user's value inside a message without letting a huge value swamp it. */
function quote(text: string): string {
  return `'${text.length > 80 ? `${text.slice(0, 77)}...` : text}'`;
}

/** Converts text to the option's type, or returns the problem (a sentence that says what to use instead). */
export function convert(option: ConfigOption<unknown>, text: string): { value: unknown } | { problem: string; instead?: string } {
  const raw = text.trim();
  switch (option.type) {
    case 'string':
      return { value: raw };
    case 'int': {
      if (!/^[+-]?\d+$/.test(raw)) return { problem: `${quote(raw)} is not an integer. Use a whole number` };
      const n = Number(raw);
      if (n < INT_MIN || n > INT_MAX) return { problem: `${quote(raw)} is too large. Use a whole number from ${INT_MIN} to ${INT_MAX}` };
      return { value: n };
    }
    case 'double':
      if (!DOUBLE.test(raw) || !Number.isFinite(Number(raw))) return { problem: `${quote(raw)} is not a number. Use a decimal number` };
      return { value: Number(raw) };
    case 'boolean': {
      const lower = raw.toLowerCase();
      if (lower === 'true' || lower === 'false') return { value: lower === 'true' };
      return { problem: `${quote(raw)} is not a boolean. Use true or false` };
    }
    case 'duration': {
      if (option.negativeOneMeans !== undefined && raw === '-1') return { value: -1 };
      const result = tryParseDuration(raw);
      if (typeof result === 'number') return { value: result };
      const minusOne = option.negativeOneMeans === undefined ? '' : `, or -1 to ${option.negativeOneMeans}`;
      return { problem: `${result}. ${DURATION_HINT}${minusOne}` };
    }
    case 'memory': {
      const result = tryParseMemorySize(raw);
      return typeof result === 'number' ? { value: result } : { problem: `${result}. ${MEMORY_HINT}` };
    }
    case 'enum': {
      const values = option.enumValues ?? [];
      const lower = raw.toLowerCase();
      const canonical = values.find((v) => v.toLowerCase() === lower) ?? option.enumAliases?.[lower];
      if (canonical !== undefined) return { value: canonical };
      const refused = option.enumRefused?.[lower];
      if (refused !== undefined) return { problem: refused.problem, instead: refused.instead };
      return { problem: `${quote(raw)} is not a valid value. Use one of ${values.join(', ')} (case does not matter)` };
    }
    case 'list': {
      const separators = option.listSeparators ?? [';'];
      const pattern = new RegExp(separators.map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'));
      return { value: raw.split(pattern).map((part) => part.trim()).filter((part) => part !== '') };
    }
  }
}

/**
 * Converts and checks one entry against its option; throws the one-line error naming where the value came from.
 */
export function convertEntry(option: ConfigOption<unknown>, entry: RawEntry): unknown {
  const converted = convert(option, entry.value);
  const problem = 'problem' in converted ? converted.problem : option.validate?.(converted.value);
  if (problem === undefined && 'value' in converted) return converted.value;
  const sample = ('instead' in converted ? converted.instead : undefined) ?? sampleValue(option);
  throw invalidValue(entry.origin, entry.key, problem ?? 'invalid value', sample === undefined ? undefined : exampleFor(entry.origin, option.key, sample));
}

/** A valid value to show in "e.g." hints: the default where there is one. */
function sampleValue(option: ConfigOption<unknown>): string | undefined {
  // Without spaces ("50s"), so the hint also works unquoted after -D or in an environment variable.
  if (option.defaultValue !== undefined && option.defaultDescription === undefined) return formatReadable(option, option.defaultValue).replace(/ /g, '');
  switch (option.type) {
    case 'int':
      return '1';
    case 'double':
      return '1.0';
    case 'boolean':
      return 'true';
    case 'duration':
      return '10s';
    case 'memory':
      return '1024m';
    case 'enum':
      return option.enumValues?.[0];
    case 'list':
      return option.key === 'io.tmp.dirs' ? '/tmp' : 'a;b';
    default:
      return undefined;
  }
}

/** A value as text that parses back to the same value (what `cli get` prints). */
export function formatValue(option: ConfigOption<unknown>, value: unknown): string {
  switch (option.type) {
    case 'duration':
      return formatDuration(value as number);
    case 'list':
      return (value as string[]).join(option.listSeparators?.[0] ?? ';');
    default:
      return String(value);
  }
}

/** A value as a person would write it ("5 min", "1gb"); used in docs and hints. */
export function formatReadable(option: ConfigOption<unknown>, value: unknown): string {
  switch (option.type) {
    case 'duration':
      return (value as number) === -1 ? '-1' : formatDurationReadable(value as number);
    case 'memory':
      return formatMemorySize(value as number);
    default:
      return formatValue(option, value);
  }
}
