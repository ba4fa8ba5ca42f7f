/**
 * Which REST endpoint bin/flink talks to: `-m`, `-D rest.address`, the HA leader in ZooKeeper, or the configured
 * rest.address/rest.port; and the one-line errors when ZooKeeper does not answer. The leader lookup against a
 * real ZooKeeper is in test/integration/ha-clients.it.spec.ts.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clusterRestClient, findsLeaderInZooKeeper } from '../../../src/client/cluster-address.js';
import { Configuration } from '../../../src/config/index.js';
import type { FlinkError } from '../../../src/util/errors.js';
import { closedPort, runCli } from './client-test-util.js';

async function haConf(extra: Record<string, string> = {}): Promise<Configuration> {
  return Configuration.fromMap({
    'high-availability': 'zookeeper',
    // Nothing listens there: any attempt to use ZooKeeper fails after the (short) connection timeout.
    'high-availability.zookeeper.quorum': `127.0.0.1:${await closedPort()}`,
    'high-availability.zookeeper.client.connection-timeout': '500 ms',
    'high-availability.storageDir': 'file:///tmp/flink-unit-recovery',
    'high-availability.cluster-id': '/unit_cluster',
    'rest.address': '10.1.2.3',
    'rest.port': '8082',
    ...extra,
  });
}

describe('the cluster address of bin/flink', function () {
  this.timeout(30_000);

  it('without HA: rest.address and rest.port of the configuration, or -m', async () => {
    const conf = Configuration.fromMap({ 'rest.address': '10.1.2.3', 'rest.port': '8082' });
    assert.equal((await clusterRestClient(conf)).url, 'http://10.1.2.3:8082');
    assert.equal((await clusterRestClient(conf, { jobManagerOverride: 'jm:9000' })).url, 'http://jm:9000');
    assert.equal(findsLeaderInZooKeeper(conf), false);
  });

  it('with HA: -m or -D rest.address name the endpoint directly, without asking ZooKeeper', async () => {
    const conf = await haConf();
    assert.equal(findsLeaderInZooKeeper(conf), true);
    assert.equal(findsLeaderInZooKeeper(conf, { jobManagerOverride: 'jm:9000' }), false);
    assert.equal(findsLeaderInZooKeeper(conf, { restAddressGiven: true }), false);
    assert.equal((await clusterRestClient(conf, { jobManagerOverride: 'jm:9000' })).url, 'http://jm:9000');
    assert.equal((await clusterRestClient(conf, { restAddressGiven: true })).url, 'http://10.1.2.3:8082');
  });

  it('with HA and ZooKeeper not answering: one line naming the quorum key and the connection timeout', async () => {
    const conf = await haConf();
    await assert.rejects(clusterRestClient(conf), (err: FlinkError) => {
      assert.equal(err.code, 'HA_ZOOKEEPER_UNREACHABLE');
      assert.match(err.message, /high-availability\.zookeeper\.quorum/);
      assert.match(err.message, /within 500 ms/);
      return true;
    });
  });

  it('with HA, a quorum that is not host:port is a configuration error naming the key', async () => {
    const conf = await haConf({ 'high-availability.zookeeper.quorum': 'http://zk:2181' });
    await assert.rejects(clusterRestClient(conf), (err: FlinkError) => err.code === 'CONFIG_INVALID' && /high-availability\.zookeeper\.quorum/.test(err.message));
  });

  describe('bin/flink list in HA mode', () => {
    let confDir = '';
    beforeEach(async () => {
      confDir = await mkdtemp(join(tmpdir(), 'flink-cli-ha-conf-'));
      const conf = await haConf();
      await writeFile(join(confDir, 'flink-conf.yaml'), Object.entries(conf.toMap()).map(([k, v]) => `${k}: ${v}`).join('\n') + '\n');
    });
    afterEach(async () => rm(confDir, { recursive: true, force: true }));

    it('ZooKeeper not answering: the error block with one message, no stack trace, exit code 1', async () => {
      const r = await runCli(['list'], confDir);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /The program finished with the following exception:/);
      assert.match(r.stderr, /Could not connect to ZooKeeper at 127\.0\.0\.1:\d+ \(high-availability\.zookeeper\.quorum\) within 500 ms/);
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    });

    it('-m still names the endpoint directly (nothing listens there: the message names -m)', async () => {
      const port = await closedPort();
      const r = await runCli(['list', '-m', `127.0.0.1:${port}`], confDir);
      assert.equal(r.code, 1);
      assert.match(r.stderr, new RegExp(`Could not reach the JobManager at http://127\\.0\\.0\\.1:${port} \\(-m 127\\.0\\.0\\.1:${port}\\)`));
      assert.doesNotMatch(r.stderr, /ZooKeeper/);
    });
  });
});
