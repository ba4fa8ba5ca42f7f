/**
 * The application's staging directory in HDFS, `<yarn.staging-directory or the HDFS home>/.flink/<appId>/` with
 * mode 700: the client uploads the job bundle, the effective configuration and (per-job) the job graph there,
 * reads each file's size and modificationTime back (WebHDFS GETFILESTATUS) to describe it as a YARN local
 * resource, and removes the directory on a failed submission; the ApplicationMaster removes it when the
 * application ends ({@link removeStagingDirectory}).
 */
import { createReadStream } from 'node:fs';
import { getFileSystem, hadoopUserName, HdfsFileSystem, loadHadoopConf, parseHdfsUri, type WebHdfsClient } from '../../fs/index.js';
import type { Configuration } from '../../config/index.js';
import { YarnConfigOptions } from '../../config/index.js';
import type { LocalResource, LocalResourceType, LocalResourceVisibility } from './rm-rest-client.js';
import { YarnDeploymentError } from './yarn-errors.js';

/** The folder under the staging root that holds one directory per application and the shared lib/. */
export const STAGING_FOLDER = '.flink';
const UPLOAD_CHUNK = 1 << 20;

/** A file to upload: from a local path or from memory; `name` is its file name in HDFS and its link name in the container. */
export interface StagedFile {
  name: string;
  path?: string;
  data?: Uint8Array | string;
}

/**
 * How to reach HDFS: through the Hadoop configuration of `env` (HADOOP_CONF_DIR, HADOOP_USER_NAME; default
 * process.env), or, in a container that has no Hadoop configuration, straight at WebHDFS addresses (the
 * ApplicationMaster's FLINK_TS_YARN_WEBHDFS).
 */
export interface HdfsAccess {
  env?: NodeJS.ProcessEnv;
  /** http://host:port of the NameNode(s); wins over `env`. */
  webHdfs?: readonly string[];
  /** With `webHdfs`: the HDFS user (default HADOOP_USER_NAME of env, else the OS user). */
  user?: string | undefined;
}

const byAccess = new Map<string, HdfsFileSystem>();

/** The HDFS file system of an hdfs:// URI, with its WebHDFS client (staging needs permissions and replication). */
export function hdfsOf(uri: string, access: HdfsAccess = {}): HdfsFileSystem {
  if (!/^hdfs:/i.test(uri)) throw new YarnDeploymentError(`YARN needs its files in HDFS, but ${uri} is not an hdfs:// location. Set yarn.staging-directory (or yarn.provided.lib.dirs) to an hdfs:// URI.`);
  const env = access.env ?? process.env;
  if (access.webHdfs === undefined && env === process.env) return getFileSystem(uri) as HdfsFileSystem;
  const { authority } = parseHdfsUri(uri, loadHadoopConf(env));
  const user = access.user ?? hadoopUserName(env);
  const key = access.webHdfs
    ? `${authority}|web|${access.webHdfs.join(',')}|${user}`
    : `${authority}|env|${env.HADOOP_CONF_DIR ?? ''}|${env.HADOOP_HOME ?? ''}|${env.HADOOP_USER_NAME ?? ''}`;
  let fs = byAccess.get(key);
  if (!fs) {
    fs = access.webHdfs
      ? new HdfsFileSystem({ authority, settings: { endpoints: access.webHdfs.map((baseUrl) => ({ baseUrl, source: 'the WebHDFS address the YARN client passed (FLINK_TS_YARN_WEBHDFS)' })), user } })
      : new HdfsFileSystem({ authority, env: { HADOOP_CONF_DIR: env.HADOOP_CONF_DIR, HADOOP_HOME: env.HADOOP_HOME, HADOOP_USER_NAME: env.HADOOP_USER_NAME } });
    byAccess.set(key, fs);
  }
  return fs;
}

/**
 * `yarn.staging-directory` (an hdfs:// URI, or a path on fs.defaultFS), else the user's HDFS home directory on
 * fs.defaultFS (WebHDFS GETHOMEDIRECTORY). Returns an hdfs:// URI without a trailing slash.
 */
