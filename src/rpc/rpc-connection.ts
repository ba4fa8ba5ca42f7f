/**
 * One RPC connection: length-prefixed frames of JSON plus an optional binary attachment, over TCP.
 * Either side may call the other; every call has a timeout; errors travel as data.
 *
 * Frame: u32 total length | u32 JSON length | JSON | binary attachment (the rest).
 */
import { EventEmitter } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';
import type { SerializedError } from '../util/errors.js';
import { deserializeError, FlinkError, serializeError } from '../util/errors.js';
import { listenOn, type ListenTarget } from '../util/listen.js';

type Envelope =
  | { k: 'call'; id: number; m: string; a: unknown }
  | { k: 'ok'; id: number; r: unknown }
  | { k: 'err'; id: number; e: SerializedError }
  | { k: 'note'; m: string; a: unknown };

/** A handler may return this to attach bytes to its answer. */
export class WithBinary<T> {
  constructor(readonly value: T, readonly binary: Uint8Array) {}
}

export type RpcHandler = (args: never, binary: Uint8Array | undefined) => unknown;

export class RpcTimeoutError extends FlinkError {
  constructor(method: string, ms: number, peer: string) {
    super('RPC_TIMEOUT', `Call ${method} to ${peer} did not answer within ${ms} ms.`, { recoverable: true });
  }
}

export class RpcConnectionClosedError extends FlinkError {
  constructor(peer: string) {
    super('RPC_CLOSED', `The connection to ${peer} is closed.`, { recoverable: true });
  }
}

export class RpcConnection extends EventEmitter {
  private readonly handlers = new Map<string, RpcHandler>();
  private readonly pending = new Map<number, { resolve: (v: { value: unknown; binary?: Uint8Array }) => void; reject: (e: unknown) => void; timer: NodeJS.Timeout }>();
  private nextId = 1;
  private chunks: Buffer[] = [];
  private buffered = 0;
  private closed = false;
  readonly peer: string;

  constructor(private readonly socket: Socket) {
    super();
    this.peer = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
    socket.setNoDelay(true);
    socket.on('data', (d: Buffer) => this.onData(d));
    socket.on('error', () => {});
    socket.on('close', () => this.onClose());
  }

  get localAddress(): string {
    return this.socket.localAddress ?? '127.0.0.1';
  }

  get isClosed(): boolean {
    return this.closed;
  }

  handle(method: string, fn: RpcHandler): this {
    this.handlers.set(method, fn);
    return this;
  }

  call<T>(method: string, args: unknown, timeoutMs: number): Promise<T> {
    return this.callWithBinary(method, args, timeoutMs).then((r) => r.value as T);
  }

