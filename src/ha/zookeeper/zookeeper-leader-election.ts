/**
 * Leader election with one ephemeral-sequential latch node per process under `/leader/latch` (Flink's layout from
 * 1.15 on): the lowest sequence number leads, every other contender watches its predecessor only, so a leader's
 * end wakes one process, not all. Every grant gets a new leader session id (a UUID, the fencing token).
 *
 * Connection states (see ZooKeeperClient): LOST revokes at once; SUSPENDED revokes too unless suspended
 * connections are tolerated; after RECONNECTED with the latch node still first, leadership is granted again (with
 * a new session id) if it was revoked. The latch node's existence also fences this process' writes to the
 * recovery stores (fencePath).
 */
import { randomUUID } from 'node:crypto';
import { getLogger } from '../../util/logger.js';
import { NotLeaderError, ZooKeeperConnectionLostError } from '../ha-errors.js';
import type { LeaderComponent, LeaderContender, LeaderElection } from '../high-availability-services.js';
import { isZkCode, protectedPrefix, ZooKeeperMultiError, type ConnectionState, type ZooKeeperClient, type ZooKeeperOp } from './zookeeper-client.js';
import { LeaderComponents, ZooKeeperPaths } from './zookeeper-paths.js';

const log = getLogger('org.apache.flink.runtime.leaderelection.ZooKeeperLeaderElectionDriver');

export interface ZooKeeperLeaderElectionInit {
  readonly client: ZooKeeperClient;
  readonly tolerateSuspendedConnections: boolean;
  /** Called first by start() (the services connect lazily). */
  readonly ready?: () => Promise<void>;
}

/** The data of a `connection_info` node (our own JSON; Java Flink writes a serialized object instead). */
export interface ConnectionInfo {
  readonly address: string;
  readonly leaderSessionId: string;
}

export function encodeConnectionInfo(info: ConnectionInfo): Buffer {
  return Buffer.from(JSON.stringify({ address: info.address, leaderSessionId: info.leaderSessionId }), 'utf8');
}

export function decodeConnectionInfo(data: Buffer): ConnectionInfo | undefined {
  try {
    const v = JSON.parse(data.toString('utf8')) as Partial<ConnectionInfo>;
    return typeof v.address === 'string' && typeof v.leaderSessionId === 'string' ? { address: v.address, leaderSessionId: v.leaderSessionId } : undefined;
  } catch {
    return undefined;
  }
}

const SEQUENCE = /(\d{10})$/;

function sequenceOf(name: string): number {
  return Number(SEQUENCE.exec(name)?.[1] ?? Number.MAX_SAFE_INTEGER);
}

export class ZooKeeperLeaderElection implements LeaderElection {
  readonly #client: ZooKeeperClient;
  readonly #tolerate: boolean;
  readonly #ready: () => Promise<void>;
  /** Unique per election, so a latch node created before a broken connection is found again, not made twice. */
  readonly #prefix = protectedPrefix();
  #contender: LeaderContender | undefined;
  #latch: { name: string; session: string } | undefined;
  #leaderSessionId: string | undefined;
  /** Whether the contender was told it leads (and not yet told it does not). */
  #granted = false;
  /** Addresses confirmed under the current leader session, published again after a reconnection. */
  readonly #published = new Map<string, string>();
  #queue: Promise<void> = Promise.resolve();
  #unsubscribe: (() => void) | undefined;
  #closed = false;
  #closing: Promise<void> | undefined;
  readonly #onPredecessorChange = (): void => void this.#enqueue(() => this.#check());

  constructor(init: ZooKeeperLeaderElectionInit) {
    this.#client = init.client;
    this.#tolerate = init.tolerateSuspendedConnections;
    this.#ready = init.ready ?? (() => Promise.resolve());
  }

