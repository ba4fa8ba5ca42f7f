/**
 * A job's checkpoint id counter in `/jobs/<jobid>/checkpoint_id_counter`: the next id as decimal text (Java Flink
 * stores 4 bytes), changed only with a compare-and-set on the node's version, fenced like every leader write.
 */
import { HaDataCorruptError } from '../ha-errors.js';
import type { CheckpointIdCounter } from '../recovery-stores.js';
import { isZkCode, type ZooKeeperClient } from './zookeeper-client.js';
import { ZooKeeperPaths } from './zookeeper-paths.js';
import type { ZooKeeperStateHandleStore } from './zookeeper-state-handle-store.js';

export class ZooKeeperCheckpointIdCounter implements CheckpointIdCounter {
  readonly #path: string;

  private constructor(
    private readonly client: ZooKeeperClient,
    /** Used for its fenced writes only. */
    private readonly fenced: Pick<ZooKeeperStateHandleStore, 'fencedMulti'>,
    readonly jobId: string,
  ) {
    this.#path = ZooKeeperPaths.checkpointIdCounter(jobId);
  }

  /** Opens the counter, creating it at 1 if it does not exist. */
  static async create(client: ZooKeeperClient, fenced: Pick<ZooKeeperStateHandleStore, 'fencedMulti'>, jobId: string): Promise<ZooKeeperCheckpointIdCounter> {
    const counter = new ZooKeeperCheckpointIdCounter(client, fenced, jobId);
    await client.ensurePath(ZooKeeperPaths.job(jobId));
    if ((await client.exists(counter.#path)) === undefined) {
      try {
        await fenced.fencedMulti(`Creating the checkpoint id counter of job ${jobId}`, [{ type: 'create', path: counter.#path, data: Buffer.from('1') }]);
      } catch (err) {
        if (!isZkCode(err, 'NODE_EXISTS')) throw err;
      }
    }
    return counter;
  }

  async #read(): Promise<{ value: number; version: number }> {
    const node = await this.client.getData(this.#path);
    const value = node === undefined ? NaN : Number(node.data.toString('utf8'));
    if (node === undefined || !Number.isSafeInteger(value) || value < 1) {
      throw new HaDataCorruptError(`The checkpoint id counter of job ${this.jobId} (${node === undefined ? 'missing' : JSON.stringify(node.data.toString('utf8'))})`);
    }
    return { value, version: node.stat.version };
  }

  /** Compare-and-set loop: another writer in between makes it read and try again. */
  async #update(what: string, next: (current: number) => number): Promise<number> {
    for (;;) {
      const { value, version } = await this.#read();
      try {
        await this.fenced.fencedMulti(what, [{ type: 'setData', path: this.#path, data: Buffer.from(String(next(value))), version }]);
        return value;
      } catch (err) {
        if (!isZkCode(err, 'BAD_VERSION')) throw err;
      }
    }
  }

  async getAndIncrement(): Promise<number> {
    return this.#update(`Counting up the checkpoint ids of job ${this.jobId}`, (v) => v + 1);
  }

  async get(): Promise<number> {
    return (await this.#read()).value;
  }

  async setCount(nextId: number): Promise<void> {
    if (!Number.isSafeInteger(nextId) || nextId < 1) throw new RangeError(`A checkpoint id is a whole number of at least 1, not ${nextId}`);
    await this.#update(`Setting the checkpoint id counter of job ${this.jobId}`, () => nextId);
  }

  async shutdown(globallyTerminal: boolean): Promise<void> {
    if (!globallyTerminal) return;
    try {
      await this.fenced.fencedMulti(`Removing the checkpoint id counter of job ${this.jobId}`, [{ type: 'remove', path: this.#path }]);
    } catch (err) {
      if (!isZkCode(err, 'NO_NODE')) throw err;
    }
  }
}
