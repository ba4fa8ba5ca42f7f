/** The registry of every option: lookup by key (current or deprecated) and "did you mean" suggestions. */
import { isNamedKey, NAME_PLACEHOLDER, type ConfigOption } from './config-option.js';
import { NAME_PART, namedOption } from './named-option.js';
import {
  BlobServerOptions,
  ClientOptions,
  ClusterOptions,
  CoreOptions,
  HeartbeatManagerOptions,
  JobManagerOptions,
  RestOptions,
  TaskManagerOptions,
  WebOptions,
} from './cluster-options.js';
import {
  CheckpointingOptions,
  DeploymentOptions,
  ExecutionOptions,
  PipelineOptions,
  RestartStrategyOptions,
  SavepointConfigOptions,
} from './execution-options.js';
import { FileSystemOptions } from './file-system-options.js';
import { HighAvailabilityOptions, JobResultStoreOptions } from './high-availability-options.js';
import { MetricOptions } from './metric-options.js';
import { SecurityOptions } from './security-options.js';
import { YarnConfigOptions } from './yarn-config-options.js';

export interface OptionGroup {
  readonly name: string;
  readonly options: readonly ConfigOption<unknown>[];
}

function group(name: string, options: Record<string, ConfigOption<unknown>>): OptionGroup {
  return Object.freeze({ name, options: Object.freeze(Object.values(options)) });
}

/** The options grouped as the docs present them. */
export const OPTION_GROUPS: readonly OptionGroup[] = Object.freeze([
  group('JobManagerOptions', JobManagerOptions),
  group('TaskManagerOptions', TaskManagerOptions),
  group('RestOptions', RestOptions),
  group('ClientOptions', ClientOptions),
  group('CoreOptions', CoreOptions),
  group('HeartbeatManagerOptions', HeartbeatManagerOptions),
  group('ClusterOptions', ClusterOptions),
  group('ExecutionOptions', ExecutionOptions),
  group('PipelineOptions', PipelineOptions),
  group('DeploymentOptions', DeploymentOptions),
  group('CheckpointingOptions', CheckpointingOptions),
  group('RestartStrategyOptions', RestartStrategyOptions),
  group('SavepointConfigOptions', SavepointConfigOptions),
  group('HighAvailabilityOptions', HighAvailabilityOptions),
  group('JobResultStoreOptions', JobResultStoreOptions),
  group('YarnConfigOptions', YarnConfigOptions),
  group('BlobServerOptions', BlobServerOptions),
  group('WebOptions', WebOptions),
  group('SecurityOptions', SecurityOptions),
  group('FileSystemOptions', FileSystemOptions),
  group('MetricOptions', MetricOptions),
]);

export const ALL_OPTIONS: readonly ConfigOption<unknown>[] = Object.freeze(OPTION_GROUPS.flatMap((g) => g.options));

interface Registered {
  readonly option: ConfigOption<unknown>;
  readonly deprecated: boolean;
}

/** Exact keys; options with a `<name>` part are matched by NAMED instead. */
const BY_KEY: ReadonlyMap<string, Registered> = (() => {
  const map = new Map<string, Registered>();
  const add = (key: string, entry: Registered): void => {
    // A key claimed twice would make lookups depend on declaration order; fail loudly at startup instead.
    if (map.has(key)) throw new Error(`Configuration key '${key}' is registered twice`);
    map.set(key, entry);
  };
  for (const option of ALL_OPTIONS) add(option.key, { option, deprecated: false });
  for (const option of ALL_OPTIONS) for (const key of option.deprecatedKeys) add(key, { option, deprecated: true });
  for (const key of [...map.keys()]) if (isNamedKey(key)) map.delete(key);
  return map;
})();

/** A key with a free part (`metrics.reporter.<name>.port`), split around it. */
interface NamedKey {
  readonly template: ConfigOption<unknown>;
  readonly deprecated: boolean;
  /** The parts before and after the `<name>` part. */
  readonly before: readonly string[];
  readonly after: readonly string[];
}

