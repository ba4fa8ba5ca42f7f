/**
 * What a job's first deployment starts from: nothing, the savepoint or checkpoint it was submitted with
 * (`execution.savepoint.path`), or, for a job a new leader recovers, its latest checkpoint registered in the HA
 * stores. Also where checkpoint ids continue from.
 */
import type { JobGraph } from '../../graph/index.js';
import type { CheckpointIdCounter, CompletedCheckpointStore } from '../../ha/index.js';
import type { CheckpointMetadata } from '../../runtime/checkpoint/types.js';
import { FlinkError } from '../../util/errors.js';
import { getLogger } from '../../util/logger.js';
import type { CheckpointCoordinator } from '../checkpoint/checkpoint-coordinator.js';
import { checkRestorable, loadCheckpointMetadata } from '../checkpoint/checkpoint-metadata.js';
import type { CheckpointSettings } from '../checkpoint/checkpoint-settings.js';

const log = getLogger('org.apache.flink.runtime.jobmaster.JobMaster');

/** A job's HA stores (in memory with high-availability: NONE). */
export interface JobRecoveryStores {
  checkpoints: CompletedCheckpointStore;
  idCounter: CheckpointIdCounter;
  /** The job was recovered by a new leader: it restarts from its latest registered checkpoint. */
  recovered: boolean;
}

/**
 * Checks the checkpoint settings, moves the coordinator's ids past those already used, and loads what the job
 * starts from (undefined: a fresh start).
 */
export async function checkpointsToStartFrom(
  graph: JobGraph,
  cp: CheckpointSettings,
  checkpoints: CheckpointCoordinator,
  recovery: JobRecoveryStores | undefined,
  restartStrategy: string,
): Promise<CheckpointMetadata | undefined> {
  if (cp.enabled) {
    log.info(`Job ${graph.jobId} takes ${cp.mode} checkpoints every ${cp.interval} ms to ${cp.checkpointsDir ?? '(nowhere)'}; restart strategy: ${restartStrategy}.`);
    if (cp.checkpointsDir === undefined) {
      throw new FlinkError(
        'NO_CHECKPOINT_DIRECTORY',
        'Checkpointing is enabled but state.checkpoints.dir is not set, so checkpoints have nowhere to go. Set state.checkpoints.dir ' +
          '(e.g. file:///var/flink/checkpoints, or hdfs://namenode:9000/flink/checkpoints for a cluster of several hosts) in flink-conf.yaml or with -D.',
      );
    }
  }
  if (recovery) checkpoints.continueIds(await recovery.idCounter.get());
  const retained = recovery?.recovered ? await recovery.checkpoints.getAllCheckpoints() : [];
  const latest = retained[retained.length - 1];
  if (latest) {
    // A new leader goes on from the job's latest completed checkpoint (over any savepoint it was started from).
    const meta = await loadCheckpointMetadata(latest.metadataPath);
    log.info(`Recovering job ${graph.jobId} from its latest completed checkpoint ${meta.checkpointId} (${latest.metadataPath}).`);
    checkpoints.adoptRetained([...(await olderMetadata(retained.slice(0, -1), graph.jobId)), meta]);
    checkpoints.restoredFrom(meta, latest.metadataPath);
    return meta;
  }
  if (!cp.restoreFrom) return undefined;
  const meta = await loadCheckpointMetadata(cp.restoreFrom.path);
  checkRestorable(meta, graph, cp.restoreFrom.allowNonRestoredState, cp.restoreFrom.path);
  log.info(`Starting job ${graph.jobId} from ${meta.isSavepoint ? 'savepoint' : 'checkpoint'} ${cp.restoreFrom.path} (checkpoint id ${meta.checkpointId}).`);
  checkpoints.restoredFrom(meta, cp.restoreFrom.path);
  return meta;
}

/** The metadata of the older retained checkpoints; one that cannot be read is left alone (and logged). */
async function olderMetadata(pointers: readonly { checkpointId: number; metadataPath: string }[], jobId: string): Promise<CheckpointMetadata[]> {
  const metas: CheckpointMetadata[] = [];
  for (const p of pointers) {
    try {
      metas.push(await loadCheckpointMetadata(p.metadataPath));
    } catch (err) {
      log.warn(`Job ${jobId}: the retained checkpoint ${p.checkpointId} (${p.metadataPath}) could not be read; it is not removed with the others: ${(err as Error).message}`);
    }
  }
  return metas;
}

/** HA: a completed checkpoint is registered (and the id counter moved past it) before the tasks hear of it. */
export function registerCheckpointWith(recovery: JobRecoveryStores): (c: { checkpointId: number; metadataPath: string; timestamp: number }) => Promise<void> {
  return async (c) => {
    await recovery.checkpoints.addCheckpoint(c);
    await recovery.idCounter.setCount(c.checkpointId + 1);
  };
}
