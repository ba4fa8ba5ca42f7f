/**
 * flink-ts itself as a YARN ARCHIVE resource: package.json, dist/src, bin/ and the production node_modules (the
 * package-lock.json entries not marked `"dev": true`) in one tar.gz, named by a SHA-256 over what goes in (paths,
 * modes, contents). And the Node.js runtime the same way (the client's own `node`, as `bin/node`), for
 * NodeManagers without Node.
 *
 * Packing reads every file, so archives are cached locally (~/.cache/flink-ts, else the temp dir) under a
 * fingerprint of the inputs' paths, sizes, modification times and modes: an unchanged install is recognised
 * from a stat walk, without reading node_modules again. {@link ensureSharedArchive} uploads an archive once to
 * the shared lib directory in HDFS; later submissions find it there with the same size and upload nothing.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { chmod, copyFile, lstat, mkdir, readdir, readFile, readlink, rename, rm, stat, writeFile, mkdtemp } from 'node:fs/promises';
import { homedir, tmpdir, userInfo } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { FileAlreadyExistsError, parseHdfsUri, type HdfsFileSystem } from '../../fs/index.js';
import type { LocalResource } from './rm-rest-client.js';
import { describeLocalResource, hdfsOf, isPubliclyReadable, uploadFile, type HdfsAccess } from './staging.js';
import { YarnDeploymentError } from './yarn-errors.js';

/** Bump when what goes into an archive changes, so old cache entries are not taken for new ones. */
const FORMAT = 'flink-ts-archive-1';
/** Archives of each kind kept in the local cache (the newest ones). */
const KEEP_CACHED = 3;

export type ArchiveKind = 'platform' | 'node';

/** A packed archive in the local cache. */
export interface CachedArchive {
  kind: ArchiveKind;
  /** The local .tar.gz. */
  path: string;
  /** File name, also its name in the shared HDFS directory: `flink-ts-<version>-<hash16>.tar.gz`, `node-<version>-<platform>-<arch>-<hash16>.tar.gz`. */
  fileName: string;
  /** SHA-256 (hex) over the archived paths, modes and contents. */
  hash: string;
  /** Bytes of the .tar.gz. */
  size: number;
  /** Files inside. */
  files: number;
  /** True when this call packed it (cache miss); false when the cache had it. */
  packedNow: boolean;
}

export interface PlatformArchiveOptions {
  /** The flink-ts installation (the directory with package.json, dist/, bin/, node_modules/); default: this one. */
  home?: string;
  /** Default {@link defaultCacheDir}. */
  cacheDir?: string;
}

/** One input file: its path relative to the archive root and where it is read from. */
export interface ArchiveInput {
  name: string;
  source: string;
}

/** The flink-ts installation this module runs from (dist/src/yarn/client → four levels up). */
export function installationHome(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
}

/** `$XDG_CACHE_HOME/flink-ts`, else `~/.cache/flink-ts`; the temp directory when there is no usable home. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.XDG_CACHE_HOME) return join(env.XDG_CACHE_HOME, 'flink-ts');
  let home = '';
  try {
    home = homedir();
  } catch {
    // no home directory (some containers)
  }
  if (home && home !== '/') return join(home, '.cache', 'flink-ts');
  let uid = 'user';
  try {
    uid = String(userInfo().uid);
  } catch {
    // keep the generic name
  }
  return join(tmpdir(), `flink-ts-cache-${uid}`);
}

/**
 * What goes into the platform archive, sorted by name: package.json, dist/src (without type declarations),
 * dist/web (the dashboard), bin/, src/yarn/proto/*.proto, and each non-dev package of package-lock.json that is installed (each package without its nested
 * node_modules, which are packages of their own in the lock file). Without a package-lock.json (an install from
 * the registry), all of node_modules but its .bin links.
 */
