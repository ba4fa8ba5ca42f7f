/**
 * What can go wrong on a Hadoop IPC connection, one class per condition with a stable code. Errors the server
 * reported keep its Java exception class name and message (`exceptionClassName`, `remoteMessage`) so callers
 * can tell, say, `ApplicationMasterNotRegisteredException` from `InvalidResourceRequestException`.
 */
import { FlinkError } from '../../util/errors.js';

/** host:port of the server and the protocol spoken, for messages. */
export interface IpcPeer {
  address: string;
  protocol: string;
}

function shortProtocol(protocol: string): string {
  return protocol.slice(protocol.lastIndexOf('.') + 1);
}

/** No TCP connection could be made (refused, unreachable, or the connect did not finish in time). */
export class IpcConnectError extends FlinkError {
  constructor(
    readonly peer: IpcPeer,
    detail: string,
    cause?: unknown,
  ) {
    super('HADOOP_IPC_CONNECT_FAILED', `Could not connect to ${peer.address} (${shortProtocol(peer.protocol)}): ${detail}. Check that the server runs there and the address is its RPC port.`, {
      cause,
      recoverable: true,
    });
  }
}

/**
 * The server did not accept this client's credentials: a wrong or expired token, no SASL where the server demands
 * it (`SIMPLE authentication is not enabled`), or a server that proved it does not know the token's password.
 */
export class IpcAuthenticationError extends FlinkError {
  constructor(
    readonly peer: IpcPeer,
    readonly exceptionClassName: string | undefined,
    readonly remoteMessage: string,
  ) {
    super(
      'HADOOP_IPC_AUTH_FAILED',
      `${peer.address} refused to authenticate this client for ${shortProtocol(peer.protocol)}` +
        `${exceptionClassName ? ` (${exceptionClassName})` : ''}: ${remoteMessage}`,
    );
  }
}

/** One call failed on the server (status ERROR); the connection stays usable. */
export class IpcRemoteError extends FlinkError {
  constructor(
    readonly peer: IpcPeer,
    readonly method: string,
    readonly exceptionClassName: string,
    readonly remoteMessage: string,
    /** Hadoop's RpcErrorCodeProto name, e.g. ERROR_APPLICATION, ERROR_NO_SUCH_METHOD. */
    readonly errorCode: string | undefined,
  ) {
    super('HADOOP_IPC_REMOTE_ERROR', `${shortProtocol(peer.protocol)}.${method} on ${peer.address} failed with ${exceptionClassName}: ${firstLine(remoteMessage)}`);
  }
}

/** The server answered FATAL (for something other than authentication) and closed the connection. */
export class IpcFatalError extends FlinkError {
  constructor(
    readonly peer: IpcPeer,
    readonly exceptionClassName: string | undefined,
    readonly remoteMessage: string,
    readonly errorCode: string | undefined,
  ) {
    super(
      'HADOOP_IPC_FATAL',
      `${peer.address} closed the ${shortProtocol(peer.protocol)} connection after a fatal error` +
        `${errorCode ? ` ${errorCode}` : ''}${exceptionClassName ? ` (${exceptionClassName})` : ''}: ${firstLine(remoteMessage)}`,
      { recoverable: true },
    );
  }
}

/** The connection broke (reset, closed by the server) while calls were waiting or the handshake ran. */
export class IpcConnectionLostError extends FlinkError {
  constructor(
    readonly peer: IpcPeer,
    detail: string,
    cause?: unknown,
  ) {
    super('HADOOP_IPC_CONNECTION_LOST', `The ${shortProtocol(peer.protocol)} connection to ${peer.address} was lost: ${detail}`, { cause, recoverable: true });
  }
}

/** A call, the connect or the SASL handshake got no answer in time. */
export class IpcTimeoutError extends FlinkError {
  constructor(
    readonly peer: IpcPeer,
    what: string,
    readonly timeoutMs: number,
  ) {
    super('HADOOP_IPC_TIMEOUT', `${what} on ${peer.address} (${shortProtocol(peer.protocol)}) got no answer within ${timeoutMs} ms`, { recoverable: true });
  }
}

/** A call on a connection this process closed. */
export class IpcConnectionClosedError extends FlinkError {
  constructor(readonly peer: IpcPeer) {
    super('HADOOP_IPC_CLOSED', `The ${shortProtocol(peer.protocol)} connection to ${peer.address} is closed`);
  }
}

/** The server sent something this client cannot read (a malformed frame, an unexpected SASL step). */
export class IpcProtocolError extends FlinkError {
  constructor(
    readonly peer: IpcPeer,
    detail: string,
    cause?: unknown,
  ) {
    super('HADOOP_IPC_PROTOCOL', `Unexpected data from ${peer.address} (${shortProtocol(peer.protocol)}): ${detail}`, { cause });
  }
}

/** Java exception messages carry stack traces after the first line; the first line is what a user needs. */
function firstLine(text: string): string {
  const nl = text.indexOf('\n');
  return nl < 0 ? text : text.slice(0, nl);
}
