/**
 * Handlers under `/jobs`: listing, details, cancellation, failures, results, plan, config and submission.
 */
import { readFile } from 'node:fs/promises';
import type { JobSubmitRequestBody } from '../../rest/index.js';
import type { JobDetails } from '../dispatcher/dispatcher-gateway.js';
import type { HandlerContext } from './handler-context.js';
import {
  executionResultJson,
  jobAccumulatorsJson,
  jobConfigJson,
  jobDetailsJson,
  jobExceptionsJson,
  jobOverviewJson,
  jobVertexDetailsJson,
  jobVertexWatermarksJson,
  subtasksTimesJson,
} from './json-format.js';
import { receiveMultipart, type UploadedFile } from './multipart.js';
import { RestHandlerError, badRequest, notFound, toRestFailure } from './rest-errors.js';
import type { RestRequest, RestResponse, Route } from './router.js';

const JOB_ID = /^[0-9a-fA-F]{32}$/;
const VERTEX_ID = /^[0-9a-fA-F]{32}$/;
const DEFAULT_MAX_EXCEPTIONS = 20;

export function parameterError(message: string): RestHandlerError {
  return badRequest(`Bad request, could not parse parameters: ${message}`);
}

/** The `:jobid` path parameter, checked the way Flink parses a JobID. */
export function jobIdParam(req: RestRequest): string {
  const value = req.pathParams.jobid ?? '';
  if (!JOB_ID.test(value)) throw parameterError(`Cannot resolve path parameter (jobid) from value "${value}".`);
  return value.toLowerCase();
}

/** The `:vertexid` path parameter, checked the way Flink parses a JobVertexID. */
export function vertexIdParam(req: RestRequest): string {
  const value = req.pathParams.vertexid ?? '';
  if (!VERTEX_ID.test(value)) throw parameterError(`Cannot resolve path parameter (vertexid) from value "${value}".`);
  return value.toLowerCase();
}

/** Runs a gateway call about one job, turning "job not found" into Flink's 404 answer. */
export async function forJob<T>(jobId: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    const failure = toRestFailure(err, jobId);
    if (failure.internal) throw err;
    throw new RestHandlerError(failure.status, failure.errors, { cause: err });
  }
}

