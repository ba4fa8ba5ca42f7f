/**
 * A job: header with state and Cancel, and tabs — the dataflow graph with live figures and the subtasks of a
 * vertex, exceptions, checkpoints, configuration, timeline.
 */
import { useState } from 'preact/hooks';
import { describeError, getJson, getOptional, isTerminal, send, type AggregatedMetric, type JobDetails, type JobPlan, type MetricValue } from '../api';
import { ErrorNote, Loading, StateBadge, Tabs } from '../components/common';
import { JobGraph, type VertexLive } from '../components/job-graph';
import { duration, metricNumber, time } from '../format';
import { usePoll } from '../hooks';
import { CheckpointsTab, ConfigurationTab, ExceptionsTab, TimelineTab } from './job-tabs';
import { SubtasksTable, VertexTable } from './job-vertices';

const TABS = [
  { id: 'overview', label: 'Overview' },
  { id: 'exceptions', label: 'Exceptions' },
  { id: 'checkpoints', label: 'Checkpoints' },
  { id: 'configuration', label: 'Configuration' },
  { id: 'timeline', label: 'Timeline' },
];

/** Java's Long.MIN_VALUE as the watermark metrics send it before the first watermark. */
const NO_WATERMARK = -9.2e18;

async function vertexLive(jid: string, details: JobDetails): Promise<Record<string, VertexLive>> {
  const out: Record<string, VertexLive> = {};
  const running = !isTerminal(details.state);
  await Promise.all(
    details.vertices.map(async (v) => {
      const live: VertexLive = {};
      const base = `/jobs/${jid}/vertices/${v.id}`;
      const [ratios, watermarks] = await Promise.all([
        running
          ? getOptional<AggregatedMetric[]>('subtask-metrics', `${base}/subtasks/metrics?get=busyTimeMsPerSecond,backPressuredTimeMsPerSecond&agg=max`)
          : undefined,
        getOptional<MetricValue[]>('watermarks', `${base}/watermarks`),
      ]);
      for (const m of ratios ?? []) {
        if (m.max === undefined) continue;
        if (m.id === 'busyTimeMsPerSecond') live.busy = m.max / 1000;
        if (m.id === 'backPressuredTimeMsPerSecond') live.backPressured = m.max / 1000;
      }
      const marks = (watermarks ?? []).map((w) => metricNumber(w.value)).filter((n): n is number => n !== undefined);
      if (marks.length > 0) {
        const low = Math.min(...marks);
        if (low > NO_WATERMARK && low < 9.2e18) live.watermark = low;
      }
      out[v.id] = live;
    }),
  );
  return out;
}

export function JobPage({ jid, tab }: { jid: string; tab: string }) {
  const details = usePoll(() => getJson<JobDetails>(`/jobs/${jid}`), [jid]);
  const plan = usePoll(() => getJson<JobPlan>(`/jobs/${jid}/plan`), [jid], { intervalMs: 3_600_000 });
  const job = details.data;
  const live = usePoll(async () => (job ? vertexLive(jid, job) : {}), [jid, job !== undefined], { enabled: job !== undefined && tab === 'overview' });
  const [selected, setSelected] = useState<string | undefined>(undefined);

  if (job === undefined) {
    return (
      <section>
        <h1>Job {jid}</h1>
        {details.error !== undefined ? <p class="error-note">{details.error}</p> : <Loading />}
      </section>
    );
  }
  const vertexId = selected ?? job.vertices[0]?.id;
  return (
    <section>
      <div class="page-head">
        <div>
          <h1 data-test="job-name">{job.name}</h1>
          <div class="muted mono small">{job.jid}</div>
        </div>
        <div class="head-facts">
          <StateBadge state={job.state} />
          <span>Started {time(job['start-time'])}</span>
          <span>Duration {duration(job.duration)}</span>
          {job['job-type'] !== undefined && <span class="muted">{job['job-type']}</span>}
          {!isTerminal(job.state) && job.state !== 'CANCELLING' && <CancelButton jid={jid} onDone={details.refresh} />}
        </div>
      </div>
      <ErrorNote error={details.error} />
      <Tabs base={`/jobs/${jid}`} tabs={TABS} current={tab} />
      {tab === 'overview' && (
        <>
          {plan.data ? (
            <JobGraph plan={plan.data.plan} vertices={job.vertices} live={live.data ?? {}} selected={vertexId} onSelect={setSelected} />
          ) : (
            <Loading />
          )}
          <VertexTable job={job} live={live.data ?? {}} selected={vertexId} onSelect={setSelected} />
          {vertexId !== undefined && <SubtasksTable jid={jid} vertexId={vertexId} />}
        </>
      )}
      {tab === 'exceptions' && <ExceptionsTab jid={jid} />}
      {tab === 'checkpoints' && <CheckpointsTab jid={jid} />}
      {tab === 'configuration' && <ConfigurationTab jid={jid} />}
      {tab === 'timeline' && <TimelineTab job={job} />}
    </section>
  );
}

/** `PATCH /jobs/:jid?mode=cancel`, after a second click to confirm. */
function CancelButton({ jid, onDone }: { jid: string; onDone: () => void }) {
  const [phase, setPhase] = useState<'idle' | 'confirm' | 'sending'>('idle');
  const [error, setError] = useState<string | undefined>(undefined);
  const cancel = async (): Promise<void> => {
    setPhase('sending');
    try {
      await send('PATCH', `/jobs/${jid}?mode=cancel`);
      setError(undefined);
    } catch (err) {
      setError(describeError(err));
    }
    setPhase('idle');
    onDone();
  };
  return (
    <span class="cancel">
      {phase === 'confirm' ? (
        <>
          <span>Cancel this job?</span>
          <button class="danger" data-test="confirm-cancel" onClick={() => void cancel()}>
            Yes, cancel
          </button>
          <button onClick={() => setPhase('idle')}>No</button>
        </>
      ) : (
        <button class="danger" data-test="cancel-job" disabled={phase === 'sending'} onClick={() => setPhase('confirm')}>
          Cancel job
        </button>
      )}
      {error !== undefined && <span class="error-note">{error}</span>}
    </span>
  );
}
