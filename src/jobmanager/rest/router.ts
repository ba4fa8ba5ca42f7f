/**
 * A small, data-driven router: each route is a method, a Flink-style path template (`/jobs/:jobid`) and a
 * handler. Every route also answers under `/v1/`, as Flink's handlers do.
 */
import type { IncomingMessage } from 'node:http';

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'DELETE' | 'PUT';

export interface RestRequest {
  readonly method: HttpMethod;
  /** The path without the `/v1` prefix. */
  readonly path: string;
  readonly pathParams: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  readonly raw: IncomingMessage;
  /** The request body parsed as JSON; undefined for an empty body. Rejects with 400 on malformed JSON. */
  jsonBody(requestType: string): Promise<unknown>;
}

/** A body that is not JSON (log files): sent as its chunks come, with a known length. */
export interface RawBody {
  contentType: string;
  length: number;
  /** Exactly `length` bytes in all; a failure on the way cuts the connection (the client sees a short body). */
  chunks: AsyncIterable<Uint8Array>;
}

export interface RestResponse {
  status: number;
  /** Serialized as JSON; undefined sends no body. */
  body?: unknown;
  /** Sent instead of `body`. */
  raw?: RawBody;
  /** Runs after the response has been written (e.g. shutting the cluster down). */
  afterResponse?: () => void;
  /** Extra response headers (e.g. `Allow` on a 405). */
  headers?: Record<string, string>;
}

export type RestHandler = (req: RestRequest) => Promise<RestResponse>;

export interface Route {
  method: HttpMethod;
  path: string;
  handler: RestHandler;
}

interface CompiledRoute {
  method: HttpMethod;
  segments: string[];
  handler: RestHandler;
}

export interface RouteMatch {
  handler: RestHandler;
  pathParams: Record<string, string>;
  path: string;
}

export class Router {
  private readonly routes: CompiledRoute[];

  constructor(routes: readonly Route[]) {
    this.routes = routes.map((r) => ({ method: r.method, segments: splitPath(r.path), handler: r.handler }));
  }

  /** Whether a path belongs to the REST API (as opposed to the web UI's static files). */
  static isVersioned(path: string): boolean {
    return path === '/v1' || path.startsWith('/v1/');
  }

  /** The methods some route answers on this path (empty when the path is unknown), for 405 answers. */
  allowedMethods(rawPath: string): HttpMethod[] {
    const segments = splitPath(Router.unversioned(rawPath));
    const out = new Set<HttpMethod>();
    for (const route of this.routes) {
      if (route.segments.length === segments.length && matchSegments(route.segments, segments)) out.add(route.method);
    }
    return [...out];
  }

  /**
   * Whether some route starts with this path's first segment (`/jobs/...`, `/taskmanagers/...`): such a path is
   * an API call even when no route matches it, and gets a JSON 404 rather than the web UI's page.
   */
  ownsResource(rawPath: string): boolean {
    const first = splitPath(Router.unversioned(rawPath))[0];
    return first !== undefined && this.routes.some((r) => r.segments[0] === first);
  }

  private static unversioned(rawPath: string): string {
    return Router.isVersioned(rawPath) ? rawPath.slice(3) || '/' : rawPath;
  }

  match(method: string, rawPath: string): RouteMatch | undefined {
    const path = Router.unversioned(rawPath);
    const segments = splitPath(path);
    for (const route of this.routes) {
      if (route.method !== method || route.segments.length !== segments.length) continue;
      const params = matchSegments(route.segments, segments);
      if (params) return { handler: route.handler, pathParams: params, path };
    }
    return undefined;
  }
}

function splitPath(path: string): string[] {
  return path.split('/').filter((s) => s.length > 0);
}

function matchSegments(template: string[], actual: string[]): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  for (let i = 0; i < template.length; i++) {
    const t = template[i] as string;
    const a = actual[i] as string;
    if (t.startsWith(':')) {
      let value: string;
      try {
        value = decodeURIComponent(a);
      } catch {
        return undefined;
      }
      params[t.slice(1)] = value;
    } else if (t !== a) {
      return undefined;
    }
  }
  return params;
}
