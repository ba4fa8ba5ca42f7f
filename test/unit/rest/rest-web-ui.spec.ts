import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { webUiHandler } from '../../../src/jobmanager/rest/index.js';
import { resolveUnderRoot } from '../../../src/jobmanager/rest/web-ui.js';
import { startTestServer, type TestServer } from './rest-test-util.js';

interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A GET with the path sent exactly as given (fetch would normalise `..` away before it leaves the client). */
function rawGet(url: string, path: string): Promise<RawAnswer> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ host: hostname, port, path, method: 'GET' }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('REST endpoint: the web dashboard files', () => {
  let dir = '';
  let root = '';
  let server: TestServer | undefined;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'flink-web-ui-'));
    root = join(dir, 'web');
    await mkdir(join(root, 'assets'), { recursive: true });
    await writeFile(join(root, 'index.html'), '<!doctype html><title>flink-ts</title>');
    await writeFile(join(root, 'assets', 'app-AB12CD34.js'), 'console.log(1);');
    await writeFile(join(root, 'assets', 'app-AB12CD34.css'), 'body{}');
    await writeFile(join(root, 'assets', 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    // A file next to the root that a traversal would reach.
    await writeFile(join(dir, 'secret.txt'), 'do not serve');
  });

  afterEach(async () => {
    await server?.close();
    server = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  it('serves index.html at / and the assets with their content types and cache headers', async () => {
    server = await startTestServer({ staticHandler: webUiHandler(root) });
    const index = await rawGet(server.url, '/');
    assert.equal(index.status, 200);
    assert.equal(index.headers['content-type'], 'text/html; charset=utf-8');
    assert.equal(index.headers['cache-control'], 'no-cache');
    assert.match(index.body, /<title>flink-ts<\/title>/);

    const js = await rawGet(server.url, '/assets/app-AB12CD34.js');
    assert.equal(js.status, 200);
    assert.equal(js.headers['content-type'], 'text/javascript; charset=utf-8');
    assert.equal(js.headers['cache-control'], 'public, max-age=31536000, immutable');
    assert.equal(js.body, 'console.log(1);');

    const css = await rawGet(server.url, '/assets/app-AB12CD34.css');
    assert.equal(css.headers['content-type'], 'text/css; charset=utf-8');
    const svg = await rawGet(server.url, '/assets/favicon.svg');
    assert.equal(svg.headers['content-type'], 'image/svg+xml');
    assert.equal(svg.headers['cache-control'], 'no-cache', 'a name without a content hash may change');
  });

  it('answers unknown page paths with index.html, but missing assets and API paths with a JSON 404', async () => {
    server = await startTestServer({ staticHandler: webUiHandler(root) });
    for (const path of ['/overview-page', '/some/deep/route', '/index.html']) {
      const res = await rawGet(server.url, path);
      assert.equal(res.status, 200, path);
      assert.match(res.body, /<title>flink-ts<\/title>/, path);
    }
    for (const path of ['/assets/app-00000000.js', '/missing.css', '/jobs/xyz/unknown', '/taskmanagers/a/b/c', '/v1/nothing']) {
      const res = await rawGet(server.url, path);
      assert.equal(res.status, 404, path);
      assert.equal(res.headers['content-type'], 'application/json; charset=UTF-8', path);
      assert.ok(Array.isArray((JSON.parse(res.body) as { errors: unknown }).errors), path);
    }
    // The API itself still answers.
    const overview = await rawGet(server.url, '/overview');
    assert.equal(overview.status, 200);
    assert.match(overview.headers['content-type'] as string, /^application\/json/);
  });

  it('never serves a file outside its root', async () => {
    server = await startTestServer({ staticHandler: webUiHandler(root) });
    for (const path of ['/../secret.txt', '/assets/../../secret.txt', '/%2e%2e/secret.txt', '/assets/%2e%2e%2f%2e%2e%2fsecret.txt', '/..%5csecret.txt', '/%00', '/%E0%A4%A']) {
      const res = await rawGet(server.url, path);
      assert.notEqual(res.status, 200, path);
      assert.doesNotMatch(res.body, /do not serve/, path);
    }
    assert.equal(resolveUnderRoot(root, '/../secret.txt'), undefined);
    assert.equal(resolveUnderRoot(root, '/a/%2e%2e/%2e%2e/secret.txt'), undefined);
    assert.equal(resolveUnderRoot(root, '/assets/app.js'), join(root, 'assets', 'app.js'));
  });

  it('says to run npm run build when the dashboard was not built', async () => {
    server = await startTestServer({ staticHandler: webUiHandler(join(dir, 'not-built')) });
    for (const path of ['/', '/some/route']) {
      const res = await rawGet(server.url, path);
      assert.equal(res.status, 404, path);
      assert.equal(res.headers['content-type'], 'text/plain; charset=utf-8');
      assert.match(res.body, /not built/);
      assert.match(res.body, /npm run build/);
    }
  });
});
