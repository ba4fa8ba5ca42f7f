/** What can go wrong submitting to YARN, one class per condition a user has to act on, each with a stable code. */
import { FlinkError } from '../../util/errors.js';

/** The ResourceManager's web address did not answer (connection refused, unknown host, timeout). */
export class ResourceManagerUnreachableError extends FlinkError {
  constructor(
    readonly url: string,
    readonly source: string,
    detail: string,
    cause?: unknown,
  ) {
    super(
      'YARN_RM_UNREACHABLE',
      `Could not reach the YARN ResourceManager at ${url} (address from ${source}): ${detail}. ` +
        'Check that YARN is running (e.g. scripts/hadoop.sh start) and that HADOOP_CONF_DIR (or YARN_CONF_DIR) points at its yarn-site.xml.',
      { cause, recoverable: true },
    );
  }
}

export interface ResourceAmount {
  memoryMb: number;
  vCores: number;
}

/** What the cluster can give, as the ResourceManager reports it. */
export interface ResourceOffer {
  /** The largest single container the scheduler allocates (maximum-resource-capability). */
  maximumAllocation: ResourceAmount;
  /** What is free in the cluster right now (cluster metrics availableMB / availableVirtualCores). */
  available?: ResourceAmount;
}

/** A container ask the ResourceManager can never satisfy: bigger than its maximum allocation. */
export class InsufficientResourcesError extends FlinkError {
  constructor(
    readonly what: string,
    readonly asked: ResourceAmount,
    readonly offer: ResourceOffer,
  ) {
    const avail = offer.available ? `; the cluster has ${offer.available.memoryMb} MB and ${offer.available.vCores} vcores available now` : '';
    super(
      'YARN_INSUFFICIENT_RESOURCES',
      `The ${what} asks for ${asked.memoryMb} MB and ${asked.vCores} vcores, but the YARN ResourceManager allocates at most ` +
        `${offer.maximumAllocation.memoryMb} MB and ${offer.maximumAllocation.vCores} vcores per container${avail}. ` +
        `Ask for less (${/TaskManager/.test(what) ? '-ytm / taskmanager.memory.process.size, yarn.containers.vcores or fewer taskmanager.numberOfTaskSlots' : '-yjm / jobmanager.memory.process.size, yarn.appmaster.vcores'}) ` +
        'or raise yarn.scheduler.maximum-allocation-mb / -vcores in yarn-site.xml.',
    );
  }
}

/** The ResourceManager answered with an error (its RemoteException kept). */
export class ResourceManagerRemoteError extends FlinkError {
  constructor(
    readonly operation: string,
    readonly status: number,
    readonly exception: string,
    readonly remoteMessage: string,
  ) {
    super('YARN_RM_ERROR', `The YARN ResourceManager refused to ${operation} (HTTP ${status}, ${exception}): ${remoteMessage}`, {
      recoverable: status >= 500,
    });
  }
}

/** The ResourceManager does not know the application (a wrong id, or one from before an RM restart). */
export class ApplicationNotFoundError extends FlinkError {
  constructor(
    readonly applicationId: string,
    rmUrl: string,
  ) {
    super('YARN_APPLICATION_NOT_FOUND', `The YARN ResourceManager at ${rmUrl} knows no application ${applicationId}. Check the id (yarn application -list shows the running ones).`);
  }
}

/** An application ended without reaching RUNNING (or while it was followed): its final state and YARN's diagnostics. */
export class ApplicationFailedError extends FlinkError {
  constructor(
    readonly applicationId: string,
    readonly state: string,
    readonly finalStatus: string,
    readonly diagnostics: string,
  ) {
    super('YARN_APPLICATION_FAILED', `The YARN application ${applicationId} ended ${state} (final status ${finalStatus}). Diagnostics from YARN: ${diagnostics || '(none)'}`);
  }
}

/** A yarn.* setting or a submission argument that cannot work. */
export class YarnDeploymentError extends FlinkError {
  constructor(message: string, cause?: unknown) {
    super('YARN_DEPLOYMENT', message, { cause });
  }
}
