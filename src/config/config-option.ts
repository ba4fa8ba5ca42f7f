/**
 * The shape of one configuration option and the helpers that declare them. An option is plain data: the
 * loader converts and checks values with it, and docs/config.md is generated from it.
 */

/**
 * The free part of a key such as `metrics.reporter.<name>.port`, where a user picks the name (one part without
 * dots). Such an option is a template: the registry answers each concrete key with an option of its own.
 */
export const NAME_PLACEHOLDER = '<name>';

export function isNamedKey(key: string): boolean {
  return key.split('.').includes(NAME_PLACEHOLDER);
}

export type OptionType = 'string' | 'int' | 'double' | 'boolean' | 'duration' | 'memory' | 'enum' | 'list';

export interface ConfigOption<T> {
  readonly key: string;
  readonly type: OptionType;
  readonly defaultValue: T | undefined;
  readonly description: string;
  /** Older keys still accepted; a value under the main key wins over one under a deprecated key. */
  readonly deprecatedKeys: readonly string[];
  /** Canonical spellings of an enum option; input matches them case-insensitively. */
  readonly enumValues?: readonly string[];
  /** Other accepted spellings of an enum value (lower-case alias -> canonical value). */
  readonly enumAliases?: Readonly<Record<string, string>>;
  /**
   * Values a user may reasonably write that are refused with a message of their own (lower-case value ->
   * the problem and the value to use instead), e.g. a Flink value whose feature flink-ts does not have.
   */
  readonly enumRefused?: Readonly<Record<string, { readonly problem: string; readonly instead: string }>>;
  /** Separators of a list option, the first one being used when the list is written back out. */
  readonly listSeparators?: readonly string[];
  /** A duration option that also accepts -1 (with this meaning). */
  readonly negativeOneMeans?: string;
  /** How the default reads in the documentation when the value itself depends on the machine. */
  readonly defaultDescription?: string;
  /**
   * Checks a converted value; returns the problem as a sentence that names the allowed values
   * (e.g. "0 is out of range. Use a whole number of at least 1"), or undefined when the value is fine.
   */
  // Method syntax on purpose: keeps ConfigOption<number> assignable to ConfigOption<unknown> for registries.
  validate?(value: T): string | undefined;
}

/** Maps an option type to the type of its converted value. */
export interface OptionValueTypes {
  string: string;
  int: number;
  double: number;
  boolean: boolean;
  duration: number;
  memory: number;
  enum: string;
  list: string[];
}

interface CommonSpec<T> {
  readonly description: string;
  readonly deprecatedKeys?: readonly string[];
  readonly defaultDescription?: string;
  readonly validate?: (value: T) => string | undefined;
}

function build<T>(key: string, type: OptionType, defaultValue: T | undefined, spec: CommonSpec<T>, extra: object = {}): ConfigOption<T> {
  const option: ConfigOption<T> = {
    key,
    type,
    defaultValue,
    description: spec.description,
    deprecatedKeys: Object.freeze([...(spec.deprecatedKeys ?? [])]),
    ...(spec.defaultDescription === undefined ? {} : { defaultDescription: spec.defaultDescription }),
    ...(spec.validate === undefined ? {} : { validate: spec.validate }),
    ...extra,
  };
  if (Array.isArray(defaultValue)) Object.freeze(defaultValue);
  return Object.freeze(option);
}

export function stringOption(key: string, defaultValue: string | undefined, spec: CommonSpec<string>): ConfigOption<string> {
  return build(key, 'string', defaultValue, spec);
}

export function intOption(key: string, defaultValue: number | undefined, spec: CommonSpec<number>): ConfigOption<number> {
  return build(key, 'int', defaultValue, spec);
}

export function doubleOption(key: string, defaultValue: number | undefined, spec: CommonSpec<number>): ConfigOption<number> {
  return build(key, 'double', defaultValue, spec);
}

export function booleanOption(key: string, defaultValue: boolean | undefined, spec: CommonSpec<boolean>): ConfigOption<boolean> {
  return build(key, 'boolean', defaultValue, spec);
}

/** Values in milliseconds. */
export function durationOption(
  key: string,
  defaultValue: number | undefined,
  spec: CommonSpec<number> & { readonly negativeOneMeans?: string },
): ConfigOption<number> {
  return build(key, 'duration', defaultValue, spec, spec.negativeOneMeans === undefined ? {} : { negativeOneMeans: spec.negativeOneMeans });
}

/** Values in bytes. */
export function memoryOption(key: string, defaultValue: number | undefined, spec: CommonSpec<number>): ConfigOption<number> {
  return build(key, 'memory', defaultValue, spec);
}

export function enumOption<const V extends string>(
  key: string,
  values: readonly V[],
  defaultValue: NoInfer<V> | undefined,
  spec: CommonSpec<V> & {
    readonly aliases?: Readonly<Record<string, NoInfer<V>>>;
    readonly refused?: Readonly<Record<string, { readonly problem: string; readonly instead: NoInfer<V> }>>;
  },
): ConfigOption<V> {
  const aliases: Record<string, string> = {};
  for (const [alias, canonical] of Object.entries(spec.aliases ?? {})) aliases[alias.toLowerCase()] = canonical;
  const refused: Record<string, { problem: string; instead: string }> = {};
  for (const [value, why] of Object.entries(spec.refused ?? {})) refused[value.toLowerCase()] = Object.freeze({ ...why });
  return build(key, 'enum', defaultValue, spec, {
    enumValues: Object.freeze([...values]),
    ...(spec.aliases === undefined ? {} : { enumAliases: Object.freeze(aliases) }),
    ...(spec.refused === undefined ? {} : { enumRefused: Object.freeze(refused) }),
  });
}

export function listOption(
  key: string,
  defaultValue: string[] | undefined,
  spec: CommonSpec<string[]> & { readonly separators: readonly string[] },
): ConfigOption<string[]> {
  return build(key, 'list', defaultValue, spec, { listSeparators: Object.freeze([...spec.separators]) });
}

// ---- validators shared by the option registries ----

export function atLeast(min: number): (value: number) => string | undefined {
  return (value) => (value >= min ? undefined : `${value} is out of range. Use a value of at least ${min}`);
}

export function between(min: number, max: number): (value: number) => string | undefined {
  return (value) => (value >= min && value <= max ? undefined : `${value} is out of range. Use a value from ${min} to ${max}`);
}

export function positiveDuration(value: number): string | undefined {
  return value > 0 ? undefined : `${value} ms is out of range. Use a duration greater than zero`;
}

export function port(value: number): string | undefined {
  return value >= 0 && value <= 65535 ? undefined : `${value} is out of range. Use a port number from 0 to 65535 (0 picks a free port)`;
}

/** Flink's port specs: "0", "50100", "50100-50200", "50100,50105-50110". */
export function portRange(value: string): string | undefined {
  const parts = value.split(',').map((p) => p.trim());
  const ok = parts.every((part) => {
    const m = /^(\d+)(?:\s*-\s*(\d+))?$/.exec(part);
    if (!m) return false;
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    return lo <= 65535 && hi <= 65535 && lo <= hi;
  });
  return ok
    ? undefined
    : `'${value}' is not a port or port range. Use a port from 0 to 65535 (0 picks a free port), a range like 50100-50200, or a comma-separated list of them`;
}
