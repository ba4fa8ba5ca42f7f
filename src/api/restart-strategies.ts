/**
 * Flink's RestartStrategies for `env.setRestartStrategy(...)`: each one is the `restart-strategy` keys it stands
 * for, written into the job's configuration (the JobManager reads them there).
 *
 * ```ts
 * env.setRestartStrategy(RestartStrategies.fixedDelayRestart(3, Time.seconds(10)));
 * env.setRestartStrategy(RestartStrategies.exponentialDelayRestart(Time.seconds(1), Time.minutes(5), 2.0, Time.hours(1), 0.1));
 * ```
 */
import { RestartStrategyOptions, type ConfigOption } from '../config/index.js';
import { argText, checkedValue, integerText, InvalidSettingError, millisText, numberText } from './job-settings.js';
import { spanMillis, type TimeSpan } from './time.js';

/** One restart strategy as the configuration keys it sets. */
export class RestartStrategyConfiguration {
  /** @internal */
  constructor(
    /** @internal `restart-strategy` value, or undefined for the cluster's strategy (fallBackRestart) */
    readonly type: string | undefined,
    /** @internal the keys, checked */
    readonly keys: Readonly<Record<string, string>>,
    private readonly description: string,
  ) {}

  getDescription(): string {
    return this.description;
  }
  toString(): string {
    return this.description;
  }
}

const O = RestartStrategyOptions;

function key(option: ConfigOption<unknown>, text: string, where: string): [string, string] {
  return [option.key, checkedValue(option, text, where)];
}

function millis(span: TimeSpan, where: string): string {
  try {
    return millisText(spanMillis(span, where), where);
  } catch (err) {
    if (err instanceof InvalidSettingError) throw err;
    throw new InvalidSettingError((err as Error).message);
  }
}

export const RestartStrategies = Object.freeze({
  /** Every failure fails the job. */
  noRestart(): RestartStrategyConfiguration {
    return new RestartStrategyConfiguration('none', { [O.RESTART_STRATEGY.key]: 'none' }, 'Restart deactivated.');
  },

  /** Whatever the cluster configures (flink-conf.yaml), as if the program set nothing. */
  fallBackRestart(): RestartStrategyConfiguration {
    return new RestartStrategyConfiguration(undefined, {}, 'Cluster level default restart strategy');
  },

  /** Up to `restartAttempts` restarts, each `delayBetweenAttempts` (ms, Time or Duration) after the failure. */
  fixedDelayRestart(restartAttempts: number, delayBetweenAttempts: TimeSpan): RestartStrategyConfiguration {
    const where = `RestartStrategies.fixedDelayRestart(${argText(restartAttempts)}, ${argText(delayBetweenAttempts)})`;
    const delay = millis(delayBetweenAttempts, where);
    return new RestartStrategyConfiguration(
      'fixed-delay',
      Object.fromEntries([
        key(O.RESTART_STRATEGY, 'fixed-delay', where),
        key(O.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, integerText(restartAttempts, where), where),
        key(O.RESTART_STRATEGY_FIXED_DELAY_DELAY, delay, where),
      ]),
      `Restart with fixed delay (${delay}). #${restartAttempts} restart attempts.`,
    );
  },

  /** Restarts after `delayInterval` unless more than `failureRate` failures fall within `failureInterval`. */
  failureRateRestart(failureRate: number, failureInterval: TimeSpan, delayInterval: TimeSpan): RestartStrategyConfiguration {
    const where = `RestartStrategies.failureRateRestart(${argText(failureRate)}, ${argText(failureInterval)}, ${argText(delayInterval)})`;
    const interval = millis(failureInterval, where);
    const delay = millis(delayInterval, where);
    return new RestartStrategyConfiguration(
      'failure-rate',
      Object.fromEntries([
        key(O.RESTART_STRATEGY, 'failure-rate', where),
        key(O.RESTART_STRATEGY_FAILURE_RATE_MAX_FAILURES_PER_INTERVAL, integerText(failureRate, where), where),
        key(O.RESTART_STRATEGY_FAILURE_RATE_FAILURE_RATE_INTERVAL, interval, where),
        key(O.RESTART_STRATEGY_FAILURE_RATE_DELAY, delay, where),
      ]),
      `Failure rate restart with maximum of ${failureRate} failures within interval ${interval} and fixed delay ${delay}.`,
    );
  },

  /**
   * A pause from `initialBackoff` growing by `backoffMultiplier` per failure up to `maxBackoff`, ± `jitterFactor` of
   * it; after running `resetBackoffThreshold` without a failure it starts from `initialBackoff` again.
   */
  exponentialDelayRestart(
    initialBackoff: TimeSpan,
    maxBackoff: TimeSpan,
    backoffMultiplier: number,
    resetBackoffThreshold: TimeSpan,
    jitterFactor: number,
  ): RestartStrategyConfiguration {
    const where =
      `RestartStrategies.exponentialDelayRestart(${argText(initialBackoff)}, ${argText(maxBackoff)}, ${argText(backoffMultiplier)}, ` +
      `${argText(resetBackoffThreshold)}, ${argText(jitterFactor)})`;
    const initial = millis(initialBackoff, where);
    const max = millis(maxBackoff, where);
    const reset = millis(resetBackoffThreshold, where);
    if (spanMillis(initialBackoff, where) > spanMillis(maxBackoff, where)) {
      throw new InvalidSettingError(`${where}: the initial backoff (${initial}) is greater than the maximum backoff (${max}).`);
    }
    return new RestartStrategyConfiguration(
      'exponential-delay',
      Object.fromEntries([
        key(O.RESTART_STRATEGY, 'exponential-delay', where),
        key(O.RESTART_STRATEGY_EXPONENTIAL_DELAY_INITIAL_BACKOFF, initial, where),
        key(O.RESTART_STRATEGY_EXPONENTIAL_DELAY_MAX_BACKOFF, max, where),
        key(O.RESTART_STRATEGY_EXPONENTIAL_DELAY_BACKOFF_MULTIPLIER, numberText(backoffMultiplier, where), where),
        key(O.RESTART_STRATEGY_EXPONENTIAL_DELAY_RESET_BACKOFF_THRESHOLD, reset, where),
        key(O.RESTART_STRATEGY_EXPONENTIAL_DELAY_JITTER_FACTOR, numberText(jitterFactor, where), where),
      ]),
      `Restart with exponential delay: starting at ${initial}, increasing by ${backoffMultiplier}, with maximum ${max}. ` +
        `Delay resets after ${reset} with jitter ${jitterFactor}.`,
    );
  },
});

/** The `restart-strategy` key and its family, which a new strategy replaces as a whole. */
export const RESTART_STRATEGY_PREFIX = O.RESTART_STRATEGY.key;