/**
 * The YARN records as plain TypeScript data, mirroring src/yarn/proto/*.proto after protobufjs' conversion:
 * field names in camelCase, 64-bit integers as numbers (every id, timestamp and size YARN sends fits in 2^53),
 * enums as their names, bytes as Uint8Array. Absent optional fields are `undefined`; repeated fields are always
 * arrays when decoded. Keep these in step with the .proto files: the unit tests round-trip every message.
 */

/** A Hadoop token (AMRMToken, NMToken, container token, delegation token): opaque identifier and password. */
export interface HadoopToken {
  identifier: Uint8Array;
  password: Uint8Array;
  kind: string;
  service: string;
}

export interface ApplicationId {
  id?: number;
  clusterTimestamp?: number;
}

export interface ApplicationAttemptId {
  applicationId?: ApplicationId;
  attemptId?: number;
}

export interface ContainerId {
  appId?: ApplicationId;
  appAttemptId?: ApplicationAttemptId;
  /** The container number in the low 40 bits, the ResourceManager's epoch above them. */
  id?: number;
}

export interface Resource {
  /** MiB */
  memory?: number;
  virtualCores?: number;
}

export interface Priority {
  priority?: number;
}

export interface NodeId {
  host?: string;
  port?: number;
}

export type ExecutionType = 'GUARANTEED' | 'OPPORTUNISTIC';

export interface Container {
  id?: ContainerId;
  nodeId?: NodeId;
  nodeHttpAddress?: string;
  resource?: Resource;
  priority?: Priority;
  containerToken?: HadoopToken;
  executionType?: ExecutionType;
  allocationRequestId?: number;
}

export interface ResourceRequest {
  priority?: Priority;
  /** A host, a rack, or `*` for anywhere. */
  resourceName?: string;
  capability?: Resource;
  /** The total still wanted for this priority and resource name: a later ask replaces it, never adds to it. */
  numContainers?: number;
  relaxLocality?: boolean;
  nodeLabelExpression?: string;
}

export type ContainerState = 'CONTAINER_NEW' | 'CONTAINER_RUNNING' | 'CONTAINER_COMPLETE';

export interface ContainerStatus {
  containerId?: ContainerId;
  state?: ContainerState;
  diagnostics?: string;
  /** The process's exit code, or YARN's negative codes (-100 aborted, -102 preempted, ...). */
  exitStatus?: number;
}

export interface Url {
  scheme?: string;
  host?: string;
  port?: number;
  file?: string;
  userInfo?: string;
}

export type LocalResourceType = 'ARCHIVE' | 'FILE' | 'PATTERN';
export type LocalResourceVisibility = 'PUBLIC' | 'PRIVATE' | 'APPLICATION';

export interface LocalResource {
  resource?: Url;
  size?: number;
  /** Must equal the file's modification time in its file system, else localization fails. */
  timestamp?: number;
  type?: LocalResourceType;
  visibility?: LocalResourceVisibility;
  pattern?: string;
}

export interface ContainerLaunchContext {
  localResources?: { key: string; value: LocalResource }[];
  /** A credentials file's bytes (see serializeCredentials): the NodeManager writes them to the container. */
  tokens?: Uint8Array;
  serviceData?: { key: string; value: Uint8Array }[];
  environment?: { key: string; value: string }[];
  command?: string[];
}

export interface NMToken {
  nodeId?: NodeId;
  token?: HadoopToken;
}

/** A Java exception as data (why a NodeManager refused one container of a batch). */
export interface SerializedException {
  message?: string;
  trace?: string;
  className?: string;
  cause?: SerializedException;
}

export interface ContainerExceptionEntry {
  containerId?: ContainerId;
  exception?: SerializedException;
}

// --- ApplicationMasterProtocol --------------------------------------------------------------------------------

export interface RegisterApplicationMasterRequest {
  host: string;
  rpcPort: number;
  trackingUrl: string;
}

export interface RegisterApplicationMasterResponse {
  maximumCapability?: Resource;
  clientToAmTokenMasterKey?: Uint8Array;
  containersFromPreviousAttempts: Container[];
  queue?: string;
  nmTokensFromPreviousAttempts: NMToken[];
}

export interface AllocateRequest {
  ask?: ResourceRequest[];
  release?: ContainerId[];
  blacklistRequest?: { blacklistAdditions?: string[]; blacklistRemovals?: string[] };
  /** The responseId of the last response, 0 after registering. */
  responseId: number;
  /** 0..1 */
  progress?: number;
}

export type AMCommand = 'AM_RESYNC' | 'AM_SHUTDOWN';

export interface AllocateResponse {
  amCommand?: AMCommand;
  responseId?: number;
  allocatedContainers: Container[];
  completedContainerStatuses: ContainerStatus[];
  limit?: Resource;
  numClusterNodes?: number;
  nmTokens: NMToken[];
  amRmToken?: HadoopToken;
}

export type FinalApplicationStatus = 'APP_UNDEFINED' | 'APP_SUCCEEDED' | 'APP_FAILED' | 'APP_KILLED';

export interface FinishApplicationMasterRequest {
  diagnostics?: string;
  trackingUrl?: string;
  finalApplicationStatus: FinalApplicationStatus;
}

export interface FinishApplicationMasterResponse {
  isUnregistered?: boolean;
}

// --- ContainerManagementProtocol ------------------------------------------------------------------------------

export interface StartContainerRequest {
  containerLaunchContext: ContainerLaunchContext;
  /** The allocated Container's containerToken, unchanged. */
  containerToken: HadoopToken;
}

export interface StartContainersRequest {
  startContainerRequest: StartContainerRequest[];
}

export interface StartContainersResponse {
  servicesMetaData: { key?: string; value?: Uint8Array }[];
  succeededRequests: ContainerId[];
  failedRequests: ContainerExceptionEntry[];
}

export interface StopContainersRequest {
  containerId: ContainerId[];
}

export interface StopContainersResponse {
  succeededRequests: ContainerId[];
  failedRequests: ContainerExceptionEntry[];
}

export interface GetContainerStatusesRequest {
  containerId: ContainerId[];
}

export interface GetContainerStatusesResponse {
  status: ContainerStatus[];
  failedRequests: ContainerExceptionEntry[];
}
