/**
 * What a TaskManager passes on from its task threads to the JobManager, as it is, with the job's id and the
 * deployment (attempt) it belongs to: task states, the tasks' figures, superstep reports, checkpoint answers.
 */
import {
  ResourceManagerGateway,
  type CheckpointAck,
  type CheckpointDecline,
  type SuperstepReportUpdate,
  type TaskMetricsUpdate,
  type TaskStateUpdate,
} from '../rpc/gateways.js';
import type { RpcConnection } from '../rpc/rpc-connection.js';
import type { FromWorker } from '../runtime/worker/protocol.js';

export type TaskReport = Extract<FromWorker, { t: 'state' | 'metrics' | 'superstep' | 'checkpoint-ack' | 'checkpoint-decline' }>;

export function forwardTaskReport(conn: RpcConnection | undefined, job: { jobId: string; attempt: number }, m: TaskReport): void {
  if (!conn) return;
  const { jobId, attempt } = job;
  switch (m.t) {
    case 'state': {
      const base = { jobId, attempt, vertex: m.v, subtask: m.s };
      const update: TaskStateUpdate =
        m.state === 'RUNNING' ? { ...base, state: 'RUNNING' } : m.state === 'FINISHED' ? { ...base, state: 'FINISHED', result: m.result } : { ...base, state: 'FAILED', error: m.error };
      conn.notify(ResourceManagerGateway.updateTaskExecutionState, update);
      return;
    }
    case 'metrics':
      conn.notify(ResourceManagerGateway.updateTaskMetrics, {
        jobId,
        attempt,
        tasks: m.tasks.map((t) => ({ vertex: t.v, subtask: t.s, metrics: t.m })),
      } satisfies TaskMetricsUpdate);
      return;
    case 'superstep':
      conn.notify(ResourceManagerGateway.reportSuperstep, { jobId, attempt, iteration: m.iteration, report: m.report } satisfies SuperstepReportUpdate);
      return;
    case 'checkpoint-ack':
      conn.notify(ResourceManagerGateway.acknowledgeCheckpoint, {
        jobId,
        attempt,
        vertex: m.v,
        subtask: m.s,
        checkpointId: m.id,
        handle: m.handle,
        stats: m.stats,
      } satisfies CheckpointAck);
      return;
    case 'checkpoint-decline':
      conn.notify(ResourceManagerGateway.declineCheckpoint, { jobId, attempt, vertex: m.v, subtask: m.s, checkpointId: m.id, error: m.error } satisfies CheckpointDecline);
      return;
  }
}
