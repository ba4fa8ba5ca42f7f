import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { call, startTestServer, type TestServer } from './rest-test-util.js';
import { jobDetails, newJobId } from './testing-dispatcher-gateway.js';

describe('REST endpoint: web.submit.enable: false', () => {
  let server: TestServer;

  beforeEach(async () => {
    server = await startTestServer({ webSubmitEnabled: false });
  });

  afterEach(async () => {
    await server.close();
  });

  function refusal(method: string, path: string): unknown {
    return {
      errors: [
        `Job submission over REST is disabled on this cluster (web.submit.enable: false), so ${method} ${path} is refused. ` +
          "Set web.submit.enable: true in the JobManager's flink-conf.yaml and restart it to upload or submit jobs.",
      ],
    };
  }

  it('says so in GET /config', async () => {
    const res = await call(server, 'GET', '/config');
    assert.equal((res.json as { features: Record<string, unknown> }).features['web-submit'], false);
  });

  it('refuses uploads, runs, listing and deleting uploads, and job submission with 403 naming the key', async () => {
    const form = new FormData();
    form.append('jarfile', new Blob(['export default 1;']), 'job.mjs');
    const upload = await call(server, 'POST', '/jars/upload', form);
    assert.equal(upload.status, 403);
    assert.deepEqual(upload.json, refusal('POST', '/jars/upload'));

    const submit = new FormData();
    submit.append('request', JSON.stringify({ jobGraphFileName: 'g.json', jobJarFileNames: ['job.mjs'] }));
    submit.append('file_0', new Blob(['{}']), 'g.json');
    submit.append('file_1', new Blob(['x']), 'job.mjs');
    const jobs = await call(server, 'POST', '/v1/jobs', submit);
    assert.equal(jobs.status, 403);
    assert.deepEqual(jobs.json, refusal('POST', '/jobs'));

    for (const [method, path] of [['POST', '/jars/x.mjs/run'], ['GET', '/jars'], ['DELETE', '/jars/x.mjs']] as const) {
      const res = await call(server, method, path);
      assert.equal(res.status, 403, `${method} ${path}`);
      assert.deepEqual(res.json, refusal(method, path));
    }
    assert.deepEqual(server.gateway.calls.uploads, []);
    assert.deepEqual(server.gateway.calls.submissions, []);
    assert.deepEqual(server.gateway.calls.runs, []);
    // Nothing of the refused bodies reached the disk.
    assert.deepEqual(await readdir(server.uploadDir), []);
  });

  it('still lists and cancels jobs', async () => {
    const jobId = newJobId();
    server.gateway.addJob(jobDetails({ jobId }));
    assert.equal((await call(server, 'GET', '/jobs')).status, 200);
    assert.equal((await call(server, 'PATCH', `/jobs/${jobId}?mode=cancel`)).status, 202);
  });
});
