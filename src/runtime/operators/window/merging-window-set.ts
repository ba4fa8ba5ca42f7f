/**
 * The in-flight windows of one key for a merging assigner (Flink's MergingWindowSet). Each window maps to
 * the "state window": the namespace its contents are kept under. When windows merge, the contents of all
 * but one state window are merged into that one, so merging never copies the surviving contents.
 */
import type { MergingWindowAssigner, Window } from '../../../api/windowing/windows.js';
import { OperatorError } from '../operator.js';
import type { Namespace, WindowNamespaces } from './window-namespaces.js';

/** Window namespace → [window, state window]; kept per key in keyed state. */
export type WindowMapping = Map<Namespace, [Window, Window]>;

export type MergeFunction = (mergeResult: Window, mergedWindows: Window[], stateWindowResult: Window, mergedStateWindows: Window[]) => void;

export class MergingWindowSet {
  constructor(
    private readonly assigner: MergingWindowAssigner<unknown, Window>,
    private readonly ns: WindowNamespaces,
    /** The key's mapping, changed in place. */
    readonly mapping: WindowMapping,
  ) {}

  getStateWindow(window: Window): Window | undefined {
    return this.mapping.get(this.ns.of(window))?.[1];
  }

  /** Forgets a window whose state was cleaned up (or that was late on arrival). */
  retireWindow(window: Window): void {
    if (!this.mapping.delete(this.ns.of(window))) throw new OperatorError(`Window ${String(window)} is not in the in-flight window set.`);
  }

  /**
   * Adds a new window, merging it with the in-flight windows it overlaps; `merge` moves the trigger and
   * contents of each merge. Returns the window the new one ended up in.
   */
  addWindow(newWindow: Window, merge: MergeFunction): Window {
    const windows: Window[] = [];
    for (const [w] of this.mapping.values()) windows.push(w);
    windows.push(newWindow);
    const results: Array<[Window, Window[]]> = [];
    this.assigner.mergeWindows(windows, (toBeMerged, mergeResult) => void results.push([mergeResult, [...toBeMerged]]));

    const newNs = this.ns.of(newWindow);
    let resultWindow = newWindow;
    let mergedNewWindow = false;
    for (const [mergeResult, merged] of results) {
      const i = merged.findIndex((w) => this.ns.of(w) === newNs);
      if (i >= 0) {
        merged.splice(i, 1);
        mergedNewWindow = true;
        resultWindow = mergeResult;
      }
      // The merge result keeps the state window of one of the merged windows; the others' contents move into it.
      const first = merged[0] as Window;
      const target = (this.mapping.get(this.ns.of(first)) as [Window, Window])[1];
      const mergedStateWindows: Window[] = [];
      for (const w of merged) {
        const k = this.ns.of(w);
        const e = this.mapping.get(k);
        if (e !== undefined) {
          this.mapping.delete(k);
          if (e[1] !== target) mergedStateWindows.push(e[1]);
        }
      }
      const resultNs = this.ns.of(mergeResult);
      this.mapping.set(resultNs, [mergeResult, target]);
      // An existing window that only absorbed the new one (without growing) has nothing to merge.
      if (!(merged.length === 1 && this.ns.of(merged[0] as Window) === resultNs)) merge(mergeResult, merged, target, mergedStateWindows);
    }
    if (results.length === 0 || (this.ns.of(resultWindow) === newNs && !mergedNewWindow)) this.mapping.set(newNs, [resultWindow, resultWindow]);
    return resultWindow;
  }
}
