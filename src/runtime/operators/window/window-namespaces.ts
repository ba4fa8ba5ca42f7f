/**
 * Windows as state namespaces. Keyed state and timers take a primitive namespace, so each window becomes
 * one: fixed-size time windows (tumbling, sliding) by their start, a number, which costs nothing per
 * record; the global window by 0; other time windows (sessions, custom assigners) by "start:end".
 */
import { FixedSizeTimeWindows, GlobalWindow, GlobalWindows, TimeWindow, type Window, type WindowAssigner } from '../../../api/windowing/windows.js';
import { UsageError } from '../../../util/errors.js';

export type Namespace = string | number;

export interface WindowNamespaces {
  of(window: Window): Namespace;
  window(ns: Namespace): Window;
}

export function windowNamespaces(assigner: WindowAssigner<unknown, Window>): WindowNamespaces {
  if (assigner instanceof FixedSizeTimeWindows) {
    const size = assigner.getSize();
    return {
      of: (w) => (w as TimeWindow).start,
      window: (ns) => new TimeWindow(ns as number, (ns as number) + size),
    };
  }
  if (assigner instanceof GlobalWindows) {
    return { of: () => 0, window: () => GlobalWindow.get() };
  }
  // A merging assigner's element asks for the namespace of the same few window objects several times (the
  // new window, the merge result, the window it ends up in), and building "start:end" from two 13-digit numbers
  // is the costly part: remember the last two windows (by identity; windows are immutable) and the last parsed
  // namespace.
  let w0: Window | undefined;
  let n0: Namespace = '';
  let w1: Window | undefined;
  let n1: Namespace = '';
  let parsedNs: Namespace | undefined;
  let parsed: Window | undefined;
  const build = (w: Window): Namespace => {
    // By shape, so that a TimeWindow from another copy of the API works too.
    if (w instanceof TimeWindow || (typeof (w as Partial<TimeWindow>).start === 'number' && typeof (w as Partial<TimeWindow>).end === 'number')) return `${(w as TimeWindow).start}:${(w as TimeWindow).end}`;
    if (w instanceof GlobalWindow) return 'G';
    throw new UsageError(`The window assigner ${String(assigner)} returned ${String(w)}: window assigners must return TimeWindow or GlobalWindow objects.`);
  };
  return {
    of: (w) => {
      if (w === w0) return n0;
      if (w === w1) return n1;
      const ns = build(w);
      w1 = w0;
      n1 = n0;
      w0 = w;
      n0 = ns;
      return ns;
    },
    window: (ns) => {
      if (ns === parsedNs) return parsed as Window;
      let w: Window;
      if (ns === 'G') w = GlobalWindow.get();
      else {
        const s = ns as string;
        const i = s.indexOf(':', 1);
        w = new TimeWindow(Number(s.slice(0, i)), Number(s.slice(i + 1)));
      }
      parsedNs = ns;
      parsed = w;
      return w;
    },
  };
}
