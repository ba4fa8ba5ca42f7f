/** The JobManager: its configuration (`/jobmanager/config`), metrics, log and stdout. */
import { useState } from 'preact/hooks';
import { getJson, getOptional, type ConfigEntry, type MetricValue } from '../api';
import { ErrorNote, KeyValues, Loading, Tabs } from '../components/common';
import { LogView } from '../components/log-view';
import { MetricsTable } from '../components/metrics-table';
import { usePoll } from '../hooks';
import { PROCESS_METRICS } from './taskmanagers';

const TABS = [
  { id: 'config', label: 'Configuration' },
  { id: 'metrics', label: 'Metrics' },
  { id: 'log', label: 'Log' },
  { id: 'stdout', label: 'Stdout' },
];

export function JobManagerPage({ tab }: { tab: string }) {
  return (
    <section>
      <h1>JobManager</h1>
      <Tabs base="/jobmanager" tabs={TABS} current={tab} />
      {tab === 'config' && <ConfigTab />}
      {tab === 'metrics' && <MetricsTab />}
      {tab === 'log' && <LogView key="jm-log" path="/jobmanager/log" kind="jm-log" name="JobManager log" />}
      {tab === 'stdout' && <LogView key="jm-stdout" path="/jobmanager/stdout" kind="jm-stdout" name="JobManager stdout" />}
    </section>
  );
}

function ConfigTab() {
  const cfg = usePoll(() => getJson<ConfigEntry[]>('/jobmanager/config'), [], { intervalMs: 60_000 });
  const [filter, setFilter] = useState('');
  if (cfg.data === undefined) return cfg.error !== undefined ? <ErrorNote error={cfg.error} /> : <Loading />;
  const rows = cfg.data.filter((e) => e.key.includes(filter) || e.value.includes(filter)).sort((a, b) => a.key.localeCompare(b.key));
  return (
    <div>
      <input class="filter" placeholder="Filter keys and values" value={filter} onInput={(e) => setFilter((e.target as HTMLInputElement).value)} />
      <KeyValues testId="jm-config" rows={rows.map((e) => [e.key, <span class="mono">{e.value}</span>])} />
    </div>
  );
}

function MetricsTab() {
  const metrics = usePoll(() => getOptional<MetricValue[]>('jm-metrics', `/jobmanager/metrics?get=${PROCESS_METRICS.map(([m]) => m).join(',')}`), []);
  return (
    <div>
      <ErrorNote error={metrics.error} />
      <MetricsTable values={metrics.data} loading={metrics.loading} names={PROCESS_METRICS} />
    </div>
  );
}
