/**
 * The checkpoint API of the environment (enableCheckpointing, getCheckpointConfig, setRestartStrategy,
 * setStateBackend, configure): what a program sets ends up as Flink configuration keys in
 * `JobGraph.jobConfiguration`, and bad values are refused in the program, naming the call and what it accepts.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CheckpointConfig,
  CheckpointingMode,
  EmbeddedLmdbStateBackend,
  ExternalizedCheckpointCleanup,
  HashMapStateBackend,
  InvalidSettingError,
  RestartStrategies,
  StreamExecutionEnvironment,
  Time,
} from '../../../src/api/index.js';
import { bundleProgram } from '../../../src/client/bundler.js';
import { capturePlan } from '../../../src/client/program.js';
import { Configuration } from '../../../src/config/index.js';
import { checkpointSettings } from '../../../src/jobmanager/checkpoint/checkpoint-settings.js';
import { restartBackoffFor } from '../../../src/jobmanager/checkpoint/restart-strategy.js';
import { UsageError } from '../../../src/util/errors.js';
import { planOf } from '../graph/testing-pipeline.js';

/** The job configuration of a program that builds a one-operator pipeline after `setup(env)`. */
async function jobConfigurationOf(setup: (env: StreamExecutionEnvironment) => void): Promise<Record<string, string> | undefined> {
  const graph = await planOf(async () => {
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    setup(env);
    env.fromElements(1, 2, 3).print();
    await env.execute('checkpoint settings');
  });
  return graph.jobConfiguration;
}

function refused(fn: () => unknown, message: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof InvalidSettingError && e instanceof UsageError, `a usage error, got ${String(e)}`);
    assert.match(e.message, message);
    return true;
  });
}

