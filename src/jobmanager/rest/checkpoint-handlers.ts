/**
 * Handlers for checkpoints and savepoints: the checkpoint statistics and settings of a job, savepoints and
 * stop-with-savepoint (triggered, then polled by trigger id), and savepoint disposal. Messages of the 4xx
 * answers are Flink's, so scripts written against Flink read the same text.
 */
import { CheckpointingOptions } from '../../config/index.js';
import { serializedThrowableJson } from '../../rest/index.js';
import type * as rest from '../../rest/index.js';
import type { OperationStatus, SavepointTriggerRequest } from '../dispatcher/dispatcher-gateway.js';
import { checkpointConfigJson, checkpointingStatisticsJson, checkpointJson, taskCheckpointDetailsJson } from './checkpoint-json.js';
import type { HandlerContext } from './handler-context.js';
import { forJob, jobIdParam, parameterError, vertexIdParam } from './job-handlers.js';
import { RestHandlerError, badRequest, notFound, toRestFailure } from './rest-errors.js';
import type { RestRequest, RestResponse, Route } from './router.js';

const TRIGGER_ID = /^[0-9a-fA-F]{32}$/;
const CHECKPOINT_ID = /^-?\d{1,19}$/;
const FORMAT_TYPES: ReadonlySet<string> = new Set(['CANONICAL', 'NATIVE']);

function codeOf(err: unknown): string | undefined {
  const c = (err as { code?: unknown } | null)?.code;
  return typeof c === 'string' ? c : undefined;
}

/** A job's checkpoint call; a job without checkpoints (batch) answers 404 with the endpoint's own message. */
function checkpointCall<T>(jobId: string, disabledMessage: string, call: () => Promise<T>): Promise<T> {
  return forJob(jobId, () =>
    call().catch((err: unknown) => {
      throw codeOf(err) === 'CHECKPOINTING_DISABLED' ? notFound(disabledMessage) : err;
    }),
  );
}

function checkpointIdParam(req: RestRequest): number {
  const value = req.pathParams.checkpointid ?? '';
  const n = Number(value);
  if (!CHECKPOINT_ID.test(value) || !Number.isSafeInteger(n)) {
    throw parameterError(`Cannot resolve path parameter (checkpointid) from value "${value}".`);
  }
  return n;
}

function triggerIdParam(req: RestRequest): string {
  const value = req.pathParams.triggerid ?? '';
  if (!TRIGGER_ID.test(value)) throw parameterError(`Cannot resolve path parameter (triggerid) from value "${value}".`);
  return value.toLowerCase();
}

/**
 * A JSON request body checked the way Flink's strict mapper reads it: an object with only the known fields, each
 * of its type or null. An empty body is an object without fields.
 */
async function requestBody(req: RestRequest, type: string, fields: Readonly<Record<string, 'string' | 'boolean'>>): Promise<Record<string, unknown>> {
  const body = (await req.jsonBody(type)) ?? {};
  const mismatch = (): RestHandlerError => badRequest(`Request did not match expected format ${type}.`);
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw mismatch();
  const record = body as Record<string, unknown>;
  for (const [k, v] of Object.entries(record)) {
    const expected = fields[k];
    if (expected === undefined || (v !== null && typeof v !== expected)) throw mismatch();
  }
  const format = record.formatType;
  const triggerId = record.triggerId;
  if ((typeof format === 'string' && !FORMAT_TYPES.has(format)) || (typeof triggerId === 'string' && !TRIGGER_ID.test(triggerId))) {
    throw mismatch();
  }
  return record;
}

const optionalString = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

function savepointRequest(
  body: Record<string, unknown>,
  target: unknown,
  then: SavepointTriggerRequest['then'],
): SavepointTriggerRequest {
  const triggerId = optionalString(body.triggerId)?.toLowerCase();
  return {
    targetDirectory: optionalString(target),
    then,
    formatType: body.formatType === 'NATIVE' ? 'NATIVE' : 'CANONICAL',
    triggerId,
  };
}

/** Trigger answers (202) carry the id to poll. */
function triggered(triggerId: string): RestResponse {
  const body: rest.TriggerResponse = { 'request-id': triggerId };
  return { status: 202, body };
}

function operationResult<T, R>(s: OperationStatus<T>, success: (result: T) => R): rest.AsynchronousOperationResult<R | { 'failure-cause': rest.SerializedThrowableJson }> {
  if (s.status === 'IN_PROGRESS') return { status: { id: 'IN_PROGRESS' }, operation: null };
  return {
    status: { id: 'COMPLETED' },
    operation: s.status === 'SUCCESS' ? success(s.result) : { 'failure-cause': serializedThrowableJson(s.error) },
  };
}

/** Gateway failures of a trigger or status call, with Flink's message where the condition has one. */
function operationFailure(err: unknown, jobId: string | undefined, targetField?: string): never {
  const code = codeOf(err);
  if (code === 'SAVEPOINT_DIRECTORY_MISSING' && targetField !== undefined) {
    throw badRequest(`Config key [${CheckpointingOptions.SAVEPOINT_DIRECTORY.key}] is not set. Property [${targetField}] must be provided.`);
  }
  if (code === 'UNKNOWN_OPERATION') throw notFound((err as Error).message);
  if (code === 'TOO_MANY_OPERATIONS') throw new RestHandlerError(503, (err as Error).message);
  const failure = toRestFailure(err, jobId);
  if (failure.internal) throw err;
  throw new RestHandlerError(failure.status, failure.errors, { cause: err });
}

