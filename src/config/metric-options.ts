/**
 * Options of the metric reporters, under Flink's keys: `metrics.reporters` and the per-reporter keys
 * `metrics.reporter.<name>.*`, whose `<name>` part the user picks. flink-ts has Flink's Prometheus reporter;
 * a reporter of another kind (JMX, Slf4j, Graphite, ...) is named in a warning and not started, as Flink does
 * with a reporter whose factory it cannot find.
 */
import { booleanOption, durationOption, listOption, portRange, stringOption, type ConfigOption } from './config-option.js';
import { namedOption } from './named-option.js';
import type { Configuration } from './configuration.js';

export const PROMETHEUS_REPORTER_FACTORY = 'org.apache.flink.metrics.prometheus.PrometheusReporterFactory';
/** The reporter class of Flink before reporter factories (Flink 1.10 and older configurations). */
export const PROMETHEUS_REPORTER_CLASS = 'org.apache.flink.metrics.prometheus.PrometheusReporter';

/** Flink's metric types, as a filter names them. */
export const FILTER_METRIC_TYPES = ['counter', 'meter', 'gauge', 'histogram'] as const;

/** `<scope>[:<name>[,<name>...][:<type>[,<type>...]]]`: the problem with one filter, or undefined. */
function filterProblem(filter: string): string | undefined {
  const parts = filter.split(':');
  if (parts.length > 3 || parts.some((p) => p.trim() === '')) {
    return `'${filter}' is not a filter. Write <scope>[:<name>[,<name>]][:<type>[,<type>]], e.g. *.job.task.operator:numRecords*:counter`;
  }
  const types = parts[2];
  if (types === undefined || types.trim() === '*') return undefined;
  const bad = types.split(',').find((t) => !(FILTER_METRIC_TYPES as readonly string[]).includes(t.trim().toLowerCase()));
  return bad === undefined ? undefined : `'${bad}' in the filter '${filter}' is not a metric type. Use ${FILTER_METRIC_TYPES.join(', ')} or *`;
}

function filters(value: string[]): string | undefined {
  for (const f of value) {
    const problem = filterProblem(f);
    if (problem !== undefined) return problem;
  }
  return undefined;
}

/** A label name Prometheus accepts. */
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

function additionalVariables(value: string[]): string | undefined {
  for (const entry of value) {
    const at = entry.indexOf(':');
    const key = at < 0 ? '' : entry.slice(0, at).trim();
    if (at < 0 || !LABEL_NAME.test(key)) {
      return `'${entry}' is not a variable. Write name:value pairs separated by commas, names of letters, digits and _ (not first a digit), e.g. cluster:prod,region:eu`;
    }
  }
  return undefined;
}

export const MetricOptions = Object.freeze({
  REPORTERS_LIST: listOption('metrics.reporters', undefined, {
    separators: [','],
    description:
      'The names of the reporters to start. Unset: every reporter that has a metrics.reporter.<name>.factory.class (or .class) is started.',
  }),
  REPORTER_FACTORY_CLASS: stringOption('metrics.reporter.<name>.factory.class', undefined, {
    description:
      `The kind of the reporter named <name>. flink-ts has the Prometheus reporter, ${PROMETHEUS_REPORTER_FACTORY}; ` +
      'a reporter of another kind is named in a warning and not started (the daemon starts all the same).',
  }),
  REPORTER_CLASS: stringOption('metrics.reporter.<name>.class', undefined, {
    description: `The older way to name a reporter's kind (${PROMETHEUS_REPORTER_CLASS}); factory.class wins when both are set.`,
  }),
  REPORTER_INTERVAL: durationOption('metrics.reporter.<name>.interval', 10_000, {
    description: 'How often a pushing reporter reports. Accepted for Flink configurations; Prometheus scrapes, so it has no effect on the Prometheus reporter.',
  }),
  REPORTER_PORT: stringOption('metrics.reporter.<name>.port', '9249', {
    description:
      'The port the Prometheus reporter serves its metrics on, or a range (9249-9260) or list of them: each daemon (JobManager, ' +
      'TaskManager) takes the first free port, so several daemons on one host need a range. It listens on jobmanager.bind-host / ' +
      'taskmanager.bind-host when set, else on all interfaces, as Flink does.',
    validate: portRange,
  }),
  REPORTER_FILTER_LABEL_VALUE_CHARACTERS: booleanOption('metrics.reporter.<name>.filterLabelValueCharacters', true, {
    description: 'Whether label values keep only the characters [a-zA-Z0-9:_] (others become _), as metric names do. false: any character.',
  }),
  REPORTER_EXCLUDED_VARIABLES: listOption('metrics.reporter.<name>.scope.variables.excludes', [], {
    separators: [';'],
    description: 'Scope variables that are not labels of the reporter named <name>, e.g. job_id;task_attempt_id (with or without angle brackets).',
  }),
  REPORTER_ADDITIONAL_VARIABLES: listOption('metrics.reporter.<name>.scope.variables.additional', [], {
    separators: [','],
    description: 'Labels added to every metric of the reporter named <name>, as name:value pairs, e.g. cluster:prod,region:eu.',
    validate: additionalVariables,
  }),
  REPORTER_INCLUDES: listOption('metrics.reporter.<name>.filter.includes', ['*:*:*'], {
    separators: [';'],
    description:
      'The metrics the reporter named <name> reports: filters <scope>[:<name>[,<name>]][:<type>[,<type>]] where * matches anything, ' +
      'scope is the logical scope (e.g. jobmanager.job, *.job.task.operator) and type one of counter, meter, gauge, histogram.',
    validate: filters,
  }),
  REPORTER_EXCLUDES: listOption('metrics.reporter.<name>.filter.excludes', [], {
    separators: [';'],
    description: 'The metrics the reporter named <name> leaves out, written as filter.includes; an exclusion wins over an inclusion.',
    validate: filters,
  }),
});

