/** Metric values (`.../metrics?get=a,b` answers `[{"id","value"}]` with string values) with readable units. */
import type { MetricValue } from '../api';
import { NONE, bytes, count, duration, metricNumber, percent } from '../format';
import { Empty, Loading } from './common';

export type MetricUnit = 'bytes' | 'ratio' | 'count' | 'ms' | 'ms-fine' | 'ns';

function show(v: number | undefined, unit: MetricUnit): string {
  if (v === undefined) return NONE;
  switch (unit) {
    case 'bytes':
      return bytes(v);
    case 'ratio':
      return percent(v);
    case 'ms':
      return duration(v);
    case 'ms-fine':
      return v < 10 ? `${v.toFixed(2)} ms` : duration(v);
    case 'ns':
      return duration(v / 1e6);
    default:
      return count(v);
  }
}

export function MetricsTable({ values, loading, names }: { values: MetricValue[] | undefined; loading: boolean; names: Array<[string, string, MetricUnit]> }) {
  if (loading) return <Loading />;
  if (values === undefined) return <Empty>Metrics are not available from this cluster.</Empty>;
  const byId = new Map(values.map((m) => [m.id, metricNumber(m.value)]));
  return (
    <table class="kv" data-test="metrics">
      <tbody>
        {names.map(([id, label, unit]) => (
          <tr key={id} data-metric={id}>
            <th title={id}>{label}</th>
            <td>{show(byId.get(id), unit)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
