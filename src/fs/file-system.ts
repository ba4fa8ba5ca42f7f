/**
 * The file system abstraction: one implementation per URI scheme (`file://` now, `hdfs://` with issue 3),
 * chosen by {@link getFileSystem}. Every place that reads or writes user files goes through it.
 */

export interface FileStatus {
  path: string;
  length: number;
  modificationTime: number;
  isDirectory: boolean;
}

export type WriteMode = 'NO_OVERWRITE' | 'OVERWRITE';

export interface FileSystem {
  readonly scheme: string;
  /** Reads bytes [start, end) (end exclusive; undefined = to the end of the file). */
  open(path: string, range?: { start: number; end?: number }): AsyncIterable<Uint8Array>;
  /**
   * Writes a file atomically: bytes go to a hidden temporary name next to the target and are renamed into
   * place by `commit()`; `abort()` removes the temporary file. Nothing half-written is ever at `path`.
   */
  create(path: string, mode: WriteMode): Promise<FileWriter>;
  mkdirs(path: string): Promise<void>;
  list(path: string): Promise<FileStatus[]>;
  /** Undefined when the path does not exist. */
  stat(path: string): Promise<FileStatus | undefined>;
  exists(path: string): Promise<boolean>;
  delete(path: string, recursive: boolean): Promise<boolean>;
  rename(from: string, to: string): Promise<void>;
}

export interface FileWriter {
  write(chunk: Uint8Array | string): Promise<void>;
  commit(): Promise<void>;
  abort(): Promise<void>;
}