export async function resolveStagingRoot(conf: Configuration, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const configured = conf.getOptional(YarnConfigOptions.STAGING_DIRECTORY)?.trim();
  if (configured && /^[a-z][a-z0-9+.-]*:/i.test(configured)) {
    hdfsOf(configured, { env });
    const u = parseHdfsUri(configured, loadHadoopConf(env));
    return `hdfs://${u.authority}${u.path === '/' ? '' : u.path}`;
  }
  const hadoop = loadHadoopConf(env);
  const defaultFs = hadoop.get('fs.defaultFS') ?? hadoop.get('fs.default.name');
  const m = defaultFs === undefined ? null : /^hdfs:\/\/([^/]+)/i.exec(defaultFs);
  if (!m?.[1]) {
    throw new YarnDeploymentError(
      `Cannot tell where to stage the application's files: ${configured ? `yarn.staging-directory '${configured}' is a path, and ` : 'yarn.staging-directory is unset and '}` +
        `${hadoop.describe('core-site.xml')} sets no hdfs:// fs.defaultFS. Set yarn.staging-directory to an hdfs:// URI, or point HADOOP_CONF_DIR at the cluster's configuration.`,
    );
  }
  const base = `hdfs://${m[1]}`;
  if (configured) return `${base}${configured.startsWith('/') ? '' : '/'}${configured.replace(/\/+$/, '')}`;
  const home = await hdfsOf(`${base}/`, { env }).webHdfs().getHomeDirectory();
  return `${base}${home.replace(/\/+$/, '')}`;
}

/** The staging directory of one application: `<root>/.flink/<appId>`. */
export function stagingDirectoryOf(root: string, applicationId: string): string {
  return `${root.replace(/\/+$/, '')}/${STAGING_FOLDER}/${applicationId}`;
}

/**
 * Uploads one file to `uri` (overwriting) and returns the bytes sent. Data streams to the DataNode as it is
 * read. `replication` -1 or unset uses the HDFS default.
 */
export async function uploadFile(fs: HdfsFileSystem, file: StagedFile, uri: string, options: { replication?: number; overwrite?: boolean } = {}): Promise<number> {
  const client = fs.webHdfs();
  const path = parseHdfsUri(uri).path;
  const replication = options.replication !== undefined && options.replication > 0 ? options.replication : undefined;
  const upload = await client.create(path, options.overwrite ?? true, replication === undefined ? {} : { replication });
  let bytes = 0;
  try {
    if (file.data !== undefined) {
      const data = typeof file.data === 'string' ? Buffer.from(file.data) : file.data;
      for (let off = 0; off < data.length; off += UPLOAD_CHUNK) await upload.write(data.subarray(off, off + UPLOAD_CHUNK));
      bytes = data.length;
    } else if (file.path !== undefined) {
      for await (const chunk of createReadStream(file.path, { highWaterMark: UPLOAD_CHUNK }) as AsyncIterable<Buffer>) {
        await upload.write(chunk);
        bytes += chunk.length;
      }
    } else {
      throw new YarnDeploymentError(`The file ${file.name} to stage has neither a local path nor data.`);
    }
    await upload.finish();
  } catch (err) {
    upload.abort();
    throw err;
  }
  return bytes;
}

/** Describes an HDFS file as a local resource: its size and modificationTime as the NameNode reports them now. */
export async function describeLocalResource(fs: HdfsFileSystem, uri: string, type: LocalResourceType, visibility: LocalResourceVisibility): Promise<LocalResource> {
  const st = await fs.webHdfs().getFileStatus(parseHdfsUri(uri).path);
  if (!st) throw new YarnDeploymentError(`${uri} vanished right after it was uploaded; something else is deleting files under the staging directory.`);
  return { resource: uri, type, visibility, size: st.length, timestamp: st.modificationTime };
}

/**
 * Whether the NodeManagers will accept `uri` as a PUBLIC resource: readable by all, and every directory above it
 * searchable by all (the check YARN makes before putting a file into its shared cache).
 */
export async function isPubliclyReadable(client: WebHdfsClient, path: string): Promise<boolean> {
  const parts = path.split('/').filter(Boolean);
  for (let i = parts.length; i >= 0; i--) {
    const p = `/${parts.slice(0, i).join('/')}`;
    const st = await client.getFileStatus(p);
    if (!st?.permission) return false;
    const other = Number.parseInt(st.permission.slice(-1), 8);
    const need = i === parts.length && st.type === 'FILE' ? 4 : 1;
    if ((other & need) !== need) return false;
  }
  return true;
}

/** One application's staging directory: create it, upload into it, remove it. */
export class ApplicationStaging {
  private uploaded = 0;
  private removed = false;

  private constructor(
    readonly fs: HdfsFileSystem,
    /** `hdfs://nn:port/<root>/.flink/<appId>` */
    readonly dir: string,
    private readonly replication: number | undefined,
  ) {}

