/**
 * Window joins and coGroups (Flink's JoinedStreams and CoGroupedStreams). As in Flink, both inputs are
 * tagged, unioned, keyed by their own key selector and windowed together; per key and window the function
 * gets the elements of each side. A join is an inner join per window: every pair of the two sides.
 *
 * ```ts
 * orders.join(payments).where((o) => o.id).equalTo((p) => p.orderId)
 *   .window(TumblingEventTimeWindows.of(Time.minutes(1)))
 *   .apply((o, p) => ({ ...o, paid: p.amount }));
 * ```
 */
import type { Collector, KeySelector } from '../functions.js';
import type { DataStream, SingleOutputStreamOperator } from '../datastream.js';
import { toKeyExtractor, type KeyExtractor } from '../keys.js';
import type { KeySpec } from '../transformation.js';
import type { TimeSpan } from '../time.js';
import { UsageError } from '../../util/errors.js';
import type { Evictor } from './evictors.js';
import type { Trigger } from './triggers.js';
import type { Window, WindowAssigner } from './windows.js';

type Key<T> = KeySelector<T, unknown> | string | number;
/** An element of the union of both inputs: [0, a] or [1, b]. */
type Tagged = [0 | 1, unknown];

export type JoinFunction<A, B, O> = ((first: A, second: B) => O) | { join(first: A, second: B): O };
export type FlatJoinFunction<A, B, O> = ((first: A, second: B, out: Collector<O>) => void) | { join(first: A, second: B, out: Collector<O>): void };
export type CoGroupFunction<A, B, O> = ((first: Iterable<A>, second: Iterable<B>, out: Collector<O>) => Iterable<O> | void) | { coGroup(first: Iterable<A>, second: Iterable<B>, out: Collector<O>): Iterable<O> | void };

function keyExtractor(key: unknown, where: string): KeyExtractor {
  const ok = typeof key === 'function' || typeof key === 'string' || typeof key === 'number' || (key !== null && typeof key === 'object' && typeof (key as { getKey?: unknown }).getKey === 'function');
  if (!ok) throw new UsageError(`${where}: give a key selector function, a field name or a tuple position.`);
  return toKeyExtractor(key as KeySpec);
}

/** The user function as a window function over the tagged union, with its rich lifecycle passed on. */
function windowFunctionOver(user: unknown, method: string, call: (first: unknown[], second: unknown[], out: Collector<unknown>) => void): object {
  const obj = user !== null && typeof user === 'object' ? (user as Record<string, unknown>) : undefined;
  return {
    apply(_key: unknown, _window: Window, input: Iterable<Tagged>, out: Collector<unknown>): void {
      const first: unknown[] = [];
      const second: unknown[] = [];
      for (const t of input) (t[0] === 0 ? first : second).push(t[1]);
      call(first, second, out);
    },
    setRuntimeContext(c: unknown): void {
      if (typeof obj?.setRuntimeContext === 'function') (obj.setRuntimeContext as (c: unknown) => void).call(obj, c);
    },
    async open(c: unknown): Promise<void> {
      if (typeof obj?.open === 'function') await (obj.open as (c: unknown) => unknown).call(obj, c);
    },
    async close(): Promise<void> {
      if (typeof obj?.close === 'function') await (obj.close as () => unknown).call(obj);
    },
    toString: () => `${method}`,
  };
}

/** The windowed part shared by joins and coGroups. */
abstract class TwoInputWindow<A, B, W extends Window> {
  private trigger_: Trigger<unknown, W> | undefined;
  private evictor_: Evictor<unknown, W> | undefined;
  private lateness: TimeSpan | undefined;
  constructor(
    private readonly a: DataStream<A>,
    private readonly b: DataStream<B>,
    private readonly keyA: KeyExtractor,
    private readonly keyB: KeyExtractor,
    private readonly assigner: WindowAssigner<unknown, W>,
  ) {}
  trigger(t: Trigger<unknown, W>): this {
    this.trigger_ = t;
    return this;
  }
  evictor(e: Evictor<unknown, W>): this {
    this.evictor_ = e;
    return this;
  }
  allowedLateness(lateness: TimeSpan): this {
    this.lateness = lateness;
    return this;
  }
  /** @internal tags, unions, keys and windows both inputs, then applies `fn` per key and window. */
  protected run<O>(fn: object, name: string): SingleOutputStreamOperator<O> {
    const ka = this.keyA;
    const kb = this.keyB;
    const ta = this.a.map((v): Tagged => [0, v]).setParallelism(this.a.getParallelism());
    const tb = this.b.map((v): Tagged => [1, v]).setParallelism(this.b.getParallelism());
    const keyed = ta.union(tb as unknown as DataStream<Tagged>).keyBy((t: Tagged) => (t[0] === 0 ? ka(t[1]) : kb(t[1])));
    const ws = keyed.window(this.assigner as unknown as WindowAssigner<Tagged, W>);
    if (this.trigger_) ws.trigger(this.trigger_ as unknown as Trigger<Tagged, W>);
    if (this.evictor_) ws.evictor(this.evictor_ as unknown as Evictor<Tagged, W>);
    if (this.lateness !== undefined) ws.allowedLateness(this.lateness);
    return ws.apply<O>(fn as never).name(name);
  }
}