export async function platformInputs(home: string): Promise<ArchiveInput[]> {
  const out: ArchiveInput[] = [];
  const add = (name: string): void => void out.push({ name, source: join(home, name) });
  if (!existsSync(join(home, 'package.json'))) throw new YarnDeploymentError(`${home} is not a flink-ts installation (no package.json); cannot pack the platform for YARN.`);
  if (!existsSync(join(home, 'dist', 'src'))) throw new YarnDeploymentError(`${home} has no dist/src; build flink-ts first (npm run build).`);
  add('package.json');
  for (const f of await walk(home, 'dist/src', () => true)) if (!/\.d\.ts(\.map)?$/.test(f)) add(f);
  // The web dashboard the ApplicationMaster's REST endpoint serves (built by npm ci / npm run build).
  if (existsSync(join(home, 'dist', 'web'))) for (const f of await walk(home, 'dist/web', () => true)) add(f);
  if (existsSync(join(home, 'bin'))) for (const f of await walk(home, 'bin', () => true)) add(f);
  // The YARN protocol definitions, which the ApplicationMaster loads at run time (src/yarn/ipc/proto-codec.ts).
  if (existsSync(join(home, 'src', 'yarn', 'proto'))) for (const f of await walk(home, 'src/yarn/proto', () => true)) if (f.endsWith('.proto')) add(f);
  const lockPath = join(home, 'package-lock.json');
  if (existsSync(lockPath)) {
    const lock = JSON.parse(await readFile(lockPath, 'utf8')) as { packages?: Record<string, { dev?: boolean; link?: boolean }> };
    for (const [key, entry] of Object.entries(lock.packages ?? {})) {
      if (!key.startsWith('node_modules/') || entry.dev === true || !existsSync(join(home, key))) continue;
      for (const f of await walk(home, key, (dir) => !dir.endsWith('/node_modules'))) add(f);
    }
  } else if (existsSync(join(home, 'node_modules'))) {
    for (const f of await walk(home, 'node_modules', (dir) => !dir.endsWith('/.bin'))) if (!f.endsWith('/.package-lock.json')) add(f);
  }
  out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return out;
}

/** Relative paths of the files (and symlinks) under `rel`, descending into directories `enter` accepts. */
async function walk(root: string, rel: string, enter: (dirRel: string) => boolean): Promise<string[]> {
  const files: string[] = [];
  const visit = async (dirRel: string): Promise<void> => {
    const entries = await readdir(join(root, dirRel), { withFileTypes: true });
    for (const e of entries) {
      const child = `${dirRel}/${e.name}`;
      if (e.isDirectory()) {
        if (enter(child)) await visit(child);
      } else if (e.isFile() || e.isSymbolicLink()) {
        files.push(child);
      }
    }
  };
  const st = await lstat(join(root, rel));
  if (st.isDirectory()) await visit(rel);
  else files.push(rel);
  return files;
}

/** The fingerprint of inputs from metadata alone: names, sizes, modification times, modes (a stat walk). */
async function fingerprint(kind: ArchiveKind, inputs: readonly ArchiveInput[]): Promise<string> {
  const h = createHash('sha256').update(`${FORMAT}\0${kind}\n`);
  for (const f of inputs) {
    const st = await lstat(f.source);
    h.update(`${f.name}\0${f.source}\0${st.size}\0${st.mtimeMs}\0${st.mode}\0${st.ino}\n`);
  }
  return h.digest('hex');
}

