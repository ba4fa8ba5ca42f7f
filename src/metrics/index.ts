/**
 * Metrics with Flink's names and scopes: the registry each daemon keeps, a Node.js process's own figures, the
 * figures a task reports and their Flink names, per-second rates, and the REST API's metric queries.
 */
export { MetricRegistry, type MetricGroup, type MetricKind, type MetricSample, type MetricScope, type ScopeVariables } from './metric-registry.js';
export { ProcessMetrics } from './process-metrics.js';
export { RateWindow, RATE_WINDOW_MS } from './rate-window.js';
export {
  metricIdComponent,
  operatorMetricSamples,
  operatorScopeName,
  rateInputs,
  ratesFrom,
  taskMetricSamples,
  type OperatorCounts,
  type TaskMetrics,
  type TaskRates,
} from './task-metrics.js';
export { AGGREGATIONS, aggregatedValues, indexSelection, listParameter, metricValues, MetricQueryError, type Aggregation } from './metric-query.js';
