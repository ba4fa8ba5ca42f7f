/**
 * The settings a program makes on its environment (checkpointing, restart strategy, state backend), kept as
 * Flink configuration keys. They travel in `JobGraph.jobConfiguration`, where the JobManager reads them over the
 * cluster's configuration, so a job's settings live in one place whether they came from the program, from `-D`
 * or from flink-conf.yaml. Every value is checked against the option registry when it is set, so a mistake
 * shows in the client, naming the call that made it.
 */
import { convert, lookupOption, type ConfigOption } from '../config/index.js';
import { UsageError } from '../util/errors.js';

/** A setter of the environment got a value its option does not accept. */
export class InvalidSettingError extends UsageError {
  constructor(message: string) {
    super(message);
  }
}

export class JobSettings {
  readonly #values = new Map<string, string>();

  /**
   * Sets `option` to `text` after checking it as a flink-conf.yaml value would be checked; `where` names the call
   * in the message (`env.enableCheckpointing(5)`). Returns the value as stored (an enum's canonical spelling).
   */
  set(option: ConfigOption<unknown>, text: string, where: string): string {
    const stored = checkedValue(option, text, where);
    this.#values.set(option.key, stored);
    return stored;
  }

  /** Sets a value the API itself chose (a known constant), without the registry check. */
  setTrusted(key: string, text: string): void {
    this.#values.set(key, text);
  }

  /** The value the program set, converted, else the option's default. */
  get<T>(option: ConfigOption<T>): T | undefined {
    const text = this.#values.get(option.key);
    if (text === undefined) return option.defaultValue;
    const c = convert(option as ConfigOption<unknown>, text);
    return ('value' in c ? c.value : option.defaultValue) as T | undefined;
  }

  has(key: string): boolean {
    return this.#values.has(key);
  }

  raw(key: string): string | undefined {
    return this.#values.get(key);
  }

  /** Forgets every key that equals `prefix` or starts with `prefix.` (a whole strategy's keys). */
  deletePrefix(prefix: string): void {
    for (const key of [...this.#values.keys()]) if (key === prefix || key.startsWith(`${prefix}.`)) this.#values.delete(key);
  }

  delete(key: string): void {
    this.#values.delete(key);
  }

  /** The settings as `key → value` text, sorted by key. */
  toRecord(): Record<string, string> {
    return Object.fromEntries([...this.#values].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }
}

/** Checks `text` for `option` as the configuration loader would; returns it as stored. */
export function checkedValue(option: ConfigOption<unknown>, text: string, where: string): string {
  // The registry's option, not a copy: its deprecated keys and aliases are what the JobManager reads with.
  const registered = lookupOption(option.key)?.option ?? option;
  const c = convert(registered, text);
  const problem = 'problem' in c ? c.problem : registered.validate?.(c.value);
  if (problem !== undefined) throw new InvalidSettingError(`${where}: ${problem}; it sets ${registered.key}.`);
  return registered.type === 'enum' ? String((c as { value: unknown }).value) : text.trim();
}

/** A whole number of milliseconds as stored (`500 ms`), or the mistake named after the call. */
export function millisText(value: unknown, where: string): string {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    throw new InvalidSettingError(`${where}: give a whole number of milliseconds, got ${String(value)}.`);
  }
  return `${value} ms`;
}

/** A whole number as stored, or the mistake named after the call. */
export function integerText(value: unknown, where: string): string {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw new InvalidSettingError(`${where}: give a whole number, got ${String(value)}.`);
  return String(value);
}

/** A number as stored, or the mistake named after the call. */
export function numberText(value: unknown, where: string): string {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new InvalidSettingError(`${where}: give a number, got ${String(value)}.`);
  return String(value);
}

/** How a value reads inside a call shown in a message: strings quoted. */
export function argText(value: unknown): string {
  return typeof value === 'string' ? `'${value}'` : String(value);
}
