/**
 * Flink's job-scope metrics on the JobManager (`uptime`, `numRestarts`, the checkpoint figures), computed from
 * what the job master knows when they are read.
 */
import type { MetricSample } from '../../metrics/index.js';
import { isTerminal, type JobStatus } from '../../rest/index.js';
import type { CheckpointStatistics } from '../checkpoint/checkpoint-stats.js';

export interface JobMetricInputs {
  status: JobStatus;
  /** When the job last switched to RUNNING; NaN before. */
  runningSince: number;
  /** When the job last left RUNNING for a failure (FAILING or RESTARTING); NaN while it runs. */
  downSince: number;
  /** When the current restart began (RESTARTING); NaN otherwise. */
  restartingSince: number;
  numRestarts: number;
  /** Streaming jobs with checkpointing on; undefined otherwise (Flink registers no checkpoint metrics then). */
  checkpoints: CheckpointStatistics | undefined;
}

/** When a job last began running, went down (FAILING or RESTARTING) and began restarting; NaN when not. */
export class JobTimes {
  #runningSince = Number.NaN;
  #downSince = Number.NaN;
  #restartingSince = Number.NaN;

  transition(status: JobStatus, now = Date.now()): void {
    if (status === 'RUNNING') {
      this.#runningSince = now;
      this.#downSince = Number.NaN;
    } else if ((status === 'FAILING' || status === 'RESTARTING') && Number.isNaN(this.#downSince)) {
      this.#downSince = now;
    }
    this.#restartingSince = status === 'RESTARTING' ? now : Number.NaN;
  }

  since(): Pick<JobMetricInputs, 'runningSince' | 'downSince' | 'restartingSince'> {
    return { runningSince: this.#runningSince, downSince: this.#downSince, restartingSince: this.#restartingSince };
  }
}

/** Flink's answer for a time gauge of a job that no longer runs. */
const NO_LONGER_RUNNING = -1;

export function jobMetricSamples(j: JobMetricInputs, now = Date.now()): MetricSample[] {
  const ended = isTerminal(j.status);
  const since = (t: number, when: boolean): number => (ended ? NO_LONGER_RUNNING : when && !Number.isNaN(t) ? now - t : 0);
  const out: MetricSample[] = [
    gauge('uptime', since(j.runningSince, j.status === 'RUNNING')),
    gauge('downtime', since(j.downSince, j.status === 'FAILING' || j.status === 'RESTARTING')),
    gauge('restartingTime', since(j.restartingSince, j.status === 'RESTARTING')),
    gauge('numRestarts', j.numRestarts),
    gauge('fullRestarts', j.numRestarts),
  ];
  const c = j.checkpoints;
  if (c) {
    const last = c.latestCompleted;
    out.push(
      gauge('totalNumberOfCheckpoints', c.counts.total),
      gauge('numberOfInProgressCheckpoints', c.counts.inProgress),
      gauge('numberOfCompletedCheckpoints', c.counts.completed),
      gauge('numberOfFailedCheckpoints', c.counts.failed),
      gauge('lastCheckpointRestoreTimestamp', c.latestRestored?.restoreTimestamp ?? -1),
      gauge('lastCheckpointSize', last?.checkpointedSize ?? -1),
      gauge('lastCheckpointFullSize', last?.stateSize ?? -1),
      gauge('lastCheckpointDuration', last?.endToEndDuration ?? -1),
      gauge('lastCompletedCheckpointId', last?.id ?? -1),
    );
  }
  return out;
}

function gauge(name: string, value: number): MetricSample {
  return { name, kind: 'gauge', value };
}
