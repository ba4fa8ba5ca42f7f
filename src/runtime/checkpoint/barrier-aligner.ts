/**
 * Which input channels of a task have delivered the barrier of the checkpoint in progress. EXACTLY_ONCE blocks a
 * channel once its barrier arrived, so that no record after the barrier is processed before the snapshot; the
 * task holds its later buffers back until every channel delivered the barrier (alignment). AT_LEAST_ONCE only
 * counts barriers: records after a barrier go on being processed, and may be replayed after a restore.
 *
 * A newer barrier while one is in progress means the older checkpoint was given up upstream: alignment starts
 * over for the newer one. Barriers of checkpoints older than the current one are ignored.
 */
import type { InputChannel } from '../network/input-gate.js';

export type BarrierOutcome =
  /** Keep going; for EXACTLY_ONCE the channel is now blocked. */
  | 'wait'
  /** Every open channel delivered the barrier: snapshot now, then release the blocked channels. */
  | 'complete'
  /** A stale barrier. */
  | 'ignore';

export class BarrierAligner {
  /** The checkpoint being aligned, or -1. */
  current = -1;
  /** When its first barrier arrived (ms). */
  startedAt = 0;
  private readonly arrived = new Set<InputChannel>();
  /** The newest checkpoint completed or given up here: its late barriers are ignored. */
  private last = -1;

  constructor(
    private readonly exactlyOnce: boolean,
    private readonly channels: () => Iterable<InputChannel>,
  ) {}

  /** A barrier of checkpoint `id` arrived on `channel`. */
  onBarrier(channel: InputChannel, id: number, now: number): BarrierOutcome {
    if (id <= this.last || id < this.current) return 'ignore';
    if (id > this.current) {
      this.arrived.clear();
      this.current = id;
      this.startedAt = now;
    }
    this.arrived.add(channel);
    return this.allArrived() ? 'complete' : 'wait';
  }

  /** A channel ended: it will send no barrier, so it no longer holds the alignment back. */
  onChannelEnded(): boolean {
    return this.current >= 0 && this.allArrived();
  }

  /** Whether buffers of `channel` must wait (EXACTLY_ONCE, its barrier arrived, the others' not yet). */
  isBlocked(channel: InputChannel): boolean {
    return this.exactlyOnce && this.current >= 0 && this.arrived.has(channel);
  }

  /** The current checkpoint is done here (snapshot taken, or aborted): channels unblock. */
  finish(): void {
    if (this.current > this.last) this.last = this.current;
    this.current = -1;
    this.arrived.clear();
  }

  /** Gives up the checkpoint with this id if it is being aligned (it was aborted). Returns whether it was. */
  abort(id: number): boolean {
    if (this.current !== id) {
      if (id > this.last) this.last = id;
      return false;
    }
    this.finish();
    return true;
  }

  private allArrived(): boolean {
    for (const c of this.channels()) if (!c.ended && !this.arrived.has(c)) return false;
    return true;
  }
}
