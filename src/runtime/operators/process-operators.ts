/**
 * ProcessFunction and KeyedProcessFunction: user code with access to timestamps, timers, side outputs
 * and (keyed) state. Timer callbacks run on the task's thread between records, with the timer's key set.
 */
import type { Collector } from '../../api/functions.js';
import type { OutputTag } from '../../api/output-tag.js';
import type { KeyedOnTimerContext, KeyedProcessContext, ProcessContext, TimeDomain, TimerService } from '../../api/process-functions.js';
import { toKeyExtractor } from '../../api/keys.js';
import type { KeySpec } from '../../api/transformation.js';
import { InternalTimerService, VOID_NAMESPACE, type InternalTimer, type KeyedStateBackend } from '../state/index.js';
import { bindFunction, emitReturned, type OperatorContext, type OperatorFactory, type Output } from './operator.js';
import { UsageError } from '../../util/errors.js';

type ProcessFn = (value: unknown, ctx: unknown, out: Collector<unknown>) => unknown;
type OnTimerFn = (timestamp: number, ctx: unknown, out: Collector<unknown>) => unknown;

/** The timestamp as user code sees it: null when the record has none. */
export function userTimestamp(ts: number): number | null {
  return ts === ts ? ts : null;
}

/** A TimerService for user code over an operator's internal timers (void namespace). */
export function userTimerService(timers: () => InternalTimerService, ctx: OperatorContext, watermark: () => number): TimerService {
  return {
    currentProcessingTime: () => ctx.processingTime.getCurrentProcessingTime(),
    currentWatermark: watermark,
    registerEventTimeTimer: (t) => timers().registerEventTimeTimer(VOID_NAMESPACE, checkTime(t)),
    registerProcessingTimeTimer: (t) => timers().registerProcessingTimeTimer(VOID_NAMESPACE, checkTime(t)),
    deleteEventTimeTimer: (t) => timers().deleteEventTimeTimer(VOID_NAMESPACE, t),
    deleteProcessingTimeTimer: (t) => timers().deleteProcessingTimeTimer(VOID_NAMESPACE, t),
  };
}

function checkTime(t: unknown): number {
  if (typeof t !== 'number' || Number.isNaN(t)) throw new UsageError(`A timer needs a time in epoch milliseconds (a number), got ${String(t)}.`);
  return t;
}

/** Timers are a keyed feature, as in Flink. */
function noTimers(name: string): () => InternalTimerService {
  return () => {
    throw new UsageError(`Setting timers is only supported on keyed streams (operator ${name}). Use keyBy(...) before process(), or a KeyedProcessFunction.`);
  };
}

/** The side-output half of every process context. */
export function sideOutput(out: Output): <X>(tag: OutputTag<X>, value: X) => void {
  return (tag, value) => {
    const id = (tag as { id?: unknown } | null)?.id;
    if (typeof id !== 'string') throw new UsageError('ctx.output(tag, value): give an OutputTag, e.g. new OutputTag("late").');
    out.collectSide(id, value);
  };
}

/** A collector that also emits what the function returned (an iterable), as flatMap does. */
function collectorOf(out: Output): Collector<unknown> {
  return { collect: (r) => out.collect(r) };
}

export const processOperator: OperatorFactory = (ctx) => {
  const f = bindFunction<ProcessFn>(ctx.transformation.fns[0], 'processElement', 'process function');
  const out = collectorOf(ctx.output);
  const el = ctx.element;
  let watermark = Number.NEGATIVE_INFINITY;
  const pctx: ProcessContext = {
    timestamp: () => userTimestamp(el.timestamp),
    timerService: () => userTimerService(noTimers(ctx.transformation.name), ctx, () => watermark),
    output: sideOutput(ctx.output),
  };
  return {
    open: () => f.open(ctx.runtime),
    processElement: (r) => emitReturned(f.call(r, pctx, out), out),
    processWatermark: (wm) => {
      watermark = wm;
      ctx.output.emitWatermark(wm);
    },
    close: () => f.close(),
  };
};

/**
 * The keyed half of a process-style operator: its keyed state backend and timers. A firing timer has its key
 * set, the record timestamp of an event-time timer (none for a processing-time one) and its time domain in
 * `domain` when `onTimer` runs; watermarks advance the event-time timers and are then passed on.
 */
export class KeyedTimers {
  backend!: KeyedStateBackend;
  timers!: InternalTimerService;
  domain: TimeDomain = 'EVENT_TIME';
  readonly services: TimerService;
  /** What a keyed process function's processElement sees: timestamp, timers, side outputs, the key. */
  readonly processContext: KeyedProcessContext<unknown>;
  /** The same in onTimer, plus the time domain of the firing timer. */
  readonly timerContext: KeyedOnTimerContext<unknown>;

  constructor(
    private readonly ctx: OperatorContext,
    private readonly onTimer: ((timestamp: number, timerContext: KeyedOnTimerContext<unknown>) => void) | undefined,
  ) {
    this.services = userTimerService(() => this.timers, ctx, () => this.timers.getCurrentWatermark());
    const el = ctx.element;
    this.processContext = {
      timestamp: () => userTimestamp(el.timestamp),
      timerService: () => this.services,
      output: sideOutput(ctx.output),
      getCurrentKey: () => this.getCurrentKey(),
    };
    this.timerContext = { ...this.processContext, timeDomain: () => this.domain };
  }

  open(): void {
    this.backend = this.ctx.keyedStateBackend();
    this.timers = new InternalTimerService(this.backend, this.ctx.processingTime, {
      onEventTime: (t) => this.fire(t, 'EVENT_TIME'),
      onProcessingTime: (t) => this.fire(t, 'PROCESSING_TIME'),
    });
  }

  readonly processWatermark = (wm: number): void => {
    this.timers.advanceWatermark(wm);
    this.ctx.output.emitWatermark(wm);
  };

  getCurrentKey(): unknown {
    return this.backend.getCurrentKey();
  }

  close(): void {
    this.timers?.close();
  }

  private fire(t: InternalTimer, d: TimeDomain): void {
    if (!this.onTimer) return;
    this.domain = d;
    this.ctx.element.timestamp = d === 'EVENT_TIME' ? t.timestamp : Number.NaN;
    this.onTimer(t.timestamp, this.timerContext);
  }
}

export const keyedProcessOperator: OperatorFactory = (ctx) => {
  const f = bindFunction<ProcessFn>(ctx.transformation.fns[0], 'processElement', 'process function');
  const fnObj = ctx.transformation.fns[0] as { onTimer?: OnTimerFn } | null;
  const onTimer = typeof fnObj === 'object' && fnObj !== null && typeof fnObj.onTimer === 'function' ? fnObj.onTimer.bind(fnObj) : undefined;
  const key = toKeyExtractor(ctx.transformation.keySpec as KeySpec);
  const out = collectorOf(ctx.output);
  const kt = new KeyedTimers(ctx, onTimer ? (ts, tctx) => emitReturned(onTimer(ts, tctx, out), out) : undefined);
  const pctx = kt.processContext;

  return {
    setsKeyContext: true,
    open: async () => {
      kt.open();
      await f.open(ctx.runtime);
    },
    processElement: (r) => {
      kt.backend.setCurrentKey(key(r));
      emitReturned(f.call(r, pctx, out), out);
    },
    processWatermark: kt.processWatermark,
    close: async () => {
      kt.close();
      await f.close();
    },
  };
};
