import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RestServerEndpoint, type RestServerEndpointOptions } from '../../../src/jobmanager/rest/index.js';
import { TestingDispatcherGateway } from './testing-dispatcher-gateway.js';

export const NOW = 1_572_942_000_000;

export interface TestServer {
  endpoint: RestServerEndpoint;
  gateway: TestingDispatcherGateway;
  uploadDir: string;
  url: string;
  close(): Promise<void>;
}

export async function startTestServer(
  overrides: Partial<RestServerEndpointOptions> = {},
  gateway = new TestingDispatcherGateway(),
): Promise<TestServer> {
  const dir = await mkdtemp(join(tmpdir(), 'flink-rest-test-'));
  const uploadDir = join(dir, 'flink-web-upload');
  const endpoint = new RestServerEndpoint({
    gateway,
    bindAddress: '127.0.0.1',
    port: '0',
    maxContentLength: 1024 * 1024,
    uploadDir,
    flinkVersion: '0.1.0-test',
    flinkRevision: 'abc1234',
    now: () => NOW,
    ...overrides,
  });
  await endpoint.start();
  return {
    endpoint,
    gateway,
    uploadDir,
    url: endpoint.url,
    close: async () => {
      await endpoint.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export interface Answer {
  status: number;
  json: unknown;
  text: string;
  headers: Headers;
}

export async function call(
  server: { url: string },
  method: string,
  path: string,
  body?: string | FormData,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const init: RequestInit = { method, headers };
  if (body !== undefined) init.body = body;
  const res = await fetch(server.url + path, init);
  const text = await res.text();
  let json: unknown;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, json, text, headers: res.headers };
}

/**
 * POSTs a multipart form with one file of `chunks` x `chunkBytes` bytes without Content-Length (chunked), so
 * only the bytes that arrive tell the server its size.
 */
export function chunkedMultipartPost(
  url: string,
  file: { field: string; name: string },
  chunks: number,
  chunkBytes: number,
): Promise<{ status: number; body: string }> {
  const boundary = 'flinkchunkedboundary';
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: 'POST', headers: { 'Content-Type': `multipart/form-data; boundary=${boundary}`, 'Transfer-Encoding': 'chunked' } },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.write(`--${boundary}\r\nContent-Disposition: form-data; name="${file.field}"; filename="${file.name}"\r\nContent-Type: application/octet-stream\r\n\r\n`);
    for (let i = 0; i < chunks; i++) req.write(Buffer.alloc(chunkBytes, 0x20));
    req.end(`\r\n--${boundary}--\r\n`);
  });
}
