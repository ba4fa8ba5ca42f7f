/** The job page's other tabs: exceptions, checkpoints, configuration, timeline. */
import { useRef, useState } from 'preact/hooks';
import { HttpError, getJson, type CheckpointConfig, type CheckpointEntry, type CheckpointStats, type JobConfig, type JobDetails, type JobExceptions } from '../api';
import { Empty, ErrorNote, KeyValues, Loading, StateBadge } from '../components/common';
import { bytes, duration, time } from '../format';
import { usePoll } from '../hooks';

export function ExceptionsTab({ jid }: { jid: string }) {
  const ex = usePoll(() => getJson<JobExceptions>(`/jobs/${jid}/exceptions`), [jid]);
  const e = ex.data;
  if (e === undefined) return ex.error !== undefined ? <ErrorNote error={ex.error} /> : <Loading />;
  const entries = e.exceptionHistory.entries;
  return (
    <div data-test="exceptions">
      <ErrorNote error={ex.error} />
      {e['root-exception'] !== null && (
        <>
          <h2>Root exception {e.timestamp !== null && <span class="muted small">{time(e.timestamp)}</span>}</h2>
          <pre class="stack">{e['root-exception']}</pre>
        </>
      )}
      <h2>Exception history</h2>
      {entries.length === 0 ? (
        <Empty>No exceptions: this job has not failed.</Empty>
      ) : (
        <table class="list">
          <thead>
            <tr>
              <th>Time</th>
              <th>Exception</th>
              <th>Task</th>
              <th>Location</th>
            </tr>
          </thead>
          <tbody>
            {entries.map((x, i) => (
              <tr key={i}>
                <td>{time(x.timestamp)}</td>
                <td>
                  <details>
                    <summary>{x.exceptionName}</summary>
                    <pre class="stack">{x.stacktrace}</pre>
                  </details>
                </td>
                <td>{x.taskName ?? '–'}</td>
                <td>{x.endpoint ?? '–'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {e.exceptionHistory.truncated && <p class="muted">Older exceptions were left out.</p>}
    </div>
  );
}

type CheckpointView = { enabled: false; reason: string } | { enabled: true; stats: CheckpointStats; config: CheckpointConfig | undefined };

export function CheckpointsTab({ jid }: { jid: string }) {
  // The REST API answers 404 for a job without checkpointing; that does not change, so ask only once.
  const off = useRef<{ jid: string; reason: string } | undefined>(undefined);
  const cp = usePoll<CheckpointView>(async () => {
    if (off.current?.jid === jid) return { enabled: false, reason: off.current.reason };
    try {
      const [stats, config] = await Promise.all([
        getJson<CheckpointStats>(`/jobs/${jid}/checkpoints`),
        getJson<CheckpointConfig>(`/jobs/${jid}/checkpoints/config`).catch(() => undefined),
      ]);
      return { enabled: true, stats, config };
    } catch (err) {
      if (err instanceof HttpError && err.status === 404) {
        off.current = { jid, reason: err.message };
        return { enabled: false, reason: err.message };
      }
      throw err;
    }
  }, [jid]);
  const view = cp.data;
  if (view === undefined) return cp.error !== undefined ? <ErrorNote error={cp.error} /> : <Loading />;
  if (!view.enabled) {
    return (
      <div data-test="checkpoints">
        <Empty>
          <span data-test="checkpoints-off">Checkpointing is not enabled for this job.</span> <span class="muted">({view.reason})</span> A program turns it on with{' '}
          <code>env.enableCheckpointing(ms)</code>, a cluster with <code>execution.checkpointing.interval</code>.
        </Empty>
      </div>
    );
  }
  const { stats, config } = view;
  const c = stats.counts;
  const latest = stats.latest;
  return (
    <div data-test="checkpoints">
      <ErrorNote error={cp.error} />
      <div class="cards">
        <div class="card">
          <div class="card-value" data-test="checkpoints-completed">{c.completed}</div>
          <div class="card-label">Completed</div>
        </div>
        <div class="card">
          <div class="card-value">{c.in_progress}</div>
          <div class="card-label">In progress</div>
        </div>
        <div class="card">
          <div class="card-value">{c.failed}</div>
          <div class="card-label">Failed</div>
        </div>
        <div class="card">
          <div class="card-value">{c.restored}</div>
          <div class="card-label">Restored</div>
        </div>
        <div class="card">
          <div class="card-value">{c.total}</div>
          <div class="card-label">Triggered</div>
        </div>
      </div>
      {c.total === 0 && <Empty>No checkpoint has been triggered yet.</Empty>}
      <div class="two-col">
        <div>
          <h2>Latest</h2>
          <KeyValues
            rows={[
              ['Completed', latest.completed ? checkpointLine(latest.completed) : '–'],
              ['Savepoint', latest.savepoint ? checkpointLine(latest.savepoint) : '–'],
              ['Failed', latest.failed ? `#${latest.failed.id} at ${time(latest.failed.trigger_timestamp)}${latest.failed.failure_message ? `: ${latest.failed.failure_message}` : ''}` : '–'],
              ['Restored', latest.restored ? `#${latest.restored.id} at ${time(latest.restored.restore_timestamp)}${latest.restored.external_path ? ` from ${latest.restored.external_path}` : ''}` : '–'],
            ]}
          />
        </div>
        <div>
          <h2>Summary</h2>
          <KeyValues
            rows={[
              ['State size (min / avg / max)', triple(stats.summary.state_size, bytes)],
              ['End-to-end duration (min / avg / max)', triple(stats.summary.end_to_end_duration, duration)],
            ]}
          />
          {config && (
            <>
              <h2>Configuration</h2>
              <KeyValues
                rows={[
                  ['Mode', config.mode],
                  ['Interval', duration(config.interval)],
                  ['Timeout', duration(config.timeout)],
                  ['Minimum pause', duration(config.min_pause)],
                  ['Max concurrent', String(config.max_concurrent)],
                  ['State backend', config.state_backend ?? '–'],
                  ['Checkpoint storage', config.checkpoint_storage ?? '–'],
                ]}
              />
            </>
          )}
        </div>
      </div>
      <h2>History</h2>
      {stats.history.length === 0 ? (
        <Empty>No checkpoints yet.</Empty>
      ) : (
        <table class="list" data-test="checkpoint-history">
          <thead>
            <tr>
              <th>ID</th>
              <th>Status</th>
              <th>Type</th>
              <th>Triggered</th>
              <th>Latest acknowledgement</th>
              <th>End-to-end duration</th>
              <th>State size</th>
              <th>Acknowledged</th>
            </tr>
          </thead>
          <tbody>
            {stats.history.map((h) => (
              <tr key={h.id}>
                <td>{h.id}</td>
                <td>
                  <StateBadge state={h.status} />
                </td>
                <td>{h.is_savepoint ? 'Savepoint' : 'Checkpoint'}</td>
                <td>{time(h.trigger_timestamp)}</td>
                <td>{time(h.latest_ack_timestamp)}</td>
                <td>{duration(h.end_to_end_duration)}</td>
                <td>{bytes(h.state_size)}</td>
                <td>
                  {h.num_acknowledged_subtasks} / {h.num_subtasks}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

function checkpointLine(c: CheckpointEntry): string {
  return `#${c.id} at ${time(c.latest_ack_timestamp)}, ${bytes(c.state_size)}, ${duration(c.end_to_end_duration)}${c.external_path ? ` → ${c.external_path}` : ''}`;
}

function triple(s: { min: number; avg: number; max: number } | undefined, f: (n: number) => string): string {
  return s === undefined ? '–' : `${f(s.min)} / ${f(s.avg)} / ${f(s.max)}`;
}

export function ConfigurationTab({ jid }: { jid: string }) {
  const cfg = usePoll(() => getJson<JobConfig>(`/jobs/${jid}/config`), [jid], { intervalMs: 60_000 });
  const c = cfg.data;
  if (c === undefined) return cfg.error !== undefined ? <ErrorNote error={cfg.error} /> : <Loading />;
  const exec = c['execution-config'] ?? {};
  const userConfig = exec['user-config'] ?? {};
  return (
    <div data-test="job-config">
      <h2>Execution configuration</h2>
      <KeyValues
        rows={Object.entries(exec)
          .filter(([k]) => k !== 'user-config')
          .map(([k, v]) => [k, String(v)])}
      />
      <h2>User configuration</h2>
      {Object.keys(userConfig).length === 0 ? <Empty>No global job parameters.</Empty> : <KeyValues rows={Object.entries(userConfig).map(([k, v]) => [k, v])} />}
    </div>
  );
}

interface SubtaskTimes {
  name: string;
  now: number;
  subtasks: Array<{ subtask: number; endpoint: string; duration: number; timestamps: Record<string, number> }>;
}

const FINAL_STATES = ['FINISHED', 'CANCELED', 'FAILED'];

function Bar(props: { label: string; title: string; state: string; from: number | undefined; to: number; start: number; span: number; note: string; onClick?: () => void; selected?: boolean }) {
  const left = props.from === undefined ? 0 : ((props.from - props.start) / props.span) * 100;
  const width = props.from === undefined ? 0 : Math.max(0.5, ((props.to - props.from) / props.span) * 100);
  return (
    <div class={`timeline-row${props.onClick ? ' clickable' : ''}${props.selected ? ' selected' : ''}`} onClick={props.onClick}>
      <div class="timeline-name" title={props.title}>
        {props.label}
      </div>
      <div class="timeline-track">
        <div class={`timeline-bar state-${props.state.toLowerCase()}`} style={{ left: `${left}%`, width: `${width}%` }} />
      </div>
      <div class="timeline-times small muted">{props.note}</div>
    </div>
  );
}

/**
 * When each vertex ran, as bars on one time axis from the job's start to its end (or now); a click on a vertex
 * shows its subtasks (`/jobs/:jid/vertices/:vid/subtasktimes`).
 */
export function TimelineTab({ job }: { job: JobDetails }) {
  const [selected, setSelected] = useState<string | undefined>(undefined);
  const start = job['start-time'];
  const end = job['end-time'] > 0 ? job['end-time'] : job.now;
  const span = Math.max(1, end - start);
  const times = usePoll(() => getJson<SubtaskTimes>(`/jobs/${job.jid}/vertices/${selected ?? ''}/subtasktimes`), [job.jid, selected], { enabled: selected !== undefined });
  return (
    <div data-test="timeline">
      <h2>Timeline</h2>
      <div class="timeline">
        {job.vertices.map((v) => (
          <Bar
            key={v.id}
            label={v.name}
            title={v.name}
            state={v.status}
            from={v['start-time'] > 0 ? v['start-time'] : undefined}
            to={v['end-time'] > 0 ? v['end-time'] : end}
            start={start}
            span={span}
            note={`${time(v['start-time'])} · ${duration(v.duration)}`}
            selected={selected === v.id}
            onClick={() => setSelected(selected === v.id ? undefined : v.id)}
          />
        ))}
      </div>
      <div class="timeline-axis small muted">
        <span>{time(start)}</span>
        <span>{job['end-time'] > 0 ? time(job['end-time']) : 'now'}</span>
      </div>
      {selected === undefined ? (
        <p class="muted small">Click a vertex for the times of its subtasks.</p>
      ) : times.data === undefined ? (
        times.error !== undefined ? <ErrorNote error={times.error} /> : <Loading />
      ) : (
        <>
          <h2>Subtasks of {times.data.name}</h2>
          <div class="timeline" data-test="subtask-timeline">
            {times.data.subtasks.map((t) => {
              const running = t.timestamps['RUNNING'] ?? 0;
              const final = FINAL_STATES.find((s) => (t.timestamps[s] ?? 0) > 0);
              return (
                <Bar
                  key={t.subtask}
                  label={`#${t.subtask} ${t.endpoint}`}
                  title={t.endpoint}
                  state={final ?? (running > 0 ? 'RUNNING' : 'CREATED')}
                  from={running > 0 ? running : undefined}
                  to={final !== undefined ? (t.timestamps[final] as number) : end}
                  start={start}
                  span={span}
                  note={`${time(running)} · ${duration(t.duration)}`}
                />
              );
            })}
          </div>
        </>
      )}
    </div>
  );
}