const NAMED: readonly NamedKey[] = ALL_OPTIONS.flatMap((template) =>
  [template.key, ...template.deprecatedKeys].filter(isNamedKey).map((key) => {
    const parts = key.split('.');
    const at = parts.indexOf(NAME_PLACEHOLDER);
    return { template, deprecated: key !== template.key, before: parts.slice(0, at), after: parts.slice(at + 1) };
  }),
);

/** The name a key gives a template's `<name>` part, if the key is of that template. */
function nameIn(key: string, named: NamedKey): string | undefined {
  const parts = key.split('.');
  if (parts.length !== named.before.length + 1 + named.after.length) return undefined;
  const name = parts[named.before.length] as string;
  const fits = named.before.every((p, i) => parts[i] === p) && named.after.every((p, i) => parts[named.before.length + 1 + i] === p);
  return fits && NAME_PART.test(name) ? name : undefined;
}

function lookupNamed(key: string): Registered | undefined {
  for (const named of NAMED) {
    const name = nameIn(key, named);
    if (name !== undefined) return { option: namedOption(named.template, name), deprecated: named.deprecated };
  }
  return undefined;
}

/** The option a key (current or deprecated, exact or of a `<name>` template) belongs to. */
export function lookupOption(key: string): Registered | undefined {
  return BY_KEY.get(key) ?? lookupNamed(key);
}

/**
 * The template key an unknown key is a typo of, for the same name: `metrics.reporter.prom.intervall` is
 * `metrics.reporter.prom.interval`. Only the part after the name is compared, and strictly: other reporters
 * have parameters of their own (`host` is not a typo of `port`).
 */
export function closestNamedKey(unknown: string): string | undefined {
  const parts = unknown.split('.');
  let best: { key: string; distance: number } | undefined;
  for (const named of NAMED) {
    if (named.deprecated || parts.length <= named.before.length + 1) continue;
    if (!named.before.every((p, i) => parts[i] === p)) continue;
    const name = parts[named.before.length] as string;
    if (!NAME_PART.test(name)) continue;
    const rest = parts.slice(named.before.length + 1).join('.').toLowerCase();
    const wanted = named.after.join('.');
    const limit = wanted.length >= 8 ? 2 : wanted.length >= 5 ? 1 : 0;
    const distance = Math.abs(rest.length - wanted.length) > limit ? limit + 1 : editDistance(rest, wanted.toLowerCase());
    if (distance <= limit && (best === undefined || distance < best.distance)) best = { key: [...named.before, name, ...named.after].join('.'), distance };
  }
  return best?.key;
}

/** The known key closest to an unknown one, if any is close enough to be a likely typo. */
export function suggestKey(unknown: string): string | undefined {
  const close = closestKey(unknown) ?? closestNamedKey(unknown);
  if (close !== undefined) return close;
  // A key written without its prefix ("numberOfTaskSlots") is not close in edit distance but still obvious.
  const lower = unknown.toLowerCase();
  const suffixMatches = ALL_OPTIONS.filter((o) => o.key.toLowerCase().endsWith(`.${lower}`));
  return suffixMatches.length === 1 ? suffixMatches[0]?.key : undefined;
}

/**
 * The key of `keys` (default: our keys, current and deprecated, answered as the current key) within a typo's
 * distance of `unknown`: the same key in another case, or at most max(2, length / 5) edits away.
 */
export function closestKey(unknown: string, keys?: Iterable<string>): string | undefined {
  const lower = unknown.toLowerCase();
  const limit = Math.max(2, Math.floor(unknown.length / 5));
  let best: { key: string; distance: number } | undefined;
  const candidates: Iterable<[string, string]> =
    keys === undefined ? [...BY_KEY].map(([key, { option }]) => [key, option.key]) : [...keys].map((k) => [k, k]);
  for (const [key, answer] of candidates) {
    const candidate = key.toLowerCase();
    if (candidate === lower) return answer;
    // The distance is at least the difference in length; skip the quadratic work for hopeless candidates.
    if (Math.abs(candidate.length - lower.length) > limit) continue;
    const distance = editDistance(lower, candidate);
    if (best === undefined || distance < best.distance) best = { key: answer, distance };
  }
  return best !== undefined && best.distance <= limit ? best.key : undefined;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      cur[j] = Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost);
    }
    prev = cur;
  }
  return prev[b.length] ?? 0;
}
