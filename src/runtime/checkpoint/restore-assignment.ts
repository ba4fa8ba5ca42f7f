/**
 * Which part of a checkpoint a new subtask gets back, at the same or at another parallelism (Flink's
 * StateAssignmentOperation): keyed state by key group (each subtask reads the key groups of its range from
 * whichever old subtasks wrote them); operator list state split evenly over the new subtasks, or given back
 * unchanged at the same parallelism; union lists in full to every subtask; broadcast state as subtask 0 wrote it.
 */
import { childPath } from '../../fs/index.js';
import type { CheckpointMetadata } from './types.js';
import { resolveKeyGroupChain, splitEvenly, type KeyGroupRange, type OperatorStateSnapshot } from '../state/index.js';
import { FlinkError } from '../../util/errors.js';
import { forEachFrame, type StateFrame } from './task-state-file.js';
import { readChunk, refFile } from './shared-chunks.js';

export interface OperatorRestore {
  /** Key groups of this subtask's range that have state, with their canonical bytes. */
  keyGroups: Array<[number, Uint8Array]>;
  /** The operator's own list items for this subtask (undefined: it wrote none). */
  items: unknown[] | undefined;
  operatorState: OperatorStateSnapshot | undefined;
  /** In-flight buffers per input channel key, from an unaligned checkpoint (same parallelism only). */
  channels: Array<[string, Uint8Array]>;
}

export interface OperatorToRestore {
  uid: string;
  name: string;
  maxParallelism: number;
  /** This subtask's key groups (keyed operators only). */
  keyGroupRange: KeyGroupRange | undefined;
}

/** Reads this subtask's share of the state of each operator; operators the checkpoint does not know are left out. */
export async function loadRestoredState(
  meta: CheckpointMetadata,
  ops: OperatorToRestore[],
  parallelism: number,
  subtask: number,
  onChunk?: (path: string, size: number) => void,
  /**
   * Keyed state as it is read (a key group's bytes, or one chunk of them), so large state never has to be in
   * memory at once; without it, key groups are returned in `keyGroups`.
   */
  onKeyGroup?: (uid: string, keyGroup: number, bytes: Uint8Array) => void,
): Promise<Map<string, OperatorRestore>> {
  const wanted = new Map<string, { op: OperatorToRestore; old: CheckpointMetadata['operators'][number] }>();
  const files = new Set<string>();
  for (const op of ops) {
    const old = meta.operators.find((o) => o.uid === op.uid);
    if (!old) continue;
    const keyed = old.subtasks.some((s) => s.keyGroupRange !== undefined);
    if (keyed && op.keyGroupRange && old.maxParallelism !== op.maxParallelism) {
      throw new FlinkError(
        'MAX_PARALLELISM_CHANGED',
        `Operator ${op.name} (uid ${op.uid}) has max parallelism ${op.maxParallelism}, but its keyed state in checkpoint ${meta.checkpointId} was written with ` +
          `${old.maxParallelism}: keyed state can only be restored with the same max parallelism. Set it with setMaxParallelism(${old.maxParallelism}) ` +
          'or pipeline.max-parallelism.',
      );
    }
    wanted.set(op.uid, { op, old });
    for (const s of old.subtasks) {
      if (!s.file) continue;
      const r = s.keyGroupRange;
      const overlaps = r !== undefined && op.keyGroupRange !== undefined && r.start <= op.keyGroupRange.end && r.end >= op.keyGroupRange.start;
      if (overlaps || s.operatorState) files.add(s.file);
    }
  }
  const frames: Array<{ file: string; frame: StateFrame }> = [];
  for (const file of files) {
    await forEachFrame(childPath(meta.directory, file), async (f) => {
      const w = wanted.get(f.op);
      if (!w) return;
      if ('kg' in f) {
        const r = w.op.keyGroupRange;
        if (r === undefined || f.kg < r.start || f.kg > r.end) return;
        if (onKeyGroup === undefined) {
          frames.push({ file, frame: f });
          return;
        }
        if ('b' in f) onKeyGroup(f.op, f.kg, f.b);
        else await readRefs(f.refs, onChunk, (bytes) => onKeyGroup(f.op, f.kg, bytes));
        return;
      }
      frames.push({ file, frame: f });
    });
  }
  const out = new Map<string, OperatorRestore>();
  for (const [uid, { old }] of wanted) {
    const subtaskOf = new Map(old.subtasks.filter((s) => s.file).map((s) => [s.file as string, s.subtask]));
    const mine = frames.filter((f) => f.frame.op === uid).map((f) => ({ from: subtaskOf.get(f.file) ?? 0, frame: f.frame }));
    mine.sort((a, b) => a.from - b.from);
    const same = old.parallelism === parallelism;
    const keyGroups: Array<[number, Uint8Array]> = [];
    const itemParts: unknown[][] = [];
    const ownItems: unknown[] = [];
    let hasItems = false;
    const states: Array<{ from: number; os: OperatorStateSnapshot }> = [];
    const channels: Array<[string, Uint8Array]> = [];
    for (const { from, frame } of mine) {
      if ('ch' in frame) {
        if (!same) {
          throw new FlinkError(
            'UNALIGNED_RESCALE',
            `Checkpoint ${meta.checkpointId} is unaligned: it holds in-flight data of ${old.name} (uid ${uid}), which can only be restored at the ` +
              `parallelism it was taken at (${old.parallelism}, not ${parallelism}). Restore it at ${old.parallelism}, or take a savepoint (always aligned) and rescale from that.`,
          );
        }
        if (from === subtask) channels.push([frame.ch, frame.b]);
      } else if ('refs' in frame) {
        await readRefs(frame.refs, onChunk, (bytes) => keyGroups.push([frame.kg, bytes]));
      } else if ('kg' in frame) keyGroups.push([frame.kg, frame.b]);
      else if ('items' in frame) {
        hasItems = true;
        itemParts.push(frame.items);
        if (from === subtask) ownItems.push(...frame.items);
      } else states.push({ from, os: frame.os });
    }
    keyGroups.sort((a, b) => a[0] - b[0]);
    const items = !hasItems ? undefined : same ? ownItems : splitEvenly(itemParts.flat(), parallelism, subtask);
    out.set(uid, { keyGroups, items, operatorState: states.length > 0 ? redistribute(states, same, parallelism, subtask) : undefined, channels });
  }
  return out;
}

