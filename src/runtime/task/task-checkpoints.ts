/**
 * A task's part of checkpoints: aligning barriers on its inputs, the snapshot of its operators at the barrier,
 * writing that snapshot while processing goes on, acknowledging it, and restoring state before the operators open.
 *
 * The snapshot at the barrier is synchronous and as small as each backend allows: the heap backends encode their
 * state (their values are mutable objects, so only bytes taken now are consistent), operators return their list
 * items. The barrier then goes downstream at once; the file is written afterwards, and the acknowledgement goes
 * to the JobManager when it is.
 */
import type { JobGraph, JobVertex } from '../../graph/index.js';
import type { OperatorContext, StreamOperator } from '../operators/index.js';
import type { RecordWriter } from '../network/record-writer.js';
import type { GateItem, InputChannel, InputGate } from '../network/input-gate.js';
import { BarrierAligner } from '../checkpoint/barrier-aligner.js';
import type { KeyedStateBackend, OperatorStateBackend, KeyedBackendSnapshot } from '../state/index.js';
import type { OperatorSubtaskState, TaskStateHandle } from '../checkpoint/types.js';
import { keyGroupRangeForSubtask } from '../state/index.js';
import { FlinkError, serializeError } from '../../util/errors.js';
import { getLogger } from '../../util/logger.js';
import { encodeFrame, writeStateFile, type StateFrame } from '../checkpoint/task-state-file.js';
import { loadRestoredState, type OperatorToRestore } from '../checkpoint/restore-assignment.js';
import { checkpointDirectory, checkpointReporter, restoreMetadata, taskCheckpointSettings } from '../checkpoint/task-checkpoint-env.js';
import { channelKey } from '../network/channel-router.js';
import { IncrementalKeyedState, type SharedUse } from '../checkpoint/incremental-keyed-state.js';

const log = getLogger('org.apache.flink.runtime.taskmanager.Task');

/** What the checkpointing of a task needs to see of it. */
export interface CheckpointedTask {
  readonly name: string;
  readonly job: JobGraph;
  readonly vertex: JobVertex;
  readonly subtask: number;
  readonly gate: InputGate | undefined;
  readonly writers: RecordWriter[];
  readonly chain: StreamOperator[];
  readonly chainContexts: OperatorContext[];
  /** The keyed backend of operator `i` if it has one (created when `create`). */
  keyedBackendOf(i: number, create: boolean): KeyedStateBackend | undefined;
  operatorBackendOf(i: number, create: boolean): OperatorStateBackend | undefined;
}

/** The uid that maps an operator's state across runs: its uid(), or one derived from its place in the program. */
export function operatorUid(op: JobVertex['operators'][number]): string {
  return op.uid ?? `${op.id}:${op.operator}`;
}

interface OperatorSnapshot {
  uid: string;
  keyed: KeyedBackendSnapshot | undefined;
  /** Incremental checkpoints: the epoch the keyed snapshot was taken in. */
  epoch: number;
  keyGroupRange: { start: number; end: number } | undefined;
  /** The operator's items and operator state, encoded at the barrier. */
  encoded: Uint8Array[];
  operatorState: boolean;
}

/** Bytes of a checkpoint barrier in a buffer (tag, id, trigger time, flags). */
const BARRIER_BYTES = 18;

interface InFlightRecording {
  id: number;
  /** Channels whose barrier has not arrived yet: what they deliver is in-flight data. */
  pending: Set<InputChannel>;
  data: Map<string, Uint8Array[]>;
  /** The channel whose barrier ended the buffer being processed. */
  justDelivered: InputChannel | undefined;
  /** The in-flight data per channel key; undefined when the checkpoint was given up. */
  resolve(v: Array<[string, Uint8Array]> | undefined): void;
}

