import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import {
  exposition,
  labelsOf,
  MetricRegistry,
  MetricReporters,
  portsOf,
  prometheusName,
  PrometheusPortsTakenError,
  PrometheusReporter,
  replaceInvalidChars,
  ReporterFilter,
  type LabelSettings,
  type MetricGroup,
} from '../../../src/metrics/index.js';
import { Configuration, metricReporters } from '../../../src/config/index.js';
import { parseExposition, scrape, series } from '../../support/prometheus-scrape.js';

const DEFAULTS: LabelSettings = { filterLabelValueCharacters: true, excludedVariables: [], additionalVariables: {} };
const ALL = ReporterFilter.of(['*:*:*'], []);

function group(scope: MetricGroup['scope'], variables: Record<string, string>, samples: Record<string, number>, kind: 'counter' | 'gauge' = 'counter'): MetricGroup {
  return { scope, variables, collect: () => Object.entries(samples).map(([name, value]) => ({ name, kind, value })) };
}

/** Holds a port on 127.0.0.1 the way another process would. */
function occupy(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(port, '127.0.0.1', () => resolve(srv));
  });
}

function release(srv: Server): Promise<void> {
  return new Promise((resolve) => srv.close(() => resolve()));
}

function logCollector(): { info: string[]; warn: string[]; log: { info(m: string): void; warn(m: string): void } } {
  const info: string[] = [];
  const warn: string[] = [];
  return { info, warn, log: { info: (m) => info.push(m), warn: (m) => warn.push(m) } };
}

