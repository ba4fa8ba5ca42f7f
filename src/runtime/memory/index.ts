/**
 * Managed memory: each slot's budget for the records batch operators hold (sort buffers, hash tables, grouped
 * state, cached inputs), and the structures that spill to `io.tmp.dirs` when it runs out.
 *
 * @example
 * ```ts
 * // in an operator factory: ctx.memory is the operator's OperatorMemory
 * const sorter = ctx.memory.sorter<Row>((a, b) => a.id - b.id);
 * for (const r of input) sorter.add(r);           // sorted runs go to disk when the budget refuses more
 * for (const r of sorter.sorted()) out.collect(r); // merged back k-way
 * ctx.memory.close();                               // memory back, spill files removed
 * ```
 */
export {
  MemoryManager,
  OperatorMemory,
  configureSlotMemory,
  slotMemory,
  type SlotMemorySettings,
} from './memory-manager.js';
export { ExternalSorter, type SorterOptions } from './external-sorter.js';
export { SpillableRecordList } from './spillable-record-list.js';
export { sortMergeJoin, type JoinKind, type SortMergeJoinSpec } from './sort-merge-join.js';
export { mergeSorted } from './merge.js';
export { compareEntries, compareStateKeys } from './keys.js';
export { estimateSize, RecordSizer, SAMPLE_EVERY } from './size-estimator.js';
export { ManagedMemoryExhaustedError, SpillFileError } from './memory-error.js';