describe('checkpoint API of the environment', () => {
  it("a bundled program's enableCheckpointing(500) reaches the JobGraph as execution.checkpointing.interval: 500 ms", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ut-checkpoint-api-'));
    try {
      const program = join(dir, 'checkpointing-job.mjs');
      await writeFile(
        program,
        [
          "import { StreamExecutionEnvironment, CheckpointingMode, RestartStrategies } from 'flink-ts';",
          'const env = StreamExecutionEnvironment.getExecutionEnvironment();',
          'env.enableCheckpointing(500);',
          'env.getCheckpointConfig().setCheckpointingMode(CheckpointingMode.AT_LEAST_ONCE);',
          'env.setRestartStrategy(RestartStrategies.fixedDelayRestart(3, 2000));',
          "env.fromSequence(1, 10).print();",
          "await env.execute('with checkpoints');",
        ].join('\n'),
      );
      const bundle = await bundleProgram(program);
      try {
        const graph = await capturePlan(bundle, [], 1, 100);
        assert.deepEqual(graph.jobConfiguration, {
          'execution.checkpointing.interval': '500 ms',
          'execution.checkpointing.mode': 'AT_LEAST_ONCE',
          'restart-strategy': 'fixed-delay',
          'restart-strategy.fixed-delay.attempts': '3',
          'restart-strategy.fixed-delay.delay': '2000 ms',
        });
        // The JobManager reads the same keys back.
        const settings = checkpointSettings(Configuration.fromMap({}), graph.jobConfiguration);
        assert.equal(settings.enabled, true);
        assert.equal(settings.interval, 500);
        assert.equal(settings.mode, 'AT_LEAST_ONCE');
      } finally {
        await bundle.dispose();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a program that sets nothing carries no job configuration, and checkpointing is off', async () => {
    assert.equal(await jobConfigurationOf(() => {}), undefined);
    await jobConfigurationOf((env) => {
      assert.equal(env.getCheckpointConfig().isCheckpointingEnabled(), false);
      assert.equal(env.getCheckpointInterval(), -1);
      assert.equal(env.getCheckpointingMode(), CheckpointingMode.EXACTLY_ONCE);
      assert.equal(env.getRestartStrategy(), undefined);
    });
  });

  it("every CheckpointConfig setter writes Flink's key, and the getters read it back", async () => {
    let config: CheckpointConfig | undefined;
    const conf = await jobConfigurationOf((env) => {
      env.enableCheckpointing(1000, CheckpointingMode.EXACTLY_ONCE);
      const cc = env.getCheckpointConfig();
      cc.setCheckpointTimeout(60_000);
      cc.setMinPauseBetweenCheckpoints(250);
      cc.setMaxConcurrentCheckpoints(2);
      cc.setTolerableCheckpointFailureNumber(3);
      cc.setExternalizedCheckpointCleanup(CheckpointConfig.ExternalizedCheckpointCleanup.RETAIN_ON_CANCELLATION);
      cc.enableUnalignedCheckpoints();
      cc.setCheckpointStorage('file:///data/checkpoints');
      config = cc;
    });
    assert.deepEqual(conf, {
      'execution.checkpointing.externalized-checkpoint-retention': 'RETAIN_ON_CANCELLATION',
      'execution.checkpointing.interval': '1000 ms',
      'execution.checkpointing.max-concurrent-checkpoints': '2',
      'execution.checkpointing.min-pause': '250 ms',
      'execution.checkpointing.mode': 'EXACTLY_ONCE',
      'execution.checkpointing.timeout': '60000 ms',
      'execution.checkpointing.tolerable-failed-checkpoints': '3',
      'execution.checkpointing.unaligned': 'true',
      'state.checkpoints.dir': 'file:///data/checkpoints',
    });
    const cc = config as CheckpointConfig;
    assert.equal(cc.isCheckpointingEnabled(), true);
    assert.equal(cc.getCheckpointInterval(), 1000);
    assert.equal(cc.getCheckpointTimeout(), 60_000);
    assert.equal(cc.getMinPauseBetweenCheckpoints(), 250);
    assert.equal(cc.getMaxConcurrentCheckpoints(), 2);
    assert.equal(cc.getTolerableCheckpointFailureNumber(), 3);
    assert.equal(cc.getExternalizedCheckpointCleanup(), ExternalizedCheckpointCleanup.RETAIN_ON_CANCELLATION);
    assert.equal(cc.isExternalizedCheckpointsEnabled(), true);
    assert.equal(cc.isUnalignedCheckpointsEnabled(), true);
    assert.equal(cc.getCheckpointStorage(), 'file:///data/checkpoints');
  });

  it('setCheckpointInterval alone turns checkpointing on; the older and newer retention setters write the same key', async () => {
    const conf = await jobConfigurationOf((env) => {
      const cc = env.getCheckpointConfig();
      cc.setCheckpointInterval(20_000);
      cc.enableExternalizedCheckpoints(ExternalizedCheckpointCleanup.DELETE_ON_CANCELLATION);
      assert.equal(cc.isCheckpointingEnabled(), true);
      cc.setExternalizedCheckpointRetention('RETAIN_ON_CANCELLATION');
    });
    assert.equal(conf?.['execution.checkpointing.interval'], '20000 ms');
    assert.equal(conf?.['execution.checkpointing.externalized-checkpoint-retention'], 'RETAIN_ON_CANCELLATION');
  });

  it('restart strategies become the restart-strategy keys; a new one replaces the old one whole', async () => {
    const cases: Array<[() => ReturnType<typeof RestartStrategies.noRestart>, Record<string, string>]> = [
      [() => RestartStrategies.noRestart(), { 'restart-strategy': 'none' }],
      [
        () => RestartStrategies.fixedDelayRestart(5, Time.seconds(10)),
        { 'restart-strategy': 'fixed-delay', 'restart-strategy.fixed-delay.attempts': '5', 'restart-strategy.fixed-delay.delay': '10000 ms' },
      ],
      [
        () => RestartStrategies.failureRateRestart(3, Time.minutes(5), Time.seconds(10)),
        {
          'restart-strategy': 'failure-rate',
          'restart-strategy.failure-rate.max-failures-per-interval': '3',
          'restart-strategy.failure-rate.failure-rate-interval': '300000 ms',
          'restart-strategy.failure-rate.delay': '10000 ms',
        },
      ],
      [
        () => RestartStrategies.exponentialDelayRestart(Time.milliseconds(10), Time.seconds(1), 1.5, Time.seconds(2), 0.2),
        {
          'restart-strategy': 'exponential-delay',
          'restart-strategy.exponential-delay.initial-backoff': '10 ms',
          'restart-strategy.exponential-delay.max-backoff': '1000 ms',
          'restart-strategy.exponential-delay.backoff-multiplier': '1.5',
          'restart-strategy.exponential-delay.reset-backoff-threshold': '2000 ms',
          'restart-strategy.exponential-delay.jitter-factor': '0.2',
        },
      ],
      [() => RestartStrategies.fallBackRestart(), {}],
    ];
    for (const [strategy, keys] of cases) {
      const conf = await jobConfigurationOf((env) => {
        env.setRestartStrategy(RestartStrategies.fixedDelayRestart(1, 1));
        env.setRestartStrategy(strategy());
        assert.equal(env.getRestartStrategy()?.getDescription(), strategy().getDescription());
      });
      assert.deepEqual(conf ?? {}, keys);
      // The JobManager's strategy is the one the program chose.
      const backoff = restartBackoffFor(Configuration.fromMap(conf ?? {}), true);
      assert.match(backoff.description, new RegExp(`^${keys['restart-strategy'] ?? 'fixed-delay \\(unbounded'}`));
    }
  });

  it('state backends: the classes and names set state.backend (and the incremental flag)', async () => {
    assert.deepEqual(await jobConfigurationOf((env) => env.setStateBackend(new HashMapStateBackend())), { 'state.backend': 'hashmap' });
    assert.deepEqual(await jobConfigurationOf((env) => env.setStateBackend('HashMap')), { 'state.backend': 'hashmap' });
    assert.deepEqual(await jobConfigurationOf((env) => env.setStateBackend(new EmbeddedLmdbStateBackend(true))), {
      'state.backend': 'embedded-lmdb',
      'state.backend.incremental': 'true',
    });
  });

  it('configure() takes configuration keys as -D would, deprecated keys under their current name', async () => {
    const conf = await jobConfigurationOf((env) => {
      env.configure({ 'execution.checkpointing.interval': '10 s', 'restart-strategy.type': 'FixedDelay', 'state.checkpoints.dir': 'hdfs:///cp' });
      assert.equal(env.getCheckpointConfig().getCheckpointInterval(), 10_000);
    });
    assert.deepEqual(conf, { 'execution.checkpointing.interval': '10 s', 'restart-strategy': 'fixed-delay', 'state.checkpoints.dir': 'hdfs:///cp' });
  });

  it('refuses bad values in the program, naming the call, the key and what it accepts', async () => {
    await jobConfigurationOf((env) => {
      refused(() => env.enableCheckpointing(5), /^env\.enableCheckpointing\(5\): 5 ms is out of range\. Use an interval of at least 10 ms; it sets execution\.checkpointing\.interval\.$/);
      refused(() => env.enableCheckpointing(1.5), /enableCheckpointing\(1\.5\): give a whole number of milliseconds/);
      refused(
        () => env.enableCheckpointing(1000, 'SOMETIMES' as CheckpointingMode),
        /enableCheckpointing\(1000, 'SOMETIMES'\): 'SOMETIMES' is not a valid value\. Use one of EXACTLY_ONCE, AT_LEAST_ONCE/,
      );
      assert.equal(env.getCheckpointConfig().isCheckpointingEnabled(), false, 'a refused call changes nothing');
      const cc = env.getCheckpointConfig();
      refused(() => cc.setCheckpointTimeout(0), /setCheckpointTimeout\(0\): 0 ms is out of range\. Use a duration greater than zero; it sets execution\.checkpointing\.timeout/);
      refused(() => cc.setMaxConcurrentCheckpoints(0), /setMaxConcurrentCheckpoints\(0\): 0 is out of range\. Use a value of at least 1/);
      refused(() => cc.setTolerableCheckpointFailureNumber(-1), /setTolerableCheckpointFailureNumber\(-1\): -1 is out of range/);
      refused(() => cc.setExternalizedCheckpointCleanup('KEEP' as never), /'KEEP' is not a valid value\. Use one of NO_EXTERNALIZED_CHECKPOINTS, DELETE_ON_CANCELLATION, RETAIN_ON_CANCELLATION/);
      refused(() => cc.setCheckpointStorage(''), /setCheckpointStorage\(''\): give the checkpoint directory as a URI/);
      refused(() => env.setStateBackend('memory'), /setStateBackend\('memory'\): 'memory' is not a valid value\. Use one of hashmap/);
      refused(() => env.setStateBackend({} as never), /give new HashMapStateBackend\(\), new EmbeddedLmdbStateBackend\(\) or a state\.backend name/);
      refused(() => env.setRestartStrategy('fixed-delay' as never), /give one of RestartStrategies\.noRestart\(\)/);
      refused(() => RestartStrategies.fixedDelayRestart(-1, 1000), /fixedDelayRestart\(-1, 1000\): -1 is out of range\. Use a value of at least 0/);
      refused(() => RestartStrategies.exponentialDelayRestart(5000, 1000, 2, 60_000, 0.1), /the initial backoff \(5000 ms\) is greater than the maximum backoff \(1000 ms\)/);
      refused(() => RestartStrategies.exponentialDelayRestart(1, 1000, 2, 60_000, 2), /2 is out of range\. Use a value from 0 to 1; it sets restart-strategy\.exponential-delay\.jitter-factor/);
      refused(() => env.configure({ 'execution.checkpointing.intervall': '1 s' }), /configure\(\{ 'execution\.checkpointing\.intervall': '1 s' \}\): unknown configuration key/);
      refused(() => env.configure({ 'execution.checkpointing.interval': 'soon' }), /'soon' is not a duration/);
    });
  });
});

describe('checkpointSettings (what the JobManager reads)', () => {
  it("Flink's defaults: off, EXACTLY_ONCE, 10 min timeout, no pause, 1 concurrent, 0 tolerable failures, 1 retained", () => {
    assert.deepEqual(checkpointSettings(Configuration.fromMap({}), undefined), {
      enabled: false,
      interval: undefined,
      mode: 'EXACTLY_ONCE',
      timeout: 600_000,
      minPause: 0,
      maxConcurrent: 1,
      tolerableFailures: 0,
      externalizedRetention: 'NO_EXTERNALIZED_CHECKPOINTS',
      unaligned: false,
      checkpointsDir: undefined,
      savepointsDir: undefined,
      numRetained: 1,
      stateBackend: 'hashmap',
      incremental: false,
      restoreFrom: undefined,
    });
  });

  it("the job's keys override the cluster's, key by key", () => {
    const cluster = Configuration.fromMap({
      'execution.checkpointing.interval': '1 min',
      'execution.checkpointing.timeout': '5 min',
      'state.checkpoints.dir': 'hdfs:///flink/checkpoints',
      'state.savepoints.dir': 'hdfs:///flink/savepoints',
      'state.checkpoints.num-retained': '3',
      'state.backend.incremental': 'true',
    });
    const s = checkpointSettings(cluster, {
      'execution.checkpointing.interval': '500 ms',
      'execution.checkpointing.mode': 'AT_LEAST_ONCE',
      'execution.checkpointing.unaligned': 'true',
      'execution.checkpointing.tolerable-failed-checkpoints': '2',
      'state.checkpoints.dir': 'file:///tmp/cp',
      'execution.savepoint.path': 'file:///tmp/sp/savepoint-abc',
      'execution.savepoint.ignore-unclaimed-state': 'true',
    });
    assert.equal(s.enabled, true);
    assert.equal(s.interval, 500);
    assert.equal(s.mode, 'AT_LEAST_ONCE');
    assert.equal(s.unaligned, false, 'unaligned applies to EXACTLY_ONCE only');
    assert.equal(s.timeout, 300_000, "the cluster's where the job sets nothing");
    assert.equal(s.tolerableFailures, 2);
    assert.equal(s.checkpointsDir, 'file:///tmp/cp');
    assert.equal(s.savepointsDir, 'hdfs:///flink/savepoints');
    assert.equal(s.numRetained, 3);
    assert.equal(s.incremental, true);
    assert.deepEqual(s.restoreFrom, { path: 'file:///tmp/sp/savepoint-abc', allowNonRestoredState: true });
    assert.equal(checkpointSettings(Configuration.fromMap({}), { 'execution.checkpointing.unaligned': 'true', 'execution.checkpointing.interval': '1 s' }).unaligned, true);
    assert.deepEqual(checkpointSettings(Configuration.fromMap({}), { 'execution.savepoint.path': '/sp' }).restoreFrom, { path: '/sp', allowNonRestoredState: false });
  });

  it('a bad job value fails with a message naming the job configuration and the key', () => {
    assert.throws(
      () => checkpointSettings(Configuration.fromMap({}), { 'execution.checkpointing.max-concurrent-checkpoints': '0' }),
      /Invalid configuration in the job configuration: execution\.checkpointing\.max-concurrent-checkpoints: 0 is out of range/,
    );
  });
});
