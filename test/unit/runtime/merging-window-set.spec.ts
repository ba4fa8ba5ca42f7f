/** MergingWindowSet: which windows merge, which state window survives, what the merge callback is told. */
import assert from 'node:assert/strict';
import { EventTimeSessionWindows, TimeWindow, type Window } from '../../../src/api/index.js';
import { MergingWindowSet, type WindowMapping } from '../../../src/runtime/operators/window/merging-window-set.js';
import { windowNamespaces, type Namespace } from '../../../src/runtime/operators/window/window-namespaces.js';

describe('MergingWindowSet', () => {
  const assigner = EventTimeSessionWindows.withGap(10);
  const names = windowNamespaces(assigner);
  const w = (s: number, e: number): TimeWindow => new TimeWindow(s, e);
  const str = (x: Window): string => `${(x as TimeWindow).start}-${(x as TimeWindow).end}`;

  it('keeps separate windows apart, merges overlapping ones into the state window of the first, and reports the merge', () => {
    const mapping: WindowMapping = new Map();
    const set = new MergingWindowSet(assigner, names, mapping);
    const merges: Array<[string, string[], Namespace, Namespace[]]> = [];
    const record = (r: Window, ws: Window[], s: Namespace, ss: Namespace[]): void => void merges.push([str(r), ws.map(str), s, ss]);
    assert.equal(str(set.addWindow(w(0, 10), record)), '0-10');
    assert.equal(str(set.addWindow(w(20, 30), record)), '20-30');
    assert.deepEqual(merges, []);
    // Inside an existing window without growing it: nothing to merge, the existing window is the result.
    assert.equal(str(set.addWindow(w(2, 8), record)), '0-10');
    assert.deepEqual(merges, []);
    // Bridges both: one merge of the two existing windows; the new window had no state.
    assert.equal(str(set.addWindow(w(9, 21), record)), '0-30');
    assert.deepEqual(merges, [['0-30', ['0-10', '20-30'], '0:10', ['20:30']]]);
    assert.deepEqual([...mapping], [['0:30', '0:10']]);
    assert.equal(set.getStateNamespace(w(0, 30)), '0:10');
    // Extends the merged window: the state window stays the first one.
    assert.equal(str(set.addWindow(w(28, 40), record)), '0-40');
    assert.deepEqual(merges[1], ['0-40', ['0-30'], '0:10', []]);
    set.retireWindow(w(0, 40));
    assert.equal(mapping.size, 0);
    assert.throws(() => set.retireWindow(w(0, 40)), /not in the in-flight window set/);
  });
});
