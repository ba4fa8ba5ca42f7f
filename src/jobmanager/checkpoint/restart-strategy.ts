/**
 * Restart strategies (`restart-strategy` and its keys): after a failure, how long to wait before the job
 * restarts, or whether it fails for good. The rules and defaults are Flink's:
 *
 * - `none`: every failure fails the job.
 * - `fixed-delay`: up to `restart-strategy.fixed-delay.attempts` restarts, each after `.delay`.
 * - `failure-rate`: restarts after `.delay` while no more than `.max-failures-per-interval` failures fall within
 *   one `.failure-rate-interval`.
 * - `exponential-delay`: the pause starts at `.initial-backoff` and is multiplied by `.backoff-multiplier` per
 *   failure up to `.max-backoff`, with ±`.jitter-factor` of it at random; after `.reset-backoff-threshold` without
 *   a failure it starts again from the initial backoff. `.attempts-before-reset-backoff` (Flink 1.19+) bounds
 *   the restarts between two resets. A failure while a restart is already pending joins that restart.
 * - unset: `none` without checkpointing; with checkpointing `fixed-delay` with unbounded attempts and 1 s delay
 *   (Flink up to 1.18; Flink 1.19+ switched this default to exponential-delay).
 *
 * ```ts
 * const backoff = restartBackoffFor(conf, settings.enabled);
 * const delay = backoff.onFailure(Date.now());   // undefined: fail the job; otherwise restart after `delay` ms
 * ```
 */
import { ConfigurationError, RestartStrategyOptions, type Configuration } from '../../config/index.js';

export interface RestartBackoff {
  /** Records a failure at `now` (ms); returns the delay before the restart, or undefined when the job should fail. */
  onFailure(now: number): number | undefined;
  /** For the log and the job's REST config, e.g. `fixed-delay (3 attempts, 1000 ms delay)`. */
  readonly description: string;
}

/** What a strategy draws on besides the configuration; tests pass their own. */
export interface RestartBackoffDeps {
  /** A number in [0, 1), for the exponential delay's jitter; default Math.random. */
  random?: () => number;
}

/** Flink's `Integer.MAX_VALUE` attempts: never give up. */
export const UNBOUNDED_ATTEMPTS = 2_147_483_647;

/** The attempts and delay Flink uses when checkpointing is on and no strategy is configured. */
export const DEFAULT_CHECKPOINTING_RESTART = Object.freeze({ attempts: UNBOUNDED_ATTEMPTS, delayMs: 1_000 });

/**
 * The strategy the configuration asks for. Flink's rule when `restart-strategy` is unset: none without
 * checkpointing, fixed-delay with unbounded attempts and 1 s delay with checkpointing.
 */
export function restartBackoffFor(conf: Configuration, checkpointing: boolean, deps: RestartBackoffDeps = {}): RestartBackoff {
  const O = RestartStrategyOptions;
  const type = conf.getOptional(O.RESTART_STRATEGY);
  switch (type) {
    case undefined:
      return checkpointing ? fixedDelay(DEFAULT_CHECKPOINTING_RESTART.attempts, DEFAULT_CHECKPOINTING_RESTART.delayMs) : noRestart();
    case 'none':
      return noRestart();
    case 'fixed-delay':
      return fixedDelay(conf.get(O.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS), conf.get(O.RESTART_STRATEGY_FIXED_DELAY_DELAY));
    case 'failure-rate':
      return failureRate(
        conf.get(O.RESTART_STRATEGY_FAILURE_RATE_MAX_FAILURES_PER_INTERVAL),
        conf.get(O.RESTART_STRATEGY_FAILURE_RATE_FAILURE_RATE_INTERVAL),
        conf.get(O.RESTART_STRATEGY_FAILURE_RATE_DELAY),
      );
    case 'exponential-delay':
      return exponentialDelay(exponentialSettings(conf), deps.random ?? Math.random);
  }
}

export function noRestart(): RestartBackoff {
  return { onFailure: () => undefined, description: 'none' };
}

const attemptsText = (n: number): string => (n >= UNBOUNDED_ATTEMPTS ? 'unbounded attempts' : `${n} attempt${n === 1 ? '' : 's'}`);

/** Up to `attempts` restarts in the job's life, each `delayMs` after its failure. */
export function fixedDelay(attempts: number, delayMs: number): RestartBackoff {
  let restarts = 0;
  return {
    description: `fixed-delay (${attemptsText(attempts)}, ${delayMs} ms delay)`,
    onFailure: () => {
      if (restarts >= attempts) return undefined;
      restarts++;
      return delayMs;
    },
  };
}

