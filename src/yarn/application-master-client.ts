/**
 * ApplicationMasterProtocol: what an ApplicationMaster says to the ResourceManager's scheduler port
 * (`yarn.resourcemanager.scheduler.address`, 8030 by default): register, allocate (which is also the heartbeat
 * that keeps the attempt alive: call it well within `yarn.am.liveness-monitor.expiry-interval-ms`), finish.
 *
 * ```ts
 * const am = await ApplicationMasterClient.fromTokenFile({ host: '127.0.0.1', port: 8030 });
 * await am.registerApplicationMaster({ host, rpcPort, trackingUrl });
 * let res = await am.allocate({ responseId: 0, ask: [{ priority: { priority: 1 }, resourceName: '*', capability: { memory: 1024, virtualCores: 1 }, numContainers: 2 }] });
 * // ... allocate again with res.responseId every second or so; start res.allocatedContainers with a NodeManagerClient(am.nmTokens)
 * await am.finishApplicationMaster({ finalApplicationStatus: 'APP_SUCCEEDED', diagnostics: 'done' });
 * await am.close();
 * ```
 *
 * Calls are not retried here (the caller's heartbeat loop decides); a connection that broke is replaced by a new
 * one on the next call, authenticated with the newest AMRMToken.
 */
import { IpcConnection, type IpcTimeouts } from './ipc/ipc-connection.js';
import { IpcConnectionClosedError } from './ipc/ipc-errors.js';
import { NMTokenCache } from './nm-token-cache.js';
import type {
  AllocateRequest,
  AllocateResponse,
  FinishApplicationMasterRequest,
  FinishApplicationMasterResponse,
  HadoopToken,
  RegisterApplicationMasterRequest,
  RegisterApplicationMasterResponse,
} from './records.js';
import { amRmTokenOf, readTokenFile, TOKEN_FILE_ENV } from './token-file.js';
import { UnregisterTimeoutError } from './yarn-errors.js';

export const APPLICATION_MASTER_PROTOCOL = 'org.apache.hadoop.yarn.api.ApplicationMasterProtocolPB';

export interface ApplicationMasterClientInit {
  /** The ResourceManager's scheduler address. */
  host: string;
  port: number;
  /** This attempt's AMRMToken (from the container's token file: see fromTokenFile). */
  amRmToken: HadoopToken;
  ipc?: Partial<IpcTimeouts>;
}

export interface FinishOptions {
  /** How long to keep asking until the RM confirms the unregistration (default 30 s). */
  timeoutMs?: number;
  /** Between repeated finish calls (default 100 ms, as Hadoop's own AMRMClient). */
  retryIntervalMs?: number;
}

const T = 'flinkts.yarn.';

export class ApplicationMasterClient {
  /** NMTokens received so far, for {@link NodeManagerClient}. */
  readonly nmTokens = new NMTokenCache();
  private token: HadoopToken;
  private connection: Promise<IpcConnection> | undefined;
  private closed = false;

  constructor(private readonly init: ApplicationMasterClientInit) {
    this.token = init.amRmToken;
  }

  /** A client with the AMRMToken of `$HADOOP_TOKEN_FILE_LOCATION` (or `tokenFile`). */
  static async fromTokenFile(address: { host: string; port: number }, options: { tokenFile?: string; ipc?: Partial<IpcTimeouts> } = {}): Promise<ApplicationMasterClient> {
    const path = options.tokenFile ?? process.env[TOKEN_FILE_ENV];
    const creds = await readTokenFile(path);
    return new ApplicationMasterClient({ ...address, amRmToken: amRmTokenOf(creds, path ?? `$${TOKEN_FILE_ENV}`), ...(options.ipc ? { ipc: options.ipc } : {}) });
  }

  /** The AMRMToken new connections use: the latest an allocate response carried. */
  get amRmToken(): HadoopToken {
    return this.token;
  }

  async registerApplicationMaster(request: RegisterApplicationMasterRequest): Promise<RegisterApplicationMasterResponse> {
    const res = await this.call<RegisterApplicationMasterResponse>('registerApplicationMaster', 'RegisterApplicationMasterRequest', request);
    this.nmTokens.update(res.nmTokensFromPreviousAttempts);
    return res;
  }

  /**
   * One heartbeat. Asks replace earlier asks of the same priority and resource name (numContainers is the total
   * still wanted). Keeps the NMTokens and a renewed AMRMToken the response carries.
   */
  async allocate(request: AllocateRequest): Promise<AllocateResponse> {
    const res = await this.call<AllocateResponse>('allocate', 'AllocateRequest', request);
    this.nmTokens.update(res.nmTokens);
    if (res.amRmToken) this.token = res.amRmToken;
    return res;
  }

  /**
   * Unregisters with the final status. The RM answers "not yet" until it has stored the final state; this asks
   * again until it confirms, or fails with UnregisterTimeoutError.
   */
  async finishApplicationMaster(request: FinishApplicationMasterRequest, options: FinishOptions = {}): Promise<FinishApplicationMasterResponse> {
    const timeoutMs = options.timeoutMs ?? 30_000;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const res = await this.call<FinishApplicationMasterResponse>('finishApplicationMaster', 'FinishApplicationMasterRequest', request);
      if (res.isUnregistered === true) return res;
      if (Date.now() >= deadline) throw new UnregisterTimeoutError(timeoutMs);
      await new Promise((r) => setTimeout(r, options.retryIntervalMs ?? 100));
    }
  }

  /** Closes the connection; idempotent. */
  async close(): Promise<void> {
    this.closed = true;
    const conn = this.connection;
    this.connection = undefined;
    if (conn) await conn.then((c) => c.close(), () => undefined);
  }

  private async call<Res>(method: string, type: string, request: object): Promise<Res> {
    const conn = await this.connect();
    return conn.call<Res>(method, `${T}${type}`, request, `${T}${type.replace(/Request$/, 'Response')}`);
  }

  private async connect(): Promise<IpcConnection> {
    for (;;) {
      if (this.closed) throw new IpcConnectionClosedError({ address: `${this.init.host}:${this.init.port}`, protocol: APPLICATION_MASTER_PROTOCOL });
      const current = this.connection;
      if (current) {
        const conn = await current.catch(() => undefined);
        if (conn?.isOpen) return conn;
        // Another call may have replaced it while this one waited: use that one.
        if (this.connection !== current) continue;
      }
      const opening = IpcConnection.open({ host: this.init.host, port: this.init.port, protocol: APPLICATION_MASTER_PROTOCOL, token: this.token, ...this.init.ipc });
      this.connection = opening;
      return opening;
    }
  }
}