export function checkpointRoutes(ctx: HandlerContext): Route[] {
  const { gateway } = ctx;

  const trigger = async (req: RestRequest, kind: 'savepoint' | 'stop'): Promise<RestResponse> => {
    const jobId = jobIdParam(req);
    let request: SavepointTriggerRequest;
    let targetField: string;
    if (kind === 'savepoint') {
      const body = await requestBody(req, 'SavepointTriggerRequestBody', {
        'target-directory': 'string',
        'cancel-job': 'boolean',
        formatType: 'string',
        triggerId: 'string',
      });
      targetField = 'target-directory';
      request = savepointRequest(body, body['target-directory'], body['cancel-job'] === true ? 'cancel' : 'continue');
    } else {
      const body = await requestBody(req, 'StopWithSavepointRequestBody', {
        targetDirectory: 'string',
        drain: 'boolean',
        formatType: 'string',
        triggerId: 'string',
      });
      targetField = 'targetDirectory';
      request = savepointRequest(body, body.targetDirectory, body.drain === true ? 'drain' : 'stop');
    }
    try {
      return triggered((await gateway.triggerSavepoint(jobId, request)).triggerId);
    } catch (err) {
      operationFailure(err, jobId, targetField);
    }
  };

  return [
    {
      method: 'GET',
      path: '/jobs/:jobid/checkpoints',
      handler: async (req) => {
        const jobId = jobIdParam(req);
        const stats = await checkpointCall(jobId, 'Checkpointing has not been enabled.', () => gateway.checkpointStatistics(jobId));
        return { status: 200, body: checkpointingStatisticsJson(stats) };
      },
    },
    {
      method: 'GET',
      path: '/jobs/:jobid/checkpoints/config',
      handler: async (req) => {
        const jobId = jobIdParam(req);
        const config = await checkpointCall(jobId, `Checkpointing is not enabled for this job (${jobId}).`, () => gateway.checkpointConfig(jobId));
        return { status: 200, body: checkpointConfigJson(config) };
      },
    },
    {
      method: 'GET',
      path: '/jobs/:jobid/checkpoints/details/:checkpointid',
      handler: async (req) => {
        const jobId = jobIdParam(req);
        const id = checkpointIdParam(req);
        const record = await checkpointCall(jobId, `Checkpointing was not enabled for job ${jobId}.`, () => gateway.checkpointDetails(jobId, id));
        if (!record) throw notFound(`Could not find checkpointing statistics for checkpoint ${id}.`);
        return { status: 200, body: checkpointJson(record, true) };
      },
    },
    {
      method: 'GET',
      path: '/jobs/:jobid/checkpoints/details/:checkpointid/subtasks/:vertexid',
      handler: async (req) => {
        const jobId = jobIdParam(req);
        const id = checkpointIdParam(req);
        const vertexId = vertexIdParam(req);
        const record = await checkpointCall(jobId, `Checkpointing was not enabled for job ${jobId}.`, () => gateway.checkpointDetails(jobId, id));
        if (!record) throw notFound(`Could not find checkpointing statistics for checkpoint ${id}.`);
        const task = record.tasks.find((t) => t.vertexId === vertexId);
        if (!task) throw notFound(`There is no checkpoint statistics for task ${vertexId}.`);
        return { status: 200, body: taskCheckpointDetailsJson(record, task) };
      },
    },
    { method: 'POST', path: '/jobs/:jobid/savepoints', handler: (req) => trigger(req, 'savepoint') },
    { method: 'POST', path: '/jobs/:jobid/stop', handler: (req) => trigger(req, 'stop') },
    {
      method: 'GET',
      path: '/jobs/:jobid/savepoints/:triggerid',
      handler: async (req) => {
        const jobId = jobIdParam(req);
        const triggerId = triggerIdParam(req);
        let status: OperationStatus<string>;
        try {
          status = await gateway.savepointStatus(jobId, triggerId);
        } catch (err) {
          operationFailure(err, jobId);
        }
        const body: rest.AsynchronousOperationResult<rest.SavepointInfo> = operationResult(status, (location) => ({ location }));
        return { status: 200, body };
      },
    },
    {
      method: 'POST',
      path: '/savepoint-disposal',
      handler: async (req) => {
        const body = await requestBody(req, 'SavepointDisposalRequest', { 'savepoint-path': 'string' });
        const path = optionalString(body['savepoint-path']);
        if (path === undefined) throw badRequest('Field savepoint-path must not be omitted or be null.');
        try {
          return triggered((await gateway.disposeSavepoint(path)).triggerId);
        } catch (err) {
          operationFailure(err, undefined);
        }
      },
    },
    {
      method: 'GET',
      path: '/savepoint-disposal/:triggerid',
      handler: async (req) => {
        const triggerId = triggerIdParam(req);
        let status: OperationStatus<void>;
        try {
          status = await gateway.savepointDisposalStatus(triggerId);
        } catch (err) {
          operationFailure(err, undefined);
        }
        const body: rest.AsynchronousOperationResult<rest.AsynchronousOperationInfo> = operationResult(status, () => ({}));
        return { status: 200, body };
      },
    },
  ];
}
