/**
 * assignTimestampsAndWatermarks: stamps each record and emits watermarks, from a WatermarkStrategy (its
 * generator sees every event and is asked for a watermark every auto-watermark interval) or from a Flink
 * 1.9 periodic or punctuated assigner. Watermarks from upstream are dropped, except the final one.
 */
import {
  NO_RECORD_TIMESTAMP,
  Watermark,
  WatermarkStrategy,
  type TimestampAssigner,
  type WatermarkGenerator,
  type WatermarkOutput,
} from '../../api/watermark.js';
import { bindFunction, type OperatorContext, type OperatorFactory, type StreamOperator } from './operator.js';
import { UsageError } from '../../util/errors.js';

type Stamp = (record: unknown, previous: number) => number;

interface Assigner {
  stamp: Stamp;
  /** Called after each record (punctuated assigners emit here). */
  onEvent(record: unknown, ts: number, out: WatermarkOutput): void;
  onPeriodic(out: WatermarkOutput): void;
  idleTimeout: number;
  open(): Promise<void>;
  close(): Promise<void>;
}

export const timestampsAndWatermarks: OperatorFactory = (ctx) => {
  const a = makeAssigner(ctx.transformation.fns[0], ctx);
  const el = ctx.element;
  const output = ctx.output;
  const clock = ctx.processingTime;
  const interval = ctx.autoWatermarkInterval;
  let emitted = Number.NEGATIVE_INFINITY;
  let idle = false;
  let events = 0;
  let lastCheckedEvents = -1;
  let quietSince = 0;
  let cancelTimer: (() => void) | undefined;
  let closed = false;

  const wmOut: WatermarkOutput = {
    emitWatermark: (w) => {
      const t = typeof w === 'number' ? w : w.getTimestamp();
      if (t <= emitted) return;
      emitted = t;
      if (idle) {
        idle = false;
        output.emitWatermarkStatus(false);
      }
      output.emitWatermark(t);
    },
    markIdle: () => {
      if (idle) return;
      idle = true;
      output.emitWatermarkStatus(true);
    },
    markActive: () => {
      if (!idle) return;
      idle = false;
      output.emitWatermarkStatus(false);
    },
  };

  const tick = (now: number): void => {
    if (closed) return;
    a.onPeriodic(wmOut);
    if (a.idleTimeout > 0) {
      if (events !== lastCheckedEvents) {
        lastCheckedEvents = events;
        quietSince = now;
      } else if (now - quietSince >= a.idleTimeout) {
        wmOut.markIdle();
      }
    }
    cancelTimer = clock.registerTimer(now + interval, tick);
  };

  const op: StreamOperator = {
    open: async () => {
      await a.open();
      if (interval > 0) {
        const now = clock.getCurrentProcessingTime();
        quietSince = now;
        cancelTimer = clock.registerTimer(now + interval, tick);
      }
    },
    processElement: (r) => {
      const prev = el.timestamp;
      const ts = a.stamp(r, prev === prev ? prev : NO_RECORD_TIMESTAMP);
      if (typeof ts !== 'number' || Number.isNaN(ts)) {
        throw new UsageError(`The timestamp assigner of ${ctx.transformation.name} returned ${String(ts)} for a record; it must return epoch milliseconds (a number).`);
      }
      el.timestamp = ts;
      events++;
      if (idle) wmOut.markActive();
      output.collect(r);
      a.onEvent(r, ts, wmOut);
    },
    processWatermark: (wm) => {
      // Only the end of input gets through: this operator decides event time from here on.
      if (wm === Number.POSITIVE_INFINITY) {
        emitted = wm;
        output.emitWatermark(wm);
      }
    },
    // Idleness upstream is replaced by this operator's own.
    processWatermarkStatus: () => {},
    close: async () => {
      closed = true;
      cancelTimer?.();
      await a.close();
    },
  };
  return op;
};

function makeAssigner(spec: unknown, ctx: OperatorContext): Assigner {
  if (spec instanceof WatermarkStrategy) {
    const strategy = spec as WatermarkStrategy<unknown>;
    const gen: WatermarkGenerator<unknown> = strategy.createWatermarkGenerator();
    const stamp = toStamp(strategy.assigner);
    const f = strategy.assigner && typeof strategy.assigner === 'object' ? bindFunction(strategy.assigner, 'extractTimestamp', 'timestamp assigner') : undefined;
    return {
      stamp,
      onEvent: (r, ts, out) => gen.onEvent(r, ts, out),
      onPeriodic: (out) => gen.onPeriodicEmit(out),
      idleTimeout: strategy.idleTimeout,
      open: async () => f?.open(ctx.runtime),
      close: async () => f?.close(),
    };
  }
  const o = spec as Record<string, unknown> | null;
  if (o && typeof o === 'object') {
    const extract = typeof o.extractAndTrack === 'function'
      ? (r: unknown) => (o.extractAndTrack as (e: unknown) => number).call(o, r)
      : typeof o.extractTimestamp === 'function'
        ? (r: unknown, prev: number) => (o.extractTimestamp as (e: unknown, p: number) => number).call(o, r, prev)
        : undefined;
    if (extract && typeof o.getCurrentWatermark === 'function') {
      const current = o.getCurrentWatermark as () => Watermark | number | null;
      return {
        stamp: extract,
        onEvent: () => {},
        onPeriodic: (out) => {
          const w = current.call(o);
          if (w !== null && w !== undefined) out.emitWatermark(w);
        },
        idleTimeout: 0,
        ...lifecycle(o, ctx),
      };
    }
    if (extract && typeof o.checkAndGetNextWatermark === 'function') {
      const check = o.checkAndGetNextWatermark as (e: unknown, ts: number) => Watermark | number | null;
      return {
        stamp: extract,
        onEvent: (r, ts, out) => {
          const w = check.call(o, r, ts);
          if (w !== null && w !== undefined) out.emitWatermark(w);
        },
        onPeriodic: () => {},
        idleTimeout: 0,
        ...lifecycle(o, ctx),
      };
    }
  }
  throw new UsageError(
    'assignTimestampsAndWatermarks: give a WatermarkStrategy (e.g. WatermarkStrategy.forBoundedOutOfOrderness(Duration.ofSeconds(5)).withTimestampAssigner((e) => e.time)), ' +
      'a BoundedOutOfOrdernessTimestampExtractor / AscendingTimestampExtractor subclass, or an object with extractTimestamp() and getCurrentWatermark() or checkAndGetNextWatermark().',
  );
}

function lifecycle(o: Record<string, unknown>, ctx: OperatorContext): Pick<Assigner, 'open' | 'close'> {
  return {
    open: async () => {
      if (typeof o.open === 'function') await (o.open as (c: unknown) => unknown).call(o, ctx.runtime);
    },
    close: async () => {
      if (typeof o.close === 'function') await (o.close as () => unknown).call(o);
    },
  };
}

/** Without an assigner the records keep the timestamps they have (a source may have set them). */
function toStamp(a: TimestampAssigner<unknown> | undefined): Stamp {
  if (a === undefined) return (_r, prev) => prev;
  if (typeof a === 'function') return a;
  return (r, prev) => a.extractTimestamp(r, prev);
}

