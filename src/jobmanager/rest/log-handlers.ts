/**
 * Logs and stdout over REST, on Flink's paths: the JobManager's own files (read here) and each TaskManager's
 * (read over its RPC connection, chunk by chunk). Files are `text/plain`, with byte ranges (byte-ranges.ts); the
 * listings are Flink's LogListInfo, `{"logs": [{"name", "size", "mtime"}]}`.
 */
import type { DaemonFileRef, DaemonLogFiles } from '../../util/log-files.js';
import type { TaskManagerFileGateway } from '../resourcemanager/task-manager-files.js';
import { fileResponse, parseRangeHeader } from './byte-ranges.js';
import { RestHandlerError, notFound } from './rest-errors.js';
import type { RestRequest, RestResponse, Route } from './router.js';

/** What the log routes read from. */
export interface LogFileSources {
  jobManager: DaemonLogFiles;
  /** Unset where the endpoint runs without a resource manager (tests of other handlers). */
  taskManagers: TaskManagerFileGateway | undefined;
}

/** Conditions a caller can act on: the file or the TaskManager is not there. */
const NOT_FOUND_CODES: ReadonlySet<string> = new Set(['LOG_FILE_UNAVAILABLE', 'LOG_FILE_NOT_FOUND', 'UNKNOWN_TASK_EXECUTOR']);

export function logRoutes(sources: LogFileSources): Route[] {
  const jm = sources.jobManager;
  const jmFile = (file: (req: RestRequest) => DaemonFileRef) => async (req: RestRequest): Promise<RestResponse> =>
    translate(() => fileResponse((offset, max) => jm.read(file(req), offset, max), parseRangeHeader(req.raw.headers.range)));

  const taskManagers = (): TaskManagerFileGateway => {
    if (!sources.taskManagers) throw notFound('Cannot connect to ResourceManager right now. Please try to refresh.');
    return sources.taskManagers;
  };
  const tmFile = (file: (req: RestRequest) => DaemonFileRef) => async (req: RestRequest): Promise<RestResponse> => {
    const tmId = req.pathParams.taskmanagerid ?? '';
    const gateway = taskManagers();
    return translate(
      () => fileResponse((offset, max) => gateway.requestTaskManagerFileChunk(tmId, file(req), offset, max), parseRangeHeader(req.raw.headers.range)),
      `TaskManager ${tmId}`,
    );
  };
  const custom = (req: RestRequest): DaemonFileRef => ({ type: 'CUSTOM', name: req.pathParams.filename ?? '' });

  return [
    { method: 'GET', path: '/jobmanager/log', handler: jmFile(() => ({ type: 'LOG' })) },
    { method: 'GET', path: '/jobmanager/stdout', handler: jmFile(() => ({ type: 'STDOUT' })) },
    // Flink lists nothing (not an error) when the JobManager has no log file.
    { method: 'GET', path: '/jobmanager/logs', handler: async () => ({ status: 200, body: { logs: await jm.list() } }) },
    { method: 'GET', path: '/jobmanager/logs/:filename', handler: jmFile(custom) },
    { method: 'GET', path: '/taskmanagers/:taskmanagerid/log', handler: tmFile(() => ({ type: 'LOG' })) },
    { method: 'GET', path: '/taskmanagers/:taskmanagerid/stdout', handler: tmFile(() => ({ type: 'STDOUT' })) },
    {
      method: 'GET',
      path: '/taskmanagers/:taskmanagerid/logs',
      handler: async (req) => {
        const tmId = req.pathParams.taskmanagerid ?? '';
        const gateway = taskManagers();
        return translate(async () => {
          const logs = await gateway.requestTaskManagerLogList(tmId);
          // Flink answers 404 for a TaskManager without log files (no log directory).
          if (logs.length === 0) {
            throw notFound(
              `TaskManager ${tmId} has no log files: it was started without a log file (FLINK_LOG_FILE is not set, as for ` +
                'one of an embedded local cluster or one started with start-foreground). Start it with bin/taskmanager.sh start ' +
                '(or bin/start-cluster.sh) to list and read its files here.',
            );
          }
          return { status: 200, body: { logs } };
        }, `TaskManager ${tmId}`);
      },
    },
    { method: 'GET', path: '/taskmanagers/:taskmanagerid/logs/:filename', handler: tmFile(custom) },
  ];
}

/** Runs a handler body, answering 404 for a missing file or TaskManager and naming the TaskManager otherwise. */
async function translate(run: () => Promise<RestResponse>, from?: string): Promise<RestResponse> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof RestHandlerError) throw err;
    const code = (err as { code?: unknown }).code;
    const message = err instanceof Error ? err.message : String(err);
    if (typeof code === 'string' && NOT_FOUND_CODES.has(code)) throw new RestHandlerError(404, message, { cause: err });
    // Lost connections and timeouts: Flink's "Failed to transfer file from TaskExecutor <id>." with the reason.
    if (from !== undefined) throw new RestHandlerError(500, `Failed to transfer file from ${from}: ${message}`, { cause: err });
    throw err;
  }
}
