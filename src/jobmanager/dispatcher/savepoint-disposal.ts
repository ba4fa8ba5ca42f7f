/**
 * `bin/flink savepoint -d <path>` / `POST /savepoint-disposal`: removes a savepoint's directory, on any file
 * system flink-ts knows (`file://`, plain paths, `hdfs://`). Only a directory holding a `_metadata` file is a
 * savepoint; anything else is refused, so a mistyped path cannot wipe an unrelated directory.
 */
import { childPath, getFileSystem } from '../../fs/index.js';
import { FlinkError } from '../../util/errors.js';

const METADATA = '_metadata';

export class SavepointNotFoundError extends FlinkError {
  constructor(path: string) {
    super('SAVEPOINT_NOT_FOUND', `There is no savepoint at '${path}': the path does not exist. Check the path that "savepoint" printed.`);
  }
}

export class NotASavepointError extends FlinkError {
  constructor(path: string) {
    super(
      'NOT_A_SAVEPOINT',
      `'${path}' is not a savepoint: it has no ${METADATA} file, so it was left untouched. ` +
        `Give the savepoint's directory (the path "savepoint" printed) or its ${METADATA} file.`,
    );
  }
}

/** The path without trailing slashes (`/` stays `/`). */
function withoutTrailingSlash(path: string): string {
  const trimmed = path.replace(/\/+$/, '');
  return trimmed === '' ? path : trimmed;
}

/** Removes the savepoint at `path` (its directory or its `_metadata` file) with everything in it. */
export async function disposeSavepointAt(path: string): Promise<void> {
  const given = withoutTrailingSlash(path.trim());
  const fs = getFileSystem(given);
  const status = await fs.stat(given);
  if (!status) throw new SavepointNotFoundError(path);
  let dir = given;
  if (!status.isDirectory) {
    const slash = given.lastIndexOf('/');
    if (slash <= 0 || given.slice(slash + 1) !== METADATA) throw new NotASavepointError(path);
    dir = given.slice(0, slash);
  }
  const metadata = await fs.stat(childPath(dir, METADATA));
  if (!metadata || metadata.isDirectory) throw new NotASavepointError(path);
  await fs.delete(dir, true);
}