export class TaskCheckpoints {
  /** Barrier alignment on the inputs (only when the job takes checkpoints and the task has inputs). */
  private readonly aligner: BarrierAligner | undefined;
  /** Buffers of channels blocked by the alignment, in arrival order. */
  private readonly held: GateItem[] = [];
  /** The trigger time and flags of the checkpoint being aligned. */
  private barrier = { timestamp: 0, flags: 0 };
  /** Unaligned checkpoints: the first barrier snapshots at once; later input until each channel's barrier is kept. */
  private readonly unaligned: boolean;
  private recording: InFlightRecording | undefined;
  /** The newest checkpoint snapshotted unaligned: its late barriers and older ones are ignored. */
  private lastUnaligned = -1;
  /** Incremental checkpoints (keyed state in the job's shared directory), when they are on. */
  private readonly incremental: IncrementalKeyedState | undefined;
  /** Snapshots are written one after another, in checkpoint order (incremental ones build on the previous). */
  private writing: Promise<unknown> = Promise.resolve();

  constructor(private readonly task: CheckpointedTask) {
    const cp = taskCheckpointSettings();
    const gate = task.gate;
    if (cp && gate) this.aligner = new BarrierAligner(cp.mode === 'EXACTLY_ONCE', () => gate.allChannels());
    this.unaligned = cp?.mode === 'EXACTLY_ONCE' && cp.unaligned === true && gate !== undefined;
    if (cp?.sharedDirectory !== undefined) this.incremental = new IncrementalKeyedState(cp.sharedDirectory);
  }

  /** Holds back an item of a channel blocked by the alignment; true when it did (the task skips it for now). */
  holds(item: GateItem): boolean {
    if (this.aligner === undefined || !this.aligner.isBlocked(item.channel)) return false;
    this.held.push(item);
    return true;
  }

  /** A checkpoint barrier arrived on a channel. */
  onBarrier(channel: InputChannel, id: number, timestamp: number, flags: number): void {
    // Savepoints are always aligned, as in Flink: they hold no in-flight data and can be rescaled.
    if (this.unaligned && (flags & 1) === 0) {
      this.onUnalignedBarrier(channel, id, timestamp, flags);
      return;
    }
    const aligner = this.aligner;
    if (!aligner) return;
    const outcome = aligner.onBarrier(channel, id, Date.now());
    if (outcome === 'ignore') return;
    this.barrier = { timestamp, flags };
    if (outcome === 'complete') this.alignmentComplete();
  }

  /** A channel ended: it may have been the last one the alignment waited for. */
  onChannelEnded(): void {
    if (this.aligner?.onChannelEnded()) this.alignmentComplete();
    const r = this.recording;
    if (r) {
      for (const c of [...r.pending]) if (c.ended) r.pending.delete(c);
      if (r.pending.size === 0 && r.justDelivered === undefined) this.finishRecording();
    }
  }

  /**
   * Unaligned: the first barrier of a checkpoint snapshots the operators and goes downstream at once; what the
   * other channels deliver until their own barrier is processed as usual and also kept, as the checkpoint's
   * in-flight data, which a restore feeds in again before new input.
   */
  private onUnalignedBarrier(channel: InputChannel, id: number, timestamp: number, flags: number): void {
    const r = this.recording;
    if (r && id === r.id) {
      if (r.pending.has(channel)) r.justDelivered = channel;
      return;
    }
    if (id <= this.lastUnaligned) return;
    // A newer checkpoint: an older one still collecting in-flight data was given up upstream.
    r?.resolve(undefined);
    this.lastUnaligned = id;
    const pending = new Set<InputChannel>();
    for (const c of (this.task.gate as InputGate).allChannels()) if (c !== channel && !c.ended) pending.add(c);
    let resolve!: (v: Array<[string, Uint8Array]> | undefined) => void;
    const done = new Promise<Array<[string, Uint8Array]> | undefined>((res) => (resolve = res));
    this.recording = { id, pending, data: new Map(), justDelivered: undefined, resolve };
    this.snapshot(id, timestamp, flags, 0, done);
    if (pending.size === 0) this.finishRecording();
  }

