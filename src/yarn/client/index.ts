/**
 * The client side of running flink-ts on YARN: where YARN is (yarn-site.xml), the ResourceManager's REST API,
 * the application's HDFS staging directory, the content-addressed platform and Node.js archives shared by all
 * submissions, and {@link submitApplication} tying them together.
 *
 * ```ts
 * const app = await submitApplication({
 *   conf, appName: 'WordCount', amResource: { memoryMb: 1024, vCores: 1 },
 *   amCommand: (l) => [l.node, `${l.platformDir}/dist/src/appmaster/entrypoint.js`],
 *   files: { bundle: { name: 'WordCount.mjs', data: bundle }, config: { name: 'flink-conf.yaml', data: yaml } },
 *   onProgress: (line) => console.log(line),
 * });
 * const { failed, diagnostics } = await followApplication(app.applicationId, (line) => console.log(line));
 * // ... and in the ApplicationMaster: readApplicationMasterEnvironment(), removeStagingDirectory(am.stagingDir, { webHdfs: am.webHdfs, user: am.user })
 * ```
 */
export { containerOf, type DaemonContainer } from './container-resources.js';
export {
  AM_ENV,
  CLUSTER_ENV,
  type StagedJob,
  type StagedProgram,
  decodeEnvJson,
  encodeEnvJson,
  NODE_LINK,
  PLATFORM_LINK,
  SHIPPED_NODE_PATH,
  readApplicationMasterEnvironment,
  shellCommand,
  type ApplicationMasterEnvironment,
  type ContainerLayout,
} from './container-layout.js';
export {
  defaultCacheDir,
  ensureSharedArchive,
  installationHome,
  nodeRuntimeArchive,
  platformArchive,
  platformInputs,
  type ArchiveInput,
  type ArchiveKind,
  type CachedArchive,
  type PlatformArchiveOptions,
  type SharedArchive,
} from './platform-archive.js';
export {
  DEFAULT_RM_TIMEOUT_MS,
  FINAL_APPLICATION_STATES,
  isFinalState,
  ResourceManagerRestClient,
  toSubmissionJson,
  type ApplicationReport,
  type ApplicationSubmission,
  type ClusterMetrics,
  type ContainerLaunchSpec,
  type FinalApplicationStatus,
  type LocalResource,
  type LocalResources,
  type LocalResourceType,
  type LocalResourceVisibility,
  type NewApplication,
  type ResourceManagerRestClientInit,
  type YarnApplicationState,
} from './rm-rest-client.js';
export {
  ApplicationStaging,
  describeLocalResource,
  hdfsOf,
  isPubliclyReadable,
  removeStagingDirectory,
  resolveStagingRoot,
  STAGING_FOLDER,
  stagingDirectoryOf,
  sweepEndedStagingDirectories,
  uploadFile,
  type HdfsAccess,
  type StagedFile,
} from './staging.js';
export {
  ApplicationFailedError,
  ApplicationNotFoundError,
  InsufficientResourcesError,
  ResourceManagerRemoteError,
  ResourceManagerUnreachableError,
  YarnDeploymentError,
  type ResourceAmount,
  type ResourceOffer,
} from './yarn-errors.js';
export {
  DEFAULT_RM_SCHEDULER_PORT,
  DEFAULT_RM_WEBAPP_PORT,
  resolveYarnSettings,
  type ResourceManagerEndpoint,
  type YarnAddress,
  type YarnSettings,
} from './yarn-site.js';
export {
  describeProgress,
  followApplication,
  killApplication,
  submitApplication,
  type FollowOptions,
  type FollowResult,
  type SubmitApplicationOptions,
  type SubmittedApplication,
} from './yarn-submission.js';
