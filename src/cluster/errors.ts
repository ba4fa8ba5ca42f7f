/**
 * What can go wrong when the cluster scripts start or stop daemons on a host. Each condition is one class with a
 * stable code; the message is the one line start-cluster.sh prints, naming the host and what to do.
 */
import { FlinkError } from '../util/errors.js';

/** A failure on one host; the other hosts carry on. */
export abstract class HostError extends FlinkError {
  constructor(
    code: string,
    readonly host: string,
    message: string,
    options: { cause?: unknown } = {},
  ) {
    super(code, message, options);
  }
}

/** Nothing answers at the host's address, or its name does not resolve. */
export class SshHostUnreachableError extends HostError {
  constructor(host: string, message: string, options: { cause?: unknown } = {}) {
    super('SSH_HOST_UNREACHABLE', host, message, options);
  }
}

/** The TCP connection or the SSH handshake took longer than ConnectTimeout. */
export class SshConnectTimeoutError extends HostError {
  constructor(host: string, message: string, options: { cause?: unknown } = {}) {
    super('SSH_CONNECT_TIMEOUT', host, message, options);
  }
}

/** The host accepted no key we offered. */
export class SshAuthRefusedError extends HostError {
  constructor(host: string, message: string, options: { cause?: unknown } = {}) {
    super('SSH_AUTH_REFUSED', host, message, options);
  }
}

/** The host's key is in no known_hosts file and StrictHostKeyChecking does not allow adding it. */
export class SshHostKeyUnknownError extends HostError {
  constructor(host: string, message: string) {
    super('SSH_HOST_KEY_UNKNOWN', host, message);
  }
}

/** The host presented a key other than the one known_hosts has for it (or a revoked one). */
export class SshHostKeyChangedError extends HostError {
  constructor(host: string, message: string) {
    super('SSH_HOST_KEY_CHANGED', host, message);
  }
}

/** Any other failure of the SSH connection itself (protocol, closed by the host). */
export class SshConnectionError extends HostError {
  constructor(host: string, message: string, options: { cause?: unknown } = {}) {
    super('SSH_CONNECTION_FAILED', host, message, options);
  }
}

/** The host has no flink-ts at the path of this installation. */
export class RemoteInstallMissingError extends HostError {
  constructor(host: string, message: string) {
    super('REMOTE_FLINK_MISSING', host, message);
  }
}

/** The host has flink-ts at the same path, but another version of it. */
export class RemoteVersionMismatchError extends HostError {
  constructor(host: string, message: string) {
    super('REMOTE_FLINK_VERSION_MISMATCH', host, message);
  }
}

/** A bin/ script on the host (local or remote) exited non-zero or was killed. */
export class HostCommandFailedError extends HostError {
  constructor(host: string, message: string, options: { cause?: unknown } = {}) {
    super('HOST_COMMAND_FAILED', host, message, options);
  }
}

/** FLINK_SSH_OPTS / env.ssh.opts holds something the SSH client cannot honour. */
export class SshOptionsError extends FlinkError {
  constructor(message: string) {
    super('SSH_OPTIONS_INVALID', message);
  }
}

/** conf/masters or conf/workers is missing or unusable. */
export class HostsFileError extends FlinkError {
  constructor(message: string) {
    super('HOSTS_FILE_INVALID', message);
  }
}