export function jobRoutes(ctx: HandlerContext): Route[] {
  const { gateway } = ctx;

  const cancel = async (req: RestRequest): Promise<RestResponse> => {
    const jobId = jobIdParam(req);
    const mode = req.query.get('mode') ?? 'cancel';
    if (mode !== 'cancel') {
      throw parameterError(`Termination mode '${mode}' is not supported; use mode=cancel.`);
    }
    await forJob(jobId, () => gateway.cancelJob(jobId));
    return { status: 202, body: {} };
  };

  return [
    {
      method: 'GET',
      path: '/jobs',
      handler: async () => ({
        status: 200,
        body: { jobs: (await gateway.listJobs()).map((j) => ({ id: j.jobId, status: j.status })) },
      }),
    },
    {
      method: 'GET',
      path: '/jobs/overview',
      handler: async () => {
        const jobs = await gateway.jobsOverview();
        const now = ctx.now();
        return { status: 200, body: { jobs: jobs.map((j) => jobOverviewJson(j, now)) } };
      },
    },
    { method: 'POST', path: '/jobs', handler: (req) => submitJob(ctx, req) },
    {
      method: 'GET',
      path: '/jobs/:jobid',
      handler: async (req) => {
        const jobId = jobIdParam(req);
        const job = await forJob(jobId, () => gateway.jobDetails(jobId));
        return { status: 200, body: jobDetailsJson(job, ctx.now()) };
      },
    },
    {
      method: 'GET',
      path: '/jobs/:jobid/status',
      handler: async (req) => {
        const jobId = jobIdParam(req);
        const job = await forJob(jobId, () => gateway.jobDetails(jobId));
        return { status: 200, body: { status: job.status } };
      },
    },
    {
      method: 'GET',
      path: '/jobs/:jobid/accumulators',
      handler: async (req) => {
        const jobId = jobIdParam(req);
        const includeSerialized = booleanQuery(req, 'includeSerializedValue') ?? false;
        const accumulators = await forJob(jobId, () => gateway.jobAccumulators(jobId));
        return { status: 200, body: jobAccumulatorsJson(accumulators, includeSerialized) };
      },
    },
    {
      method: 'GET',
      path: '/jobs/:jobid/vertices/:vertexid',
      handler: async (req) => {
        const jobId = jobIdParam(req);
        const vertexId = vertexIdParam(req);
        const vertex = await forJob(jobId, () => gateway.jobVertexDetails(jobId, vertexId));
        if (!vertex) throw notFound(`Job ${jobId} has no vertex ${vertexId}.`);
        return { status: 200, body: jobVertexDetailsJson(vertex, ctx.now()) };
      },
    },
    {
      method: 'GET',
      path: '/jobs/:jobid/vertices/:vertexid/watermarks',
      handler: async (req) => {
        const jobId = jobIdParam(req);
        const vertexId = vertexIdParam(req);
        const vertex = await forJob(jobId, () => gateway.jobVertexDetails(jobId, vertexId));
        if (!vertex) throw notFound(`Job ${jobId} has no vertex ${vertexId}.`);
        return { status: 200, body: jobVertexWatermarksJson(vertex) };
      },
    },
    {
      method: 'GET',
      path: '/jobs/:jobid/vertices/:vertexid/subtasktimes',
      handler: async (req) => {
        const jobId = jobIdParam(req);
        const vertexId = vertexIdParam(req);
        const vertex = await forJob(jobId, () => gateway.jobVertexDetails(jobId, vertexId));
        if (!vertex) throw notFound(`Job ${jobId} has no vertex ${vertexId}.`);
        return { status: 200, body: subtasksTimesJson(vertex, ctx.now()) };
      },
    },
    { method: 'PATCH', path: '/jobs/:jobid', handler: cancel },
    // Flink keeps this for clients (YARN's proxy) that cannot send PATCH.
    { method: 'GET', path: '/jobs/:jobid/yarn-cancel', handler: cancel },
    {
      method: 'GET',
      path: '/jobs/:jobid/exceptions',
      handler: async (req) => {
        const jobId = jobIdParam(req);
        const max = positiveIntQuery(req, 'maxExceptions') ?? DEFAULT_MAX_EXCEPTIONS;
        const ex = await forJob(jobId, () => gateway.jobExceptions(jobId));
        return { status: 200, body: jobExceptionsJson(ex, max) };
      },
    },
    {
      method: 'GET',
      path: '/jobs/:jobid/execution-result',
      handler: async (req) => {
        const jobId = jobIdParam(req);
        const result = await forJob(jobId, () => gateway.jobExecutionResult(jobId));
        return { status: 200, body: executionResultJson(result) };
      },
    },
    {
      method: 'GET',
      path: '/jobs/:jobid/plan',
      handler: async (req) => {
        const jobId = jobIdParam(req);
        const job: JobDetails = await forJob(jobId, () => gateway.jobDetails(jobId));
        return { status: 200, body: { plan: job.plan } };
      },
    },
    {
      method: 'GET',
      path: '/jobs/:jobid/iterations',
      handler: async (req) => {
        const jobId = jobIdParam(req);
        const job: JobDetails = await forJob(jobId, () => gateway.jobDetails(jobId));
        return { status: 200, body: { iterations: job.iterations ?? [] } };
      },
    },
    {
      method: 'GET',
      path: '/jobs/:jobid/config',
      handler: async (req) => {
        const jobId = jobIdParam(req);
        const [job, config] = await forJob(jobId, () =>
          Promise.all([gateway.jobDetails(jobId), gateway.jobConfig(jobId)]),
        );
        return { status: 200, body: jobConfigJson(jobId, job.name, config) };
      },
    },
  ];
}

export function positiveIntQuery(req: RestRequest, key: string): number | undefined {
  const raw = req.query.get(key);
  if (raw === null || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) {
    throw parameterError(`Cannot resolve query parameter (${key}) from value "${raw}".`);
  }
  return n;
}

