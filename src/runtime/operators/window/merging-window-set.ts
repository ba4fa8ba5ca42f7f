/**
 * The in-flight windows of one key for a merging assigner (Flink's MergingWindowSet). Each window maps to
 * the "state window": the namespace its contents are kept under. When windows merge, the contents of all
 * but one state window are merged into that one, so merging never copies the surviving contents. The
 * mapping holds namespaces only (primitives), so it can be snapshotted like any other keyed state.
 */
import type { MergingWindowAssigner, Window } from '../../../api/windowing/windows.js';
import { OperatorError } from '../operator.js';
import type { Namespace, WindowNamespaces } from './window-namespaces.js';

/** Window namespace → state window namespace; kept per key in keyed state. */
export type WindowMapping = Map<Namespace, Namespace>;

export type MergeFunction = (mergeResult: Window, mergedWindows: Window[], stateWindowResult: Namespace, mergedStateWindows: Namespace[]) => void;

export class MergingWindowSet {
  constructor(
    private readonly assigner: MergingWindowAssigner<unknown, Window>,
    private readonly ns: WindowNamespaces,
    /** The key's mapping, changed in place. */
    readonly mapping: WindowMapping,
  ) {}

  /** The namespace the window's contents are kept under, or undefined if the window is not in flight. */
  getStateNamespace(window: Window): Namespace | undefined {
    return this.mapping.get(this.ns.of(window));
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
    // The in-flight windows and their namespaces side by side (a key has few).
    const windows: Window[] = [];
    const keys: Namespace[] = [];
    for (const k of this.mapping.keys()) {
      windows.push(this.ns.window(k));
      keys.push(k);
    }
    windows.push(newWindow);
    const results: Array<[Window, Window[]]> = [];
    this.assigner.mergeWindows(windows, (toBeMerged, mergeResult) => void results.push([mergeResult, [...toBeMerged]]));
    if (results.length === 0) {
      this.mapping.set(this.ns.of(newWindow), this.ns.of(newWindow));
      return newWindow;
    }

    let resultWindow = newWindow;
    let mergedNewWindow = false;
    for (const [mergeResult, merged] of results) {
      // Assigners report the windows they were given; compare by namespace for one that reports copies.
      let i = merged.indexOf(newWindow);
      if (i < 0) {
        const newNs = this.ns.of(newWindow);
        i = merged.findIndex((w) => this.ns.of(w) === newNs);
      }
      if (i >= 0) {
        merged.splice(i, 1);
        mergedNewWindow = true;
        resultWindow = mergeResult;
      }
      const mergedKeys = merged.map((w) => {
        const j = windows.indexOf(w);
        return j >= 0 ? (keys[j] as Namespace) : this.ns.of(w);
      });
      // The merge result keeps the state window of one of the merged windows; the others' contents move into it.
      const target = this.mapping.get(mergedKeys[0] as Namespace) as Namespace;
      const mergedStateWindows: Namespace[] = [];
      for (const k of mergedKeys) {
        const s = this.mapping.get(k);
        if (s !== undefined) {
          this.mapping.delete(k);
          if (s !== target) mergedStateWindows.push(s);
        }
      }
      const resultNs = this.ns.of(mergeResult);
      this.mapping.set(resultNs, target);
      // An existing window that only absorbed the new one (without growing) has nothing to merge.
      if (!(merged.length === 1 && mergedKeys[0] === resultNs)) merge(mergeResult, merged, target, mergedStateWindows);
    }
    if (resultWindow === newWindow && !mergedNewWindow) this.mapping.set(this.ns.of(newWindow), this.ns.of(newWindow));
    return resultWindow;
  }
}
