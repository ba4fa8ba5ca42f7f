/**
 * The row-format file sink (FileSink, StreamingFileSink): exactly-once part files through checkpoints.
 *
 * Per record: the bucket assigner picks a bucket directory, the rolling policy may roll the bucket's part file,
 * the encoder's bytes are buffered and written in 64 KiB chunks. A part file is written under hidden names and
 * closed when it rolls, at every checkpoint, and at the end of input; closed, it is *pending*, still hidden.
 * `snapshotState(n)` closes every open part file, makes every pending file not yet claimed pending for n, and
 * returns one {@link FileSinkStateItem}; `finishSnapshot(n)` resolves once those files are durable;
 * `notifyCheckpointComplete(n)` renames the files pending for n and earlier checkpoints to their final names.
 * On restore, the pending files in the restored state are committed (their checkpoint completed) and the hidden
 * files this subtask's earlier attempts left are deleted. A bounded input commits everything at its end. A
 * failure aborts the open part files and removes the pending ones no checkpoint names; the ones a checkpoint
 * names stay hidden until a restore commits or removes them. Nothing is ever truncated, so this works on HDFS
 * through WebHDFS. Names and the state format: file-sink-files.ts.
 *
 * All file I/O runs on one queue, in order; the task is held back (`available()`) while the queue is long.
 */
import { randomUUID } from 'node:crypto';
import type { BucketAssignerContext } from '../../api/sinks/bucket-assigners.js';
import type { RowFormatSpec } from '../../api/sinks/file-sink.js';
import type { PartFileInfo } from '../../api/sinks/rolling-policies.js';
import { childPath, getFileSystem, type FileSystem, type FileWriter } from '../../fs/index.js';
import { UsageError } from '../../util/errors.js';
import { bindOperator, SINK_HOOKS, type OperatorContext, type OperatorFactory, type StreamOperator } from './operator.js';
import {
  bucketDir,
  commitPendingFile,
  parseStateItem,
  partFileName,
  removeLeftovers,
  writerIdFor,
  type FileSinkStateItem,
  type PendingFileState,
} from './file-sink-files.js';

const CHUNK = 64 * 1024;
const MAX_QUEUED_IO = 8;

/** The open part file of a bucket; the rolling policy sees it as PartFileInfo. */
class InProgressPart implements PartFileInfo {
  /** Set once the file system created it (on the I/O queue). */
  writer: FileWriter | undefined;
  text = '';
  bytes: Uint8Array[] = [];
  /** Bytes in `bytes`. */
  bytesBuffered = 0;
  size = 0;
  constructor(
    readonly bucketId: string,
    readonly path: string,
    readonly pendingPath: string,
    readonly creationTime: number,
    public lastUpdateTime: number,
  ) {}
  getBucketId(): string {
    return this.bucketId;
  }
  getCreationTime(): number {
    return this.creationTime;
  }
  getSize(): number {
    return this.size;
  }
  getLastUpdateTime(): number {
    return this.lastUpdateTime;
  }
}

interface Bucket {
  id: string;
  dir: string;
  part: InProgressPart | undefined;
}

interface PendingFile {
  checkpointId: number | undefined;
  bucketId: string;
  pendingPath: string;
  path: string;
  part: InProgressPart;
  /** Settles when the part file is closed (durable under its pending name). */
  closed: Promise<void>;
  committing: boolean;
}

class FileSinkOperator implements StreamOperator {
  private readonly spec: RowFormatSpec;
  private readonly basePath: string;
  private readonly fs: FileSystem;
  private readonly encode: (element: unknown) => string | Uint8Array;
  private readonly prefix: string;
  private readonly suffix: string;
  private readonly buckets = new Map<string, Bucket>();
  private pending: PendingFile[] = [];
  private writerId: string;
  private nextCounter = 0;
  private initialized = false;
  private ended = false;
  private closed = false;
  private watermark = Number.NEGATIVE_INFINITY;
  private cancelTimer: (() => void) | undefined;
  private io: Promise<void> = Promise.resolve();
  private queued = 0;
  private ioError: unknown;
  private readonly assignerContext: BucketAssignerContext;

  constructor(private readonly ctx: OperatorContext) {
    const sink = ctx.transformation.fns[0] as { spec?: RowFormatSpec } | undefined;
    if (!sink?.spec) throw new UsageError('The file sink operator needs a FileSink or StreamingFileSink.');
    this.spec = sink.spec;
    this.basePath = ctx.resolvePath(this.spec.basePath);
    this.fs = getFileSystem(this.basePath);
    const enc = this.spec.encoder;
    this.encode = typeof enc === 'function' ? enc : enc.encode.bind(enc);
    this.prefix = this.spec.outputFileConfig.getPartPrefix();
    this.suffix = this.spec.outputFileConfig.getPartSuffix();
    this.writerId = writerIdFor(ctx.jobId, ctx.transformation.id, ctx.subtask);
    const clock = ctx.processingTime;
    const element = ctx.element;
    this.assignerContext = {
      currentProcessingTime: () => clock.getCurrentProcessingTime(),
      currentWatermark: () => this.watermark,
      timestamp: () => (Number.isNaN(element.timestamp) ? null : element.timestamp),
    };
  }

