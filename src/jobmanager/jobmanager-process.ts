/**
 * The JobManager process (Flink's StandaloneSessionClusterEntrypoint): the RPC endpoint TaskManagers
 * register at, the ResourceManager, the Dispatcher with its JobMasters, and the REST endpoint. The endpoints are
 * up from the start; the resource manager and dispatcher act only while the process leads (always, with
 * high-availability: NONE; under ZooKeeper HA while it holds the leader latch). A leader publishes its addresses
 * for TaskManagers and clients; on losing leadership it lets its TaskManagers go and suspends its jobs at once.
 */
import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import {
  BlobServerOptions,
  CheckpointingOptions,
  ClusterOptions,
  HighAvailabilityOptions,
  CoreOptions,
  HeartbeatManagerOptions,
  JobManagerOptions,
  RestOptions,
  WebOptions,
  restAddress,
  hideSensitiveValues,
  metricReporters,
  restSslServerOptions,
  type Configuration,
} from '../config/index.js';
import { createHaServices, FileSystemBlobStore, type HighAvailabilityServices, type LeaderContender } from '../ha/index.js';
import { configureFileSystems } from '../fs/index.js';
import { RpcServer } from '../rpc/rpc-connection.js';
import { Dispatcher, type ProgramPlanner } from './dispatcher/dispatcher.js';
import { ResourceManager } from './resourcemanager/resource-manager.js';
import { ResourceManagerTaskManagerFiles } from './resourcemanager/task-manager-files.js';
import type { ResourceDriver } from './resourcemanager/resource-driver.js';
import { RestServerEndpoint, webUiHandler } from './rest/index.js';
import { parsePortSpec } from './rest/rest-server-endpoint.js';
import { getLogger } from '../util/logger.js';
import { FLINK_TS_REVISION, FLINK_TS_VERSION } from '../util/version.js';
import { MetricRegistry, MetricReporters, ProcessMetrics } from '../metrics/index.js';

const log = getLogger('org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint');

export interface JobManagerProcessOptions {
  config: Configuration;
  /** Overrides `jobmanager.rpc.port` (0 = any free port; tests and the local cluster use it). */
  rpcPort?: number;
  /** Overrides `rest.port`/`rest.bind-port`. */
  restPort?: string;
  /** Host to bind and advertise, from `jobmanager.sh start <host>`. */
  host?: string;
  planner?: ProgramPlanner;
  /** Called when a client asked the cluster to shut down (DELETE /cluster). */
  onShutdownRequest?: () => void;
  /** Starts TaskManagers on demand (the YARN ApplicationMaster's); unset: TaskManagers are started outside (standalone). */
  resourceDriver?: ResourceDriver;
  /**
   * This daemon's log file (FLINK_LOG_FILE), which the REST API serves with the `.out` next to it; unset when the
   * JobManager logs to a console or shares another program's process (the local cluster).
   */
  logFile?: string;
  /**
   * Whether this JobManager starts the configured metric reporters (default true). The local cluster says false
   * and runs one set for the whole process, as Flink's MiniCluster does.
   */
  startMetricReporters?: boolean;
}

export class JobManagerProcess implements LeaderContender {
  private rpc: RpcServer | undefined;
  private rm: ResourceManager | undefined;
  private dispatcher: Dispatcher | undefined;
  private rest: RestServerEndpoint | undefined;
  private ha: HighAvailabilityServices | undefined;
  /** `host:port` of the RPC endpoint, as published to TaskManagers. */
  private rpcAddress = '';
  /** The session this process leads under; undefined while it is a standby. */
  private leaderSessionId: string | undefined;
  /** The leader's REST URL as the HA services tell it (a standby redirects there). */
  private restLeader: string | undefined;
  private readonly workDir: string;
  private closed = false;
  /** This JobManager's metrics: its process's, the cluster's and each running job's (read by the reporters). */
  readonly metrics = new MetricRegistry();
  private readonly processMetrics = new ProcessMetrics();
  private reporters: MetricReporters | undefined;
  /** Resolves once this process leads and its dispatcher has recovered the jobs of the HA stores. */
  private leading!: () => void;
  private readonly leadingPromise = new Promise<void>((resolve) => (this.leading = resolve));

  constructor(private readonly o: JobManagerProcessOptions) {
    // The JobManager prepares file sinks (hdfs:// too) with this cluster's file system settings.
    configureFileSystems(o.config);
    const tmp = o.config.get(CoreOptions.TMP_DIRS)[0] as string;
    this.workDir = join(tmp, `flink-ts-jobmanager-${randomUUID()}`);
  }

  get rpcPort(): number {
    return this.rpc?.port ?? 0;
  }
  get restPort(): number {
    return this.rest?.port ?? 0;
  }
  get restUrl(): string {
    return this.rest?.url ?? '';
  }
  get gateway(): Dispatcher {
    if (!this.dispatcher) throw new Error('The JobManager is not running.');
    return this.dispatcher;
  }

