/**
 * The data plane between TaskManagers: one TCP connection per peer (each side dials the peers it sends
 * to, and reuses a connection the peer dialed), carrying framed buffers, end-of-data events and credits
 * of every channel of every job.
 *
 * Frame: u32 length of the rest | u8 type | 16 bytes job id | u32 edge | u32 producer | u32 consumer |
 * u32 credit count | payload (data frames; hello frames carry the sender's TaskManager id).
 */
import { connect, createServer, type Server, type Socket } from 'node:net';
import { getLogger } from '../../util/logger.js';
import { listenOn } from '../../util/listen.js';

const HEADER = 4 + 1 + 16 + 16;
const T_HELLO = 0;
const T_DATA = 1;
const T_END = 2;
const T_CREDIT = 3;

export interface DataFrame {
  type: 'data' | 'end' | 'credit';
  jobId: string;
  e: number;
  p: number;
  c: number;
  n: number;
  /** Data frames: the buffer, copied into its own ArrayBuffer so it can be transferred to a worker. */
  payload?: Uint8Array;
}

export interface PeerAddress {
  host: string;
  dataPort: number;
}

const log = getLogger('org.apache.flink.runtime.io.network.netty.NettyServer');

/**
 * Cuts the byte stream into frames. Each payload is copied once, straight from the socket chunks into
 * its own ArrayBuffer (which a data frame needs anyway, to be transferred to a worker): no concatenation
 * of chunks, no zero-filled allocation.
 */
class FrameReader {
  private readonly head = Buffer.allocUnsafe(HEADER);
  /** The job id and channel fields of the head. */
  private readonly meta = this.head.subarray(5, HEADER);
  private headFill = 0;
  private payload: Buffer | undefined;
  private payloadFill = 0;
  constructor(private readonly onFrame: (type: number, head: Buffer, payload: Buffer) => void) {}

  push(d: Buffer): void {
    let off = 0;
    const end = d.length;
    while (off < end) {
      let payload = this.payload;
      if (payload === undefined) {
        const take = Math.min(HEADER - this.headFill, end - off);
        d.copy(this.head, this.headFill, off, off + take);
        this.headFill += take;
        off += take;
        if (this.headFill < HEADER) return;
        const payloadLen = Math.max(0, this.head.readUInt32BE(0) - (HEADER - 4));
        // Events and credits carry no payload; a data frame always gets its own (transferable) ArrayBuffer.
        payload = this.payload = payloadLen === 0 && this.head[4] !== T_DATA ? EMPTY : Buffer.allocUnsafeSlow(payloadLen);
        this.payloadFill = 0;
      }
      const take = Math.min(payload.length - this.payloadFill, end - off);
      if (take > 0) {
        d.copy(payload, this.payloadFill, off, off + take);
        this.payloadFill += take;
        off += take;
      }
      if (this.payloadFill < payload.length) return;
      this.payload = undefined;
      this.headFill = 0;
      // The head is reused for the next frame: onFrame reads it before returning.
      this.onFrame(this.head[4] as number, this.meta, payload);
    }
  }
}

const EMPTY = Buffer.alloc(0);

export class DataConnectionManager {
  private server: Server | undefined;
  private readonly outgoing = new Map<string, Socket>();
  private readonly sockets = new Set<Socket>();
  port = 0;

  constructor(
    private readonly tmId: string,
    private readonly bindHost: string,
    private readonly requestedPort: number,
    private readonly onFrame: (f: DataFrame) => void,
  ) {}

  async start(): Promise<void> {
    const server = createServer((s) => this.accept(s));
    await listenOn(server, this.requestedPort, this.bindHost, {
      what: "the TaskManager's data endpoint",
      addressKey: 'taskmanager.bind-host',
      portKey: 'taskmanager.data.port',
    });
    const addr = server.address();
    this.port = typeof addr === 'object' && addr ? addr.port : this.requestedPort;
    this.server = server;
  }

  send(peerId: string, peer: PeerAddress, f: DataFrame): void {
    let s = this.outgoing.get(peerId);
    if (!s || s.destroyed) {
      s = connect({ host: peer.host, port: peer.dataPort });
      s.setNoDelay(true);
      this.track(s, peerId);
      this.outgoing.set(peerId, s);
      const hello = Buffer.from(this.tmId);
      s.write(header(T_HELLO, '0'.repeat(32), 0, 0, 0, 0, hello.length));
      s.write(hello);
    }
    const type = f.type === 'data' ? T_DATA : f.type === 'end' ? T_END : T_CREDIT;
    const payload = f.payload;
    s.cork();
    s.write(header(type, f.jobId, f.e, f.p, f.c, f.n, payload?.byteLength ?? 0));
    if (payload && payload.byteLength > 0) s.write(payload);
    process.nextTick(() => s.uncork());
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    this.outgoing.clear();
    const srv = this.server;
    this.server = undefined;
    if (srv) await new Promise<void>((r) => srv.close(() => r()));
  }

  private accept(s: Socket): void {
    s.setNoDelay(true);
    this.track(s, undefined);
  }

  private track(s: Socket, knownPeer: string | undefined): void {
    this.sockets.add(s);
    let peer = knownPeer;
    const reader = new FrameReader((type, head, payload) => {
      if (type === T_HELLO) {
        peer = payload.toString();
        // Reuse the connection the peer opened for our own sends to it.
        if (!this.outgoing.has(peer)) this.outgoing.set(peer, s);
        return;
      }
      const jobId = head.subarray(0, 16).toString('hex');
      const e = head.readUInt32BE(16);
      const p = head.readUInt32BE(20);
      const c = head.readUInt32BE(24);
      const n = head.readUInt32BE(28);
      if (type === T_DATA) {
        // The payload owns its whole ArrayBuffer (FrameReader allocated it), so it can be transferred.
        this.onFrame({ type: 'data', jobId, e, p, c, n, payload: new Uint8Array(payload.buffer, payload.byteOffset, payload.length) });
      } else {
        this.onFrame({ type: type === T_END ? 'end' : 'credit', jobId, e, p, c, n });
      }
    });
    s.on('data', (d: Buffer) => reader.push(d));
    s.on('error', (err) => log.debug(`Data connection error with ${peer ?? s.remoteAddress}: ${err.message}`));
    s.on('close', () => {
      this.sockets.delete(s);
      if (peer && this.outgoing.get(peer) === s) this.outgoing.delete(peer);
    });
  }
}

function header(type: number, jobId: string, e: number, p: number, c: number, n: number, payloadLen: number): Buffer {
  const h = Buffer.allocUnsafe(HEADER);
  h.writeUInt32BE(HEADER - 4 + payloadLen, 0);
  h.writeUInt8(type, 4);
  h.write(jobId, 5, 16, 'hex');
  h.writeUInt32BE(e, 21);
  h.writeUInt32BE(p, 25);
  h.writeUInt32BE(c, 29);
  h.writeUInt32BE(n, 33);
  return h;
}
