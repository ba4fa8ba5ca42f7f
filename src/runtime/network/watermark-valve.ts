/**
 * How a task combines the watermarks and idle statuses of its input channels into one watermark, with
 * Flink's rules (StatusWatermarkValve):
 * - the output watermark is the minimum over the *aligned* channels and only ever grows;
 * - an idle channel is not aligned, and its watermarks are ignored while it is idle;
 * - a channel that becomes active again joins the minimum only once its watermark has caught up with the
 *   output, so it never drags event time back;
 * - when the last active channel goes idle, the task goes idle too, and if that channel was the one holding
 *   the watermark back, the highest watermark of any channel is emitted first;
 * - an ended channel counts as active and aligned at +Infinity (its producer promised no more data).
 */

export interface ValveChannel {
  /** The highest watermark received on this channel. */
  watermark: number;
  idle: boolean;
  /** Whether the channel takes part in the minimum. */
  aligned: boolean;
  ended: boolean;
}

export interface ValveOutput {
  watermark(wm: number): void;
  status(idle: boolean): void;
}

export class WatermarkValve {
  /** The last watermark handed on. */
  lastWatermark = Number.NEGATIVE_INFINITY;
  /** Whether every channel is idle (the status handed on). */
  idle = false;

  constructor(
    private readonly channels: () => Iterable<ValveChannel>,
    private readonly out: ValveOutput,
  ) {}

  inputWatermark(ch: ValveChannel, wm: number): void {
    if (this.idle || ch.idle || wm <= ch.watermark) return;
    ch.watermark = wm;
    if (!ch.aligned && wm >= this.lastWatermark) ch.aligned = true;
    this.emitMinOfAligned();
  }

  inputStatus(ch: ValveChannel, idle: boolean): void {
    if (idle && !ch.idle) {
      ch.idle = true;
      ch.aligned = false;
      if (!this.anyActive()) {
        if (ch.watermark === this.lastWatermark) this.emitMaxOfAll();
        this.idle = true;
        this.out.status(true);
      } else if (ch.watermark === this.lastWatermark) {
        this.emitMinOfAligned();
      }
    } else if (!idle && ch.idle) {
      ch.idle = false;
      if (ch.watermark >= this.lastWatermark) ch.aligned = true;
      if (this.idle) {
        this.idle = false;
        this.out.status(false);
      }
    }
  }

  /** The channel's producer finished: it no longer holds anything back. */
  channelEnded(ch: ValveChannel): void {
    ch.ended = true;
    const wasIdle = ch.idle;
    ch.idle = false;
    ch.aligned = true;
    ch.watermark = Number.POSITIVE_INFINITY;
    if (wasIdle && this.idle) {
      this.idle = false;
      this.out.status(false);
    }
    this.emitMinOfAligned();
  }

  private anyActive(): boolean {
    for (const c of this.channels()) if (!c.idle) return true;
    return false;
  }

  private emitMinOfAligned(): void {
    let min = Number.POSITIVE_INFINITY;
    let any = false;
    for (const c of this.channels()) {
      if (!c.aligned) continue;
      any = true;
      if (c.watermark < min) min = c.watermark;
    }
    if (any && min > this.lastWatermark) {
      this.lastWatermark = min;
      this.out.watermark(min);
    }
  }

  private emitMaxOfAll(): void {
    let max = Number.NEGATIVE_INFINITY;
    for (const c of this.channels()) if (c.watermark > max) max = c.watermark;
    if (max > this.lastWatermark) {
      this.lastWatermark = max;
      this.out.watermark(max);
    }
  }
}
