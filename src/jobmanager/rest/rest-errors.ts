/**
 * How REST handlers fail: a {@link RestHandlerError} carries the HTTP status and Flink's `errors` list; anything
 * else a handler throws (mostly gateway rejections) is translated by {@link toRestFailure}.
 */
import { FlinkError, formatErrorChain, serializeError } from '../../util/errors.js';

export class RestHandlerError extends FlinkError {
  readonly status: number;
  readonly errors: string[];

  constructor(status: number, errors: string | string[], options: { cause?: unknown } = {}) {
    const list = Array.isArray(errors) ? errors : [errors];
    super('REST_HANDLER', list.join(' '), options);
    this.status = status;
    this.errors = list;
  }
}

export function badRequest(message: string): RestHandlerError {
  return new RestHandlerError(400, message);
}

export function notFound(message: string): RestHandlerError {
  return new RestHandlerError(404, message);
}

/** Gateway error names (and codes) that mean something specific to a REST caller. */
const STATUS_BY_ERROR_NAME: Readonly<Record<string, number>> = {
  FlinkJobNotFoundException: 404,
  JOB_NOT_FOUND: 404,
  FlinkJobTerminatedWithoutCancellationException: 409,
  DuplicateJobSubmissionException: 409,
  USAGE: 400,
  UsageError: 400,
  // A program that cannot be planned is the submitter's to fix.
  PROGRAM_PARSE: 400,
  PROGRAM_NOT_FOUND: 404,
  PROGRAM_MISSING_JOB: 400,
  PROGRAM_INVOCATION: 400,
  BAD_PROGRAM_FILE: 400,
  INVALID_JOB_GRAPH: 400,
  JOB_NOT_RUNNING: 409,
  WEB_SUBMIT_DISABLED: 403,
  // A job's own -D settings that do not parse.
  CONFIG_INVALID: 400,
};

export interface RestFailure {
  status: number;
  errors: string[];
  /** Internal failures get logged; expected ones (404, 400) do not. */
  internal: boolean;
}

/**
 * Maps a handler failure to Flink's error response. A job-not-found rejection becomes
 * `404 {"errors":["Job <id> not found"]}` when the handler passes the job id it was asked about.
 */
export function toRestFailure(err: unknown, jobId?: string): RestFailure {
  if (err instanceof RestHandlerError) return { status: err.status, errors: err.errors, internal: false };
  const name = errorField(err, 'name');
  const code = errorField(err, 'code');
  const status = (name !== undefined ? STATUS_BY_ERROR_NAME[name] : undefined) ??
    (code !== undefined ? STATUS_BY_ERROR_NAME[code] : undefined);
  const message = errorField(err, 'message') ?? String(err);
  if (status === 404 && jobId !== undefined) return { status, errors: [`Job ${jobId} not found`], internal: false };
  if (status !== undefined) return { status, errors: [message], internal: false };
  return { status: 500, errors: ['Internal server error.', describeInternal(err)], internal: true };
}

function describeInternal(err: unknown): string {
  if (err instanceof Error) return formatErrorChain(serializeError(err));
  const message = errorField(err, 'message');
  const name = errorField(err, 'name');
  if (message !== undefined) return name !== undefined ? `${name}: ${message}` : message;
  return String(err);
}

function errorField(err: unknown, key: 'name' | 'code' | 'message'): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const v = (err as Record<string, unknown>)[key];
  return typeof v === 'string' ? v : undefined;
}