  callWithBinary(method: string, args: unknown, timeoutMs: number, binary?: Uint8Array): Promise<{ value: unknown; binary?: Uint8Array }> {
    if (this.closed) return Promise.reject(new RpcConnectionClosedError(this.peer));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new RpcTimeoutError(method, timeoutMs, this.peer));
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      this.send({ k: 'call', id, m: method, a: args }, binary);
    });
  }

  /** Fire and forget. */
  notify(method: string, args: unknown): void {
    if (!this.closed) this.send({ k: 'note', m: method, a: args });
  }

  close(): void {
    if (this.closed) return;
    this.socket.end();
    this.socket.destroy();
    this.onClose();
  }

  private send(env: Envelope, binary?: Uint8Array): void {
    const json = Buffer.from(JSON.stringify(env));
    const head = Buffer.allocUnsafe(8);
    const bin = binary?.byteLength ?? 0;
    head.writeUInt32BE(4 + json.length + bin, 0);
    head.writeUInt32BE(json.length, 4);
    this.socket.write(head);
    this.socket.write(json);
    if (binary && bin > 0) this.socket.write(binary);
  }

  private onData(d: Buffer): void {
    this.chunks.push(d);
    this.buffered += d.length;
    while (this.buffered >= 4) {
      let buf = this.chunks.length === 1 ? (this.chunks[0] as Buffer) : Buffer.concat(this.chunks);
      const len = buf.readUInt32BE(0);
      if (buf.length < 4 + len) {
        this.chunks = [buf];
        return;
      }
      const frame = buf.subarray(4, 4 + len);
      buf = buf.subarray(4 + len);
      this.chunks = buf.length > 0 ? [buf] : [];
      this.buffered = buf.length;
      const jsonLen = frame.readUInt32BE(0);
      const env = JSON.parse(frame.toString('utf8', 4, 4 + jsonLen)) as Envelope;
      const binary = frame.length > 4 + jsonLen ? new Uint8Array(frame.subarray(4 + jsonLen)) : undefined;
      this.dispatch(env, binary);
    }
  }

  private dispatch(env: Envelope, binary: Uint8Array | undefined): void {
    switch (env.k) {
      case 'call': {
        const h = this.handlers.get(env.m);
        if (!h) {
          this.send({ k: 'err', id: env.id, e: { name: 'RpcError', message: `Unknown RPC method ${env.m}`, code: 'RPC_UNKNOWN_METHOD' } });
          return;
        }
        Promise.resolve()
          .then(() => h(env.a as never, binary))
          .then(
            (r) => {
              if (r instanceof WithBinary) this.send({ k: 'ok', id: env.id, r: r.value }, r.binary);
              else this.send({ k: 'ok', id: env.id, r: r === undefined ? null : r });
            },
            (err) => this.send({ k: 'err', id: env.id, e: serializeError(err) }),
          );
        return;
      }
      case 'note': {
        const h = this.handlers.get(env.m);
        if (h) {
          try {
            void Promise.resolve(h(env.a as never, binary)).catch((err) => this.emit('handler-error', err));
          } catch (err) {
            this.emit('handler-error', err);
          }
        }
        return;
      }
      case 'ok':
      case 'err': {
        const p = this.pending.get(env.id);
        if (!p) return;
        this.pending.delete(env.id);
        clearTimeout(p.timer);
        if (env.k === 'ok') p.resolve(binary ? { value: env.r, binary } : { value: env.r });
        else p.reject(deserializeError(env.e));
        return;
      }
    }
  }

  private onClose(): void {
    if (this.closed) return;
    this.closed = true;
    for (const [, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new RpcConnectionClosedError(this.peer));
    }
    this.pending.clear();
    this.emit('close');
  }
}

export function connectRpc(host: string, port: number, timeoutMs: number): Promise<RpcConnection> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new FlinkError('RPC_CONNECT_TIMEOUT', `Could not connect to ${host}:${port} within ${timeoutMs} ms.`, { recoverable: true }));
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      resolve(new RpcConnection(socket));
    });
    socket.once('error', (err) => {
      clearTimeout(timer);
      reject(new FlinkError('RPC_CONNECT_FAILED', `Could not connect to ${host}:${port}: ${err.message}`, { cause: err, recoverable: true }));
    });
  });
}

/** Accepts RPC connections; `onConnection` sets up each one's handlers. */
export class RpcServer {
  private server: Server | undefined;
  private readonly connections = new Set<RpcConnection>();
  port = 0;

  constructor(
    private readonly host: string,
    private readonly requestedPort: number,
    private readonly onConnection: (c: RpcConnection) => void,
    private readonly target: ListenTarget = { what: 'the RPC endpoint', addressKey: 'jobmanager.bind-host', portKey: 'jobmanager.rpc.port' },
  ) {}

  async start(): Promise<void> {
    const server = createServer((socket) => {
      const c = new RpcConnection(socket);
      this.connections.add(c);
      c.on('close', () => this.connections.delete(c));
      this.onConnection(c);
    });
    await listenOn(server, this.requestedPort, this.host, this.target);
    this.server = server;
    const addr = server.address();
    this.port = typeof addr === 'object' && addr ? addr.port : this.requestedPort;
  }

  async close(): Promise<void> {
    for (const c of this.connections) c.close();
    const s = this.server;
    this.server = undefined;
    if (s) await new Promise<void>((r) => s.close(() => r()));
  }
}
