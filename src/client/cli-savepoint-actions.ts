/**
 * The savepoint actions of `bin/flink`: `savepoint <Job ID> [<dir>]`, `savepoint -d <path>`, `stop [-p [<dir>]]
 * [-d] <Job ID>` and the deprecated `cancel -s [<dir>] <Job ID>`. They print Flink 1.20's lines, trigger the
 * operation over REST and poll it for at most `client.timeout`.
 */
import { ClientOptions } from '../config/index.js';
import type { SavepointFormatType } from '../rest/index.js';
import { UsageError } from '../util/errors.js';
import { awaitOperation } from './await-operation.js';
import { SAVEPOINT_OPTIONS, STOP_OPTIONS } from './cli-help.js';
import { clientPath } from './client-paths.js';
import { CliActionError, clusterClient, loadConfig, parse, parseJobId, type Action, type CliIo } from './cli-common.js';
import type { CommandLine } from './cli-options.js';
import type { RestClient } from './rest-client.js';
import { yarnRunOptions } from './yarn-cli-options.js';

/** `-type canonical|native` (any case), CANONICAL by default. */
function formatTypeOf(cl: CommandLine): SavepointFormatType {
  const raw = cl.value('type');
  if (raw === undefined) return 'CANONICAL';
  const upper = raw.trim().toUpperCase();
  if (upper === 'CANONICAL' || upper === 'NATIVE') return upper;
  throw new UsageError(`Invalid savepoint format type '${raw}'. Use -type canonical or -type native.`);
}

/** A job id argument; Flink's "Missing JobId" when there is none. */
function requiredJobId(value: string | undefined): string {
  if (value === undefined) throw new UsageError('Missing JobId');
  return parseJobId(value);
}

/** What the cluster needs to run the action: the client and how long to wait. */
async function cluster(cl: CommandLine, io: CliIo): Promise<{ client: RestClient; timeoutMs: number }> {
  const conf = loadConfig(cl, io);
  return { client: await clusterClient(cl, io, conf), timeoutMs: conf.get(ClientOptions.CLIENT_TIMEOUT) };
}

/** Polls a savepoint until it completed; resolves with its directory. */
function awaitSavepoint(client: RestClient, jobId: string, triggerId: string, timeoutMs: number): Promise<string> {
  return awaitOperation(
    () => client.savepointStatus(jobId, triggerId),
    timeoutMs,
    `The savepoint of job ${jobId}`,
    `It may still complete: ask GET /jobs/${jobId}/savepoints/${triggerId}, or raise client.timeout (-D client.timeout=5min).`,
  );
}

const dispose = async (cl: CommandLine, io: CliIo, given: string): Promise<void> => {
  const path = clientPath(given);
  io.out(`Disposing savepoint '${path}'.`);
  const { client, timeoutMs } = await cluster(cl, io);
  // As Flink's CLI: the request goes out, then "Waiting for response..." whatever its answer will be.
  const triggered = client.disposeSavepoint(path);
  io.out('Waiting for response...');
  try {
    const triggerId = await triggered;
    await awaitOperation(
      () => client.savepointDisposalStatus(triggerId),
      timeoutMs,
      `Disposing savepoint '${path}'`,
      `It may still complete: ask GET /savepoint-disposal/${triggerId}.`,
    );
  } catch (err) {
    throw new CliActionError(`Failed to dispose the savepoint '${path}'.`, err);
  }
  io.out(`Savepoint '${path}' disposed.`);
};

