/**
 * Where an hdfs:// URI's WebHDFS endpoint is and who we are to it: the NameNode HTTP address from
 * $HADOOP_CONF_DIR/hdfs-site.xml, else `fs.hdfs.webhdfs.address`, else port 9870 on the URI's host; the user
 * from HADOOP_USER_NAME, else the OS user. Each address carries the sentence saying where it came from, so an
 * unreachable NameNode error can name the config that produced it.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { HdfsUriError } from './hdfs-errors.js';

export const DEFAULT_WEBHDFS_PORT = 9870;

export interface HdfsUri {
  /** host:port of the NameNode RPC endpoint (or a nameservice id), as written in the URI. */
  authority: string;
  /** The absolute path inside HDFS, without a trailing slash (except for the root). */
  path: string;
}

export interface WebHdfsEndpoint {
  /** `http://host:port`, without the /webhdfs/v1 suffix. */
  baseUrl: string;
  /** Where the address came from, for error messages. */
  source: string;
}

export interface HdfsClientSettings {
  /** Candidate NameNodes in order (several for an HA nameservice). */
  endpoints: WebHdfsEndpoint[];
  user: string;
}

/** Settings from flink-conf.yaml that reach the HDFS file system (see FileSystemOptions). */
export interface HdfsFileSystemOptions {
  webhdfsAddress?: string | undefined;
  timeoutMs?: number | undefined;
}

