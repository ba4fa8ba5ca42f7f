/**
 * Functions over a window's contents, with Flink's names. A ProcessWindowFunction gets every element (or,
 * after an incremental reduce/aggregate, the one result) with a context: the window, the time, per-window
 * and per-key state, side outputs.
 *
 * ```ts
 * class CountPerWindow extends ProcessWindowFunction<Event, string, string, TimeWindow> {
 *   process(key: string, ctx: ProcessWindowFunction.Context<TimeWindow>, elements: Iterable<Event>, out: Collector<string>) {
 *     out.collect(`${key} ${ctx.window().getStart()} ${[...elements].length}`);
 *   }
 * }
 * ```
 */
import type { Collector } from '../functions.js';
import type { OutputTag } from '../output-tag.js';
import { AbstractRichFunction } from '../process-functions.js';
import type { KeyedStateStore } from '../state.js';
import type { Window } from './windows.js';

export interface ProcessWindowContext<W extends Window> {
  window(): W;
  currentProcessingTime(): number;
  currentWatermark(): number;
  /** State of the current key and window; cleared when the window is cleaned up (implement clear()). */
  windowState(): KeyedStateStore;
  /** State of the current key, across windows. */
  globalState(): KeyedStateStore;
  output<X>(tag: OutputTag<X>, value: X): void;
}

export abstract class ProcessWindowFunction<IN, OUT, KEY, W extends Window> extends AbstractRichFunction {
  abstract process(key: KEY, context: ProcessWindowContext<W>, elements: Iterable<IN>, out: Collector<OUT>): void;
  /** Called when the window is cleaned up: delete what was kept in windowState() here. */
  clear?(context: ProcessWindowContext<W>): void;
}

export abstract class ProcessAllWindowFunction<IN, OUT, W extends Window> extends AbstractRichFunction {
  abstract process(context: ProcessWindowContext<W>, elements: Iterable<IN>, out: Collector<OUT>): void;
  clear?(context: ProcessWindowContext<W>): void;
}

export declare namespace ProcessWindowFunction {
  type Context<W extends Window> = ProcessWindowContext<W>;
}
export declare namespace ProcessAllWindowFunction {
  type Context<W extends Window> = ProcessWindowContext<W>;
}

type ApplyFn<KEY, W, IN, OUT> = (key: KEY, window: W, input: Iterable<IN>, out: Collector<OUT>) => void;
type AllApplyFn<W, IN, OUT> = (window: W, input: Iterable<IN>, out: Collector<OUT>) => void;

/** Flink's WindowFunction: `apply(key, window, input, out)`, as a function or an object with apply(). */
export type WindowFunction<IN, OUT, KEY, W extends Window> = ApplyFn<KEY, W, IN, OUT> | { apply: ApplyFn<KEY, W, IN, OUT>; open?(ctx?: unknown): unknown; close?(): unknown };
export type AllWindowFunction<IN, OUT, W extends Window> = AllApplyFn<W, IN, OUT> | { apply: AllApplyFn<W, IN, OUT>; open?(ctx?: unknown): unknown; close?(): unknown };

export abstract class RichWindowFunction<IN, OUT, KEY, W extends Window> extends AbstractRichFunction {
  abstract apply(key: KEY, window: W, input: Iterable<IN>, out: Collector<OUT>): void;
}
export abstract class RichAllWindowFunction<IN, OUT, W extends Window> extends AbstractRichFunction {
  abstract apply(window: W, input: Iterable<IN>, out: Collector<OUT>): void;
}
