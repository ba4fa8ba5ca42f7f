/**
 * YARN for an ApplicationMaster: Hadoop IPC v9 with SASL DIGEST-MD5 (ipc/), the YARN records as protobuf messages
 * defined in proto/, the credentials file of a container, and typed clients for the two protocols an AM speaks:
 * {@link ApplicationMasterClient} to the ResourceManager's scheduler and {@link NodeManagerClient} to each
 * NodeManager. Submitting an application needs none of this: the ResourceManager's REST API does that.
 *
 * ```ts
 * const creds = await readTokenFile();                         // $HADOOP_TOKEN_FILE_LOCATION
 * const am = new ApplicationMasterClient({ host: rmHost, port: 8030, amRmToken: amRmTokenOf(creds, 'token file') });
 * await am.registerApplicationMaster({ host: 'am-host', rpcPort: 6123, trackingUrl: 'http://am-host:8081' });
 * const res = await am.allocate({ responseId: 0, ask: [{ priority: { priority: 1 }, resourceName: '*', capability: { memory: 1024, virtualCores: 1 }, numContainers: 1 }] });
 * const nm = new NodeManagerClient({ nmTokens: am.nmTokens });
 * for (const c of res.allocatedContainers) {
 *   await nm.startContainer(c, { command: ['...'], tokens: serializeCredentials(withoutAmRmToken(creds)) });
 * }
 * await am.finishApplicationMaster({ finalApplicationStatus: 'APP_SUCCEEDED', diagnostics: 'done' });
 * await Promise.all([nm.close(), am.close()]);
 * ```
 */
export { ApplicationMasterClient, APPLICATION_MASTER_PROTOCOL, type ApplicationMasterClientInit, type FinishOptions } from './application-master-client.js';
export { NodeManagerClient, CONTAINER_MANAGEMENT_PROTOCOL, type NodeManagerClientInit } from './node-manager-client.js';
export { NMTokenCache } from './nm-token-cache.js';
export {
  AMRM_TOKEN_KIND,
  NM_TOKEN_KIND,
  TOKEN_FILE_ENV,
  amRmTokenOf,
  emptyCredentials,
  findToken,
  parseCredentials,
  readTokenFile,
  serializeCredentials,
  withoutAmRmToken,
  type Credentials,
  type CredentialsFormat,
} from './token-file.js';
export { formatApplicationId, formatAttemptId, formatContainerId, nodeAddress, parseContainerId, sameContainerId } from './yarn-ids.js';
export { IpcConnection, DEFAULT_IPC_TIMEOUTS, type CallOptions, type IpcConnectionInit, type IpcTimeouts } from './ipc/ipc-connection.js';
export {
  IpcAuthenticationError,
  IpcConnectError,
  IpcConnectionClosedError,
  IpcConnectionLostError,
  IpcFatalError,
  IpcProtocolError,
  IpcRemoteError,
  IpcTimeoutError,
  type IpcPeer,
} from './ipc/ipc-errors.js';
export { ProtoDefinitionsMissingError } from './ipc/proto-codec.js';
export { AmRmTokenMissingError, ContainerRequestFailedError, NmTokenMissingError, TokenFileError, UnregisterTimeoutError } from './yarn-errors.js';
export type * from './records.js';
