/**
 * Handlers under `/jars`: upload a program, list, run and delete uploaded programs (Flink's web-submission API).
 */
import { join } from 'node:path';
import type { ProgramRunRequest, UploadedProgram } from '../dispatcher/dispatcher-gateway.js';
import type { HandlerContext } from './handler-context.js';
import { parameterError } from './job-handlers.js';
import { receiveMultipart } from './multipart.js';
import { badRequest } from './rest-errors.js';
import type { RestRequest, RestResponse, Route } from './router.js';

/** Extensions of the job files flink-ts can run (a bundled module, or TypeScript bundled on the cluster). */
const PROGRAM_EXTENSIONS = ['.js', '.mjs', '.cjs', '.ts', '.mts', '.cts'];
const JOB_ID = /^[0-9a-fA-F]{32}$/;

/**
 * Splits `programArgs` the way a shell would: whitespace separates, single quotes are literal, double quotes
 * allow `\"` and `\\`, a backslash outside quotes escapes the next character.
 */
export function tokenizeArguments(input: string): string[] {
  const tokens: string[] = [];
  let cur = '';
  let inToken = false;
  let i = 0;
  while (i < input.length) {
    const c = input[i] as string;
    if (/\s/.test(c)) {
      if (inToken) tokens.push(cur);
      cur = '';
      inToken = false;
      i++;
    } else if (c === "'") {
      const end = input.indexOf("'", i + 1);
      if (end < 0) throw badRequest(`Unterminated single quote in programArgs: ${input}`);
      cur += input.slice(i + 1, end);
      inToken = true;
      i = end + 1;
    } else if (c === '"') {
      i++;
      let closed = false;
      while (i < input.length) {
        const d = input[i] as string;
        if (d === '\\' && (input[i + 1] === '"' || input[i + 1] === '\\')) {
          cur += input[i + 1];
          i += 2;
        } else if (d === '"') {
          closed = true;
          i++;
          break;
        } else {
          cur += d;
          i++;
        }
      }
      if (!closed) throw badRequest(`Unterminated double quote in programArgs: ${input}`);
      inToken = true;
    } else if (c === '\\' && i + 1 < input.length) {
      cur += input[i + 1];
      inToken = true;
      i += 2;
    } else {
      cur += c;
      inToken = true;
      i++;
    }
  }
  if (inToken) tokens.push(cur);
  return tokens;
}

type Body = Record<string, unknown>;

/** A request field from the JSON body, else from the query (Flink prefers the body). */
function pick(body: Body, req: RestRequest, keys: readonly string[]): unknown {
  for (const k of keys) if (body[k] !== undefined && body[k] !== null) return body[k];
  for (const k of keys) {
    const q = req.query.get(k);
    if (q !== null) return q;
  }
  return undefined;
}

function asString(v: unknown, key: string): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw parameterError(`${key} must be a string.`);
  return v;
}

function asPositiveInt(v: unknown, key: string): number | undefined {
  if (v === undefined || v === '') return undefined;
  const n = typeof v === 'number' ? v : Number(v);
  if (!Number.isInteger(n) || n < 1) throw parameterError(`${key} must be a positive integer, got "${String(v)}".`);
  return n;
}

function asBoolean(v: unknown, key: string): boolean | undefined {
  if (v === undefined) return undefined;
  if (typeof v === 'boolean') return v;
  if (v === 'true') return true;
  if (v === 'false') return false;
  throw parameterError(`${key} must be true or false, got "${String(v)}".`);
}

