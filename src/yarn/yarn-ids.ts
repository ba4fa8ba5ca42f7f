/**
 * YARN's string forms of its ids, as they appear in logs, the REST API and the `CONTAINER_ID` environment variable:
 * `application_<clusterTs>_<nnnn>`, `appattempt_<clusterTs>_<nnnn>_<nnnnnn>` and
 * `container_[e<epoch>_]<clusterTs>_<nnnn>_<nn>_<nnnnnn>` (numbers zero-padded to at least that width).
 */
import type { ApplicationAttemptId, ApplicationId, ContainerId, NodeId } from './records.js';

const EPOCH_SHIFT = 2 ** 40;

function pad(n: number | undefined, width: number): string {
  return String(n ?? 0).padStart(width, '0');
}

export function formatApplicationId(id: ApplicationId | undefined): string {
  return `application_${id?.clusterTimestamp ?? 0}_${pad(id?.id, 4)}`;
}

export function formatAttemptId(id: ApplicationAttemptId | undefined): string {
  return `appattempt_${id?.applicationId?.clusterTimestamp ?? 0}_${pad(id?.applicationId?.id, 4)}_${pad(id?.attemptId, 6)}`;
}

export function formatContainerId(id: ContainerId | undefined): string {
  const raw = id?.id ?? 0;
  const epoch = Math.floor(raw / EPOCH_SHIFT);
  const seq = raw % EPOCH_SHIFT;
  const attempt = id?.appAttemptId;
  const app = attempt?.applicationId ?? id?.appId;
  return `container_${epoch > 0 ? `e${pad(epoch, 2)}_` : ''}${app?.clusterTimestamp ?? 0}_${pad(app?.id, 4)}_${pad(attempt?.attemptId, 2)}_${pad(seq, 6)}`;
}

/** Parses `container_[e<epoch>_]<ts>_<app>_<attempt>_<n>`; undefined when it is not one. */
export function parseContainerId(text: string): ContainerId | undefined {
  const m = /^container_(?:e(\d+)_)?(\d+)_(\d+)_(\d+)_(\d+)$/.exec(text);
  if (!m) return undefined;
  const applicationId: ApplicationId = { clusterTimestamp: Number(m[2]), id: Number(m[3]) };
  return {
    appId: applicationId,
    appAttemptId: { applicationId, attemptId: Number(m[4]) },
    id: Number(m[1] ?? 0) * EPOCH_SHIFT + Number(m[5]),
  };
}

/** `host:port`, the key NMTokens and NodeManager connections are kept under. */
export function nodeAddress(node: NodeId | undefined): string {
  return `${node?.host ?? ''}:${node?.port ?? 0}`;
}

export function sameContainerId(a: ContainerId | undefined, b: ContainerId | undefined): boolean {
  return formatContainerId(a) === formatContainerId(b);
}
