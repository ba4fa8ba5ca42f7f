/** A ChannelRouter that records what a writer or gate hands it, per channel and in order. */
import type { ChannelEvent, ChannelId, ChannelRouter } from '../../../src/runtime/network/channel-router.js';
import { RecordReader } from '../../../src/runtime/codec/index.js';

export type Sent = { kind: 'buffer'; ch: ChannelId; buf: Uint8Array } | { kind: 'event'; ch: ChannelId; event: ChannelEvent } | { kind: 'credit'; ch: ChannelId; n: number };

export class TestingChannelRouter implements ChannelRouter {
  readonly log: Sent[] = [];

  sendBuffer(ch: ChannelId, buf: Uint8Array): void {
    this.log.push({ kind: 'buffer', ch, buf });
  }
  sendEvent(ch: ChannelId, event: ChannelEvent): void {
    this.log.push({ kind: 'event', ch, event });
  }
  sendCredit(ch: ChannelId, n: number): void {
    this.log.push({ kind: 'credit', ch, n });
  }

  /** What reached consumer `consumer`, in order: decoded records, and 'end' for the end event. */
  received(consumer: number): unknown[] {
    const out: unknown[] = [];
    for (const s of this.log) {
      if (s.ch.consumer !== consumer) continue;
      if (s.kind === 'buffer') out.push(...readAll(s.buf));
      else if (s.kind === 'event') out.push(`<${s.event}>`);
    }
    return out;
  }

  buffers(consumer?: number): Uint8Array[] {
    return this.log.flatMap((s) => (s.kind === 'buffer' && (consumer === undefined || s.ch.consumer === consumer) ? [s.buf] : []));
  }

  credits(): Array<{ ch: ChannelId; n: number }> {
    return this.log.flatMap((s) => (s.kind === 'credit' ? [{ ch: s.ch, n: s.n }] : []));
  }
}

export function readAll(buf: Uint8Array): unknown[] {
  const out: unknown[] = [];
  for (const r = new RecordReader(buf); r.hasNext(); ) out.push(r.next());
  return out;
}
