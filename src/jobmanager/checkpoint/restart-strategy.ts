/**
 * Restart strategies (`restart-strategy` and its keys): after a failure, how long to wait before the job
 * restarts, or whether it fails for good.
 */
import { RestartStrategyOptions, type Configuration } from '../../config/index.js';

export interface RestartBackoff {
  /** Records a failure at `now` (ms); returns the delay before the restart, or undefined when the job should fail. */
  onFailure(now: number): number | undefined;
  /** For the log and the job's REST config, e.g. `fixed-delay (3 attempts, 1000 ms delay)`. */
  readonly description: string;
}

/**
 * The strategy the configuration asks for. Flink's rule when `restart-strategy` is unset: none without
 * checkpointing, fixed-delay with unbounded attempts and 1 s delay with checkpointing.
 */
export function restartBackoffFor(conf: Configuration, checkpointing: boolean): RestartBackoff {
  const kind = conf.getOptional(RestartStrategyOptions.RESTART_STRATEGY) ?? (checkpointing ? 'fixed-delay' : 'none');
  if (kind === 'fixed-delay') {
    const unset = conf.getOptional(RestartStrategyOptions.RESTART_STRATEGY) === undefined;
    const attempts = unset ? 2147483647 : conf.get(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS);
    const delay = unset ? 1000 : conf.get(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY);
    let failures = 0;
    return { onFailure: () => (++failures > attempts ? undefined : delay), description: `fixed-delay (${attempts} attempts, ${delay} ms delay)` };
  }
  return { onFailure: () => undefined, description: 'none' };
}
