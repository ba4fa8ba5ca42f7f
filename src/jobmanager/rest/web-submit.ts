/**
 * `web.submit.enable: false` closes every way to bring a new program to the cluster over REST: uploading
 * (`POST /jars/upload`), running and managing uploads (`/jars/...`), and submitting a job graph (`POST /jobs`,
 * the path `bin/flink run` takes). Flink only unregisters the `/jars` handlers; flink-ts closes `POST /jobs` too,
 * so the switch means "no new jobs from the network". The requests are refused before their body is read.
 */
import { RestHandlerError } from './rest-errors.js';
import type { Route } from './router.js';

export class WebSubmissionDisabledError extends RestHandlerError {
  constructor(method: string, path: string) {
    super(
      403,
      `Job submission over REST is disabled on this cluster (web.submit.enable: false), so ${method} ${path} is refused. ` +
        "Set web.submit.enable: true in the JobManager's flink-conf.yaml and restart it to upload or submit jobs.",
    );
  }
}

/** Whether a route brings a program or a job to the cluster. */
export function isSubmissionRoute(route: Pick<Route, 'method' | 'path'>): boolean {
  return route.path === '/jars' || route.path.startsWith('/jars/') || (route.method === 'POST' && route.path === '/jobs');
}

/** The routes with every submission route answering 403, when submission is disabled. */
export function guardSubmissionRoutes(routes: readonly Route[], submitEnabled: boolean): Route[] {
  if (submitEnabled) return [...routes];
  return routes.map((route) =>
    isSubmissionRoute(route)
      ? {
          ...route,
          handler: (req) => Promise.reject(new WebSubmissionDisabledError(route.method, req.path)),
        }
      : route,
  );
}
