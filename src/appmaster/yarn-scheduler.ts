/**
 * The ApplicationMaster's side of YARN, over Hadoop IPC (src/yarn/): its registration and final status at the
 * ResourceManager's scheduler, the heartbeat that asks for TaskManager containers, and starting and stopping
 * those containers on their NodeManagers — the three small interfaces ApplicationMaster and YarnResourceDriver
 * need, so both stay testable without a YARN.
 */
import {
  ApplicationMasterClient,
  formatContainerId,
  NodeManagerClient,
  serializeCredentials,
  withoutAmRmToken,
  type Container,
  type ContainerLaunchContext,
  type Credentials,
  type LocalResource as IpcLocalResource,
} from '../yarn/index.js';
import type { LocalResources } from '../yarn/client/index.js';
import { getLogger } from '../util/logger.js';
import type { ApplicationRegistration, FinalApplicationStatus } from './application-master.js';
import type { AllocatedContainer, CompletedContainer, ContainerAllocator, ContainerLauncher, ContainerResource } from './yarn-resource-driver.js';

const log = getLogger('org.apache.flink.yarn.YarnResourceManagerDriver');

/** A container of an allocate response, with what starting and stopping it needs. */
export interface YarnContainer extends AllocatedContainer {
  readonly container: Container;
}

/** TaskManager containers all ask at this priority (one resource profile). */
const TASK_MANAGER_PRIORITY = 1;

export class YarnScheduler implements ApplicationRegistration, ContainerAllocator<YarnContainer>, ContainerLauncher<YarnContainer> {
  private responseId = 0;
  private readonly nodeManagers: NodeManagerClient;
  /** The tokens TaskManager containers get: the AM's own, without its AMRMToken. */
  private readonly containerTokens: Buffer;

  constructor(
    private readonly am: ApplicationMasterClient,
    credentials: Credentials,
    /** How a TaskManager container is launched (the same for all; the container id goes into its command). */
    private readonly launchContext: (container: YarnContainer) => ContainerLaunchContext,
  ) {
    this.nodeManagers = new NodeManagerClient({ nmTokens: am.nmTokens });
    this.containerTokens = serializeCredentials(withoutAmRmToken(credentials));
  }

  async register(r: { host: string; port: number; trackingUrl: string }): Promise<void> {
    const res = await this.am.registerApplicationMaster({ host: r.host, rpcPort: r.port, trackingUrl: r.trackingUrl });
    const max = res.maximumCapability;
    log.info(`Registered at the ResourceManager (queue ${res.queue ?? 'default'}; largest container ${max?.memory ?? '?'} MB, ${max?.virtualCores ?? '?'} vcores).`);
  }

  async finish(status: FinalApplicationStatus, diagnostics: string, trackingUrl: string): Promise<void> {
    await this.am.finishApplicationMaster({ finalApplicationStatus: `APP_${status}`, diagnostics, trackingUrl });
  }

  async allocate(request: { containers: number; resource: ContainerResource; release: readonly YarnContainer[]; progress: number }): Promise<{
    allocated: readonly YarnContainer[];
    completed: readonly CompletedContainer[];
  }> {
    const res = await this.am.allocate({
      responseId: this.responseId,
      ask: [
        {
          priority: { priority: TASK_MANAGER_PRIORITY },
          resourceName: '*',
          capability: { memory: request.resource.memoryMb, virtualCores: request.resource.vcores },
          numContainers: request.containers,
          relaxLocality: true,
        },
      ],
      release: request.release.map((c) => c.container.id ?? {}),
      progress: request.progress,
    });
    this.responseId = res.responseId ?? this.responseId + 1;
    return {
      allocated: res.allocatedContainers.map((c) => ({ id: formatContainerId(c.id), host: c.nodeId?.host ?? '?', container: c })),
      completed: res.completedContainerStatuses.map((s) => ({ id: formatContainerId(s.containerId), exitStatus: s.exitStatus ?? -1000, diagnostics: s.diagnostics ?? '' })),
    };
  }

  async launch(c: YarnContainer): Promise<void> {
    await this.nodeManagers.startContainer(c.container, { ...this.launchContext(c), tokens: this.containerTokens });
  }

  async stop(c: YarnContainer): Promise<void> {
    if (!c.container.id) return;
    await this.nodeManagers.stopContainer(c.container.nodeId ?? {}, c.container.id);
  }

  /** Closes the NodeManager and scheduler connections; safe to call twice. */
  async close(): Promise<void> {
    await Promise.all([this.nodeManagers.close(), this.am.close()]);
  }
}

/** The local resources of a submission (REST form: hdfs:// URLs) in the form of a launch context. */
export function launchResources(resources: LocalResources): { key: string; value: IpcLocalResource }[] {
  return Object.entries(resources).map(([key, r]) => {
    const url = new URL(r.resource);
    return {
      key,
      value: {
        resource: { scheme: url.protocol.replace(/:$/, ''), host: url.hostname, ...(url.port ? { port: Number(url.port) } : {}), file: decodeURIComponent(url.pathname) },
        size: r.size,
        timestamp: r.timestamp,
        type: r.type,
        visibility: r.visibility,
      },
    };
  });
}