  /**
   * Creates `<root>/.flink/<appId>` with mode 700. `.flink` itself keeps the default mode: the shared lib
   * directory under it must stay readable for PUBLIC resources.
   */
  static async create(root: string, applicationId: string, options: { replication?: number; access?: HdfsAccess } = {}): Promise<ApplicationStaging> {
    const dir = stagingDirectoryOf(root, applicationId);
    const fs = hdfsOf(dir, options.access);
    const client = fs.webHdfs();
    const parent = parseHdfsUri(`${root.replace(/\/+$/, '')}/${STAGING_FOLDER}`).path;
    await client.mkdirs(parent);
    const path = parseHdfsUri(dir).path;
    await client.mkdirs(path, '700');
    // MKDIRS leaves an existing directory's mode alone; a directory left from an earlier try must be private too.
    await client.setPermission(path, '700');
    return new ApplicationStaging(fs, dir, options.replication);
  }

  /** Bytes uploaded into this staging directory so far. */
  get uploadedBytes(): number {
    return this.uploaded;
  }

  uriOf(name: string): string {
    return `${this.dir}/${name}`;
  }

  /** Uploads a file and returns it as an APPLICATION-visible local resource (FILE unless said otherwise). */
  async upload(file: StagedFile, type: LocalResourceType = 'FILE'): Promise<LocalResource> {
    if (!/^[^/\\]+$/.test(file.name) || file.name === '.' || file.name === '..') throw new YarnDeploymentError(`'${file.name}' cannot be a staged file name: use a plain file name without '/'.`);
    const uri = this.uriOf(file.name);
    this.uploaded += await uploadFile(this.fs, file, uri, this.replication === undefined ? {} : { replication: this.replication });
    return describeLocalResource(this.fs, uri, type, 'APPLICATION');
  }

  /** Deletes the staging directory with everything in it; safe to call twice. */
  async remove(): Promise<void> {
    if (this.removed) return;
    await removeStagingDirectory(this.dir, this.fs);
    this.removed = true;
  }
}

/**
 * Deletes an application's staging directory (`hdfs://.../.flink/<appId>`); for the ApplicationMaster when the
 * application ends. Refuses anything that is not such a directory, so a wrong argument cannot delete a home.
 */
export async function removeStagingDirectory(dir: string, access: HdfsAccess | HdfsFileSystem = {}): Promise<boolean> {
  const u = parseHdfsUri(dir, access instanceof HdfsFileSystem ? undefined : loadHadoopConf(access.env ?? process.env));
  if (!new RegExp(`/${STAGING_FOLDER.replace('.', '\\.')}/application_\\d+_\\d+$`).test(u.path)) {
    throw new YarnDeploymentError(`Refusing to delete ${dir}: it is not an application staging directory (<root>/${STAGING_FOLDER}/application_<ts>_<n>).`);
  }
  return (access instanceof HdfsFileSystem ? access : hdfsOf(dir, access)).webHdfs().delete(u.path, true);
}

/** How many leftover staging directories one submission looks at (each costs a ResourceManager request). */
const SWEEP_LIMIT = 20;

/**
 * Removes the staging directories under `<root>/.flink/` of applications that have ended: those an ApplicationMaster
 * could not remove itself (the application was killed through YARN, its last attempt died). An application still
 * running, or one the ResourceManager cannot say anything about, is left alone. Returns the removed directories.
 */
export async function sweepEndedStagingDirectories(
  root: string,
  isEnded: (applicationId: string) => Promise<boolean>,
  access: HdfsAccess = {},
): Promise<string[]> {
  const folder = `${root.replace(/\/+$/, '')}/${STAGING_FOLDER}`;
  const fs = hdfsOf(folder, access);
  const path = parseHdfsUri(folder, loadHadoopConf(access.env ?? process.env)).path;
  const entries = await fs.webHdfs().listStatus(path).catch(() => []);
  const removed: string[] = [];
  for (const e of entries.filter((x) => /^application_\d+_\d+$/.test(x.pathSuffix)).slice(0, SWEEP_LIMIT)) {
    if (!(await isEnded(e.pathSuffix).catch(() => false))) continue;
    const dir = stagingDirectoryOf(root, e.pathSuffix);
    if (await removeStagingDirectory(dir, access).catch(() => false)) removed.push(dir);
  }
  return removed;
}
