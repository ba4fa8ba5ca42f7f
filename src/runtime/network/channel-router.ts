/**
 * How a worker's tasks reach their peers. A channel is one producer subtask → one consumer subtask on one
 * job edge. Peers in the same worker are reached by direct calls; all others through the TaskManager's
 * main thread, which forwards to another worker or over TCP to another TaskManager.
 */

export interface ChannelId {
  edge: number;
  producer: number;
  consumer: number;
}

export function channelKey(edge: number, producer: number, consumer: number): string {
  return `${edge}:${producer}:${consumer}`;
}

/** End of a producer's data on a channel. Watermarks travel inside the buffers, in order with the records. */
export type ChannelEvent = 'end';

export interface ChannelRouter {
  /** Hands a full buffer to the consumer of the channel; the buffer's memory is given away. */
  sendBuffer(ch: ChannelId, buf: Uint8Array): void;
  sendEvent(ch: ChannelId, event: ChannelEvent): void;
  /** Grants the producer of the channel `n` more buffers. */
  sendCredit(ch: ChannelId, n: number): void;
}