export const savepoint: Action = async (args, io) => {
  const cl = parse('savepoint', [...SAVEPOINT_OPTIONS, ...yarnRunOptions()], args, false, io);
  if (!cl) return;
  const disposePath = cl.value('d');
  if (cl.has('d')) {
    if (disposePath === undefined || disposePath.trim() === '') {
      throw new UsageError('Missing required argument: savepoint path. Usage: bin/flink savepoint -d <savepoint-path>');
    }
    return dispose(cl, io, disposePath);
  }
  const [rawJobId, rawTarget, ...extra] = cl.args;
  if (rawJobId === undefined) throw new UsageError('Missing JobID. Specify a Job ID to trigger a savepoint.');
  const jobId = parseJobId(rawJobId);
  const targetDirectory = rawTarget === undefined ? undefined : clientPath(rawTarget);
  if (extra.length > 0) io.out('Provided more arguments than required. Ignoring not needed arguments.');
  const formatType = formatTypeOf(cl);
  const { client, timeoutMs } = await cluster(cl, io);
  const request = { ...(targetDirectory === undefined ? {} : { targetDirectory }), cancelJob: false, formatType };

  if (cl.has('detached')) {
    io.out(`Triggering savepoint in detached mode for job ${jobId}.`);
    let triggerId: string;
    try {
      triggerId = await client.triggerSavepoint(jobId, request);
    } catch (err) {
      throw new CliActionError(`Triggering a detached savepoint for the job ${jobId} failed.`, err);
    }
    io.out(`Successfully trigger manual savepoint, triggerId: ${triggerId}`);
    return;
  }
  io.out(`Triggering savepoint for job ${jobId}.`);
  let path: string;
  const triggered = client.triggerSavepoint(jobId, request);
  io.out('Waiting for response...');
  try {
    path = await awaitSavepoint(client, jobId, await triggered, timeoutMs);
  } catch (err) {
    throw new CliActionError(`Failed to trigger a savepoint for the job ${jobId}.`, err);
  }
  io.out(`Savepoint completed. Path: ${path}`);
  io.out('You can resume your program from this savepoint with the run command.');
};

export const stop: Action = async (args, io) => {
  const cl = parse('stop', [...STOP_OPTIONS, ...yarnRunOptions()], args, false, io);
  if (!cl) return;
  // Flink's reading: with a job id argument, -p's value is the directory; without one, -p's value is the job id.
  const pValue = cl.value('p');
  const [rawJobId] = cl.args;
  const jobId = requiredJobId(rawJobId ?? pValue);
  const targetDirectory = cl.has('p') && rawJobId !== undefined && pValue !== undefined ? clientPath(pValue) : undefined;
  const drain = cl.has('d');
  const formatType = formatTypeOf(cl);
  io.out(`${drain ? 'Draining job ' : 'Suspending job '}"${jobId}" with a ${formatType} savepoint.`);
  const { client, timeoutMs } = await cluster(cl, io);
  const request = { ...(targetDirectory === undefined ? {} : { targetDirectory }), drain, formatType };

  if (cl.has('detached')) {
    io.out(`Triggering stop-with-savepoint in detached mode for job ${jobId}.`);
    let triggerId: string;
    try {
      triggerId = await client.stopWithSavepoint(jobId, request);
    } catch (err) {
      throw new CliActionError(`Could not stop with a detached savepoint job "${jobId}".`, err);
    }
    io.out(`Successfully trigger stop-with-savepoint in detached mode, triggerId: ${triggerId}`);
    return;
  }
  io.out(`Triggering stop-with-savepoint for job ${jobId}.`);
  let path: string;
  const triggered = client.stopWithSavepoint(jobId, request);
  io.out('Waiting for response...');
  try {
    path = await awaitSavepoint(client, jobId, await triggered, timeoutMs);
  } catch (err) {
    throw new CliActionError(`Could not stop with a savepoint job "${jobId}".`, err);
  }
  io.out(`Savepoint completed. Path: ${path}`);
};

/** `cancel -s [<dir>] <Job ID>`: Flink's deprecated cancel-with-savepoint, a savepoint with cancel-job=true. */
export async function cancelWithSavepoint(cl: CommandLine, io: CliIo): Promise<void> {
  io.out('DEPRECATION WARNING: Cancelling a job with savepoint is deprecated. Use "stop" instead.');
  const sValue = cl.value('s');
  const [rawJobId] = cl.args;
  const jobId = requiredJobId(rawJobId ?? sValue);
  const targetDirectory = rawJobId !== undefined && sValue !== undefined ? clientPath(sValue) : undefined;
  const formatType = formatTypeOf(cl);
  io.out(
    targetDirectory === undefined
      ? `Cancelling job ${jobId} with ${formatType} savepoint to default savepoint directory.`
      : `Cancelling job ${jobId} with ${formatType} savepoint to ${targetDirectory}.`,
  );
  const { client, timeoutMs } = await cluster(cl, io);
  let path: string;
  try {
    const request = { ...(targetDirectory === undefined ? {} : { targetDirectory }), cancelJob: true, formatType };
    const triggerId = await client.triggerSavepoint(jobId, request);
    path = await awaitSavepoint(client, jobId, triggerId, timeoutMs);
  } catch (err) {
    throw new CliActionError(`Could not cancel job ${jobId}.`, err);
  }
  io.out(`Cancelled job ${jobId}. Savepoint stored in ${path}.`);
}