  /** After a buffer was processed: keeps it when it is in-flight data of the unaligned checkpoint in progress. */
  afterBuffer(channel: InputChannel, bytes: Uint8Array): void {
    const r = this.recording;
    if (r === undefined) return;
    if (r.justDelivered === channel) {
      // The barrier ends its buffer: what came before it on this channel is the last of its in-flight data.
      this.keep(r, channel, bytes.subarray(0, bytes.byteLength - BARRIER_BYTES));
      r.pending.delete(channel);
      r.justDelivered = undefined;
      if (r.pending.size === 0) this.finishRecording();
    } else if (r.pending.has(channel)) {
      this.keep(r, channel, bytes);
    }
  }

  private keep(r: InFlightRecording, channel: InputChannel, bytes: Uint8Array): void {
    if (bytes.byteLength === 0) return;
    const key = channelKey(channel.id.edge, channel.id.producer, channel.id.consumer);
    const list = r.data.get(key) ?? [];
    // A copy: the buffer's memory goes back to the pool or is transferred on.
    list.push(Uint8Array.prototype.slice.call(bytes));
    r.data.set(key, list);
  }

  private finishRecording(): void {
    const r = this.recording as InFlightRecording;
    this.recording = undefined;
    r.resolve([...r.data].map(([k, parts]) => [k, Buffer.concat(parts)]));
  }

  /** Every input delivered the barrier: snapshot, barrier downstream, and the blocked channels go on. */
  private alignmentComplete(): void {
    const aligner = this.aligner as BarrierAligner;
    const id = aligner.current;
    const alignmentMs = Date.now() - aligner.startedAt;
    aligner.finish();
    this.snapshot(id, this.barrier.timestamp, this.barrier.flags, alignmentMs);
    this.release();
  }

  private release(): void {
    if (this.held.length > 0) (this.task.gate as InputGate).requeue(this.held.splice(0));
  }

  /** A source is triggered: it snapshots now, or declines when it cannot (`notRunning` says why). */
  trigger(id: number, timestamp: number, flags: number, notRunning: string | undefined): void {
    const t = this.task;
    if (notRunning !== undefined) {
      const err = new FlinkError('TASK_NOT_READY', `${t.name} cannot take checkpoint ${id}: ${notRunning}.`);
      checkpointReporter()?.decline(t.vertex.index, t.subtask, id, serializeError(err));
      return;
    }
    this.snapshot(id, timestamp, flags, 0);
  }

  /**
   * Restores the operators' state from the checkpoint this deployment starts from, and hands each operator that
   * keeps state of its own its items (undefined on a fresh start). Called before any operator opens.
   */
  async restore(): Promise<Array<[string, Uint8Array]>> {
    const t = this.task;
    const meta = restoreMetadata();
    const specs = t.vertex.operators;
    let restored = new Map<string, Awaited<ReturnType<typeof loadRestoredState>> extends Map<string, infer R> ? R : never>();
    if (meta) {
      const ops: OperatorToRestore[] = specs.map((spec, i) => {
        const ctx = t.chainContexts[i] as OperatorContext;
        return {
          uid: operatorUid(spec),
          name: spec.name,
          maxParallelism: ctx.maxParallelism,
          keyGroupRange: ctx.keyed ? keyGroupRangeForSubtask(ctx.maxParallelism, t.vertex.parallelism, t.subtask) : undefined,
        };
      });
      // Chunks of this job's own shared directory that the restored checkpoint uses are there as long as it is
      // retained: later checkpoints refer to them instead of uploading them again.
      const mine = (path: string, size: number): void => this.incremental?.restoredChunk(path, size);
      const uidIndex = new Map(specs.map((spec, i) => [operatorUid(spec), i]));
      const restoreKeyGroup = (uid: string, kg: number, bytes: Uint8Array): void =>
        (t.keyedBackendOf(uidIndex.get(uid) as number, true) as KeyedStateBackend).restoreKeyGroup(kg, bytes);
      restored = await loadRestoredState(meta, ops, t.vertex.parallelism, t.subtask, mine, restoreKeyGroup);
    }
    let inFlight: Array<[string, Uint8Array]> = [];
    for (let i = 0; i < specs.length; i++) {
      const op = t.chain[i] as StreamOperator;
      const r = restored.get(operatorUid(specs[i] as JobVertex['operators'][number]));
      if (i === 0 && r) inFlight = r.channels;
      if (r) {
        if (r.keyGroups.length > 0) {
          const backend = t.keyedBackendOf(i, true) as KeyedStateBackend;
          for (const [g, bytes] of r.keyGroups) backend.restoreKeyGroup(g, bytes);
        }
        // Marks the operator restored (a CheckpointedFunction's isRestored()), with whatever lists it had.
        t.operatorBackendOf(i, true)?.restore(r.operatorState ?? { lists: [], broadcast: [] });
      }
      if (op.snapshotState && op.initializeState) await op.initializeState(r?.items);
    }
    return inFlight;
  }

