/** Sink operators: print, text/CSV files, user sinks, and collect()/count() for the client. */
import { formatCsvRow, formatRecord } from '../../api/format.js';
import { getFileSystem, childPath, type FileWriter, type WriteMode } from '../../fs/index.js';
import { bindFunction, type OperatorContext, type OperatorFactory } from './operator.js';

const CHUNK = 64 * 1024;
const MAX_PENDING_WRITES = 8;

/** print()/printToErr(): `<subtask>> record` lines (prefix only when parallel), as Flink prints. */
export const printSink: OperatorFactory = (ctx) => {
  const id = ctx.params.identifier as string | null;
  const sub = ctx.parallelism > 1 ? `${ctx.subtask + 1}` : '';
  const prefix = id ? (sub ? `${id}:${sub}> ` : `${id}> `) : sub ? `${sub}> ` : '';
  const stream = ctx.params.stderr ? process.stderr : process.stdout;
  let buf = '';
  let blocked = false;
  const flush = (): void => {
    if (buf.length === 0) return;
    const ok = stream.write(buf);
    buf = '';
    if (!ok && !blocked) {
      blocked = true;
      stream.once('drain', () => {
        blocked = false;
        ctx.signalAvailable();
      });
    }
  };
  const timer = setInterval(flush, 100);
  timer.unref();
  return {
    processElement: (r) => {
      buf += `${prefix}${formatRecord(r)}\n`;
      if (buf.length >= CHUNK) flush();
    },
    available: () => !blocked,
    endInput: flush,
    close: () => {
      clearInterval(timer);
      flush();
    },
  };
};

/** The file a sink subtask writes: the path itself, or `<path>/<subtask+1>` when parallel. */
export function sinkFilePath(path: string, subtask: number, parallelism: number): string {
  return parallelism > 1 ? childPath(path, String(subtask + 1)) : path;
}

/** writeAsText / writeAsCsv. The JobManager prepared the path; the file appears only when complete. */
export const textSink: OperatorFactory = (ctx) => {
  const path = sinkFilePath(ctx.resolvePath(ctx.params.path as string), ctx.subtask, ctx.parallelism);
  const csv = ctx.params.format === 'csv';
  const rowDelimiter = ctx.params.rowDelimiter as string;
  const fieldDelimiter = ctx.params.fieldDelimiter as string;
  let writer: FileWriter | undefined;
  let closed = false;
  let buf = '';
  let pending = 0;
  let chain: Promise<void> = Promise.resolve();
  const write = (): void => {
    const chunk = buf;
    buf = '';
    pending++;
    const w = writer as FileWriter;
    chain = chain
      .then(() => w.write(chunk))
      .then(
        () => {
          if (--pending === MAX_PENDING_WRITES - 1) ctx.signalAvailable();
        },
        (err) => ctx.fail(err),
      );
  };
  return {
    open: async () => {
      // The JobManager already applied the write mode to the path as a whole.
      const created = await getFileSystem(path).create(path, 'OVERWRITE' as WriteMode);
      // A task that failed or was cancelled while the file was being created closed this sink already.
      if (closed) await created.abort();
      else writer = created;
    },
    processElement: (r) => {
      buf += (csv ? formatCsvRow(r, fieldDelimiter) : formatRecord(r)) + rowDelimiter;
      if (buf.length >= CHUNK) write();
    },
    available: () => pending < MAX_PENDING_WRITES,
    endInput: async () => {
      if (buf.length > 0) write();
      await chain;
      await writer?.commit();
    },
    close: async () => {
      // After a failure the temporary file goes; after success commit() already ran.
      closed = true;
      await writer?.abort();
    },
  };
};

/** addSink(fn): `invoke(value)` per record; returned promises are awaited in order. */
export const customSink: OperatorFactory = (ctx) => {
  const f = bindFunction<(v: unknown) => unknown>(ctx.transformation.fns[0], 'invoke', 'sink');
  let pending = 0;
  let chain: Promise<unknown> = Promise.resolve();
  return {
    open: () => f.open(ctx.runtime),
    processElement: (r) => {
      if (pending === 0) {
        const res = f.call(r);
        if (res instanceof Promise) track(res);
      } else {
        track(chain.then(() => f.call(r)));
      }
    },
    available: () => pending < 64,
    endInput: async () => {
      await chain;
      // Flink's SinkFunction.finish(): the input ended normally (not a failure or a cancel), e.g. for a last commit.
      const sink = ctx.transformation.fns[0] as { finish?: () => unknown } | null;
      if (sink !== null && typeof sink === 'object' && typeof sink.finish === 'function') await sink.finish();
    },
    close: () => f.close(),
  };
  function track(p: Promise<unknown>): void {
    pending++;
    chain = p.then(
      () => {
        if (--pending === 63) ctx.signalAvailable();
      },
      (err) => ctx.fail(err),
    );
  }
};

/** collect(): the records go back to the client as an accumulator. */
export const collectSink: OperatorFactory = (ctx: OperatorContext) => {
  const records: unknown[] = [];
  return {
    processElement: (r) => void records.push(r),
    endInput: () => ctx.setAccumulator(ctx.params.accumulator as string, 'list', records),
  };
};

export const countSink: OperatorFactory = (ctx: OperatorContext) => {
  let n = 0;
  return {
    processElement: () => void n++,
    endInput: () => ctx.setAccumulator(ctx.params.accumulator as string, 'sum', n),
  };
};
