import assert from 'node:assert/strict';
import os from 'node:os';
import {
  CheckpointingOptions,
  Configuration,
  ConfigurationError,
  CoreOptions,
  ExecutionOptions,
  HeartbeatManagerOptions,
  HighAvailabilityOptions,
  JobManagerOptions,
  PipelineOptions,
  RestartStrategyOptions,
  RestOptions,
  TaskManagerOptions,
  WebOptions,
  YarnConfigOptions,
  restAddress,
} from '../../../src/config/index.js';

function configError(pattern: RegExp): (err: unknown) => boolean {
  return (err: unknown) => {
    assert.ok(err instanceof ConfigurationError, `expected a ConfigurationError, got ${String(err)}`);
    assert.equal(err.code, 'CONFIG_INVALID');
    assert.ok(!err.message.includes('\n'), `message must be one line: ${err.message}`);
    assert.match(err.message, pattern);
    return true;
  };
}

describe('Configuration', () => {
  describe('defaults', () => {
    const conf = Configuration.fromMap({});

    it('returns the documented defaults', () => {
      assert.equal(conf.get(JobManagerOptions.ADDRESS), 'localhost');
      assert.equal(conf.get(JobManagerOptions.PORT), 6123);
      assert.equal(conf.get(JobManagerOptions.HEAP_SIZE), 1024 * 1024 * 1024);
      assert.equal(conf.get(JobManagerOptions.SLOT_REQUEST_TIMEOUT), 300_000);
      assert.equal(conf.get(TaskManagerOptions.NUM_TASK_SLOTS), 1);
      assert.equal(conf.get(TaskManagerOptions.RPC_PORT), '0');
      assert.equal(conf.get(TaskManagerOptions.DATA_PORT), 0);
      assert.equal(conf.get(TaskManagerOptions.SEGMENT_SIZE), 32 * 1024);
      assert.equal(conf.get(TaskManagerOptions.REGISTRATION_TIMEOUT), 300_000);
      assert.equal(conf.get(RestOptions.PORT), 8081);
      assert.equal(conf.get(RestOptions.SERVER_MAX_CONTENT_LENGTH), 104_857_600);
      assert.equal(conf.get(RestOptions.RETRY_DELAY), 3000);
      assert.equal(conf.get(CoreOptions.DEFAULT_PARALLELISM), 1);
      assert.deepEqual(conf.get(CoreOptions.TMP_DIRS), [os.tmpdir()]);
      assert.equal(conf.get(CoreOptions.FLINK_PID_DIR), '/tmp');
      assert.equal(conf.get(HeartbeatManagerOptions.HEARTBEAT_INTERVAL), 10_000);
      assert.equal(conf.get(HeartbeatManagerOptions.HEARTBEAT_TIMEOUT), 50_000);
      assert.equal(conf.get(ExecutionOptions.BUFFER_TIMEOUT), 100);
      assert.equal(conf.get(ExecutionOptions.RUNTIME_MODE), 'STREAMING');
      assert.equal(conf.get(PipelineOptions.MAX_PARALLELISM), -1);
      assert.equal(conf.get(HighAvailabilityOptions.HA_MODE), 'NONE');
      assert.equal(conf.get(HighAvailabilityOptions.HA_CLUSTER_ID), '/default');
      assert.equal(conf.get(HighAvailabilityOptions.HA_ZOOKEEPER_ROOT), '/flink');
      // Shorter than Flink's 60 s on purpose: a killed leader is replaced within seconds (see the option).
      assert.equal(conf.get(HighAvailabilityOptions.ZOOKEEPER_SESSION_TIMEOUT), 5_000);
      assert.equal(conf.get(HighAvailabilityOptions.ZOOKEEPER_TOLERATE_SUSPENDED_CONNECTIONS), true);
      assert.equal(conf.get(CheckpointingOptions.MAX_RETAINED_CHECKPOINTS), 1);
      assert.equal(conf.get(CheckpointingOptions.CHECKPOINTING_TIMEOUT), 600_000);
      assert.equal(conf.get(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_BACKOFF_MULTIPLIER), 2.0);
      assert.equal(conf.get(YarnConfigOptions.VCORES), -1);
    });

    it('has nothing explicitly set', () => {
      assert.deepEqual(conf.toMap(), {});
      assert.equal(conf.contains(RestOptions.PORT), false);
      assert.equal(conf.confFile, undefined);
    });

    it('get() of an unset option without default throws naming the key; getOptional() returns undefined', () => {
      assert.equal(conf.getOptional(HighAvailabilityOptions.HA_STORAGE_PATH), undefined);
      assert.throws(
        () => conf.get(HighAvailabilityOptions.HA_STORAGE_PATH),
        configError(/high-availability\.storageDir is not set.*-D high-availability\.storageDir=<value>/),
      );
    });
  });

  describe('value types', () => {
    it('converts ints, doubles, booleans, strings', () => {
      const conf = Configuration.fromMap({
        'taskmanager.numberOfTaskSlots': ' 4 ',
        'restart-strategy.exponential-delay.jitter-factor': '0.25',
        'pipeline.object-reuse': 'TRUE',
        'web.submit.enable': 'False',
        'jobmanager.rpc.address': 'jm.example.org',
      });
      assert.equal(conf.get(TaskManagerOptions.NUM_TASK_SLOTS), 4);
      assert.equal(conf.get(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_JITTER_FACTOR), 0.25);
      assert.equal(conf.get(PipelineOptions.OBJECT_REUSE), true);
      assert.equal(conf.get(WebOptions.SUBMIT_ENABLE), false);
      assert.equal(conf.get(JobManagerOptions.ADDRESS), 'jm.example.org');
    });

    it('converts durations to ms and memory sizes to bytes', () => {
      const conf = Configuration.fromMap({
        'heartbeat.timeout': '2 min',
        'heartbeat.interval': '500',
        'taskmanager.registration.timeout': '1h',
        'taskmanager.heap.size': '1600mb',
        'taskmanager.memory.segment-size': '64kb',
        'jobmanager.memory.process.size': '2g',
      });
      assert.equal(conf.get(HeartbeatManagerOptions.HEARTBEAT_TIMEOUT), 120_000);
      assert.equal(conf.get(HeartbeatManagerOptions.HEARTBEAT_INTERVAL), 500);
      assert.equal(conf.get(TaskManagerOptions.REGISTRATION_TIMEOUT), 3_600_000);
      assert.equal(conf.get(TaskManagerOptions.HEAP_SIZE), 1600 * 1024 * 1024);
      assert.equal(conf.get(TaskManagerOptions.SEGMENT_SIZE), 64 * 1024);
      assert.equal(conf.get(JobManagerOptions.TOTAL_PROCESS_MEMORY), 2 * 1024 ** 3);
    });

    it('accepts -1 for execution.buffer-timeout (flush only when full)', () => {
      assert.equal(Configuration.fromMap({ 'execution.buffer-timeout': '-1' }).get(ExecutionOptions.BUFFER_TIMEOUT), -1);
      assert.equal(Configuration.fromMap({ 'execution.buffer-timeout': '0' }).get(ExecutionOptions.BUFFER_TIMEOUT), 0);
      assert.throws(() => Configuration.fromMap({ 'execution.buffer-timeout': '-2' }), configError(/or -1 to flush only when full/));
      assert.throws(() => Configuration.fromMap({ 'heartbeat.timeout': '-1' }), configError(/'-1' is not a duration/));
    });

    it('normalises enums case-insensitively to the canonical spelling, with aliases', () => {
      const conf = Configuration.fromMap({
        'high-availability': 'zookeeper',
        'execution.runtime-mode': 'batch',
        'execution.checkpointing.mode': 'at_least_once',
        'high-availability.zookeeper.client.acl': 'CREATOR',
        'restart-strategy': 'fixeddelay',
        'state.backend': 'filesystem',
      });
      assert.equal(conf.get(HighAvailabilityOptions.HA_MODE), 'ZOOKEEPER');
      assert.equal(conf.get(ExecutionOptions.RUNTIME_MODE), 'BATCH');
      assert.equal(conf.get(CheckpointingOptions.CHECKPOINTING_MODE), 'AT_LEAST_ONCE');
      assert.equal(conf.get(HighAvailabilityOptions.ZOOKEEPER_CLIENT_ACL), 'creator');
      assert.equal(conf.get(RestartStrategyOptions.RESTART_STRATEGY), 'fixed-delay');
      assert.equal(conf.get(CheckpointingOptions.STATE_BACKEND), 'hashmap');
      // toMap keeps what the user wrote.
      assert.equal(conf.toMap()['high-availability'], 'zookeeper');
    });

    it('state.backend: embedded-lmdb is the disk backend (also as disk); rocksdb is refused with a pointer to embedded-lmdb', () => {
      assert.equal(Configuration.fromMap({ 'state.backend': 'embedded-lmdb' }).get(CheckpointingOptions.STATE_BACKEND), 'embedded-lmdb');
      assert.equal(Configuration.fromMap({ 'state.backend': 'disk' }).get(CheckpointingOptions.STATE_BACKEND), 'embedded-lmdb');
      assert.throws(
        () => Configuration.fromMap({ 'state.backend': 'RocksDB' }, '-D'),
        configError(/^Invalid configuration in -D state\.backend: flink-ts has no RocksDB state backend .*embedded LMDB backend.*, e\.g\. -D state\.backend=embedded-lmdb$/),
      );
    });

    it('splits lists by the separators Flink uses for the key', () => {
      const conf = Configuration.fromMap({ 'io.tmp.dirs': '/data1/tmp,/data2/tmp:/data3/tmp', 'yarn.ship-files': 'a.jar; lib/ ;' });
      assert.deepEqual(conf.get(CoreOptions.TMP_DIRS), ['/data1/tmp', '/data2/tmp', '/data3/tmp']);
      assert.deepEqual(conf.get(YarnConfigOptions.SHIP_FILES), ['a.jar', 'lib/']);
    });

    it('hands out copies of lists so callers cannot change the configuration', () => {
      const conf = Configuration.fromMap({ 'io.tmp.dirs': '/a' });
      conf.get(CoreOptions.TMP_DIRS).push('/b');
      assert.deepEqual(conf.get(CoreOptions.TMP_DIRS), ['/a']);
      Configuration.fromMap({}).get(CoreOptions.TMP_DIRS).push('/x');
      assert.deepEqual(Configuration.fromMap({}).get(CoreOptions.TMP_DIRS), [os.tmpdir()]);
    });
  });

  describe('errors name the source, the key and what to write', () => {
    const cases: Array<[string, Record<string, string>, RegExp]> = [
      ['int', { 'taskmanager.numberOfTaskSlots': 'two' }, /^Invalid configuration in -D taskmanager\.numberOfTaskSlots: 'two' is not an integer\. Use a whole number, e\.g\. -D taskmanager\.numberOfTaskSlots=1$/],
      ['double', { 'restart-strategy.exponential-delay.backoff-multiplier': 'double' }, /'double' is not a number\. Use a decimal number/],
      ['boolean', { 'pipeline.object-reuse': 'yes' }, /'yes' is not a boolean\. Use true or false, e\.g\. -D pipeline\.object-reuse=false$/],
      ['duration', { 'heartbeat.timeout': '10 parsecs' }, /unknown time unit 'parsecs'\. Use a whole number with a time unit \(ms, s, min, h, d\).*e\.g\. -D heartbeat\.timeout=50s$/],
      ['memory', { 'taskmanager.heap.size': 'lots' }, /'lots' is not a memory size\. Use a whole number with a unit \(b, kb, mb, gb, tb\)/],
      ['enum', { 'high-availability': 'zk' }, /'zk' is not a valid value\. Use one of NONE, ZOOKEEPER/],
      ['slots < 1', { 'taskmanager.numberOfTaskSlots': '0' }, /0 is out of range\. Use a value of at least 1/],
      ['parallelism < 1', { 'parallelism.default': '-3' }, /parallelism\.default: -3 is out of range/],
      ['port > 65535', { 'rest.port': '70000' }, /rest\.port: 70000 is out of range\. Use a port number from 0 to 65535/],
      ['port range', { 'taskmanager.rpc.port': '50200-50100' }, /'50200-50100' is not a port or port range/],
      ['max parallelism', { 'pipeline.max-parallelism': '0' }, /Use -1 or a value from 1 to 32768/],
      ['int overflow', { 'rest.retry.max-attempts': '9999999999' }, /is too large/],
    ];
    for (const [name, map, pattern] of cases) {
      it(name, () => assert.throws(() => Configuration.fromMap(map, '-D'), configError(pattern)));
    }

    it('accepts valid port ranges', () => {
      const conf = Configuration.fromMap({ 'taskmanager.rpc.port': '50100-50200,50300', 'high-availability.jobmanager.port': '6123', 'rest.bind-port': '8080-8090' });
      assert.equal(conf.get(TaskManagerOptions.RPC_PORT), '50100-50200,50300');
    });

    it('rejects unknown keys with a suggestion, naming the map source', () => {
      assert.throws(
        () => Configuration.fromMap({ 'taskmanager.numberOfTaskSlot': '2' }, 'job config'),
        configError(/^Invalid configuration in job config: taskmanager\.numberOfTaskSlot: unknown configuration key\. Did you mean taskmanager\.numberOfTaskSlots\?$/),
      );
      assert.throws(() => Configuration.fromMap({ numberOfTaskSlots: '2' }), configError(/Did you mean taskmanager\.numberOfTaskSlots\?/));
      assert.throws(() => Configuration.fromMap({ 'completely.unrelated.thing': '2' }), configError(/unknown configuration key\. It is neither a flink-ts key nor an Apache Flink key\. See docs\/config\.md/));
    });

    it('sets key on the error', () => {
      try {
        Configuration.fromMap({ 'rest.port': 'x' }, '-D');
        assert.fail('expected an error');
      } catch (err) {
        assert.ok(err instanceof ConfigurationError);
        assert.equal(err.key, 'rest.port');
        assert.equal(err.file, undefined);
      }
    });
  });

  describe('deprecated keys', () => {
    it('map to the current key', () => {
      const conf = Configuration.fromMap({ 'web.port': '9000', 'recovery.mode': 'zookeeper', 'high-availability.zookeeper.storageDir': '/ha' });
      assert.equal(conf.get(RestOptions.PORT), 9000);
      assert.equal(conf.get(HighAvailabilityOptions.HA_MODE), 'ZOOKEEPER');
      assert.equal(conf.get(HighAvailabilityOptions.HA_STORAGE_PATH), '/ha');
      assert.ok(conf.contains(RestOptions.PORT));
      assert.deepEqual(conf.toMap(), { 'high-availability': 'zookeeper', 'high-availability.storageDir': '/ha', 'rest.port': '9000' });
    });

    it('lose against the current key in the same source, whatever the order', () => {
      assert.equal(Configuration.fromMap({ 'rest.port': '9001', 'web.port': '9000' }).get(RestOptions.PORT), 9001);
      assert.equal(Configuration.fromMap({ 'web.port': '9000', 'rest.port': '9001' }).get(RestOptions.PORT), 9001);
    });

    it('from a later source override the current key from an earlier one', () => {
      const conf = Configuration.fromMap({ 'rest.port': '9001' }).with({ 'web.port': '9002' }, '-D');
      assert.equal(conf.get(RestOptions.PORT), 9002);
    });

    it('name the key as written in errors', () => {
      assert.throws(() => Configuration.fromMap({ 'web.port': 'abc' }, '-D'), configError(/-D web\.port: 'abc' is not an integer.*e\.g\. -D rest\.port=8081/));
    });
  });

  describe('with()', () => {
    it('returns a new validated configuration and leaves the original alone', () => {
      const base = Configuration.fromMap({ 'rest.port': '8082', 'parallelism.default': '2' });
      const derived = base.with({ 'parallelism.default': '4' });
      assert.equal(derived.get(CoreOptions.DEFAULT_PARALLELISM), 4);
      assert.equal(derived.get(RestOptions.PORT), 8082);
      assert.equal(base.get(CoreOptions.DEFAULT_PARALLELISM), 2);
      assert.throws(() => base.with({ 'parallelism.default': 'many' }, '-D'), configError(/-D parallelism\.default/));
    });

    it('round-trips through toMap()/fromMap() as it would to a TaskManager', () => {
      const conf = Configuration.fromMap({ 'heartbeat.timeout': '1 min', 'high-availability': 'zookeeper', 'io.tmp.dirs': '/a,/b' });
      const copy = Configuration.fromMap(conf.toMap());
      assert.deepEqual(copy.toMap(), conf.toMap());
      assert.equal(copy.get(HeartbeatManagerOptions.HEARTBEAT_TIMEOUT), 60_000);
      assert.deepEqual(copy.get(CoreOptions.TMP_DIRS), ['/a', '/b']);
    });
  });

  it('is frozen', () => {
    const conf = Configuration.fromMap({});
    assert.ok(Object.isFrozen(conf));
    assert.throws(() => {
      (conf as unknown as { confFile: string }).confFile = 'x';
    }, TypeError);
  });

  it('restAddress() falls back to jobmanager.rpc.address', () => {
    assert.equal(restAddress(Configuration.fromMap({})), 'localhost');
    assert.equal(restAddress(Configuration.fromMap({ 'jobmanager.rpc.address': 'jm' })), 'jm');
    assert.equal(restAddress(Configuration.fromMap({ 'jobmanager.rpc.address': 'jm', 'rest.address': 'rest' })), 'rest');
  });
});
