import assert from 'node:assert/strict';
import { channelKey } from '../../../src/runtime/network/channel-router.js';
import { InputGate } from '../../../src/runtime/network/input-gate.js';
import { TestingChannelRouter } from './testing-channel-router.js';

function gate(initialCredits = 2): { gate: InputGate; router: TestingChannelRouter; wakeups: () => number } {
  const router = new TestingChannelRouter();
  let n = 0;
  const g = new InputGate(router, initialCredits, () => void n++);
  // Edge 0 (logical input 0) from producers 0 and 1; edge 3 (logical input 1) from producer 0.
  g.addChannel({ edge: 0, producer: 0, consumer: 5 }, 0);
  g.addChannel({ edge: 0, producer: 1, consumer: 5 }, 0);
  g.addChannel({ edge: 3, producer: 0, consumer: 5 }, 1);
  return { gate: g, router, wakeups: () => n };
}

const buf = (...bytes: number[]): Uint8Array => Uint8Array.from(bytes);

describe('InputGate', () => {
  it('grants every channel its initial credit on start()', () => {
    const { gate: g, router } = gate(4);
    assert.equal(g.size, 3);
    assert.deepEqual(g.inputs(), [0, 1]);
    assert.equal(router.credits().length, 0, 'no credit before start()');
    g.start();
    assert.deepEqual(
      router.credits().map((c) => [c.ch.edge, c.ch.producer, c.ch.consumer, c.n]),
      [[0, 0, 5, 4], [0, 1, 5, 4], [3, 0, 5, 4]],
    );
  });

  it('hands items out in arrival order across channels, waking the task on each', () => {
    const { gate: g, wakeups } = gate();
    assert.equal(g.push(channelKey(0, 1, 5), buf(1)), true);
    assert.equal(g.push(channelKey(3, 0, 5), buf(2, 2)), true);
    assert.equal(g.push(channelKey(0, 0, 5), buf(3, 3, 3)), true);
    assert.equal(wakeups(), 3);
    assert.equal(g.bytesIn, 6);
    const got: Array<[number, number, number]> = [];
    while (g.hasPending()) {
      const it = g.poll();
      assert.ok(it && it.item !== 'end');
      got.push([it.channel.id.producer, it.channel.input, it.item.byteLength]);
    }
    assert.deepEqual(got, [[1, 0, 1], [0, 1, 2], [0, 0, 3]]);
    assert.equal(g.poll(), undefined);
  });

  it('refuses items for channels it does not have', () => {
    const { gate: g, wakeups } = gate();
    assert.equal(g.push(channelKey(9, 0, 5), buf(1)), false);
    assert.equal(g.push(channelKey(0, 0, 6), 'end'), false);
    assert.equal(g.hasPending(), false);
    assert.equal(wakeups(), 0);
  });

  it('returns credit for consumed buffers to their channel, never more than it consumed, and never starves a producer', () => {
    for (let window = 1; window <= 8; window++) {
      const router = new TestingChannelRouter();
      const g = new InputGate(router, window, () => {});
      const ch = { edge: 0, producer: 0, consumer: 0 };
      g.addChannel(ch, 0);
      g.addChannel({ edge: 0, producer: 1, consumer: 0 }, 0);
      g.start();
      const returned = (): number => router.credits().filter((c) => c.ch.producer === 0).reduce((a, c) => a + c.n, 0) - window;
      let credit = window;
      let consumed = 0;
      for (let round = 0; round < 20; round++) {
        // The producer sends while it has credit; the task then processes everything that arrived.
        assert.ok(credit > 0, `window ${window}, round ${round}: the producer has credit`);
        for (; credit > 0; credit--) g.push(channelKey(0, 0, 0), buf(round));
        for (let it = g.poll(); it; it = g.poll()) {
          g.consumed(it.channel);
          consumed++;
        }
        credit = window - (consumed - returned());
        assert.ok(returned() <= consumed, `window ${window}: no credit beyond what was consumed`);
        assert.ok(router.credits().every((c) => c.ch.producer === 0 || c.n === window), 'the other channel got only its initial credit');
      }
    }
  });

  it('ends a logical input when the last of its channels ended, once per channel', () => {
    const { gate: g } = gate();
    for (const k of [channelKey(0, 0, 5), channelKey(0, 0, 5), channelKey(3, 0, 5), channelKey(0, 1, 5)]) g.push(k, 'end');
    const ended: Array<[number, boolean]> = [];
    for (let it = g.poll(); it; it = g.poll()) {
      assert.equal(it.item, 'end');
      ended.push([it.channel.input, g.channelEnded(it.channel)]);
    }
    assert.deepEqual(ended, [[0, false], [0, false], [1, true], [0, true]], 'a repeated end of the same channel does not count twice');
    assert.equal(g.allEnded(), true);
  });

  it('is not all ended while any input has an open channel', () => {
    const { gate: g } = gate();
    g.push(channelKey(3, 0, 5), 'end');
    const it = g.poll();
    assert.ok(it);
    assert.equal(g.channelEnded(it.channel), true);
    assert.equal(g.allEnded(), false);
  });

  it('keeps order over many items (the queue compacts itself while in use)', () => {
    const { gate: g } = gate();
    const key = channelKey(0, 0, 5);
    let next = 0;
    let expected = 0;
    for (let round = 0; round < 10; round++) {
      for (let i = 0; i < 700; i++) g.push(key, buf(next++ % 256));
      for (let i = 0; i < 500; i++) {
        const it = g.poll();
        assert.ok(it && it.item !== 'end');
        assert.equal(it.item[0], expected++ % 256);
      }
    }
    while (g.hasPending()) {
      const it = g.poll();
      assert.ok(it && it.item !== 'end');
      assert.equal(it.item[0], expected++ % 256);
    }
    assert.equal(expected, next);
  });
});