  async initializeState(restored: unknown[] | undefined): Promise<void> {
    this.initialized = true;
    const items = (restored ?? []).map(parseStateItem);
    // Every pending file in a restored checkpoint belongs to a completed checkpoint: commit it, oldest first.
    for (const item of items) {
      for (const f of [...item.pending].sort((a, b) => a.checkpointId - b.checkpointId)) await commitPendingFile(this.fs, f);
    }
    // This job's earlier attempts of this subtask wrote under the same uuid; a savepoint of another job has
    // other uuids, whose hidden files are that job's business (it may still be running).
    const own = items.find((i) => i.writerId === this.writerId);
    this.nextCounter = own?.nextPartCounter ?? 0;
    if (restored !== undefined || this.ctx.runtime.getAttemptNumber() > 0) {
      await removeLeftovers(this.fs, this.basePath, this.prefix, this.writerId);
    }
  }

  async open(): Promise<void> {
    // Without the checkpoint machinery nobody calls initializeState: this is a fresh start.
    if (!this.initialized) await this.initializeState(undefined);
    this.scheduleCheck(this.ctx.processingTime.getCurrentProcessingTime());
  }

  processElement(record: unknown): void {
    const now = this.ctx.processingTime.getCurrentProcessingTime();
    const bucketId = this.spec.bucketAssigner.getBucketId(record, this.assignerContext);
    const bucket = this.buckets.get(bucketId) ?? this.newBucket(bucketId);
    let part = bucket.part;
    if (part === undefined || this.spec.rollingPolicy.shouldRollOnEvent(part, record)) part = this.roll(bucket, now);
    const data = this.encode(record);
    if (typeof data === 'string') {
      part.text += data;
      // Characters, made exact (UTF-8 bytes) when the chunk is written.
      part.size += data.length;
    } else {
      if (part.text.length > 0) this.moveTextToBytes(part);
      part.bytes.push(data);
      part.bytesBuffered += data.byteLength;
      part.size += data.byteLength;
    }
    part.lastUpdateTime = now;
    if (part.text.length + part.bytesBuffered >= CHUNK) this.writeBuffered(part);
  }

  processWatermark(watermark: number): void {
    this.watermark = watermark;
  }

  available(): boolean {
    return this.queued < MAX_QUEUED_IO;
  }

  snapshotState(checkpointId: number): unknown[] {
    this.closeAllParts();
    for (const f of this.pending) f.checkpointId ??= checkpointId;
    const item: FileSinkStateItem = {
      v: 1,
      kind: 'file-sink',
      writerId: this.writerId,
      nextPartCounter: this.nextCounter,
      pending: this.pending.map((f): PendingFileState => ({ checkpointId: f.checkpointId as number, bucketId: f.bucketId, pendingPath: f.pendingPath, path: f.path })),
    };
    return [item];
  }

  async finishSnapshot(checkpointId: number): Promise<void> {
    // The state of checkpoint n names the files of earlier checkpoints not committed yet, too.
    await Promise.all(this.pending.filter((f) => f.checkpointId !== undefined && f.checkpointId <= checkpointId).map((f) => f.closed));
  }

  async notifyCheckpointComplete(checkpointId: number): Promise<void> {
    const due = this.pending.filter((f) => !f.committing && f.checkpointId !== undefined && f.checkpointId <= checkpointId);
    // A failing rename fails the task through the I/O queue; a restore commits the file again.
    await this.commit(due).catch(() => {});
  }

  async endInput(): Promise<void> {
    this.closeAllParts();
    // Files a notification is committing right now too: the task may end as soon as this returns, and a
    // second rename of a committed file is a no-op.
    await this.commit([...this.pending]);
    this.ended = true;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.cancelTimer?.();
    if (this.ended) return;
    // A failure or cancellation: the queued I/O is skipped, part files not closed yet are removed (abort() does
    // nothing for a writer whose close already began). Pending files named by a checkpoint stay hidden: that
    // checkpoint may have completed, and a restore commits them; pending files no checkpoint names go.
    const parts = [...[...this.buckets.values()].flatMap((b) => (b.part ? [b.part] : [])), ...this.pending.map((f) => f.part)];
    this.buckets.clear();
    await Promise.all(parts.map((p) => (p.writer ? p.writer.abort().catch(() => {}) : Promise.resolve())));
    const unclaimed = this.pending.filter((f) => f.checkpointId === undefined);
    await Promise.all(
      unclaimed.map(async (f) => {
        await f.closed.catch(() => {});
        await this.fs.delete(f.pendingPath, false).catch(() => false);
      }),
    );
  }

