import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ALL_OPTIONS, Configuration, ConfigurationError, JobManagerOptions, RestOptions, loadConfiguration } from '../../../src/config/index.js';
import { FLINK_KEYS } from '../../../src/config/flink-keys.js';
import { isDeclaredFlinkKey, isFlinkOnlyKey, matchesFlinkKeyFamily } from '../../../src/config/flink-key-lookup.js';

describe("Apache Flink's configuration keys", () => {
  const tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'flink-ts-flink-keys-'));
  let counter = 0;

  after(() => fs.rmSync(tmpRoot, { recursive: true, force: true }));

  function confDirWith(files: Record<string, string>): string {
    const dir = path.join(tmpRoot, `conf-${++counter}`);
    fs.mkdirSync(dir);
    for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
    return dir;
  }

  describe('the key list', () => {
    it('holds keys of old and new Flink versions, deprecated keys included', () => {
      for (const key of [
        'jobmanager.execution.failover-strategy',
        'taskmanager.network.memory.fraction', // 1.9, deprecated since 1.10
        'taskmanager.memory.network.fraction',
        'security.kerberos.login.keytab',
        'web.tmpdir',
        'metrics.reporters',
        'classloader.resolve-order',
        'state.backend.rocksdb.localdir',
        'table.exec.state.ttl',
        'kubernetes.cluster-id',
        'yarn.containers.vcores',
        'env.java.opts.all', // 1.18+
        'pekko.ask.timeout', // 1.18+
        'akka.ask.timeout', // until 1.17
        'query.server.port', // 1.2 and 1.3
        'jobmanager.web.port', // until 1.4
      ]) {
        assert.ok(isDeclaredFlinkKey(key), key);
      }
    });

    it('is sorted and has no duplicates', () => {
      const sorted = [...FLINK_KEYS].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      assert.deepEqual(FLINK_KEYS, sorted);
      assert.equal(new Set(FLINK_KEYS).size, FLINK_KEYS.length);
    });

    it('key families cover reporter, file system and environment keys with free parts', () => {
      for (const key of [
        'metrics.reporter.grph.host',
        'metrics.reporter.dghttp.apikey',
        'metrics.reporter.stsd.host',
        'fs.s3a.access.key',
        's3.endpoint',
        'containerized.master.env.JAVA_HOME',
        'containerized.taskmanager.env.LD_LIBRARY_PATH',
        'external-resource.gpu.param.discovery-script.path',
        'flink.hadoop.dfs.replication',
      ]) {
        assert.ok(matchesFlinkKeyFamily(key), key);
        assert.ok(isFlinkOnlyKey(key), key);
      }
      assert.ok(!matchesFlinkKeyFamily('metrics.reporter'));
      // Options of table connectors, and keys Flink declares relative to a prefix, are not keys of their own.
      for (const key of ['class', 'interval', 'factory.class', 'scan.parallelism', 'lookup.cache', 'sink.parallelism']) {
        assert.ok(!isFlinkOnlyKey(key), key);
      }
      assert.ok(!matchesFlinkKeyFamily('metrics.reporter.prom'));
    });

    it('a family key one typo away from one of our keys is that typo, not a Flink key', () => {
      assert.ok(!isFlinkOnlyKey('fs.hdfs.webhdfs.adress'));
      assert.ok(!isFlinkOnlyKey('yarn.aplication.queue'));
    });

    it('our keys that Flink also has are ours: the registry answers first', () => {
      const conf = Configuration.fromMap({ 'rest.port': '9000', 'jobmanager.rpc.address': 'jm' });
      assert.equal(conf.get(RestOptions.PORT), 9000);
      assert.equal(conf.get(JobManagerOptions.ADDRESS), 'jm');
      assert.deepEqual(conf.ignoredFlinkKeys, []);
      // Most of our keys are Flink's too; the list must not be empty or unrelated.
      const shared = ALL_OPTIONS.filter((o) => isDeclaredFlinkKey(o.key)).length;
      assert.ok(shared > ALL_OPTIONS.length / 2, `${shared} of ${ALL_OPTIONS.length} of our keys are Flink keys`);
    });
  });

  describe('in a configuration', () => {
    it('a Flink-only key in flink-conf.yaml is not a value but one warning naming the line and file', () => {
      const dir = confDirWith({
        'flink-conf.yaml': [
          'jobmanager.rpc.port: 6123',
          'jobmanager.execution.attempts-history-size: 32',
          'metrics.reporter.grph.host: graphite.example.com',
          'metrics.reporter.grph.protocol: TCP',
          '# the last occurrence wins, also for the warning',
          'jobmanager.execution.attempts-history-size: 16',
          '',
        ].join('\n'),
      });
      const file = path.join(dir, 'flink-conf.yaml');
      const conf = loadConfiguration({ confDir: dir, env: {} });
      assert.equal(conf.get(JobManagerOptions.PORT), 6123);
      assert.deepEqual(conf.toMap(), { 'jobmanager.rpc.port': '6123' });
      assert.deepEqual(conf.warnings(), [
        `metrics.reporter.grph.host (line 3 of ${file}) has no effect in flink-ts (an Apache Flink key that flink-ts does not use)`,
        `metrics.reporter.grph.protocol (line 4 of ${file}) has no effect in flink-ts (an Apache Flink key that flink-ts does not use)`,
        `jobmanager.execution.attempts-history-size (line 6 of ${file}) has no effect in flink-ts (an Apache Flink key that flink-ts does not use)`,
      ]);
    });

    it('a Flink-only key given with -D is named as -D', () => {
      const conf = loadConfiguration({ confDir: confDirWith({}), env: {}, dynamicProperties: { 'web.tmpdir': '/tmp/x' } });
      assert.deepEqual(conf.warnings(), ['-D web.tmpdir has no effect in flink-ts (an Apache Flink key that flink-ts does not use)']);
    });

    it('with() keeps the warnings and adds those of its overrides', () => {
      const conf = Configuration.fromMap({ 'classloader.resolve-order': 'parent-first' }, 'job config').with({ 'security.kerberos.login.keytab': '/k' }, '-D');
      assert.deepEqual(
        conf.ignoredFlinkKeys.map((k) => k.key),
        ['classloader.resolve-order', 'security.kerberos.login.keytab'],
      );
    });

    it('a key neither ours nor Flink’s is still an error, suggesting our key first, then a Flink key', () => {
      assert.throws(
        () => Configuration.fromMap({ 'taskmanager.numberOfTaskSlot': '2' }, 'job config'),
        (err: unknown) => err instanceof ConfigurationError && /Did you mean taskmanager\.numberOfTaskSlots\?$/.test(err.message),
      );
      assert.throws(
        () => Configuration.fromMap({ 'jobmanager.execution.attempts-history-sise': '16' }, 'job config'),
        (err: unknown) =>
          err instanceof ConfigurationError &&
          /unknown configuration key\. Did you mean jobmanager\.execution\.attempts-history-size\? \(an Apache Flink key that flink-ts accepts but does not use\)$/.test(err.message),
      );
    });
  });

  describe("Flink 1.19+'s config.yaml", () => {
    it('alone in the conf directory is an error that says flink-ts reads flink-conf.yaml and how to convert', () => {
      const dir = confDirWith({ 'config.yaml': 'jobmanager:\n  rpc:\n    port: 6123\n' });
      assert.throws(
        () => loadConfiguration({ confDir: dir, env: {} }),
        (err: unknown) =>
          err instanceof ConfigurationError &&
          !err.message.includes('\n') &&
          err.message.includes(`${dir} has config.yaml`) &&
          err.message.includes('no flink-conf.yaml') &&
          err.message.includes('jobmanager.rpc.port: 6123'),
      );
    });

    it('beside flink-conf.yaml is named in a warning as not read', () => {
      const dir = confDirWith({ 'config.yaml': 'rest:\n  port: 1\n', 'flink-conf.yaml': 'rest.port: 9000\n' });
      const conf = loadConfiguration({ confDir: dir, env: {} });
      assert.equal(conf.get(RestOptions.PORT), 9000);
      assert.deepEqual(conf.warnings(), [
        `${path.join(dir, 'config.yaml')} is not read: flink-ts reads ${path.join(dir, 'flink-conf.yaml')} and ignores Flink's config.yaml`,
      ]);
    });
  });
});
