/** The registry of every option: lookup by key (current or deprecated) and "did you mean" suggestions. */
import type { ConfigOption } from './config-option.js';
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
]);

export const ALL_OPTIONS: readonly ConfigOption<unknown>[] = Object.freeze(OPTION_GROUPS.flatMap((g) => g.options));

interface Registered {
  readonly option: ConfigOption<unknown>;
  readonly deprecated: boolean;
}

const BY_KEY: ReadonlyMap<string, Registered> = (() => {
  const map = new Map<string, Registered>();
  const add = (key: string, entry: Registered): void => {
    // A key claimed twice would make lookups depend on declaration order; fail loudly at startup instead.
    if (map.has(key)) throw new Error(`Configuration key '${key}' is registered twice`);
    map.set(key, entry);
  };
  for (const option of ALL_OPTIONS) add(option.key, { option, deprecated: false });
  for (const option of ALL_OPTIONS) for (const key of option.deprecatedKeys) add(key, { option, deprecated: true });
  return map;
})();

/** The option a key (current or deprecated) belongs to. */
export function lookupOption(key: string): Registered | undefined {
  return BY_KEY.get(key);
}

/** The known key closest to an unknown one, if any is close enough to be a likely typo. */
export function suggestKey(unknown: string): string | undefined {
  const close = closestKey(unknown);
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
