/**
 * Cluster-wide handlers: dashboard config, overview, TaskManagers, JobManager config, shutdown.
 */
import type { HandlerContext } from './handler-context.js';
import {
  clusterOverviewJson,
  dashboardConfigJson,
  jobManagerEnvironmentJson,
  taskManagerDetailsJson,
  taskManagersJson,
} from './json-format.js';
import { notFound } from './rest-errors.js';
import type { Route } from './router.js';

export function clusterRoutes(ctx: HandlerContext, log: (msg: string) => void): Route[] {
  const { gateway } = ctx;
  return [
    {
      method: 'GET',
      path: '/config',
      handler: async () => ({
        status: 200,
        body: dashboardConfigJson(ctx.flinkVersion, ctx.flinkRevision, new Date(ctx.now()), ctx.webSubmitEnabled),
      }),
    },
    {
      method: 'GET',
      path: '/overview',
      handler: async () => ({
        status: 200,
        body: clusterOverviewJson(await gateway.clusterOverview(), ctx.flinkVersion, ctx.flinkRevision),
      }),
    },
    {
      method: 'GET',
      path: '/taskmanagers',
      handler: async () => ({ status: 200, body: taskManagersJson(await gateway.taskManagers()) }),
    },
    {
      method: 'GET',
      path: '/taskmanagers/:taskmanagerid',
      handler: async (req) => {
        const id = req.pathParams.taskmanagerid ?? '';
        const tm = (await gateway.taskManagers()).find((t) => t.id === id);
        if (!tm) throw notFound(`TaskManager ${id} is not registered with this cluster.`);
        return { status: 200, body: taskManagerDetailsJson(tm) };
      },
    },
    {
      method: 'GET',
      path: '/jobmanager/environment',
      handler: async () => ({ status: 200, body: jobManagerEnvironmentJson(process) }),
    },
    {
      method: 'GET',
      path: '/jobmanager/config',
      handler: async () => ({
        status: 200,
        body: (await gateway.clusterConfig()).map((e) => ({ key: e.key, value: e.value })),
      }),
    },
    {
      method: 'DELETE',
      path: '/cluster',
      // Answer first: shutting the cluster down closes this endpoint too, which would cut the reply.
      handler: async () => ({
        status: 200,
        body: {},
        afterResponse: () => {
          gateway.shutDownCluster().catch((err: unknown) => {
            log(`Shutting down the cluster failed: ${err instanceof Error ? err.message : String(err)}`);
          });
        },
      }),
    },
  ];
}