describe('Prometheus reporter', () => {
  describe("Flink's names and labels", () => {
    it('names are flink_ + the scope joined by _ + the metric name with characters outside [a-zA-Z0-9:_] as _', () => {
      assert.equal(prometheusName('taskmanager.job.task.operator', 'numRecordsIn'), 'flink_taskmanager_job_task_operator_numRecordsIn');
      assert.equal(prometheusName('jobmanager', 'Status.JVM.Memory.Heap.Used'), 'flink_jobmanager_Status_JVM_Memory_Heap_Used');
      assert.equal(prometheusName('jobmanager.job', 'uptime'), 'flink_jobmanager_job_uptime');
      assert.equal(prometheusName('taskmanager.job.task', 'buffers.inPoolUsage'), 'flink_taskmanager_job_task_buffers_inPoolUsage');
      assert.equal(replaceInvalidChars('Source: Kafka -> Map (1/2) é'), 'Source:_Kafka____Map__1_2___');
    });

    it("labels are the group's variables, values filtered unless filterLabelValueCharacters is false", () => {
      const variables = { host: 'tm-1.example.com', task_name: 'Source: x -> Map', subtask_index: '0' };
      assert.deepEqual(labelsOf(variables, DEFAULTS), { host: 'tm_1_example_com', task_name: 'Source:_x____Map', subtask_index: '0' });
      assert.deepEqual(labelsOf(variables, { ...DEFAULTS, filterLabelValueCharacters: false }), variables);
    });

    it('scope.variables.excludes leaves variables out; scope.variables.additional adds labels a group does not have', () => {
      const labels = labelsOf(
        { host: 'h', job_id: 'abc', task_attempt_id: 'x' },
        { filterLabelValueCharacters: true, excludedVariables: ['job_id', 'task_attempt_id'], additionalVariables: { cluster: 'prod-1', host: 'other' } },
      );
      assert.deepEqual(labels, { host: 'h', cluster: 'prod_1' });
    });
  });

  describe('the exposition', () => {
    it('is the Prometheus text format: groups with one metric name are one gauge family with a series each', async () => {
      const groups = [
        group('taskmanager.job.task.operator', { job_name: 'WordCount', task_name: 'Map', subtask_index: '0', operator_name: 'Map' }, { numRecordsIn: 12 }),
        group('taskmanager.job.task.operator', { job_name: 'WordCount', task_name: 'Map', subtask_index: '1', operator_name: 'Map' }, { numRecordsIn: 30 }),
        group('jobmanager', { host: 'jm' }, { 'Status.JVM.Memory.Heap.Used': 1234 }, 'gauge'),
      ];
      const { text, contentType } = await exposition(groups, DEFAULTS, ALL);
      assert.match(contentType, /^text\/plain; version=0\.0\.4/);
      const families = parseExposition(text);
      const records = families.find((f) => f.name === 'flink_taskmanager_job_task_operator_numRecordsIn');
      assert.ok(records, text);
      // Flink exports counters as gauges too.
      assert.equal(records.type, 'GAUGE');
      assert.equal(records.help, 'numRecordsIn (scope: taskmanager_job_task_operator)');
      assert.deepEqual(
        series(families, 'flink_taskmanager_job_task_operator_numRecordsIn').map((s) => [s.labels['subtask_index'], s.value]),
        [
          ['0', 12],
          ['1', 30],
        ],
      );
      assert.deepEqual(series(families, 'flink_jobmanager_Status_JVM_Memory_Heap_Used'), [{ labels: { host: 'jm' }, value: 1234 }]);
    });

    it('escapes label values that keep any character (filterLabelValueCharacters: false)', async () => {
      const name = 'say "hi"\\ \nnow';
      const { text } = await exposition([group('taskmanager.job.task', { task_name: name }, { numRecordsOut: 1 })], { ...DEFAULTS, filterLabelValueCharacters: false }, ALL);
      assert.deepEqual(series(parseExposition(text), 'flink_taskmanager_job_task_numRecordsOut')[0]?.labels, { task_name: name });
    });

    it('filter.includes / filter.excludes choose metrics by scope, name and type; an exclusion wins', async () => {
      const groups = [
        group('taskmanager.job.task.operator', { operator_name: 'Map' }, { numRecordsIn: 1, numRecordsOut: 2 }),
        group('taskmanager.job.task', { task_name: 'Map' }, { numRecordsIn: 3, busyTimeMsPerSecond: 4 }),
        group('jobmanager', { host: 'jm' }, { 'Status.JVM.CPU.Load': 0.5 }, 'gauge'),
      ];
      const filter = ReporterFilter.of(['*.job.*:numRecords*', 'jobmanager:*:gauge'], ['*.operator:*Out']);
      const names = parseExposition((await exposition(groups, DEFAULTS, filter)).text).map((f) => f.name);
      assert.deepEqual(names.sort(), [
        'flink_jobmanager_Status_JVM_CPU_Load',
        'flink_taskmanager_job_task_numRecordsIn',
        'flink_taskmanager_job_task_operator_numRecordsIn',
      ]);
      const countersOnly = ReporterFilter.of(['*:*:counter'], []);
      assert.ok(!countersOnly.accepts('jobmanager', 'Status.JVM.CPU.Load', 'gauge'));
      assert.ok(countersOnly.accepts('jobmanager', 'Status.JVM.GarbageCollector.All.Count', 'counter'));
    });

    it('a group whose collect() throws is left out; the others still make the scrape', async () => {
      const broken: MetricGroup = { scope: 'taskmanager', variables: {}, collect: () => { throw new Error('closing'); } };
      const { text } = await exposition([broken, group('jobmanager', { host: 'jm' }, { numRunningJobs: 1 })], DEFAULTS, ALL);
      assert.equal(series(parseExposition(text), 'flink_jobmanager_numRunningJobs')[0]?.value, 1);
    });
  });

  describe('the endpoint', () => {
    it("port specs are Flink's: a port, a range, a list", () => {
      assert.deepEqual(portsOf('9249'), [9249]);
      assert.deepEqual(portsOf('9249-9252'), [9249, 9250, 9251, 9252]);
      assert.deepEqual(portsOf('9249, 9300-9301'), [9249, 9300, 9301]);
    });

    it('takes the first free port of the range; the next daemon takes the next one', async () => {
      const holder = await occupy(0);
      const taken = (holder.address() as { port: number }).port;
      const reporters: PrometheusReporter[] = [];
      try {
        const registry = new MetricRegistry();
        registry.add(group('jobmanager', { host: 'jm' }, { numRunningJobs: 2 }));
        const init = { name: 'prom', ports: `${taken}-${taken + 20}`, portKey: 'metrics.reporter.prom.port', bindHost: '127.0.0.1' };
        for (let i = 0; i < 2; i++) {
          const r = new PrometheusReporter({ registries: () => [registry] }, init);
          reporters.push(r);
          await r.start();
        }
        const [a, b] = reporters.map((r) => r.port) as [number, number];
        assert.ok(a > taken && b > a && b <= taken + 20, `${taken} taken, then ${a} and ${b}`);
        assert.equal(series(await scrape(a), 'flink_jobmanager_numRunningJobs')[0]?.value, 2);
        assert.equal(series(await scrape(b), 'flink_jobmanager_numRunningJobs')[0]?.value, 2);
      } finally {
        for (const r of reporters) await r.close();
        await release(holder);
      }
    });

    it('a range that is all taken is an error naming the key and the range', async () => {
      const holder = await occupy(0);
      const taken = (holder.address() as { port: number }).port;
      try {
        const r = new PrometheusReporter({ registries: () => [] }, { name: 'prom', ports: `${taken}`, portKey: 'metrics.reporter.prom.port', bindHost: '127.0.0.1' });
        await assert.rejects(r.start(), (err: unknown) => {
          assert.ok(err instanceof PrometheusPortsTakenError);
          assert.equal(err.code, 'PROMETHEUS_PORTS_TAKEN');
          assert.match(err.message, new RegExp(`metrics\\.reporter\\.prom\\.port: ${taken} on 127\\.0\\.0\\.1 \\(${taken}: EADDRINUSE\\)`));
          assert.match(err.message, /range with a free port for each daemon/);
          return true;
        });
        await r.close();
      } finally {
        await release(holder);
      }
    });

    it('reads the registries on each scrape: a removed group is gone from the next one', async () => {
      const registry = new MetricRegistry();
      let records = 5;
      const remove = registry.add({ scope: 'taskmanager.job.task', variables: { job_name: 'j' }, collect: () => [{ name: 'numRecordsIn', kind: 'counter', value: records }] });
      const r = new PrometheusReporter({ registries: () => [registry] }, { name: 'prom', ports: '0', portKey: 'k', bindHost: '127.0.0.1' });
      await r.start();
      try {
        assert.equal(series(await scrape(r.port), 'flink_taskmanager_job_task_numRecordsIn')[0]?.value, 5);
        records = 9;
        assert.equal(series(await scrape(r.port), 'flink_taskmanager_job_task_numRecordsIn')[0]?.value, 9);
        remove();
        assert.deepEqual(series(await scrape(r.port), 'flink_taskmanager_job_task_numRecordsIn'), []);
        const healthy = await fetch(`http://127.0.0.1:${r.port}/-/healthy`);
        assert.equal(healthy.status, 200);
        await healthy.text();
        const post = await fetch(`http://127.0.0.1:${r.port}/metrics`, { method: 'POST' });
        assert.equal(post.status, 405);
        await post.text();
      } finally {
        await r.close();
        await r.close();
      }
      await assert.rejects(fetch(`http://127.0.0.1:${r.port}/metrics`));
    });
  });

  describe('reporters of a daemon', () => {
    it('a reporter flink-ts does not have and a fully taken range are warnings; the daemon goes on', async () => {
      const holder = await occupy(0);
      const taken = (holder.address() as { port: number }).port;
      const { warn, log } = logCollector();
      try {
        const conf = Configuration.fromMap({
          'metrics.reporter.prom.factory.class': 'org.apache.flink.metrics.prometheus.PrometheusReporterFactory',
          'metrics.reporter.prom.port': String(taken),
          'metrics.reporter.slf.factory.class': 'org.apache.flink.metrics.slf4j.Slf4jReporterFactory',
        });
        const reporters = await MetricReporters.start(metricReporters(conf), () => [], { log, bindHost: '127.0.0.1' });
        assert.deepEqual(reporters.ports, []);
        assert.equal(warn.length, 2, warn.join('\n'));
        assert.match(warn[0] as string, /Metric reporter 'slf' \(metrics\.reporter\.slf\.factory\.class: org\.apache\.flink\.metrics\.slf4j\.Slf4jReporterFactory\) is not available/);
        assert.match(warn[1] as string, new RegExp(`'prom' could not listen on any port of metrics\\.reporter\\.prom\\.port: ${taken}`));
        await reporters.close();
        await reporters.close();
      } finally {
        await release(holder);
      }
    });
  });
});
