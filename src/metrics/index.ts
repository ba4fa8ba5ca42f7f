/**
 * Metrics with Flink's names and scopes: the registry each daemon keeps, a Node.js process's own figures, the
 * figures a task reports and their Flink names, per-second rates, the REST API's metric queries, and the
 * reporters (Prometheus) that expose the registry to outside systems.
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
export { MetricReporters, type MetricReportersOptions } from './metric-reporters.js';
export {
  exposition,
  labelsOf,
  portsOf,
  prometheusName,
  PrometheusPortsTakenError,
  PrometheusReporter,
  replaceInvalidChars,
  type LabelSettings,
  type PrometheusReporterComponents,
  type PrometheusReporterInit,
} from './prometheus-reporter.js';
export { ReporterFilter } from './reporter-filter.js';
