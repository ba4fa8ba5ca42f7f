/**
 * A small Hadoop IPC v9 server for unit tests: reads the connection header, runs the server side of SASL
 * DIGEST-MD5 for the tokens it is given (or refuses in the ways a real server does), records the connection context
 * and pings, and hands each call to `onCall`, which answers when and how the test wants (out of order, ERROR, FATAL,
 * never). It checks the client's digest with the same RFC 2831 formulas; the formulas themselves are checked
 * against the JDK in digest-md5.spec.ts.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import type { HadoopToken } from '../../../src/yarn/index.js';
import { digestResponse, digestRspAuth, parseDigestDirectives } from '../../../src/yarn/ipc/digest-md5.js';
import { FrameDecoder } from '../../../src/yarn/ipc/ipc-frames.js';
import { decodeDelimited, encodeDelimited, newReader } from '../../../src/yarn/ipc/proto-codec.js';

export type SaslBehaviour = 'digest' | 'simple-allowed' | 'refuse-fatal' | 'close-after-response' | 'bad-rspauth' | 'silent';

export interface TestingCall {
  connection: TestingConnection;
  callId: number;
  method: string;
  protocol: string;
  request<T>(typeName: string): T;
  reply(typeName: string, value: object): void;
  error(exceptionClassName: string, message: string, errorDetail?: string): void;
  fatal(exceptionClassName: string, message: string, errorDetail?: string): void;
}

export interface TestingConnection {
  socket: Socket;
  header?: Buffer;
  /** SASL user names (base64 token identifiers) that authenticated. */
  users: string[];
  context?: { protocol?: string; userInfo?: { effectiveUser?: string } };
  pings: number;
  calls: TestingCall[];
}

const T = {
  req: 'flinkts.hadoop.ipc.RpcRequestHeader',
  res: 'flinkts.hadoop.ipc.RpcResponseHeader',
  sasl: 'flinkts.hadoop.ipc.RpcSasl',
};

export class TestingIpcServer {
  readonly connections: TestingConnection[] = [];
  private server: Server | undefined;
  sasl: SaslBehaviour = 'digest';
  onCall: (call: TestingCall) => void = () => undefined;

  constructor(private readonly tokens: HadoopToken[] = []) {}

  /** Accepts `token` from now on (as a RM does with a rolled AMRMToken). */
  accept(token: HadoopToken): void {
    this.tokens.push(token);
  }

  get port(): number {
    return (this.server?.address() as { port: number }).port;
  }

  async start(): Promise<void> {
    this.server = createServer((socket) => this.serve(socket));
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
  }

  /** Drops every client connection (as a restarted server would); the server keeps listening. */
  dropConnections(): void {
    for (const c of this.connections) c.socket.destroy();
  }

  async close(): Promise<void> {
    this.dropConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private serve(socket: Socket): void {
    const conn: TestingConnection = { socket, users: [], pings: 0, calls: [] };
    this.connections.push(conn);
    socket.on('error', () => undefined);
    const decoder = new FrameDecoder();
    let pendingHeader = Buffer.alloc(0);
    let nonce = '';
    socket.on('data', (chunk: Buffer) => {
      if (!conn.header) {
        pendingHeader = Buffer.concat([pendingHeader, chunk]);
        if (pendingHeader.length < 7) return;
        conn.header = pendingHeader.subarray(0, 7);
        chunk = pendingHeader.subarray(7);
      }
      for (const frame of decoder.push(chunk)) {
        const reader = newReader(frame);
        const header = decodeDelimited<{ callId: number }>(T.req, reader);
        const send = (callId: number, status: string, extra: object, payloadType?: string, payload?: object): void => {
          const parts = [encodeDelimited(T.res, { callId: callId >>> 0, status, serverIpcVersionNum: 9, ...extra })];
          if (payloadType && payload) parts.push(encodeDelimited(payloadType, payload));
          const body = Buffer.concat(parts);
          const prefix = Buffer.alloc(4);
          prefix.writeUInt32BE(body.length);
          if (!socket.destroyed) socket.write(Buffer.concat([prefix, body]));
        };
        if (header.callId === -33) {
          const msg = decodeDelimited<{ state: string; token?: Uint8Array }>(T.sasl, reader);
          if (this.sasl === 'silent') continue;
          if (msg.state === 'NEGOTIATE') {
            if (this.sasl === 'simple-allowed') {
              send(-33, 'SUCCESS', {}, T.sasl, { state: 'SUCCESS' });
              continue;
            }
            nonce = randomBytes(12).toString('base64');
            const challenge = `realm="default",nonce="${nonce}",qop="auth",charset=utf-8,algorithm=md5-sess`;
            send(-33, 'SUCCESS', {}, T.sasl, { state: 'NEGOTIATE', auths: [{ method: 'TOKEN', mechanism: 'DIGEST-MD5', protocol: '', serverId: 'default', challenge: Buffer.from(challenge) }] });
          } else if (msg.state === 'INITIATE') {
            const d = parseDigestDirectives(Buffer.from(msg.token ?? []).toString());
            const user = d.get('username') ?? '';
            const token = this.tokens.find((t) => Buffer.from(t.identifier).toString('base64') === user);
            const params = { username: user, realm: 'default', password: token ? Buffer.from(token.password).toString('base64') : '', nonce, cnonce: d.get('cnonce') ?? '', nc: d.get('nc') ?? '', qop: 'auth', digestUri: d.get('digest-uri') ?? '' };
            const good = token !== undefined && d.get('nonce') === nonce && d.get('response') === digestResponse(params);
            if (this.sasl === 'close-after-response') {
              socket.destroy();
            } else if (!good || this.sasl === 'refuse-fatal') {
              send(-1, 'FATAL', { exceptionClassName: 'javax.security.sasl.SaslException', errorMsg: 'DIGEST-MD5: digest response format violation. Mismatched response.', errorDetail: 'FATAL_UNAUTHORIZED' });
              socket.end();
            } else {
              conn.users.push(user);
              const rspauth = this.sasl === 'bad-rspauth' ? '0'.repeat(32) : digestRspAuth(params);
              send(-33, 'SUCCESS', {}, T.sasl, { state: 'SUCCESS', token: Buffer.from(`rspauth=${rspauth}`) });
            }
          }
        } else if (header.callId === -3) {
          conn.context = decodeDelimited(`flinkts.hadoop.ipc.IpcConnectionContext`, reader);
        } else if (header.callId === -4) {
          conn.pings++;
        } else {
          const rh = decodeDelimited<{ methodName: string; declaringClassProtocolName: string }>('flinkts.hadoop.ipc.RequestHeader', reader);
          const rest = frame.subarray(reader.pos);
          const call: TestingCall = {
            connection: conn,
            callId: header.callId,
            method: rh.methodName,
            protocol: rh.declaringClassProtocolName,
            request: <R>(type: string): R => decodeDelimited<R>(type, newReader(rest)),
            reply: (type, value) => send(header.callId, 'SUCCESS', {}, type, value),
            error: (cls, message, detail = 'ERROR_APPLICATION') => send(header.callId, 'ERROR', { exceptionClassName: cls, errorMsg: message, errorDetail: detail }),
            fatal: (cls, message, detail = 'FATAL_UNKNOWN') => {
              send(header.callId, 'FATAL', { exceptionClassName: cls, errorMsg: message, errorDetail: detail });
              socket.end();
            },
          };
          conn.calls.push(call);
          this.onCall(call);
        }
      }
    });
  }
}
