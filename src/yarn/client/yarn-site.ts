/**
 * Where YARN is, from yarn-site.xml in YARN_CONF_DIR, else HADOOP_CONF_DIR, else $HADOOP_HOME/etc/hadoop (read like
 * the HDFS files, see src/fs/hadoop-config.ts): the ResourceManager's web address (REST) and its scheduler address
 * (what an ApplicationMaster registers with). Every address carries where it came from, so an error can name it.
 */
import { join } from 'node:path';
import { hadoopUserName, loadHadoopConf, type HadoopConf } from '../../fs/index.js';

export const DEFAULT_RM_WEBAPP_PORT = 8088;
export const DEFAULT_RM_SCHEDULER_PORT = 8030;

export interface YarnAddress {
  host: string;
  port: number;
  /** e.g. `yarn.resourcemanager.scheduler.address in /etc/hadoop/yarn-site.xml`. */
  source: string;
}

export interface ResourceManagerEndpoint {
  /** `http://host:port`, without /ws/v1. */
  baseUrl: string;
  source: string;
}

export interface YarnSettings {
  /** Candidate ResourceManager web endpoints in order (several with RM high availability). */
  webapp: ResourceManagerEndpoint[];
  /** The RM scheduler (ApplicationMasterProtocol) address: for the AM, which cannot read yarn-site.xml itself. */
  scheduler: YarnAddress;
  /** The user the RM and HDFS see: HADOOP_USER_NAME, else the OS user. */
  user: string;
  /** The directory yarn-site.xml was read from (undefined when none is configured). */
  confDir: string | undefined;
}

/** Reads the YARN client settings; never touches the network. */
export function resolveYarnSettings(env: NodeJS.ProcessEnv = process.env): YarnSettings {
  const dir = env.YARN_CONF_DIR || env.HADOOP_CONF_DIR || (env.HADOOP_HOME ? join(env.HADOOP_HOME, 'etc', 'hadoop') : undefined);
  const conf = loadHadoopConf(env, ['core-site.xml', 'yarn-site.xml'], dir);
  return {
    webapp: webappEndpoints(conf),
    scheduler: rmAddress(conf, 'yarn.resourcemanager.scheduler.address', DEFAULT_RM_SCHEDULER_PORT, haIds(conf)[0]),
    user: hadoopUserName(env),
    confDir: dir,
  };
}

function haIds(conf: HadoopConf): string[] {
  if ((conf.get('yarn.resourcemanager.ha.enabled') ?? 'false').trim().toLowerCase() !== 'true') return [];
  return (conf.get('yarn.resourcemanager.ha.rm-ids') ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

function webappEndpoints(conf: HadoopConf): ResourceManagerEndpoint[] {
  const ids = haIds(conf);
  const list = ids.length > 0 ? ids.map((id) => rmAddress(conf, 'yarn.resourcemanager.webapp.address', DEFAULT_RM_WEBAPP_PORT, id)) : [rmAddress(conf, 'yarn.resourcemanager.webapp.address', DEFAULT_RM_WEBAPP_PORT, undefined)];
  return list.map((a) => ({ baseUrl: `http://${a.host.includes(':') ? `[${a.host}]` : a.host}:${a.port}`, source: a.source }));
}

/**
 * `key` (or `key.<rmId>`), else `yarn.resourcemanager.hostname[.<rmId>]`:defaultPort, else localhost:defaultPort
 * (Hadoop's default host is 0.0.0.0, which a client reaches on its own host). A wildcard bind address is reached under the RM host name, as Hadoop's clients do.
 */
function rmAddress(conf: HadoopConf, key: string, defaultPort: number, rmId: string | undefined): YarnAddress {
  const fullKey = rmId === undefined ? key : `${key}.${rmId}`;
  const hostKey = rmId === undefined ? 'yarn.resourcemanager.hostname' : `yarn.resourcemanager.hostname.${rmId}`;
  const hostname = conf.get(hostKey)?.trim();
  const value = conf.get(fullKey)?.trim();
  if (value) {
    const { host, port } = splitHostPort(value, defaultPort);
    const reachable = host === '0.0.0.0' || host === '' ? (hostname ?? 'localhost') : host;
    return { host: reachable, port, source: conf.sourceOf(fullKey) };
  }
  if (hostname) return { host: hostname, port: defaultPort, source: `${conf.sourceOf(hostKey)} with the default port ${defaultPort} (${fullKey} unset)` };
  const where = conf.dir === undefined ? 'no yarn-site.xml (YARN_CONF_DIR and HADOOP_CONF_DIR unset)' : conf.has('yarn-site.xml') ? `${join(conf.dir, 'yarn-site.xml')} sets neither ${fullKey} nor ${hostKey}` : `no yarn-site.xml in ${conf.dir}`;
  return { host: 'localhost', port: defaultPort, source: `the default localhost:${defaultPort}: ${where}` };
}

function splitHostPort(value: string, defaultPort: number): { host: string; port: number } {
  const v = value.replace(/^https?:\/\//i, '').replace(/\/.*$/, '');
  const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(v) ?? /^([^:]*)(?::(\d+))?$/.exec(v);
  if (!m) return { host: v, port: defaultPort };
  return { host: m[1] ?? '', port: m[2] === undefined ? defaultPort : Number(m[2]) };
}