  async start(): Promise<void> {
    try {
      const conf = this.o.config;
      const host = this.o.host ?? conf.get(JobManagerOptions.ADDRESS);
      const heartbeatTimeoutMs = conf.get(HeartbeatManagerOptions.HEARTBEAT_TIMEOUT);
      this.rm = new ResourceManager({
        heartbeatIntervalMs: conf.get(HeartbeatManagerOptions.HEARTBEAT_INTERVAL),
        heartbeatTimeoutMs,
        slotRequestTimeoutMs: conf.get(JobManagerOptions.SLOT_REQUEST_TIMEOUT),
        rpcTimeoutMs: Math.max(10_000, Math.min(60_000, heartbeatTimeoutMs)),
        evenlySpreadOutSlots: conf.get(ClusterOptions.EVENLY_SPREAD_OUT_SLOTS),
        onTaskManagerLost: (tmId, err) => this.dispatcher?.allJobMasters().forEach((jm) => jm.onTaskManagerLost(tmId, err)),
        onTaskStateUpdate: (u, tmId) => this.dispatcher?.jobMaster(u.jobId)?.onTaskState(u, tmId),
        onTaskMetrics: (u, tmId) => this.dispatcher?.jobMaster(u.jobId)?.onTaskMetrics(u, tmId),
        onSuperstepReport: (u, tmId) => this.dispatcher?.jobMaster(u.jobId)?.onSuperstepReport(u, tmId),
        onCheckpointAck: (a) => this.dispatcher?.jobMaster(a.jobId)?.onCheckpointAck(a),
        onCheckpointDecline: (d) => this.dispatcher?.jobMaster(d.jobId)?.onCheckpointDecline(d),
        readJobBundle: (jobId) => this.gateway.readJobBundle(jobId),
        ...(this.o.resourceDriver ? { driver: this.o.resourceDriver } : {}),
      });
      this.ha = createHaServices(conf);
      const rmRef = this.rm;
      const rpcPorts = this.rpcPorts(conf, this.ha.mode);
      const rpcServer = (port: number): RpcServer =>
        new RpcServer(conf.getOptional(JobManagerOptions.BIND_HOST) ?? host, port, (c) => rmRef.accept(c), {
          what: "the JobManager's RPC endpoint",
          addressKey: 'jobmanager.bind-host',
          portKey: this.ha?.mode === 'ZOOKEEPER' ? 'high-availability.jobmanager.port' : 'jobmanager.rpc.port',
        });
      // Under ZooKeeper HA job bundles go to high-availability.storageDir, where every JobManager finds them.
      const blobStore =
        this.ha.mode === 'ZOOKEEPER' ? this.ha.blobStore() : new FileSystemBlobStore(conf.getOptional(BlobServerOptions.STORAGE_DIRECTORY) ?? join(this.workDir, 'blobStore'), true);
      const uploadDir = conf.getOptional(WebOptions.UPLOAD_DIR) ?? join(this.workDir, 'flink-web-upload');
      this.dispatcher = new Dispatcher({
        rm: this.rm,
        ha: this.ha,
        blobStore,
        uploadDir,
        // Served by GET /jobmanager/config: key passwords and the like are shown as ******, as Flink does.
        config: hideSensitiveValues(Object.entries(conf.toMap())),
        clusterConfiguration: conf,
        ...(this.o.planner && conf.get(WebOptions.SUBMIT_ENABLE) ? { planner: this.o.planner } : {}),
        onShutdownRequest: () => (this.o.onShutdownRequest ?? (() => void this.close()))(),
        ...savepointSettings(conf),
        processMetrics: () => this.processMetrics.collect(),
        metricRegistry: this.metrics,
        metricHost: host,
      });
      const dispatcher = this.dispatcher;
      this.metrics.add({ scope: 'jobmanager', variables: { host }, collect: () => dispatcher.jobManagerMetricSamples() });
      const tls = restSslServerOptions(conf);
      const rmOfFiles = this.rm;
      this.rest = new RestServerEndpoint({
        ...(tls ? { tls } : {}),
        gateway: this.dispatcher,
        bindAddress: conf.getOptional(RestOptions.BIND_ADDRESS) ?? (this.o.host ?? restAddress(conf)),
        advertisedAddress: this.o.host ?? restAddress(conf),
        port: this.o.restPort ?? conf.getOptional(RestOptions.BIND_PORT) ?? String(conf.get(RestOptions.PORT)),
        maxContentLength: conf.get(RestOptions.SERVER_MAX_CONTENT_LENGTH),
        webSubmitEnabled: conf.get(WebOptions.SUBMIT_ENABLE),
        uploadLimits: {
          maxFiles: conf.get(WebOptions.UPLOAD_MAX_FILES),
          maxTotalBytes: conf.get(WebOptions.UPLOAD_MAX_TOTAL_SIZE),
        },
        uploadDir: join(this.workDir, 'rest-upload'),
        flinkVersion: FLINK_TS_VERSION,
        flinkRevision: FLINK_TS_REVISION,
        log: (m) => log.info(m),
        // The dashboard on rest.port in every mode (standalone, local, YARN): all of them run this process.
        staticHandler: webUiHandler(),
        ...(this.o.logFile !== undefined ? { jobManagerLogFile: this.o.logFile } : {}),
        taskManagerFiles: new ResourceManagerTaskManagerFiles((tmId) => rmOfFiles.taskManager(tmId)?.conn, Math.max(10_000, Math.min(60_000, heartbeatTimeoutMs))),
        ...(this.ha.mode === 'ZOOKEEPER'
          ? { leadership: () => (this.leaderSessionId !== undefined ? { standby: false as const } : { standby: true as const, leaderUrl: this.restLeader }) }
          : {}),
      });
      // A wrong HA setting (quorum, storageDir) stops the start with one line naming the key.
      await this.ha.start();
      // A range (high-availability.jobmanager.port: 50100-50200) lets several JobManagers share a host.
      for (const [i, port] of rpcPorts.entries()) {
        this.rpc = rpcServer(port);
        try {
          await this.rpc.start();
          break;
        } catch (err) {
          if (i === rpcPorts.length - 1) throw err;
        }
      }
      if (!this.rpc) throw new Error('no RPC port');
      await this.dispatcher.start();
      this.rm.start();
      await this.rest.start();
      if (this.o.startMetricReporters !== false) {
        const bindHost = conf.getOptional(JobManagerOptions.BIND_HOST);
        this.reporters = await MetricReporters.start(metricReporters(conf), () => [this.metrics], { log, ...(bindHost === undefined ? {} : { bindHost }) });
      }
      this.rpcAddress = `${host}:${this.rpc.port}`;
      log.info(`JobManager RPC endpoint at ${this.rpcAddress}; REST endpoint at ${this.rest.url}.`);
      if (this.ha.mode === 'ZOOKEEPER') await this.ha.restLeaderRetrieval().start((leader) => (this.restLeader = leader?.address));
      await this.ha.jobManagerLeaderElection().start(this);
    } catch (err) {
      await this.close();
      throw err;
    }
  }

