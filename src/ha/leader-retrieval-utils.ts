/** Waiting for a leader through a LeaderRetrieval, for callers that need one answer rather than every change. */
import type { LeaderInformation, LeaderRetrieval } from './high-availability-services.js';

/**
 * The first leader `retrieval` names, or undefined when none is known within `timeoutMs` (or `signal` aborts).
 * The retrieval stays started; its owner closes it. Rejects when starting the retrieval fails (e.g. ZooKeeper
 * unreachable).
 */
export function awaitLeader(retrieval: LeaderRetrieval, timeoutMs: number, signal?: AbortSignal): Promise<LeaderInformation | undefined> {
  return new Promise<LeaderInformation | undefined>((resolve, reject) => {
    let done = false;
    const finish = (leader: LeaderInformation | undefined): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      resolve(leader);
    };
    const onAbort = (): void => finish(undefined);
    const timer = setTimeout(() => finish(undefined), Math.max(0, timeoutMs));
    signal?.addEventListener('abort', onAbort, { once: true });
    if (signal?.aborted) onAbort();
    retrieval
      .start((leader) => {
        if (leader !== undefined) finish(leader);
      })
      .catch((err: unknown) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        reject(err instanceof Error ? err : new Error(String(err)));
      });
  });
}
