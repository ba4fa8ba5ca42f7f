/** The ZooKeeper HA settings of a configuration, checked without I/O (reachability is checked by start()). */
import { ConfigurationError, HighAvailabilityOptions, JobResultStoreOptions, type Configuration } from '../../config/index.js';
import { checkStorageDirScheme, defaultJobResultStoreDir } from '../storage-dir.js';
import type { ZooKeeperHaSettings } from './zookeeper-ha-services.js';
import { zooKeeperNamespace } from './zookeeper-paths.js';

export function zooKeeperHaSettings(conf: Configuration): ZooKeeperHaSettings {
  const { client, clusterId, tolerateSuspendedConnections } = zooKeeperClientSettings(conf);
  const storageDir = checkStorageDirScheme(conf.getOptional(HighAvailabilityOptions.HA_STORAGE_PATH));
  return {
    client,
    clusterId,
    storageDir,
    tolerateSuspendedConnections,
    jobResultStoreDir: conf.getOptional(JobResultStoreOptions.STORAGE_PATH) ?? defaultJobResultStoreDir(storageDir, clusterId),
    jobResultStoreDeleteOnCommit: conf.get(JobResultStoreOptions.DELETE_ON_COMMIT),
  };
}

/**
 * The part of the settings a client needs to find the leader (bin/flink, the wait of bin/start-cluster.sh): ZooKeeper
 * only, no storage directory (as Flink's client HA services).
 */
export function zooKeeperClientSettings(conf: Configuration): Pick<ZooKeeperHaSettings, 'client' | 'clusterId' | 'tolerateSuspendedConnections'> {
  const quorum = conf.getOptional(HighAvailabilityOptions.HA_ZOOKEEPER_QUORUM)?.trim() ?? '';
  if (quorum === '') {
    throw new ConfigurationError(
      'high-availability: zookeeper needs high-availability.zookeeper.quorum: set it to the ZooKeeper servers as host:port ' +
        'pairs separated by commas, e.g. high-availability.zookeeper.quorum: zk1:2181,zk2:2181,zk3:2181',
      { key: HighAvailabilityOptions.HA_ZOOKEEPER_QUORUM.key },
    );
  }
  const bad = quorum.split(',').find((s) => !/^[^\s:/,]+(:\d{1,5})?(\/\S*)?$/.test(s.trim()));
  if (bad !== undefined) {
    throw new ConfigurationError(
      `high-availability.zookeeper.quorum: '${bad}' is not host:port. Use host:port pairs separated by commas, e.g. zk1:2181,zk2:2181`,
      { key: HighAvailabilityOptions.HA_ZOOKEEPER_QUORUM.key },
    );
  }
  const clusterId = conf.get(HighAvailabilityOptions.HA_CLUSTER_ID);
  return {
    client: {
      quorum,
      namespace: zooKeeperNamespace(conf.get(HighAvailabilityOptions.HA_ZOOKEEPER_ROOT), clusterId),
      sessionTimeoutMs: conf.get(HighAvailabilityOptions.ZOOKEEPER_SESSION_TIMEOUT),
      connectionTimeoutMs: conf.get(HighAvailabilityOptions.ZOOKEEPER_CONNECTION_TIMEOUT),
      retryWaitMs: conf.get(HighAvailabilityOptions.ZOOKEEPER_RETRY_WAIT),
      maxRetryAttempts: conf.get(HighAvailabilityOptions.ZOOKEEPER_MAX_RETRY_ATTEMPTS),
      acl: conf.get(HighAvailabilityOptions.ZOOKEEPER_CLIENT_ACL) as 'open' | 'creator',
      authorization: parseAuthorization(conf.getOptional(HighAvailabilityOptions.ZOOKEEPER_CLIENT_AUTHORIZATION)),
    },
    clusterId,
    tolerateSuspendedConnections: conf.get(HighAvailabilityOptions.ZOOKEEPER_TOLERATE_SUSPENDED_CONNECTIONS),
  };
}

/** `digest:flink:secret,digest:other:pw` -> scheme and auth of each pair (the first colon separates them). */
export function parseAuthorization(text: string | undefined): Array<{ scheme: string; auth: string }> {
  if (text === undefined || text.trim() === '') return [];
  return text.split(',').map((pair) => {
    const trimmed = pair.trim();
    const colon = trimmed.indexOf(':');
    if (colon <= 0 || colon === trimmed.length - 1) {
      // The value is a secret: the message does not repeat it.
      throw new ConfigurationError(
        'high-availability.zookeeper.client.authorization: each entry is scheme:auth, e.g. digest:<user>:<password>; an entry has no scheme or no auth',
        { key: HighAvailabilityOptions.ZOOKEEPER_CLIENT_AUTHORIZATION.key },
      );
    }
    return { scheme: trimmed.slice(0, colon), auth: trimmed.slice(colon + 1) };
  });
}
