/**
 * A job's completed checkpoints as nodes `/jobs/<jobid>/checkpoints/<%019d id>`, each holding flink-ts' JSON pointer
 * to the checkpoint's `_metadata` (Java Flink stores a serialized state handle instead). This process locks every
 * checkpoint it registered or recovered, so another JobManager never removes one this one may restore from.
 */
import { HaDataCorruptError } from '../ha-errors.js';
import type { CompletedCheckpointPointer, CompletedCheckpointStore } from '../recovery-stores.js';
import { isZkCode } from './zookeeper-client.js';
import type { ZooKeeperStateHandleStore } from './zookeeper-state-handle-store.js';

function nameOf(checkpointId: number): string {
  if (!Number.isSafeInteger(checkpointId) || checkpointId < 0) throw new RangeError(`'${checkpointId}' is not a checkpoint id`);
  return String(checkpointId).padStart(19, '0');
}

function decode(name: string, data: Buffer): CompletedCheckpointPointer {
  try {
    const v = JSON.parse(data.toString('utf8')) as Partial<CompletedCheckpointPointer>;
    if (typeof v.checkpointId === 'number' && typeof v.metadataPath === 'string') {
      return { checkpointId: v.checkpointId, metadataPath: v.metadataPath, timestamp: Number(v.timestamp ?? 0) };
    }
  } catch {
    // reported below
  }
  throw new HaDataCorruptError(`The completed checkpoint pointer ${name}`);
}

export class ZooKeeperCompletedCheckpointStore implements CompletedCheckpointStore {
  private constructor(
    private readonly handles: ZooKeeperStateHandleStore,
    readonly maxRetained: number,
  ) {}

  /** Opens the store and locks the checkpoints registered so far (this process may restore from them). */
  static async create(handles: ZooKeeperStateHandleStore, maxRetained: number): Promise<ZooKeeperCompletedCheckpointStore> {
    if (!Number.isInteger(maxRetained) || maxRetained < 1) throw new RangeError(`maxRetained must be at least 1, not ${maxRetained}`);
    const store = new ZooKeeperCompletedCheckpointStore(handles, maxRetained);
    for (const name of await handles.names()) await handles.getAndLock(name);
    return store;
  }

  async addCheckpoint(checkpoint: CompletedCheckpointPointer): Promise<CompletedCheckpointPointer[]> {
    const name = nameOf(checkpoint.checkpointId);
    const data = Buffer.from(
      JSON.stringify({ checkpointId: checkpoint.checkpointId, metadataPath: checkpoint.metadataPath, timestamp: checkpoint.timestamp }),
      'utf8',
    );
    try {
      await this.handles.addAndLock(name, data);
    } catch (err) {
      if (!isZkCode(err, 'NODE_EXISTS')) throw err;
      // The same id again (a retried registration): the newer pointer wins.
      const current = await this.handles.getAndLock(name);
      if (current !== undefined) await this.handles.replace(name, data, current.stat.version);
    }
    const all = await this.getAllCheckpoints();
    const removed: CompletedCheckpointPointer[] = [];
    for (const old of all.slice(0, Math.max(0, all.length - this.maxRetained))) {
      if (await this.handles.releaseAndTryRemove(nameOf(old.checkpointId))) removed.push(old);
    }
    return removed;
  }

  async getLatestCheckpoint(): Promise<CompletedCheckpointPointer | undefined> {
    const names = (await this.handles.names()).sort();
    for (const name of names.reverse()) {
      const node = await this.handles.get(name);
      if (node !== undefined) return decode(name, node.data);
    }
    return undefined;
  }

  async getAllCheckpoints(): Promise<CompletedCheckpointPointer[]> {
    const out: CompletedCheckpointPointer[] = [];
    for (const name of (await this.handles.names()).sort()) {
      const node = await this.handles.get(name);
      if (node !== undefined) out.push(decode(name, node.data));
    }
    return out;
  }

  async shutdown(globallyTerminal: boolean): Promise<CompletedCheckpointPointer[]> {
    const all = await this.getAllCheckpoints();
    const removed: CompletedCheckpointPointer[] = [];
    for (const cp of all) {
      const name = nameOf(cp.checkpointId);
      if (!globallyTerminal) await this.handles.release(name);
      else if (await this.handles.releaseAndTryRemove(name)) removed.push(cp);
    }
    return removed;
  }
}
