/**
 * One ZooKeeper session for the HA services, over node-zookeeper-client, with the connection states Curator
 * reports (Flink's HA builds on Curator):
 *
 * - `CONNECTED`: a new session is established (the first one, or a fresh one after LOST). Ephemeral nodes and
 *   watches of an earlier session are gone. (Curator says RECONNECTED after LOST; a separate name tells users of
 *   the session that they must set up their ephemeral nodes again.)
 * - `SUSPENDED`: the connection broke, or ZooKeeper stopped answering; the session may still be alive.
 * - `RECONNECTED`: the connection is back with the same session: ephemeral nodes and watches survived.
 * - `LOST`: the session expired, or ZooKeeper did not answer for 90% of the session timeout. The client then
 *   gives the session up and builds a new one (reported as CONNECTED).
 *
 * What the library lacks and is written here: promises; paths under a namespace (`<path.root><cluster-id>`,
 * created on start); a bounded retry of operations cut off by a broken connection (the library retries with a
 * fixed 1 s base and would retry non-idempotent creates); failing operations when the session is lost (the
 * library keeps requests queued while disconnected and forgets them on close); declaring LOST while ZooKeeper
 * cannot be reached (the library only learns of an expiry once a server answers again, and has no read
 * timeout); a new attempt when a connection stalls (see #kick); and a new session after an expiry (the
 * library's client is done once its session expired).
 */
import zookeeper from 'node-zookeeper-client';
import type { ACL, Client, Event as ZkEvent, Exception as ZkException, Stat, State } from 'node-zookeeper-client';
import { HaServicesClosedError, ZooKeeperAuthError, ZooKeeperConnectionLostError, ZooKeeperOperationError, ZooKeeperUnreachableError } from '../ha-errors.js';
import { codeName, isLibException, isZkCode, toNodeStat, toOperationError, ZooKeeperMultiError, type CreateMode, type NodeStat, type ZooKeeperOp } from './zookeeper-types.js';

export { isZkCode, protectedPrefix, ZooKeeperMultiError, type CreateMode, type NodeStat, type ZooKeeperOp } from './zookeeper-types.js';

export type ConnectionState = 'CONNECTED' | 'SUSPENDED' | 'RECONNECTED' | 'LOST';
export type ConnectionStateListener = (state: ConnectionState) => void;

export interface ZooKeeperClientSettings {
  /** host:port pairs separated by commas (`high-availability.zookeeper.quorum`). */
  readonly quorum: string;
  /** The absolute path every other path is relative to, e.g. `/flink/default`. */
  readonly namespace: string;
  readonly sessionTimeoutMs: number;
  readonly connectionTimeoutMs: number;
  readonly retryWaitMs: number;
  readonly maxRetryAttempts: number;
  readonly acl: 'open' | 'creator';
  /** Credentials presented by every session, e.g. `[{ scheme: 'digest', auth: 'flink:secret' }]`. */
  readonly authorization: readonly { readonly scheme: string; readonly auth: string }[];
}

/** For unit tests: how the library client is made (a fake in tests). */
export interface ZooKeeperClientDeps {
  readonly createClient?: (connectString: string, options: { sessionTimeout: number; spinDelay: number; retries: number }) => Client;
}





const { CONNECTION_LOSS, SESSION_EXPIRED, OPERATION_TIMEOUT } = zookeeper.Exception;

/** Raised inside an operation when its session was given up; turned into a retry or a connection-lost error. */
class SessionGoneSignal extends Error {}

type Callback<T> = (err: Error | ZkException | null, value: T) => void;

export class ZooKeeperClient {
  readonly #s: ZooKeeperClientSettings;
  readonly #createLib: NonNullable<ZooKeeperClientDeps['createClient']>;
  readonly #acl: ACL[];
  readonly #listeners = new Set<ConnectionStateListener>();
  #lib: Client | undefined;
  /** Increases with every library client; events and watches of an older one are ignored. */
  #generation = 0;
  #libConnected = false;
  #state: ConnectionState | 'NEW' | 'CLOSED' = 'NEW';
  #sessionId = '';
  #sessionTimeoutMs: number;
  #lastHeard = 0;
  #lostTimer: NodeJS.Timeout | undefined;
  #heartbeat: NodeJS.Timeout | undefined;
  #heartbeatRunning = false;
  /** While disconnected: makes the library try again when an attempt stalls. */
  #reconnectWatchdog: NodeJS.Timeout | undefined;
  /** Rejects the operations in flight on the current library client when its session is given up. */
  readonly #inFlight = new Set<(err: Error) => void>();
  readonly #connectedWaiters = new Set<() => void>();
  #watchers = new WeakMap<() => void, (event: ZkEvent) => void>();
  #closing: Promise<void> | undefined;

