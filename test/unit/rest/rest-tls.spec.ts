import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClusterUnreachableError, restClientFor } from '../../../src/client/rest-client.js';
import { Configuration, restSslServerOptions } from '../../../src/config/index.js';
import { makeTestPki, type TestPki } from '../../support/test-pki.js';
import { startTestServer, type TestServer } from './rest-test-util.js';

describe('REST endpoint over TLS with client certificates', function () {
  this.timeout(30_000);
  let dir: string;
  let pki: TestPki;
  let server: TestServer;
  let secured: Record<string, string>;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'flink-rest-tls-'));
    pki = await makeTestPki(dir);
    secured = {
      'security.ssl.rest.enabled': 'true',
      'security.ssl.rest.authentication-enabled': 'true',
      'security.ssl.rest.keystore': pki.keystore,
      'security.ssl.rest.truststore': pki.ca,
    };
    const tls = restSslServerOptions(Configuration.fromMap(secured));
    assert.ok(tls);
    server = await startTestServer({ tls });
  });

  after(async () => {
    await server?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const client = (overrides: Record<string, string>): ReturnType<typeof restClientFor> =>
    restClientFor(Configuration.fromMap({ ...secured, 'rest.connection-timeout': '5 s', ...overrides }), `127.0.0.1:${server.endpoint.port}`);

  async function failure(fn: () => Promise<unknown>): Promise<ClusterUnreachableError> {
    try {
      await fn();
    } catch (err) {
      assert.ok(err instanceof ClusterUnreachableError, String(err));
      return err;
    }
    assert.fail('expected the request to fail');
  }

  it('answers https at its url, to a client that presents a certificate of the trusted CA', async () => {
    assert.match(server.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    const c = client({});
    assert.equal(c.url, server.url);
    assert.equal((await c.overview())['taskmanagers'], 2);
  });

  it('refuses a client without a certificate, and one whose certificate another CA signed', async () => {
    const none = await failure(() => client({ 'security.ssl.rest.authentication-enabled': 'false' }).overview());
    assert.match(none.message, /the JobManager refused this client's certificate \(or its absence\)/);
    const stranger = await failure(() => client({ 'security.ssl.rest.keystore': pki.otherKeystore }).overview());
    assert.match(stranger.message, /the JobManager refused this client's certificate/);
  });

  it("makes a client that does not trust the endpoint's CA say so", async () => {
    const err = await failure(() => client({ 'security.ssl.rest.truststore': pki.otherCa }).overview());
    assert.match(err.message, /the JobManager's certificate is not signed by a CA this client trusts; set security\.ssl\.rest\.truststore/);
  });

  it('checks that the certificate names the host, unless security.ssl.verify-hostname is false', async () => {
    const settings = { 'security.ssl.rest.enabled': 'true', 'security.ssl.rest.keystore': pki.wrongHostKeystore, 'security.ssl.rest.truststore': pki.ca };
    const tls = restSslServerOptions(Configuration.fromMap(settings));
    assert.ok(tls);
    const other = await startTestServer({ tls });
    try {
      const at = (extra: Record<string, string>): ReturnType<typeof restClientFor> =>
        restClientFor(Configuration.fromMap({ ...settings, 'rest.connection-timeout': '5 s', ...extra }), `127.0.0.1:${other.endpoint.port}`);
      const err = await failure(() => at({}).overview());
      assert.match(err.message, /the JobManager's certificate does not name the host connected to; connect by a name in the certificate, or set security\.ssl\.verify-hostname: false/);
      assert.equal((await at({ 'security.ssl.verify-hostname': 'false' }).overview())['taskmanagers'], 2);
    } finally {
      await other.close();
    }
  });

  it('answers nothing to plain HTTP', async () => {
    const plain = restClientFor(Configuration.fromMap({ 'rest.connection-timeout': '5 s' }), `127.0.0.1:${server.endpoint.port}`);
    const err = await failure(() => plain.overview());
    assert.match(err.message, /^Could not reach the JobManager at http:\/\/127\.0\.0\.1:/);
    assert.equal(server.gateway.calls.submissions.length, 0);
  });
});
