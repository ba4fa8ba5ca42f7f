/**
 * Choosing the HA services from the configuration, and the one-line errors for settings that cannot work: a
 * missing quorum or storage directory, a storage directory of an unsupported scheme or one that cannot be written,
 * a quorum where nothing answers (a closed port on 127.0.0.1), credentials in the wrong form.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Configuration, HighAvailabilityOptions } from '../../../src/config/index.js';
import { configureFileSystems } from '../../../src/fs/index.js';
import { createHaServices, StandaloneHaServices, ZooKeeperHaServices, zooKeeperHaSettings, zooKeeperNamespace } from '../../../src/ha/index.js';
import { freePort } from '../../support/loopback-conf.js';

function zkConf(extra: Record<string, string> = {}): Configuration {
  return Configuration.fromMap({
    'high-availability': 'zookeeper',
    'high-availability.zookeeper.quorum': '127.0.0.1:2181',
    'high-availability.storageDir': 'file:///tmp/flink-ha-unit',
    ...extra,
  });
}

const oneLine = (err: Error): void => assert.doesNotMatch(err.message, /\n/);

describe('HA services from the configuration', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'flink-ha-config-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('high-availability: NONE (the default) gives the standalone services; zookeeper (any case, or high-availability.type) the ZooKeeper ones', () => {
    assert.ok(createHaServices(Configuration.fromMap({})) instanceof StandaloneHaServices);
    assert.ok(createHaServices(zkConf()) instanceof ZooKeeperHaServices);
    assert.ok(createHaServices(zkConf({ 'high-availability': 'ZooKeeper' })) instanceof ZooKeeperHaServices);
    const typeKey = Configuration.fromMap({
      'high-availability.type': 'zookeeper',
      'high-availability.zookeeper.quorum': '127.0.0.1:2181',
      'high-availability.storageDir': 'file:///tmp/x',
    });
    assert.ok(createHaServices(typeKey) instanceof ZooKeeperHaServices);
  });

  it("joins path.root and cluster-id into the namespace as Flink does", () => {
    assert.equal(zooKeeperNamespace('/flink', '/default'), '/flink/default');
    assert.equal(zooKeeperNamespace('/flink/', '/standalone_cluster_one'), '/flink/standalone_cluster_one');
    assert.equal(zooKeeperNamespace('flink', 'application_1_0001/'), '/flink/application_1_0001');
    const s = zooKeeperHaSettings(zkConf({ 'high-availability.cluster-id': '/standalone_cluster_one', 'high-availability.storageDir': 'hdfs://nn:9000/flink/recovery' }));
    assert.equal(s.client.namespace, '/flink/standalone_cluster_one');
    assert.equal(s.jobResultStoreDir, 'hdfs://nn:9000/flink/recovery/job-result-store/standalone_cluster_one');
    assert.equal(s.client.sessionTimeoutMs, 5_000);
    assert.equal(s.tolerateSuspendedConnections, true);
  });

  it('a missing quorum is one line naming high-availability.zookeeper.quorum', () => {
    const conf = Configuration.fromMap({ 'high-availability': 'zookeeper', 'high-availability.storageDir': 'file:///tmp/x' });
    assert.throws(
      () => createHaServices(conf),
      (err: Error & { key?: string }) => {
        assert.equal(err.key, HighAvailabilityOptions.HA_ZOOKEEPER_QUORUM.key);
        assert.match(err.message, /needs high-availability\.zookeeper\.quorum/);
        oneLine(err);
        return true;
      },
    );
    assert.throws(() => createHaServices(zkConf({ 'high-availability.zookeeper.quorum': 'zk1:2181,,zk2' })), /'' is not host:port/);
  });

  it('a missing storageDir, or one of a scheme flink-ts cannot write, is one line naming the key and the URL', () => {
    const missing = Configuration.fromMap({ 'high-availability': 'zookeeper', 'high-availability.zookeeper.quorum': '127.0.0.1:2181' });
    assert.throws(() => createHaServices(missing), { code: 'HA_STORAGE_DIR', message: /^high-availability\.storageDir is not set\. high-availability: zookeeper needs it/ });
    assert.throws(
      () => createHaServices(zkConf({ 'high-availability.storageDir': 's3://bucket/flink/recovery' })),
      (err: Error & { code?: string }) => {
        assert.equal(err.code, 'HA_STORAGE_DIR');
        assert.match(err.message, /^high-availability\.storageDir s3:\/\/bucket\/flink\/recovery: flink-ts has no file system for the scheme 's3' \(it has file:\/\/ and hdfs:\/\/\)\. Set high-availability\.storageDir to/);
        oneLine(err);
        return true;
      },
    );
  });

  it('a storageDir that cannot be written fails start with one line naming the key and the URL', async () => {
    const blocker = join(dir, 'a-file');
    await writeFile(blocker, 'not a directory');
    const url = `file://${blocker}/recovery`;
    const ha = createHaServices(zkConf({ 'high-availability.storageDir': url, 'high-availability.zookeeper.client.connection-timeout': '1 s' }));
    await assert.rejects(ha.start(), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'HA_STORAGE_DIR');
      assert.ok(err.message.startsWith(`high-availability.storageDir ${url}: cannot create and write ${url}/default`), err.message);
      assert.match(err.message, /Check that the file system is up and this user may write there/);
      oneLine(err);
      return true;
    });
    await ha.close();
  });

  it('an hdfs:// storageDir whose NameNode does not answer fails start with one line naming the key and the URL', async () => {
    const port = await freePort();
    // WebHDFS of this process at a closed port; restored to the defaults afterwards.
    configureFileSystems({ webhdfsAddress: `127.0.0.1:${port}`, timeoutMs: 5_000 });
    try {
      const url = `hdfs://127.0.0.1:${port}/flink/recovery`;
      const ha = createHaServices(zkConf({ 'high-availability.storageDir': url }));
      await assert.rejects(ha.start(), (err: Error & { code?: string }) => {
        assert.equal(err.code, 'HA_STORAGE_DIR');
        assert.ok(err.message.startsWith(`high-availability.storageDir ${url}: cannot create and write ${url}/default (`), err.message);
        oneLine(err);
        return true;
      });
      await ha.close();
    } finally {
      configureFileSystems({});
    }
  });

  it('a quorum where nothing answers fails start after the connection timeout, naming high-availability.zookeeper.quorum', async () => {
    const port = await freePort();
    const ha = createHaServices(
      zkConf({
        'high-availability.zookeeper.quorum': `127.0.0.1:${port}`,
        'high-availability.storageDir': `file://${dir}/recovery`,
        'high-availability.zookeeper.client.connection-timeout': '500 ms',
      }),
    );
    await assert.rejects(ha.start(), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'HA_ZOOKEEPER_UNREACHABLE');
      assert.match(err.message, new RegExp(`^Could not connect to ZooKeeper at 127\\.0\\.0\\.1:${port} \\(high-availability\\.zookeeper\\.quorum\\) within 500 ms`));
      oneLine(err);
      return true;
    });
    await ha.close();
    await assert.rejects(ha.start(), { code: 'HA_CLOSED' });
  });

  it('credentials must be scheme:auth, and the message does not repeat them', () => {
    assert.deepEqual(zooKeeperHaSettings(zkConf({ 'high-availability.zookeeper.client.authorization': 'digest:flink:se:cret' })).client.authorization, [
      { scheme: 'digest', auth: 'flink:se:cret' },
    ]);
    assert.throws(
      () => zooKeeperHaSettings(zkConf({ 'high-availability.zookeeper.client.authorization': 'secretpassword' })),
      (err: Error) => {
        assert.match(err.message, /each entry is scheme:auth/);
        assert.doesNotMatch(err.message, /secretpassword/);
        return true;
      },
    );
  });
});
