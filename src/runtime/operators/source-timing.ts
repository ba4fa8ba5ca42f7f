/**
 * Timing for sources: pauses that end early on cancellation, and a rate limiter that hands out records in
 * batches so a rate-limited source needs one timer per batch, not one per record.
 */

/** How often a source blocked on the network or in a pause looks whether it should stop. */
export const CANCEL_CHECK_MS = 50;

/** Resolves after `ms`, or earlier (within {@link CANCEL_CHECK_MS}) once `stop()` is true. */
export async function pauseUnless(ms: number, stop: () => boolean): Promise<void> {
  const end = Date.now() + ms;
  while (!stop()) {
    const left = end - Date.now();
    if (left <= 0) return;
    await new Promise((r) => setTimeout(r, Math.min(CANCEL_CHECK_MS, left)));
  }
}

/** Shortest pause worth a timer: at high rates the limiter lets this many milliseconds' records go at once. */
const MIN_BATCH_MS = 5;

/**
 * Permits `perSecond` records per second on average. The first record may go at once; a source held back
 * (by back pressure) catches up with at most one second's worth of records, as Guava's limiter in Flink.
 */
export class BatchRateLimiter {
  private origin: number;
  private granted = 0;
  private readonly minBatch: number;

  constructor(
    private readonly perSecond: number,
    now: number,
    private readonly maxBatch: number,
  ) {
    if (!(perSecond > 0)) throw new RangeError(`rate ${perSecond} must be positive`);
    this.origin = now;
    this.minBatch = Math.max(1, Math.min(maxBatch, Math.floor((perSecond * MIN_BATCH_MS) / 1000)));
  }

  /** How many records may go now (at most maxBatch); with 0, how long to wait before asking again. */
  acquire(now: number): { permits: number; waitMs: number } {
    const due = Math.floor(((now - this.origin) * this.perSecond) / 1000) + 1;
    const burst = Math.max(1, Math.ceil(this.perSecond));
    if (due - this.granted > burst) this.granted = due - burst;
    const permits = Math.min(this.maxBatch, due - this.granted);
    if (permits >= this.minBatch) {
      this.granted += permits;
      return { permits, waitMs: 0 };
    }
    // Wait until a whole batch is due: record k (0-based) is due at origin + k / perSecond.
    const at = this.origin + ((this.granted + this.minBatch - 1) * 1000) / this.perSecond;
    return { permits: 0, waitMs: Math.max(1, Math.ceil(at - now)) };
  }
}