export class JoinedStreams<A, B> {
  /** @internal use a.join(b) */
  constructor(
    private readonly a: DataStream<A>,
    private readonly b: DataStream<B>,
  ) {}
  where(keySelector: Key<A>): { equalTo(keySelector: Key<B>): { window<W extends Window>(assigner: WindowAssigner<unknown, W>): JoinWithWindow<A, B, W> } } {
    const ka = keyExtractor(keySelector, 'join().where');
    return {
      equalTo: (keyB) => {
        const kb = keyExtractor(keyB, 'join().equalTo');
        return { window: (assigner) => new JoinWithWindow(this.a, this.b, ka, kb, assigner) };
      },
    };
  }
}

export class JoinWithWindow<A, B, W extends Window> extends TwoInputWindow<A, B, W> {
  /**
   * Calls the function for every pair of elements with the same key in the same window: `(a, b) => result`,
   * or a flat join `(a, b, out) => void` (three parameters, or an object whose join() takes three).
   */
  apply<O>(fn: JoinFunction<A, B, O> | FlatJoinFunction<A, B, O>): SingleOutputStreamOperator<O> {
    const f = typeof fn === 'function' ? fn : fn !== null && typeof fn === 'object' && typeof (fn as { join?: unknown }).join === 'function' ? (fn as { join: (...x: unknown[]) => unknown }).join.bind(fn) : undefined;
    if (!f) throw new UsageError('join().apply: give a join function (a, b) => result, or an object with join(a, b).');
    const flat = f.length >= 3;
    return this.run<O>(
      windowFunctionOver(fn, 'Join', (first, second, out) => {
        for (const x of first) {
          for (const y of second) {
            if (flat) (f as (a: unknown, b: unknown, o: Collector<unknown>) => void)(x, y, out);
            else out.collect((f as (a: unknown, b: unknown) => unknown)(x, y));
          }
        }
      }),
      'Window Join',
    );
  }
  /** Flink's older name for a flat join. */
  with<O>(fn: FlatJoinFunction<A, B, O> | JoinFunction<A, B, O>): SingleOutputStreamOperator<O> {
    return this.apply(fn);
  }
}

export class CoGroupedStreams<A, B> {
  /** @internal use a.coGroup(b) */
  constructor(
    private readonly a: DataStream<A>,
    private readonly b: DataStream<B>,
  ) {}
  where(keySelector: Key<A>): { equalTo(keySelector: Key<B>): { window<W extends Window>(assigner: WindowAssigner<unknown, W>): CoGroupWithWindow<A, B, W> } } {
    const ka = keyExtractor(keySelector, 'coGroup().where');
    return {
      equalTo: (keyB) => {
        const kb = keyExtractor(keyB, 'coGroup().equalTo');
        return { window: (assigner) => new CoGroupWithWindow(this.a, this.b, ka, kb, assigner) };
      },
    };
  }
}

export class CoGroupWithWindow<A, B, W extends Window> extends TwoInputWindow<A, B, W> {
  /** Calls `coGroup(firstElements, secondElements, out)` per key and window (one side may be empty). */
  apply<O>(fn: CoGroupFunction<A, B, O>): SingleOutputStreamOperator<O> {
    const f = typeof fn === 'function' ? fn : fn !== null && typeof fn === 'object' && typeof (fn as { coGroup?: unknown }).coGroup === 'function' ? (fn as { coGroup: (...x: unknown[]) => unknown }).coGroup.bind(fn) : undefined;
    if (!f) throw new UsageError('coGroup().apply: give a coGroup function (first, second, out) => void, or an object with coGroup().');
    return this.run<O>(
      windowFunctionOver(fn, 'CoGroup', (first, second, out) => {
        const r = (f as (a: unknown[], b: unknown[], o: Collector<unknown>) => unknown)(first, second, out);
        if (r !== undefined && r !== null && typeof r !== 'string' && typeof (r as { [Symbol.iterator]?: unknown })[Symbol.iterator] === 'function') {
          for (const x of r as Iterable<unknown>) out.collect(x);
        }
      }),
      'Window CoGroup',
    );
  }
  with<O>(fn: CoGroupFunction<A, B, O>): SingleOutputStreamOperator<O> {
    return this.apply(fn);
  }
}
