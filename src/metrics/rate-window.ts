/**
 * Per-second rates of cumulative counters over a sliding window of samples (Flink's `MeterView`). Flink
 * averages over 60 s; we average over the last 10 s so that a dashboard and the CLI's progress line follow a
 * job's pace closely, at the price of a noisier figure.
 */
export const RATE_WINDOW_MS = 10_000;

interface Sample {
  at: number;
  values: readonly number[];
}

export class RateWindow {
  readonly #samples: Sample[] = [];

  constructor(private readonly windowMs = RATE_WINDOW_MS) {}

  /**
   * Adds the counters' values at time `at` (ms) and answers each one's rate per second since the oldest sample
   * in the window; zeros for the first sample.
   */
  push(at: number, values: readonly number[]): number[] {
    const samples = this.#samples;
    samples.push({ at, values: [...values] });
    // Keep one sample at or beyond the window's start: it is the base of the rate.
    while (samples.length > 2 && at - (samples[1] as Sample).at >= this.windowMs) samples.shift();
    const base = samples[0] as Sample;
    const seconds = (at - base.at) / 1000;
    if (seconds <= 0) return values.map(() => 0);
    return values.map((v, i) => Math.max(0, (v - (base.values[i] ?? 0)) / seconds));
  }
}
