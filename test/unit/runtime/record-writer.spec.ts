import assert from 'node:assert/strict';
import type { PartitionerType } from '../../../src/api/transformation.js';
import { assignToKeyGroup, operatorIndexForKeyGroup } from '../../../src/runtime/codec/index.js';
import { RecordWriter, type RecordWriterOptions } from '../../../src/runtime/network/record-writer.js';
import { FlinkError } from '../../../src/util/errors.js';
import { readAll, TestingChannelRouter } from './testing-channel-router.js';

interface Fixture {
  writer: RecordWriter;
  router: TestingChannelRouter;
  creditCalls: () => number;
}

function writer(o: Partial<RecordWriterOptions> & { consumers?: number[] } = {}): Fixture {
  const router = new TestingChannelRouter();
  let calls = 0;
  const consumers = o.consumers ?? [0];
  const w = new RecordWriter({
    edge: 7,
    producer: 0,
    consumers,
    consumerParallelism: consumers.length,
    maxParallelism: 128,
    partitioner: 'forward' as PartitionerType,
    bufferSize: 64,
    maxBacklog: 2,
    router,
    onCredit: () => void calls++,
    ...o,
  });
  return { writer: w, router, creditCalls: () => calls };
}

const word = (i: number): string => `record-${String(i).padStart(4, '0')}`;

