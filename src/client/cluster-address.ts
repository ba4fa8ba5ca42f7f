/**
 * Where `bin/flink` finds the cluster's REST endpoint, in this order: `-m host:port`; `-D rest.address=...` on the
 * command line; with `high-availability: zookeeper`, the REST address the leading JobManager published in
 * ZooKeeper (`/leader/rest_server/connection_info` under `<path.root><cluster-id>`; `-z` sets the cluster id);
 * else rest.address/rest.port of the configuration. Through ZooKeeper, the client's reads follow the leader when it
 * changes (an attached `bin/flink run` keeps waiting for its job across a JobManager failover).
 *
 * ```ts
 * const client = await clusterRestClient(conf, { jobManagerOverride: '-m value or undefined', restAddressGiven: false });
 * ```
 */
import { HighAvailabilityOptions, RestOptions, restSslClientOptions, type Configuration } from '../config/index.js';
import { awaitLeader, createClientHaServices, type ClientHighAvailabilityServices } from '../ha/index.js';
import { FlinkError } from '../util/errors.js';
import { restClientFor, RestClient } from './rest-client.js';
import { restFetch } from './rest-transport.js';

export interface ClusterAddressOptions {
  /** `-m host:port` (the endpoint named directly). */
  readonly jobManagerOverride?: string | undefined;
  /** The command line set rest.address (`-D rest.address=...`): that endpoint is meant, not the leader's. */
  readonly restAddressGiven?: boolean | undefined;
  /** How long to wait for a leader once ZooKeeper answers; high-availability.zookeeper.client.connection-timeout unless given. */
  readonly leaderTimeoutMs?: number | undefined;
}

/** With high-availability: zookeeper, no JobManager has published its REST address for this cluster id. */
export class NoRestLeaderError extends FlinkError {
  constructor(lookup: string, timeoutMs: number) {
    super(
      'NO_LEADER',
      `No leading JobManager was found in ${lookup} within ${timeoutMs} ms. Is the cluster running? Start it with ` +
        'bin/start-cluster.sh; check that high-availability.zookeeper.quorum, high-availability.zookeeper.path.root and ' +
        "high-availability.cluster-id (or -z) are the cluster's; or point -m at the JobManager's REST address.",
      { recoverable: true },
    );
  }
}

/** `ZooKeeper zk1:2181 (high-availability.zookeeper.quorum), cluster-id /one (high-availability.cluster-id)`. */
export function describeLeaderLookup(conf: Configuration): string {
  const quorum = conf.getOptional(HighAvailabilityOptions.HA_ZOOKEEPER_QUORUM) ?? '';
  return `ZooKeeper ${quorum} (high-availability.zookeeper.quorum), cluster-id ${conf.get(HighAvailabilityOptions.HA_CLUSTER_ID)} (high-availability.cluster-id)`;
}

/** Whether the configuration's cluster is found through ZooKeeper, given what the command line named. */
export function findsLeaderInZooKeeper(conf: Configuration, o: ClusterAddressOptions = {}): boolean {
  return o.jobManagerOverride === undefined && o.restAddressGiven !== true && conf.get(HighAvailabilityOptions.HA_MODE) === 'ZOOKEEPER';
}

/**
 * The REST base URL of the leading JobManager (`http(s)://host:port`), read once from ZooKeeper. Fails with one
 * line naming the quorum and the cluster id when ZooKeeper does not answer or names no leader in time.
 */
export async function restLeaderUrl(conf: Configuration, timeoutMs?: number): Promise<string> {
  const wait = timeoutMs ?? conf.get(HighAvailabilityOptions.ZOOKEEPER_CONNECTION_TIMEOUT);
  const ha: ClientHighAvailabilityServices = createClientHaServices(conf);
  try {
    // Connecting has its own timeout and message (no ZooKeeper server answers); the wait for a leader starts after.
    await ha.start();
    const leader = await awaitLeader(ha.restLeaderRetrieval(), wait);
    if (leader === undefined) throw new NoRestLeaderError(describeLeaderLookup(conf), wait);
    return leader.address;
  } finally {
    await ha.close();
  }
}

/** The REST client of the cluster the command line and the configuration name (see the module doc for the order). */
export async function clusterRestClient(conf: Configuration, o: ClusterAddressOptions = {}): Promise<RestClient> {
  if (!findsLeaderInZooKeeper(conf, o)) return restClientFor(conf, o.jobManagerOverride);
  const baseUrl = await restLeaderUrl(conf, o.leaderTimeoutMs);
  return new RestClient({
    baseUrl,
    timeoutMs: conf.get(RestOptions.CONNECTION_TIMEOUT),
    describeAddressSource: `the leader named by ${describeLeaderLookup(conf)}`,
    fetch: restFetch(restSslClientOptions(conf)),
    // Reads follow the leader through a failover, as long as Flink's client retries (20 × 3 s by default).
    leader: {
      relocate: () => restLeaderUrl(conf, o.leaderTimeoutMs),
      budgetMs: conf.get(RestOptions.RETRY_MAX_ATTEMPTS) * conf.get(RestOptions.RETRY_DELAY),
    },
  });
}
