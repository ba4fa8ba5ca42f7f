/**
 * File systems by URI scheme. `file://` and plain paths now; `hdfs://` (through WebHDFS) comes next.
 *
 * ```ts
 * const fs = getFileSystem('file:///tmp/in.txt');
 * for await (const chunk of fs.open('file:///tmp/in.txt')) { ... }
 * ```
 */
import { LocalFileSystem } from './local-file-system.js';
import type { FileSystem } from './file-system.js';
import { FlinkError } from '../util/errors.js';

export type { FileStatus, FileSystem, FileWriter, WriteMode } from './file-system.js';
export { FileAlreadyExistsError, FileNotFoundError, LocalFileSystem, toLocalPath } from './local-file-system.js';

const local = new LocalFileSystem();

export class UnsupportedFileSystemSchemeError extends FlinkError {
  constructor(scheme: string, path: string) {
    super('UNSUPPORTED_FS_SCHEME', `Could not find a file system implementation for scheme '${scheme}' (path ${path}). Supported: file:// and plain paths.`);
  }
}

export function getFileSystem(path: string): FileSystem {
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(path);
  if (!m || m[1] === 'file') return local;
  throw new UnsupportedFileSystemSchemeError(m[1] as string, path);
}

/** Joins a child name to a path or URI. */
export function childPath(parent: string, child: string): string {
  return parent.endsWith('/') ? `${parent}${child}` : `${parent}/${child}`;
}
