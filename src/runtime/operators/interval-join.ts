/**
 * The interval join (Flink's IntervalJoinOperator), event time only. Each side's records wait in keyed map
 * state, bucketed by timestamp; a new record is joined with the other side's buckets inside its bounds. A
 * cleanup timer per bucket drops it once the watermark shows no partner can arrive any more. Records behind
 * the watermark are late and dropped (or sent to the late-data side output when one is set).
 *
 * Bounds arrive inclusive (the API moves exclusive ones one millisecond inward): a right record r joins a
 * left record l when l.ts + lowerBound <= r.ts <= l.ts + upperBound.
 */
import type { Collector } from '../../api/functions.js';
import { MapStateDescriptor, type MapState } from '../../api/state.js';
import type { OutputTag } from '../../api/output-tag.js';
import { InternalTimerService, type InternalKvState, type KeyedStateBackend } from '../state/index.js';
import { bindFunction, emitReturned, type OperatorFactory } from './operator.js';
import { sideOutput } from './process-operators.js';
import { twoInputKeys } from './co-operators.js';
import type { KeyExtractor } from '../../api/keys.js';
import { UsageError } from '../../util/errors.js';

type JoinFn = (left: unknown, right: unknown, ctx: unknown, out: Collector<unknown>) => unknown;
type Buffer = MapState<number, unknown[]> & InternalKvState;

const CLEANUP_LEFT = 'CLEANUP_LEFT';
const CLEANUP_RIGHT = 'CLEANUP_RIGHT';

export class MissingTimestampError extends UsageError {
  constructor(operator: string) {
    super(
      `${operator}: a record without an event-time timestamp reached the interval join. Give both inputs timestamps ` +
        'with assignTimestampsAndWatermarks(WatermarkStrategy...withTimestampAssigner(...)) before keyBy().',
    );
  }
}

export const intervalJoin: OperatorFactory = (ctx) => {
  const f = bindFunction<JoinFn>(ctx.transformation.fns[0], 'processElement', 'ProcessJoinFunction');
  const join = f.call;
  const [k1, k2] = twoInputKeys(ctx) as [KeyExtractor, KeyExtractor];
  const lowerBound = ctx.params.lowerBound as number;
  const upperBound = ctx.params.upperBound as number;
  const leftLateTag = (ctx.params.leftLateTag as string | undefined) ?? null;
  const rightLateTag = (ctx.params.rightLateTag as string | undefined) ?? null;
  const out: Collector<unknown> = { collect: (r) => ctx.output.collect(r) };
  const el = ctx.element;
  let backend: KeyedStateBackend;
  let timers: InternalTimerService;
  let leftBuffer: Buffer;
  let rightBuffer: Buffer;
  // One context object for every pair: the timestamps change, the object does not.
  let leftTs = 0;
  let rightTs = 0;
  let resultTs = 0;
  const side = sideOutput(ctx.output);
  const jctx = {
    getLeftTimestamp: () => leftTs,
    getRightTimestamp: () => rightTs,
    getTimestamp: () => resultTs,
    output: <X>(tag: OutputTag<X>, value: X) => {
      el.timestamp = resultTs;
      side(tag, value);
    },
  };

  const emit = (left: unknown, right: unknown, lts: number, rts: number): void => {
    leftTs = lts;
    rightTs = rts;
    resultTs = lts > rts ? lts : rts;
    el.timestamp = resultTs;
    emitReturned(join(left, right, jctx, out), out);
  };

  const onRecord = (value: unknown, isLeft: boolean): void => {
    const ts = el.timestamp;
    if (ts !== ts) throw new MissingTimestampError(ctx.transformation.name);
    const wm = timers.getCurrentWatermark();
    if (ts < wm) {
      const tag = isLeft ? leftLateTag : rightLateTag;
      if (tag !== null) ctx.output.collectSide(tag, value);
      return;
    }
    const ours = isLeft ? leftBuffer : rightBuffer;
    const other = isLeft ? rightBuffer : leftBuffer;
    // Relative to this record: the other side's timestamps that join with it.
    const relLower = isLeft ? lowerBound : -upperBound;
    const relUpper = isLeft ? upperBound : -lowerBound;
    const bucket = ours.get(ts);
    const newBucket = bucket === null;
    if (newBucket) ours.put(ts, [value]);
    else {
      bucket.push(value);
      ours.put(ts, bucket);
    }
    const from = ts + relLower;
    const to = ts + relUpper;
    for (const [otherTs, entries] of other.entries()) {
      if (otherTs < from || otherTs > to) continue;
      for (const e of entries) {
        if (isLeft) emit(value, e, ts, otherTs);
        else emit(e, value, otherTs, ts);
      }
    }
    // After this time no record of the other side can join this bucket any more. The cleanup time depends
    // on the bucket's timestamp only, so a bucket that existed has its timer already.
    if (newBucket) timers.registerEventTimeTimer(isLeft ? CLEANUP_LEFT : CLEANUP_RIGHT, relUpper > 0 ? ts + relUpper : ts);
  };

  return {
    setsKeyContext: true,
    open: async () => {
      backend = ctx.keyedStateBackend();
      leftBuffer = backend.getPartitionedState<Buffer>(new MapStateDescriptor<number, unknown[]>('LEFT_BUFFER'));
      rightBuffer = backend.getPartitionedState<Buffer>(new MapStateDescriptor<number, unknown[]>('RIGHT_BUFFER'));
      timers = new InternalTimerService(backend, ctx.processingTime, {
        onEventTime: (t) => {
          if (t.namespace === CLEANUP_LEFT) leftBuffer.remove(upperBound <= 0 ? t.timestamp : t.timestamp - upperBound);
          else rightBuffer.remove(lowerBound <= 0 ? t.timestamp + lowerBound : t.timestamp);
        },
        onProcessingTime: () => {},
      });
      await f.open(ctx.runtime);
    },
    processElement: (r, input) => {
      if (input === 0) {
        backend.setCurrentKey(k1(r));
        onRecord(r, true);
      } else {
        backend.setCurrentKey(k2(r));
        onRecord(r, false);
      }
    },
    processWatermark: (wm) => {
      timers.advanceWatermark(wm);
      ctx.output.emitWatermark(wm);
    },
    close: async () => {
      timers?.close();
      await f.close();
    },
  };
};