  async start(contender: LeaderContender): Promise<void> {
    if (this.#contender) throw new Error('The leader election was started already.');
    if (this.#closed) throw new Error('The leader election is closed.');
    this.#contender = contender;
    await this.#ready();
    this.#unsubscribe = this.#client.onConnectionStateChange((s) => this.#onConnectionState(s));
    await this.#enqueue(() => this.#check());
  }

  hasLeadership(leaderSessionId: string): boolean {
    return !this.#closed && this.#leaderSessionId !== undefined && this.#leaderSessionId === leaderSessionId;
  }

  /** Whether start() was called and close() was not. */
  get running(): boolean {
    return this.#contender !== undefined && !this.#closed;
  }

  /** Whether this election leads now (under any session id). */
  get isLeader(): boolean {
    return !this.#closed && this.#leaderSessionId !== undefined;
  }

  /**
   * The latch node whose existence proves this process still leads, for fenced writes (a multi-operation with
   * a check of it fails once the session that holds it is gone). Throws NotLeaderError when not leading.
   */
  fencePath(what: string): string {
    const latch = this.#latch;
    if (!this.isLeader || latch === undefined) throw new NotLeaderError(what);
    return `${ZooKeeperPaths.LATCH}/${latch.name}`;
  }

  async confirmLeadership(leaderSessionId: string, address: string, component: LeaderComponent = LeaderComponents.RESOURCE_MANAGER): Promise<void> {
    if (!this.hasLeadership(leaderSessionId)) {
      log.debug(`Ignoring the confirmation of ${component} at ${address}: session ${leaderSessionId} does not lead.`);
      return;
    }
    this.#published.set(component, address);
    try {
      await this.#publish(leaderSessionId, component, address);
    } catch (err) {
      // Published again once the connection is back (#check).
      if (!(err instanceof ZooKeeperConnectionLostError)) throw err;
      log.warn(`Could not publish the address of ${component} yet: ${err.message}`);
    }
  }

  /** Stops publishing a component's address (a job that ended): it is not written again after a reconnection. */
  forget(component: string): void {
    this.#published.delete(component);
  }

  /** Writes connection_info only while still leading: the write is fenced by the latch node. */
  async #publish(leaderSessionId: string, component: string, address: string): Promise<void> {
    const path = ZooKeeperPaths.connectionInfo(component);
    const data = encodeConnectionInfo({ address, leaderSessionId });
    await this.#client.ensurePath(ZooKeeperPaths.leader(component));
    for (let attempt = 0; attempt < 10; attempt++) {
      if (!this.hasLeadership(leaderSessionId)) return;
      const fence = this.fencePath(`Publishing the address of ${component}`);
      const current = await this.#client.getData(path);
      if (current && current.stat.ephemeralOwner === this.#client.sessionId && current.data.equals(data)) return;
      const ops: ZooKeeperOp[] = [{ type: 'check', path: fence }];
      if (current && current.stat.ephemeralOwner === this.#client.sessionId) {
        ops.push({ type: 'setData', path, data, version: current.stat.version });
      } else {
        // A node of another (older) session: a former leader's, which is stale now that this process leads.
        if (current) ops.push({ type: 'remove', path, version: current.stat.version });
        ops.push({ type: 'create', path, data, mode: 'EPHEMERAL' });
      }
      try {
        await this.#client.multi(ops);
        return;
      } catch (err) {
        if (err instanceof ZooKeeperMultiError && err.failedOp === 0) return; // the latch is gone: not leading
        if (isZkCode(err, 'NODE_EXISTS') || isZkCode(err, 'NO_NODE') || isZkCode(err, 'BAD_VERSION')) continue;
        throw err;
      }
    }
  }

  #onConnectionState(state: ConnectionState): void {
    if (this.#closed) return;
    if (state === 'LOST' || (state === 'SUSPENDED' && !this.#tolerate)) {
      if (this.#leaderSessionId !== undefined) log.warn(`Revoking leadership: the ZooKeeper connection is ${state.toLowerCase()}.`);
      // At once, not when the queue gets to it: a deposed leader must stop acting (hasLeadership, fencePath).
      this.#leaderSessionId = undefined;
      if (state === 'LOST') this.#latch = undefined;
      void this.#enqueue(() => this.#revoke());
    } else if (state === 'CONNECTED' || state === 'RECONNECTED') {
      void this.#enqueue(() => this.#check());
    }
  }

  #enqueue(task: () => Promise<void>): Promise<void> {
    const next = this.#queue.then(task).catch((err: unknown) => {
      if (!this.#closed) log.warn(`Leader election step failed; it is retried on the next connection change: ${(err as Error).message}`);
    });
    this.#queue = next;
    return next;
  }

  /** Makes sure this process has a latch node, and leads if it is the lowest, or watches its predecessor. */
  async #check(): Promise<void> {
    for (let round = 0; round < 20; round++) {
      if (this.#closed || !this.#client.connected) return;
      if (this.#latch === undefined || this.#latch.session !== this.#client.sessionId) {
        this.#leaderSessionId = undefined;
        if (this.#granted) await this.#revoke();
        this.#latch = await this.#createLatch();
      }
      const latch = this.#latch;
      const children = ((await this.#client.getChildren(ZooKeeperPaths.LATCH)) ?? []).filter((c) => SEQUENCE.test(c));
      children.sort((a, b) => sequenceOf(a) - sequenceOf(b));
      const index = children.indexOf(latch.name);
      if (index < 0) {
        // Our node is gone (removed by hand, or its session ended): run again with a new one.
        this.#latch = undefined;
        continue;
      }
      if (index === 0) {
        if (this.#leaderSessionId === undefined || !this.#granted) await this.#grant();
        else await this.#republish();
        // The leader watches its own node: removed by hand (or by anything else), it stops leading at once.
        if (await this.#client.exists(`${ZooKeeperPaths.LATCH}/${latch.name}`, this.#onPredecessorChange)) return;
        continue;
      }
      if (this.#granted || this.#leaderSessionId !== undefined) {
        this.#leaderSessionId = undefined;
        await this.#revoke();
      }
      const predecessor = children[index - 1] as string;
      if (await this.#client.exists(`${ZooKeeperPaths.LATCH}/${predecessor}`, this.#onPredecessorChange)) return;
    }
  }

  async #createLatch(): Promise<{ name: string; session: string }> {
    await this.#client.ensurePath(ZooKeeperPaths.LATCH);
    const session = this.#client.sessionId;
    // A creation whose answer was lost may have taken effect: adopt a node of this session with our prefix.
    for (const child of (await this.#client.getChildren(ZooKeeperPaths.LATCH)) ?? []) {
      if (!child.startsWith(this.#prefix)) continue;
      const stat = await this.#client.exists(`${ZooKeeperPaths.LATCH}/${child}`);
      if (stat?.ephemeralOwner === session) return { name: child, session };
    }
    const path = await this.#client.create(`${ZooKeeperPaths.LATCH}/${this.#prefix}latch-`, Buffer.alloc(0), 'EPHEMERAL_SEQUENTIAL');
    return { name: path.slice(path.lastIndexOf('/') + 1), session };
  }

  async #grant(): Promise<void> {
    const contender = this.#contender;
    if (!contender || this.#closed) return;
    if (this.#granted) await this.#revoke();
    const id = randomUUID();
    this.#leaderSessionId = id;
    this.#published.clear();
    this.#granted = true;
    log.info(`This process leads now with leader session id ${id} (latch ${this.#latch?.name ?? '?'}).`);
    try {
      await contender.grantLeadership(id);
    } catch (err) {
      log.warn(`The contender failed to take leadership ${id}.`, err);
    }
  }

  async #revoke(): Promise<void> {
    if (!this.#granted) return;
    this.#granted = false;
    this.#leaderSessionId = undefined;
    const components = [...this.#published.keys()];
    this.#published.clear();
    try {
      await this.#contender?.revokeLeadership();
    } catch (err) {
      log.warn('The contender failed to give up leadership.', err);
    }
    for (const component of components) await this.#unpublish(component).catch(() => undefined);
  }

  /** After a reconnection: what this leader published must still be there (a write may have been cut off). */
  async #republish(): Promise<void> {
    const id = this.#leaderSessionId;
    if (id === undefined) return;
    for (const [component, address] of this.#published) await this.#publish(id, component, address);
  }

  /** Removes a connection_info node only if this session wrote it. */
  async #unpublish(component: string): Promise<void> {
    if (!this.#client.connected) return;
    const path = ZooKeeperPaths.connectionInfo(component);
    const stat = await this.#client.exists(path);
    if (stat && stat.ephemeralOwner === this.#client.sessionId) await this.#client.remove(path, stat.version);
  }

  /** Revokes leadership if held and removes the latch node; safe to call twice. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#closed = true;
      this.#unsubscribe?.();
      this.#leaderSessionId = undefined;
      await this.#queue;
      // #revoke needs the election open to remove the published nodes; closed stops new grants.
      await this.#revoke();
      const latch = this.#latch;
      this.#latch = undefined;
      if (latch && latch.session === this.#client.sessionId && this.#client.connected) {
        await this.#client.remove(`${ZooKeeperPaths.LATCH}/${latch.name}`).catch(() => false);
      }
    })();
    return this.#closing;
  }
}
