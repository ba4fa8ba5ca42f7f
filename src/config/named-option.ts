/**
 * Options whose key has a part the user names (`metrics.reporter.<name>.port`): the option of one concrete key
 * (`metrics.reporter.prom.port`) is made from the template once and kept, so reading it finds its value.
 */
import { isNamedKey, NAME_PLACEHOLDER, type ConfigOption } from './config-option.js';

/** What a `<name>` part may be: Flink takes any run of characters without dots and white space. */
export const NAME_PART = /^[^.\s]+$/;

/** The options made from templates, by key: one object per key, so `conf.get(namedOption(...))` finds its value. */
const INSTANCES = new Map<string, ConfigOption<unknown>>();

/**
 * The option of a template key for one name: `namedOption(MetricOptions.REPORTER_PORT, 'prom')` is the option of
 * `metrics.reporter.prom.port`, with the template's type, default, checks and description.
 */
export function namedOption<T>(template: ConfigOption<T>, name: string): ConfigOption<T> {
  if (!isNamedKey(template.key)) throw new Error(`${template.key} has no ${NAME_PLACEHOLDER} part`);
  if (!NAME_PART.test(name)) throw new Error(`'${name}' cannot stand for ${NAME_PLACEHOLDER} in ${template.key}: it has a dot or white space`);
  const key = template.key.replace(NAME_PLACEHOLDER, name);
  let option = INSTANCES.get(key);
  if (option === undefined) {
    option = Object.freeze({ ...template, key, deprecatedKeys: Object.freeze(template.deprecatedKeys.map((k) => k.replace(NAME_PLACEHOLDER, name))) });
    INSTANCES.set(key, option);
  }
  return option as ConfigOption<T>;
}

