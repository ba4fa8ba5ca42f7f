/**
 * The value types of ZooKeeperClient's operations and the mapping of node-zookeeper-client's errors to ours.
 */
import { randomUUID } from 'node:crypto';
import zookeeper from 'node-zookeeper-client';
import type { Exception as ZkException, Stat } from 'node-zookeeper-client';
import { HaServicesClosedError, ZooKeeperOperationError } from '../ha-errors.js';

export interface NodeStat {
  readonly version: number;
  /** The session id (hex) owning an ephemeral node; '0000000000000000' for a persistent one. */
  readonly ephemeralOwner: string;
  readonly numChildren: number;
}

export type CreateMode = 'PERSISTENT' | 'EPHEMERAL' | 'EPHEMERAL_SEQUENTIAL';

/** One operation of an atomic multi-operation (`version` -1 or absent: any version). */
export type ZooKeeperOp =
  | { readonly type: 'create'; readonly path: string; readonly data?: Buffer; readonly mode?: 'PERSISTENT' | 'EPHEMERAL' }
  | { readonly type: 'check'; readonly path: string; readonly version?: number }
  | { readonly type: 'setData'; readonly path: string; readonly data: Buffer; readonly version?: number }
  | { readonly type: 'remove'; readonly path: string; readonly version?: number };

/** A multi-operation failed; `failedOp` is the index of the operation ZooKeeper refused. */
export class ZooKeeperMultiError extends ZooKeeperOperationError {
  constructor(
    zkCode: string,
    path: string,
    readonly failedOp: number,
  ) {
    super(zkCode, path, `multi-operation (operation ${failedOp})`);
  }
}

const CODE_NAMES = new Map<number, string>(
  Object.entries(zookeeper.Exception as unknown as Record<string, unknown>)
    .filter((e): e is [string, number] => typeof e[1] === 'number')
    .map(([name, code]) => [code, name]),
);

export function isLibException(err: unknown): err is ZkException {
  return typeof err === 'object' && err !== null && typeof (err as { getCode?: unknown }).getCode === 'function';
}

export function codeName(code: number): string {
  return CODE_NAMES.get(code) ?? `ZooKeeper error ${code}`;
}

/** Whether `err` is ZooKeeper's answer `name` (e.g. NODE_EXISTS), as thrown by ZooKeeperClient. */
export function isZkCode(err: unknown, name: string): boolean {
  return err instanceof ZooKeeperOperationError && err.zkCode === name;
}

export function toOperationError(err: unknown, path: string, what: string): Error {
  if (err instanceof ZooKeeperOperationError || err instanceof HaServicesClosedError) return err;
  if (isLibException(err)) {
    return new ZooKeeperOperationError(codeName(err.getCode()), path, what, err);
  }
  return err instanceof Error ? err : new Error(String(err));
}

export function toNodeStat(stat: Stat): NodeStat {
  return { version: stat.version, ephemeralOwner: Buffer.from(stat.ephemeralOwner).toString('hex'), numChildren: stat.numChildren };
}

/** A unique prefix for nodes whose creation may have to be found again after a broken connection. */
export function protectedPrefix(): string {
  return `_c_${randomUUID()}-`;
}
