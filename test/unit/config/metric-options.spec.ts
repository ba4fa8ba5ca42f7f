import assert from 'node:assert/strict';
import {
  Configuration,
  ConfigurationError,
  MetricOptions,
  metricReporters,
  namedOption,
  lookupOption,
  PROMETHEUS_REPORTER_CLASS,
  PROMETHEUS_REPORTER_FACTORY,
} from '../../../src/config/index.js';

describe('metric reporter options', () => {
  describe('keys with a <name> part', () => {
    it('each name has its own option, with the template’s type, default and checks', () => {
      const prom = namedOption(MetricOptions.REPORTER_PORT, 'prom');
      assert.equal(prom.key, 'metrics.reporter.prom.port');
      assert.equal(prom, namedOption(MetricOptions.REPORTER_PORT, 'prom'));
      assert.equal(lookupOption('metrics.reporter.prom.port')?.option, prom);
      assert.equal(lookupOption('metrics.reporter.prom.filter.includes')?.option.type, 'list');
      assert.equal(lookupOption('metrics.reporter.prom.nothing'), undefined);

      const conf = Configuration.fromMap({ 'metrics.reporter.prom.port': '9250-9260', 'metrics.reporter.other.filterLabelValueCharacters': 'false' });
      assert.equal(conf.get(prom), '9250-9260');
      assert.equal(conf.get(namedOption(MetricOptions.REPORTER_PORT, 'another')), '9249');
      assert.equal(conf.get(namedOption(MetricOptions.REPORTER_FILTER_LABEL_VALUE_CHARACTERS, 'other')), false);
      assert.equal(conf.get(namedOption(MetricOptions.REPORTER_INTERVAL, 'prom')), 10_000);
      assert.deepEqual(conf.ignoredFlinkKeys, []);
      assert.throws(() => namedOption(MetricOptions.REPORTER_PORT, 'a.b'), /dot/);
    });

    it('a bad value is one line naming the concrete key', () => {
      assert.throws(
        () => Configuration.fromMap({ 'metrics.reporter.prom.port': '92a9' }, '-D'),
        (err: unknown) =>
          err instanceof ConfigurationError &&
          err.message === "Invalid configuration in -D metrics.reporter.prom.port: '92a9' is not a port or port range. Use a port from 0 to 65535 (0 picks a free port), a range like 50100-50200, or a comma-separated list of them, e.g. -D metrics.reporter.prom.port=9249",
      );
      assert.throws(() => Configuration.fromMap({ 'metrics.reporter.prom.filter.includes': '*:*:timer' }), /'timer' in the filter '\*:\*:timer' is not a metric type/);
      assert.throws(() => Configuration.fromMap({ 'metrics.reporter.prom.scope.variables.additional': 'region' }), /'region' is not a variable. Write name:value pairs/);
    });

    it('a typo of a reporter key is an error with the right key; another reporter’s own parameter is a warning', () => {
      assert.throws(() => Configuration.fromMap({ 'metrics.reporter.prom.intervall': '10 s' }), /Did you mean metrics\.reporter\.prom\.interval\?/);
      assert.throws(() => Configuration.fromMap({ 'metrics.reporter.prom.filterLabelValueCharacter': 'false' }), /Did you mean metrics\.reporter\.prom\.filterLabelValueCharacters\?/);
      const conf = Configuration.fromMap({ 'metrics.reporter.grph.host': 'graphite', 'metrics.reporter.grph.protocol': 'TCP' });
      assert.deepEqual(
        conf.ignoredFlinkKeys.map((k) => k.key),
        ['metrics.reporter.grph.host', 'metrics.reporter.grph.protocol'],
      );
    });
  });

  describe('the reporters of a configuration', () => {
    it('finds Prometheus reporters by factory.class or the older class, with their settings', () => {
      const { prometheus, warnings } = metricReporters(
        Configuration.fromMap({
          'metrics.reporter.prom.factory.class': PROMETHEUS_REPORTER_FACTORY,
          'metrics.reporter.prom.port': '9250-9260',
          'metrics.reporter.prom.scope.variables.excludes': '<job_id>;task_attempt_id',
          'metrics.reporter.prom.scope.variables.additional': 'cluster:prod, region:eu-1',
          'metrics.reporter.prom.filterLabelValueCharacters': 'false',
          'metrics.reporter.old.class': PROMETHEUS_REPORTER_CLASS,
        }),
      );
      assert.deepEqual(warnings, []);
      assert.deepEqual(prometheus, [
        {
          name: 'old',
          ports: '9249',
          portKey: 'metrics.reporter.old.port',
          filterLabelValueCharacters: true,
          excludedVariables: [],
          additionalVariables: {},
          includes: ['*:*:*'],
          excludes: [],
        },
        {
          name: 'prom',
          ports: '9250-9260',
          portKey: 'metrics.reporter.prom.port',
          filterLabelValueCharacters: false,
          excludedVariables: ['job_id', 'task_attempt_id'],
          additionalVariables: { cluster: 'prod', region: 'eu-1' },
          includes: ['*:*:*'],
          excludes: [],
        },
      ]);
    });

    it('a reporter flink-ts does not have is a warning naming it and what flink-ts has; factory.class wins over class', () => {
      const { prometheus, warnings } = metricReporters(
        Configuration.fromMap({
          'metrics.reporter.jmx.factory.class': 'org.apache.flink.metrics.jmx.JMXReporterFactory',
          'metrics.reporter.jmx.port': '8789',
          'metrics.reporter.mixed.factory.class': 'org.apache.flink.metrics.graphite.GraphiteReporterFactory',
          'metrics.reporter.mixed.class': PROMETHEUS_REPORTER_CLASS,
        }),
      );
      assert.deepEqual(prometheus, []);
      assert.deepEqual(warnings, [
        "Metric reporter 'jmx' (metrics.reporter.jmx.factory.class: org.apache.flink.metrics.jmx.JMXReporterFactory) is not available in flink-ts and is not started; " +
          `the daemon runs without it. flink-ts has the Prometheus reporter: metrics.reporter.jmx.factory.class: ${PROMETHEUS_REPORTER_FACTORY}`,
        "Metric reporter 'mixed' (metrics.reporter.mixed.factory.class: org.apache.flink.metrics.graphite.GraphiteReporterFactory) is not available in flink-ts and is not started; " +
          `the daemon runs without it. flink-ts has the Prometheus reporter: metrics.reporter.mixed.factory.class: ${PROMETHEUS_REPORTER_FACTORY}`,
      ]);
    });

    it('metrics.reporters starts only the reporters it lists; settings without a class are named', () => {
      const { prometheus, warnings, excluded } = metricReporters(
        Configuration.fromMap({
          'metrics.reporters': 'a, c, missing',
          'metrics.reporter.a.factory.class': PROMETHEUS_REPORTER_FACTORY,
          'metrics.reporter.b.factory.class': PROMETHEUS_REPORTER_FACTORY,
          'metrics.reporter.c.port': '9300',
        }),
      );
      assert.deepEqual(
        prometheus.map((p) => p.name),
        ['a'],
      );
      assert.deepEqual(excluded, ["Metric reporter 'b' is not started: metrics.reporters (a,c,missing) does not list it."]);
      assert.equal(warnings.length, 2, warnings.join('\n'));
      assert.match(warnings[0] as string, /^Metric reporter 'c' has settings but neither metrics\.reporter\.c\.factory\.class nor metrics\.reporter\.c\.class/);
      assert.match(warnings[1] as string, /^metrics\.reporters lists 'missing', but no metrics\.reporter\.missing\.factory\.class is set/);
    });

    it('no reporter keys: nothing to start and nothing to say', () => {
      assert.deepEqual(metricReporters(Configuration.fromMap({ 'rest.port': '8081' })), { prometheus: [], warnings: [], excluded: [] });
    });
  });
});
