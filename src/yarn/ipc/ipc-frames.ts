/**
 * Hadoop IPC v9 framing. After the 7-byte connection header, every message in either direction is a frame: a
 * 4-byte big-endian length, then varint-delimited protobuf messages (a request or response header, then the
 * payload). Special call ids mark frames that are not calls.
 */
import { decodeDelimited, encodeDelimited, newReader } from './proto-codec.js';

export const IPC_VERSION = 9;
export const AUTH_PROTOCOL_NONE = 0x00;
export const AUTH_PROTOCOL_SASL = 0xdf;

export const CallIds = {
  /** The server's reply when authentication failed (always FATAL). */
  AUTHORIZATION_FAILED: -1,
  INVALID: -2,
  CONNECTION_CONTEXT: -3,
  PING: -4,
  SASL: -33,
} as const;

/** Hadoop refuses responses over 128 MiB by default (ipc.maximum.response.length); so does this client. */
export const MAX_FRAME_BYTES = 128 * 1024 * 1024;

const T = {
  requestHeader: 'flinkts.hadoop.ipc.RpcRequestHeader',
  responseHeader: 'flinkts.hadoop.ipc.RpcResponseHeader',
} as const;

export function connectionHeader(authProtocol: number): Buffer {
  return Buffer.from([0x68, 0x72, 0x70, 0x63, IPC_VERSION, 0x00, authProtocol]); // "hrpc", version, service class
}

export interface RpcRequestHeader {
  callId: number;
  clientId: Uint8Array;
  retryCount: number;
}

/** One frame: the request header, then each part (already delimited) in order. */
export function requestFrame(header: RpcRequestHeader, ...delimitedParts: Uint8Array[]): Buffer {
  const head = encodeDelimited(T.requestHeader, { rpcKind: 'RPC_PROTOCOL_BUFFER', rpcOp: 'FINAL_PACKET', ...header });
  const length = head.length + delimitedParts.reduce((n, p) => n + p.length, 0);
  const prefix = Buffer.alloc(4);
  prefix.writeUInt32BE(length);
  return Buffer.concat([prefix, head, ...delimitedParts]);
}

export type ResponseStatus = 'SUCCESS' | 'ERROR' | 'FATAL';

export interface RpcResponseHeader {
  /** Signed again: the wire carries it as uint32, so -33 arrives as 4294967263. */
  callId: number;
  status: ResponseStatus;
  serverIpcVersionNum?: number;
  exceptionClassName?: string;
  errorMsg?: string;
  errorDetail?: string;
}

export interface ResponseFrame {
  header: RpcResponseHeader;
  /** The bytes after the header: the delimited payload on SUCCESS, usually nothing otherwise. */
  rest: Uint8Array;
}

/** Splits a frame's body into its header and the rest. */
export function parseResponseFrame(frame: Uint8Array): ResponseFrame {
  const reader = newReader(frame);
  const raw = decodeDelimited<RpcResponseHeader & { errorDetail?: string | number }>(T.responseHeader, reader);
  const header: RpcResponseHeader = { ...raw, callId: raw.callId | 0, errorDetail: raw.errorDetail === undefined ? undefined : String(raw.errorDetail) };
  if (header.errorDetail === undefined) delete header.errorDetail;
  return { header, rest: frame.subarray(reader.pos) };
}

/** Reads one delimited message from the start of `bytes`. */
export function decodePayload<T>(typeName: string, bytes: Uint8Array): T {
  return decodeDelimited<T>(typeName, newReader(bytes));
}

/** Accumulates socket data and hands out whole frame bodies (length prefix removed). */
export class FrameDecoder {
  private buffered: Buffer = Buffer.alloc(0);

  constructor(private readonly maxFrameBytes = MAX_FRAME_BYTES) {}

  /** Frames completed by `chunk`; throws RangeError on a length over the limit (the stream is then unusable). */
  push(chunk: Buffer): Buffer[] {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    const frames: Buffer[] = [];
    while (this.buffered.length >= 4) {
      const length = this.buffered.readUInt32BE(0);
      if (length > this.maxFrameBytes) throw new RangeError(`a frame of ${length} bytes exceeds the limit of ${this.maxFrameBytes}`);
      if (this.buffered.length < 4 + length) break;
      frames.push(this.buffered.subarray(4, 4 + length));
      this.buffered = this.buffered.subarray(4 + length);
    }
    return frames;
  }
}
