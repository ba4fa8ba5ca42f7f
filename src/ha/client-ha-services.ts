/**
 * What a client of a cluster needs of high availability: where the REST leader is. `bin/flink` and the wait of
 * `bin/start-cluster.sh` use it; unlike the full services it needs no storage directory and runs for no election.
 */
import type { LeaderRetrieval } from './high-availability-services.js';

export interface ClientHighAvailabilityServices {
  readonly mode: 'NONE' | 'ZOOKEEPER';
  /** Connects (ZooKeeper); fails with one line naming high-availability.zookeeper.quorum when nothing answers. */
  start(): Promise<void>;
  /** Where the REST endpoint of the leading JobManager is: `http(s)://host:port`. */
  restLeaderRetrieval(): LeaderRetrieval;
  /** Closes the retrievals and the ZooKeeper session; safe to call twice. */
  close(): Promise<void>;
}
