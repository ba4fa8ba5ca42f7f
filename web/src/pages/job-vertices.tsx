/** The vertices of a job (`/jobs/:jid`) and the subtasks of one (`/jobs/:jid/vertices/:vid`). */
import { getJson, type JobDetails, type VertexDetails } from '../api';
import { ErrorNote, Loading, StateBadge } from '../components/common';
import type { VertexLive } from '../components/job-graph';
import { bytes, count, duration, percent, time } from '../format';
import { usePoll } from '../hooks';

export function VertexTable(props: { job: JobDetails; live: Record<string, VertexLive>; selected: string | undefined; onSelect: (id: string) => void }) {
  return (
    <table class="list clickable" data-test="vertices">
      <thead>
        <tr>
          <th>Name</th>
          <th>Status</th>
          <th>Parallelism</th>
          <th>Records received</th>
          <th>Records sent</th>
          <th>Bytes received</th>
          <th>Bytes sent</th>
          <th>Busy (max)</th>
          <th>Back pressured (max)</th>
          <th>Duration</th>
        </tr>
      </thead>
      <tbody>
        {props.job.vertices.map((v) => {
          const live = props.live[v.id] ?? {};
          return (
            <tr key={v.id} class={props.selected === v.id ? 'selected' : ''} data-vertex={v.id} onClick={() => props.onSelect(v.id)}>
              <td>{v.name}</td>
              <td>
                <StateBadge state={v.status} />
              </td>
              <td>{v.parallelism}</td>
              <td>{count(v.metrics['read-records'])}</td>
              <td>{count(v.metrics['write-records'])}</td>
              <td>{bytes(v.metrics['read-bytes'])}</td>
              <td>{bytes(v.metrics['write-bytes'])}</td>
              <td>{percent(live.busy)}</td>
              <td>{percent(live.backPressured)}</td>
              <td>{duration(v.duration)}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

export function SubtasksTable({ jid, vertexId }: { jid: string; vertexId: string }) {
  const vertex = usePoll(() => getJson<VertexDetails>(`/jobs/${jid}/vertices/${vertexId}`), [jid, vertexId]);
  const v = vertex.data;
  return (
    <div class="subtasks">
      <h2>Subtasks{v ? ` of ${v.name}` : ''}</h2>
      <ErrorNote error={vertex.error} />
      {v === undefined ? (
        <Loading />
      ) : (
        <table class="list" data-test="subtasks">
          <thead>
            <tr>
              <th>#</th>
              <th>Status</th>
              <th>Attempt</th>
              <th>Records received</th>
              <th>Records sent</th>
              <th>Bytes received</th>
              <th>Bytes sent</th>
              <th>TaskManager</th>
              <th>Start time</th>
              <th>Duration</th>
            </tr>
          </thead>
          <tbody>
            {v.subtasks.map((s) => (
              <tr key={s.subtask} data-subtask={s.subtask}>
                <td>{s.subtask}</td>
                <td>
                  <StateBadge state={s.status} />
                </td>
                <td>{s.attempt}</td>
                <td>{count(s.metrics['read-records'])}</td>
                <td>{count(s.metrics['write-records'])}</td>
                <td>{bytes(s.metrics['read-bytes'])}</td>
                <td>{bytes(s.metrics['write-bytes'])}</td>
                <td>
                  {s['taskmanager-id'] ? <a href={`#/taskmanagers/${encodeURIComponent(s['taskmanager-id'])}`}>{s.endpoint || s['taskmanager-id']}</a> : s.endpoint || '–'}
                </td>
                <td>{time(s['start-time'])}</td>
                <td>{duration(s.duration)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