  constructor(settings: ZooKeeperClientSettings, deps: ZooKeeperClientDeps = {}) {
    this.#s = settings;
    this.#createLib = deps.createClient ?? ((cs, o) => zookeeper.createClient(cs, o));
    this.#sessionTimeoutMs = settings.sessionTimeoutMs;
    const id = settings.acl === 'creator' ? new zookeeper.Id('auth', '') : new zookeeper.Id('world', 'anyone');
    this.#acl = [new zookeeper.ACL(zookeeper.Permission.ALL, id)];
  }

  get state(): ConnectionState | 'NEW' | 'CLOSED' {
    return this.#state;
  }

  /** Whether requests reach ZooKeeper now. */
  get connected(): boolean {
    return this.#libConnected && (this.#state === 'CONNECTED' || this.#state === 'RECONNECTED');
  }

  /** The current session's id (hex), '' before the first connection. */
  get sessionId(): string {
    return this.#sessionId;
  }

  /** The session timeout ZooKeeper granted (it clamps the requested one to its limits). */
  get sessionTimeoutMs(): number {
    return this.#sessionTimeoutMs;
  }

  get namespace(): string {
    return this.#s.namespace;
  }

  /** Listens to connection states; returns the function that stops listening. */
  onConnectionStateChange(listener: ConnectionStateListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Connects and creates the namespace (unless `createNamespace` is false: a client that only reads, such as
   * `bin/flink list -z <id>`, must not leave nodes behind for a cluster id that does not exist). Fails with one
   * line naming `high-availability.zookeeper.quorum` when no server answers within the connection timeout;
   * nothing is left running then.
   */
  async start(options: { createNamespace?: boolean } = {}): Promise<void> {
    if (this.#state !== 'NEW') throw new Error(`ZooKeeperClient.start() called in state ${this.#state}`);
    if (this.#s.acl === 'creator' && this.#s.authorization.length === 0) {
      throw new ZooKeeperAuthError(
        'high-availability.zookeeper.client.acl: creator needs credentials: set high-availability.zookeeper.client.authorization ' +
          '(e.g. digest:<user>:<password>), or use high-availability.zookeeper.client.acl: open.',
      );
    }
    try {
      await this.#connectFirst();
      this.#state = 'CONNECTED';
      this.#heartbeat = setInterval(() => void this.#beat(), Math.max(50, Math.floor(this.#sessionTimeoutMs / 3)));
      this.#heartbeat.unref();
      if (options.createNamespace !== false) await this.ensurePath('/');
    } catch (err) {
      await this.close();
      throw err;
    }
  }

  #connectFirst(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const lib = this.#newLib();
      const timer = setTimeout(() => {
        off();
        reject(new ZooKeeperUnreachableError(this.#s.quorum, this.#s.connectionTimeoutMs));
      }, this.#s.connectionTimeoutMs);
      const onState = (state: State): void => {
        if (state === zookeeper.State.SYNC_CONNECTED) {
          off();
          resolve();
        } else if (state === zookeeper.State.AUTH_FAILED) {
          off();
          reject(new ZooKeeperAuthError(`ZooKeeper at ${this.#s.quorum} refused the credentials of high-availability.zookeeper.client.authorization.`));
        }
      };
      const off = (): void => {
        clearTimeout(timer);
        lib.removeListener('state', onState);
      };
      lib.on('state', onState);
      lib.connect();
    });
  }

  #newLib(): Client {
    const generation = ++this.#generation;
    this.#watchers = new WeakMap();
    this.#libConnected = false;
    // retries: 0, since retrying is done here where it is known whether an operation may run twice.
    const lib = this.#createLib(this.#s.quorum, { sessionTimeout: this.#s.sessionTimeoutMs, spinDelay: 200, retries: 0 });
    for (const { scheme, auth } of this.#s.authorization) lib.addAuthInfo(scheme, Buffer.from(auth, 'utf8'));
    lib.on('state', (state: State) => {
      if (generation === this.#generation) this.#onLibState(lib, state);
    });
    this.#lib = lib;
    return lib;
  }

  #onLibState(lib: Client, state: State): void {
    if (this.#state === 'CLOSED') return;
    if (state === zookeeper.State.SYNC_CONNECTED) {
      this.#libConnected = true;
      this.#lastHeard = Date.now();
      this.#sessionTimeoutMs = lib.getSessionTimeout();
      this.#clearLostTimer();
      this.#stopReconnectWatchdog();
      const sessionId = lib.getSessionId().toString('hex');
      const newSession = sessionId !== this.#sessionId;
      this.#sessionId = sessionId;
      for (const wake of [...this.#connectedWaiters]) wake();
      if (this.#state === 'NEW') return;
      if (newSession) this.#setState('CONNECTED');
      else if (this.#state === 'SUSPENDED') this.#setState('RECONNECTED');
    } else if (state === zookeeper.State.DISCONNECTED) {
      this.#libConnected = false;
      if (this.#state === 'CONNECTED' || this.#state === 'RECONNECTED') this.#suspend();
      if (this.#state !== 'NEW') this.#startReconnectWatchdog();
    } else if (state === zookeeper.State.EXPIRED) {
      this.#loseSession('the ZooKeeper session expired');
    } else if (state === zookeeper.State.AUTH_FAILED) {
      this.#loseSession('ZooKeeper refused the credentials of high-availability.zookeeper.client.authorization');
    }
  }

  #setState(state: ConnectionState): void {
    this.#state = state;
    for (const listener of [...this.#listeners]) {
      try {
        listener(state);
      } catch {
        // A listener's failure must not stop the others from hearing about the state.
      }
    }
  }

  #suspend(): void {
    this.#setState('SUSPENDED');
    if (this.#lostTimer !== undefined) return;
    // ZooKeeper expires the session a session timeout after it last heard from this client, which is no earlier
    // than when this client last heard from it. Giving up at 90% of that makes sure this session has stopped
    // acting before any other can take over what it held.
    const deadline = this.#lastHeard + Math.floor(this.#sessionTimeoutMs * 0.9);
    this.#lostTimer = setTimeout(() => {
      this.#lostTimer = undefined;
      this.#loseSession(`no answer from ZooKeeper (${this.#s.quorum}) for ${Date.now() - this.#lastHeard} ms`);
    }, Math.max(0, deadline - Date.now()));
  }

  #startReconnectWatchdog(): void {
    if (this.#reconnectWatchdog !== undefined) return;
    // Long enough for a handshake with a live server, short enough to try several times within a session timeout.
    const attemptMs = Math.min(3_000, Math.max(500, Math.floor(this.#sessionTimeoutMs / 4)));
    this.#reconnectWatchdog = setInterval(() => {
      if (this.#libConnected || this.#state === 'CLOSED') this.#stopReconnectWatchdog();
      else this.#kick();
    }, attemptMs);
    this.#reconnectWatchdog.unref();
  }

  #stopReconnectWatchdog(): void {
    if (this.#reconnectWatchdog !== undefined) clearInterval(this.#reconnectWatchdog);
    this.#reconnectWatchdog = undefined;
  }

  /**
   * Ends the library's current socket so that it connects again (to the next server). The library clears its
   * connect timeout once TCP is up and has no read timeout, so a server that accepts a connection but never
   * answers the handshake (seen while ZooKeeper restarts) would stall it until the session is lost. This reaches
   * into the library (no public API for it): destroying the socket is what its own connect timeout does.
   */
  #kick(): void {
    const manager = (this.#lib as unknown as { connectionManager?: { socket?: { destroy?: () => void } } } | undefined)?.connectionManager;
    try {
      manager?.socket?.destroy?.();
    } catch {
      // A socket that is gone already: the library is trying again anyway.
    }
  }

  #clearLostTimer(): void {
    if (this.#lostTimer !== undefined) clearTimeout(this.#lostTimer);
    this.#lostTimer = undefined;
  }

  /** Gives the session up (LOST), fails what ran on it, and starts a new one (CONNECTED once it is there). */
  #loseSession(reason: string): void {
    if (this.#state === 'CLOSED' || this.#state === 'NEW') return;
    this.#clearLostTimer();
    const old = this.#lib;
    for (const reject of [...this.#inFlight]) reject(new SessionGoneSignal(reason));
    this.#inFlight.clear();
    this.#newLib().connect();
    if (this.#state !== 'LOST') this.#setState('LOST');
    if (old) closeQuietly(old);
  }

  /** Notices a ZooKeeper that stopped answering on a connection that still looks open. */
  async #beat(): Promise<void> {
    if (!this.#libConnected || this.#state === 'CLOSED') return;
    // Checked on every tick, also while a heartbeat hangs unanswered: that is exactly the case to notice.
    const silentMs = Date.now() - this.#lastHeard;
    if (silentMs > (this.#sessionTimeoutMs * 2) / 3 && (this.#state === 'CONNECTED' || this.#state === 'RECONNECTED')) {
      this.#suspend();
      // What the Java client's read timeout does: drop the silent connection so that another server is tried.
      this.#kick();
    }
    if (this.#heartbeatRunning) return;
    this.#heartbeatRunning = true;
    try {
      await this.#once<Stat>('heartbeat', this.#s.namespace, (lib, cb) => lib.exists(this.#s.namespace, cb));
      if (this.#state === 'SUSPENDED' && this.#libConnected) {
        this.#clearLostTimer();
        this.#setState('RECONNECTED');
      }
    } catch {
      // The connection states report what went wrong.
    } finally {
      this.#heartbeatRunning = false;
    }
  }

  /** Stops the session (ephemeral nodes go at once); safe to call twice. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#state = 'CLOSED';
      if (this.#heartbeat) clearInterval(this.#heartbeat);
      this.#clearLostTimer();
      this.#stopReconnectWatchdog();
      for (const reject of [...this.#inFlight]) reject(new HaServicesClosedError('ZooKeeper operation'));
      this.#inFlight.clear();
      for (const wake of [...this.#connectedWaiters]) wake();
      const lib = this.#lib;
      this.#lib = undefined;
      this.#generation++;
      if (!lib) return;
      if (!this.#libConnected) {
        closeQuietly(lib);
        return;
      }
      // Waits (briefly) for ZooKeeper to end the session, so a successor does not find our ephemeral nodes.
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 2_000);
        lib.on('state', (s: State) => {
          if (s === zookeeper.State.DISCONNECTED) {
            clearTimeout(timer);
            resolve();
          }
        });
        closeQuietly(lib);
      });
    })();
    return this.#closing;
  }

  /** The absolute path of a path relative to the namespace. */
  absolute(path: string): string {
    if (!path.startsWith('/')) throw new Error(`ZooKeeper paths start with '/': ${path}`);
    return path === '/' ? this.#s.namespace : `${this.#s.namespace}${path}`;
  }

  // ---- operations (paths relative to the namespace) ----

  /** Creates a node; returns its path (with the sequence number for sequential modes). */
  async create(path: string, data: Buffer, mode: CreateMode, options: { retry?: boolean } = {}): Promise<string> {
    const abs = this.absolute(path);
    const created = await this.#call<string>('create', path, options.retry ?? mode !== 'EPHEMERAL_SEQUENTIAL', (lib, cb) =>
      lib.create(abs, data, this.#acl, zookeeper.CreateMode[mode], cb),
    );
    return created.slice(this.#s.namespace.length) || '/';
  }

  /** Creates the node and its missing parents (persistent, empty); an existing node is fine. */
  async ensurePath(path: string): Promise<void> {
    const abs = this.absolute(path);
    await this.#call<string>('create', path, true, (lib, cb) => lib.mkdirp(abs, this.#acl, cb));
  }

  /** The node's data and stat, or undefined when it does not exist. `watcher` fires once when it changes or goes. */
  async getData(path: string, watcher?: () => void): Promise<{ data: Buffer; stat: NodeStat } | undefined> {
    const abs = this.absolute(path);
    const w = watcher && this.#watch(watcher);
    try {
      const [data, stat] = await this.#call<[Buffer, Stat]>('read', path, true, (lib, cb) => {
        const done = (err: Error | ZkException | null, d: Buffer, s: Stat): void => cb(err, [d, s]);
        if (w) lib.getData(abs, w, done);
        else lib.getData(abs, done);
      });
      return { data: data ?? Buffer.alloc(0), stat: toNodeStat(stat) };
    } catch (err) {
      if (isZkCode(err, 'NO_NODE')) return undefined;
      throw err;
    }
  }

  /** The node's stat, or undefined. `watcher` fires once when the node is created, changed or deleted. */
  async exists(path: string, watcher?: () => void): Promise<NodeStat | undefined> {
    const abs = this.absolute(path);
    const w = watcher && this.#watch(watcher);
    const stat = await this.#call<Stat | undefined>('exists', path, true, (lib, cb) => (w ? lib.exists(abs, w, cb) : lib.exists(abs, cb)));
    return stat ? toNodeStat(stat) : undefined;
  }

  /** The names of the node's children, or undefined when it does not exist. `watcher` fires once on a change. */
  async getChildren(path: string, watcher?: () => void): Promise<string[] | undefined> {
    const abs = this.absolute(path);
    const w = watcher && this.#watch(watcher);
    try {
      return await this.#call<string[]>('list', path, true, (lib, cb) => (w ? lib.getChildren(abs, w, cb) : lib.getChildren(abs, cb)));
    } catch (err) {
      if (isZkCode(err, 'NO_NODE')) return undefined;
      throw err;
    }
  }

  /** Replaces the node's data if its version matches (-1: any). */
  async setData(path: string, data: Buffer, version = -1): Promise<NodeStat> {
    const abs = this.absolute(path);
    // A versioned write may have succeeded before the connection broke: it is not retried blindly.
    return toNodeStat(await this.#call<Stat>('write', path, version === -1, (lib, cb) => lib.setData(abs, data, version, cb)));
  }

  /** Deletes the node if its version matches (-1: any); false when it did not exist. */
  async remove(path: string, version = -1): Promise<boolean> {
    const abs = this.absolute(path);
    try {
      await this.#call<void>('delete', path, true, (lib, cb) => lib.remove(abs, version, (err) => cb(err, undefined)));
      return true;
    } catch (err) {
      if (isZkCode(err, 'NO_NODE')) return false;
      throw err;
    }
  }

  /** Deletes the node and everything below it; nothing to delete is fine. */
  async removeRecursive(path: string): Promise<void> {
    const children = await this.getChildren(path);
    if (children === undefined) return;
    for (const child of children) await this.removeRecursive(path === '/' ? `/${child}` : `${path}/${child}`);
    await this.remove(path);
  }

  /**
   * Runs the operations atomically: all take effect or none. Cut off by a broken connection, it is tried again
   * only with `retry` (like other operations, up to max-retry-attempts): the caller must then take a second try
   * of a multi that did take effect (NODE_EXISTS, BAD_VERSION) for what it is.
   */
  async multi(ops: readonly ZooKeeperOp[], options: { retry?: boolean } = {}): Promise<void> {
    const first = ops[0]?.path ?? '/';
    const results = await this.#call<Array<{ err?: number }>>('multi-operation', first, options.retry ?? false, (lib, cb) => {
      const tx = lib.transaction();
      for (const op of ops) {
        const abs = this.absolute(op.path);
        if (op.type === 'create') tx.create(abs, op.data ?? Buffer.alloc(0), this.#acl, zookeeper.CreateMode[op.mode ?? 'PERSISTENT']);
        else if (op.type === 'check') tx.check(abs, op.version ?? -1);
        else if (op.type === 'setData') tx.setData(abs, op.data, op.version ?? -1);
        else tx.remove(abs, op.version ?? -1);
      }
      // The library turns version 0 into "any version" (`version || -1`); the first update of a new node has
      // version 0, so the versions are set again on its recorded operations.
      const recorded = (tx as unknown as { ops?: Array<{ version?: number }> }).ops;
      ops.forEach((op, i) => {
        const rec = recorded?.[i];
        if (rec && 'version' in op && op.version !== undefined) rec.version = op.version;
      });
      tx.commit((err, res: Array<{ err?: number }>) => {
        if (err && isLibException(err) && err.getCode() !== CONNECTION_LOSS && err.getCode() !== SESSION_EXPIRED) {
          const failed = (res ?? []).findIndex((r) => r.err !== undefined && r.err !== 0 && r.err !== zookeeper.Exception.RUNTIME_INCONSISTENCY);
          const index = failed < 0 ? 0 : failed;
          cb(new ZooKeeperMultiError(codeName(err.getCode()), ops[index]?.path ?? first, index), res);
          return;
        }
        cb(err, res);
      });
    });
    void results;
  }

  // ---- plumbing ----

  #watch(watcher: () => void): (event: ZkEvent) => void {
    let wrapped = this.#watchers.get(watcher);
    if (!wrapped) {
      const generation = this.#generation;
      // One wrapper per watcher and client: the library keeps a watcher once per path only if it is the same function.
      wrapped = () => {
        if (generation === this.#generation && this.#state !== 'CLOSED') watcher();
      };
      this.#watchers.set(watcher, wrapped);
    }
    return wrapped;
  }

  /** Runs an operation; retries those cut off by a broken connection when `retry`, up to max-retry-attempts. */
  async #call<T>(what: string, path: string, retry: boolean, run: (lib: Client, cb: Callback<T>) => void): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      if (this.#state === 'CLOSED' || this.#state === 'NEW') throw new HaServicesClosedError(`ZooKeeper ${what} of ${path}`);
      const last = !retry || attempt >= this.#s.maxRetryAttempts;
      if (!this.#libConnected && !(await this.#waitConnected(this.#s.retryWaitMs))) {
        if (last) throw new ZooKeeperConnectionLostError(`${what} of ${path}`, `no connection to ${this.#s.quorum} after ${attempt + 1} attempt(s)`);
        continue;
      }
      try {
        return await this.#once(what, path, run);
      } catch (err) {
        const gone = err instanceof SessionGoneSignal;
        const cut = gone || (isLibException(err) && [CONNECTION_LOSS, SESSION_EXPIRED, OPERATION_TIMEOUT].includes(err.getCode()));
        if (!cut) throw toOperationError(err, path, what);
        if (isLibException(err) && err.getCode() === SESSION_EXPIRED) this.#loseSession('the ZooKeeper session expired');
        if (last) throw new ZooKeeperConnectionLostError(`${what} of ${path}`, gone ? (err as Error).message : 'the connection to ZooKeeper broke');
      }
    }
  }

  /** One attempt, failed early when its session is given up (the library would leave it waiting). */
  #once<T>(what: string, path: string, run: (lib: Client, cb: Callback<T>) => void): Promise<T> {
    const lib = this.#lib;
    if (!lib) return Promise.reject(new HaServicesClosedError(`ZooKeeper ${what} of ${path}`));
    return new Promise<T>((resolve, reject) => {
      const fail = (err: Error): void => reject(err);
      this.#inFlight.add(fail);
      try {
        run(lib, (err, value) => {
          this.#inFlight.delete(fail);
          if (lib !== this.#lib) return reject(new SessionGoneSignal('the session was replaced'));
          // Any answer, even an error code, shows ZooKeeper is there.
          if (!isLibException(err) || err.getCode() !== CONNECTION_LOSS) this.#lastHeard = Date.now();
          if (err) reject(err);
          else resolve(value);
        });
      } catch (err) {
        // The library checks arguments with assert(): a bad path throws here instead of calling back.
        this.#inFlight.delete(fail);
        reject(err instanceof Error ? new ZooKeeperOperationError('BAD_ARGUMENTS', path, what, err) : err);
      }
    });
  }

  #waitConnected(ms: number): Promise<boolean> {
    if (this.#libConnected) return Promise.resolve(true);
    return new Promise<boolean>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.#connectedWaiters.delete(done);
        resolve(this.#libConnected);
      };
      const timer = setTimeout(done, ms);
      this.#connectedWaiters.add(done);
    });
  }
}

function closeQuietly(lib: Client): void {
  try {
    lib.close();
  } catch {
    // Closing a client whose connection is already gone may throw inside the library; nothing is left to free.
  }
}