  /** The RPC ports to try: the one asked for, or `high-availability.jobmanager.port` under ZooKeeper HA, or jobmanager.rpc.port. */
  private rpcPorts(conf: Configuration, mode: HighAvailabilityServices['mode']): number[] {
    if (this.o.rpcPort !== undefined) return [this.o.rpcPort];
    if (mode === 'ZOOKEEPER') return parsePortSpec(conf.get(HighAvailabilityOptions.HA_JOB_MANAGER_PORT_RANGE));
    return [conf.get(JobManagerOptions.PORT)];
  }

  async grantLeadership(leaderSessionId: string): Promise<void> {
    log.info(`JobManager was granted leadership with session id ${leaderSessionId}.`);
    const election = this.ha?.jobManagerLeaderElection();
    if (!this.rm || !this.dispatcher || !this.rest || !election) return;
    this.leaderSessionId = leaderSessionId;
    this.rm.grantLeadership(leaderSessionId);
    // Published before the jobs are recovered, so TaskManagers register while the recovered jobs ask for slots.
    await election.confirmLeadership(leaderSessionId, this.rpcAddress, 'resource_manager');
    await election.confirmLeadership(leaderSessionId, this.rpcAddress, 'dispatcher');
    await election.confirmLeadership(leaderSessionId, this.rest.url, 'rest_server');
    await this.dispatcher.grantLeadership(leaderSessionId);
    this.leading();
  }

  /** Resolves once this process leads and has recovered the jobs of its HA stores (at once without HA). */
  whenLeading(): Promise<void> {
    return this.leadingPromise;
  }

  async revokeLeadership(): Promise<void> {
    log.info('JobManager lost leadership.');
    this.leaderSessionId = undefined;
    this.rm?.revokeLeadership();
    await this.dispatcher?.revokeLeadership();
  }

  /** Stops everything, in reverse order; safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const steps: Array<[string, () => Promise<void> | void]> = [
      ['metric reporters', () => this.reporters?.close()],
      ['dispatcher', () => this.dispatcher?.close()],
      ['resource manager', () => this.rm?.close()],
      ['REST endpoint', () => this.rest?.close()],
      ['RPC endpoint', () => this.rpc?.close()],
      ['HA services', () => this.ha?.close()],
      ['work directory', () => rm(this.workDir, { recursive: true, force: true })],
      ['process metrics', () => this.processMetrics.close()],
    ];
    for (const [name, step] of steps) {
      try {
        await step();
      } catch (err) {
        log.warn(`Error while stopping the ${name}.`, err);
      }
    }
  }
}

/** The cluster-wide savepoint settings the dispatcher applies. */
function savepointSettings(conf: Configuration): { defaultSavepointDirectory?: string; asyncOperationStoreMs: number } {
  const dir = conf.getOptional(CheckpointingOptions.SAVEPOINT_DIRECTORY);
  const asyncOperationStoreMs = conf.get(RestOptions.ASYNC_OPERATION_STORE_DURATION);
  return dir === undefined ? { asyncOperationStoreMs } : { defaultSavepointDirectory: dir, asyncOperationStoreMs };
}
