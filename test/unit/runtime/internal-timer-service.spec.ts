/** InternalTimerService: one timer per key, namespace and time; firing order; deletion; both clocks. */
import assert from 'node:assert/strict';
import { HashMapStateBackend, InternalTimerService, keyGroupRangeForSubtask, type InternalTimer, type KeyedStateBackend } from '../../../src/runtime/state/index.js';
import { ManualClock } from './testing-operator-context.js';

function setup(): { backend: KeyedStateBackend; clock: ManualClock; timers: InternalTimerService; fired: Array<[string, unknown, string | number, number]> } {
  const backend = new HashMapStateBackend().createKeyedStateBackend({ operatorName: 'op', maxParallelism: 128, keyGroupRange: keyGroupRangeForSubtask(128, 1, 0), now: () => 0 });
  const clock = new ManualClock(0);
  const fired: Array<[string, unknown, string | number, number]> = [];
  const record = (kind: string) => (t: InternalTimer) => {
    assert.deepEqual(backend.getCurrentKey(), t.key, 'the timer key is the current key while it fires');
    fired.push([kind, t.key, t.namespace, t.timestamp]);
  };
  const timers = new InternalTimerService(backend, clock, { onEventTime: record('event'), onProcessingTime: record('processing') });
  return { backend, clock, timers, fired };
}

describe('InternalTimerService', () => {
  it('keeps one timer per key, namespace and time, and fires event-time timers in time then registration order', () => {
    const { backend, timers, fired } = setup();
    backend.setCurrentKey('a');
    timers.registerEventTimeTimer(0, 20);
    timers.registerEventTimeTimer(0, 20);
    timers.registerEventTimeTimer('0', 20); // another namespace: a string is not the number
    timers.registerEventTimeTimer(0, 10);
    backend.setCurrentKey(1);
    timers.registerEventTimeTimer(0, 20);
    backend.setCurrentKey('1'); // another key than the number 1
    timers.registerEventTimeTimer(0, 20);
    backend.setCurrentKey(['x', 2]);
    timers.registerEventTimeTimer(0, 15);
    backend.setCurrentKey(['x', 2]);
    timers.registerEventTimeTimer(0, 15);
    assert.equal(timers.numEventTimeTimers(), 6);
    timers.advanceWatermark(19);
    timers.advanceWatermark(25);
    assert.deepEqual(fired, [
      ['event', 'a', 0, 10],
      ['event', ['x', 2], 0, 15],
      ['event', 'a', 0, 20],
      ['event', 'a', '0', 20],
      ['event', 1, 0, 20],
      ['event', '1', 0, 20],
    ]);
    assert.equal(timers.numEventTimeTimers(), 0);
  });

  it('deleted timers do not fire; registering again after a delete or a firing works', () => {
    const { backend, timers, fired } = setup();
    backend.setCurrentKey('a');
    timers.registerEventTimeTimer('w', 5);
    timers.registerEventTimeTimer('w', 6);
    timers.deleteEventTimeTimer('w', 5);
    timers.deleteEventTimeTimer('w', 99);
    assert.equal(timers.numEventTimeTimers(), 1);
    timers.registerEventTimeTimer('w', 5);
    timers.advanceWatermark(5);
    backend.setCurrentKey('a');
    timers.registerEventTimeTimer('w', 5);
    timers.advanceWatermark(10);
    assert.deepEqual(fired.map((f) => f[3]), [5, 5, 6]);
  });

  it('processing-time timers fire when the clock passes them, also those registered while firing', () => {
    const { backend, clock, timers, fired } = setup();
    backend.setCurrentKey('k');
    timers.registerProcessingTimeTimer(0, 100);
    timers.registerProcessingTimeTimer(0, 50);
    timers.registerProcessingTimeTimer(0, 70);
    timers.deleteProcessingTimeTimer(0, 70);
    clock.advanceTo(60);
    timers.registerProcessingTimeTimer(0, 80);
    clock.advanceTo(200);
    assert.deepEqual(fired, [
      ['processing', 'k', 0, 50],
      ['processing', 'k', 0, 80],
      ['processing', 'k', 0, 100],
    ]);
    assert.equal(timers.numProcessingTimeTimers(), 0);
  });
});
