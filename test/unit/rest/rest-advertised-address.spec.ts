/**
 * The URL a REST endpoint names for itself (what an HA leader publishes in ZooKeeper and a standby redirects to):
 * bound to every interface, it is the advertised host (`rest.address` or `jobmanager.sh start <host>`), which the
 * other hosts can reach, and not localhost.
 */
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from './rest-test-util.js';

describe('RestServerEndpoint url', () => {
  const servers: TestServer[] = [];
  afterEach(async () => {
    for (const s of servers.splice(0)) await s.close();
  });

  async function urlOf(bindAddress: string, advertisedAddress?: string): Promise<{ url: string; port: number }> {
    const s = await startTestServer({ bindAddress, ...(advertisedAddress !== undefined ? { advertisedAddress } : {}) });
    servers.push(s);
    return { url: s.endpoint.url, port: s.endpoint.port };
  }

  it('names the advertised host when bound to every interface', async () => {
    const { url, port } = await urlOf('0.0.0.0', 'h1');
    assert.equal(url, `http://h1:${port}`);
  });

  it('names localhost when bound to every interface and nothing is advertised', async () => {
    const { url, port } = await urlOf('0.0.0.0');
    assert.equal(url, `http://localhost:${port}`);
  });

  it('names the bind address when bound to one', async () => {
    const { url, port } = await urlOf('127.0.0.1', 'h1');
    assert.equal(url, `http://127.0.0.1:${port}`);
  });
});
