/**
 * Source operators. Each `run()` emits through the chain and awaits `ctx.yield()` regularly.
 *
 * The collection, sequence, text-file and CSV sources are replayable: they keep their position as operator-state
 * items (source-positions.ts), updated in the same synchronous block as each emit, and resume after the last
 * record they had emitted when the checkpoint was taken. `addSource` functions replay only what they restore
 * themselves.
 */
import type { SourceContext } from '../../api/functions.js';
import { getFileSystem, childPath, FileNotFoundError, type FileSystem } from '../../fs/index.js';
import { bindFunction, type OperatorContext, type OperatorFactory, type StreamOperator } from './operator.js';
import { FlinkError } from '../../util/errors.js';
import { numericRowParser, parseCsvLine, type CsvOptions } from './csv.js';
import {
  restoreRanges,
  restoreSplits,
  snapshotRanges,
  snapshotSplits,
  SourceNotInitializedError,
  splitDone,
  type IndexRange,
  type SplitPosition,
} from './source-positions.js';

/** fromElements / fromCollection: one range over the element indices (the source is never parallel). */
export const collectionSource: OperatorFactory = (ctx) => {
  const elements = ctx.transformation.fns[0] as unknown[];
  let ranges: IndexRange[] = [{ start: 0, end: elements.length, next: 0 }];
  return {
    initializeState: (restored) => {
      if (restored !== undefined) ranges = restoreRanges(restored, `Collection source ${ctx.taskName}`);
    },
    snapshotState: () => snapshotRanges(ranges),
    run: async () => {
      const out = ctx.output;
      for (const range of ranges) {
        const end = Math.min(range.end, elements.length);
        for (let i = range.next; i < end; ) {
          const stop = Math.min(end, i + 1024);
          for (; i < stop; i++) out.collect(elements[i]);
          range.next = i;
          await ctx.yield();
          if (ctx.cancelled) return;
        }
      }
    },
  };
};

/** Numbers from..to; subtask i of n takes the i-th contiguous share. Its ranges hold the numbers themselves. */
export const sequenceSource: OperatorFactory = (ctx) => {
  const from = ctx.params.from as number;
  const to = ctx.params.to as number;
  const total = to - from + 1;
  const start = from + Math.floor((total * ctx.subtask) / ctx.parallelism);
  const end = from + Math.floor((total * (ctx.subtask + 1)) / ctx.parallelism);
  let ranges: IndexRange[] = [{ start, end, next: start }];
  return {
    initializeState: (restored) => {
      if (restored !== undefined) ranges = restoreRanges(restored, `Sequence source ${ctx.taskName}`);
    },
    snapshotState: () => snapshotRanges(ranges),
    run: async () => {
      const out = ctx.output;
      for (const range of ranges) {
        for (let i = range.next; i < range.end; ) {
          const stop = Math.min(range.end, i + 1024);
          for (; i < stop; i++) out.collect(i);
          range.next = i;
          await ctx.yield();
          if (ctx.cancelled) return;
        }
      }
    },
  };
};

export interface FileSplit {
  path: string;
  start: number;
  end: number;
}

/** Splits the input into byte ranges: about one per subtask, each file split separately. */
export async function computeSplits(fs: FileSystem, path: string, parallelism: number): Promise<FileSplit[]> {
  const st = await fs.stat(path);
  if (!st) throw new FileNotFoundError(path);
  const files = st.isDirectory
    ? (await fs.list(path)).filter((f) => !f.isDirectory && !/^[._]/.test(basename(f.path))).map((f) => ({ path: f.path.includes('://') ? f.path : childPath(path, basename(f.path)), length: f.length }))
    : [{ path, length: st.length }];
  const total = files.reduce((s, f) => s + f.length, 0);
  const target = Math.max(1, Math.ceil(total / parallelism));
  const splits: FileSplit[] = [];
  for (const f of files) {
    if (f.length === 0) continue;
    for (let s = 0; s < f.length; s += target) splits.push({ path: f.path, start: s, end: Math.min(f.length, s + target) });
  }
  return splits;
}

function basename(p: string): string {
  const i = p.lastIndexOf('/');
  return i < 0 ? p : p.slice(i + 1);
}

