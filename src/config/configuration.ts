/**
 * An immutable, validated set of option values. Every value was converted and checked when the Configuration
 * was built, so reading one never fails except for a required option that is unset.
 */
import type { ConfigOption } from './config-option.js';
import { lookupOption, suggestKey } from './all-options.js';
import { ConfigurationError } from './configuration-error.js';
import { closestFlinkKey, isFlinkOnlyKey } from './flink-key-lookup.js';
import { convertEntry, invalidValue, originOf, type Origin, type RawEntry } from './values.js';

/** A key Apache Flink knows and flink-ts does not use, and where it was set (its last occurrence). */
export interface IgnoredFlinkKey {
  readonly key: string;
  readonly origin: Origin;
}

interface Entry {
  /** The text as given; what toMap() reports and what travels to other processes. */
  readonly raw: string;
  readonly value: unknown;
  readonly origin: Origin;
  /** The key as written, which may be a deprecated one; errors name what the user wrote. */
  readonly writtenKey: string;
}

export class Configuration {
  /** The flink-conf.yaml that was read, if any. */
  readonly confFile: string | undefined;
  /**
   * Keys of Apache Flink that were set but have no effect here. They are not values of this configuration
   * (toMap() leaves them out); the daemons and `config check` report them with warnings().
   */
  readonly ignoredFlinkKeys: readonly IgnoredFlinkKey[];
  readonly #entries: ReadonlyMap<string, Entry>;
  readonly #notes: readonly string[];

  private constructor(entries: ReadonlyMap<string, Entry>, confFile: string | undefined, ignored: ReadonlyMap<string, IgnoredFlinkKey>, notes: readonly string[]) {
    this.#entries = entries;
    this.confFile = confFile;
    this.ignoredFlinkKeys = Object.freeze([...ignored.values()]);
    this.#notes = Object.freeze([...notes]);
    Object.freeze(this);
  }

  /** Builds a Configuration from a map of key -> text; `source` '-D' makes errors read `-D <key>`. */
  static fromMap(map: Record<string, string>, source?: string): Configuration {
    const origin = originOf(source);
    return Configuration.fromLayers([Object.entries(map).map(([key, value]) => ({ key, value, origin }))]);
  }

  /**
   * Builds a Configuration from layers of raw entries, later layers overriding earlier ones. Within one layer a
   * value under an option's current key beats one under a deprecated key, wherever they appear (as in Flink).
   * Used by the loader; most code wants loadConfiguration() or fromMap(). `notes` are warnings about the setup
   * itself (e.g. a file that is not read) that warnings() reports first.
   */
  static fromLayers(layers: readonly (readonly RawEntry[])[], confFile?: string, notes: readonly string[] = []): Configuration {
    const winners = new Map<string, Winner>();
    const ignored = new Map<string, IgnoredFlinkKey>();
    for (const layer of layers) mergeLayer(winners, ignored, layer);
    return new Configuration(convertWinners(new Map(), winners), confFile, ignored, notes);
  }

