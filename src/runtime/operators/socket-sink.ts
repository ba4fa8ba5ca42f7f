/**
 * writeToSocket's sink: records serialized by the user's schema go to one TCP connection per subtask, as
 * Flink's SocketClientSink with no retries (a broken connection fails the job). Bytes are written in chunks
 * (a buffer flushed when full, every 100 ms, and at the end); a full socket holds the task back.
 */
import { connect, type Socket } from 'node:net';
import { FlinkError } from '../../util/errors.js';
import type { OperatorFactory } from './operator.js';

const CHUNK = 64 * 1024;
const FLUSH_MS = 100;

export class SocketSinkError extends FlinkError {
  constructor(host: string, port: number, what: 'connect' | 'send', cause: unknown) {
    const why = cause instanceof Error ? ((cause as NodeJS.ErrnoException).code ?? cause.message) : String(cause);
    super(
      'SOCKET_SINK_FAILED',
      what === 'connect'
        ? `Socket sink could not connect to ${host}:${port}: ${why}. Start a server there before the job (for example: nc -lk ${port}), or check the host and port.`
        : `Socket sink lost its connection to ${host}:${port} while sending: ${why}. The server must stay up while the job runs; connection retries are not enabled.`,
      { cause, recoverable: true },
    );
  }
}

export class SerializerResultError extends FlinkError {
  constructor(got: unknown) {
    super('SOCKET_SINK_SERIALIZER', `writeToSocket: the serializer returned ${got === null ? 'null' : typeof got}; it must return a string or a Uint8Array (bytes).`);
  }
}

export const socketSink: OperatorFactory = (ctx) => {
  const host = ctx.params.hostName as string;
  const port = ctx.params.port as number;
  const schema = ctx.transformation.fns[0] as ((r: unknown) => unknown) | { serialize(r: unknown): unknown };
  const serialize = typeof schema === 'function' ? schema : schema.serialize.bind(schema);
  let socket: Socket | undefined;
  let text = '';
  let parts: Buffer[] = [];
  let size = 0;
  let blocked = false;
  let closed = false;
  let timer: NodeJS.Timeout | undefined;

  const flush = (): void => {
    if (size === 0 || !socket) return;
    const data = parts.length === 0 ? text : Buffer.concat(text.length > 0 ? [...parts, Buffer.from(text)] : parts);
    text = '';
    parts = [];
    size = 0;
    if (!socket.write(data) && !blocked) {
      blocked = true;
      socket.once('drain', () => {
        blocked = false;
        ctx.signalAvailable();
      });
    }
  };

  return {
    open: async () => {
      const s = connect({ host, port });
      await new Promise<void>((resolve, reject) => {
        s.once('connect', resolve);
        s.once('error', (err) => reject(new SocketSinkError(host, port, 'connect', err)));
      });
      s.on('error', (err) => {
        if (!closed) ctx.fail(new SocketSinkError(host, port, 'send', err));
      });
      if (closed) {
        s.destroy();
        return;
      }
      socket = s;
      timer = setInterval(flush, FLUSH_MS);
      timer.unref();
    },
    processElement: (r) => {
      const v = serialize(r);
      if (typeof v === 'string') {
        text += v;
        size += v.length;
      } else if (v instanceof Uint8Array) {
        if (text.length > 0) {
          parts.push(Buffer.from(text));
          text = '';
        }
        parts.push(Buffer.from(v.buffer, v.byteOffset, v.byteLength));
        size += v.byteLength;
      } else {
        throw new SerializerResultError(v);
      }
      if (size >= CHUNK) flush();
    },
    available: () => !blocked,
    endInput: async () => {
      flush();
      const s = socket;
      if (!s) return;
      await new Promise<void>((resolve) => s.end(resolve));
    },
    close: () => {
      closed = true;
      if (timer) clearInterval(timer);
      socket?.destroy();
    },
  };
};
