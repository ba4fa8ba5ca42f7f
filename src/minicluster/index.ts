/**
 * A whole cluster in one process: a JobManager and TaskManagers (whose slots are still worker threads),
 * talking over loopback on free ports. `bin/flink run -t local` runs jobs on one; tests use it too.
 *
 * ```ts
 * const cluster = new MiniCluster({ config: loadConfiguration(), taskManagers: 2, slotsPerTaskManager: 2 });
 * await cluster.start();
 * console.log(cluster.restUrl);
 * await cluster.close();
 * ```
 */
import type { Configuration } from '../config/index.js';
import { JobManagerOptions, metricReporters, TaskManagerOptions } from '../config/index.js';
import { MetricReporters } from '../metrics/index.js';
import { JobManagerProcess } from '../jobmanager/jobmanager-process.js';
import { createTaskExecutor, type TaskExecutor } from '../taskmanager/index.js';
import type { JobExecutor } from '../client/job-executor.js';
import { getLogger, setLogSink } from '../util/logger.js';
import { programPlannerFor } from '../client/plan-worker.js';
import { FlinkError } from '../util/errors.js';
import { jobProgressOf, sourceVertexIds } from '../client/job-progress.js';
import { jobDetailsJson } from '../jobmanager/rest/json-format.js';

export interface MiniClusterOptions {
  config: Configuration;
  taskManagers: number;
  slotsPerTaskManager?: number;
}

const log = getLogger('org.apache.flink.runtime.minicluster.MiniCluster');

export class MiniCluster {
  private jm: JobManagerProcess | undefined;
  private readonly tms: TaskExecutor[] = [];
  private reporters: MetricReporters | undefined;
  private closed = false;

  constructor(private readonly o: MiniClusterOptions) {}

  get restUrl(): string {
    return this.jm?.restUrl ?? '';
  }

  /** The port of each metric reporter endpoint this cluster serves (one for the whole process). */
  get metricReporterPorts(): number[] {
    return this.reporters?.ports ?? [];
  }

  get jobManager(): JobManagerProcess {
    if (!this.jm) throw new FlinkError('NOT_STARTED', 'The MiniCluster is not started.');
    return this.jm;
  }

  async start(): Promise<void> {
    const conf = this.o.config.with(
      {
        'jobmanager.rpc.address': '127.0.0.1',
        'rest.address': '127.0.0.1',
        // A local cluster is one JobManager in this process: it must neither run for nor follow the leadership
        // of a cluster the configuration's HA settings describe.
        'high-availability': 'NONE',
        ...(this.o.slotsPerTaskManager ? { 'taskmanager.numberOfTaskSlots': String(this.o.slotsPerTaskManager) } : {}),
      },
      'MiniCluster',
    );
    try {
      this.jm = new JobManagerProcess({
        config: conf,
        rpcPort: 0,
        restPort: '0',
        host: '127.0.0.1',
        planner: programPlannerFor(conf),
        startMetricReporters: false,
      });
      await this.jm.start();
      const tmConf = conf.with({ 'jobmanager.rpc.port': String(this.jm.rpcPort) }, 'MiniCluster');
      for (let i = 0; i < this.o.taskManagers; i++) {
        // The slots share this process's heap, which flink-conf.yaml does not size: no per-slot limits here.
        const te = createTaskExecutor(tmConf, { host: '127.0.0.1', slotHeap: undefined, metricReporters: undefined });
        this.tms.push(te);
        await te.start();
      }
      await this.waitForTaskManagers();
      // One endpoint for the whole process, with the JobManager's and every TaskManager's metrics (as in Flink).
      const jm = this.jm;
      const bindHost = conf.getOptional(JobManagerOptions.BIND_HOST);
      this.reporters = await MetricReporters.start(metricReporters(conf), () => [jm.metrics, ...this.tms.map((t) => t.metrics.registry)], {
        log,
        ...(bindHost === undefined ? {} : { bindHost }),
      });
    } catch (err) {
      await this.close();
      throw err;
    }
  }

  private async waitForTaskManagers(): Promise<void> {
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      const o = await this.jobManager.gateway.clusterOverview();
      if (o.taskManagers >= this.o.taskManagers) return;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new FlinkError('MINICLUSTER_START', 'The TaskManagers of the local cluster did not register within 30 s.');
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.reporters?.close();
    for (const tm of this.tms.splice(0)) await tm.close().catch(() => {});
    await this.jm?.close();
  }
}

/** A JobExecutor on a MiniCluster started for it (and closed with it). */
export async function localJobExecutor(opts: { slots: number; config: Configuration }): Promise<JobExecutor> {
  if (process.env.FLINK_TS_DEBUG !== '1') setLogSink(undefined);
  const slots = Math.max(opts.slots, opts.config.get(TaskManagerOptions.NUM_TASK_SLOTS));
  const cluster = new MiniCluster({ config: opts.config, taskManagers: 1, slotsPerTaskManager: slots });
  await cluster.start();
  const gw = cluster.jobManager.gateway;
  return {
    description: 'the local cluster',
    submit: (graph, bundle) => gw.submitJob({ jobGraph: graph, bundle }),
    result: (jobId) => gw.jobExecutionResult(jobId),
    progress: async (jobId) => {
      const details = jobDetailsJson(await gw.jobDetails(jobId), Date.now());
      const fromSources = new Map<string, number>();
      for (const vertexId of sourceVertexIds(details.plan)) {
        const m = await gw.jobVertexTaskMetrics(jobId, vertexId);
        if (m) fromSources.set(vertexId, m.subtasks.reduce((n, t) => n + (t?.operators?.[0]?.recordsOut ?? 0), 0));
      }
      return jobProgressOf(details, fromSources);
    },
    close: () => cluster.close(),
  };
}