/** Restarts after `delayMs` unless this failure is the (max+1)-th within `intervalMs`. */
export function failureRate(maxFailuresPerInterval: number, intervalMs: number, delayMs: number): RestartBackoff {
  // The last max+1 failures: when that many fall within one interval, the rate is exceeded.
  const failures: number[] = [];
  return {
    description: `failure-rate (at most ${maxFailuresPerInterval} failure${maxFailuresPerInterval === 1 ? '' : 's'} per ${intervalMs} ms, ${delayMs} ms delay)`,
    onFailure: (now) => {
      failures.push(now);
      if (failures.length > maxFailuresPerInterval + 1) failures.shift();
      if (failures.length > maxFailuresPerInterval && now - (failures[0] as number) <= intervalMs) return undefined;
      return delayMs;
    },
  };
}

export interface ExponentialDelaySettings {
  initialBackoffMs: number;
  maxBackoffMs: number;
  multiplier: number;
  resetThresholdMs: number;
  jitterFactor: number;
  attemptsBeforeReset: number;
}

function exponentialSettings(conf: Configuration): ExponentialDelaySettings {
  const O = RestartStrategyOptions;
  const s: ExponentialDelaySettings = {
    initialBackoffMs: conf.get(O.RESTART_STRATEGY_EXPONENTIAL_DELAY_INITIAL_BACKOFF),
    maxBackoffMs: conf.get(O.RESTART_STRATEGY_EXPONENTIAL_DELAY_MAX_BACKOFF),
    multiplier: conf.get(O.RESTART_STRATEGY_EXPONENTIAL_DELAY_BACKOFF_MULTIPLIER),
    resetThresholdMs: conf.get(O.RESTART_STRATEGY_EXPONENTIAL_DELAY_RESET_BACKOFF_THRESHOLD),
    jitterFactor: conf.get(O.RESTART_STRATEGY_EXPONENTIAL_DELAY_JITTER_FACTOR),
    attemptsBeforeReset: conf.get(O.RESTART_STRATEGY_EXPONENTIAL_DELAY_ATTEMPTS),
  };
  // Rules across two keys, which the registry checks one key at a time cannot see.
  const initialKey = O.RESTART_STRATEGY_EXPONENTIAL_DELAY_INITIAL_BACKOFF.key;
  const maxKey = O.RESTART_STRATEGY_EXPONENTIAL_DELAY_MAX_BACKOFF.key;
  if (s.initialBackoffMs < 1) {
    throw new ConfigurationError(`Invalid configuration: ${initialKey} must be at least 1 ms for restart-strategy exponential-delay (got ${s.initialBackoffMs} ms).`, { key: initialKey });
  }
  if (s.initialBackoffMs > s.maxBackoffMs) {
    throw new ConfigurationError(
      `Invalid configuration: ${initialKey} (${s.initialBackoffMs} ms) is greater than ${maxKey} (${s.maxBackoffMs} ms). Lower the initial backoff or raise the maximum.`,
      { key: initialKey },
    );
  }
  return s;
}

/** Flink 1.19's exponential delay: see the module doc. `random` gives numbers in [0, 1). */
export function exponentialDelay(s: ExponentialDelaySettings, random: () => number): RestartBackoff {
  let attempt = 0;
  let nextRestart = Number.NEGATIVE_INFINITY;
  const backoff = (): number => {
    const base = Math.floor(s.initialBackoffMs * s.multiplier ** attempt);
    // Beyond what a double counts exactly the pause is long past any maximum: take the maximum.
    if (!(base <= Number.MAX_SAFE_INTEGER)) return s.maxBackoffMs;
    const spread = Math.floor(base * s.jitterFactor);
    const jitter = spread === 0 ? 0 : Math.floor(random() * (2 * spread + 1)) - spread;
    return Math.max(s.initialBackoffMs, Math.min(base + jitter, s.maxBackoffMs));
  };
  return {
    description:
      `exponential-delay (initial ${s.initialBackoffMs} ms, max ${s.maxBackoffMs} ms, multiplier ${s.multiplier}, ` +
      `reset after ${s.resetThresholdMs} ms, jitter ${s.jitterFactor}, ${attemptsText(s.attemptsBeforeReset)} before a reset)`,
    onFailure: (now) => {
      // Another failure before the pending restart happened: it restarts with that one.
      if (now <= nextRestart) return nextRestart - now;
      if (now - nextRestart >= s.resetThresholdMs) attempt = 0;
      const delay = backoff();
      nextRestart = now + delay;
      attempt++;
      return attempt > s.attemptsBeforeReset ? undefined : delay;
    },
  };
}
