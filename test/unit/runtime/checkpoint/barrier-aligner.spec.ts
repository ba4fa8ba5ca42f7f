import assert from 'node:assert/strict';
import { BarrierAligner } from '../../../../src/runtime/checkpoint/barrier-aligner.js';
import type { InputChannel } from '../../../../src/runtime/network/input-gate.js';

function channels(n: number): InputChannel[] {
  return Array.from({ length: n }, (_, p) => ({
    id: { edge: 0, producer: p, consumer: 0 },
    input: 0,
    ended: false,
    owed: 0,
    watermark: Number.NEGATIVE_INFINITY,
    idle: false,
    aligned: true,
  }));
}

describe('BarrierAligner', () => {
  it('EXACTLY_ONCE blocks each channel after its barrier until every channel delivered it', () => {
    const ch = channels(3);
    const a = new BarrierAligner(true, () => ch);
    assert.equal(a.onBarrier(ch[0] as InputChannel, 1, 0), 'wait');
    assert.equal(a.isBlocked(ch[0] as InputChannel), true);
    assert.equal(a.isBlocked(ch[1] as InputChannel), false);
    assert.equal(a.onBarrier(ch[2] as InputChannel, 1, 0), 'wait');
    assert.equal(a.onBarrier(ch[1] as InputChannel, 1, 0), 'complete');
    a.finish();
    assert.equal(a.isBlocked(ch[0] as InputChannel), false, 'released once the snapshot is taken');
  });

  it('AT_LEAST_ONCE counts barriers without blocking', () => {
    const ch = channels(2);
    const a = new BarrierAligner(false, () => ch);
    assert.equal(a.onBarrier(ch[0] as InputChannel, 1, 0), 'wait');
    assert.equal(a.isBlocked(ch[0] as InputChannel), false);
    assert.equal(a.onBarrier(ch[1] as InputChannel, 1, 0), 'complete');
  });

  it('an ended channel no longer holds the alignment back', () => {
    const ch = channels(2);
    const a = new BarrierAligner(true, () => ch);
    assert.equal(a.onBarrier(ch[0] as InputChannel, 4, 0), 'wait');
    (ch[1] as InputChannel).ended = true;
    assert.equal(a.onChannelEnded(), true);
  });

  it('a newer barrier starts the alignment over; older and finished ones are ignored', () => {
    const ch = channels(2);
    const a = new BarrierAligner(true, () => ch);
    a.onBarrier(ch[0] as InputChannel, 1, 0);
    assert.equal(a.onBarrier(ch[1] as InputChannel, 2, 0), 'wait');
    assert.equal(a.current, 2);
    assert.equal(a.isBlocked(ch[0] as InputChannel), false, 'checkpoint 1 was given up: its channel is free');
    assert.equal(a.onBarrier(ch[0] as InputChannel, 1, 0), 'ignore');
    assert.equal(a.onBarrier(ch[0] as InputChannel, 2, 0), 'complete');
    a.finish();
    assert.equal(a.onBarrier(ch[0] as InputChannel, 2, 0), 'ignore');
  });

  it('an aborted checkpoint releases its channels and its late barriers are ignored', () => {
    const ch = channels(2);
    const a = new BarrierAligner(true, () => ch);
    a.onBarrier(ch[0] as InputChannel, 3, 0);
    assert.equal(a.abort(3), true);
    assert.equal(a.isBlocked(ch[0] as InputChannel), false);
    assert.equal(a.onBarrier(ch[1] as InputChannel, 3, 0), 'ignore');
    assert.equal(a.abort(5), false);
    assert.equal(a.onBarrier(ch[1] as InputChannel, 5, 0), 'ignore', 'a checkpoint aborted before its barrier arrived');
  });
});
