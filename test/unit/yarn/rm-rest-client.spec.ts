import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  ApplicationNotFoundError,
  InsufficientResourcesError,
  ResourceManagerRemoteError,
  ResourceManagerRestClient,
  ResourceManagerUnreachableError,
  toSubmissionJson,
  type ApplicationSubmission,
} from '../../../src/yarn/client/index.js';
import { freePort } from '../../support/loopback-conf.js';

const SUBMISSION: ApplicationSubmission = {
  applicationId: 'application_1700000000000_0007',
  applicationName: 'WordCount',
  queue: 'default',
  priority: 3,
  amContainer: {
    localResources: {
      'flink-ts': { resource: 'hdfs://nn:8020/user/a/.flink/lib/flink-ts-0.1.0-abc.tar.gz', type: 'ARCHIVE', visibility: 'PUBLIC', size: 10, timestamp: 1234 },
    },
    environment: { HADOOP_USER_NAME: 'a' },
    command: 'node/bin/node flink-ts/dist/src/appmaster/entrypoint.js 1><LOG_DIR>/jobmanager.out 2><LOG_DIR>/jobmanager.err',
  },
  resource: { memoryMb: 1024, vCores: 1 },
  maxAppAttempts: 2,
  applicationType: 'Apache Flink',
  keepContainersAcrossApplicationAttempts: true,
  applicationTags: ['a', 'b'],
  attemptFailuresValidityInterval: 10_000,
};

