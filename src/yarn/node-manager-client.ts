/**
 * ContainerManagementProtocol: what an ApplicationMaster says to a NodeManager (start, stop, and ask about its
 * containers). Each NodeManager only accepts this application's NMToken for that node, which the ResourceManager
 * sends along with the first container it allocates there; this client looks it up in the {@link NMTokenCache}
 * the ApplicationMasterClient fills, and keeps one connection per node, replaced when the node's token changes.
 *
 * ```ts
 * const nm = new NodeManagerClient({ nmTokens: am.nmTokens });
 * await nm.startContainer(container, { command: [...], environment: [...], tokens: serializeCredentials(withoutAmRmToken(creds)) });
 * await nm.close();
 * ```
 *
 * An RPC that succeeds may still have failed for some containers: startContainers returns them in
 * `failedRequests`; startContainer/stopContainer turn that into a ContainerRequestFailedError.
 */
import { IpcConnection, type IpcTimeouts } from './ipc/ipc-connection.js';
import { IpcConnectionClosedError } from './ipc/ipc-errors.js';
import type { NMTokenCache } from './nm-token-cache.js';
import type {
  Container,
  ContainerExceptionEntry,
  ContainerId,
  ContainerLaunchContext,
  ContainerStatus,
  GetContainerStatusesResponse,
  HadoopToken,
  NodeId,
  StartContainerRequest,
  StartContainersResponse,
  StopContainersResponse,
} from './records.js';
import { formatContainerId, nodeAddress } from './yarn-ids.js';
import { ContainerRequestFailedError, NmTokenMissingError } from './yarn-errors.js';

export const CONTAINER_MANAGEMENT_PROTOCOL = 'org.apache.hadoop.yarn.api.ContainerManagementProtocolPB';

export interface NodeManagerClientInit {
  nmTokens: NMTokenCache;
  ipc?: Partial<IpcTimeouts>;
}

interface NodeConnection {
  token: HadoopToken;
  connection: Promise<IpcConnection>;
}

const T = 'flinkts.yarn.';

export class NodeManagerClient {
  private readonly nodes = new Map<string, NodeConnection>();
  private closed = false;

  constructor(private readonly init: NodeManagerClientInit) {}

  async startContainers(node: NodeId, requests: StartContainerRequest[]): Promise<StartContainersResponse> {
    return this.call<StartContainersResponse>(node, 'startContainers', 'StartContainersRequest', { startContainerRequest: requests });
  }

  async stopContainers(node: NodeId, containerIds: ContainerId[]): Promise<StopContainersResponse> {
    return this.call<StopContainersResponse>(node, 'stopContainers', 'StopContainersRequest', { containerId: containerIds });
  }

  async getContainerStatuses(node: NodeId, containerIds: ContainerId[]): Promise<GetContainerStatusesResponse> {
    return this.call<GetContainerStatusesResponse>(node, 'getContainerStatuses', 'GetContainerStatusesRequest', { containerId: containerIds });
  }

  /** Starts one allocated container; throws ContainerRequestFailedError when the NodeManager refused it. */
  async startContainer(container: Container, launchContext: ContainerLaunchContext): Promise<void> {
    if (!container.containerToken) throw new TypeError(`container ${formatContainerId(container.id)} has no container token; pass the Container from an allocate response`);
    const res = await this.startContainers(container.nodeId ?? {}, [{ containerLaunchContext: launchContext, containerToken: container.containerToken }]);
    throwFailure('start', res.failedRequests, nodeAddress(container.nodeId));
  }

  /** Stops one container; throws ContainerRequestFailedError when the NodeManager refused. */
  async stopContainer(node: NodeId, containerId: ContainerId): Promise<void> {
    const res = await this.stopContainers(node, [containerId]);
    throwFailure('stop', res.failedRequests, nodeAddress(node));
  }

  /** One container's status as its NodeManager sees it. */
  async getContainerStatus(node: NodeId, containerId: ContainerId): Promise<ContainerStatus> {
    const res = await this.getContainerStatuses(node, [containerId]);
    throwFailure('status', res.failedRequests, nodeAddress(node));
    const status = res.status[0];
    if (!status) throw new ContainerRequestFailedError('status', formatContainerId(containerId), nodeAddress(node), undefined, 'no status returned');
    return status;
  }

  /** Closes every node connection; idempotent. */
  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.nodes.values()];
    this.nodes.clear();
    await Promise.all(all.map((n) => n.connection.then((c) => c.close(), () => undefined)));
  }

  private async call<Res>(node: NodeId, method: string, type: string, request: object): Promise<Res> {
    const conn = await this.connect(node);
    return conn.call<Res>(method, `${T}${type}`, request, `${T}${type.replace(/Request$/, 'Response')}`);
  }

  private async connect(node: NodeId): Promise<IpcConnection> {
    const address = nodeAddress(node);
    for (;;) {
      if (this.closed) throw new IpcConnectionClosedError({ address, protocol: CONTAINER_MANAGEMENT_PROTOCOL });
      const token = this.init.nmTokens.get(address);
      if (!token) throw new NmTokenMissingError(address);
      const cached = this.nodes.get(address);
      if (cached && sameToken(cached.token, token)) {
        const conn = await cached.connection.catch(() => undefined);
        if (conn?.isOpen) return conn;
        // Another call may have replaced it while this one waited: use that one.
        if (this.nodes.get(address) !== cached) continue;
      }
      // A newer NMToken (the RM rolled its key) or a broken connection: open a new one, close the old.
      if (cached) void cached.connection.then((c) => c.close(), () => undefined);
      const connection = IpcConnection.open({ host: node.host ?? '', port: node.port ?? 0, protocol: CONTAINER_MANAGEMENT_PROTOCOL, token, ...this.init.ipc });
      this.nodes.set(address, { token, connection });
      return connection;
    }
  }
}

/** The RM may send a node's NMToken again as a new object: only different bytes mean a new token. */
function sameToken(a: HadoopToken, b: HadoopToken): boolean {
  return a === b || (Buffer.from(a.identifier).equals(b.identifier) && Buffer.from(a.password).equals(b.password));
}

function throwFailure(operation: 'start' | 'stop' | 'status', failed: ContainerExceptionEntry[], node: string): void {
  const first = failed[0];
  if (!first) return;
  throw new ContainerRequestFailedError(operation, formatContainerId(first.containerId), node, first.exception?.className, first.exception?.message ?? '(no message)');
}
