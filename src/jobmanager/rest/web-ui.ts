/**
 * The web dashboard's files (`dist/web`, built from `web/` at install time) for the REST endpoint's
 * `staticHandler`: `/` and every unknown path outside the API get `index.html` (the dashboard routes in the
 * URL's hash), files under the root get their content type, and hashed assets may be cached for good.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { dirname, extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { StaticHandler } from './rest-server-endpoint.js';

/** dist/web of this installation: this module runs from dist/src/jobmanager/rest/. */
export const DEFAULT_WEB_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'web');

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
};

/** `app-3FQ7ZK2M.js`: esbuild's content hash in the name, so the file under that name never changes. */
const HASHED_NAME = /-[A-Z0-9]{8}\.[a-z0-9]+$/;

export function contentTypeOf(path: string): string {
  return CONTENT_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream';
}

/**
 * The file a request path names under `root`, or undefined when the path is malformed or would leave the root
 * (`..`, encoded slashes or backslashes, NUL): those are never served, whatever the file system would resolve.
 */
export function resolveUnderRoot(root: string, urlPath: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return undefined;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return undefined;
  const segments = decoded.split('/').filter((s) => s !== '');
  if (segments.some((s) => s === '..' || s === '.')) return undefined;
  const base = resolve(root);
  const file = resolve(base, ...segments);
  return file === base || file.startsWith(base + sep) ? file : undefined;
}

/** What `/` says when the installation has no built dashboard. */
export function notBuiltMessage(root: string): string {
  return (
    `The flink-ts web dashboard is not built in this installation (${root} is missing).\n` +
    'Run `npm run build` in the flink-ts directory (npm ci does it too), then reload this page.\n' +
    'The REST API works without it: try /overview or /jobs/overview.\n'
  );
}

export function webUiHandler(root: string = DEFAULT_WEB_ROOT): StaticHandler {
  const base = resolve(root);
  return async (_req: IncomingMessage, res: ServerResponse, path: string): Promise<boolean> => {
    const file = resolveUnderRoot(base, path);
    if (file === undefined) return false;
    if (file !== base && (await isFile(file))) {
      const immutable = HASHED_NAME.test(file) && file.startsWith(join(base, 'assets') + sep);
      return send(res, file, immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
    }
    // A missing file with an extension is a missing asset: a JSON 404, not the page in its place.
    if (file !== base && extname(file) !== '') return false;
    const index = join(base, 'index.html');
    if (await isFile(index)) return send(res, index, 'no-cache');
    const body = Buffer.from(notBuiltMessage(base), 'utf8');
    res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': body.length, 'Cache-Control': 'no-cache' });
    res.end(body);
    return true;
  };
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

async function send(res: ServerResponse, file: string, cacheControl: string): Promise<boolean> {
  const size = (await stat(file)).size;
  res.writeHead(200, {
    'Content-Type': contentTypeOf(file),
    'Content-Length': size,
    'Cache-Control': cacheControl,
    'X-Content-Type-Options': 'nosniff',
  });
  try {
    // pipeline closes the file when the client goes away mid-answer, so no descriptor is left open.
    await pipeline(createReadStream(file), res);
  } catch {
    res.destroy();
  }
  return true;
}
