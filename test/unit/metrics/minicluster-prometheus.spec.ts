import assert from 'node:assert/strict';
import { Configuration } from '../../../src/config/index.js';
import { MiniCluster } from '../../../src/minicluster/index.js';
import { setLogSink } from '../../../src/util/logger.js';
import { scrape, series } from '../../support/prometheus-scrape.js';

describe('Prometheus reporter of the local cluster', function () {
  this.timeout(60_000);

  let cluster: MiniCluster | undefined;

  before(() => setLogSink(undefined));
  after(async () => {
    await cluster?.close();
    await cluster?.close();
  });

  it("serves the JobManager's and every TaskManager's metrics on one endpoint, as Flink's MiniCluster does", async () => {
    const config = Configuration.fromMap({
      'metrics.reporter.prom.factory.class': 'org.apache.flink.metrics.prometheus.PrometheusReporterFactory',
      'metrics.reporter.prom.port': '0',
      'jobmanager.bind-host': '127.0.0.1',
    });
    cluster = new MiniCluster({ config, taskManagers: 2, slotsPerTaskManager: 1 });
    await cluster.start();
    assert.equal(cluster.metricReporterPorts.length, 1);
    const families = await scrape(cluster.metricReporterPorts[0] as number);
    assert.deepEqual(series(families, 'flink_jobmanager_numRegisteredTaskManagers').map((s) => s.value), [2]);
    assert.equal(series(families, 'flink_jobmanager_Status_JVM_Memory_Heap_Used').length, 1);
    assert.equal(new Set(series(families, 'flink_taskmanager_Status_JVM_CPU_Load').map((s) => s.labels['tm_id'])).size, 2);
  });
});
