/**
 * Finding and reading flink-conf.yaml, and layering it: defaults < file < environment < dynamic properties.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LineCounter, isAlias, isMap, isScalar, isSeq, parseDocument, type Document, type Node, type Scalar } from 'yaml';
import { lookupOption } from './all-options.js';
import { CoreOptions, JobManagerOptions, RestOptions } from './cluster-options.js';
import { Configuration } from './configuration.js';
import { ConfigurationError } from './configuration-error.js';
import type { Origin, RawEntry } from './values.js';

export const CONF_FILE_NAME = 'flink-conf.yaml';

/** Environment variables that override file values, as Flink's scripts do. */
const ENV_OVERRIDES: ReadonlyArray<readonly [string, string]> = [
  ['FLINK_LOG_DIR', CoreOptions.FLINK_LOG_DIR.key],
  ['FLINK_PID_DIR', CoreOptions.FLINK_PID_DIR.key],
  ['FLINK_SSH_OPTS', CoreOptions.FLINK_SSH_OPTS.key],
];

let packageRoot: string | undefined;

/** $FLINK_HOME if set, else the flink-ts package root this module belongs to. */
export function flinkHome(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env['FLINK_HOME'];
  if (fromEnv !== undefined && fromEnv !== '') return path.resolve(fromEnv);
  packageRoot ??= findPackageRoot(path.dirname(fileURLToPath(import.meta.url)));
  return packageRoot;
}

function findPackageRoot(start: string): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    try {
      const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: unknown };
      if (pkg.name === 'flink-ts') return dir;
    } catch {
      // No (readable) package.json here; keep walking up.
    }
    if (path.dirname(dir) === dir) {
      throw new ConfigurationError(
        `Cannot find the flink-ts installation: no package.json of flink-ts above ${start}. Set FLINK_HOME to the flink-ts directory`,
      );
    }
  }
}

/** $FLINK_CONF_DIR, else <flinkHome>/conf. */
export function confDir(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env['FLINK_CONF_DIR'];
  if (fromEnv !== undefined && fromEnv !== '') return path.resolve(fromEnv);
  return path.join(flinkHome(env), 'conf');
}

/** The log directory: env.log.dir (or FLINK_LOG_DIR), else <flinkHome>/log. */
export function logDir(conf: Configuration, env: NodeJS.ProcessEnv = process.env): string {
  return conf.getOptional(CoreOptions.FLINK_LOG_DIR) ?? path.join(flinkHome(env), 'log');
}

/** The address clients use for the REST endpoint: rest.address, else jobmanager.rpc.address. */
export function restAddress(conf: Configuration): string {
  return conf.getOptional(RestOptions.ADDRESS) ?? conf.get(JobManagerOptions.ADDRESS);
}

/** "key=value" (the argument of -D) as a tuple. */
export function parseDynamicProperty(arg: string): [string, string] {
  const eq = arg.indexOf('=');
  const key = eq < 0 ? '' : arg.slice(0, eq).trim();
  if (key === '') {
    throw new ConfigurationError(`Invalid dynamic property '${arg}': expected -D key=value, e.g. -D taskmanager.numberOfTaskSlots=2`);
  }
  return [key, arg.slice(eq + 1)];
}