/** The content hash: names, modes and bytes of every input (symlinks by their target). */
async function contentHash(kind: ArchiveKind, inputs: readonly ArchiveInput[]): Promise<string> {
  const h = createHash('sha256').update(`${FORMAT}\0${kind}\n`);
  for (const f of inputs) {
    const st = await lstat(f.source);
    if (st.isSymbolicLink()) {
      h.update(`L\0${f.name}\0${await readlink(f.source)}\n`);
      continue;
    }
    h.update(`F\0${f.name}\0${(st.mode & 0o111) !== 0 ? 'x' : '-'}\0${st.size}\n`);
    for await (const chunk of createReadStream(f.source, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) h.update(chunk);
  }
  return h.digest('hex');
}

interface IndexEntry {
  fileName: string;
  hash: string;
  size: number;
  files: number;
}

/** The cached archive indexed under `fp`, if the cache still has it. */
async function lookupCache(kind: ArchiveKind, fp: string, cacheDir: string): Promise<CachedArchive | undefined> {
  try {
    const hit = JSON.parse(await readFile(join(cacheDir, 'index', `${kind}-${fp}.json`), 'utf8')) as IndexEntry;
    const path = join(cacheDir, 'archives', hit.fileName);
    if ((await stat(path)).size === hit.size) return { kind, path, fileName: hit.fileName, hash: hit.hash, size: hit.size, files: hit.files, packedNow: false };
  } catch {
    // not cached, or the archive was removed
  }
  return undefined;
}

/**
 * Packs `inputs` (names relative to `packRoot`) into `<cacheDir>/archives/<namePrefix>-<hash16>.tar.gz`, unless the
 * cache has an archive for their fingerprint (`fp`: the inputs' own unless given).
 */
async function cachedArchive(kind: ArchiveKind, namePrefix: string, cacheDir: string, inputs: readonly ArchiveInput[], packRoot: string, fp?: string): Promise<CachedArchive> {
  const archives = join(cacheDir, 'archives');
  await mkdir(archives, { recursive: true });
  await mkdir(join(cacheDir, 'index'), { recursive: true });
  const key = fp ?? (await fingerprint(kind, inputs));
  const indexFile = join(cacheDir, 'index', `${kind}-${key}.json`);
  const hit = await lookupCache(kind, key, cacheDir);
  if (hit) return hit;
  const hash = await contentHash(kind, inputs);
  const fileName = `${namePrefix}-${hash.slice(0, 16)}.tar.gz`;
  const target = join(archives, fileName);
  let size: number;
  const existing = await stat(target).catch(() => undefined);
  if (existing) {
    // Same content under another fingerprint (e.g. a touched file): the archive is already there.
    size = existing.size;
  } else {
    const tmp = join(archives, `.${fileName}.${randomBytes(4).toString('hex')}.tmp`);
    try {
      await packInWorker({ cwd: packRoot, file: tmp, names: inputs.map((f) => f.name) });
      await rename(tmp, target);
    } finally {
      await rm(tmp, { force: true });
    }
    size = (await stat(target)).size;
    await prune(archives, kind === 'platform' ? 'flink-ts' : 'node', fileName);
  }
  const entry: IndexEntry = { fileName, hash, size, files: inputs.length };
  const tmpIndex = `${indexFile}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(tmpIndex, JSON.stringify(entry));
  await rename(tmpIndex, indexFile);
  return { kind, path: target, fileName, hash, size, files: inputs.length, packedNow: !existing };
}

/** Runs pack-worker.js (see there why a worker) and waits for its answer. */
function packInWorker(req: { cwd: string; file: string; names: string[] }): Promise<void> {
  return new Promise((resolvePack, rejectPack) => {
    const worker = new Worker(new URL('./pack-worker.js', import.meta.url), { workerData: req });
    let answered = false;
    worker.once('message', (m: { ok: boolean; message?: string }) => {
      answered = true;
      if (m.ok) resolvePack();
      else rejectPack(new YarnDeploymentError(`Packing ${req.file} from ${req.cwd} failed: ${m.message ?? 'unknown error'}`));
    });
    worker.once('error', (err) => {
      answered = true;
      rejectPack(new YarnDeploymentError(`Packing ${req.file} from ${req.cwd} failed: ${err.message}`, err));
    });
    worker.once('exit', (code) => {
      if (!answered) rejectPack(new YarnDeploymentError(`The packing worker for ${req.file} exited with code ${code} without an answer`));
    });
  });
}

/** Keeps the newest {@link KEEP_CACHED} archives whose name starts with `family-`; an install's old builds go. */
async function prune(archives: string, family: string, keep: string): Promise<void> {
  const names = (await readdir(archives)).filter((n) => n.startsWith(`${family}-`) && n.endsWith('.tar.gz') && n !== keep);
  const dated = await Promise.all(names.map(async (n) => ({ n, t: (await stat(join(archives, n)).catch(() => undefined))?.mtimeMs ?? 0 })));
  dated.sort((a, b) => b.t - a.t);
  for (const { n } of dated.slice(KEEP_CACHED - 1)) await rm(join(archives, n), { force: true });
}

/** The platform archive of an installation, packed on the first call and taken from the cache after. */
export async function platformArchive(options: PlatformArchiveOptions = {}): Promise<CachedArchive> {
  const home = options.home ?? installationHome();
  const pkg = JSON.parse(await readFile(join(home, 'package.json'), 'utf8')) as { version?: string };
  const inputs = await platformInputs(home);
  return cachedArchive('platform', `flink-ts-${pkg.version ?? '0'}`, options.cacheDir ?? defaultCacheDir(), inputs, home);
}

/**
 * The Node.js runtime as an archive holding `bin/node` (an ARCHIVE keeps the executable bit through
 * localization). Default: the running `process.execPath`.
 */
export async function nodeRuntimeArchive(options: { execPath?: string; cacheDir?: string; version?: string } = {}): Promise<CachedArchive> {
  const execPath = options.execPath ?? process.execPath;
  const version = options.version ?? process.version;
  const cacheDir = options.cacheDir ?? defaultCacheDir();
  const prefix = `node-${version}-${process.platform}-${process.arch}`;
  // A cache hit costs one stat of the binary; a miss packs a private copy named bin/node.
  const fp = await fingerprint('node', [{ name: 'bin/node', source: execPath }]);
  const hit = await lookupCache('node', fp, cacheDir);
  if (hit) return hit;
  await mkdir(cacheDir, { recursive: true });
  const stage = await mkdtemp(join(cacheDir, '.node-'));
  try {
    await mkdir(join(stage, 'bin'));
    await copyFile(execPath, join(stage, 'bin', 'node'));
    await chmod(join(stage, 'bin', 'node'), 0o755);
    return await cachedArchive('node', prefix, cacheDir, [{ name: 'bin/node', source: join(stage, 'bin', 'node') }], stage, fp);
  } finally {
    await rm(stage, { recursive: true, force: true });
  }
}

/** An archive in the shared HDFS directory, as a local resource. */
export interface SharedArchive {
  resource: LocalResource;
  /** Bytes this call uploaded: 0 when the archive was already there. */
  uploadedBytes: number;
}

/**
 * Makes sure `<sharedDir>/<archive.fileName>` exists, uploading it when it does not: to a temporary name, then an
 * atomic rename that never replaces a file another client put there first. The name is content-addressed and
 * only complete files get it, so a file already there is used as it is, even if its size differs (another
 * client's tar version): replacing it would change its modificationTime under applications already submitted
 * with it, and YARN would refuse to localize it for their later containers.
 *
 * Visibility: PUBLIC when the file and every directory above it are readable by all, so each NodeManager
 * localizes it once for every user and application; otherwise PRIVATE (once per user per NodeManager), because
 * YARN refuses a PUBLIC resource it cannot read as anyone.
 */
export async function ensureSharedArchive(archive: CachedArchive, sharedDir: string, options: { replication?: number; access?: HdfsAccess } = {}): Promise<SharedArchive> {
  const fs: HdfsFileSystem = hdfsOf(sharedDir, options.access);
  const client = fs.webHdfs();
  const dir = sharedDir.replace(/\/+$/, '');
  const uri = `${dir}/${archive.fileName}`;
  const path = parseHdfsUri(uri).path;
  let uploadedBytes = 0;
  const existing = await client.getFileStatus(path);
  if (!existing) {
    await client.mkdirs(parseHdfsUri(dir).path);
    const tmpUri = `${dir}/.${archive.fileName}.${randomBytes(6).toString('hex')}.uploading`;
    const tmpPath = parseHdfsUri(tmpUri).path;
    try {
      uploadedBytes = await uploadFile(fs, { name: archive.fileName, path: archive.path }, tmpUri, options.replication === undefined ? {} : { replication: options.replication });
      await client.renameWithOptions(tmpPath, path, 'NONE');
    } catch (err) {
      await client.delete(tmpPath, false).catch(() => false);
      if (!(err instanceof FileAlreadyExistsError)) throw err;
      // Another client uploaded the same archive meanwhile: use theirs.
    }
  }
  const visibility = (await isPubliclyReadable(client, path)) ? 'PUBLIC' : 'PRIVATE';
  return { resource: await describeLocalResource(fs, uri, 'ARCHIVE', visibility), uploadedBytes };
}
