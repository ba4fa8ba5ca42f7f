/** Source operators. Each `run()` emits through the chain and awaits `ctx.yield()` regularly. */
import type { SourceContext } from '../../api/functions.js';
import { getFileSystem, childPath, FileNotFoundError, type FileSystem } from '../../fs/index.js';
import { bindFunction, type OperatorContext, type OperatorFactory } from './operator.js';
import { FlinkError } from '../../util/errors.js';
import { numericRowParser, parseCsvLine, type CsvOptions } from './csv.js';

export const collectionSource: OperatorFactory = (ctx) => ({
  run: async () => {
    const elements = ctx.transformation.fns[0] as unknown[];
    let n = 0;
    for (const e of elements) {
      ctx.output.collect(e);
      if ((++n & 1023) === 0) await ctx.yield();
    }
  },
});

/** Numbers from..to; subtask i of n takes the i-th contiguous share. */
export const sequenceSource: OperatorFactory = (ctx) => ({
  run: async () => {
    const from = ctx.params.from as number;
    const to = ctx.params.to as number;
    const total = to - from + 1;
    const start = from + Math.floor((total * ctx.subtask) / ctx.parallelism);
    const end = from + Math.floor((total * (ctx.subtask + 1)) / ctx.parallelism) - 1;
    const out = ctx.output;
    for (let i = start; i <= end; ) {
      const stop = Math.min(end, i + 1023);
      for (; i <= stop; i++) out.collect(i);
      await ctx.yield();
      if (ctx.cancelled) return;
    }
  },
});

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
 * previous split owns; the last line may run past `end`.
 */
export async function readSplitLines(fs: FileSystem, split: FileSplit, encoding: BufferEncoding, onLine: (line: string, first: boolean) => void, ctx: OperatorContext): Promise<void> {
  await readSplitLineBytes(fs, split, (data, from, to, first) => onLine(data.toString(encoding, from, to), first), ctx);
}

/** As {@link readSplitLines}, but hands each line as a byte range of a buffer (without its line break). */
export async function readSplitLineBytes(
  fs: FileSystem,
  split: FileSplit,
  onLine: (data: Buffer, from: number, to: number, first: boolean) => void,
  ctx: OperatorContext,
): Promise<void> {
  let skipping = split.start > 0;
  let base = skipping ? split.start - 1 : 0;
  let carry: Buffer = Buffer.alloc(0);
  let first = split.start === 0;
  let n = 0;
  const emit = (data: Buffer, from: number, to: number): void => {
    if (to > from && data[to - 1] === 13) to--;
    onLine(data, from, to, first);
    first = false;
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
      if (base + i >= split.end) return;
      const nl = data.indexOf(10, i);
      if (nl < 0) break;
      emit(data, i, nl);
      i = nl + 1;
      if ((++n & 255) === 0) {
        await ctx.yield();
        if (ctx.cancelled) return;
      }
    }
    carry = data.subarray(i);
    base += i;
  }
  if (!skipping && carry.length > 0 && base < split.end) emit(carry, 0, carry.length);
}

export function encodingOf(charset: unknown): BufferEncoding {
  const c = String(charset ?? 'UTF-8').toLowerCase().replace(/[-_]/g, '');
  const map: Record<string, BufferEncoding> = { utf8: 'utf8', usascii: 'ascii', ascii: 'ascii', iso88591: 'latin1', latin1: 'latin1', utf16le: 'utf16le' };
  const e = map[c];
  if (!e) throw new FlinkError('UNSUPPORTED_CHARSET', `Unsupported charset '${String(charset)}': use UTF-8, US-ASCII, ISO-8859-1 or UTF-16LE.`);
  return e;
}

async function mySplits(ctx: OperatorContext): Promise<{ fs: FileSystem; splits: FileSplit[] }> {
  const path = ctx.resolvePath(ctx.params.path as string);
  const fs = getFileSystem(path);
  const all = await computeSplits(fs, path, ctx.parallelism);
  return { fs, splits: all.filter((_, i) => i % ctx.parallelism === ctx.subtask) };
}

export const textFileSource: OperatorFactory = (ctx) => ({
  run: async () => {
    const encoding = encodingOf(ctx.params.charset);
    const { fs, splits } = await mySplits(ctx);
    const out = ctx.output;
    for (const s of splits) await readSplitLines(fs, s, encoding, (line) => out.collect(line), ctx);
  },
});

export const csvFileSource: OperatorFactory = (ctx) => ({
  run: async () => {
    const opts = ctx.params as unknown as CsvOptions;
    const { fs, splits } = await mySplits(ctx);
    const out = ctx.output;
    const numeric = numericRowParser(opts);
    for (const s of splits) {
      let lineNo = 0;
      const where = (): string => `${s.path} (split at byte ${s.start}, line ${lineNo})`;
      if (numeric) {
        // Rows of numbers only: parsed from the bytes, without a string per line or per field.
        await readSplitLineBytes(
          fs,
          s,
          (data, from, to, first) => {
            lineNo++;
            if ((first && opts.ignoreFirstLine) || to === from) return;
            const row = numeric(data, from, to);
            out.collect(row ?? parseCsvLine(data.toString('utf8', from, to), opts, where));
          },
          ctx,
        );
        continue;
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
          out.collect(parseCsvLine(line, opts, () => `${s.path} (split at byte ${s.start}, line ${lineNo})`));
        },
        ctx,
      );
    }
  },
});

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
