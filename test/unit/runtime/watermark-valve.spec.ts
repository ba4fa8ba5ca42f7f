/** The watermark valve: how a task combines its input channels' watermarks and idle statuses (Flink's rules). */
import assert from 'node:assert/strict';
import { WatermarkValve, type ValveChannel } from '../../../src/runtime/network/watermark-valve.js';

function setup(n: number): { valve: WatermarkValve; ch: ValveChannel[]; out: Array<number | 'idle' | 'active'> } {
  const ch: ValveChannel[] = Array.from({ length: n }, () => ({ watermark: Number.NEGATIVE_INFINITY, idle: false, aligned: true, ended: false }));
  const out: Array<number | 'idle' | 'active'> = [];
  const valve = new WatermarkValve(() => ch, { watermark: (w) => void out.push(w), status: (idle) => void out.push(idle ? 'idle' : 'active') });
  return { valve, ch, out };
}

describe('watermark valve', () => {
  it('emits the minimum over the channels, only when it grows', () => {
    const { valve, ch, out } = setup(3);
    valve.inputWatermark(ch[0] as ValveChannel, 10);
    valve.inputWatermark(ch[1] as ValveChannel, 5);
    assert.deepEqual(out, []);
    valve.inputWatermark(ch[2] as ValveChannel, 7);
    assert.deepEqual(out, [5]);
    valve.inputWatermark(ch[1] as ValveChannel, 4); // lower than before on that channel: ignored
    valve.inputWatermark(ch[1] as ValveChannel, 20);
    assert.deepEqual(out, [5, 7]);
  });

  it('an idle channel stops holding the others back; its watermarks are ignored while idle', () => {
    const { valve, ch, out } = setup(2);
    valve.inputWatermark(ch[0] as ValveChannel, 100);
    valve.inputStatus(ch[1] as ValveChannel, true);
    assert.deepEqual(out, [100]);
    valve.inputWatermark(ch[1] as ValveChannel, 500);
    valve.inputWatermark(ch[0] as ValveChannel, 200);
    assert.deepEqual(out, [100, 200]);
  });

  it('a channel active again joins only once it caught up: event time never goes back', () => {
    const { valve, ch, out } = setup(2);
    valve.inputStatus(ch[1] as ValveChannel, true);
    valve.inputWatermark(ch[0] as ValveChannel, 100);
    valve.inputStatus(ch[1] as ValveChannel, false);
    valve.inputWatermark(ch[1] as ValveChannel, 50); // behind: not aligned yet
    valve.inputWatermark(ch[0] as ValveChannel, 150);
    assert.deepEqual(out, [100, 150]);
    valve.inputWatermark(ch[1] as ValveChannel, 160); // caught up: now it counts
    valve.inputWatermark(ch[0] as ValveChannel, 300);
    assert.deepEqual(out, [100, 150, 160]);
  });

  it('when the last active channel goes idle, the highest watermark is flushed, then the task is idle', () => {
    const { valve, ch, out } = setup(2);
    valve.inputWatermark(ch[0] as ValveChannel, 4899);
    valve.inputStatus(ch[0] as ValveChannel, true); // channel 1 (at -Infinity) still holds time back
    assert.deepEqual(out, []);
    valve.inputStatus(ch[1] as ValveChannel, true);
    assert.deepEqual(out, [4899, 'idle']);
    valve.inputStatus(ch[1] as ValveChannel, false);
    assert.deepEqual(out, [4899, 'idle', 'active']);
  });

  it('an ended channel counts as +Infinity; all ended gives the final watermark', () => {
    const { valve, ch, out } = setup(2);
    valve.inputWatermark(ch[0] as ValveChannel, 10);
    valve.channelEnded(ch[1] as ValveChannel);
    assert.deepEqual(out, [10]);
    valve.channelEnded(ch[0] as ValveChannel);
    assert.deepEqual(out, [10, Number.POSITIVE_INFINITY]);
  });

  it('an idle channel that ends wakes the task up', () => {
    const { valve, ch, out } = setup(1);
    valve.inputStatus(ch[0] as ValveChannel, true);
    valve.channelEnded(ch[0] as ValveChannel);
    assert.deepEqual(out, ['idle', 'active', Number.POSITIVE_INFINITY]);
  });
});
