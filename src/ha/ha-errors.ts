/**
 * Errors of the high-availability services, one class per condition, each with a stable code. Messages a user
 * sees (storage directory, quorum, ACL) are one line that names the configuration key, the value and what to do.
 */
import { FlinkError } from '../util/errors.js';

/** Scripts print these messages as the one line a user sees: causes must not break it up. */
function oneLine(text: string): string {
  return text.replace(/\s*\r?\n\s*/g, ' ').trim();
}

/** `high-availability.storageDir` is unset, has a scheme flink-ts cannot write, or cannot be reached. */
export class HaStorageDirError extends FlinkError {
  constructor(
    readonly url: string | undefined,
    problem: string,
    todo: string,
    cause?: unknown,
  ) {
    const what = url === undefined ? 'high-availability.storageDir is not set' : `high-availability.storageDir ${url}: ${oneLine(problem)}`;
    super('HA_STORAGE_DIR', `${what}. ${todo}`, cause === undefined ? {} : { cause });
  }
}

/** No ZooKeeper server of `high-availability.zookeeper.quorum` answered within the connection timeout. */
export class ZooKeeperUnreachableError extends FlinkError {
  constructor(quorum: string, timeoutMs: number) {
    super(
      'HA_ZOOKEEPER_UNREACHABLE',
      `Could not connect to ZooKeeper at ${quorum} (high-availability.zookeeper.quorum) within ${timeoutMs} ms ` +
        '(high-availability.zookeeper.client.connection-timeout). Check that ZooKeeper runs there and this host can reach ' +
        'it, or correct high-availability.zookeeper.quorum (host:port pairs separated by commas).',
      { recoverable: true },
    );
  }
}

/** The ACL or the credentials for ZooKeeper do not work (creator ACL without credentials, credentials refused). */
export class ZooKeeperAuthError extends FlinkError {
  constructor(message: string) {
    super('HA_ZOOKEEPER_AUTH', message);
  }
}

/**
 * An operation could not reach ZooKeeper: the connection stayed broken through every retry, or the session was
 * lost while it ran (then whether it took effect is unknown). Trying again later may help.
 */
export class ZooKeeperConnectionLostError extends FlinkError {
  constructor(what: string, reason: string) {
    super('HA_ZOOKEEPER_CONNECTION_LOST', `ZooKeeper ${what} failed: ${reason}.`, { recoverable: true });
  }
}

/** ZooKeeper answered an operation with an error (`zkCode` is ZooKeeper's name for it, e.g. NODE_EXISTS). */
export class ZooKeeperOperationError extends FlinkError {
  constructor(
    readonly zkCode: string,
    readonly path: string,
    what: string,
    cause?: unknown,
  ) {
    super('HA_ZOOKEEPER_OPERATION', `ZooKeeper ${what} of ${path} failed: ${zkCode}.`, cause === undefined ? {} : { cause });
  }
}

/** This process does not (or no longer) lead: it must not change the cluster's recovery data. */
export class NotLeaderError extends FlinkError {
  constructor(what: string) {
    super('HA_NOT_LEADER', `${what} was refused: this JobManager is not the leader (any more).`);
  }
}

/** The HA services (or the part used) were closed. */
export class HaServicesClosedError extends FlinkError {
  constructor(what: string) {
    super('HA_CLOSED', `${what}: the high-availability services are closed.`);
  }
}

/** Recovery data that another JobManager still uses (it holds a lock on it) and that must therefore stay. */
export class HaDataLockedError extends FlinkError {
  constructor(what: string) {
    super('HA_DATA_LOCKED', `${what} is still in use by another JobManager (it holds a lock); it is removed once released.`, { recoverable: true });
  }
}

/** A pointer in ZooKeeper or a file in the storage directory that cannot be read back. */
export class HaDataCorruptError extends FlinkError {
  constructor(what: string, cause?: unknown) {
    super('HA_DATA_CORRUPT', `${what} cannot be read back${cause instanceof Error ? `: ${cause.message}` : ''}.`, cause === undefined ? {} : { cause });
  }
}

/** A job result store entry that must exist (or must not) for the operation. */
export class JobResultEntryError extends FlinkError {
  constructor(message: string) {
    super('HA_JOB_RESULT_ENTRY', message);
  }
}
