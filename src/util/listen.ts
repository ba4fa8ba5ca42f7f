/**
 * Opening a listening socket with an error a user can act on: a taken port, an address that is not this
 * host's, a name that does not resolve, a privileged port; each names the configuration keys to change.
 */
import type { Server } from 'node:net';
import { FlinkError } from './errors.js';

/** What was being opened, for messages. */
export interface ListenTarget {
  /** E.g. "the JobManager's RPC endpoint". */
  what: string;
  /** The key that sets the address (e.g. `jobmanager.bind-host`). */
  addressKey: string;
  /** The key that sets the port (e.g. `jobmanager.rpc.port`). */
  portKey: string;
}

/** A server could not listen; the message says why and which key to change. */
export class BindError extends FlinkError {
  constructor(message: string, cause: unknown) {
    super('BIND_FAILED', message, { cause });
  }
}

/** Why listening on host:port failed, in words, with the fix. */
export function describeBindFailure(err: unknown, host: string, port: number | string, target: ListenTarget): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const where = `${host === '' ? '*' : host}:${port}`;
  const head = `Could not start ${target.what} on ${where}`;
  switch (code) {
    case 'EADDRINUSE':
      return `${head}: the port is already in use by another process (perhaps a daemon that is still running). Stop that process or set ${target.portKey} to a free port (0 picks one).`;
    case 'EADDRNOTAVAIL':
      return `${head}: ${host} is not an address of this machine. Set ${target.addressKey} to one of this machine's addresses, or 0.0.0.0 for all of them.`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_FAIL':
      return `${head}: ${host} is neither an IP address nor a host name that resolves. Set ${target.addressKey} to an address or a resolvable name of this machine.`;
    case 'EACCES':
    case 'EPERM':
      return `${head}: not permitted (ports below 1024 need privileges). Set ${target.portKey} to a port of 1024 or above.`;
    case 'EINVAL':
      return `${head}: the address or port is not valid here. Check ${target.addressKey} and ${target.portKey}.`;
    default:
      return `${head}: ${(err as Error | undefined)?.message ?? String(err)}. Check ${target.addressKey} and ${target.portKey}.`;
  }
}

/** `server.listen(port, host)` as a promise that rejects with a {@link BindError}. */
export async function listenOn(server: Server, port: number, host: string, target: ListenTarget): Promise<void> {
  try {
    await listen(server, port, host);
  } catch (err) {
    throw new BindError(describeBindFailure(err, host, port, target), err);
  }
}

/**
 * `server.listen(port, host)` as a promise that rejects with the system error (EADDRINUSE, ...); without a host,
 * on every interface.
 */
export function listen(server: Server, port: number, host: string | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => {
      server.off('listening', onListening);
      reject(err);
    };
    const onListening = (): void => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    if (host === undefined) server.listen(port);
    else server.listen(port, host);
  });
}
