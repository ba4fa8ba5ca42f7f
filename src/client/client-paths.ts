import { isAbsolute, resolve } from 'node:path';

/**
 * A path given on the command line, as the cluster should read it: URIs (`hdfs://...`, `file:///...`) and absolute
 * paths stay as they are; a relative path means this shell's directory, not the JobManager's, so it is made
 * absolute here.
 */
export function clientPath(path: string): string {
  if (/^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(path) || isAbsolute(path)) return path;
  return resolve(path);
}
