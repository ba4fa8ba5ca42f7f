/**
 * The positions replayable sources hand to a checkpoint (`snapshotState`) and get back on restore
 * (`initializeState`), as operator-state list items. Every item stands on its own, so the runtime can split a
 * source's items among any number of new subtasks (see runtime/state/snapshot.ts): a restored subtask reads
 * exactly the rest of the items it was given.
 *
 * - {@link IndexRange}: the generator, sequence and collection sources — indices [start, end), `next` the first
 *   one not yet emitted.
 * - {@link SplitPosition}: the text and CSV file sources — a byte range of a file, `offset` where the next line
 *   starts (`offset === start`: not begun; `offset >= end`: done).
 *
 * A source updates its position in the same synchronous block as the emit, so a snapshot taken at any await
 * point of `run()` (a checkpoint's message handler runs only there) names exactly what was emitted.
 */
import { FlinkError } from '../../util/errors.js';

/** Indices [start, end) of a source; `next` is the first index not emitted yet. */
export interface IndexRange {
  start: number;
  end: number;
  next: number;
}

/** A byte range of a file read as lines; `offset` is where the next line to emit starts. */
export interface SplitPosition {
  path: string;
  start: number;
  end: number;
  offset: number;
}

/**
 * The state restored for a source is not what this source writes: the savepoint was taken from another program
 * (or another version of it) whose operator with the same id was a different source.
 */
export class RestoredSourceStateError extends FlinkError {
  constructor(source: string, expected: string, got: unknown) {
    super(
      'SOURCE_STATE_MISMATCH',
      `${source}: the restored state is not a ${expected} (got ${describe(got)}). The checkpoint or savepoint was ` +
        'taken from a program whose operator at this place was another source. Give sources stable uid()s; to start ' +
        'the new source afresh, give it a new uid and restore with --allowNonRestoredState (-n).',
    );
  }
}

/** A source's snapshotState() was called before the source knew its positions (its initializeState() never ran). */
export class SourceNotInitializedError extends FlinkError {
  constructor(source: string) {
    super('SOURCE_NOT_INITIALIZED', `${source}: a checkpoint was taken before the source listed its input; the checkpoint is declined and the next one will include it.`, {
      recoverable: true,
    });
  }
}

function describe(v: unknown): string {
  try {
    const text = JSON.stringify(v);
    return text === undefined ? String(v) : text.length > 120 ? `${text.slice(0, 117)}...` : text;
  } catch {
    return typeof v;
  }
}

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
// Sequence ranges may be negative, and end one past Number.MAX_SAFE_INTEGER (still exact as a double).
const isIndex = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);

/** Checks and copies restored {@link IndexRange} items. */
export function restoreRanges(items: readonly unknown[], source: string): IndexRange[] {
  return items.map((item) => {
    const r = item as Partial<IndexRange> | null;
    const ok = r !== null && typeof r === 'object' && isIndex(r.start) && isIndex(r.end) && isIndex(r.next) && r.start <= r.next && r.next <= r.end;
    if (!ok) throw new RestoredSourceStateError(source, 'list of index ranges {start, end, next}', item);
    return { start: r.start as number, end: r.end as number, next: r.next as number };
  });
}

/** The ranges still to emit, as copies (the source goes on changing its own after the barrier). */
export function snapshotRanges(ranges: readonly IndexRange[]): IndexRange[] {
  const out: IndexRange[] = [];
  for (const r of ranges) if (r.next < r.end) out.push({ start: r.start, end: r.end, next: r.next });
  return out;
}

/** Checks and copies restored {@link SplitPosition} items. */
export function restoreSplits(items: readonly unknown[], source: string): SplitPosition[] {
  return items.map((item) => {
    const s = item as Partial<SplitPosition> | null;
    const ok = s !== null && typeof s === 'object' && typeof s.path === 'string' && isCount(s.start) && isCount(s.end) && isCount(s.offset) && s.start <= s.offset;
    if (!ok) throw new RestoredSourceStateError(source, 'list of file splits {path, start, end, offset}', item);
    return { path: s.path as string, start: s.start as number, end: s.end as number, offset: s.offset as number };
  });
}

/** Whether a split was read to its end. */
export function splitDone(s: SplitPosition): boolean {
  return s.offset >= s.end;
}

/** The splits not read to their end, as copies. */
export function snapshotSplits(splits: readonly SplitPosition[]): SplitPosition[] {
  const out: SplitPosition[] = [];
  for (const s of splits) if (!splitDone(s)) out.push({ path: s.path, start: s.start, end: s.end, offset: s.offset });
  return out;
}
