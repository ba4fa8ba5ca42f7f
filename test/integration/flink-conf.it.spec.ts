/**
 * A real Flink configuration starts a real cluster: Flink 1.20's default configuration with every commented key
 * switched on (test/fixtures/flink-1.20-flink-conf.yaml) gives one warning per key flink-ts does not use, in
 * start-cluster.sh's output and in the daemons' logs, and the cluster runs jobs.
 *
 * What the fixture sets that cannot work on a test machine is overridden after it: ports and addresses on
 * loopback (free ports), high availability off (it needs ZooKeeper; Flink 1.20 writes the mode as
 * high-availability.type, a deprecated key here, which high-availability beats), checkpoint directories on the
 * local disk instead of hdfs://namenode-host:port, and web.submit.enable back on, since flink-ts refuses
 * submissions over REST without it and the test submits a job.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lookupOption } from '../../src/config/all-options.js';
import { isFlinkOnlyKey } from '../../src/config/flink-key-lookup.js';
import { FLINK_HOME, StandaloneCluster, nonEmptyLines, waitFor } from './support/standalone-cluster.js';

const FIXTURE = join(FLINK_HOME, 'test', 'fixtures', 'flink-1.20-flink-conf.yaml');

const BOUNDED_JOB = `import { StreamExecutionEnvironment } from 'flink-ts';
const env = StreamExecutionEnvironment.getExecutionEnvironment();
env.generateSequence(1, 1000).map((n) => n * 2).addSink(() => {});
await env.execute('Under A Flink Configuration');
`;

/** The keys of the fixture that Flink knows and flink-ts does not use, with their line numbers. */
async function flinkOnlyKeys(): Promise<Map<string, number>> {
  const keys = new Map<string, number>();
  (await readFile(FIXTURE, 'utf8')).split('\n').forEach((line, i) => {
    const m = /^([^#\s][^:]*):/.exec(line);
    const key = m?.[1]?.trim();
    if (key === undefined) return;
    assert.ok(lookupOption(key) !== undefined || isFlinkOnlyKey(key), `${key} of the fixture is known to flink-ts or to Flink`);
    if (lookupOption(key) === undefined) keys.set(key, i + 1);
  });
  return keys;
}

describe("Flink 1.20's default configuration, every key switched on (real cluster)", function () {
  this.timeout(180_000);
  let cluster: StandaloneCluster | undefined;
  let expected: Map<string, number>;

  before(async function () {
    this.timeout(120_000);
    expected = await flinkOnlyKeys();
    // Only named: nothing writes there before a checkpoint, and these jobs take none.
    const scratch = join(tmpdir(), `flink-it-conf-${process.pid}`);
    cluster = await StandaloneCluster.start({
      baseConf: FIXTURE,
      taskManagers: 1,
      slotsPerTaskManager: 1,
      extraConf: [
        'jobmanager.bind-host: 127.0.0.1',
        'taskmanager.bind-host: 127.0.0.1',
        'high-availability: NONE',
        `state.checkpoints.dir: file://${scratch}/checkpoints`,
        `state.savepoints.dir: file://${scratch}/savepoints`,
        'web.submit.enable: true',
      ],
    });
    // rest.bind-port: 8080-8090 of the fixture must not win over the test's free port.
    assert.ok(cluster.restPort > 0);
  });

  after(async function () {
    this.timeout(60_000);
    await cluster?.stop();
  });

  it('start-cluster.sh prints one warning per key flink-ts does not use, naming its line, and starts the cluster', () => {
    const c = cluster as StandaloneCluster;
    assert.ok(expected.size >= 15, `the fixture has Flink-only keys: ${[...expected.keys()].join(', ')}`);
    const warnings = nonEmptyLines(c.startOutput).filter((l) => l.includes('has no effect in flink-ts'));
    const confFile = join(c.confDir, 'flink-conf.yaml');
    for (const [key, line] of expected) {
      const mine = warnings.filter((w) => w.startsWith(`Warning: ${key} (`));
      assert.deepEqual(mine, [`Warning: ${key} (line ${line} of ${confFile}) has no effect in flink-ts (an Apache Flink key that flink-ts does not use)`], c.startOutput);
    }
    assert.equal(warnings.length, expected.size, c.startOutput);
    assert.ok(!/error/i.test(c.startOutput.replace(/Warning: .*/g, '')), c.startOutput);
  });

  it("the JobManager's and the TaskManager's logs carry the same warnings", async () => {
    const c = cluster as StandaloneCluster;
    for (const daemon of ['standalonesession', 'taskexecutor'] as const) {
      const log = await waitFor(`${daemon} log`, 10_000, async () => {
        const text = await c.readLog(daemon, 0);
        return text.includes('has no effect in flink-ts') ? text : undefined;
      });
      for (const key of expected.keys()) {
        assert.equal(log.split('\n').filter((l) => / WARN /.test(l) && l.includes(` - ${key} (line `)).length, 1, `${daemon}: ${key}\n${log}`);
      }
    }
  });

  it('runs a job', async () => {
    const c = cluster as StandaloneCluster;
    const job = join(await c.tempDir('jobs'), 'bounded.js');
    await writeFile(job, BOUNDED_JOB);
    const r = await c.flink(['run', job]);
    assert.equal(r.exitCode, 0, r.describe);
    assert.ok(nonEmptyLines(r.stdout).includes('Program execution finished'), r.describe);
    // bin/flink reads the same file but leaves its Flink-only keys to start-cluster.sh: no warnings per command.
    assert.ok(!r.stderr.includes('has no effect'), r.describe);
  });
});