/** A Prometheus reporter to start, with its settings. */
export interface PrometheusReporterSetup {
  readonly name: string;
  /** The port spec as written ("9249", "9249-9260", "9249,9300-9310"). */
  readonly ports: string;
  /** The key of the ports, for messages. */
  readonly portKey: string;
  readonly filterLabelValueCharacters: boolean;
  /** Variable names without angle brackets. */
  readonly excludedVariables: readonly string[];
  readonly additionalVariables: Readonly<Record<string, string>>;
  readonly includes: readonly string[];
  readonly excludes: readonly string[];
}

/** The reporters a configuration asks for: those flink-ts starts, and what to tell the user about the others. */
export interface MetricReportersConfig {
  readonly prometheus: readonly PrometheusReporterSetup[];
  /** Each reporter that is not started and why; a daemon logs these as warnings and `config check` prints them. */
  readonly warnings: readonly string[];
  /** Reporters left out because metrics.reporters does not list them (logged at INFO, as Flink does). */
  readonly excluded: readonly string[];
}

const REPORTER_KEY = /^metrics\.reporter\.([^.\s]+)\.(.+)$/;

/** The reporters of a configuration, found as Flink finds them: by their factory.class or class key. */
export function metricReporters(conf: Configuration): MetricReportersConfig {
  const keys = [...Object.keys(conf.toMap()), ...conf.ignoredFlinkKeys.map((k) => k.key)];
  const withClass = new Set<string>();
  const withKeys = new Set<string>();
  for (const key of keys) {
    const m = REPORTER_KEY.exec(key);
    if (!m) continue;
    const name = m[1] as string;
    withKeys.add(name);
    if (m[2] === 'class' || m[2] === 'factory.class') withClass.add(name);
  }
  const listed = conf.getOptional(MetricOptions.REPORTERS_LIST);
  const warnings: string[] = [];
  const excluded: string[] = [];
  const prometheus: PrometheusReporterSetup[] = [];
  for (const name of [...withKeys].sort()) {
    if (!withClass.has(name)) {
      if (listed === undefined || listed.includes(name)) {
        warnings.push(
          `Metric reporter '${name}' has settings but neither metrics.reporter.${name}.factory.class nor metrics.reporter.${name}.class, so it is not started. ` +
            `For Prometheus set metrics.reporter.${name}.factory.class: ${PROMETHEUS_REPORTER_FACTORY}`,
        );
      }
      continue;
    }
    if (listed !== undefined && !listed.includes(name)) {
      excluded.push(`Metric reporter '${name}' is not started: metrics.reporters (${listed.join(',')}) does not list it.`);
      continue;
    }
    const get = <T>(option: ConfigOption<T>): T => conf.get(namedOption(option, name));
    const factory = conf.getOptional(namedOption(MetricOptions.REPORTER_FACTORY_CLASS, name));
    const cls = conf.getOptional(namedOption(MetricOptions.REPORTER_CLASS, name));
    const isPrometheus = factory !== undefined ? factory === PROMETHEUS_REPORTER_FACTORY : cls === PROMETHEUS_REPORTER_CLASS;
    if (!isPrometheus) {
      const [key, value] = factory !== undefined ? [`metrics.reporter.${name}.factory.class`, factory] : [`metrics.reporter.${name}.class`, cls];
      warnings.push(
        `Metric reporter '${name}' (${key}: ${value}) is not available in flink-ts and is not started; the daemon runs without it. ` +
          `flink-ts has the Prometheus reporter: metrics.reporter.${name}.factory.class: ${PROMETHEUS_REPORTER_FACTORY}`,
      );
      continue;
    }
    prometheus.push({
      name,
      ports: get(MetricOptions.REPORTER_PORT),
      portKey: namedOption(MetricOptions.REPORTER_PORT, name).key,
      filterLabelValueCharacters: get(MetricOptions.REPORTER_FILTER_LABEL_VALUE_CHARACTERS),
      excludedVariables: get(MetricOptions.REPORTER_EXCLUDED_VARIABLES).map((v) => v.replace(/^<(.*)>$/, '$1')),
      additionalVariables: Object.fromEntries(
        get(MetricOptions.REPORTER_ADDITIONAL_VARIABLES).map((entry) => {
          const at = entry.indexOf(':');
          return [entry.slice(0, at).trim(), entry.slice(at + 1).trim()];
        }),
      ),
      includes: get(MetricOptions.REPORTER_INCLUDES),
      excludes: get(MetricOptions.REPORTER_EXCLUDES),
    });
  }
  if (listed !== undefined) {
    for (const name of listed) {
      if (!withKeys.has(name)) warnings.push(`metrics.reporters lists '${name}', but no metrics.reporter.${name}.factory.class is set: there is no such reporter to start.`);
    }
  }
  return { prometheus, warnings, excluded };
}
