/**
 * The interval join (Flink's IntervalJoinOperator) over the keyed union of both inputs, tagged [0, left] or
 * [1, right]. Each side buffers its elements per key by timestamp; an arriving element is joined with the
 * other side's buffered elements in its interval, and is kept until the watermark passes the last time a
 * partner could still arrive. Elements behind the watermark are late: dropped or sent to a side output.
 */
import type { Collector } from '../../../api/functions.js';
import { toKeyExtractor } from '../../../api/keys.js';
import { MapStateDescriptor, type MapState } from '../../../api/state.js';
import type { KeySpec } from '../../../api/transformation.js';
import type { ProcessJoinContext } from '../../../api/windowing/interval-join.js';
import { UsageError } from '../../../util/errors.js';
import { InternalTimerService, type KeyedStateBackend } from '../../state/index.js';
import { bindFunction, type OperatorFactory } from '../operator.js';
import { sideOutput } from '../process-operators.js';

type JoinFn = (left: unknown, right: unknown, ctx: ProcessJoinContext, out: Collector<unknown>) => unknown;

/** Timer namespaces: whose buffer a cleanup timer is for. */
const LEFT = 0;
const RIGHT = 1;

export const intervalJoinOperator: OperatorFactory = (ctx) => {
  const f = bindFunction<JoinFn>(ctx.transformation.fns[0], 'processElement', 'process join');
  const lower = ctx.params.lower as number;
  const upper = ctx.params.upper as number;
  const lateTags = [(ctx.params.leftLate ?? null) as string | null, (ctx.params.rightLate ?? null) as string | null];
  const keyOf = toKeyExtractor(ctx.transformation.keySpec as KeySpec);
  const el = ctx.element;
  const out = ctx.output;
  const collector: Collector<unknown> = { collect: (r) => out.collect(r) };
  let backend: KeyedStateBackend;
  let timers: InternalTimerService;
  let buffers: [MapState<number, unknown[]>, MapState<number, unknown[]>];
  let leftTs = 0;
  let rightTs = 0;
  const jctx: ProcessJoinContext = {
    getLeftTimestamp: () => leftTs,
    getRightTimestamp: () => rightTs,
    getTimestamp: () => Math.max(leftTs, rightTs),
    output: sideOutput(out),
  };
  const emit = (l: unknown, r: unknown, lt: number, rt: number): void => {
    leftTs = lt;
    rightTs = rt;
    el.timestamp = Math.max(lt, rt);
    f.call(l, r, jctx, collector);
  };

  return {
    setsKeyContext: true,
    open: async () => {
      backend = ctx.keyedStateBackend();
      timers = new InternalTimerService(backend, ctx.processingTime, {
        onEventTime: (t) => {
          const ts = t.namespace === LEFT ? (upper <= 0 ? t.timestamp : t.timestamp - upper) : lower <= 0 ? t.timestamp + lower : t.timestamp;
          buffers[t.namespace as 0 | 1].remove(ts);
        },
        onProcessingTime: () => {},
      });
      buffers = [backend.getPartitionedState(new MapStateDescriptor('LEFT_BUFFER')), backend.getPartitionedState(new MapStateDescriptor('RIGHT_BUFFER'))];
      await f.open(ctx.runtime);
    },
    processElement: (r) => {
      const [side, value] = r as [0 | 1, unknown];
      const ts = el.timestamp;
      if (ts !== ts) throw new UsageError('Elements of an interval join need timestamps: use assignTimestampsAndWatermarks(...) on both inputs before intervalJoin().');
      if (ts < timers.getCurrentWatermark()) {
        const tag = lateTags[side];
        if (tag !== null && tag !== undefined) out.collectSide(tag, value);
        return;
      }
      backend.setCurrentKey(keyOf(r));
      const ours = buffers[side];
      const list = ours.get(ts);
      if (list === null) ours.put(ts, [value]);
      else {
        list.push(value);
        ours.put(ts, list);
      }
      const relLower = side === LEFT ? lower : -upper;
      const relUpper = side === LEFT ? upper : -lower;
      for (const [t, others] of buffers[side === LEFT ? RIGHT : LEFT].entries()) {
        if (t < ts + relLower || t > ts + relUpper) continue;
        for (const o of others) {
          if (side === LEFT) emit(value, o, ts, t);
          else emit(o, value, t, ts);
        }
      }
      timers.registerEventTimeTimer(side, relUpper > 0 ? ts + relUpper : ts);
    },
    processWatermark: (wm) => {
      timers.advanceWatermark(wm);
      out.emitWatermark(wm);
    },
    close: async () => {
      timers?.close();
      await f.close();
    },
  };
};
