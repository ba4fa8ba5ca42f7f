/**
 * File systems by URI scheme: `file://` and plain paths ({@link LocalFileSystem}), `hdfs://namenode:port/path`
 * through WebHDFS ({@link HdfsFileSystem}). Every place that reads or writes user files goes through
 * {@link getFileSystem}.
 *
 * ```ts
 * configureFileSystems(conf);                       // once per process: fs.hdfs.webhdfs.* options
 * const fs = getFileSystem('hdfs://127.0.0.1:9000/in.txt');
 * for await (const chunk of fs.open('hdfs://127.0.0.1:9000/in.txt', { start: 0, end: 1024 })) { ... }
 * ```
 *
 * The NameNode's WebHDFS address comes from $HADOOP_CONF_DIR/hdfs-site.xml (dfs.namenode.http-address), else
 * `fs.hdfs.webhdfs.address`, else port 9870 on the URI's host; the HDFS user from HADOOP_USER_NAME, else the
 * OS user.
 */
import { LocalFileSystem } from './local-file-system.js';
import { HdfsFileSystem } from './hdfs-file-system.js';
import { parseHdfsUri, type HdfsFileSystemOptions } from './hadoop-config.js';
import type { FileSystem } from './file-system.js';
import { FlinkError } from '../util/errors.js';
import { FileSystemOptions, loadConfiguration, type Configuration } from '../config/index.js';

export type { FileStatus, FileSystem, FileWriter, WriteMode } from './file-system.js';
export { FileAlreadyExistsError, FileNotFoundError, FileWriteError, LocalFileSystem, toLocalPath } from './local-file-system.js';
export { HdfsFileSystem, DEFAULT_WEBHDFS_TIMEOUT_MS, type HdfsFileSystemInit } from './hdfs-file-system.js';
export { WebHdfsClient, type WebHdfsFileStatus, type WebHdfsUpload } from './webhdfs-client.js';
export {
  DEFAULT_WEBHDFS_PORT,
  hadoopUserName,
  loadHadoopConf,
  HadoopConf,
  parseHadoopXml,
  parseHdfsUri,
  resolveHdfsSettings,
  type HdfsClientSettings,
  type HdfsFileSystemOptions,
  type HdfsUri,
  type WebHdfsEndpoint,
} from './hadoop-config.js';
export {
  DataNodeUnreachableError,
  HdfsOperationError,
  HdfsUriError,
  NameNodeUnreachableError,
  PermissionDeniedError,
  WebHdfsRemoteError,
  WebHdfsTimeoutError,
} from './hdfs-errors.js';

const local = new LocalFileSystem();

export class UnsupportedFileSystemSchemeError extends FlinkError {
  constructor(scheme: string, path: string) {
    super('UNSUPPORTED_FS_SCHEME', `Could not find a file system implementation for scheme '${scheme}' (path ${path}). Supported: file://, hdfs:// and plain paths.`);
  }
}

let hdfsOptions: HdfsFileSystemOptions | undefined;
const hdfsByKey = new Map<string, HdfsFileSystem>();

/**
 * Sets the file system options of this process (Flink's FileSystem.initialize). Without a call, the options
 * come from the flink-conf.yaml of FLINK_CONF_DIR (or FLINK_HOME/conf) on first use of hdfs://.
 */
export function configureFileSystems(conf: Configuration | HdfsFileSystemOptions): void {
  hdfsOptions =
    'get' in conf && typeof conf.get === 'function'
      ? fileSystemOptionsOf(conf as Configuration)
      : { ...(conf as HdfsFileSystemOptions) };
  hdfsByKey.clear();
}

/** The file system options of a configuration, as plain data (they travel to worker threads). */
export function fileSystemOptionsOf(conf: Configuration): HdfsFileSystemOptions {
  return { webhdfsAddress: conf.getOptional(FileSystemOptions.WEBHDFS_ADDRESS), timeoutMs: conf.get(FileSystemOptions.WEBHDFS_TIMEOUT) };
}

function currentHdfsOptions(): HdfsFileSystemOptions {
  if (hdfsOptions === undefined) {
    try {
      const conf = loadConfiguration();
      hdfsOptions = fileSystemOptionsOf(conf);
    } catch {
      // A broken flink-conf.yaml is reported by whoever loads it for real; hdfs:// still works on defaults.
      hdfsOptions = {};
    }
  }
  return hdfsOptions;
}

export function getFileSystem(path: string): FileSystem {
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(path);
  if (!m || m[1] === 'file') return local;
  if (m[1]?.toLowerCase() === 'hdfs') {
    const { authority } = parseHdfsUri(path);
    const env = process.env;
    // Tests and scripts change HADOOP_CONF_DIR / HADOOP_USER_NAME at run time: they are part of the key.
    const key = `${authority}|${env.HADOOP_CONF_DIR ?? ''}|${env.HADOOP_HOME ?? ''}|${env.HADOOP_USER_NAME ?? ''}`;
    let fs = hdfsByKey.get(key);
    if (!fs) {
      const snapshot = { HADOOP_CONF_DIR: env.HADOOP_CONF_DIR, HADOOP_HOME: env.HADOOP_HOME, HADOOP_USER_NAME: env.HADOOP_USER_NAME };
      fs = new HdfsFileSystem({ authority, options: currentHdfsOptions(), env: snapshot });
      hdfsByKey.set(key, fs);
    }
    return fs;
  }
  throw new UnsupportedFileSystemSchemeError(m[1] as string, path);
}

/** Joins a child name to a path or URI. */
export function childPath(parent: string, child: string): string {
  return parent.endsWith('/') ? `${parent}${child}` : `${parent}/${child}`;
}
