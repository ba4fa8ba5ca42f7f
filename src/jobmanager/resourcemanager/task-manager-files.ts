/**
 * What the REST endpoint asks of the resource manager about a TaskManager's files (Flink's
 * ResourceManagerGateway `requestTaskManagerLogList` and `requestTaskManagerFileUpload*`): the TaskManager is
 * asked over its registered RPC connection, one chunk per call.
 */
import { TaskExecutorGateway, type FileChunkInfo, type FileChunkRequest } from '../../rpc/gateways.js';
import type { RpcConnection } from '../../rpc/rpc-connection.js';
import { FlinkError } from '../../util/errors.js';
import type { DaemonFileRef, FileChunk, LogInfo } from '../../util/log-files.js';

/** No TaskManager with this id is registered (Flink's UnknownTaskExecutorException). */
export class UnknownTaskExecutorError extends FlinkError {
  constructor(tmId: string) {
    super('UNKNOWN_TASK_EXECUTOR', `TaskManager ${tmId} is not registered with this cluster.`);
  }
}

export interface TaskManagerFileGateway {
  /** Rejects with {@link UnknownTaskExecutorError} for an unknown id. */
  requestTaskManagerLogList(tmId: string): Promise<LogInfo[]>;
  /**
   * Up to `maxBytes` (at most MAX_FILE_CHUNK_BYTES) of a TaskManager's file from `offset` (negative: from the end),
   * with the file's size and mtime at that moment.
   */
  requestTaskManagerFileChunk(tmId: string, file: DaemonFileRef, offset: number, maxBytes: number): Promise<FileChunk>;
}

export class ResourceManagerTaskManagerFiles implements TaskManagerFileGateway {
  /** `connectionOf`: the registered TaskManager's RPC connection, undefined when it is not registered. */
  constructor(
    private readonly connectionOf: (tmId: string) => RpcConnection | undefined,
    private readonly rpcTimeoutMs: number,
  ) {}

  async requestTaskManagerLogList(tmId: string): Promise<LogInfo[]> {
    return this.connection(tmId).call<LogInfo[]>(TaskExecutorGateway.requestLogList, {}, this.rpcTimeoutMs);
  }

  async requestTaskManagerFileChunk(tmId: string, file: DaemonFileRef, offset: number, maxBytes: number): Promise<FileChunk> {
    const req: FileChunkRequest = { file, offset, maxBytes };
    const { value, binary } = await this.connection(tmId).callWithBinary(TaskExecutorGateway.requestFile, req, this.rpcTimeoutMs);
    const info = value as FileChunkInfo;
    return { ...info, data: binary ?? new Uint8Array(0) };
  }

  private connection(tmId: string): RpcConnection {
    const conn = this.connectionOf(tmId);
    if (!conn) throw new UnknownTaskExecutorError(tmId);
    return conn;
  }
}