  /** A new Configuration with `overrides` applied on top of this one (validated the same way). */
  with(overrides: Record<string, string>, source?: string): Configuration {
    const origin = originOf(source);
    const winners = new Map<string, Winner>();
    const ignored = new Map(this.ignoredFlinkKeys.map((k) => [k.key, k]));
    mergeLayer(
      winners,
      ignored,
      Object.entries(overrides).map(([key, value]) => ({ key, value, origin })),
    );
    return new Configuration(convertWinners(new Map(this.#entries), winners), this.confFile, ignored, this.#notes);
  }

  /**
   * One line for each thing a user should know but that does not stop a start: every ignored Flink key
   * ("<key> (line N of <file>) has no effect in flink-ts ..."), after the notes about the setup.
   */
  warnings(): string[] {
    return [...this.#notes, ...this.ignoredFlinkKeys.map(ignoredKeyWarning)];
  }

  /** The value, or the option's default; throws ConfigurationError when the option is unset and has no default. */
  get<T>(option: ConfigOption<T>): T {
    const value = this.getOptional(option);
    if (value !== undefined) return value;
    const where = this.confFile === undefined ? 'flink-conf.yaml' : this.confFile;
    throw new ConfigurationError(
      `Missing configuration: ${option.key} is not set. Set it in ${where} (${option.key}: <value>) or pass -D ${option.key}=<value>`,
      { key: option.key },
    );
  }

  /** The value, or the option's default, or undefined. */
  getOptional<T>(option: ConfigOption<T>): T | undefined {
    const entry = this.#entries.get(option.key);
    if (entry === undefined) return copy(option.defaultValue);
    const registered = lookupOption(option.key)?.option;
    // An option object declared outside the registry may have another type than the registered one.
    const value = registered === option ? entry.value : convertEntry(option as ConfigOption<unknown>, { key: entry.writtenKey, value: entry.raw, origin: entry.origin });
    return copy(value as T);
  }

  /** Whether the option was set explicitly (file, environment, -D, map), under its key or a deprecated one. */
  contains(option: ConfigOption<unknown>): boolean {
    return this.#entries.has(option.key);
  }

  /** The explicitly set options under their current keys, values as given, sorted by key. */
  toMap(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const key of [...this.#entries.keys()].sort()) out[key] = this.#entries.get(key)?.raw ?? '';
    return out;
  }
}

function copy<T>(value: T): T {
  // Callers get their own array so they cannot change the configuration's (or a default's) list.
  return (Array.isArray(value) ? [...(value as unknown[])] : value) as T;
}

interface Winner {
  readonly option: ConfigOption<unknown>;
  readonly raw: RawEntry;
}

/**
 * Records the entries of one layer over those of earlier layers. Only the value that finally wins is converted,
 * so a value shadowed by a later duplicate or a -D override is never reported (Flink reads only the winner).
 */
function mergeLayer(winners: Map<string, Winner>, ignored: Map<string, IgnoredFlinkKey>, layer: readonly RawEntry[]): void {
  const setByCurrentKey = new Set<string>();
  for (const raw of layer) {
    const registered = lookupOption(raw.key);
    if (registered === undefined) {
      if (!isFlinkOnlyKey(raw.key)) throw unknownKey(raw);
      // Re-inserted so the warnings list keys in the order of their last occurrence.
      ignored.delete(raw.key);
      ignored.set(raw.key, { key: raw.key, origin: raw.origin });
      continue;
    }
    const { option, deprecated } = registered;
    if (deprecated && setByCurrentKey.has(option.key)) continue;
    if (!deprecated) setByCurrentKey.add(option.key);
    winners.set(option.key, { option, raw });
  }
}

function convertWinners(entries: Map<string, Entry>, winners: ReadonlyMap<string, Winner>): Map<string, Entry> {
  for (const [key, { option, raw }] of winners) {
    entries.set(key, { raw: raw.value.trim(), value: convertEntry(option, raw), origin: raw.origin, writtenKey: raw.key });
  }
  return entries;
}

function unknownKey(raw: RawEntry): ConfigurationError {
  const suggestion = suggestKey(raw.key);
  if (suggestion !== undefined) return invalidValue(raw.origin, raw.key, `unknown configuration key. Did you mean ${suggestion}?`);
  const flinkKey = closestFlinkKey(raw.key);
  const hint =
    flinkKey === undefined
      ? 'It is neither a flink-ts key nor an Apache Flink key. See docs/config.md for the supported keys'
      : `Did you mean ${flinkKey}? (an Apache Flink key that flink-ts accepts but does not use)`;
  return invalidValue(raw.origin, raw.key, `unknown configuration key. ${hint}`);
}

/** The warning for a key Flink knows and flink-ts ignores, naming where it was set. */
export function ignoredKeyWarning(ignored: IgnoredFlinkKey): string {
  const { key, origin } = ignored;
  let where: string;
  switch (origin.kind) {
    case 'file':
      where = `${key} (line ${origin.line} of ${origin.file})`;
      break;
    case 'dynamic':
      where = `-D ${key}`;
      break;
    case 'env':
      where = `${key} (environment variable ${origin.variable})`;
      break;
    case 'map':
      where = `${key} (${origin.name})`;
      break;
  }
  return `${where} has no effect in flink-ts (an Apache Flink key that flink-ts does not use)`;
}
