/**
 * The flink-ts web dashboard: a small Preact app that routes in the URL's hash and reads and writes only the
 * public REST API of the JobManager that serves it.
 */
import { render } from 'preact';
import { getJson, type DashboardConfig } from './api';
import { ConfigContext, usePoll, useRoute } from './hooks';
import { JobPage } from './pages/job';
import { JobManagerPage } from './pages/jobmanager';
import { JobsPage, OverviewPage } from './pages/overview';
import { SubmitPage } from './pages/submit';
import { TaskManagerPage, TaskManagersPage } from './pages/taskmanagers';
import './style.css';

function Page({ route, submitEnabled }: { route: string[]; submitEnabled: boolean }) {
  const [first, second, third] = route;
  switch (first) {
    case undefined:
    case 'overview':
      return <OverviewPage />;
    case 'jobs':
      return second === undefined ? <JobsPage /> : <JobPage key={second} jid={second} tab={third ?? 'overview'} />;
    case 'taskmanagers':
      return second === undefined ? <TaskManagersPage /> : <TaskManagerPage key={second} id={second} tab={third ?? 'metrics'} />;
    case 'jobmanager':
      return <JobManagerPage tab={second ?? 'config'} />;
    case 'submit':
      return <SubmitPage enabled={submitEnabled} />;
    default:
      return (
        <section>
          <h1>Not found</h1>
          <p>
            No page at <code>#{route.join('/')}</code>. <a href="#/overview">Back to the overview</a>.
          </p>
        </section>
      );
  }
}

function App() {
  const route = useRoute();
  // The configuration rarely changes; once a minute is enough to notice a restarted cluster's version.
  const config = usePoll(() => getJson<DashboardConfig>('/config'), [], { intervalMs: 60_000 });
  const submitEnabled = config.data?.features['web-submit'] ?? false;
  const section = route[0] ?? 'overview';
  const link = (id: string, label: string, test: string) => (
    <a href={`#/${id}`} class={section === id ? 'active' : ''} data-nav={test}>
      {label}
    </a>
  );
  return (
    <ConfigContext.Provider value={config.data}>
      <header class="top">
        <a class="brand" href="#/overview">
          <img src="/assets/favicon.svg" alt="" width="22" height="22" /> flink-ts
        </a>
        <nav>
          {link('overview', 'Overview', 'overview')}
          {link('jobs', 'Jobs', 'jobs')}
          {link('taskmanagers', 'TaskManagers', 'taskmanagers')}
          {link('jobmanager', 'JobManager', 'jobmanager')}
          {submitEnabled && link('submit', 'Submit', 'submit')}
        </nav>
        <span class="version muted small" data-test="flink-version">
          {config.data ? `v${config.data['flink-version']}` : ''}
        </span>
      </header>
      <main>
        {config.error !== undefined && config.data === undefined ? (
          <p class="error-note">The JobManager does not answer: {config.error}</p>
        ) : (
          <Page route={route} submitEnabled={submitEnabled} />
        )}
      </main>
    </ConfigContext.Provider>
  );
}

const root = document.getElementById('app');
if (root) render(<App />, root);
