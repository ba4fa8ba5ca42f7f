/**
 * The dispatcher's side of savepoints: triggers run on the job's JobMaster and are registered under a trigger id
 * that clients poll (`GET /jobs/:jobid/savepoints/:triggerid`); disposals remove a savepoint directory through
 * the file system. Results are kept for `rest.async.store-duration`.
 */
import { randomBytes } from 'node:crypto';
import { CheckpointingOptions, Configuration } from '../../config/index.js';
import type { JobGraph } from '../../graph/index.js';
import { FlinkError } from '../../util/errors.js';
import type { SavepointRequest } from '../checkpoint/checkpoint-stats.js';
import { AsyncOperationRegistry, UnknownOperationError, type OperationStatus } from './async-operations.js';
import { disposeSavepointAt } from './savepoint-disposal.js';

/** A savepoint as a client asks for it (REST `POST /jobs/:jobid/savepoints` and `/stop`). */
export interface SavepointTriggerRequest {
  /** undefined: the job's `state.savepoints.dir`, else the cluster's. */
  targetDirectory: string | undefined;
  then: SavepointRequest['then'];
  formatType: 'CANONICAL' | 'NATIVE';
  /** A client-chosen trigger id (32 hex) makes a retried request idempotent; undefined: a new one. */
  triggerId: string | undefined;
}

/** Neither the request nor `state.savepoints.dir` (job or cluster) names a directory for the savepoint. */
export class SavepointDirectoryMissingError extends FlinkError {
  constructor(jobId: string) {
    super(
      'SAVEPOINT_DIRECTORY_MISSING',
      `No directory for the savepoint of job ${jobId}: the request names none and ${CheckpointingOptions.SAVEPOINT_DIRECTORY.key} ` +
        `is not set. Name a target directory or set ${CheckpointingOptions.SAVEPOINT_DIRECTORY.key} in flink-conf.yaml.`,
    );
  }
}

/** What the operations need of a job: its graph (for its own settings) and its JobMaster's savepoint call. */
export interface SavepointableJob {
  readonly graph: JobGraph;
  triggerSavepoint(request: SavepointRequest): Promise<string>;
}

export interface SavepointOperationsOptions {
  /** The job by id; throws the dispatcher's job-not-found error for an unknown id. */
  job(jobId: string): SavepointableJob;
  /** The cluster's `state.savepoints.dir`. */
  defaultSavepointDirectory: string | undefined;
  /** `rest.async.store-duration`, ms. */
  storeDurationMs: number;
  /** The most operations kept at once (running or waiting to be polled). */
  maxEntries?: number;
  now?: () => number;
}

const DEFAULT_MAX_ENTRIES = 1024;

export function newTriggerId(): string {
  return randomBytes(16).toString('hex');
}

export class SavepointOperations {
  private readonly savepoints: AsyncOperationRegistry<string>;
  private readonly disposals: AsyncOperationRegistry<void>;

  constructor(private readonly o: SavepointOperationsOptions) {
    const registry = {
      storeDurationMs: o.storeDurationMs,
      maxEntries: o.maxEntries ?? DEFAULT_MAX_ENTRIES,
      ...(o.now ? { now: o.now } : {}),
    };
    this.savepoints = new AsyncOperationRegistry<string>(registry);
    this.disposals = new AsyncOperationRegistry<void>(registry);
  }

  /** Starts a savepoint (unless one runs under the same trigger id already) and returns its trigger id. */
  trigger(jobId: string, request: SavepointTriggerRequest): { triggerId: string } {
    const job = this.o.job(jobId);
    const targetDirectory = request.targetDirectory ?? jobSavepointDirectory(job.graph) ?? this.o.defaultSavepointDirectory;
    if (targetDirectory === undefined) throw new SavepointDirectoryMissingError(jobId);
    const triggerId = request.triggerId ?? newTriggerId();
    this.savepoints.registerIfAbsent(`${jobId}/${triggerId}`, () =>
      job.triggerSavepoint({ targetDirectory, then: request.then, formatType: request.formatType }),
    );
    return { triggerId };
  }

  /** The savepoint's status; its location once it completed. */
  status(jobId: string, triggerId: string): OperationStatus<string> {
    const status = this.savepoints.status(`${jobId}/${triggerId}`);
    if (!status) throw new UnknownOperationError(`There is no savepoint operation with triggerId=${triggerId} for job ${jobId}.`);
    return status;
  }

  /** Starts removing the savepoint at `path` and returns the trigger id to poll. */
  dispose(path: string): { triggerId: string } {
    const triggerId = newTriggerId();
    this.disposals.registerIfAbsent(triggerId, () => disposeSavepointAt(path));
    return { triggerId };
  }

  disposalStatus(triggerId: string): OperationStatus<void> {
    const status = this.disposals.status(triggerId);
    if (!status) throw new UnknownOperationError(`There is no savepoint disposal with triggerId=${triggerId}.`);
    return status;
  }

  close(): void {
    this.savepoints.close();
    this.disposals.close();
  }
}

/** The job's own `state.savepoints.dir` (its `-D` settings at submission), if it has one. */
function jobSavepointDirectory(graph: JobGraph): string | undefined {
  const own = graph.jobConfiguration;
  if (!own) return undefined;
  return Configuration.fromMap(own, '-D').getOptional(CheckpointingOptions.SAVEPOINT_DIRECTORY);
}