/**
 * Reads the lines that start inside [start, end): a split that does not start at 0 skips the line the
 * previous split owns; the last line may run past `end`. Given a {@link SplitPosition}, reading starts at its
 * `offset` (when past `start`) and moves it past each line as the line is handed on.
 */
export async function readSplitLines(fs: FileSystem, split: FileSplit | SplitPosition, encoding: BufferEncoding, onLine: (line: string, first: boolean) => void, ctx: OperatorContext): Promise<void> {
  await readSplitLineBytes(fs, split, (data, from, to, first) => onLine(data.toString(encoding, from, to), first), ctx);
}

/** As {@link readSplitLines}, but hands each line as a byte range of a buffer (without its line break). */
export async function readSplitLineBytes(
  fs: FileSystem,
  split: FileSplit | SplitPosition,
  onLine: (data: Buffer, from: number, to: number, first: boolean) => void,
  ctx: OperatorContext,
): Promise<void> {
  const pos = 'offset' in split ? split : undefined;
  if (pos !== undefined && splitDone(pos)) return;
  // Past `start`, the offset is the beginning of a line: no line of another split to skip.
  const resumeAt = pos !== undefined && pos.offset > split.start ? pos.offset : undefined;
  let skipping = resumeAt === undefined && split.start > 0;
  let base = resumeAt ?? (skipping ? split.start - 1 : 0);
  let carry: Buffer = Buffer.alloc(0);
  let first = !skipping && base === 0;
  let n = 0;
  const emit = (data: Buffer, from: number, to: number): void => {
    if (to > from && data[to - 1] === 13) to--;
    onLine(data, from, to, first);
    first = false;
  };
  const finished = (at: number): void => {
    if (pos !== undefined) pos.offset = Math.max(at, split.end);
  };
  for await (const chunk of fs.open(split.path, { start: base })) {
    const data: Buffer = carry.length > 0 ? Buffer.concat([carry, chunk as Buffer]) : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let i = 0;
    if (skipping) {
      const nl = data.indexOf(10);
      if (nl < 0) {
        base += data.length;
        carry = Buffer.alloc(0);
        continue;
      }
      i = nl + 1;
      skipping = false;
    }
    for (;;) {
      if (base + i >= split.end) return finished(base + i);
      const nl = data.indexOf(10, i);
      if (nl < 0) break;
      emit(data, i, nl);
      i = nl + 1;
      if (pos !== undefined) pos.offset = base + i;
      if ((++n & 255) === 0) {
        await ctx.yield();
        if (ctx.cancelled) return;
      }
    }
    carry = data.subarray(i);
    base += i;
  }
  if (!skipping && carry.length > 0 && base < split.end) emit(carry, 0, carry.length);
  finished(base + carry.length);
}

export function encodingOf(charset: unknown): BufferEncoding {
  const c = String(charset ?? 'UTF-8').toLowerCase().replace(/[-_]/g, '');
  const map: Record<string, BufferEncoding> = { utf8: 'utf8', usascii: 'ascii', ascii: 'ascii', iso88591: 'latin1', latin1: 'latin1', utf16le: 'utf16le' };
  const e = map[c];
  if (!e) throw new FlinkError('UNSUPPORTED_CHARSET', `Unsupported charset '${String(charset)}': use UTF-8, US-ASCII, ISO-8859-1 or UTF-16LE.`);
  return e;
}

/** Subtask `subtask`'s splits at `parallelism`, each not begun. */
async function assignSplits(ctx: OperatorContext): Promise<SplitPosition[]> {
  const path = ctx.resolvePath(ctx.params.path as string);
  const all = await computeSplits(getFileSystem(path), path, ctx.parallelism);
  return all.filter((_, i) => i % ctx.parallelism === ctx.subtask).map((s) => ({ ...s, offset: s.start }));
}

/**
 * A source that reads file splits one after the other; its position is one {@link SplitPosition} per split not
 * yet read to its end. The splits are listed in initializeState (before open), so a checkpoint never finds
 * the source without them; run() lists them itself where no initializeState ran (batch jobs, plain tests).
 */