/** Parses `hdfs://authority/path`, `hdfs:///path` and `hdfs:/path` (the last two use fs.defaultFS). */
export function parseHdfsUri(uri: string, conf: HadoopConf = loadHadoopConf()): HdfsUri {
  const m = /^hdfs:(?:\/\/([^/?#]*))?(\/[^?#]*)?$/i.exec(uri);
  if (!m) throw new HdfsUriError(uri, 'it is not an hdfs:// URI');
  let authority = m[1] ?? '';
  if (authority === '') {
    const def = conf.get('fs.defaultFS') ?? conf.get('fs.default.name');
    const dm = def === undefined ? null : /^hdfs:\/\/([^/]+)/i.exec(def);
    if (!dm?.[1]) throw new HdfsUriError(uri, `it names no NameNode and ${conf.describe('core-site.xml')} sets no hdfs:// fs.defaultFS`);
    authority = dm[1];
  }
  const raw = (m[2] ?? '/').replace(/\/{2,}/g, '/');
  const path = raw.length > 1 ? raw.replace(/\/$/, '') : '/';
  return { authority, path };
}

/** The key/value pairs of core-site.xml and hdfs-site.xml in a Hadoop configuration directory. */
export class HadoopConf {
  constructor(
    readonly dir: string | undefined,
    private readonly values: ReadonlyMap<string, string>,
    private readonly files: readonly string[],
    private readonly origins: ReadonlyMap<string, string> = new Map(),
  ) {}

  get(key: string): string | undefined {
    return this.values.get(key);
  }

  /** `<key> in <dir>/<file>`: where a key's value was read, for messages naming the config an address came from. */
  sourceOf(key: string): string {
    const file = this.origins.get(key);
    return file === undefined || this.dir === undefined ? key : `${key} in ${join(this.dir, file)}`;
  }

  has(file: string): boolean {
    return this.files.includes(file);
  }

  describe(file: string): string {
    return this.dir === undefined ? `no Hadoop configuration directory (HADOOP_CONF_DIR unset), so no ${file}` : `${join(this.dir, file)}`;
  }
}

const cache = new Map<string, { stamp: string; conf: HadoopConf }>();

/**
 * Reads $HADOOP_CONF_DIR (else $HADOOP_HOME/etc/hadoop); re-read when a file changes. `files` are read in
 * order, a later file overriding an earlier one (as Hadoop's HdfsConfiguration and YarnConfiguration do);
 * `dir` overrides the directory (YARN_CONF_DIR).
 */
export function loadHadoopConf(
  env: NodeJS.ProcessEnv = process.env,
  files: readonly string[] = ['core-site.xml', 'hdfs-site.xml'],
  dir: string | undefined = env.HADOOP_CONF_DIR || (env.HADOOP_HOME ? join(env.HADOOP_HOME, 'etc', 'hadoop') : undefined),
): HadoopConf {
  if (dir === undefined || !existsSync(dir)) return new HadoopConf(dir, new Map(), []);
  const names = files.filter((f) => existsSync(join(dir, f)));
  const stamp = names.map((f) => `${f}:${statSync(join(dir, f)).mtimeMs}`).join(',');
  const key = `${dir}|${files.join(',')}`;
  const hit = cache.get(key);
  if (hit && hit.stamp === stamp) return hit.conf;
  const values = new Map<string, string>();
  const origins = new Map<string, string>();
  for (const f of names) {
    for (const [k, v] of parseHadoopXml(readFileSync(join(dir, f), 'utf8'))) {
      values.set(k, v);
      origins.set(k, f);
    }
  }
  const conf = new HadoopConf(dir, values, names, origins);
  cache.set(key, { stamp, conf });
  return conf;
}

/** The <property><name/><value/></property> pairs of a Hadoop *-site.xml, with ${var} expanded. */
export function parseHadoopXml(xml: string): Map<string, string> {
  const out = new Map<string, string>();
  const text = xml.replace(/<!--[\s\S]*?-->/g, '');
  for (const m of text.matchAll(/<property\b[^>]*>([\s\S]*?)<\/property>/g)) {
    const body = m[1] ?? '';
    const name = /<name>\s*([\s\S]*?)\s*<\/name>/.exec(body)?.[1];
    const value = /<value>([\s\S]*?)<\/value>/.exec(body)?.[1] ?? (/<value\s*\/>/.test(body) ? '' : undefined);
    if (name !== undefined && value !== undefined) out.set(unescapeXml(name), unescapeXml(value.trim()));
  }
  for (const [k, v] of out) out.set(k, v.replace(/\$\{([^}]+)\}/g, (all, ref: string) => out.get(ref) ?? process.env[ref.replace(/^env\./, '')] ?? all));
  return out;
}

function unescapeXml(s: string): string {
  return s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
}

function hostOf(authority: string): string {
  const m = /^\[([^\]]+)\]/.exec(authority);
  if (m?.[1]) return m[1];
  const i = authority.lastIndexOf(':');
  return i < 0 ? authority : authority.slice(0, i);
}

function toBaseUrl(address: string, uriHost: string): string {
  const withScheme = /^https?:\/\//i.test(address) ? address : `http://${address}`;
  const u = new URL(withScheme);
  // A NameNode bound to the wildcard address is reached under the URI's host.
  if (u.hostname === '0.0.0.0' || u.hostname === '[::]') u.hostname = uriHost;
  return `${u.protocol}//${u.host}`;
}

/**
 * The WebHDFS endpoints and user for a URI's authority. The hdfs-site.xml address applies when the URI
 * names the NameNode that configuration describes (or the configuration names none).
 */
export function resolveHdfsSettings(authority: string, options: HdfsFileSystemOptions = {}, env: NodeJS.ProcessEnv = process.env): HdfsClientSettings {
  const conf = loadHadoopConf(env);
  const user = hadoopUserName(env);
  const host = hostOf(authority);
  const hdfsSite = conf.describe('hdfs-site.xml');

  // An HA nameservice: hdfs://<nameservice>/path with one HTTP address per NameNode.
  const nameservices = (conf.get('dfs.nameservices') ?? '').split(',').map((s) => s.trim());
  if (nameservices.includes(authority)) {
    const ids = (conf.get(`dfs.ha.namenodes.${authority}`) ?? '').split(',').map((s) => s.trim()).filter(Boolean);
    const endpoints = ids.flatMap((id) => {
      const key = `dfs.namenode.http-address.${authority}.${id}`;
      const v = conf.get(key);
      return v ? [{ baseUrl: toBaseUrl(v, host), source: `${key} in ${hdfsSite}` }] : [];
    });
    if (endpoints.length > 0) return { endpoints, user };
  }

  const httpAddress = conf.get(`dfs.namenode.http-address.${authority}`) ?? conf.get('dfs.namenode.http-address');
  if (httpAddress !== undefined && conf.has('hdfs-site.xml')) {
    const defaultFs = /^hdfs:\/\/([^/]+)/i.exec(conf.get('fs.defaultFS') ?? '')?.[1];
    const rpc = conf.get('dfs.namenode.rpc-address');
    const known = [defaultFs, rpc].filter((a): a is string => a !== undefined);
    const sameNameNode = known.length === 0 || known.some((a) => a === authority || (hostOf(a) === host && !authority.includes(':')));
    if (sameNameNode) {
      const key = conf.get(`dfs.namenode.http-address.${authority}`) !== undefined ? `dfs.namenode.http-address.${authority}` : 'dfs.namenode.http-address';
      return { endpoints: [{ baseUrl: toBaseUrl(httpAddress, host), source: `${key} in ${hdfsSite}` }], user };
    }
  }
  if (options.webhdfsAddress) {
    return { endpoints: [{ baseUrl: toBaseUrl(options.webhdfsAddress, host), source: 'fs.hdfs.webhdfs.address in the Flink configuration' }], user };
  }
  if (host === '') throw new HdfsUriError(`hdfs://${authority}/`, 'it names no NameNode host');
  const why = conf.has('hdfs-site.xml') ? `${hdfsSite} sets no dfs.namenode.http-address for ${authority}` : `no hdfs-site.xml (${conf.describe('hdfs-site.xml')})`;
  return { endpoints: [{ baseUrl: `http://${host.includes(':') ? `[${host}]` : host}:${DEFAULT_WEBHDFS_PORT}`, source: `the default WebHDFS port ${DEFAULT_WEBHDFS_PORT} on the host of hdfs://${authority}: ${why} and fs.hdfs.webhdfs.address is unset` }], user };
}

/** The user Hadoop services see from this process: HADOOP_USER_NAME, else the OS user. */
export function hadoopUserName(env: NodeJS.ProcessEnv = process.env): string {
  return env.HADOOP_USER_NAME || safeOsUser();
}

function safeOsUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? 'flink';
  }
}
