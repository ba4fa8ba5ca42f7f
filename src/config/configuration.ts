/**
 * An immutable, validated set of option values. Every value was converted and checked when the Configuration
 * was built, so reading one never fails except for a required option that is unset.
 */
import type { ConfigOption } from './config-option.js';
import { lookupOption, suggestKey } from './all-options.js';
import { ConfigurationError } from './configuration-error.js';
import { convertEntry, invalidValue, originOf, type Origin, type RawEntry } from './values.js';

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
  readonly #entries: ReadonlyMap<string, Entry>;

  private constructor(entries: ReadonlyMap<string, Entry>, confFile: string | undefined) {
    this.#entries = entries;
    this.confFile = confFile;
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
   * Used by the loader; most code wants loadConfiguration() or fromMap().
   */
  static fromLayers(layers: readonly (readonly RawEntry[])[], confFile?: string): Configuration {
    const winners = new Map<string, Winner>();
    for (const layer of layers) mergeLayer(winners, layer);
    return new Configuration(convertWinners(new Map(), winners), confFile);
  }

  /** A new Configuration with `overrides` applied on top of this one (validated the same way). */
  with(overrides: Record<string, string>, source?: string): Configuration {
    const origin = originOf(source);
    const winners = new Map<string, Winner>();
    mergeLayer(
      winners,
      Object.entries(overrides).map(([key, value]) => ({ key, value, origin })),
    );
    return new Configuration(convertWinners(new Map(this.#entries), winners), this.confFile);
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
function mergeLayer(winners: Map<string, Winner>, layer: readonly RawEntry[]): void {
  const setByCurrentKey = new Set<string>();
  for (const raw of layer) {
    const registered = lookupOption(raw.key);
    if (registered === undefined) throw unknownKey(raw);
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
  const hint = suggestion === undefined ? 'See docs/config.md for the supported keys' : `Did you mean ${suggestion}?`;
  return invalidValue(raw.origin, raw.key, `unknown configuration key. ${hint}`);
}
