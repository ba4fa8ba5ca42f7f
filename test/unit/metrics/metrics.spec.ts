/**
 * The metric building blocks: rates over a window, Flink's names for what a task reports, the REST API's
 * metric queries and aggregations, a Node.js process's own figures, and a job's time and checkpoint metrics.
 */
import assert from 'node:assert/strict';
import {
  aggregatedValues,
  indexSelection,
  metricIdComponent,
  metricValues,
  MetricQueryError,
  MetricRegistry,
  operatorMetricSamples,
  ProcessMetrics,
  RateWindow,
  rateInputs,
  ratesFrom,
  taskMetricSamples,
  type MetricSample,
  type TaskMetrics,
} from '../../../src/metrics/index.js';
import { jobMetricSamples } from '../../../src/jobmanager/jobmaster/job-metrics.js';

const byName = (samples: MetricSample[]): Map<string, number> => new Map(samples.map((s) => [s.name, s.value]));

function report(over: Partial<TaskMetrics> = {}): TaskMetrics {
  return {
    readRecords: 100,
    readBytes: 1000,
    writeRecords: 50,
    writeBytes: 500,
    runMs: 1000,
    busyMs: 600,
    backPressuredMs: 100,
    inPoolUsage: 0.25,
    outPoolUsage: 0.5,
    operators: [
      { recordsIn: 100, recordsOut: 80 },
      { recordsIn: 80, recordsOut: 50 },
    ],
    ...over,
  };
}

describe('metrics: rates over a window', () => {
  it('answers per-second rates against the oldest sample in the window, zeros at first', () => {
    const w = new RateWindow(10_000);
    assert.deepEqual(w.push(0, [0, 10]), [0, 0]);
    assert.deepEqual(w.push(1000, [100, 10]), [100, 0]);
    assert.deepEqual(w.push(2000, [300, 20]), [150, 5]);
  });

  it('forgets samples older than the window, keeping one at its start as the base', () => {
    const w = new RateWindow(2000);
    for (let t = 0; t <= 10_000; t += 1000) w.push(t, [t < 8000 ? 0 : (t - 7000) * 10]);
    // Base at 9000 ms (the newest sample at least 2 s old): 40,000 - 20,000 over 2 s.
    assert.deepEqual(w.push(11_000, [40_000]), [10_000]);
  });

  it("turns a task's cumulative counters into Flink's per-second figures, busy and back pressure in ms per second", () => {
    const w = new RateWindow();
    const first = report({ readRecords: 0, writeRecords: 0, readBytes: 0, writeBytes: 0, runMs: 0, busyMs: 0, backPressuredMs: 0, operators: [{ recordsIn: 0, recordsOut: 0 }] });
    ratesFrom(first, w.push(0, rateInputs(first)));
    const second = report({ runMs: 2000, busyMs: 1000, backPressuredMs: 500, readRecords: 400, operators: [{ recordsIn: 100, recordsOut: 80 }] });
    const r = ratesFrom(second, w.push(2000, rateInputs(second)));
    assert.equal(r.recordsIn, 200);
    assert.equal(r.busyMs, 500);
    assert.equal(r.backPressuredMs, 250);
    assert.equal(r.idleMs, 250);
    assert.deepEqual(r.operators[0], { recordsIn: 50, recordsOut: 40 });
  });

  it('gives sources (no busy time) no busy or idle rate', () => {
    const m = report({ busyMs: undefined });
    const r = ratesFrom(m, new RateWindow().push(0, rateInputs(m)));
    assert.equal(r.busyMs, undefined);
    assert.equal(r.idleMs, undefined);
  });
});

describe("metrics: Flink's names for a task's figures", () => {
  it('names task-scope counters, rates, pool usage and the input watermark as Flink does', () => {
    const m = byName(taskMetricSamples({ ...report({ inputWatermark: 42 }), rates: { recordsIn: 1, recordsOut: 2, bytesIn: 3, bytesOut: 4, busyMs: 600, backPressuredMs: 100, idleMs: 300, operators: [] } }));
    assert.equal(m.get('numRecordsIn'), 100);
    assert.equal(m.get('numRecordsOut'), 50);
    assert.equal(m.get('numBytesIn'), 1000);
    assert.equal(m.get('numBytesOutPerSecond'), 4);
    assert.equal(m.get('busyTimeMsPerSecond'), 600);
    assert.equal(m.get('backPressuredTimeMsPerSecond'), 100);
    assert.equal(m.get('idleTimeMsPerSecond'), 300);
    assert.equal(m.get('isBackPressured'), 1);
    assert.equal(m.get('buffers.inPoolUsage'), 0.25);
    assert.equal(m.get('buffers.outPoolUsage'), 0.5);
    assert.equal(m.get('currentInputWatermark'), 42);
  });

  it('leaves busy and idle time out for sources, and the input watermark out when there is none', () => {
    const m = byName(taskMetricSamples(report({ busyMs: undefined })));
    assert.ok(!m.has('busyTimeMsPerSecond') && !m.has('idleTimeMsPerSecond') && !m.has('currentInputWatermark'));
    assert.equal(m.get('backPressuredTimeMsPerSecond'), 0);
  });

  it('answers each chain operator its own records in and out', () => {
    assert.equal(byName(operatorMetricSamples(report(), 1)).get('numRecordsIn'), 80);
    assert.equal(byName(operatorMetricSamples(report(), 0)).get('numRecordsOut'), 80);
    assert.deepEqual(operatorMetricSamples(report(), 5), []);
  });

  it('writes operator names into metric ids as the metric query service does', () => {
    assert.equal(metricIdComponent('Source: Socket Stream'), 'Source__Socket_Stream');
    assert.equal(metricIdComponent('Map.a,b'), 'Map_a_b');
  });
});

