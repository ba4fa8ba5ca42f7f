/**
 * Sources that cannot go back to where a checkpoint was taken (socketTextStream: a TCP stream has no position to
 * seek to). A job that checkpoints with one gets a warning when it starts, since after a failure the records
 * that source had received are not read again, whatever the checkpoint mode promises.
 */
import { CheckpointingOptions, Configuration } from '../../config/index.js';
import type { JobGraph } from '../../graph/index.js';
import { getLogger } from '../../util/logger.js';
import { jobConfigurationOver } from './checkpoint-settings.js';

const log = getLogger('org.apache.flink.runtime.jobmaster.JobMaster');

/** Runtime operators whose records are lost for good when the job restarts. */
const UNREPLAYABLE_OPERATORS: ReadonlySet<string> = new Set(['source:socket']);

/** The names of the job's sources that cannot be replayed. */
export function unreplayableSources(graph: JobGraph): string[] {
  return graph.vertices.flatMap((v) => v.operators.filter((o) => UNREPLAYABLE_OPERATORS.has(o.operator)).map((o) => o.name));
}

/** The checkpoint interval of the job (its own keys over the cluster's), undefined when it does not checkpoint. */
function checkpointInterval(graph: JobGraph, clusterConf: Configuration | undefined): number | undefined {
  if (graph.mode === 'BATCH') return undefined;
  try {
    return jobConfigurationOver(clusterConf ?? Configuration.fromMap({}), graph.jobConfiguration).getOptional(CheckpointingOptions.CHECKPOINTING_INTERVAL);
  } catch {
    // A bad value fails the job where the settings are read; a warning is no place to report it.
    return undefined;
  }
}

const warned = new WeakSet<JobGraph>();

/**
 * Logs one WARN line when the job checkpoints and has a source that cannot be replayed; once per job (a restart
 * does not repeat it). Without the cluster configuration only the job's own keys count.
 */
export function warnIfSourcesCannotReplay(graph: JobGraph, clusterConf?: Configuration): void {
  if (warned.has(graph)) return;
  const sources = unreplayableSources(graph);
  if (sources.length === 0) return;
  const interval = checkpointInterval(graph, clusterConf);
  if (interval === undefined) return;
  warned.add(graph);
  log.warn(
    `Job ${graph.jobName} (${graph.jobId}) checkpoints every ${interval} ms, but its source${sources.length === 1 ? '' : 's'} ` +
      `${sources.map((s) => `'${s}'`).join(', ')} cannot be replayed: the records ${sources.length === 1 ? 'it' : 'they'} received before a failure are ` +
      'not read again after a restart, so results may miss them. Use a replayable source (files, fromSequence, DataGeneratorSource) where that matters.',
  );
}
