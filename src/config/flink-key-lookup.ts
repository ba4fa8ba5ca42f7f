/**
 * Which configuration keys Apache Flink knows. A Flink configuration file carries many keys flink-ts has no use
 * for (metrics reporters, Kerberos, network memory fractions, ...); Flink itself ignores keys it does not read,
 * so such a key is reported as a warning here, not refused. A key neither flink-ts nor Flink knows stays an error.
 *
 * The registry of our own options always answers first: a key in both is ours.
 */
import { closestKey, closestNamedKey } from './all-options.js';
import { FLINK_KEYS } from './flink-keys.js';

/**
 * Families of keys Flink reads under a prefix, whose last parts are free (a reporter's name, a file system's
 * scheme, an environment variable). `<x>` is one dot-separated part; a `<x>` at the end is one part or more.
 */
export const FLINK_KEY_PATTERNS: readonly string[] = Object.freeze([
  'metrics.reporter.<name>.<option>',
  'external-resource.<name>.<option>',
  'containerized.master.env.<variable>',
  'containerized.taskmanager.env.<variable>',
  'env.java.opts.<component>',
  'sql-gateway.endpoint.<type>.<option>',
  'security.ssl.<option>',
  'security.kerberos.<option>',
  // File system plugins pass these on to the Hadoop, S3, Azure, OSS and GCS clients.
  'fs.<scheme>.<option>',
  's3.<option>',
  's3a.<option>',
  'presto.s3.<option>',
  'gs.<option>',
  'flink.hadoop.<option>',
  'flink.yarn.<option>',
  'yarn.<option>',
]);

let exact: ReadonlySet<string> | undefined;
let patterns: readonly RegExp[] | undefined;

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A placeholder part: `<name>`, or `#` as some of Flink's own templates write it. */
const PLACEHOLDER = /^(<[^>]+>|#)$/;

function compile(pattern: string): RegExp {
  const parts = pattern.split('.');
  const source = parts
    .map((part, i) => (PLACEHOLDER.test(part) ? (i === parts.length - 1 ? '[^.]+(?:\\.[^.]+)*' : '[^.]+') : escape(part)))
    .join('\\.');
  return new RegExp(`^${source}$`);
}

/** A declared key that is a template (Flink documents some families as e.g. `flink.hadoop.<key>`). */
function isTemplate(key: string): boolean {
  return key.split('.').some((part) => PLACEHOLDER.test(part));
}

function exactKeys(): ReadonlySet<string> {
  exact ??= new Set(FLINK_KEYS.filter((key) => !isTemplate(key)));
  return exact;
}

/** Whether `key` is one of the keys Flink 1.9 to 1.20 declares (including its deprecated keys). */
export function isDeclaredFlinkKey(key: string): boolean {
  return exactKeys().has(key);
}

/** Whether `key` belongs to one of Flink's key families (FLINK_KEY_PATTERNS and Flink's own templates). */
export function matchesFlinkKeyFamily(key: string): boolean {
  // A template needs a fixed part: Flink's bare `<parameter>` would otherwise match every key.
  patterns ??= [...FLINK_KEY_PATTERNS, ...FLINK_KEYS.filter((k) => isTemplate(k) && !k.split('.').every((p) => PLACEHOLDER.test(p)))].map(compile);
  return patterns.some((p) => p.test(key));
}

/**
 * Whether a key that is not ours is one Flink knows, so that it gets a warning instead of an error. A key that
 * only fits a family (fs.<scheme>.<option>) and is one typo away from one of our keys is treated as that typo:
 * `fs.hdfs.webhdfs.adress` must not pass silently as "some file system option", nor `metrics.reporter.prom.intervall`
 * as some reporter's parameter.
 */
export function isFlinkOnlyKey(key: string): boolean {
  if (isDeclaredFlinkKey(key)) return true;
  return matchesFlinkKeyFamily(key) && closestKey(key) === undefined && closestNamedKey(key) === undefined;
}

/** The declared Flink key closest to `unknown`, when it is close enough to be a likely typo. */
export function closestFlinkKey(unknown: string): string | undefined {
  return closestKey(unknown, exactKeys());
}
