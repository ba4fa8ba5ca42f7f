/**
 * Flink's ZooKeeper layout from 1.15 on (one leader latch per JobManager process), relative to the namespace
 * `<high-availability.zookeeper.path.root><high-availability.cluster-id>`. The data in the nodes is flink-ts' own
 * (JSON), not the serialized Java objects Flink writes: a Java Flink cluster cannot share these nodes.
 */

/** The namespace of a cluster: root and cluster id joined with single slashes, e.g. `/flink/default`. */
export function zooKeeperNamespace(root: string, clusterId: string): string {
  const joined = `/${root}/${clusterId}`.replace(/\/+/g, '/').replace(/\/$/, '');
  return joined === '' ? '/' : joined;
}

/** The components whose leader addresses are published under `/leader/<component>/connection_info`. */
export const LeaderComponents = Object.freeze({
  DISPATCHER: 'dispatcher',
  RESOURCE_MANAGER: 'resource_manager',
  REST_SERVER: 'rest_server',
});

export const ZooKeeperPaths = Object.freeze({
  /** Parent of the ephemeral-sequential latch nodes; the lowest sequence number leads. */
  LATCH: '/leader/latch',
  /** A component's leader node, or a job's (`component` = the job id). */
  leader: (component: string): string => `/leader/${component}`,
  connectionInfo: (component: string): string => `/leader/${component}/connection_info`,
  JOB_GRAPHS: '/jobgraphs',
  jobGraph: (jobId: string): string => `/jobgraphs/${jobId}`,
  JOBS: '/jobs',
  job: (jobId: string): string => `/jobs/${jobId}`,
  checkpoints: (jobId: string): string => `/jobs/${jobId}/checkpoints`,
  /** Zero-padded to 19 digits, so names sort like the ids. */
  checkpoint: (jobId: string, checkpointId: number): string => `/jobs/${jobId}/checkpoints/${String(checkpointId).padStart(19, '0')}`,
  checkpointIdCounter: (jobId: string): string => `/jobs/${jobId}/checkpoint_id_counter`,
});
