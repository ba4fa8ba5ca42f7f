import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  ConfigurationError,
  CoreOptions,
  HeartbeatManagerOptions,
  HighAvailabilityOptions,
  JobManagerOptions,
  PipelineOptions,
  RestOptions,
  TaskManagerOptions,
  YarnConfigOptions,
  confDir,
  flinkHome,
  loadConfiguration,
  type Configuration,
} from '../../../src/config/index.js';

describe('loadConfiguration', () => {
  const tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'flink-ts-config-'));
  let counter = 0;

  after(() => fs.rmSync(tmpRoot, { recursive: true, force: true }));

  /** A fresh conf dir holding `text` as flink-conf.yaml. */
  function confWith(text: string): { dir: string; file: string } {
    const dir = path.join(tmpRoot, `conf-${++counter}`);
    fs.mkdirSync(dir);
    const file = path.join(dir, 'flink-conf.yaml');
    fs.writeFileSync(file, text);
    return { dir, file };
  }

  function load(text: string, extra: { env?: NodeJS.ProcessEnv; dynamicProperties?: Record<string, string> } = {}): Configuration {
    return loadConfiguration({ confDir: confWith(text).dir, env: extra.env ?? {}, ...(extra.dynamicProperties ? { dynamicProperties: extra.dynamicProperties } : {}) });
  }

  /** Loads `text` expecting an error; returns it after checking it is one line naming file and line. */
  function loadError(text: string, line: number): ConfigurationError {
    const { dir, file } = confWith(text);
    try {
      loadConfiguration({ confDir: dir, env: {} });
    } catch (err) {
      assert.ok(err instanceof ConfigurationError, `expected ConfigurationError, got ${String(err)}`);
      assert.equal(err.code, 'CONFIG_INVALID');
      assert.ok(!err.message.includes('\n'), `one line expected: ${err.message}`);
      assert.ok(err.message.startsWith(`Invalid configuration in ${file}:${line}: `), err.message);
      assert.equal(err.file, file);
      assert.equal(err.line, line);
      return err;
    }
    assert.fail('expected a ConfigurationError');
  }

  describe('the shipped conf/flink-conf.yaml', () => {
    it('loads with the documented values', () => {
      const home = flinkHome();
      const conf = loadConfiguration({ env: { FLINK_HOME: home } });
      assert.equal(conf.confFile, path.join(home, 'conf', 'flink-conf.yaml'));
      assert.deepEqual(conf.toMap(), {
        'jobmanager.heap.size': '1024m',
        'jobmanager.rpc.address': 'localhost',
        'jobmanager.rpc.port': '6123',
        'parallelism.default': '1',
        'rest.port': '8081',
        'taskmanager.heap.size': '1024m',
        'taskmanager.numberOfTaskSlots': '1',
      });
      assert.equal(conf.get(JobManagerOptions.HEAP_SIZE), 1024 * 1024 * 1024);
    });
  });

  describe('reading values', () => {
    it('converts YAML scalars of any kind to the option type', () => {
      const conf = load(
        [
          '# a comment',
          'jobmanager.rpc.address: jm-1   # trailing comment',
          'jobmanager.rpc.port: 6124',
          "rest.address: '10.0.0.1'",
          'pipeline.name: 1.0',
          'pipeline.object-reuse: True',
          'heartbeat.timeout: 1 min',
          'taskmanager.heap.size: 2g',
          'high-availability: zookeeper',
          'high-availability.zookeeper.quorum: zk1:2181,zk2:2181',
          'env.java.opts: -XX:+UseG1GC -Dfoo=bar',
          'high-availability.jobmanager.port: 50010-50020',
          'yarn.ship-files: [a.jar, lib]',
          'io.tmp.dirs:',
          '',
        ].join('\n'),
      );
      assert.equal(conf.get(JobManagerOptions.ADDRESS), 'jm-1');
      assert.equal(conf.get(JobManagerOptions.PORT), 6124);
      assert.equal(conf.get(RestOptions.ADDRESS), '10.0.0.1');
      assert.equal(conf.toMap()['pipeline.name'], '1.0', 'the text as written, not YAML number 1');
      assert.equal(conf.get(PipelineOptions.NAME), '1.0');
      assert.equal(conf.get(HeartbeatManagerOptions.HEARTBEAT_TIMEOUT), 60_000);
      assert.equal(conf.get(TaskManagerOptions.HEAP_SIZE), 2 * 1024 ** 3);
      assert.equal(conf.get(HighAvailabilityOptions.HA_MODE), 'ZOOKEEPER');
      assert.equal(conf.get(HighAvailabilityOptions.HA_ZOOKEEPER_QUORUM), 'zk1:2181,zk2:2181');
      assert.equal(conf.get(CoreOptions.FLINK_JVM_OPTIONS), '-XX:+UseG1GC -Dfoo=bar');
      assert.equal(conf.get(HighAvailabilityOptions.HA_JOB_MANAGER_PORT_RANGE), '50010-50020');
      assert.deepEqual(conf.get(YarnConfigOptions.SHIP_FILES), ['a.jar', 'lib']);
      assert.equal(conf.contains(CoreOptions.TMP_DIRS), false, 'a key without value is skipped, as Flink does');
    });

    it('lets the last occurrence of a duplicate key win', () => {
      const conf = load('taskmanager.numberOfTaskSlots: 2\nrest.port: 8082\ntaskmanager.numberOfTaskSlots: 3\n');
      assert.equal(conf.get(TaskManagerOptions.NUM_TASK_SLOTS), 3);
      assert.equal(conf.toMap()['taskmanager.numberOfTaskSlots'], '3');
    });

    it('does not report a bad value that a later duplicate replaces', () => {
      assert.equal(load('taskmanager.numberOfTaskSlots: two\ntaskmanager.numberOfTaskSlots: 2\n').get(TaskManagerOptions.NUM_TASK_SLOTS), 2);
    });

    it('maps deprecated keys to their current key, the current key winning in the same file', () => {
      const conf = load('recovery.mode: zookeeper\nrest.port: 9001\nweb.port: 9000\nhigh-availability.type: NONE\n');
      assert.equal(conf.get(RestOptions.PORT), 9001);
      // high-availability.type and recovery.mode are both deprecated keys of high-availability: the last one wins.
      assert.equal(conf.get(HighAvailabilityOptions.HA_MODE), 'NONE');
      assert.deepEqual(Object.keys(conf.toMap()).sort(), ['high-availability', 'rest.port']);
    });

    it('treats an empty or comment-only file as defaults', () => {
      const conf = load('# nothing here\n\n');
      assert.deepEqual(conf.toMap(), {});
      assert.equal(conf.get(RestOptions.PORT), 8081);
      assert.match(conf.confFile ?? '', /flink-conf\.yaml$/);
      assert.deepEqual(load('').toMap(), {});
    });
  });

  describe('precedence: defaults < file < environment < -D', () => {
    const file = 'env.pid.dir: /from-file\nenv.log.dir: /log-file\nenv.ssh.opts: -p 22\ntaskmanager.numberOfTaskSlots: 2\n';

    it('file beats defaults', () => {
      const conf = load(file);
      assert.equal(conf.get(CoreOptions.FLINK_PID_DIR), '/from-file');
      assert.equal(conf.get(TaskManagerOptions.NUM_TASK_SLOTS), 2);
      assert.equal(conf.get(RestOptions.PORT), 8081);
    });

    it('FLINK_LOG_DIR, FLINK_PID_DIR, FLINK_SSH_OPTS beat the file', () => {
      const conf = load(file, { env: { FLINK_PID_DIR: '/from-env', FLINK_LOG_DIR: '/log-env', FLINK_SSH_OPTS: '-p 2222' } });
      assert.equal(conf.get(CoreOptions.FLINK_PID_DIR), '/from-env');
      assert.equal(conf.get(CoreOptions.FLINK_LOG_DIR), '/log-env');
      assert.equal(conf.get(CoreOptions.FLINK_SSH_OPTS), '-p 2222');
    });

    it('-D beats the environment and the file', () => {
      const conf = load(file, {
        env: { FLINK_PID_DIR: '/from-env' },
        dynamicProperties: { 'env.pid.dir': '/from-d', 'taskmanager.numberOfTaskSlots': '4' },
      });
      assert.equal(conf.get(CoreOptions.FLINK_PID_DIR), '/from-d');
      assert.equal(conf.get(TaskManagerOptions.NUM_TASK_SLOTS), 4);
      assert.equal(conf.toMap()['env.pid.dir'], '/from-d');
    });

    it('-D under a deprecated key overrides the file value of the current key', () => {
      assert.equal(load('rest.port: 9001\n', { dynamicProperties: { 'web.port': '9002' } }).get(RestOptions.PORT), 9002);
    });

    it('a bad file value overridden by -D is not reported', () => {
      assert.equal(load('taskmanager.numberOfTaskSlots: two\n', { dynamicProperties: { 'taskmanager.numberOfTaskSlots': '3' } }).get(TaskManagerOptions.NUM_TASK_SLOTS), 3);
    });

    it('errors in -D name "-D <key>"', () => {
      assert.throws(
        () => load('', { dynamicProperties: { 'heartbeat.interval': 'often' } }),
        (err: unknown) => err instanceof ConfigurationError && /^Invalid configuration in -D heartbeat\.interval: 'often' is not a duration/.test(err.message),
      );
    });
  });

  describe('errors name file, line and key', () => {
    it('an int that is not one', () => {
      const { dir, file } = confWith('# comment\n\njobmanager.rpc.address: localhost\n\n\n\ntaskmanager.numberOfTaskSlots: two\n');
      assert.throws(
        () => loadConfiguration({ confDir: dir, env: {} }),
        (err: unknown) => {
          assert.ok(err instanceof ConfigurationError);
          assert.equal(
            err.message,
            `Invalid configuration in ${file}:7: taskmanager.numberOfTaskSlots: 'two' is not an integer. Use a whole number, e.g. taskmanager.numberOfTaskSlots: 1`,
          );
          assert.equal(err.key, 'taskmanager.numberOfTaskSlots');
          return true;
        },
      );
    });

    it('a duration', () => {
      assert.match(loadError('rest.port: 8081\nheartbeat.timeout: 10 parsecs\n', 2).message, /heartbeat\.timeout: '10 parsecs' is not a duration: unknown time unit 'parsecs'.*e\.g\. heartbeat\.timeout: 50s$/);
    });

    it('a memory size', () => {
      assert.match(loadError('taskmanager.heap.size: 1.5g\n', 1).message, /taskmanager\.heap\.size: '1\.5g' is not a memory size: fractions are not allowed/);
    });

    it('a boolean', () => {
      assert.match(loadError('\nweb.submit.enable: yes\n', 2).message, /web\.submit\.enable: 'yes' is not a boolean\. Use true or false/);
    });

    it('an enum, listing the allowed values', () => {
      assert.match(loadError('high-availability: kubernetes\n', 1).message, /high-availability: 'kubernetes' is not a valid value\. Use one of NONE, ZOOKEEPER/);
    });

    it('a value out of range', () => {
      assert.match(loadError('parallelism.default: 0\n', 1).message, /parallelism\.default: 0 is out of range\. Use a value of at least 1/);
      assert.match(loadError('rest.port: 8081\njobmanager.rpc.port: 99999\n', 2).message, /jobmanager\.rpc\.port: 99999 is out of range\. Use a port number from 0 to 65535/);
    });

    it('malformed YAML: the line of the syntax error', () => {
      const err = loadError('rest.port: 8081\nparallelism.default: [1\ntaskmanager.numberOfTaskSlots: 1\n', 3);
      assert.match(err.message, /malformed YAML/);
      const err2 = loadError('rest.port: 8081\npipeline.name: a: b\n', 2);
      assert.match(err2.message, /malformed YAML.*quote values that contain ': '/);
    });

    it('a nested map: names the key and shows the flat form', () => {
      const err = loadError('rest.port: 8081\njobmanager:\n  rpc:\n    address: localhost\n', 2);
      assert.match(err.message, /jobmanager: nested values are not supported; flink-conf\.yaml is flat\. Write the full key on one line, e\.g\. jobmanager\.rpc\.address: localhost$/);
      assert.equal(err.key, 'jobmanager');
    });

    it('a YAML list for an option that is not a list', () => {
      assert.match(loadError('rest.port: [8081, 8082]\n', 1).message, /rest\.port: a YAML list is only allowed for list options/);
    });

    it('a document that is not key: value lines', () => {
      assert.match(loadError('- rest.port\n- 8081\n', 1).message, /expected 'key: value' lines/);
      assert.match(loadError('just some text\n', 1).message, /expected 'key: value' lines/);
    });

    it('an unknown key, with the closest known key', () => {
      const err = loadError('rest.port: 8081\n\ntaskmanager.numberOfTaskslots: 2\n', 3);
      assert.match(err.message, /taskmanager\.numberOfTaskslots: unknown configuration key\. Did you mean taskmanager\.numberOfTaskSlots\?$/);
      assert.equal(err.key, 'taskmanager.numberOfTaskslots');
      assert.match(loadError('heartbeat.intervall: 5000\n', 1).message, /Did you mean heartbeat\.interval\?/);
      assert.match(loadError('no.such.option.anywhere: 1\n', 1).message, /unknown configuration key\. It is neither a flink-ts key nor an Apache Flink key\. See docs\/config\.md/);
    });
  });

  describe('the conf directory', () => {
    it('a missing default conf dir means defaults', () => {
      const home = path.join(tmpRoot, `home-${++counter}`);
      fs.mkdirSync(home);
      const conf = loadConfiguration({ env: { FLINK_HOME: home } });
      assert.equal(conf.confFile, undefined);
      assert.equal(conf.get(RestOptions.PORT), 8081);
    });

    it('a conf dir without flink-conf.yaml means defaults', () => {
      const dir = path.join(tmpRoot, `empty-${++counter}`);
      fs.mkdirSync(dir);
      const conf = loadConfiguration({ confDir: dir, env: {} });
      assert.equal(conf.confFile, undefined);
      assert.deepEqual(conf.toMap(), {});
    });

    it('an explicit conf dir that does not exist is an error', () => {
      const missing = path.join(tmpRoot, 'does-not-exist');
      assert.throws(() => loadConfiguration({ confDir: missing, env: {} }), (err: unknown) => err instanceof ConfigurationError && err.message.includes(missing) && !err.message.includes('\n'));
      assert.throws(() => loadConfiguration({ env: { FLINK_CONF_DIR: missing } }), (err: unknown) => err instanceof ConfigurationError && /FLINK_CONF_DIR/.test(err.message) && err.message.includes(missing));
    });

    it('FLINK_CONF_DIR selects the directory', () => {
      const { dir, file } = confWith('rest.port: 9090\n');
      const conf = loadConfiguration({ env: { FLINK_CONF_DIR: dir } });
      assert.equal(conf.get(RestOptions.PORT), 9090);
      assert.equal(conf.confFile, file);
    });

    it('confDir() and flinkHome() follow the environment', () => {
      assert.equal(flinkHome({ FLINK_HOME: '/opt/flink' }), '/opt/flink');
      assert.equal(confDir({ FLINK_HOME: '/opt/flink' }), '/opt/flink/conf');
      assert.equal(confDir({ FLINK_HOME: '/opt/flink', FLINK_CONF_DIR: '/etc/flink' }), '/etc/flink');
      assert.ok(fs.existsSync(path.join(flinkHome(), 'package.json')));
    });
  });
});