  /**
   * Takes this task's snapshot for checkpoint `id` (at the barrier, or when a source is triggered), sends the
   * barrier downstream, and writes and acknowledges the snapshot in the background.
   */
  snapshot(id: number, timestamp: number, flags: number, alignmentMs: number, inFlight?: Promise<Array<[string, Uint8Array]> | undefined>): void {
    const t = this.task;
    const reporter = checkpointReporter();
    const started = performance.now();
    // Savepoints are self-contained: always in full, in the checkpoint's own directory.
    const incremental = (flags & 1) === 0 ? this.incremental : undefined;
    let snaps: OperatorSnapshot[];
    try {
      snaps = this.takeSnapshots(id, timestamp, incremental);
    } catch (err) {
      incremental?.fail();
      log.warn(`${t.name} could not take its snapshot for checkpoint ${id}: ${(err as Error).message}`);
      reporter?.decline(t.vertex.index, t.subtask, id, serializeError(err));
      for (const w of t.writers) w?.emitBarrier(id, timestamp, flags);
      return;
    }
    for (const w of t.writers) w?.emitBarrier(id, timestamp, flags);
    const syncMs = performance.now() - started;
    const written = this.writing
      .then(() => this.write(id, snaps, inFlight, incremental))
      .catch((err: unknown) => {
        // Before the next write starts: later change snapshots cannot build on this one.
        incremental?.fail();
        throw err;
      });
    this.writing = written.catch(() => {});
    void written.then(
      (handle) => reporter?.ack(t.vertex.index, t.subtask, id, handle, { syncMs, asyncMs: performance.now() - started - syncMs, alignmentMs }),
      (err: unknown) => {
        log.warn(`${t.name} could not write its snapshot for checkpoint ${id}: ${(err as Error).message}`);
        reporter?.decline(t.vertex.index, t.subtask, id, serializeError(err));
      },
    );
  }

  /** A checkpoint completed everywhere (commit) or was aborted: operators and user functions hear of it. */
  async notify(id: number, complete: boolean): Promise<void> {
    const t = this.task;
    this.incremental?.notify(id, complete);
    if (!complete && this.aligner?.abort(id)) this.release();
    for (let i = 0; i < t.chain.length; i++) {
      const op = t.chain[i] as StreamOperator;
      if (complete) await op.notifyCheckpointComplete?.(id);
      else op.notifyCheckpointAborted?.(id);
      for (const fn of t.chainContexts[i]?.transformation.fns ?? []) {
        const listener = fn as { notifyCheckpointComplete?: (id: number) => unknown; notifyCheckpointAborted?: (id: number) => unknown } | null;
        if (listener === null || typeof listener !== 'object') continue;
        if (complete && typeof listener.notifyCheckpointComplete === 'function') await listener.notifyCheckpointComplete(id);
        if (!complete && typeof listener.notifyCheckpointAborted === 'function') await listener.notifyCheckpointAborted(id);
      }
    }
  }

