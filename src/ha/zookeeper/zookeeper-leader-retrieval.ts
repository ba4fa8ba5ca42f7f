/**
 * Follows a component's `/leader/<component>/connection_info` node: the listener hears the leader's address and
 * session id whenever they change, and undefined while there is none. A lost session (or, unless tolerated, a
 * suspended connection) means "leader unknown" until the node can be read again.
 */
import { getLogger } from '../../util/logger.js';
import type { LeaderInformation, LeaderRetrieval } from '../high-availability-services.js';
import type { ConnectionState, ZooKeeperClient } from './zookeeper-client.js';
import { decodeConnectionInfo } from './zookeeper-leader-election.js';
import { ZooKeeperPaths } from './zookeeper-paths.js';

const log = getLogger('org.apache.flink.runtime.leaderretrieval.ZooKeeperLeaderRetrievalDriver');

export interface ZooKeeperLeaderRetrievalInit {
  readonly client: ZooKeeperClient;
  /** `dispatcher`, `resource_manager`, `rest_server` or a job id. */
  readonly component: string;
  readonly tolerateSuspendedConnections: boolean;
  readonly ready?: () => Promise<void>;
}

export class ZooKeeperLeaderRetrieval implements LeaderRetrieval {
  readonly #client: ZooKeeperClient;
  readonly #path: string;
  readonly #tolerate: boolean;
  readonly #ready: () => Promise<void>;
  #listener: ((leader: LeaderInformation | undefined) => void) | undefined;
  /** What the listener heard last ('' before the first call), so it hears each change once. */
  #last: string | undefined = '';
  #queue: Promise<void> = Promise.resolve();
  #unsubscribe: (() => void) | undefined;
  #closed = false;
  readonly #onChange = (): void => void this.#enqueue(() => this.#read());

  constructor(init: ZooKeeperLeaderRetrievalInit) {
    this.#client = init.client;
    this.#path = ZooKeeperPaths.connectionInfo(init.component);
    this.#tolerate = init.tolerateSuspendedConnections;
    this.#ready = init.ready ?? (() => Promise.resolve());
  }

  async start(listener: (leader: LeaderInformation | undefined) => void): Promise<void> {
    if (this.#listener) throw new Error('The leader retrieval was started already.');
    this.#listener = listener;
    await this.#ready();
    this.#unsubscribe = this.#client.onConnectionStateChange((s) => this.#onConnectionState(s));
    await this.#enqueue(() => this.#read());
  }

  #onConnectionState(state: ConnectionState): void {
    if (state === 'LOST' || (state === 'SUSPENDED' && !this.#tolerate)) this.#notify(undefined);
    else if (state === 'CONNECTED' || state === 'RECONNECTED') void this.#enqueue(() => this.#read());
  }

  #enqueue(task: () => Promise<void>): Promise<void> {
    const next = this.#queue.then(task).catch((err: unknown) => {
      if (!this.#closed) log.debug(`Reading ${this.#path} failed; read again on the next connection change: ${(err as Error).message}`);
    });
    this.#queue = next;
    return next;
  }

  async #read(): Promise<void> {
    // Twice at most: a node created between the failed read and the watch on its creation is read at once.
    for (let round = 0; round < 2; round++) {
      if (this.#closed || !this.#client.connected) return;
      const node = await this.#client.getData(this.#path, this.#onChange);
      if (node) {
        this.#notify(decodeConnectionInfo(node.data));
        return;
      }
      this.#notify(undefined);
      // getData leaves no watch on a missing node; exists does, and tells whether it appeared meanwhile.
      if (!(await this.#client.exists(this.#path, this.#onChange))) return;
    }
  }

  #notify(leader: LeaderInformation | undefined): void {
    const key = leader === undefined ? undefined : `${leader.leaderSessionId}@${leader.address}`;
    if (this.#closed || key === this.#last) return;
    this.#last = key;
    try {
      this.#listener?.(leader === undefined ? undefined : { ...leader });
    } catch (err) {
      log.warn(`A leader listener of ${this.#path} failed.`, err);
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#unsubscribe?.();
    await this.#queue;
  }
}