function booleanQuery(req: RestRequest, key: string): boolean | undefined {
  const raw = req.query.get(key);
  if (raw === null || raw === '') return undefined;
  if (raw === 'true' || raw === 'false') return raw === 'true';
  throw parameterError(`Cannot resolve query parameter (${key}) from value "${raw}".`);
}

function parseSubmitRequest(raw: string | undefined): JobSubmitRequestBody {
  const invalid = (): RestHandlerError => badRequest('Request did not match expected format JobSubmitRequestBody.');
  if (raw === undefined) throw badRequest('Request did not contain the form field "request" (JobSubmitRequestBody).');
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw invalid();
  }
  if (typeof parsed !== 'object' || parsed === null) throw invalid();
  const body = parsed as Record<string, unknown>;
  const jobGraphFileName = body.jobGraphFileName;
  const jars = body.jobJarFileNames ?? [];
  const artifacts = body.jobArtifactFileNames ?? [];
  if (typeof jobGraphFileName !== 'string' || !isStringArray(jars) || !Array.isArray(artifacts)) throw invalid();
  const artifactList = artifacts.map((a: unknown) => {
    const entry = a as Record<string, unknown> | null;
    if (typeof entry?.entryName !== 'string' || typeof entry.fileName !== 'string') throw invalid();
    return { entryName: entry.entryName, fileName: entry.fileName };
  });
  return { jobGraphFileName, jobJarFileNames: jars, jobArtifactFileNames: artifactList };
}

function isStringArray(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((x) => typeof x === 'string');
}

function findUpload(files: UploadedFile[], type: string, fileName: string): UploadedFile {
  const file = files.find((f) => f.fileName === fileName);
  if (!file) throw badRequest(`${type} file ${fileName} could not be found on the server.`);
  return file;
}

/** A JobGraph is a plan (operators, edges, arguments), not data: a few KiB in practice. */
const MAX_JOB_GRAPH_BYTES = 16 * 1024 * 1024;

async function submitJob(ctx: HandlerContext, req: RestRequest): Promise<RestResponse> {
  const upload = await receiveMultipart(req.raw, { uploadDir: ctx.uploadDir, maxContentLength: ctx.maxContentLength });
  try {
    const body = parseSubmitRequest(upload.fields.get('request'));
    const graphFile = findUpload(upload.files, 'JobGraph', body.jobGraphFileName);
    const jars = body.jobJarFileNames.map((name) => findUpload(upload.files, 'Jar', name));
    for (const a of body.jobArtifactFileNames) findUpload(upload.files, 'Artifact', a.fileName);
    const bundleFile = jars[0];
    if (!bundleFile) throw badRequest('The job submission carries no job bundle: jobJarFileNames is empty.');

    if (graphFile.size > MAX_JOB_GRAPH_BYTES) {
      // Parsed in memory, unlike the bundle: parallel submissions of huge graphs would fill the heap.
      throw new RestHandlerError(413, `The JobGraph file ${graphFile.fileName} has ${graphFile.size} bytes; at most ${MAX_JOB_GRAPH_BYTES} are accepted.`);
    }
    let jobGraph: unknown;
    try {
      jobGraph = JSON.parse(await readFile(graphFile.path, 'utf8'));
    } catch {
      throw badRequest('Failed to deserialize JobGraph.');
    }
    let jobId: string;
    try {
      // The bundle stays on disk; the dispatcher copies it into the blob store chunk by chunk.
      const bundle = { fileName: bundleFile.fileName, path: bundleFile.path };
      ({ jobId } = await ctx.gateway.submitJob({ jobGraph, bundle }));
    } catch (err) {
      const failure = toRestFailure(err);
      const errors = failure.internal ? ['Failed to submit job.', ...failure.errors.slice(1)] : failure.errors;
      throw new RestHandlerError(failure.status, errors, { cause: err });
    }
    return { status: 202, body: { jobUrl: `/jobs/${jobId}` } };
  } finally {
    await upload.dispose();
  }
}
