/**
 * Which resource manager a TaskExecutor belongs to. It follows the leader retrieval and runs the registration
 * attempts: it waits while no leader is known, backs off while the leader does not accept, tries again at once
 * when another leader is named, and gives up after taskmanager.registration.timeout with a message that says
 * where it looked. A registration belongs to the leader session it was made with; when another leader (another
 * address or another session id) is named, `onLeaderReplaced` tells the TaskExecutor to drop it.
 */
import type { LeaderInformation, LeaderRetrieval } from '../ha/index.js';
import { FlinkError } from '../util/errors.js';
import { getLogger } from '../util/logger.js';

// The TaskExecutor's logger: these lines were always its own, and scripts and users grep for them.
const log = getLogger('org.apache.flink.runtime.taskexecutor.TaskExecutor');

export interface LeaderRegistrationOptions {
  readonly retrieval: LeaderRetrieval;
  /**
   * Where the leader is looked up, for messages, e.g. `ZooKeeper zk1:2181 (high-availability.zookeeper.quorum),
   * cluster-id /one`. Unset: the retrieval names a configured address (HA NONE).
   */
  readonly leaderLookup?: string | undefined;
  readonly registrationTimeoutMs: number;
  /** The leader of the current registration was replaced by `next`: the TaskExecutor drops that registration. */
  readonly onLeaderReplaced: (previous: LeaderInformation, next: LeaderInformation) => void;
}

/** One try at registering: resolves with what the TaskExecutor keeps (its connection), or rejects. */
export type RegistrationAttempt<T> = (leader: LeaderInformation, address: { host: string; port: number }) => Promise<T>;

export class LeaderRegistration {
  readonly #o: LeaderRegistrationOptions;
  /** The leader the retrieval names now (undefined: none known). */
  #leader: LeaderInformation | undefined;
  /** The leader session of the current registration. */
  #registeredWith: LeaderInformation | undefined;
  /** Wakes a waiting registration loop: the leader changed, or this closes. */
  #wake: (() => void) | undefined;
  #closed = false;

  constructor(o: LeaderRegistrationOptions) {
    this.#o = o;
  }

  start(): Promise<void> {
    return this.#o.retrieval.start((leader) => this.#onLeader(leader));
  }

  /** The current registration ended (its connection closed or was dropped). */
  lost(): void {
    this.#registeredWith = undefined;
  }

  /**
   * "No leader known" leaves a registration alone: the JobManager may well still lead (a ZooKeeper outage it
   * tolerates), and the heartbeat notices one that is gone.
   */
  #onLeader(leader: LeaderInformation | undefined): void {
    if (this.#closed) return;
    this.#leader = leader;
    this.#wake?.();
    const current = this.#registeredWith;
    if (leader === undefined || current === undefined || sameLeader(leader, current)) return;
    this.#registeredWith = undefined;
    log.info(
      `The JobManager leader changed from ${current.address} (session ${current.leaderSessionId}) to ${leader.address} ` +
        `(session ${leader.leaderSessionId}); registering at the new leader.`,
    );
    this.#o.onLeaderReplaced(current, leader);
  }

  /** Resolves after `ms`, or earlier when the leader changes or this closes. */
  #untilLeaderChange(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        if (this.#wake === wake) this.#wake = undefined;
        resolve();
      };
      const timer = setTimeout(wake, Math.max(0, ms));
      this.#wake = wake;
    });
  }

  /**
   * Runs `attempt` against the named leader until one succeeds while that leader is still the one named, then
   * hands its result to `accept` (in the same turn, so no leader change falls in between) and resolves. A result
   * for a leader replaced meanwhile goes to `discard`. Resolves without accepting anything when closed; rejects
   * with REGISTRATION_TIMEOUT after taskmanager.registration.timeout.
   */
  async register<T>(attempt: RegistrationAttempt<T>, accept: (value: T, leader: LeaderInformation) => void, discard: (value: T) => void): Promise<void> {
    const deadline = Date.now() + this.#o.registrationTimeoutMs;
    let delay = 100;
    let lastErr: unknown;
    let tries = 0;
    let target: LeaderInformation | undefined;
    let waitingSaid = false;
    while (!this.#closed && Date.now() < deadline) {
      const leader = this.#leader;
      if (leader === undefined) {
        if (!waitingSaid && this.#o.leaderLookup !== undefined) log.info(`No JobManager leader known yet; waiting for one in ${this.#o.leaderLookup}.`);
        waitingSaid = true;
        await this.#untilLeaderChange(deadline - Date.now());
        continue;
      }
      if (target === undefined || !sameLeader(leader, target)) {
        // A new leader gets a fresh start: quick first tries, and its first failure is said.
        target = leader;
        delay = 100;
        tries = 0;
      }
      tries++;
      try {
        const value = await attempt(leader, parseJobManagerAddress(leader.address));
        const now = this.#leader;
        if (this.#closed || now === undefined || !sameLeader(now, leader)) {
          // Another leader was named while this one answered: that one is where the TaskManager belongs.
          discard(value);
          continue;
        }
        this.#registeredWith = leader;
        accept(value, leader);
        return;
      } catch (err) {
        lastErr = err;
        if (tries === 1 || tries % 20 === 0) {
          log.info(`Could not register at the resource manager ${leader.address} (${(err as Error).message}); retrying.`);
        }
        await this.#untilLeaderChange(Math.min(delay, deadline - Date.now()));
        delay = Math.min(delay * 2, 2000);
      }
    }
    if (this.#closed) return;
    throw this.#timeout(target, lastErr);
  }

  #timeout(target: LeaderInformation | undefined, lastErr: unknown): FlinkError {
    const within = `within ${this.#o.registrationTimeoutMs} ms (taskmanager.registration.timeout)`;
    const lookup = this.#o.leaderLookup;
    if (lookup === undefined) {
      return new FlinkError(
        'REGISTRATION_TIMEOUT',
        `Could not register at the JobManager ${target?.address ?? 'address'} ${within}. Check jobmanager.rpc.address/jobmanager.rpc.port and that the JobManager runs.`,
        { cause: lastErr },
      );
    }
    if (target === undefined) {
      return new FlinkError(
        'REGISTRATION_TIMEOUT',
        `No JobManager leader was found in ${lookup} ${within}. Check that a JobManager runs with the same ` +
          'high-availability.zookeeper.quorum, high-availability.zookeeper.path.root and high-availability.cluster-id as this TaskManager.',
      );
    }
    return new FlinkError(
      'REGISTRATION_TIMEOUT',
      `Could not register at the JobManager leader ${target.address} (found in ${lookup}) ${within}. ` +
        `Check that the JobManager runs and that this host can reach ${target.address}.`,
      { cause: lastErr },
    );
  }

  /** Stops following the leader and ends a waiting registration loop; safe to call twice. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#wake?.();
    await this.#o.retrieval.close();
  }
}

function sameLeader(a: LeaderInformation, b: LeaderInformation): boolean {
  return a.address === b.address && a.leaderSessionId === b.leaderSessionId;
}

/** `host:port` (also `[v6]:port`) of a resource manager, as leaders publish it. */
export function parseJobManagerAddress(address: string): { host: string; port: number } {
  const colon = address.lastIndexOf(':');
  const host = colon > 0 ? address.slice(0, colon).replace(/^\[(.*)\]$/, '$1') : '';
  const port = colon > 0 ? Number(address.slice(colon + 1)) : NaN;
  if (host === '' || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new FlinkError('BAD_LEADER_ADDRESS', `The JobManager leader's address '${address}' is not host:port.`);
  }
  return { host, port };
}