describe('RecordWriter', () => {
  it('sends nothing without credit, then exactly as many buffers as it was granted', () => {
    const { writer: w, router } = writer({ maxBacklog: 1000 });
    for (let i = 0; i < 40; i++) w.emit(word(i));
    assert.equal(router.buffers().length, 0, 'no credit, no buffers');
    const queued = w.backlog;
    assert.ok(queued >= 5, `several full buffers are queued (${queued})`);
    w.addCredit(0, 2);
    assert.equal(router.buffers().length, 2);
    assert.equal(w.backlog, queued - 2);
    w.addCredit(0, 1000);
    assert.equal(w.backlog, 0);
    // Later full buffers go straight out while credit lasts.
    for (let i = 40; i < 80; i++) w.emit(word(i));
    w.finish();
    assert.deepEqual(router.received(0), [...Array.from({ length: 80 }, (_, i) => word(i)), '<end>']);
  });

  it('credits are per channel: one consumer\'s credit does not release another\'s buffers', () => {
    const { writer: w, router } = writer({ consumers: [0, 1], partitioner: 'broadcast', maxBacklog: 1000 });
    for (let i = 0; i < 30; i++) w.emit(word(i));
    w.addCredit(1, 100);
    assert.equal(router.buffers(0).length, 0);
    assert.ok(router.buffers(1).length > 0);
    w.addCredit(5, 100); // an unknown consumer is ignored
    assert.equal(router.buffers(0).length, 0);
  });

  it('reports back pressure while the backlog is over its limit, and calls onCredit on every grant', () => {
    const { writer: w, creditCalls } = writer({ maxBacklog: 2 });
    assert.equal(w.available, true);
    let i = 0;
    while (w.available) w.emit(word(i++));
    assert.equal(w.backlog, 3, 'unavailable as soon as the backlog exceeds maxBacklog');
    w.addCredit(0, 1);
    assert.equal(creditCalls(), 1);
    assert.equal(w.available, true, 'one credit brings the backlog back to the limit');
    w.addCredit(0, 5);
    assert.equal(creditCalls(), 2);
    assert.equal(w.backlog, 0);
  });

  it('finish() flushes the partial buffer and sends end after the last buffer, once credit allows', () => {
    const { writer: w, router } = writer({ maxBacklog: 1000 });
    for (let i = 0; i < 10; i++) w.emit(word(i));
    w.finish();
    assert.equal(w.drained, false);
    assert.equal(router.log.filter((s) => s.kind === 'event').length, 0, 'end waits behind the queued buffers');
    w.addCredit(0, 1);
    assert.equal(w.drained, false);
    w.addCredit(0, 100);
    assert.equal(w.drained, true);
    const last = router.log[router.log.length - 1];
    assert.deepEqual(last?.kind === 'event' ? last.event : undefined, 'end');
    assert.equal(router.log.filter((s) => s.kind === 'event').length, 1);
    assert.deepEqual(router.received(0), [...Array.from({ length: 10 }, (_, i) => word(i)), '<end>']);
  });

  it('finish() on an empty writer sends only end, on every channel, without needing credit', () => {
    const { writer: w, router } = writer({ consumers: [0, 1, 2], partitioner: 'rebalance' });
    w.finish();
    assert.equal(w.drained, true);
    assert.deepEqual([0, 1, 2].map((c) => router.received(c)), [['<end>'], ['<end>'], ['<end>']]);
  });

  it('flushAll() sends partly filled buffers', () => {
    const { writer: w, router } = writer();
    w.addCredit(0, 10);
    w.emit('a');
    assert.equal(router.buffers().length, 0);
    w.flushAll();
    assert.deepEqual(router.received(0), ['a']);
    w.flushAll();
    assert.equal(router.buffers().length, 1, 'nothing more to flush');
  });

  it('sends a record larger than a buffer alone, in order with the records around it', () => {
    const { writer: w, router } = writer({ maxBacklog: 1000 });
    w.addCredit(0, 100);
    const big = 'x'.repeat(1000);
    w.emit('before');
    w.emit(big);
    w.emit({ big });
    w.emit('after');
    w.finish();
    assert.deepEqual(router.received(0), ['before', big, { big }, 'after', '<end>']);
    const sizes = router.buffers().map((b) => b.byteLength);
    assert.ok(sizes.some((s) => s > 1000), 'the oversize record travels in a buffer of its own size');
    assert.equal(w.recordsOut, 4);
    assert.equal(w.bytesOut, sizes.reduce((a, b) => a + b, 0));
  });

  it('hash partitioning puts equal keys on one channel, the one the key group maps to', () => {
    const D = 4;
    const { writer: w, router } = writer({ consumers: [0, 1, 2, 3], consumerParallelism: D, partitioner: 'hash', key: (r) => (r as [string, number])[0], maxBacklog: 1e6 });
    for (let c = 0; c < D; c++) w.addCredit(c, 1e6);
    const keys = Array.from({ length: 50 }, (_, i) => `key${i}`);
    for (let round = 0; round < 5; round++) for (const k of keys) w.emit([k, round]);
    w.finish();
    const channelOf = new Map<string, Set<number>>();
    for (let c = 0; c < D; c++) {
      for (const r of router.received(c)) {
        if (r === '<end>') continue;
        const k = (r as [string, number])[0];
        (channelOf.get(k) ?? channelOf.set(k, new Set()).get(k))?.add(c);
      }
    }
    assert.equal(channelOf.size, keys.length);
    for (const [k, chans] of channelOf) {
      assert.equal(chans.size, 1, `key ${k} on one channel`);
      assert.equal([...chans][0], operatorIndexForKeyGroup(128, D, assignToKeyGroup(k, 128)));
    }
    assert.ok(new Set([...channelOf.values()].map((s) => [...s][0])).size > 1, 'keys spread over several channels');
  });

  it('broadcast sends every record to every channel', () => {
    const { writer: w, router } = writer({ consumers: [0, 1, 2], partitioner: 'broadcast', maxBacklog: 1e6 });
    for (let c = 0; c < 3; c++) w.addCredit(c, 1000);
    for (let i = 0; i < 30; i++) w.emit(i);
    w.finish();
    const expected = [...Array.from({ length: 30 }, (_, i) => i), '<end>'];
    for (let c = 0; c < 3; c++) assert.deepEqual(router.received(c), expected);
  });

  it('rebalance deals records round robin, starting at the producer\'s index', () => {
    const { writer: w, router } = writer({ producer: 1, consumers: [0, 1, 2], partitioner: 'rebalance', maxBacklog: 1e6 });
    for (let c = 0; c < 3; c++) w.addCredit(c, 1000);
    for (let i = 0; i < 7; i++) w.emit(i);
    w.finish();
    assert.deepEqual([0, 1, 2].map((c) => router.received(c)), [[2, 5, '<end>'], [0, 3, 6, '<end>'], [1, 4, '<end>']]);
  });

  it('global and forward send everything to the first channel', () => {
    for (const partitioner of ['global', 'forward'] as const) {
      const { writer: w, router } = writer({ consumers: [0, 1], partitioner, maxBacklog: 1e6 });
      w.addCredit(0, 100);
      w.addCredit(1, 100);
      for (let i = 0; i < 5; i++) w.emit(i);
      w.finish();
      assert.deepEqual(router.received(0), [0, 1, 2, 3, 4, '<end>']);
      assert.deepEqual(router.received(1), ['<end>']);
    }
  });

  it('shuffle sends each record to exactly one channel', () => {
    const { writer: w, router } = writer({ consumers: [0, 1, 2], partitioner: 'shuffle', maxBacklog: 1e6 });
    for (let c = 0; c < 3; c++) w.addCredit(c, 1000);
    for (let i = 0; i < 300; i++) w.emit(i);
    w.finish();
    const all = [0, 1, 2].flatMap((c) => router.received(c).filter((r) => r !== '<end>')) as number[];
    assert.deepEqual(all.sort((a, b) => a - b), Array.from({ length: 300 }, (_, i) => i));
    for (let c = 0; c < 3; c++) assert.ok(router.received(c).length > 10, 'spread over all channels');
  });

  it('custom partitioning uses the user partitioner and rejects an index out of range clearly', () => {
    const { writer: w, router } = writer({ consumers: [0, 1], partitioner: 'custom', key: (r) => r, customPartition: (k, n) => (k as number) % n, maxBacklog: 1e6 });
    w.addCredit(0, 100);
    w.addCredit(1, 100);
    for (let i = 0; i < 6; i++) w.emit(i);
    w.finish();
    assert.deepEqual([router.received(0), router.received(1)], [[0, 2, 4, '<end>'], [1, 3, 5, '<end>']]);

    for (const bad of [2, -1, 0.5, Number.NaN]) {
      const f = writer({ consumers: [0, 1], partitioner: 'custom', key: (r) => r, customPartition: () => bad });
      assert.throws(
        () => f.writer.emit('x'),
        (err: unknown) => err instanceof FlinkError && err.code === 'BAD_PARTITION' && err.message.includes(`returned ${String(bad)}`) && err.message.includes('0..1'),
      );
    }
  });

  it('decodes every buffer on its own (no record spans two buffers)', () => {
    const { writer: w, router } = writer({ maxBacklog: 1e6 });
    w.addCredit(0, 1e6);
    const records = Array.from({ length: 200 }, (_, i) => ({ i, s: 'y'.repeat(i % 50) }));
    for (const r of records) w.emit(r);
    w.finish();
    const decoded = router.buffers().flatMap((b) => readAll(b));
    assert.deepEqual(decoded, records);
  });
});