function splitReadingSource(ctx: OperatorContext, what: string, read: (fs: FileSystem, split: SplitPosition) => Promise<void>): StreamOperator {
  let splits: SplitPosition[] | undefined;
  const source = `${what} ${ctx.taskName}`;
  return {
    initializeState: async (restored) => {
      splits = restored === undefined ? await assignSplits(ctx) : restoreSplits(restored, source);
    },
    snapshotState: () => {
      if (splits === undefined) throw new SourceNotInitializedError(source);
      return snapshotSplits(splits);
    },
    run: async () => {
      splits ??= await assignSplits(ctx);
      const fs = getFileSystem(ctx.resolvePath(ctx.params.path as string));
      for (const s of splits) {
        await read(fs, s);
        if (ctx.cancelled) return;
      }
    },
  };
}

export const textFileSource: OperatorFactory = (ctx) => {
  const out = ctx.output;
  const emit = (line: string): void => out.collect(line);
  // An unsupported charset fails the run, not the operator's creation.
  return splitReadingSource(ctx, 'Text file source', (fs, s) => readSplitLines(fs, s, encodingOf(ctx.params.charset), emit, ctx));
};

export const csvFileSource: OperatorFactory = (ctx) => {
  const opts = ctx.params as unknown as CsvOptions;
  const out = ctx.output;
  const numeric = numericRowParser(opts);
  return splitReadingSource(ctx, 'CSV source', async (fs, s) => {
    let lineNo = 0;
    // Line numbers count from where this run began reading the split.
    const from = s.offset > s.start ? `resumed at byte ${s.offset}` : `split at byte ${s.start}`;
    const where = (): string => `${s.path} (${from}, line ${lineNo})`;
    if (numeric) {
      // Rows of numbers only: parsed from the bytes, without a string per line or per field.
      await readSplitLineBytes(
        fs,
        s,
        (data, start, end, first) => {
          lineNo++;
          if ((first && opts.ignoreFirstLine) || end === start) return;
          const row = numeric(data, start, end);
          out.collect(row ?? parseCsvLine(data.toString('utf8', start, end), opts, where));
        },
        ctx,
      );
      return;
    }
    await readSplitLines(
      fs,
      s,
      'utf8',
      (line, first) => {
        lineNo++;
        if (first && opts.ignoreFirstLine) return;
        if (line.length === 0) return;
        if (opts.ignoreComments && line.startsWith(opts.ignoreComments)) return;
        out.collect(parseCsvLine(line, opts, where));
      },
      ctx,
    );
  });
};

/** addSource(): an (async) generator function, a function using ctx.collect, or {run, cancel}. */
export const customSource: OperatorFactory = (ctx) => {
  const src = ctx.transformation.fns[0];
  let running = true;
  const sctx: SourceContext<unknown> = {
    collect: (r) => ctx.output.collect(r),
    collectWithTimestamp: (r, ts) => {
      ctx.element.timestamp = ts;
      ctx.output.collect(r);
      ctx.element.timestamp = Number.NaN;
    },
    emitWatermark: (wm) => ctx.output.emitWatermark(typeof wm === 'number' ? wm : wm.getTimestamp()),
    markAsTemporarilyIdle: () => ctx.output.emitWatermarkStatus(true),
    yield: () => ctx.yield(),
    isRunning: () => running && !ctx.cancelled,
  };
  const rich = typeof src === 'object' && src !== null ? bindFunction<(c: SourceContext<unknown>) => unknown>(src, 'run', 'source') : undefined;
  return {
    open: () => rich?.open(ctx.runtime),
    run: async () => {
      const res = rich ? rich.call(sctx) : (src as (c: SourceContext<unknown>) => unknown)(sctx);
      let n = 0;
      if (res && typeof (res as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function') {
        for await (const r of res as AsyncIterable<unknown>) {
          ctx.output.collect(r);
          if ((++n & 255) === 0 || !ctx.available()) await ctx.yield();
          if (ctx.cancelled) break;
        }
      } else if (res && typeof res !== 'string' && typeof (res as Iterable<unknown>)[Symbol.iterator] === 'function') {
        for (const r of res as Iterable<unknown>) {
          ctx.output.collect(r);
          if ((++n & 255) === 0) await ctx.yield();
          if (ctx.cancelled) break;
        }
      } else {
        await res;
      }
    },
    close: async () => {
      running = false;
      const cancel = (src as { cancel?: unknown } | null)?.cancel;
      if (typeof cancel === 'function') (cancel as () => void).call(src);
      await rich?.close();
    },
  };
};
