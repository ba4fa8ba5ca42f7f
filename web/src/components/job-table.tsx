/** A list of jobs (`/jobs/overview` rows): name, state, start, duration, subtask counts; a row opens the job. */
import type { JobOverview } from '../api';
import { go } from '../hooks';
import { duration, time } from '../format';
import { Empty, StateBadge } from './common';

const TASK_STATES = ['running', 'finished', 'canceled', 'failed'] as const;

export function JobTable({ jobs, testId, empty }: { jobs: JobOverview[]; testId: string; empty: string }) {
  if (jobs.length === 0) return <Empty>{empty}</Empty>;
  return (
    <table class="list clickable" data-test={testId}>
      <thead>
        <tr>
          <th>Job name</th>
          <th>Start time</th>
          <th>Duration</th>
          <th>End time</th>
          <th>Tasks</th>
          <th>Status</th>
        </tr>
      </thead>
      <tbody>
        {jobs.map((j) => (
          <tr key={j.jid} data-jid={j.jid} onClick={() => go(`/jobs/${j.jid}`)}>
            <td>
              <a href={`#/jobs/${j.jid}`} class="job-name">
                {j.name}
              </a>
              <div class="muted mono small">{j.jid}</div>
            </td>
            <td>{time(j['start-time'])}</td>
            <td>{duration(j.duration)}</td>
            <td>{time(j['end-time'])}</td>
            <td class="task-counts">
              {TASK_STATES.filter((s) => (j.tasks[s] ?? 0) > 0).map((s) => (
                <span key={s} class={`count state-${s}`} title={s}>
                  {j.tasks[s]}
                </span>
              ))}
              <span class="muted"> / {j.tasks['total'] ?? 0}</span>
            </td>
            <td>
              <StateBadge state={j.state} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