/** A fake ResourceManager web service: answers from a table of (method path) → [status, body]. */
class TestingRm {
  readonly requests: { method: string; url: string; body: string }[] = [];
  answers = new Map<string, [number, unknown]>();
  private server: Server | undefined;

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        this.requests.push({ method: req.method ?? '', url: req.url ?? '', body });
        const key = `${req.method} ${(req.url ?? '').split('?')[0]}`;
        const [status, answer] = this.answers.get(key) ?? [404, { RemoteException: { exception: 'NotFoundException', message: 'java.lang.Exception: no such path', javaClassName: 'x' } }];
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(typeof answer === 'string' ? answer : JSON.stringify(answer));
      });
    });
    await new Promise<void>((r) => this.server?.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(this.server?.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}

describe('YARN client: ResourceManager REST client', () => {
  let rm: TestingRm;
  let client: ResourceManagerRestClient;

  beforeEach(async () => {
    rm = new TestingRm();
    const url = await rm.start();
    client = new ResourceManagerRestClient({ endpoints: [{ baseUrl: url, source: 'a test' }], user: 'alice', timeoutMs: 5000 });
  });
  afterEach(async () => rm.stop());

  it('writes the submission in YARN\'s JSON (ApplicationSubmissionContextInfo)', () => {
    assert.deepEqual(toSubmissionJson(SUBMISSION), {
      'application-id': 'application_1700000000000_0007',
      'application-name': 'WordCount',
      queue: 'default',
      priority: 3,
      'am-container-spec': {
        'local-resources': {
          entry: [{ key: 'flink-ts', value: { resource: 'hdfs://nn:8020/user/a/.flink/lib/flink-ts-0.1.0-abc.tar.gz', type: 'ARCHIVE', visibility: 'PUBLIC', size: 10, timestamp: 1234 } }],
        },
        environment: { entry: [{ key: 'HADOOP_USER_NAME', value: 'a' }] },
        commands: { command: 'node/bin/node flink-ts/dist/src/appmaster/entrypoint.js 1><LOG_DIR>/jobmanager.out 2><LOG_DIR>/jobmanager.err' },
      },
      'unmanaged-AM': false,
      'max-app-attempts': 2,
      resource: { memory: 1024, vCores: 1 },
      'application-type': 'Apache Flink',
      'keep-containers-across-application-attempts': true,
      'application-tags': { tag: ['a', 'b'] },
      'attempt-failures-validity-interval': 10_000,
    });
  });

  it('leaves out an unset queue and the default priority -1', () => {
    const json = toSubmissionJson({ ...SUBMISSION, queue: undefined, priority: -1, attemptFailuresValidityInterval: undefined });
    assert.ok(!('queue' in json) && !('priority' in json) && !('attempt-failures-validity-interval' in json), JSON.stringify(json));
  });

  it('posts new-application and the submission with ?user.name, and reads the answers', async () => {
    rm.answers.set('POST /ws/v1/cluster/apps/new-application', [200, { 'application-id': 'application_1_0001', 'maximum-resource-capability': { memory: 8192, vCores: 8 } }]);
    rm.answers.set('POST /ws/v1/cluster/apps', [202, '']);
    assert.deepEqual(await client.newApplication(), { applicationId: 'application_1_0001', maximumResourceCapability: { memoryMb: 8192, vCores: 8 } });
    await client.submitApplication(SUBMISSION);
    assert.equal(rm.requests[1]?.url, '/ws/v1/cluster/apps?user.name=alice');
    assert.deepEqual(JSON.parse(rm.requests[1]?.body ?? ''), toSubmissionJson(SUBMISSION));
  });

  it('reports, and kills an application until YARN says it is KILLED', async () => {
    rm.answers.set('GET /ws/v1/cluster/apps/application_1_0001', [200, { app: { id: 'application_1_0001', state: 'RUNNING', finalStatus: 'UNDEFINED', progress: 10, diagnostics: '', trackingUrl: 'http://x' } }]);
    const report = await client.getApplicationReport('application_1_0001');
    assert.equal(report.state, 'RUNNING');
    assert.equal(report.trackingUrl, 'http://x');
    rm.answers.set('GET /ws/v1/cluster/apps/application_1_0001/state', [200, { state: 'RUNNING' }]);
    rm.answers.set('PUT /ws/v1/cluster/apps/application_1_0001/state', [202, { state: 'RUNNING' }]);
    setTimeout(() => rm.answers.set('GET /ws/v1/cluster/apps/application_1_0001/state', [200, { state: 'KILLED' }]), 300);
    assert.equal(await client.killApplication('application_1_0001'), 'KILLED');
    const put = rm.requests.find((r) => r.method === 'PUT');
    assert.deepEqual(JSON.parse(put?.body ?? ''), { state: 'KILLED' });
  });

  it('an unknown application is ApplicationNotFoundError', async () => {
    rm.answers.set('GET /ws/v1/cluster/apps/application_1_0009', [404, { RemoteException: { exception: 'NotFoundException', message: 'java.lang.Exception: app with id: application_1_0009 not found' } }]);
    await assert.rejects(client.getApplicationReport('application_1_0009'), (e: unknown) => e instanceof ApplicationNotFoundError && e.code === 'YARN_APPLICATION_NOT_FOUND');
  });

  it('keeps the RemoteException message of a refused call', async () => {
    rm.answers.set('POST /ws/v1/cluster/apps', [400, { RemoteException: { exception: 'BadRequestException', message: 'java.lang.Exception: Requested more memory than configured max' } }]);
    await assert.rejects(client.submitApplication(SUBMISSION), (e: unknown) => {
      assert.ok(e instanceof ResourceManagerRemoteError);
      assert.equal(e.code, 'YARN_RM_ERROR');
      assert.equal(e.message, 'The YARN ResourceManager refused to accept application application_1700000000000_0007 (HTTP 400, BadRequestException): Requested more memory than configured max');
      return true;
    });
  });

  it('an ask above the maximum allocation names what was asked, the maximum and what is available', async () => {
    rm.answers.set('GET /ws/v1/cluster/metrics', [200, { clusterMetrics: { availableMB: 3072, availableVirtualCores: 3, totalMB: 4096, totalVirtualCores: 4, activeNodes: 1 } }]);
    const app = { applicationId: 'application_1_0001', maximumResourceCapability: { memoryMb: 4096, vCores: 4 } };
    await client.checkResources('ApplicationMaster container', { memoryMb: 4096, vCores: 4 }, app);
    await assert.rejects(client.checkResources('ApplicationMaster container', { memoryMb: 8192, vCores: 1 }, app), (e: unknown) => {
      assert.ok(e instanceof InsufficientResourcesError);
      assert.equal(e.code, 'YARN_INSUFFICIENT_RESOURCES');
      assert.match(e.message, /^The ApplicationMaster container asks for 8192 MB and 1 vcores, but the YARN ResourceManager allocates at most 4096 MB and 4 vcores per container; the cluster has 3072 MB and 3 vcores available now\. /);
      return true;
    });
  });

  it('an RM that is not there is one line with the address and its source; the next HA endpoint is tried', async () => {
    const dead = `http://127.0.0.1:${await freePort()}`;
    const lone = new ResourceManagerRestClient({ endpoints: [{ baseUrl: dead, source: 'yarn.resourcemanager.webapp.address in /etc/yarn-site.xml' }], user: 'a', timeoutMs: 2000 });
    await assert.rejects(lone.getClusterMetrics(), (e: unknown) => {
      assert.ok(e instanceof ResourceManagerUnreachableError);
      assert.equal(e.code, 'YARN_RM_UNREACHABLE');
      assert.equal(e.message.split('\n').length, 1);
      assert.match(e.message, new RegExp(`^Could not reach the YARN ResourceManager at ${dead} \\(address from yarn\\.resourcemanager\\.webapp\\.address in /etc/yarn-site\\.xml\\): .*ECONNREFUSED`));
      return true;
    });
    rm.answers.set('GET /ws/v1/cluster/metrics', [200, { clusterMetrics: { availableMB: 1, availableVirtualCores: 1, totalMB: 1, totalVirtualCores: 1, activeNodes: 1 } }]);
    const live = client.webUrl;
    const ha = new ResourceManagerRestClient({ endpoints: [{ baseUrl: dead, source: 'rm1' }, { baseUrl: live, source: 'rm2' }], user: 'a', timeoutMs: 2000 });
    assert.equal((await ha.getClusterMetrics()).availableMB, 1);
    assert.equal(ha.webUrl, live);
  });

  it('something else on the port (not the YARN REST API) is reported as such', async () => {
    rm.answers.set('GET /ws/v1/cluster/metrics', [500, '<html>nginx</html>']);
    await assert.rejects(client.getClusterMetrics(), /answered HTTP 500 but not as the YARN REST API \('<html>nginx<\/html>'\)/);
  });
});
