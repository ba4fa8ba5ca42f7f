import assert from 'node:assert/strict';
import { NotInYarnContainerError, yarnContainerEnvironment } from '../../../src/appmaster/yarn-container-environment.js';

describe('the YARN container environment', () => {
  it('reads the application attempt from CONTAINER_ID, with or without an epoch', () => {
    const env = (id: string) => yarnContainerEnvironment({ CONTAINER_ID: id, NM_HOST: 'nm1' });
    const a = env('container_1764590000000_0007_02_000001');
    assert.deepEqual([a.applicationId, a.clusterTimestamp, a.applicationNumber, a.attempt], ['application_1764590000000_0007', 1764590000000, 7, 2]);
    assert.equal(env('container_e17_1764590000000_12345_01_000003').applicationId, 'application_1764590000000_12345');
  });

  it("reads the NodeManager's variables", () => {
    const env = yarnContainerEnvironment({
      CONTAINER_ID: 'container_1764590000000_0001_01_000001',
      NM_HOST: 'nm1.example.org',
      NM_PORT: '45454',
      PWD: '/data/nm/usercache/flink/appcache/application_1764590000000_0001/container_1764590000000_0001_01_000001',
      LOCAL_DIRS: '/data/a,/data/b',
      LOG_DIRS: '/logs/a',
      HADOOP_TOKEN_FILE_LOCATION: '/x/container_tokens',
      USER: 'flink',
    });
    assert.equal(env.applicationId, 'application_1764590000000_0001');
    assert.equal(env.attempt, 1);
    assert.equal(env.host, 'nm1.example.org');
    assert.equal(env.nodeManagerPort, 45454);
    assert.deepEqual(env.localDirs, ['/data/a', '/data/b']);
    assert.deepEqual(env.logDirs, ['/logs/a']);
    assert.equal(env.tokenFile, '/x/container_tokens');
  });

  it('outside a container: one line naming the variable and how an ApplicationMaster is started', () => {
    assert.throws(() => yarnContainerEnvironment({ NM_HOST: 'x' }), (err: unknown) => {
      assert.ok(err instanceof NotInYarnContainerError);
      assert.match(err.message, /^CONTAINER_ID is not set\. The ApplicationMaster runs only in a YARN container/);
      return true;
    });
    assert.throws(() => yarnContainerEnvironment({ CONTAINER_ID: 'container_abc', NM_HOST: 'x' }), /CONTAINER_ID 'container_abc' is not a YARN container id/);
  });
});
