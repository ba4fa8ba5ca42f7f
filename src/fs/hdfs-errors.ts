/** What can go wrong talking to HDFS through WebHDFS, one class per condition a user has to act on. */
import { FlinkError } from '../util/errors.js';

/** The NameNode's WebHDFS endpoint did not answer (or answered as something that is not WebHDFS). */
export class NameNodeUnreachableError extends FlinkError {
  constructor(
    readonly url: string,
    readonly source: string,
    detail: string,
    cause?: unknown,
  ) {
    super(
      'HDFS_NAMENODE_UNREACHABLE',
      `Could not reach the HDFS NameNode's WebHDFS endpoint at ${url} (address from ${source}): ${detail}. ` +
        'Check that HDFS is running (e.g. scripts/hadoop.sh start) and that the address is the NameNode HTTP port ' +
        '(dfs.namenode.http-address in $HADOOP_CONF_DIR/hdfs-site.xml, or fs.hdfs.webhdfs.address), not its RPC port.',
      { cause, recoverable: true },
    );
  }
}

/** The NameNode redirected a read or write to a DataNode this process cannot reach. */
export class DataNodeUnreachableError extends FlinkError {
  constructor(
    readonly dataNode: string,
    path: string,
    detail: string,
    cause?: unknown,
  ) {
    super(
      'HDFS_DATANODE_UNREACHABLE',
      `The NameNode sent the data of ${path} to DataNode ${dataNode}, which is not reachable from this host: ${detail}. ` +
        'DataNodes must be reachable at the address they register with the NameNode (dfs.datanode.http.address, ' +
        'dfs.datanode.hostname); check that the DataNode runs and that its host name resolves here.',
      { cause, recoverable: true },
    );
  }
}

export class PermissionDeniedError extends FlinkError {
  constructor(path: string, user: string, remoteMessage: string, cause?: unknown) {
    super(
      'FILE_PERMISSION_DENIED',
      `Permission denied for user '${user}' on ${path}: ${remoteMessage}. ` +
        'Run as a user with access (set HADOOP_USER_NAME for HDFS) or change the permissions of the path.',
      { cause },
    );
  }
}

/** Any other exception the NameNode or a DataNode reported, with its Java class kept for diagnosis. */
export class WebHdfsRemoteError extends FlinkError {
  constructor(
    readonly exception: string,
    op: string,
    path: string,
    remoteMessage: string,
    recoverable: boolean,
    cause?: unknown,
  ) {
    super('HDFS_REMOTE_ERROR', `HDFS ${op} ${path} failed with ${exception}: ${remoteMessage}`, { cause, recoverable });
  }
}

/** A WebHDFS request did not finish (or a data stream stalled) within fs.hdfs.webhdfs.timeout. */
export class WebHdfsTimeoutError extends FlinkError {
  constructor(what: string, timeoutMs: number) {
    super(
      'HDFS_TIMEOUT',
      `${what} got no answer within ${timeoutMs} ms. HDFS may be overloaded or stopped; raise fs.hdfs.webhdfs.timeout if it is just slow.`,
      { recoverable: true },
    );
  }
}

/** An hdfs:// URI that names no NameNode and no default file system is configured. */
export class HdfsUriError extends FlinkError {
  constructor(uri: string, problem: string) {
    super('HDFS_BAD_URI', `Cannot use ${uri}: ${problem}. Write hdfs://<namenode-host>:<rpc-port>/<path>.`);
  }
}

/** An HDFS operation the NameNode refused without naming an exception (WebHDFS answered `{"boolean": false}`). */
export class HdfsOperationError extends FlinkError {
  constructor(op: string, uri: string, problem: string) {
    super('HDFS_OPERATION_FAILED', `Could not ${op} ${uri}: ${problem}.`);
  }
}
