/**
 * RecordWriter: serializes a task's output records into one buffer per channel and hands full buffers
 * on under credit-based flow control: a channel sends only as many buffers as its consumer granted, the
 * rest wait in a queue, and the task pauses its input while any writer's queue is over its limit.
 */
import type { PartitionerType } from '../../api/transformation.js';
import { assignToKeyGroup, BufferBuilder, encodeRecord, operatorIndexForKeyGroup } from '../codec/index.js';
import type { ChannelEvent, ChannelId, ChannelRouter } from './channel-router.js';
import { FlinkError } from '../../util/errors.js';

export interface OutputChannel {
  readonly id: ChannelId;
  builder: BufferBuilder;
  readonly queue: Array<Uint8Array | ChannelEvent>;
  credits: number;
}

export interface RecordWriterOptions {
  edge: number;
  producer: number;
  /** Consumer subtask ids this producer is connected to, in channel order. */
  consumers: number[];
  consumerParallelism: number;
  maxParallelism: number;
  partitioner: PartitionerType;
  /** Key extractor for hash/custom partitioning. */
  key?: (record: unknown) => unknown;
  /** User partitioner for `custom`. */
  customPartition?: (key: unknown, numPartitions: number) => number;
  bufferSize: number;
  /** Buffers a writer may queue beyond its credits before it reports back pressure. */
  maxBacklog: number;
  router: ChannelRouter;
  /** Called after every credit grant (the writer may have become available, or drained). */
  onCredit: () => void;
}

export class RecordWriter {
  readonly channels: OutputChannel[];
  /** Buffers queued for lack of credit, over all channels. */
  backlog = 0;
  recordsOut = 0;
  bytesOut = 0;
  private next = 0;
  private readonly select: (record: unknown) => number;

  constructor(private readonly o: RecordWriterOptions) {
    this.channels = o.consumers.map((c) => ({
      id: { edge: o.edge, producer: o.producer, consumer: c },
      builder: new BufferBuilder(o.bufferSize),
      queue: [],
      credits: 0,
    }));
    this.next = o.producer % Math.max(1, this.channels.length);
    this.select = this.selector();
  }

  /** The share of the backlog this writer may queue before it back-pressures that is queued. */
  get poolUsage(): number {
    return Math.min(1, this.backlog / Math.max(1, this.o.maxBacklog));
  }

  get available(): boolean {
    return this.backlog <= this.o.maxBacklog;
  }

  /** Writes a record to the channel its partitioner picks; `timestamp` is NaN for a record without one. */
  emit(record: unknown, timestamp = NaN): void {
    this.recordsOut++;
    const ch = this.select(record);
    if (ch >= 0) {
      this.write(this.channels[ch] as OutputChannel, record, timestamp);
    } else {
      for (const c of this.channels) this.write(c, record, timestamp);
    }
  }

  /** Watermarks go to every channel, in order with the records before them. */
  emitWatermark(watermark: number): void {
    for (const c of this.channels) {
      if (c.builder.tryWriteWatermark(watermark)) continue;
      this.enqueue(c, c.builder.finish());
      c.builder.tryWriteWatermark(watermark);
    }
  }

  emitWatermarkStatus(idle: boolean): void {
    for (const c of this.channels) {
      if (c.builder.tryWriteWatermarkStatus(idle)) continue;
      this.enqueue(c, c.builder.finish());
      c.builder.tryWriteWatermarkStatus(idle);
    }
  }

  /** Marks the end of an iteration superstep on every channel and sends it at once. */
  emitEndOfSuperstep(): void {
    for (const c of this.channels) {
      if (!c.builder.tryWriteEndOfSuperstep()) {
        this.enqueue(c, c.builder.finish());
        c.builder.tryWriteEndOfSuperstep();
      }
      this.enqueue(c, c.builder.finish());
    }
  }