/**
 * A key group's canonical bytes from its shared files: the chunks of a full copy one at a time (each is canonical
 * on its own), or, when the chain has changes after its full copy, the whole chain resolved into one.
 */
async function readRefs(refs: string[], onChunk: ((path: string, size: number) => void) | undefined, deliver: (bytes: Uint8Array) => void): Promise<void> {
  const chain = refs.some((r) => refFile(r) !== r);
  const parts: Uint8Array[] = [];
  for (const ref of refs) {
    const bytes = await readChunk(ref);
    onChunk?.(refFile(ref), bytes.byteLength);
    if (chain) parts.push(bytes);
    else deliver(bytes);
  }
  if (chain) deliver(resolveKeyGroupChain(parts));
}

function redistribute(states: Array<{ from: number; os: OperatorStateSnapshot }>, same: boolean, parallelism: number, subtask: number): OperatorStateSnapshot {
  const lists = new Map<string, { union: boolean; parts: Array<{ from: number; items: unknown[] }> }>();
  const broadcast = new Map<string, Array<[unknown, unknown]>>();
  for (const { from, os } of states) {
    for (const l of os.lists) {
      let e = lists.get(l.name);
      if (!e) lists.set(l.name, (e = { union: l.union, parts: [] }));
      e.parts.push({ from, items: l.items });
    }
    // Every subtask wrote the same broadcast state; the first one's copy is the one restored.
    for (const b of os.broadcast) if (!broadcast.has(b.name)) broadcast.set(b.name, b.entries);
  }
  return {
    lists: [...lists].map(([name, { union, parts }]) => {
      const all = parts.flatMap((p) => p.items);
      const items = union ? all : same ? parts.filter((p) => p.from === subtask).flatMap((p) => p.items) : splitEvenly(all, parallelism, subtask);
      return { name, union, items };
    }),
    broadcast: [...broadcast].map(([name, entries]) => ({ name, entries })),
  };
}