export interface LoadOptions {
  /** The directory holding flink-conf.yaml; it must exist. Defaults to confDir(env). */
  readonly confDir?: string;
  /** -D key=value pairs; they override everything else. */
  readonly dynamicProperties?: Record<string, string>;
  /** Defaults to process.env. */
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * Reads <confDir>/flink-conf.yaml and layers it over the defaults, then the environment, then the dynamic
 * properties. A missing default conf directory or file means defaults; a conf directory given explicitly
 * (argument or FLINK_CONF_DIR) must exist.
 */
export function loadConfiguration(opts: LoadOptions = {}): Configuration {
  const env = opts.env ?? process.env;
  const dir = resolveConfDir(opts, env);
  const file = dir === undefined ? undefined : path.join(dir, CONF_FILE_NAME);
  const fileEntries = file !== undefined && fs.existsSync(file) ? readConfFile(file) : undefined;
  const notes = dir === undefined ? [] : checkForFlinkYamlFile(dir, fileEntries !== undefined);

  const envEntries: RawEntry[] = [];
  for (const [variable, key] of ENV_OVERRIDES) {
    const value = env[variable];
    if (value !== undefined && value !== '') envEntries.push({ key, value, origin: { kind: 'env', variable } });
  }
  const dynamic: Origin = { kind: 'dynamic' };
  const dynamicEntries = Object.entries(opts.dynamicProperties ?? {}).map(([key, value]) => ({ key, value, origin: dynamic }));

  return Configuration.fromLayers([fileEntries ?? [], envEntries, dynamicEntries], fileEntries === undefined ? undefined : file, notes);
}

/** The file name of Flink 1.19 and later: standard, nested YAML. */
const FLINK_YAML_FILE_NAME = 'config.yaml';

/**
 * Flink 1.19+ reads conf/config.yaml (nested YAML) and Flink 2 reads only that; flink-ts reads flink-conf.yaml.
 * Silently starting on defaults next to a user's config.yaml would run a cluster on the wrong ports and
 * addresses, so that is an error; a config.yaml beside a flink-conf.yaml is only pointed out.
 */
function checkForFlinkYamlFile(dir: string, haveConfFile: boolean): string[] {
  const yamlFile = path.join(dir, FLINK_YAML_FILE_NAME);
  if (!fs.existsSync(yamlFile)) return [];
  if (haveConfFile) {
    return [`${yamlFile} is not read: flink-ts reads ${path.join(dir, CONF_FILE_NAME)} and ignores Flink's ${FLINK_YAML_FILE_NAME}`];
  }
  throw new ConfigurationError(
    `Invalid configuration: ${dir} has ${FLINK_YAML_FILE_NAME} (the nested YAML file of Flink 1.19 and later) but no ${CONF_FILE_NAME}, ` +
      `the only file flink-ts reads. Write its settings into ${path.join(dir, CONF_FILE_NAME)} as flat 'key: value' lines ` +
      `(a nested 'jobmanager:' / '  rpc:' / '    port: 6123' becomes 'jobmanager.rpc.port: 6123')`,
    { file: yamlFile },
  );
}

function resolveConfDir(opts: LoadOptions, env: NodeJS.ProcessEnv): string | undefined {
  let dir: string;
  let givenBy: string | undefined;
  if (opts.confDir !== undefined) {
    dir = path.resolve(opts.confDir);
    givenBy = 'the given configuration directory';
  } else if (env['FLINK_CONF_DIR'] !== undefined && env['FLINK_CONF_DIR'] !== '') {
    dir = confDir(env);
    givenBy = 'FLINK_CONF_DIR';
  } else {
    dir = confDir(env);
  }
  let isDir = false;
  try {
    isDir = fs.statSync(dir).isDirectory();
  } catch {
    isDir = false;
  }
  if (isDir) return dir;
  if (givenBy === undefined) return undefined;
  throw new ConfigurationError(
    `Invalid configuration: ${givenBy} ${dir} does not exist or is not a directory. Point --configDir or FLINK_CONF_DIR at the directory that holds ${CONF_FILE_NAME}`,
    { file: dir },
  );
}

/** The `key: value` entries of a flat flink-conf.yaml, in file order (duplicates kept: the last one wins later). */
export function readConfFile(file: string): RawEntry[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new ConfigurationError(`Invalid configuration: cannot read ${file} (${reason}). Check that the file is readable`, { file, cause: err });
  }
  return parseConfText(text, file);
}

