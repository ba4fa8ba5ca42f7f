/**
 * Pointer nodes with locks (Flink's ZooKeeperStateHandleStore): each node `<root>/<name>` holds a small pointer
 * (JSON), and each process using it holds an ephemeral lock `<root>/<name>/locks/<lockId>`. A node is removed only
 * when no lock is left, in one atomic operation, so no JobManager deletes what another still uses; the locks of a
 * dead process go with its session.
 *
 * Writes are fenced: `fence` names the latch node of the current leader, and a write is one multi-operation that
 * first checks it still exists, so a deposed leader cannot change what its successor uses.
 */
import { NotLeaderError } from '../ha-errors.js';
import { isZkCode, ZooKeeperMultiError, type NodeStat, type ZooKeeperClient, type ZooKeeperOp } from './zookeeper-client.js';

/** The node proving this process leads (checked by every write), undefined for unfenced writes; throws NotLeaderError. */
export type WriteFence = (what: string) => string | undefined;

export class ZooKeeperStateHandleStore {
  constructor(
    private readonly client: ZooKeeperClient,
    readonly root: string,
    /** This process' lock name (one per HA services instance). */
    private readonly lockId: string,
    private readonly fence: WriteFence,
  ) {}

  node(name: string): string {
    if (!/^[A-Za-z0-9_.-]+$/.test(name)) throw new RangeError(`'${name}' is not a node name (letters, digits, '-', '_', '.')`);
    return `${this.root}/${name}`;
  }

  #locks(name: string): string {
    return `${this.node(name)}/locks`;
  }

  #lock(name: string): string {
    return `${this.#locks(name)}/${this.lockId}`;
  }

  /** Creates the node with its lock; throws ZooKeeperOperationError NODE_EXISTS when it exists. */
  async addAndLock(name: string, data: Buffer): Promise<void> {
    await this.client.ensurePath(this.root);
    await this.#fenced(`Adding ${this.node(name)}`, [
      { type: 'create', path: this.node(name), data },
      { type: 'create', path: this.#locks(name) },
      { type: 'create', path: this.#lock(name), mode: 'EPHEMERAL' },
    ]);
  }

  /** Replaces the node's data if it still has `version`. */
  async replace(name: string, data: Buffer, version: number): Promise<void> {
    await this.#fenced(`Replacing ${this.node(name)}`, [{ type: 'setData', path: this.node(name), data, version }]);
  }

  /** The node's data and stat without locking it, or undefined. */
  async get(name: string): Promise<{ data: Buffer; stat: NodeStat } | undefined> {
    return this.client.getData(this.node(name));
  }

  /** The node's data, locked for this process; undefined when the node does not exist. */
  async getAndLock(name: string): Promise<{ data: Buffer; stat: NodeStat } | undefined> {
    const node = await this.get(name);
    if (node === undefined) return undefined;
    for (const [path, mode] of [
      [this.#locks(name), 'PERSISTENT'],
      [this.#lock(name), 'EPHEMERAL'],
    ] as const) {
      try {
        await this.client.create(path, Buffer.alloc(0), mode);
      } catch (err) {
        if (isZkCode(err, 'NO_NODE')) return undefined; // removed meanwhile
        if (!isZkCode(err, 'NODE_EXISTS')) throw err;
      }
    }
    return node;
  }

  /** The names of all nodes (unsorted). */
  async names(): Promise<string[]> {
    return (await this.client.getChildren(this.root)) ?? [];
  }

  /** Whether this process holds the node's lock. */
  async isLockedByMe(name: string): Promise<boolean> {
    return (await this.client.exists(this.#lock(name))) !== undefined;
  }

  /** Drops this process' lock; the node stays. */
  async release(name: string): Promise<void> {
    await this.client.remove(this.#lock(name));
  }

  /**
   * Drops this process' lock and removes the node unless another process holds a lock on it. True when the node
   * is gone (also when it was gone already).
   */
  async releaseAndTryRemove(name: string): Promise<boolean> {
    await this.release(name);
    for (let attempt = 0; attempt < 5; attempt++) {
      const locks = await this.client.getChildren(this.#locks(name));
      if (locks !== undefined && locks.length > 0) return false;
      const ops: ZooKeeperOp[] = locks === undefined ? [] : [{ type: 'remove', path: this.#locks(name) }];
      ops.push({ type: 'remove', path: this.node(name) });
      try {
        await this.#fenced(`Removing ${this.node(name)}`, ops);
        return true;
      } catch (err) {
        // NOT_EMPTY: a lock appeared meanwhile (it stays); NO_NODE: gone or its `locks` changed, look again.
        if (isZkCode(err, 'NOT_EMPTY')) return false;
        if (!isZkCode(err, 'NO_NODE')) throw err;
        if ((await this.client.exists(this.node(name))) === undefined) return true;
      }
    }
    return false;
  }

  /** Runs the operations after a check of the leader's latch node (if fenced). */
  async #fenced(what: string, ops: ZooKeeperOp[]): Promise<void> {
    const fence = this.fence(what);
    const all: ZooKeeperOp[] = fence === undefined ? ops : [{ type: 'check', path: fence }, ...ops];
    try {
      // Tried again after a brief disconnection (a ZooKeeper restart must not fail a checkpoint): a second try of
      // one that took effect fails with NODE_EXISTS or BAD_VERSION, which every caller handles (the checkpoint
      // store replaces the pointer, the counter reads and sets again); the fence still holds either way.
      await this.client.multi(all, { retry: true });
    } catch (err) {
      if (fence !== undefined && err instanceof ZooKeeperMultiError && err.failedOp === 0) throw new NotLeaderError(what);
      throw err;
    }
  }

  /** A multi-operation guarded like the store's own writes (for other nodes of the same job). */
  async fencedMulti(what: string, ops: ZooKeeperOp[]): Promise<void> {
    await this.#fenced(what, ops);
  }
}
