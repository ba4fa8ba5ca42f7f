/** TaskManagers (`/taskmanagers`) and one TaskManager (`/taskmanagers/:id`, its metrics, log and stdout). */
import { getJson, getOptional, type MetricValue, type TaskManager, type TaskManagerDetails } from '../api';
import { Empty, ErrorNote, KeyValues, Loading, Tabs } from '../components/common';
import { LogView } from '../components/log-view';
import { MetricsTable, type MetricUnit } from '../components/metrics-table';
import { bytes, time } from '../format';
import { go, usePoll } from '../hooks';

export function TaskManagersPage() {
  const tms = usePoll(async () => (await getJson<{ taskmanagers: TaskManager[] }>('/taskmanagers')).taskmanagers, []);
  const list = tms.data;
  return (
    <section>
      <h1>TaskManagers</h1>
      <ErrorNote error={tms.error} />
      {list === undefined ? (
        <Loading />
      ) : list.length === 0 ? (
        <Empty>No TaskManager is registered. Start one with bin/taskmanager.sh start.</Empty>
      ) : (
        <table class="list clickable" data-test="taskmanagers">
          <thead>
            <tr>
              <th>ID</th>
              <th>Address</th>
              <th>Data port</th>
              <th>Last heartbeat</th>
              <th>Slots</th>
              <th>Free slots</th>
              <th>CPU cores</th>
              <th>Physical memory</th>
              <th>Heap limit</th>
              <th>Managed memory</th>
            </tr>
          </thead>
          <tbody>
            {list.map((tm) => (
              <tr key={tm.id} data-tm={tm.id} onClick={() => go(`/taskmanagers/${encodeURIComponent(tm.id)}`)}>
                <td>
                  <a href={`#/taskmanagers/${encodeURIComponent(tm.id)}`} class="mono">
                    {tm.id}
                  </a>
                </td>
                <td class="mono small">{tm.path}</td>
                <td>{tm.dataPort}</td>
                <td>{time(tm.timeSinceLastHeartbeat)}</td>
                <td>{tm.slotsNumber}</td>
                <td>{tm.freeSlots}</td>
                <td>{tm.hardware.cpuCores}</td>
                <td>{bytes(tm.hardware.physicalMemory)}</td>
                <td>{bytes(tm.hardware.freeMemory)}</td>
                <td>{bytes(tm.hardware.managedMemory)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

/** Process metrics a TaskManager or the JobManager reports: Flink's `Status.JVM.*` names, and `Status.Node.*`. */
export const PROCESS_METRICS: Array<[string, string, MetricUnit]> = [
  ['Status.JVM.Memory.Heap.Used', 'Heap used', 'bytes'],
  ['Status.JVM.Memory.Heap.Committed', 'Heap committed', 'bytes'],
  ['Status.JVM.Memory.Heap.Max', 'Heap limit', 'bytes'],
  ['Status.JVM.Memory.NonHeap.Used', 'Off-heap used', 'bytes'],
  ['Status.Node.Memory.RSS', 'Resident set size', 'bytes'],
  ['Status.JVM.CPU.Load', 'CPU load', 'ratio'],
  ['Status.JVM.CPU.Time', 'CPU time', 'ns'],
  ['Status.Node.EventLoop.Delay.Mean', 'Event-loop delay (mean)', 'ms-fine'],
  ['Status.Node.EventLoop.Delay.Max', 'Event-loop delay (max)', 'ms-fine'],
  ['Status.Node.EventLoop.Utilization', 'Event-loop utilization', 'ratio'],
  ['Status.JVM.GarbageCollector.All.Count', 'GC runs', 'count'],
  ['Status.JVM.GarbageCollector.All.Time', 'GC time', 'ms'],
  ['Status.Node.Uptime', 'Uptime', 'ms'],
];

const TM_TABS = [
  { id: 'metrics', label: 'Metrics' },
  { id: 'log', label: 'Log' },
  { id: 'stdout', label: 'Stdout' },
];

export function TaskManagerPage({ id, tab }: { id: string; tab: string }) {
  const base = `/taskmanagers/${encodeURIComponent(id)}`;
  const tm = usePoll(() => getJson<TaskManagerDetails>(base), [id]);
  const metrics = usePoll(
    () => getOptional<MetricValue[]>('tm-metrics', `${base}/metrics?get=${PROCESS_METRICS.map(([m]) => m).join(',')}`),
    [id],
    { enabled: tab === 'metrics' },
  );
  const t = tm.data;
  return (
    <section>
      <div class="page-head">
        <div>
          <h1>TaskManager</h1>
          <div class="mono small" data-test="tm-id">
            {id}
          </div>
        </div>
      </div>
      <ErrorNote error={tm.error} />
      <Tabs base={base} tabs={TM_TABS} current={tab} />
      {tab === 'metrics' &&
        (t === undefined ? (
          <Loading />
        ) : (
          <div class="two-col">
            <div>
              <h2>Slots and hardware</h2>
              <KeyValues
                testId="tm-facts"
                rows={[
                  ['Address', t.path],
                  ['Data port', String(t.dataPort)],
                  ['Last heartbeat', time(t.timeSinceLastHeartbeat)],
                  ['Slots (free / total)', `${t.freeSlots} / ${t.slotsNumber}`],
                  ['Jobs in its slots', String(new Set((t.allocatedSlots ?? []).map((s) => s.jobId)).size)],
                  ['CPU cores', String(t.hardware.cpuCores)],
                  ['Physical memory', bytes(t.hardware.physicalMemory)],
                  ['Heap limit', bytes(t.hardware.freeMemory)],
                  ['Managed memory', bytes(t.hardware.managedMemory)],
                ]}
              />
              {t.memoryConfiguration && (
                <>
                  <h2>Memory configuration</h2>
                  <KeyValues rows={Object.entries(t.memoryConfiguration).map(([k, v]) => [k, bytes(v)])} />
                </>
              )}
            </div>
            <div>
              <h2>Metrics</h2>
              <MetricsTable values={metrics.data} loading={metrics.loading} names={PROCESS_METRICS} />
            </div>
          </div>
        ))}
      {tab === 'log' && <LogView key={`${id}-log`} path={`${base}/log`} kind="tm-log" name="TaskManager log" />}
      {tab === 'stdout' && <LogView key={`${id}-stdout`} path={`${base}/stdout`} kind="tm-stdout" name="TaskManager stdout" />}
    </section>
  );
}
