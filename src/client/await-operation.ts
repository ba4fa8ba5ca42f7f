/**
 * Waiting for an asynchronous operation on the cluster (a savepoint, a disposal), polled by trigger id, for at
 * most `client.timeout` as Flink's CLI waits.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { deserializeError, FlinkError, type SerializedError } from '../util/errors.js';
import type { OperationAnswer } from './rest-client.js';

/** The operation did not finish within the client's timeout; it may still finish on the cluster. */
export class OperationTimeoutError extends FlinkError {
  constructor(what: string, timeoutMs: number, hint: string) {
    super('CLIENT_TIMEOUT', `${what} did not complete within ${timeoutMs} ms (client.timeout). ${hint}`);
  }
}

/** The cluster ran the operation and it failed; the message carries the cluster's error messages. */
export class OperationFailedError extends FlinkError {
  constructor(failure: SerializedError) {
    super('OPERATION_FAILED', describeRemote(failure), { cause: deserializeError(failure) });
  }
}

/** `Name: message` of each level of a remote error, one per line: what a user needs, without the stacks. */
function describeRemote(failure: SerializedError): string {
  const lines: string[] = [];
  for (let cur: SerializedError | undefined = failure, depth = 0; cur && depth < 10; cur = cur.cause, depth++) {
    lines.push(`${depth === 0 ? '' : 'Caused by: '}${cur.message === '' ? cur.name : `${cur.name}: ${cur.message}`}`);
  }
  return lines.join('\n');
}

const FIRST_DELAY_MS = 50;
const MAX_DELAY_MS = 500;

/** Polls until the operation completed; resolves with its result, rejects with its failure or on timeout. */
export async function awaitOperation<T>(
  poll: () => Promise<OperationAnswer<T>>,
  timeoutMs: number,
  what: string,
  timeoutHint: string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let delay = FIRST_DELAY_MS;
  for (;;) {
    const answer = await poll();
    if (answer.completed) {
      if ('failure' in answer) throw new OperationFailedError(answer.failure);
      return answer.result;
    }
    const left = deadline - Date.now();
    if (left <= 0) throw new OperationTimeoutError(what, timeoutMs, timeoutHint);
    await sleep(Math.min(delay, left));
    delay = Math.min(MAX_DELAY_MS, Math.round(delay * 1.5));
  }
}
