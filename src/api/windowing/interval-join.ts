/**
 * Interval joins (Flink's KeyedStream.intervalJoin): each left element joins every right element of the same
 * key whose timestamp lies in [left + lowerBound, left + upperBound]. Event time only. As with window joins,
 * both inputs are tagged, unioned and keyed by their own key, here into one 'interval-join' operator.
 *
 * ```ts
 * orders.keyBy((o) => o.id).intervalJoin(shipments.keyBy((s) => s.orderId))
 *   .between(Time.minutes(0), Time.hours(1))
 *   .process(new class extends ProcessJoinFunction<Order, Shipment, string> {
 *     processElement(o, s, ctx, out) { out.collect(`${o.id} shipped after ${ctx.getRightTimestamp() - ctx.getLeftTimestamp()} ms`); }
 *   }());
 * ```
 */
import type { Collector } from '../functions.js';
import { DataStream, SingleOutputStreamOperator, type KeyedStream } from '../datastream.js';
import type { Transformation } from '../transformation.js';
import { toKeyExtractor } from '../keys.js';
import { checkOutputTag, type OutputTag } from '../output-tag.js';
import { AbstractRichFunction } from '../process-functions.js';
import { signedSpanMillis, type TimeSpan } from '../time.js';
import { UsageError } from '../../util/errors.js';

export interface ProcessJoinContext {
  getLeftTimestamp(): number;
  getRightTimestamp(): number;
  /** The result's timestamp: the larger of the two. */
  getTimestamp(): number;
  output<X>(tag: OutputTag<X>, value: X): void;
}

export abstract class ProcessJoinFunction<L, R, O> extends AbstractRichFunction {
  abstract processElement(left: L, right: R, ctx: ProcessJoinContext, out: Collector<O>): void;
}

/** An element of the union of both inputs: [0, left] or [1, right]. */
type Tagged = [0 | 1, unknown];


export class IntervalJoin<L, R, K> {
  /** @internal use left.intervalJoin(right) */
  constructor(
    private readonly left: KeyedStream<L, K>,
    private readonly right: KeyedStream<R, K>,
  ) {}
  /** Joins right elements with timestamps in [left + lower, left + upper] (both inclusive unless told otherwise). */
  between(lowerBound: TimeSpan, upperBound: TimeSpan): IntervalJoined<L, R, K> {
    const lower = signedSpanMillis(lowerBound, 'intervalJoin().between');
    const upper = signedSpanMillis(upperBound, 'intervalJoin().between');
    if (lower > upper) throw new UsageError(`intervalJoin().between(${lower}, ${upper}): lowerBound <= upperBound must be fulfilled.`);
    return new IntervalJoined(this.left, this.right, lower, upper);
  }
}

export class IntervalJoined<L, R, K> {
  private lowerExclusive = false;
  private upperExclusive = false;
  private leftLate: string | null = null;
  private rightLate: string | null = null;
  /** @internal */
  constructor(
    private readonly left: KeyedStream<L, K>,
    private readonly right: KeyedStream<R, K>,
    private readonly lower: number,
    private readonly upper: number,
  ) {}
  lowerBoundExclusive(): this {
    this.lowerExclusive = true;
    return this;
  }
  upperBoundExclusive(): this {
    this.upperExclusive = true;
    return this;
  }
  /** Left elements that arrive behind the watermark go to this side output instead of being dropped. */
  sideOutputLeftLateData(tag: OutputTag<L>): this {
    checkOutputTag(tag, 'sideOutputLeftLateData');
    this.leftLate = tag.id;
    return this;
  }
  sideOutputRightLateData(tag: OutputTag<R>): this {
    checkOutputTag(tag, 'sideOutputRightLateData');
    this.rightLate = tag.id;
    return this;
  }
  process<O>(fn: ProcessJoinFunction<L, R, O> | { processElement(left: L, right: R, ctx: ProcessJoinContext, out: Collector<O>): void }): SingleOutputStreamOperator<O> {
    if (fn === null || typeof fn !== 'object' || typeof (fn as { processElement?: unknown }).processElement !== 'function') {
      throw new UsageError('intervalJoin().process: give a ProcessJoinFunction, an object with processElement(left, right, ctx, out).');
    }
    const lower = this.lowerExclusive ? this.lower + 1 : this.lower;
    const upper = this.upperExclusive ? this.upper - 1 : this.upper;
    if (lower > upper) throw new UsageError('intervalJoin(): with the exclusive bounds the interval is empty.');
    const ka = toKeyExtractor(this.left.keySpec);
    const kb = toKeyExtractor(this.right.keySpec);
    const env = this.left.env;
    if (this.right.env !== env) throw new UsageError('intervalJoin(): both streams must come from the same execution environment.');
    // Tag the streams before their keyBy (one shuffle, by the tagged key, instead of two).
    const unkeyed = <X>(k: KeyedStream<X, K>): DataStream<X> => new DataStream<X>(env, k.transformation.inputs[0] as Transformation);
    const ta = unkeyed(this.left).map((v): Tagged => [0, v]);
    const tb = unkeyed(this.right).map((v): Tagged => [1, v]);
    ta.setParallelism(unkeyed(this.left).getParallelism());
    tb.setParallelism(unkeyed(this.right).getParallelism());
    const keyed = ta.union(tb).keyBy((t: Tagged) => (t[0] === 0 ? ka(t[1]) : kb(t[1])));
    const t = env.registry.create({
      name: 'IntervalJoin',
      operator: 'interval-join',
      fns: [fn],
      inputs: [keyed.transformation],
      keySpec: keyed.keySpec,
      params: { lower, upper, leftLate: this.leftLate, rightLate: this.rightLate },
    });
    return new SingleOutputStreamOperator<O>(env, t);
  }
}