  /**
   * Sends a checkpoint barrier on every channel, in order after the records before it, at once. The barrier
   * always ends its buffer, so a consumer that aligns can hold back whole buffers after it.
   */
  emitBarrier(checkpointId: number, timestamp: number, flags: number): void {
    for (const c of this.channels) {
      if (!c.builder.tryWriteBarrier(checkpointId, timestamp, flags)) {
        this.enqueue(c, c.builder.finish());
        c.builder.tryWriteBarrier(checkpointId, timestamp, flags);
      }
      this.enqueue(c, c.builder.finish());
    }
  }

  /** Sends every partly filled buffer (buffer timeout, end of input). */
  flushAll(): void {
    for (const c of this.channels) if (c.builder.size > 0) this.enqueue(c, c.builder.finish());
  }

  /** Flushes and marks the end of data on every channel. */
  finish(): void {
    this.flushAll();
    for (const c of this.channels) {
      c.queue.push('end');
      this.drain(c);
    }
  }

  /** True when everything, the end events included, has been handed on. */
  get drained(): boolean {
    return this.channels.every((c) => c.queue.length === 0);
  }

  addCredit(consumer: number, n: number): void {
    const c = this.channels.find((x) => x.id.consumer === consumer);
    if (!c) return;
    c.credits += n;
    this.drain(c);
    this.o.onCredit();
  }

  private write(c: OutputChannel, record: unknown, timestamp: number): void {
    // NaN (no timestamp) fails the comparison: the plain path, as small as before event time existed.
    if (timestamp === timestamp) return this.writeTimestamped(c, record, timestamp);
    if (c.builder.tryWrite(record)) return;
    if (c.builder.size > 0) {
      this.enqueue(c, c.builder.finish());
      if (c.builder.tryWrite(record)) return;
    }
    // Larger than a whole buffer: it travels alone.
    this.enqueue(c, encodeRecord(record));
  }

  private writeTimestamped(c: OutputChannel, record: unknown, timestamp: number): void {
    if (c.builder.tryWriteTimestamped(record, timestamp)) return;
    if (c.builder.size > 0) {
      this.enqueue(c, c.builder.finish());
      if (c.builder.tryWriteTimestamped(record, timestamp)) return;
    }
    // Larger than a whole buffer: it travels alone.
    this.enqueue(c, encodeRecord(record, timestamp));
  }

  private enqueue(c: OutputChannel, buf: Uint8Array): void {
    this.bytesOut += buf.byteLength;
    c.queue.push(buf);
    this.backlog++;
    this.drain(c);
  }

  private drain(c: OutputChannel): void {
    const q = c.queue;
    while (q.length > 0) {
      const head = q[0] as Uint8Array | ChannelEvent;
      if (head === 'end') {
        q.shift();
        this.o.router.sendEvent(c.id, head);
        continue;
      }
      if (c.credits <= 0) return;
      q.shift();
      c.credits--;
      this.backlog--;
      this.o.router.sendBuffer(c.id, head);
    }
  }

  private selector(): (record: unknown) => number {
    const n = this.channels.length;
    const o = this.o;
    switch (o.partitioner) {
      case 'forward':
        return () => 0;
      case 'rebalance':
      case 'rescale':
        return () => {
          const c = this.next;
          this.next = c + 1 === n ? 0 : c + 1;
          return c;
        };
      case 'shuffle':
        return () => Math.floor(Math.random() * n);
      case 'broadcast':
        return () => -1;
      case 'global':
        return () => 0;
      case 'hash': {
        const key = o.key as (r: unknown) => unknown;
        const maxP = o.maxParallelism;
        const D = o.consumerParallelism;
        return (r) => operatorIndexForKeyGroup(maxP, D, assignToKeyGroup(key(r), maxP));
      }
      case 'custom': {
        const key = o.key as (r: unknown) => unknown;
        const part = o.customPartition as (k: unknown, n: number) => number;
        return (r) => {
          const c = part(key(r), n);
          if (!Number.isInteger(c) || c < 0 || c >= n) {
            throw new FlinkError('BAD_PARTITION', `The custom partitioner returned ${String(c)}; it must return an integer in 0..${n - 1}.`);
          }
          return c;
        };
      }
    }
  }
}
