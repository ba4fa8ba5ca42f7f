/**
 * InputGate: the buffers arriving for one task, from every producer channel of every input edge, in
 * arrival order. The task takes them one at a time and returns a credit for each, so a producer never
 * has more buffers in flight to this task than it was granted.
 */
import type { ChannelEvent, ChannelId, ChannelRouter } from './channel-router.js';
import { channelKey } from './channel-router.js';

export interface InputChannel {
  readonly id: ChannelId;
  /** The logical input of the head operator this channel feeds. */
  readonly input: number;
  ended: boolean;
  /** Credits for consumed buffers not yet returned (they go back in batches). */
  owed: number;
  /** The highest watermark received on this channel. */
  watermark: number;
  /** The producer declared itself idle: its watermark does not hold the others back. */
  idle: boolean;
  /** Whether the channel's watermark takes part in the task's minimum (see WatermarkValve). */
  aligned: boolean;
}

export interface GateItem {
  channel: InputChannel;
  item: Uint8Array | ChannelEvent;
  /** In-flight data of an unaligned checkpoint, given back on restore: no credit was granted for it. */
  replayed?: boolean;
}

export class InputGate {
  private readonly channels = new Map<string, InputChannel>();
  private readonly queue: GateItem[] = [];
  private head = 0;
  /** Open channels per logical input. */
  private readonly openPerInput = new Map<number, number>();
  /**
   * Credits a channel collects before they go back in one message: half its window. Every credit message
   * is a thread hand-off (and a TCP frame between TaskManagers), so this halves that traffic. Holding
   * fewer than half the window back can never stall the producer: while it waits for credit, the other
   * half or more of its window sits here unconsumed, and consuming it completes the batch.
   */
  private readonly creditBatch: number;
  bytesIn = 0;

  constructor(
    private readonly router: ChannelRouter,
    private readonly initialCredits: number,
    private readonly onData: () => void,
  ) {
    this.creditBatch = Math.max(1, Math.floor(initialCredits / 2));
  }

  addChannel(id: ChannelId, input: number): void {
    this.channels.set(channelKey(id.edge, id.producer, id.consumer), { id, input, ended: false, owed: 0, watermark: Number.NEGATIVE_INFINITY, idle: false, aligned: true });
    this.openPerInput.set(input, (this.openPerInput.get(input) ?? 0) + 1);
  }

  /** The logical inputs this gate feeds (each ends when all of its channels ended). */
  inputs(): number[] {
    return [...this.openPerInput.keys()].sort();
  }

  /** Grants every channel its initial credit; call once the task can take data. */
  start(): void {
    for (const c of this.channels.values()) this.router.sendCredit(c.id, this.initialCredits);
  }

  get size(): number {
    return this.channels.size;
  }

  push(key: string, item: Uint8Array | ChannelEvent): boolean {
    const channel = this.channels.get(key);
    if (!channel) return false;
    if (item !== 'end') this.bytesIn += item.byteLength;
    this.queue.push({ channel, item });
    this.onData();
    return true;
  }

  /** Puts a restored in-flight buffer of a channel before anything the channel sends from now on. */
  pushReplayed(key: string, buf: Uint8Array): boolean {
    const channel = this.channels.get(key);
    if (!channel) return false;
    this.queue.push({ channel, item: buf, replayed: true });
    this.onData();
    return true;
  }

  /** The share of the buffers the channels may send (their credit) that wait here unprocessed. */
  get poolUsage(): number {
    const capacity = this.channels.size * this.initialCredits;
    return capacity > 0 ? Math.min(1, (this.queue.length - this.head) / capacity) : 0;
  }

  hasPending(): boolean {
    return this.head < this.queue.length;
  }

  /** Takes the next item; the caller must call `consumed` for buffers once it processed them. */
  poll(): GateItem | undefined {
    if (this.head >= this.queue.length) return undefined;
    const it = this.queue[this.head] as GateItem;
    this.queue[this.head++] = undefined as unknown as GateItem;
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
    return it;
  }

  /** Puts items taken with `poll` but not processed back in front of the queue, in their order. */
  requeue(items: GateItem[]): void {
    if (items.length === 0) return;
    this.queue.splice(this.head, 0, ...items);
    this.onData();
  }

  /** The caller processed a buffer of `channel`: its credit goes back, in batches of `creditBatch`. */
  consumed(channel: InputChannel): void {
    const owed = ++channel.owed;
    if (owed >= this.creditBatch) {
      channel.owed = 0;
      this.router.sendCredit(channel.id, owed);
    }
  }

  /** Marks a channel ended; returns true when that was the last open channel of its input. */
  channelEnded(channel: InputChannel): boolean {
    if (channel.ended) return false;
    channel.ended = true;
    const left = (this.openPerInput.get(channel.input) ?? 1) - 1;
    this.openPerInput.set(channel.input, left);
    return left === 0;
  }

  /** Every channel, for the task's watermark valve. */
  allChannels(): Iterable<InputChannel> {
    return this.channels.values();
  }

  allEnded(): boolean {
    for (const n of this.openPerInput.values()) if (n > 0) return false;
    return true;
  }
}
