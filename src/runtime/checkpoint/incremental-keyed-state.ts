/**
 * Incremental checkpoints of a task's keyed state (`state.backend.incremental`), written to the job's shared
 * directory and referred to from the task's state file as `{ op, kg, refs }` frames.
 *
 * Each key group of an operator has a chain of references: a full copy cut into content-addressed chunks
 * (uploaded once, see shared-chunks.ts), then the changes of later checkpoints. A backend that keeps a changelog
 * (the heap backend) answers most checkpoints with only the keys touched since its previous snapshot; those
 * changes go into one new file per operator and checkpoint, and each changed key group's chain gets a reference
 * to its range of that file (`<file>#<start>-<end>`). When the changes written since the last full copy outgrow
 * that copy, the next checkpoint asks the backend for everything again, which bounds both the chains and the work
 * of a restore. Backends without a changelog (embedded-lmdb) answer in full every time; their unchanged chunks are
 * still uploaded only once.
 *
 * Changes only make sense on top of what came before, so the writes of one task run in checkpoint order, and a
 * failed write makes every later change snapshot already taken fail too, until full snapshots start new chains.
 */
import { randomUUID } from 'node:crypto';
import { childPath } from '../../fs/index.js';
import type { KeyedBackendSnapshot } from '../state/index.js';
import { FlinkError } from '../../util/errors.js';
import { ChunkUploads, chunkKeyGroup, chunkPath, uploadChunk } from './shared-chunks.js';
import type { StateFrame } from './task-state-file.js';

/** Below this much state, changes may pile up to this size before a full copy is taken again. */
const MIN_CHANGES_BEFORE_FULL = 1 << 20;
/** At most this many change files in a chain: a restore reads each of them. */
const MAX_LINKS = 64;

interface OperatorChains {
  /** Key group → references, a full copy's chunks first, then ranges of change files. */
  refs: Map<number, string[]>;
  /** Size of every file the chains refer to. */
  files: Map<string, number>;
  /** Bytes of the last full copy, of the changes written since, and the number of change files. */
  base: number;
  changes: number;
  links: number;
}

/** One write's accounting: the shared files its checkpoint uses, and the bytes it uploaded. */
export interface SharedUse {
  used: Map<string, number>;
  uploaded: number;
}

export class IncrementalKeyedState {
  private readonly operators = new Map<string, OperatorChains>();
  /** Changes since the last failed write; a change snapshot taken in an older epoch cannot be written. */
  private epoch = 0;
  /** Chunks of the last completed (or the restored) checkpoint: they exist, and need not be uploaded again. */
  private confirmed = new Map<string, number>();
  private readonly chunksOf = new Map<number, Map<string, number>>();

  constructor(private readonly sharedDirectory: string) {}

  /** At the barrier: whether the backend of `uid` should be asked for everything instead of its changes. */
  wantsFull(uid: string): boolean {
    const op = this.operators.get(uid);
    return op === undefined || op.links >= MAX_LINKS || op.changes > Math.max(op.base, MIN_CHANGES_BEFORE_FULL);
  }

  /** The epoch a snapshot is taken in (see {@link frames}). */
  currentEpoch(): number {
    return this.epoch;
  }

  /** A shared file the restored checkpoint uses, in this job's shared directory: it exists while that checkpoint is retained. */
  restoredChunk(path: string, size: number): void {
    if (path.startsWith(`${this.sharedDirectory}/`)) this.confirmed.set(path, size);
  }

  /**
   * Writes one operator's keyed snapshot to shared files and yields its `{ op, kg, refs }` frames (every key
   * group with state, changed or not). Called in checkpoint order.
   */
  async *frames(uid: string, snap: KeyedBackendSnapshot, epoch: number, use: SharedUse): AsyncGenerator<StateFrame> {
    let op = this.operators.get(uid);
    if (snap.changes === true) {
      if (op === undefined || epoch !== this.epoch) {
        throw new FlinkError('CHANGELOG_BROKEN', 'the state changes of this checkpoint build on an earlier checkpoint whose state could not be written.');
      }
      await this.appendChanges(op, snap, use);
    } else {
      op = await this.writeFull(snap, use);
      this.operators.set(uid, op);
    }
    for (const [file, size] of op.files) use.used.set(file, size);
    const groups = [...op.refs.keys()].sort((a, b) => a - b);
    for (const kg of groups) yield { op: uid, kg, refs: [...(op.refs.get(kg) as string[])] };
  }

  /** A write failed: every chain starts again from a full snapshot. */
  fail(): void {
    this.operators.clear();
    this.epoch++;
  }

  /** A write succeeded: the shared files its checkpoint uses, for when that checkpoint completes. */
  written(id: number, used: Map<string, number>): void {
    this.chunksOf.set(id, used);
  }

  /** Checkpoint `id` completed (its files exist as long as it is retained) or was aborted. */
  notify(id: number, complete: boolean): void {
    const used = this.chunksOf.get(id);
    if (complete && used !== undefined) {
      this.confirmed = used;
      for (const k of [...this.chunksOf.keys()]) if (k <= id) this.chunksOf.delete(k);
    }
    if (!complete) this.chunksOf.delete(id);
  }

  private async writeFull(snap: KeyedBackendSnapshot, use: SharedUse): Promise<OperatorChains> {
    const op: OperatorChains = { refs: new Map(), files: new Map(), base: 0, changes: 0, links: 0 };
    const uploads = new ChunkUploads();
    try {
      for await (const [kg, bytes] of snap.keyGroups()) {
        const refs: string[] = [];
        for (const chunk of chunkKeyGroup(bytes)) {
          const path = chunkPath(this.sharedDirectory, chunk);
          refs.push(path);
          if (!use.used.has(path) && !op.files.has(path) && !this.confirmed.has(path)) {
            await uploads.add(path, chunk);
            use.uploaded += chunk.byteLength;
          }
          op.files.set(path, chunk.byteLength);
          use.used.set(path, chunk.byteLength);
          op.base += chunk.byteLength;
        }
        op.refs.set(kg, refs);
      }
    } finally {
      // Also when reading the snapshot failed: no upload may outlive the write it belongs to.
      await uploads.drain().catch(() => {});
    }
    await uploads.drain();
    return op;
  }

  private async appendChanges(op: OperatorChains, snap: KeyedBackendSnapshot, use: SharedUse): Promise<void> {
    const parts: Array<[number, Uint8Array]> = [];
    let size = 0;
    for await (const [kg, bytes] of snap.keyGroups()) {
      parts.push([kg, bytes]);
      size += bytes.byteLength;
    }
    if (parts.length === 0) return;
    const file = childPath(this.sharedDirectory, `changes-${randomUUID()}`);
    await uploadChunk(file, Buffer.concat(parts.map(([, b]) => b), size));
    use.uploaded += size;
    let at = 0;
    for (const [kg, bytes] of parts) {
      const ref = `${file}#${at}-${at + bytes.byteLength}`;
      at += bytes.byteLength;
      const refs = op.refs.get(kg);
      if (refs === undefined) op.refs.set(kg, [ref]);
      else refs.push(ref);
    }
    op.files.set(file, size);
    op.changes += size;
    op.links++;
  }
}