describe('metrics: REST queries', () => {
  const samples: MetricSample[] = [
    { name: 'numRecordsIn', kind: 'counter', value: 12 },
    { name: 'Status.JVM.CPU.Load', kind: 'gauge', value: 0.5 },
  ];

  it('lists ids without get=, and answers string values of the known ones with it', () => {
    assert.deepEqual(metricValues(samples, new URLSearchParams()), [{ id: 'numRecordsIn' }, { id: 'Status.JVM.CPU.Load' }]);
    assert.deepEqual(metricValues(samples, new URLSearchParams('get=Status.JVM.CPU.Load,unknown,numRecordsIn')), [
      { id: 'Status.JVM.CPU.Load', value: '0.5' },
      { id: 'numRecordsIn', value: '12' },
    ]);
  });

  it('aggregates over subtasks with the asked aggregations, all four by default', () => {
    const per = [[{ name: 'n', kind: 'counter', value: 1 } as MetricSample], [{ name: 'n', kind: 'counter', value: 3 } as MetricSample], []];
    assert.deepEqual(aggregatedValues(per, new URLSearchParams('get=n&agg=max,sum')), [{ id: 'n', max: 3, sum: 4 }]);
    assert.deepEqual(aggregatedValues(per, new URLSearchParams('get=n')), [{ id: 'n', min: 1, max: 3, avg: 2, sum: 4 }]);
    assert.deepEqual(aggregatedValues(per, new URLSearchParams()), [{ id: 'n' }]);
    assert.deepEqual(aggregatedValues(per, new URLSearchParams('get=missing')), []);
  });

  it('refuses an unknown aggregation or a malformed selection, saying what to write', () => {
    assert.throws(() => aggregatedValues([samples], new URLSearchParams('get=numRecordsIn&agg=p99')), (e: unknown) => e instanceof MetricQueryError && /use one or more of min, max, avg, sum/.test(e.message));
    assert.throws(() => indexSelection(new URLSearchParams('subtasks=a-b'), 'subtasks'), /neither a number nor a range/);
    assert.deepEqual([...(indexSelection(new URLSearchParams('subtasks=0-2,5'), 'subtasks') ?? [])], [0, 1, 2, 5]);
    assert.equal(indexSelection(new URLSearchParams(), 'subtasks'), undefined);
  });
});

describe('metrics: registry and process', () => {
  it('keeps groups until they are removed (removing twice is harmless)', () => {
    const r = new MetricRegistry();
    const remove = r.add({ scope: 'jobmanager', variables: { host: 'h' }, collect: () => samples() });
    assert.equal(r.groups().length, 1);
    remove();
    remove();
    assert.equal(r.groups().length, 0);
    function samples(): MetricSample[] {
      return [];
    }
  });

  it("reports the process's heap, CPU, event loop and garbage collection under Flink's and Node's names", () => {
    const pm = new ProcessMetrics();
    try {
      const m = byName(pm.collect());
      assert.ok((m.get('Status.JVM.Memory.Heap.Used') ?? 0) > 0);
      assert.ok((m.get('Status.JVM.Memory.Heap.Max') ?? 0) >= (m.get('Status.JVM.Memory.Heap.Used') ?? 0));
      const load = m.get('Status.JVM.CPU.Load') as number;
      assert.ok(load >= 0 && load <= 1, String(load));
      assert.ok((m.get('Status.Node.Memory.RSS') ?? 0) > 0);
      for (const name of ['Status.Node.EventLoop.Delay.P99', 'Status.JVM.GarbageCollector.All.Count', 'Status.JVM.CPU.Time']) assert.ok(m.has(name), name);
    } finally {
      pm.close();
      pm.close();
    }
  });
});

describe("metrics: a job's own", () => {
  const base = { runningSince: 1000, downSince: Number.NaN, restartingSince: Number.NaN, numRestarts: 2, checkpoints: undefined };

  it('answers uptime while running, -1 once ended, and the restarts', () => {
    const running = byName(jobMetricSamples({ ...base, status: 'RUNNING' }, 5000));
    assert.equal(running.get('uptime'), 4000);
    assert.equal(running.get('downtime'), 0);
    assert.equal(running.get('numRestarts'), 2);
    assert.equal(byName(jobMetricSamples({ ...base, status: 'FINISHED' }, 5000)).get('uptime'), -1);
    assert.equal(byName(jobMetricSamples({ ...base, status: 'RESTARTING', downSince: 4000, restartingSince: 4500 }, 5000)).get('restartingTime'), 500);
  });

  it('has checkpoint metrics only for jobs that take checkpoints', () => {
    assert.ok(!byName(jobMetricSamples({ ...base, status: 'RUNNING' })).has('numberOfCompletedCheckpoints'));
    const m = byName(
      jobMetricSamples({
        ...base,
        status: 'RUNNING',
        checkpoints: {
          counts: { restored: 0, total: 3, inProgress: 1, completed: 2, failed: 0 },
          history: [],
          completedSamples: { stateSize: [], checkpointedSize: [], endToEndDuration: [] },
        },
      }),
    );
    assert.equal(m.get('numberOfCompletedCheckpoints'), 2);
    assert.equal(m.get('totalNumberOfCheckpoints'), 3);
    assert.equal(m.get('lastCheckpointDuration'), -1);
  });
});
