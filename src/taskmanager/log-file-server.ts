/**
 * The TaskManager's answers to the JobManager's questions about its log files (Flink's TaskExecutor
 * `requestLogList` and `requestFileUploadByType/ByName`): the listing, and files chunk by chunk, each chunk an
 * RPC answer of its own with the bytes attached, so the REST endpoint streams large files without loading them.
 */
import { TaskExecutorGateway, type FileChunkInfo, type FileChunkRequest } from '../rpc/gateways.js';
import { WithBinary, type RpcConnection } from '../rpc/rpc-connection.js';
import { MAX_FILE_CHUNK_BYTES, type DaemonLogFiles, type LogInfo } from '../util/log-files.js';

export function serveLogFiles(conn: RpcConnection, files: DaemonLogFiles): void {
  conn.handle(TaskExecutorGateway.requestLogList, (): Promise<LogInfo[]> => files.list());
  conn.handle(TaskExecutorGateway.requestFile, async (req: FileChunkRequest) => {
    const chunk = await files.read(req.file, req.offset, Math.min(req.maxBytes, MAX_FILE_CHUNK_BYTES));
    const info: FileChunkInfo = { name: chunk.name, size: chunk.size, mtime: chunk.mtime, offset: chunk.offset };
    return new WithBinary(info, chunk.data);
  });
}
