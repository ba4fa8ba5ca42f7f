/** What can go wrong for an ApplicationMaster talking to YARN, beyond the IPC layer (ipc/ipc-errors.ts). */
import { FlinkError } from '../util/errors.js';

/** A credentials file could not be read or is not one. */
export class TokenFileError extends FlinkError {
  constructor(
    readonly path: string,
    problem: string,
    todo: string,
    cause?: unknown,
  ) {
    super('YARN_TOKEN_FILE_INVALID', `Cannot read the Hadoop credentials file ${path}: ${problem}. ${todo}`, cause === undefined ? {} : { cause });
  }
}

/** The container's credentials hold no AMRMToken: not an ApplicationMaster container, or a broken launch. */
export class AmRmTokenMissingError extends FlinkError {
  constructor(source: string, kinds: string[]) {
    super(
      'YARN_AMRM_TOKEN_MISSING',
      `No YARN_AM_RM_TOKEN in ${source} (tokens found: ${kinds.length === 0 ? 'none' : kinds.join(', ')}). ` +
        'Only the ApplicationMaster container of a YARN application gets one; run this as the AM command.',
    );
  }
}

/** No NMToken for a NodeManager: the ResourceManager sends it with the first container allocated there. */
export class NmTokenMissingError extends FlinkError {
  constructor(node: string) {
    super(
      'YARN_NM_TOKEN_MISSING',
      `No NMToken for NodeManager ${node}. The ResourceManager sends one in the allocate response that first allocates ` +
        'a container on that node; pass the NMTokenCache the ApplicationMasterClient fills.',
    );
  }
}

/** The NodeManager accepted the call but refused to start (or stop) a container. */
export class ContainerRequestFailedError extends FlinkError {
  constructor(
    readonly operation: 'start' | 'stop' | 'status',
    readonly containerId: string,
    readonly node: string,
    readonly exceptionClassName: string | undefined,
    readonly remoteMessage: string,
  ) {
    super(
      'YARN_CONTAINER_REQUEST_FAILED',
      `NodeManager ${node} could not ${operation === 'status' ? 'report the status of' : operation} container ${containerId}` +
        `${exceptionClassName ? ` (${exceptionClassName})` : ''}: ${remoteMessage}`,
      { recoverable: true },
    );
  }
}

/** finishApplicationMaster kept answering "not yet unregistered" past the deadline. */
export class UnregisterTimeoutError extends FlinkError {
  constructor(timeoutMs: number) {
    super(
      'YARN_AM_UNREGISTER_TIMEOUT',
      `The ResourceManager did not confirm the ApplicationMaster's unregistration within ${timeoutMs} ms; the application may stay RUNNING until its AM exits.`,
      { recoverable: true },
    );
  }
}
