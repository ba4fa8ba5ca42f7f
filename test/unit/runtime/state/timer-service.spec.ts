/**
 * InternalTimerService: timers unique per key, namespace and time; fired in time order (ties in registration
 * order) with their key as the current key; timers registered or deleted while others fire; processing time
 * on a clock the test moves by hand.
 */
import assert from 'node:assert/strict';
import {
  HashMapStateBackend,
  InternalTimerService,
  type InternalTimer,
  type KeyedStateBackend,
  type Triggerable,
} from '../../../../src/runtime/state/index.js';
import { ManualClock } from '../testing-operator-context.js';

interface Fired {
  kind: 'event' | 'processing';
  key: unknown;
  ns: string | number;
  time: number;
  /** The backend's current key while the timer fired. */
  current: unknown;
}

describe('InternalTimerService', () => {
  let backend: KeyedStateBackend;
  let clock: ManualClock;
  let fired: Fired[];
  let onFire: ((t: InternalTimer, kind: Fired['kind']) => void) | undefined;
  let timers: InternalTimerService;

  beforeEach(() => {
    backend = new HashMapStateBackend().createKeyedStateBackend({ operatorName: 'Op', maxParallelism: 128, keyGroupRange: { start: 0, end: 127 }, now: () => clock.now });
    clock = new ManualClock(1_000);
    fired = [];
    onFire = undefined;
    const target: Triggerable = {
      onEventTime: (t) => {
        fired.push({ kind: 'event', key: t.key, ns: t.namespace, time: t.timestamp, current: backend.getCurrentKey() });
        onFire?.(t, 'event');
      },
      onProcessingTime: (t) => {
        fired.push({ kind: 'processing', key: t.key, ns: t.namespace, time: t.timestamp, current: backend.getCurrentKey() });
        onFire?.(t, 'processing');
      },
    };
    timers = new InternalTimerService(backend, clock, target);
  });
  afterEach(() => {
    timers.close();
    backend.close();
  });

  function register(key: unknown, ns: string | number, time: number, kind: Fired['kind'] = 'event'): void {
    backend.setCurrentKey(key);
    if (kind === 'event') timers.registerEventTimeTimer(ns, time);
    else timers.registerProcessingTimeTimer(ns, time);
  }

  const short = (f: Fired[]): string[] => f.map((x) => `${String(x.key)}/${x.ns}@${x.time}`);

  it('a timer is unique per key, namespace and time; the same one registered again fires once', () => {
    register('a', '', 10);
    register('a', '', 10);
    register('a', 'w', 10);
    register('b', '', 10);
    register(1, '', 10);
    register('1', '', 10);
    register([1, 2], '', 10);
    register([1, 2], '', 10);
    assert.equal(timers.numEventTimeTimers(), 6);
    timers.advanceWatermark(10);
    assert.equal(fired.length, 6);
    assert.equal(timers.numEventTimeTimers(), 0);
    timers.advanceWatermark(20);
    assert.equal(fired.length, 6, 'nothing fires twice');
  });

  it('event-time timers fire in time order, ties in registration order, each with its key as the current key', () => {
    register('c', '', 30);
    register('a', '', 20);
    register('b', '', 20);
    register('z', '', 5);
    register([1, 'x'], '', 20);
    register('late', '', 100);
    backend.setCurrentKey('unrelated');
    timers.advanceWatermark(30);
    assert.deepEqual(short(fired), ['z/@5', 'a/@20', 'b/@20', '1,x/@20', 'c/@30']);
    for (const f of fired) assert.deepEqual(f.current, f.key);
    assert.deepEqual(fired[3]?.key, [1, 'x'], 'a composite key comes back as the key selector returned it');
    assert.equal(timers.getCurrentWatermark(), 30);
    assert.equal(timers.numEventTimeTimers(), 1);
  });

  it('a timer is due when the watermark reaches its time, not before', () => {
    register('a', '', 50);
    timers.advanceWatermark(49);
    assert.equal(fired.length, 0);
    timers.advanceWatermark(50);
    assert.equal(fired.length, 1);
  });

  it('timers registered while firing fire in the same advance when due, in time order, otherwise later', () => {
    register('a', '', 10);
    register('b', '', 40);
    let once = true;
    onFire = (t) => {
      if (once && t.key === 'a' && t.timestamp === 10) {
        once = false;
        // The current key is the firing timer's key, as in a user onTimer().
        timers.registerEventTimeTimer('', 30);
        timers.registerEventTimeTimer('', 10);
        timers.registerEventTimeTimer('', 100);
      }
    };
    timers.advanceWatermark(50);
    assert.deepEqual(short(fired), ['a/@10', 'a/@10', 'a/@30', 'b/@40']);
    timers.advanceWatermark(100);
    assert.deepEqual(short(fired).slice(4), ['a/@100']);
  });

  it('a deleted timer does not fire, also when deleted by another timer that fires first; deleting an unknown timer is harmless', () => {
    register('a', '', 10);
    register('b', '', 20);
    register('c', '', 20);
    backend.setCurrentKey('a');
    timers.deleteEventTimeTimer('', 10);
    timers.deleteEventTimeTimer('', 999);
    timers.deleteEventTimeTimer('other-ns', 20);
    onFire = (t) => {
      if (t.key === 'b') {
        backend.setCurrentKey('c');
        timers.deleteEventTimeTimer('', 20);
      }
    };
    timers.advanceWatermark(100);
    assert.deepEqual(short(fired), ['b/@20']);
    // A deleted timer can be registered again.
    register('a', '', 10);
    timers.advanceWatermark(101);
    assert.deepEqual(short(fired), ['b/@20', 'a/@10']);
  });

  it('after many registrations and deletions in any order, the remaining timers fire in time and registration order and the counts agree', () => {
    // A fixed pseudo-random sequence (deterministic), checked against a plain list of the live timers: deleted
    // timers leave the heap from any position, which moves others up and down.
    let seed = 12345;
    const next = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const live: Array<{ key: string; time: number; order: number }> = [];
    let order = 0;
    for (let i = 0; i < 3000; i++) {
      const key = `k${next(40)}`;
      const time = next(200);
      const existing = live.findIndex((t) => t.key === key && t.time === time);
      if (next(3) === 0) {
        backend.setCurrentKey(key);
        timers.deleteEventTimeTimer('', time);
        if (existing >= 0) live.splice(existing, 1);
      } else {
        register(key, '', time);
        if (existing < 0) live.push({ key, time, order: order++ });
      }
      assert.equal(timers.numEventTimeTimers(), live.length);
    }
    timers.advanceWatermark(99);
    const expected = live
      .slice()
      .sort((a, b) => a.time - b.time || a.order - b.order)
      .map((t) => `${t.key}/@${t.time}`);
    const due = expected.filter((s) => Number(s.slice(s.indexOf('@') + 1)) <= 99);
    assert.deepEqual(short(fired), due);
    timers.advanceWatermark(1000);
    assert.deepEqual(short(fired), expected);
    assert.equal(timers.numEventTimeTimers(), 0);
  });

  describe('processing time', () => {
    it('fires when the clock reaches the time, in time order, and not before', () => {
      register('a', '', 1_300, 'processing');
      register('b', '', 1_100, 'processing');
      register('c', '', 1_100, 'processing');
      register('b', '', 1_100, 'processing');
      assert.equal(timers.numProcessingTimeTimers(), 3);
      clock.advanceTo(1_099);
      assert.equal(fired.length, 0);
      clock.advanceTo(1_200);
      assert.deepEqual(short(fired), ['b/@1100', 'c/@1100']);
      for (const f of fired) assert.equal(f.current, f.key);
      clock.advanceTo(1_300);
      assert.deepEqual(short(fired), ['b/@1100', 'c/@1100', 'a/@1300']);
      assert.equal(timers.numProcessingTimeTimers(), 0);
    });

    it('an earlier timer registered later still fires on time; a deleted earliest timer leaves the later ones scheduled', () => {
      register('late', '', 5_000, 'processing');
      register('early', '', 2_000, 'processing');
      register('earliest', '', 1_500, 'processing');
      backend.setCurrentKey('earliest');
      timers.deleteProcessingTimeTimer('', 1_500);
      clock.advanceTo(2_000);
      assert.deepEqual(short(fired), ['early/@2000']);
      clock.advanceTo(5_000);
      assert.deepEqual(short(fired), ['early/@2000', 'late/@5000']);
    });

    it('timers registered while firing are scheduled, also for a time already passed', () => {
      register('a', '', 1_100, 'processing');
        let once = true;
      onFire = (t) => {
        if (once && t.timestamp === 1_100) {
          once = false;
          timers.registerProcessingTimeTimer('', 1_050);
          timers.registerProcessingTimeTimer('', 1_500);
        }
      };
      clock.advanceTo(1_200);
      assert.deepEqual(short(fired), ['a/@1100', 'a/@1050']);
      clock.advanceTo(1_500);
      assert.deepEqual(short(fired), ['a/@1100', 'a/@1050', 'a/@1500']);
    });

    it('close() cancels the scheduled wake-up; nothing fires afterwards', () => {
      register('a', '', 1_100, 'processing');
      timers.close();
      timers.close();
      clock.advanceTo(2_000);
      assert.deepEqual(fired, []);
    });

    it('currentProcessingTime() is the clock', () => {
      clock.advanceTo(4_242);
      assert.equal(timers.currentProcessingTime(), 4_242);
    });
  });
});
