/**
 * One Hadoop IPC v9 client connection (node:net) for one protocol: the connection header, SASL (TOKEN over
 * DIGEST-MD5, as every YARN server demands of an ApplicationMaster even on an insecure cluster), the connection
 * context, then calls that may overlap, matched to replies by call id.
 *
 * ```ts
 * const conn = await IpcConnection.open({ host, port, protocol: 'org.apache.hadoop.yarn.api.ApplicationMasterProtocolPB', token });
 * const res = await conn.call<AllocateResponse>('allocate', 'flinkts.yarn.AllocateRequest', req, 'flinkts.yarn.AllocateResponse');
 * await conn.close();
 * ```
 *
 * A reply with status ERROR fails only its call ({@link IpcRemoteError}); FATAL fails every waiting call and
 * closes the connection (authentication failures as {@link IpcAuthenticationError}). Every wait is bounded: the
 * connect and handshake by `connectTimeoutMs`, each call by `callTimeoutMs`. Idle connections send Hadoop's ping
 * frame, as Hadoop's own client does, so that a server's idle scan does not drop an AM between heartbeats.
 * Reconnecting is the caller's business (the typed clients open a new connection when this one is closed).
 */
import { connect, type Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import type { HadoopToken } from '../records.js';
import { DigestMd5Client, DigestMd5Error } from './digest-md5.js';
import {
  AUTH_PROTOCOL_SASL,
  CallIds,
  FrameDecoder,
  connectionHeader,
  decodePayload,
  parseResponseFrame,
  requestFrame,
  type ResponseFrame,
} from './ipc-frames.js';
import { encodeDelimited } from './proto-codec.js';
import {
  IpcAuthenticationError,
  IpcConnectError,
  IpcConnectionClosedError,
  IpcConnectionLostError,
  IpcFatalError,
  IpcProtocolError,
  IpcRemoteError,
  IpcTimeoutError,
  type IpcPeer,
} from './ipc-errors.js';

export interface IpcTimeouts {
  /** TCP connect plus the SASL handshake. */
  connectTimeoutMs: number;
  /** Each call, from sending to its reply. */
  callTimeoutMs: number;
  /** Send a ping after this long without writing; 0 turns pings off. */
  pingIntervalMs: number;
}

export const DEFAULT_IPC_TIMEOUTS: IpcTimeouts = { connectTimeoutMs: 20_000, callTimeoutMs: 60_000, pingIntervalMs: 30_000 };

export interface IpcConnectionInit extends Partial<IpcTimeouts> {
  host: string;
  port: number;
  /** The protocol interface name, e.g. org.apache.hadoop.yarn.api.ApplicationMasterProtocolPB. */
  protocol: string;
  /** Authenticate with this token over SASL DIGEST-MD5. Without one, only a server that allows SIMPLE accepts the connection. */
  token?: HadoopToken;
  /** The user claimed with SIMPLE authentication (ignored with a token, which names the user itself). */
  user?: string;
}

export interface CallOptions {
  timeoutMs?: number;
}

interface PendingCall {
  method: string;
  responseType: string;
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

const SASL_TYPE = 'flinkts.hadoop.ipc.RpcSasl';

interface SaslMessage {
  state: 'SUCCESS' | 'NEGOTIATE' | 'INITIATE' | 'CHALLENGE' | 'RESPONSE' | 'WRAP';
  token?: Uint8Array;
  auths: { method: string; mechanism: string; protocol?: string; serverId?: string; challenge?: Uint8Array }[];
}

/** During the handshake frames go here instead of to calls. */
interface Handshake {
  onFrame(frame: ResponseFrame): void;
  fail(err: Error): void;
}

export class IpcConnection {
  readonly peer: IpcPeer;
  private readonly timeouts: IpcTimeouts;
  private readonly clientId = randomBytes(16);
  private readonly decoder = new FrameDecoder();
  private readonly pending = new Map<number, PendingCall>();
  private socket: Socket | undefined;
  private handshake: Handshake | undefined;
  private nextCallId = 0;
  private lastWrite = Date.now();
  private pingTimer: NodeJS.Timeout | undefined;
  /** Why the connection is no longer usable; set once. */
  private failure: Error | undefined;
  private closePromise: Promise<void> | undefined;
  /** The SASL response with the token's digest has been sent (a close after that means: refused). */
  private credentialsSent = false;

  private constructor(private readonly init: IpcConnectionInit) {
    this.peer = { address: `${init.host}:${init.port}`, protocol: init.protocol };
    this.timeouts = {
      connectTimeoutMs: init.connectTimeoutMs ?? DEFAULT_IPC_TIMEOUTS.connectTimeoutMs,
      callTimeoutMs: init.callTimeoutMs ?? DEFAULT_IPC_TIMEOUTS.callTimeoutMs,
      pingIntervalMs: init.pingIntervalMs ?? DEFAULT_IPC_TIMEOUTS.pingIntervalMs,
    };
  }

  /** Connects, authenticates and sends the connection context; fails with a typed error, never hangs. */
  static async open(init: IpcConnectionInit): Promise<IpcConnection> {
    const conn = new IpcConnection(init);
    try {
      await conn.start();
    } catch (err) {
      await conn.close();
      throw err;
    }
    return conn;
  }

  /** False once the connection failed or was closed; a new one must then be opened. */
  get isOpen(): boolean {
    return this.failure === undefined && this.closePromise === undefined;
  }

  /** Calls `method` with `request` (plain data for `requestType`) and decodes the reply as `responseType`. */
  call<Res>(method: string, requestType: string, request: object, responseType: string, options: CallOptions = {}): Promise<Res> {
    if (this.closePromise) return Promise.reject(new IpcConnectionClosedError(this.peer));
    if (this.failure) return Promise.reject(this.failure);
    const callId = this.nextCallId;
    this.nextCallId = this.nextCallId === 0x7fffffff ? 0 : this.nextCallId + 1;
    let frame: Buffer;
    try {
      frame = requestFrame(
        { callId, clientId: this.clientId, retryCount: 0 },
        encodeDelimited('flinkts.hadoop.ipc.RequestHeader', { methodName: method, declaringClassProtocolName: this.init.protocol, clientProtocolVersion: 1 }),
        encodeDelimited(requestType, request),
      );
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    const timeoutMs = options.timeoutMs ?? this.timeouts.callTimeoutMs;
    return new Promise<Res>((resolve, reject) => {
      const timer = setTimeout(() => {
        // The reply may still come; it then finds no pending call and is dropped.
        this.pending.delete(callId);
        reject(new IpcTimeoutError(this.peer, `${method} (call ${callId})`, timeoutMs));
      }, timeoutMs);
      this.pending.set(callId, { method, responseType, resolve: resolve as (v: unknown) => void, reject, timer });
      this.write(frame);
    });
  }

  /** Ends the connection; waiting calls fail with IpcConnectionClosedError. Safe to call more than once. */
  close(): Promise<void> {
    this.closePromise ??= this.shutdown(new IpcConnectionClosedError(this.peer));
    return this.closePromise;
  }

  // --- connection setup --------------------------------------------------------------------------------------

  private async start(): Promise<void> {
    const { connectTimeoutMs } = this.timeouts;
    let deadline: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      deadline = setTimeout(() => reject(new IpcTimeoutError(this.peer, 'Connecting and authenticating', connectTimeoutMs)), connectTimeoutMs);
    });
    try {
      await Promise.race([this.connectSocket(), timedOut]);
      const socket = this.socket as Socket;
      // Always SASL, even without a token: the server's answer to NEGOTIATE says whether it allows SIMPLE, where
      // with auth protocol "none" a refusing server's FATAL races our next write and is often lost to EPIPE.
      socket.write(connectionHeader(AUTH_PROTOCOL_SASL));
      await Promise.race([this.saslHandshake(this.init.token), timedOut]);
      this.sendConnectionContext();
      this.startPings();
    } finally {
      clearTimeout(deadline);
    }
  }

  private connectSocket(): Promise<void> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: this.init.host, port: this.init.port });
      this.socket = socket;
      socket.setNoDelay(true);
      const onError = (err: Error): void => reject(new IpcConnectError(this.peer, err.message, err));
      socket.once('error', onError);
      socket.once('connect', () => {
        socket.off('error', onError);
        // A write into a connection the server just closed fails (EPIPE) before the server's last frame, often a
        // FATAL saying why, has been read: the error waits for 'close', by which time that frame was handled.
        let socketError: Error | undefined;
        socket.on('error', (err) => (socketError ??= err));
        socket.on('close', () => this.fail(this.lostError(socketError)));
        socket.on('data', (chunk: Buffer) => this.onData(chunk));
        resolve();
      });
    });
  }

  private saslHandshake(token: HadoopToken | undefined): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let digest: DigestMd5Client | undefined;
      const finish = (err?: Error): void => {
        this.handshake = undefined;
        if (err) reject(err);
        else resolve();
      };
      const sendSasl = (message: object): void => {
        this.write(requestFrame({ callId: CallIds.SASL, clientId: new Uint8Array(0), retryCount: -1 }, encodeDelimited(SASL_TYPE, message)));
      };
      this.handshake = {
        fail: (err) => finish(err),
        onFrame: ({ header, rest }) => {
          if (header.status !== 'SUCCESS') return finish(this.errorOf(header, 'SASL'));
          if (header.callId !== CallIds.SASL) return finish(new IpcProtocolError(this.peer, `a reply to call ${header.callId} during authentication`));
          let sasl: SaslMessage;
          try {
            sasl = decodePayload<SaslMessage>(SASL_TYPE, rest);
            switch (sasl.state) {
              case 'NEGOTIATE': {
                const auth = sasl.auths.find((a) => a.method === 'TOKEN' && a.mechanism === 'DIGEST-MD5');
                if (!auth || !token) {
                  // A server that allows SIMPLE says so here; then no SASL follows.
                  if (sasl.auths.some((a) => a.method === 'SIMPLE')) return finish();
                  const offered = sasl.auths.map((a) => `${a.method}/${a.mechanism}`).join(', ') || 'nothing';
                  const why = token ? 'this client authenticates with TOKEN/DIGEST-MD5 only' : 'this connection has no token (SIMPLE authentication is not enabled there)';
                  return finish(new IpcAuthenticationError(this.peer, undefined, `the server accepts only ${offered}; ${why}`));
                }
                digest = new DigestMd5Client({
                  username: Buffer.from(token.identifier).toString('base64'),
                  password: Buffer.from(token.password).toString('base64'),
                  protocol: auth.protocol ?? '',
                  serverId: auth.serverId ?? '',
                });
                const chosen = { method: auth.method, mechanism: auth.mechanism, protocol: auth.protocol ?? '', serverId: auth.serverId ?? '' };
                const response = auth.challenge ? digest.respond(auth.challenge) : undefined;
                sendSasl({ state: 'INITIATE', auths: [chosen], ...(response ? { token: response } : {}) });
                this.credentialsSent = response !== undefined;
                return;
              }
              case 'CHALLENGE':
                if (!digest || !sasl.token) return finish(new IpcProtocolError(this.peer, 'a SASL challenge before negotiation'));
                sendSasl({ state: 'RESPONSE', token: digest.respond(sasl.token) });
                this.credentialsSent = true;
                return;
              case 'SUCCESS':
                // Straight after our NEGOTIATE this means: SIMPLE is enabled, no SASL needed.
                if (!digest) return finish();
                if (sasl.token && sasl.token.length > 0) digest.verifyFinal(sasl.token);
                return finish();
              default:
                return finish(new IpcProtocolError(this.peer, `unexpected SASL state ${sasl.state}`));
            }
          } catch (err) {
            if (err instanceof DigestMd5Error) return finish(new IpcAuthenticationError(this.peer, undefined, err.message));
            return finish(new IpcProtocolError(this.peer, `unreadable SASL message: ${(err as Error).message}`, err));
          }
        },
      };
      sendSasl({ state: 'NEGOTIATE' });
    });
  }

  private sendConnectionContext(): void {
    // With a token the token names the user: Hadoop wants no user info then (an effectiveUser would be refused).
    const userInfo = this.init.token ? {} : { effectiveUser: this.init.user ?? process.env['HADOOP_USER_NAME'] ?? process.env['USER'] ?? 'flink' };
    this.write(
      requestFrame(
        { callId: CallIds.CONNECTION_CONTEXT, clientId: this.clientId, retryCount: -1 },
        encodeDelimited('flinkts.hadoop.ipc.IpcConnectionContext', { protocol: this.init.protocol, userInfo }),
      ),
    );
  }

  private startPings(): void {
    const interval = this.timeouts.pingIntervalMs;
    if (interval <= 0) return;
    const ping = requestFrame({ callId: CallIds.PING, clientId: this.clientId, retryCount: -1 });
    this.pingTimer = setInterval(() => {
      if (this.isOpen && Date.now() - this.lastWrite >= interval) this.write(ping);
    }, Math.max(1, Math.floor(interval / 2)));
    this.pingTimer.unref();
  }

  /** Why the socket closed: during the handshake, after our credentials went out, that is the server's refusal. */
  private lostError(socketError: Error | undefined): Error {
    const detail = socketError?.message ?? 'the server closed the connection';
    if (this.handshake && this.credentialsSent) {
      return new IpcAuthenticationError(
        this.peer,
        undefined,
        `the server closed the connection in answer to this client's token${socketError ? ` (${socketError.message})` : ''}: the token is not valid there (wrong password, expired, or of another cluster or attempt)`,
      );
    }
    return new IpcConnectionLostError(this.peer, detail, socketError);
  }

  // --- reading -----------------------------------------------------------------------------------------------

  private onData(chunk: Buffer): void {
    let frames: Buffer[];
    try {
      frames = this.decoder.push(chunk);
    } catch (err) {
      this.fail(new IpcProtocolError(this.peer, (err as Error).message, err));
      return;
    }
    for (const body of frames) {
      let frame: ResponseFrame;
      try {
        frame = parseResponseFrame(body);
      } catch (err) {
        this.fail(new IpcProtocolError(this.peer, `unreadable response header: ${(err as Error).message}`, err));
        return;
      }
      if (this.handshake) this.handshake.onFrame(frame);
      else this.onReply(frame);
      if (this.failure) return;
    }
  }

  private onReply({ header, rest }: ResponseFrame): void {
    const call = this.pending.get(header.callId);
    if (header.status === 'FATAL') {
      const err = this.errorOf(header, call?.method ?? 'the connection');
      if (call) this.settle(header.callId, call, err);
      this.fail(err);
      return;
    }
    if (!call) return; // a call that timed out, answered late
    if (header.status === 'ERROR') {
      this.settle(header.callId, call, this.errorOf(header, call.method));
      return;
    }
    try {
      this.settle(header.callId, call, undefined, decodePayload(call.responseType, rest));
    } catch (err) {
      this.settle(header.callId, call, new IpcProtocolError(this.peer, `unreadable ${call.method} reply: ${(err as Error).message}`, err));
    }
  }

  private settle(callId: number, call: PendingCall, err: Error | undefined, value?: unknown): void {
    clearTimeout(call.timer);
    this.pending.delete(callId);
    if (err) call.reject(err);
    else call.resolve(value);
  }

  /** The typed error for an ERROR or FATAL reply. */
  private errorOf(header: ResponseFrame['header'], method: string): Error {
    const message = header.errorMsg ?? '(no message)';
    const unauthorized = header.errorDetail === 'FATAL_UNAUTHORIZED' || header.callId === CallIds.AUTHORIZATION_FAILED;
    if (header.status === 'FATAL') {
      return unauthorized
        ? new IpcAuthenticationError(this.peer, header.exceptionClassName, message)
        : new IpcFatalError(this.peer, header.exceptionClassName, message, header.errorDetail);
    }
    return new IpcRemoteError(this.peer, method, header.exceptionClassName ?? 'UnknownException', message, header.errorDetail);
  }

  // --- writing and teardown ----------------------------------------------------------------------------------

  private write(frame: Buffer): void {
    if (!this.socket || this.socket.destroyed) return;
    this.lastWrite = Date.now();
    this.socket.write(frame);
  }

  /** The connection is unusable: every waiting call and the handshake fail with `err`, the socket goes. */
  private fail(err: Error): void {
    if (this.failure) return;
    this.failure = err;
    clearInterval(this.pingTimer);
    this.handshake?.fail(err);
    for (const [id, call] of [...this.pending]) this.settle(id, call, err);
    this.socket?.destroy();
  }

  private async shutdown(reason: Error): Promise<void> {
    this.fail(reason);
    const socket = this.socket;
    if (socket && !socket.closed) {
      await new Promise<void>((resolve) => {
        socket.once('close', () => resolve());
        socket.destroy();
      });
    }
  }
}
