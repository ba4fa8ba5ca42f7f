import { mkdtemp, rm } from 'node:fs/promises';
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