export function parseRunRequest(body: Body, req: RestRequest): ProgramRunRequest {
  const argsString = asString(pick(body, req, ['programArgs', 'program-args']), 'programArgs');
  let argsList: string[] | undefined;
  const listFromBody = body.programArgsList;
  if (listFromBody !== undefined && listFromBody !== null) {
    if (!Array.isArray(listFromBody) || !listFromBody.every((a) => typeof a === 'string')) {
      throw parameterError('programArgsList must be a list of strings.');
    }
    argsList = listFromBody;
  } else {
    const fromQuery = [...req.query.getAll('programArgsList'), ...req.query.getAll('programArg')];
    if (fromQuery.length > 0) argsList = fromQuery.flatMap((a) => a.split(','));
  }
  if (argsString !== undefined && argsList !== undefined) {
    throw badRequest(
      'Confusing request: programArgs and programArgsList are specified, please, use only programArgsList',
    );
  }
  const out: ProgramRunRequest = { programArgs: argsList ?? (argsString ? tokenizeArguments(argsString) : []) };
  const parallelism = asPositiveInt(pick(body, req, ['parallelism']), 'parallelism');
  if (parallelism !== undefined) out.parallelism = parallelism;
  const savepointPath = asString(pick(body, req, ['savepointPath']), 'savepointPath');
  if (savepointPath) out.savepointPath = savepointPath;
  const allow = asBoolean(pick(body, req, ['allowNonRestoredState']), 'allowNonRestoredState');
  if (allow !== undefined) out.allowNonRestoredState = allow;
  const entryClass = asString(pick(body, req, ['entryClass', 'entry-class']), 'entryClass');
  if (entryClass) out.entryClass = entryClass;
  const jobId = asString(pick(body, req, ['jobId']), 'jobId');
  if (jobId) {
    if (!JOB_ID.test(jobId)) {
      throw parameterError(`Cannot parse JobID from "${jobId}". The expected format is [0-9a-fA-F]{32}.`);
    }
    out.jobId = jobId.toLowerCase();
  }
  return out;
}

export function jarRoutes(ctx: HandlerContext): Route[] {
  const { gateway } = ctx;

  const findProgram = async (req: RestRequest): Promise<UploadedProgram> => {
    const id = req.pathParams.jarid ?? '';
    const program = /[/\\]|^\.\.?$/.test(id) ? undefined : (await gateway.listPrograms()).find((p) => p.id === id);
    if (!program) throw badRequest(`Jar file ${join(ctx.uploadDir, id)} does not exist`);
    return program;
  };

  const upload = async (req: RestRequest): Promise<RestResponse> => {
    // Admitted before the body is read: a full upload store refuses at once instead of after 100 MB.
    const reservation = await ctx.uploadQuota.admit(Number(req.raw.headers['content-length'] ?? 0) || 0);
    try {
      const multipart = await receiveMultipart(req.raw, {
        uploadDir: ctx.uploadDir,
        maxContentLength: ctx.maxContentLength,
        onProgress: (received) => reservation.grow(received),
      });
      try {
        const [file, ...more] = multipart.files;
        if (!file || more.length > 0) {
          throw badRequest(`Exactly 1 file must be sent, received ${multipart.files.length}.`);
        }
        const lower = file.fileName.toLowerCase();
        if (!PROGRAM_EXTENSIONS.some((ext) => lower.endsWith(ext))) {
          throw badRequest(`Only job files (${PROGRAM_EXTENSIONS.join(', ')}) are allowed; got ${file.fileName}.`);
        }
        // The file moves from the request's temporary directory into the store; it is never read into memory.
        const program = await ctx.uploadQuota.commit(reservation, () => gateway.uploadProgram(file.fileName, file.path));
        return { status: 200, body: { filename: join(ctx.uploadDir, program.id), status: 'success' } };
      } finally {
        await multipart.dispose();
      }
    } finally {
      reservation.release();
    }
  };

  return [
    { method: 'POST', path: '/jars/upload', handler: upload },
    {
      method: 'GET',
      path: '/jars',
      handler: async () => ({
        status: 200,
        body: {
          address: ctx.url(),
          files: (await gateway.listPrograms()).map((p) => ({
            id: p.id,
            name: p.name,
            uploaded: p.uploaded,
            entry: [],
          })),
        },
      }),
    },
    {
      method: 'POST',
      path: '/jars/:jarid/run',
      handler: async (req) => {
        const raw = await req.jsonBody('JarRunRequestBody');
        if (raw !== undefined && (typeof raw !== 'object' || raw === null || Array.isArray(raw))) {
          throw badRequest('Request did not match expected format JarRunRequestBody.');
        }
        const runRequest = parseRunRequest((raw ?? {}) as Body, req);
        const program = await findProgram(req);
        const { jobId } = await gateway.runProgram(program.id, runRequest);
        return { status: 200, body: { jobid: jobId } };
      },
    },
    {
      method: 'DELETE',
      path: '/jars/:jarid',
      handler: async (req) => {
        const id = req.pathParams.jarid ?? '';
        const exists = !/[/\\]|^\.\.?$/.test(id) && (await gateway.listPrograms()).some((p) => p.id === id);
        if (!exists) throw badRequest(`File ${id} does not exist in ${ctx.uploadDir}.`);
        await gateway.deleteProgram(id);
        return { status: 200, body: {} };
      },
    },
  ];
}
