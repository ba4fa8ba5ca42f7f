/**
 * Restart strategies with Flink's keys, defaults and rules, driven by a hand-moved clock (the `now` of each
 * failure) and a fixed random source for the jitter.
 */
import assert from 'node:assert/strict';
import { Configuration } from '../../../src/config/index.js';
import { restartBackoffFor, type RestartBackoff } from '../../../src/jobmanager/checkpoint/restart-strategy.js';

const conf = (map: Record<string, string> = {}): Configuration => Configuration.fromMap(map);

/** The delays of failures at the given times (undefined: the job fails there). */
function delays(backoff: RestartBackoff, times: number[]): Array<number | undefined> {
  return times.map((t) => backoff.onFailure(t));
}

describe('restart strategies', () => {
  describe("Flink's defaults when restart-strategy is unset", () => {
    it('without checkpointing: no restart', () => {
      const b = restartBackoffFor(conf(), false);
      assert.equal(b.description, 'none');
      assert.equal(b.onFailure(0), undefined);
    });

    it('with checkpointing: fixed-delay, unbounded attempts, 1 s — not the fixed-delay keys', () => {
      const b = restartBackoffFor(conf({ 'restart-strategy.fixed-delay.attempts': '2', 'restart-strategy.fixed-delay.delay': '5 s' }), true);
      assert.equal(b.description, 'fixed-delay (unbounded attempts, 1000 ms delay)');
      for (let i = 0; i < 1000; i++) assert.equal(b.onFailure(i * 10), 1000);
    });
  });

  it('none (also spelled off, disable, NONE) fails at the first failure, with checkpointing too', () => {
    for (const value of ['none', 'off', 'disable', 'NONE']) {
      const b = restartBackoffFor(conf({ 'restart-strategy': value }), true);
      assert.equal(b.description, 'none', value);
      assert.equal(b.onFailure(0), undefined, value);
    }
  });

  it('fixed-delay: `attempts` restarts after `delay`, then the job fails; Flink 1.20 restart-strategy.type and fixeddelay work', () => {
    const maps: Array<Record<string, string>> = [
      { 'restart-strategy': 'fixed-delay', 'restart-strategy.fixed-delay.attempts': '3', 'restart-strategy.fixed-delay.delay': '10 s' },
      { 'restart-strategy.type': 'fixeddelay', 'restart-strategy.fixed-delay.attempts': '3', 'restart-strategy.fixed-delay.delay': '10000' },
    ];
    for (const map of maps) {
      const b = restartBackoffFor(conf(map), false);
      assert.equal(b.description, 'fixed-delay (3 attempts, 10000 ms delay)');
      assert.deepEqual(delays(b, [0, 1_000_000, 2_000_000, 3_000_000]), [10_000, 10_000, 10_000, undefined]);
    }
    // Flink's defaults: one attempt, 1 s.
    assert.deepEqual(delays(restartBackoffFor(conf({ 'restart-strategy': 'fixed-delay' }), false), [0, 5000]), [1000, undefined]);
    assert.deepEqual(delays(restartBackoffFor(conf({ 'restart-strategy': 'fixed-delay', 'restart-strategy.fixed-delay.attempts': '0' }), false), [0]), [undefined]);
  });

  it('failure-rate: fails when more than max failures fall within one interval', () => {
    const b = restartBackoffFor(
      conf({
        'restart-strategy': 'failure-rate',
        'restart-strategy.failure-rate.max-failures-per-interval': '3',
        'restart-strategy.failure-rate.failure-rate-interval': '1 min',
        'restart-strategy.failure-rate.delay': '2 s',
      }),
      false,
    );
    assert.equal(b.description, 'failure-rate (at most 3 failures per 60000 ms, 2000 ms delay)');
    // Three within a minute are fine; the fourth within the minute of the first is not...
    assert.deepEqual(delays(b, [0, 10_000, 20_000]), [2000, 2000, 2000]);
    assert.equal(b.onFailure(60_000), undefined, '4 failures within 60 s (inclusive)');
    // ...but spread out, failures never exceed the rate.
    const spread = restartBackoffFor(conf({ 'restart-strategy': 'failurerate', 'restart-strategy.failure-rate.max-failures-per-interval': '3' }), false);
    assert.deepEqual(delays(spread, [0, 10_000, 20_000, 60_001, 70_002, 80_003, 120_004]), [1000, 1000, 1000, 1000, 1000, 1000, 1000]);
    // Flink's defaults: 1 failure per minute.
    assert.deepEqual(delays(restartBackoffFor(conf({ 'restart-strategy': 'failure-rate' }), false), [0, 60_001, 120_001]), [1000, 1000, undefined]);
  });

  describe('exponential-delay', () => {
    const exp = (map: Record<string, string>, random: () => number = () => 0.5): RestartBackoff =>
      restartBackoffFor(conf({ 'restart-strategy': 'exponential-delay', 'restart-strategy.exponential-delay.jitter-factor': '0', ...map }), false, { random });

    it('multiplies the pause per failure up to the maximum (Flink defaults 1 s, 2.0, 5 min)', () => {
      const b = exp({});
      let now = 0;
      const got: Array<number | undefined> = [];
      for (let i = 0; i < 12; i++) {
        const d = b.onFailure(now);
        got.push(d);
        now += (d ?? 0) + 1000; // restarted, then failed again a second later
      }
      assert.deepEqual(got, [1000, 2000, 4000, 8000, 16_000, 32_000, 64_000, 128_000, 256_000, 300_000, 300_000, 300_000]);
      assert.match(b.description, /^exponential-delay \(initial 1000 ms, max 300000 ms, multiplier 2, reset after 3600000 ms, jitter 0, unbounded attempts before a reset\)$/);
    });

    it('goes back to the initial backoff after running reset-backoff-threshold without a failure', () => {
      const b = exp({ 'restart-strategy.exponential-delay.reset-backoff-threshold': '10 s', 'restart-strategy.exponential-delay.backoff-multiplier': '3' });
      assert.equal(b.onFailure(0), 1000);
      assert.equal(b.onFailure(5000), 3000, 'ran 4 s after the restart at 1 s');
      assert.equal(b.onFailure(10_000), 9000, 'ran 2 s after the restart at 8 s');
      // The restart was at 19 s; running 10 s from then resets.
      assert.equal(b.onFailure(29_000), 1000);
      assert.equal(b.onFailure(30_001), 3000);
    });

    it('a failure while a restart is pending joins that restart', () => {
      const b = exp({});
      assert.equal(b.onFailure(0), 1000);
      assert.equal(b.onFailure(400), 600, 'the same restart, 600 ms later');
      assert.equal(b.onFailure(1000), 0);
      assert.equal(b.onFailure(1500), 2000, 'after the restart: the next step');
    });

    it('attempts-before-reset-backoff bounds the restarts between resets (Flink 1.19+)', () => {
      const b = exp({ 'restart-strategy.exponential-delay.attempts-before-reset-backoff': '2', 'restart-strategy.exponential-delay.reset-backoff-threshold': '1 min' });
      assert.equal(b.onFailure(0), 1000);
      assert.equal(b.onFailure(2000), 2000);
      assert.equal(b.onFailure(5000), undefined, 'a third restart before a reset: the job fails');
      const reset = exp({ 'restart-strategy.exponential-delay.attempts-before-reset-backoff': '2', 'restart-strategy.exponential-delay.reset-backoff-threshold': '1 min' });
      assert.deepEqual(delays(reset, [0, 2000, 200_000, 202_000]), [1000, 2000, 1000, 2000], 'the count starts again after a reset');
    });

    it('adds ± jitter-factor of the pause, drawn from the random source, within [initial, max]', () => {
      const at = (r: number): Array<number | undefined> =>
        delays(exp({ 'restart-strategy.exponential-delay.jitter-factor': '0.1', 'restart-strategy.exponential-delay.max-backoff': '4 s' }, () => r), [0, 10_000, 20_000]);
      // 1000 ± 100, 2000 ± 200, 4000 ± 400; the pause never goes under the initial backoff nor over the maximum.
      assert.deepEqual(at(0), [1000, 1800, 3600]);
      assert.deepEqual(at(0.999999), [1100, 2200, 4000]);
      assert.deepEqual(at(0.5), [1000, 2000, 4000]);
      const draws: number[] = [];
      for (let i = 0; i < 200; i++) {
        const b = exp({ 'restart-strategy.exponential-delay.jitter-factor': '0.5', 'restart-strategy.exponential-delay.initial-backoff': '10 s', 'restart-strategy.exponential-delay.max-backoff': '1 min' }, Math.random);
        b.onFailure(0);
        draws.push(b.onFailure(20_000) as number);
      }
      assert.ok(draws.every((d) => d >= 10_000 && d <= 30_000), 'within 20 s ± 50%');
      assert.ok(new Set(draws).size > 50, 'the jitter spreads restarts');
    });

    it('refuses an initial backoff above the maximum, naming both keys', () => {
      assert.throws(
        () => exp({ 'restart-strategy.exponential-delay.initial-backoff': '10 min' }),
        (e: unknown) => e instanceof Error && (e as { code?: string }).code === 'CONFIG_INVALID' && /initial-backoff .*greater than restart-strategy\.exponential-delay\.max-backoff/.test(e.message),
      );
    });
  });

  it('refuses an unknown strategy with the values it accepts', () => {
    assert.throws(() => conf({ 'restart-strategy': 'sometimes' }), /'sometimes' is not a valid value\. Use one of none, fixed-delay, failure-rate, exponential-delay/);
  });
});