  /** Closed after a failure or cancellation: no more file I/O. */
  private stopped(): boolean {
    return this.closed && !this.ended;
  }

  private newBucket(id: string): Bucket {
    if (typeof id !== 'string' || id.startsWith('/') || id.split('/').some((s) => s === '..' || s === '.')) {
      throw new UsageError(`File sink: the bucket assigner returned ${JSON.stringify(id)}; a bucket id must be a relative directory path without '.' or '..' parts ('' for the base path).`);
    }
    const b: Bucket = { id, dir: bucketDir(this.basePath, id), part: undefined };
    this.buckets.set(id, b);
    return b;
  }

  private roll(bucket: Bucket, now: number): InProgressPart {
    if (bucket.part) this.closePart(bucket);
    const name = partFileName(this.prefix, this.writerId, this.nextCounter++, this.suffix);
    const part = new InProgressPart(bucket.id, childPath(bucket.dir, name), childPath(bucket.dir, `.${name}.inprogress.${randomUUID()}`), now, now);
    bucket.part = part;
    void this.enqueue(async () => {
      // The file system writes under its own temporary name and moves the file to pendingPath when closed.
      const writer = await this.fs.create(part.pendingPath, 'OVERWRITE');
      if (this.stopped()) await writer.abort();
      else part.writer = writer;
    });
    return part;
  }

  private writeBuffered(part: InProgressPart): void {
    let data: Uint8Array | string;
    if (part.bytes.length === 0) {
      if (part.text.length === 0) return;
      data = part.text;
      part.size += Buffer.byteLength(data) - data.length;
    } else {
      if (part.text.length > 0) this.moveTextToBytes(part);
      data = Buffer.concat(part.bytes);
      part.bytes = [];
      part.bytesBuffered = 0;
    }
    part.text = '';
    void this.enqueue(() => (part.writer as FileWriter).write(data));
  }

  private moveTextToBytes(part: InProgressPart): void {
    const b = Buffer.from(part.text);
    part.size += b.byteLength - part.text.length;
    part.bytes.push(b);
    part.bytesBuffered += b.byteLength;
    part.text = '';
  }

  private closePart(bucket: Bucket): void {
    const part = bucket.part as InProgressPart;
    bucket.part = undefined;
    this.writeBuffered(part);
    const closed = this.enqueue(() => (part.writer as FileWriter).commit());
    this.pending.push({ checkpointId: undefined, bucketId: part.bucketId, pendingPath: part.pendingPath, path: part.path, part, closed, committing: false });
  }

  private closeAllParts(): void {
    for (const b of this.buckets.values()) if (b.part) this.closePart(b);
    // Buckets are cheap to make again; dropping them keeps the map to the buckets of one checkpoint interval.
    this.buckets.clear();
  }

  /** Renames these pending files to their final names, in order; on the I/O queue, so after they were closed. */
  private async commit(files: PendingFile[]): Promise<void> {
    for (const f of files) f.committing = true;
    try {
      for (const f of files) {
        await this.enqueue(() => commitPendingFile(this.fs, f));
        this.pending = this.pending.filter((p) => p !== f);
      }
    } finally {
      for (const f of files) f.committing = false;
    }
  }

  /** The rolling policy's time limits, checked every bucket check interval (Flink's processing-time timer). */
  private scheduleCheck(now: number): void {
    if (this.closed) return;
    this.cancelTimer = this.ctx.processingTime.registerTimer(now + this.spec.bucketCheckInterval, (time) => {
      for (const b of this.buckets.values()) {
        if (b.part && this.spec.rollingPolicy.shouldRollOnProcessingTime(b.part, time)) this.closePart(b);
      }
      this.scheduleCheck(time);
    });
  }

  /** Runs `op` after every I/O queued before it; a failure fails the task and skips what comes after it. */
  private enqueue(op: () => Promise<void>): Promise<void> {
    this.queued++;
    const run = this.io.then(() => {
      if (this.ioError !== undefined) throw this.ioError;
      if (this.stopped()) throw new Error('The file sink was closed before this file operation ran.');
      return op();
    });
    this.io = run.then(
      () => {
        if (--this.queued === MAX_QUEUED_IO - 1) this.ctx.signalAvailable();
      },
      (err: unknown) => {
        this.queued--;
        if (this.ioError === undefined) {
          this.ioError = err;
          if (!this.closed) this.ctx.fail(err);
        }
      },
    );
    // Callers that keep the promise see the failure; the task sees it through ctx.fail.
    run.catch(() => {});
    return run;
  }
}

export const fileSink: OperatorFactory = (ctx) => bindOperator(new FileSinkOperator(ctx), SINK_HOOKS);
