/**
 * socketTextStream's source: delimited strings from a TCP server, reconnecting when the server closes the
 * connection, with Flink's SocketTextStreamFunction's rules (see {@link shouldReconnect}).
 */
import { connect, type Socket } from 'node:net';
import { FlinkError } from '../../util/errors.js';
import { getLogger } from '../../util/logger.js';
import type { OperatorFactory } from './operator.js';
import { CANCEL_CHECK_MS, pauseUnless } from './source-timing.js';

/** Flink's pause between the end of one connection and the next attempt. */
export const SOCKET_RETRY_DELAY_MS = 500;

const log = getLogger('SocketTextStreamFunction');

export class SocketSourceConnectError extends FlinkError {
  constructor(host: string, port: number, attempts: number, cause: unknown) {
    const why = cause instanceof Error ? ((cause as NodeJS.ErrnoException).code ?? cause.message) : String(cause);
    const when = attempts === 0 ? 'could not connect to' : `lost its connection and could not reconnect (after ${attempts} attempt${attempts === 1 ? '' : 's'}) to`;
    super(
      'SOCKET_SOURCE_CONNECT',
      `Socket source ${when} ${host}:${port}: ${why}. Start a server there first (for example: nc -lk ${port}), or check the hostname and port.`,
      { cause, recoverable: true },
    );
  }
}

/**
 * Whether the source connects again after `closedConnections` connections (or failed reconnection
 * attempts) ended. As in Flink the first connection counts: maxRetry 0 or 1 never reconnects, maxRetry n
 * allows n connections in all, -1 reconnects forever.
 */
export function shouldReconnect(maxRetry: number, closedConnections: number): boolean {
  return maxRetry === -1 || closedConnections < maxRetry;
}

/** Connects; a socket destroyed while connecting (cancellation) rejects too, so nothing waits forever. */
function openSocket(socket: Socket): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => {
      socket.off('close', onClose);
      reject(err);
    };
    const onClose = (): void => {
      socket.off('error', onError);
      reject(new Error('the connection attempt was stopped'));
    };
    socket.once('error', onError);
    socket.once('close', onClose);
    socket.once('connect', () => {
      socket.off('error', onError);
      socket.off('close', onClose);
      resolve();
    });
  });
}

export const socketTextSource: OperatorFactory = (ctx) => {
  const host = ctx.params.hostname as string;
  const port = ctx.params.port as number;
  const delimiter = ctx.params.delimiter as string;
  const maxRetry = (ctx.params.maxRetry as number | undefined) ?? 0;
  let closed = false;
  let current: Socket | undefined;
  const stopped = (): boolean => closed || ctx.cancelled;

  /** Reads one connection to its end; returns the unfinished tail. */
  const readConnection = async (socket: Socket, carry: string): Promise<string> => {
    socket.setEncoding('utf8');
    const out = ctx.output;
    try {
      for await (const chunk of socket as AsyncIterable<string>) {
        const parts = (carry + chunk).split(delimiter);
        carry = parts.pop() ?? '';
        for (const p of parts) out.collect(delimiter === '\n' && p.endsWith('\r') ? p.slice(0, -1) : p);
        await ctx.yield();
        if (stopped()) break;
      }
    } catch (err) {
      // A reset by the server ends the connection like a close; the retry rules decide what comes next.
      if (!stopped()) log.warn(`Connection to server socket ${host}:${port} ended with an error: ${(err as Error).message}`);
    } finally {
      socket.destroy();
    }
    return carry;
  };

  return {
    run: async () => {
      // Cancellation must not wait for the server's next byte or a connection attempt.
      const watchdog = setInterval(() => {
        if (stopped()) current?.destroy();
      }, CANCEL_CHECK_MS);
      try {
        // Like Flink, a partial record left by one connection continues with the next one's first bytes.
        let carry = '';
        let ended = 0;
        let connectedOnce = false;
        while (!stopped()) {
          log.info(`Connecting to server socket ${host}:${port}`);
          const socket = connect({ host, port });
          current = socket;
          try {
            await openSocket(socket);
          } catch (err) {
            socket.destroy();
            if (stopped()) break;
            // The first connection must succeed (as in Flink); later attempts count against maxRetry.
            if (!connectedOnce || !shouldReconnect(maxRetry, ++ended)) throw new SocketSourceConnectError(host, port, connectedOnce ? ended : 0, err);
            log.warn(`Could not reconnect to server socket ${host}:${port}. Retrying in ${SOCKET_RETRY_DELAY_MS} msecs...`);
            await pauseUnless(SOCKET_RETRY_DELAY_MS, stopped);
            continue;
          }
          connectedOnce = true;
          carry = await readConnection(socket, carry);
          current = undefined;
          if (stopped() || !shouldReconnect(maxRetry, ++ended)) break;
          log.warn(`Lost connection to server socket ${host}:${port}. Retrying in ${SOCKET_RETRY_DELAY_MS} msecs...`);
          await pauseUnless(SOCKET_RETRY_DELAY_MS, stopped);
        }
        if (carry.length > 0 && !stopped()) ctx.output.collect(carry);
      } finally {
        clearInterval(watchdog);
        current = undefined;
      }
    },
    close: () => {
      closed = true;
      current?.destroy();
    },
  };
};
