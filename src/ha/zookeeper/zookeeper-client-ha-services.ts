/**
 * `high-availability: zookeeper` for clients: one ZooKeeper session, opened on the first retrieval's start, that
 * follows the leader's `connection_info` nodes. No storage directory, no election, no locks.
 */
import { getLogger } from '../../util/logger.js';
import type { ClientHighAvailabilityServices } from '../client-ha-services.js';
import { HaServicesClosedError } from '../ha-errors.js';
import type { LeaderRetrieval } from '../high-availability-services.js';
import { ZooKeeperClient, type ZooKeeperClientDeps } from './zookeeper-client.js';
import type { ZooKeeperHaSettings } from './zookeeper-ha-services.js';
import { ZooKeeperLeaderRetrieval } from './zookeeper-leader-retrieval.js';
import { LeaderComponents } from './zookeeper-paths.js';

const log = getLogger('org.apache.flink.runtime.highavailability.zookeeper.ZooKeeperClientHAServices');

export type ZooKeeperClientHaSettings = Pick<ZooKeeperHaSettings, 'client' | 'clusterId' | 'tolerateSuspendedConnections'>;

export class ZooKeeperClientHaServices implements ClientHighAvailabilityServices {
  readonly mode = 'ZOOKEEPER' as const;
  readonly client: ZooKeeperClient;
  readonly #s: ZooKeeperClientHaSettings;
  readonly #retrievals = new Set<ZooKeeperLeaderRetrieval>();
  #starting: Promise<void> | undefined;
  #closing: Promise<void> | undefined;

  constructor(settings: ZooKeeperClientHaSettings, deps: ZooKeeperClientDeps = {}) {
    this.#s = settings;
    this.client = new ZooKeeperClient(settings.client, deps);
  }

  /** Connects; fails with one line naming high-availability.zookeeper.quorum when no server answers in time. */
  start(): Promise<void> {
    if (this.#closing) return Promise.reject(new HaServicesClosedError('Starting the client HA services'));
    // Reading the leader's address creates nothing: a mistyped cluster id leaves no empty nodes in ZooKeeper.
    this.#starting ??= this.client.start({ createNamespace: false }).then(() => {
      log.debug(`Connected to ZooKeeper ${this.#s.client.quorum} (namespace ${this.client.namespace}).`);
    });
    return this.#starting;
  }

  restLeaderRetrieval(): LeaderRetrieval {
    const retrieval = new ZooKeeperLeaderRetrieval({
      client: this.client,
      component: LeaderComponents.REST_SERVER,
      tolerateSuspendedConnections: this.#s.tolerateSuspendedConnections,
      ready: () => this.start(),
    });
    this.#retrievals.add(retrieval);
    return retrieval;
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      for (const r of this.#retrievals) {
        try {
          await r.close();
        } catch (err) {
          log.warn('Error while closing a leader retrieval.', err);
        }
      }
      await this.client.close().catch((err: unknown) => log.warn('Error while closing the ZooKeeper session.', err));
    })();
    return this.#closing;
  }
}