  private takeSnapshots(id: number, timestamp: number, incremental: IncrementalKeyedState | undefined): OperatorSnapshot[] {
    const t = this.task;
    const out: OperatorSnapshot[] = [];
    for (let i = 0; i < t.chain.length; i++) {
      const op = t.chain[i] as StreamOperator;
      const ctx = t.chainContexts[i] as OperatorContext;
      // Flink's CheckpointedFunction: the user function moves what it keeps into operator state now.
      for (const fn of ctx.transformation.fns) {
        const f = fn as { snapshotState?: (c: unknown) => unknown } | null;
        if (f !== null && typeof f === 'object' && typeof f.snapshotState === 'function') {
          f.snapshotState({ getCheckpointId: () => id, getCheckpointTimestamp: () => timestamp });
        }
      }
      const items = op.snapshotState?.(id, timestamp);
      const keyedBackend = t.keyedBackendOf(i, false);
      const uid = operatorUid(t.vertex.operators[i] as JobVertex['operators'][number]);
      const keyed = keyedBackend?.snapshot(id, incremental ? { changelog: { full: incremental.wantsFull(uid) } } : undefined);
      const os = t.operatorBackendOf(i, false)?.snapshot();
      const encoded: Uint8Array[] = [];
      if (items !== undefined) encoded.push(encodeFrame({ op: uid, items }));
      if (os !== undefined && (os.lists.length > 0 || os.broadcast.length > 0)) encoded.push(encodeFrame({ op: uid, os }));
      out.push({ uid, keyed, epoch: incremental?.currentEpoch() ?? 0, keyGroupRange: keyedBackend ? { ...keyedBackend.keyGroupRange } : undefined, encoded, operatorState: encoded.length > 0 });
    }
    return out;
  }

  private async write(
    id: number,
    snaps: OperatorSnapshot[],
    inFlight: Promise<Array<[string, Uint8Array]> | undefined> | undefined,
    incremental: IncrementalKeyedState | undefined,
  ): Promise<TaskStateHandle> {
    const t = this.task;
    const operators: OperatorSubtaskState[] = [];
    const channels = inFlight === undefined ? [] : await inFlight;
    if (channels === undefined) {
      for (const s of snaps) s.keyed?.release();
      throw new FlinkError('CHECKPOINT_SUPERSEDED', `${t.name} gave up unaligned checkpoint ${id}: a newer one started before all of its barriers arrived.`);
    }
    const head = snaps[0];
    if (head && channels.length > 0) {
      for (const [ch, b] of channels) head.encoded.push(encodeFrame({ op: head.uid, ch, b }));
      head.operatorState = true;
    }
    for (const s of snaps) {
      if (!s.keyed && !s.operatorState) continue;
      operators.push({ uid: s.uid, ...(s.keyGroupRange ? { keyGroupRange: s.keyGroupRange } : {}), operatorState: s.operatorState });
    }
    const use: SharedUse = { used: new Map(), uploaded: 0 };
    async function* frames(): AsyncGenerator<StateFrame | Uint8Array> {
      for (const s of snaps) {
        yield* s.encoded;
        if (!s.keyed) continue;
        if (incremental !== undefined) yield* incremental.frames(s.uid, s.keyed, s.epoch, use);
        else for await (const [kg, b] of s.keyed.keyGroups()) yield { op: s.uid, kg, b };
      }
    }
    try {
      // Operators finish what the barrier started (a sink closes the part files it named) before the acknowledgement.
      for (const op of t.chain) if (op.finishSnapshot) await op.finishSnapshot(id);
      if (operators.length === 0) return { size: 0, operators: [] };
      const file = `op_${t.vertex.index}_${t.subtask}`;
      const size = await writeStateFile(await checkpointDirectory(id), file, frames());
      if (incremental === undefined) return { file, size, operators };
      incremental.written(id, use.used);
      const sharedSize = [...use.used.values()].reduce((a, b) => a + b, 0);
      return { file, size: size + sharedSize, checkpointedSize: size + use.uploaded, operators, shared: [...use.used.keys()] };
    } finally {
      for (const s of snaps) s.keyed?.release();
    }
  }
}
