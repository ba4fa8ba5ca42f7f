/** The cluster at a glance (`/overview`, `/config`) and its jobs (`/jobs/overview`). */
import { useContext } from 'preact/hooks';
import { getJson, isTerminal, type ClusterOverview, type JobOverview } from '../api';
import { Card, ErrorNote, Loading } from '../components/common';
import { JobTable } from '../components/job-table';
import { ConfigContext, usePoll } from '../hooks';

export function useJobs() {
  return usePoll(async () => (await getJson<{ jobs: JobOverview[] }>('/jobs/overview')).jobs.sort((a, b) => b['start-time'] - a['start-time']), []);
}

export function OverviewPage() {
  const config = useContext(ConfigContext);
  const overview = usePoll(() => getJson<ClusterOverview>('/overview'), []);
  const jobs = useJobs();
  const o = overview.data;
  return (
    <section>
      <h1>Overview</h1>
      <ErrorNote error={overview.error ?? jobs.error} />
      {o === undefined ? (
        <Loading />
      ) : (
        <div class="cards" data-test="overview">
          <Card label="Available task slots" value={<><span data-test="slots-available">{o['slots-available']}</span> / <span data-test="slots-total">{o['slots-total']}</span></>} />
          <Card label="TaskManagers" value={o.taskmanagers} testId="taskmanagers" />
          <Card label="Running jobs" value={o['jobs-running']} testId="jobs-running" />
          <Card label="Finished" value={o['jobs-finished']} testId="jobs-finished" />
          <Card label="Canceled" value={o['jobs-cancelled']} testId="jobs-cancelled" />
          <Card label="Failed" value={o['jobs-failed']} testId="jobs-failed" />
          <Card label="Version" value={<span class="small">{o['flink-version']} <span class="muted">({o['flink-commit'] || config?.['flink-revision']})</span></span>} testId="version" />
        </div>
      )}
      <JobLists jobs={jobs.data} />
    </section>
  );
}

export function JobLists({ jobs }: { jobs: JobOverview[] | undefined }) {
  if (jobs === undefined) return <Loading />;
  return (
    <>
      <h2>Running jobs</h2>
      <JobTable jobs={jobs.filter((j) => !isTerminal(j.state))} testId="running-jobs" empty="No job is running." />
      <h2>Completed jobs</h2>
      <JobTable jobs={jobs.filter((j) => isTerminal(j.state))} testId="completed-jobs" empty="No job has completed yet." />
    </>
  );
}

export function JobsPage() {
  const jobs = useJobs();
  return (
    <section>
      <h1>Jobs</h1>
      <ErrorNote error={jobs.error} />
      <JobLists jobs={jobs.data} />
    </section>
  );
}