/** Parses flat YAML text; `file` names the source in errors. */
export function parseConfText(text: string, file: string): RawEntry[] {
  const lineCounter = new LineCounter();
  // Flink lets the last occurrence of a key win, so duplicate keys must not be a YAML error.
  const doc = parseDocument(text, { uniqueKeys: false, lineCounter, prettyErrors: false });
  const lineOf = (offset: number): number => lineCounter.linePos(offset).line;
  const fail = (line: number, message: string, key?: string): ConfigurationError =>
    new ConfigurationError(`Invalid configuration in ${file}:${line}: ${message}`, { file, line, ...(key === undefined ? {} : { key }) });

  const syntax = doc.errors[0];
  if (syntax !== undefined) {
    const reason =
      syntax.code === 'MULTIPLE_DOCS'
        ? "more than one YAML document (a '---' line)"
        : syntax.message.replace(/\s+/g, ' ').replace(/[.:]\s*$/, '');
    throw fail(
      lineOf(syntax.pos[0]),
      `malformed YAML: ${reason}. ${CONF_FILE_NAME} holds one 'key: value' per line; quote values that contain ': ' or ' #'`,
    );
  }
  const root = doc.contents;
  if (root === null || (isScalar(root) && (root.value === null || root.value === ''))) return [];
  if (!isMap(root)) {
    throw fail(lineOf(root.range?.[0] ?? 0), `expected 'key: value' lines, e.g. jobmanager.rpc.address: localhost`);
  }

  const entries: RawEntry[] = [];
  for (const pair of root.items) {
    const keyNode = pair.key as Node | null;
    const line = lineOf(keyNode?.range?.[0] ?? (pair.value as Node | null)?.range?.[0] ?? 0);
    if (!isScalar(keyNode) || keyNode.value === null || scalarText(keyNode).trim() === '') {
      throw fail(line, `expected 'key: value', found no plain key. Write one option per line, e.g. parallelism.default: 1`);
    }
    const key = scalarText(keyNode).trim();
    let valueNode = pair.value as Node | null;
    if (isAlias(valueNode)) valueNode = (valueNode.resolve(doc as Document) as Node | undefined) ?? null;
    // Flink skips keys without a value.
    if (valueNode === null || (isScalar(valueNode) && scalarText(valueNode) === '')) continue;
    if (isMap(valueNode)) {
      const leaf = firstLeaf(key, valueNode);
      throw fail(
        line,
        `${key}: nested values are not supported; ${CONF_FILE_NAME} is flat. Write the full key on one line` +
          (leaf === undefined ? '' : `, e.g. ${leaf}`),
        key,
      );
    }
    if (isSeq(valueNode)) {
      entries.push({ key, value: sequenceText(key, valueNode.items as unknown[], (msg) => fail(line, msg, key)), origin: { kind: 'file', file, line } });
      continue;
    }
    if (!isScalar(valueNode)) throw fail(line, `${key}: unsupported value`, key);
    entries.push({ key, value: scalarText(valueNode), origin: { kind: 'file', file, line } });
  }
  return entries;
}

/** The text as written: for plain scalars that keeps "1.0" or "0123" instead of YAML's number reading. */
function scalarText(node: Scalar): string {
  return typeof node.source === 'string' ? node.source : node.value === null ? '' : String(node.value);
}

/** A YAML list is accepted for list options, joined with the option's separator. */
function sequenceText(key: string, items: unknown[], fail: (message: string) => ConfigurationError): string {
  const option = lookupOption(key)?.option;
  if (option === undefined || option.type !== 'list') {
    throw fail(`${key}: a YAML list is only allowed for list options. Write the value on one line, e.g. ${key}: value`);
  }
  const separator = option.listSeparators?.[0] ?? ';';
  return items
    .map((item) => {
      if (!isScalar(item)) throw fail(`${key}: list entries must be plain values`);
      return scalarText(item);
    })
    .join(separator);
}

function firstLeaf(prefix: string, node: unknown): string | undefined {
  if (!isMap(node)) return isScalar(node) ? `${prefix}: ${scalarText(node)}` : undefined;
  const first = node.items[0];
  if (first === undefined || !isScalar(first.key)) return undefined;
  return firstLeaf(`${prefix}.${scalarText(first.key)}`, first.value);
}
