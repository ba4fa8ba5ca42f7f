/**
 * Embedded key-value stores from npm as the disk state backend (issue 9, item 2): which one to build on.
 * Every store gets the same work, in the shape our keyed state would give it:
 *  - key   = key group (u16, big-endian, so a key group is a contiguous range) + the codec bytes of the key
 *            + the state name (the namespace of non-window state is empty);
 *  - value = a record encoded by `encodeRecord` (a small object, 50–60 bytes), decoded, changed and re-encoded
 *            on every update, as ValueState.update would.
 * Phases per store: bulk load of N distinct keys; read-modify-write of U updates with a skewed key distribution
 * (a few hot keys, many cold ones), in batches of one input buffer's worth of records and one by one; point
 * reads; a scan of every key group by prefix (what rescaling does); the on-disk size; then a consistent snapshot
 * taken while updates go on, at the loaded size and again after growing the state to `--big-keys`.
 *
 * Run: `npx tsc -p . && node dist/bench/kv-store.bench.js [--keys 1000000] [--updates 5000000] [--batch 1000]
 *       [--big-keys 12000000] [--stores map,lmdb,classic-level,nxtedition-rocksdb,rocksdb] [--dir /tmp]
 *       [--big-concurrent]`
 * The stores are devDependencies; the chosen one is a dependency (docs/state-backends.md says which and why).
 */
import { createWriteStream, readdirSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { assignToKeyGroup, decodeRecords, encodeRecord } from '../src/runtime/codec/index.js';
import { seededRandom } from '../src/util/seeded-random.js';
import { machine } from './cluster-harness.js';

const MAX_PARALLELISM = 128;
const STATE_NAME = Buffer.from('count', 'utf8');

interface Args {
  keys: number;
  updates: number;
  batch: number;
  bigKeys: number;
  stores: string[];
  dir: string;
  bigConcurrent: boolean;
}

function parseArgs(argv: string[]): Args {
  const a: Args = {
    keys: 1_000_000,
    updates: 5_000_000,
    batch: 1000,
    bigKeys: 12_000_000,
    stores: ['map', 'lmdb', 'classic-level', 'nxtedition-rocksdb', 'rocksdb'],
    dir: tmpdir(),
    bigConcurrent: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    const v = argv[i + 1] ?? '';
    if (k === '--keys') (a.keys = Number(v)), i++;
    else if (k === '--updates') (a.updates = Number(v)), i++;
    else if (k === '--batch') (a.batch = Number(v)), i++;
    else if (k === '--big-keys') (a.bigKeys = Number(v)), i++;
    else if (k === '--stores') (a.stores = v.split(',')), i++;
    else if (k === '--dir') (a.dir = v), i++;
    else if (k === '--big-concurrent') a.bigConcurrent = true;
    else throw new Error(`unknown argument ${k}; see the usage at the top of bench/kv-store.bench.ts`);
  }
  return a;
}

/** The state key of user key `user-<i>`: key group, key bytes, state name. */
function stateKey(i: number): Buffer {
  const key = `user-${i}`;
  const kg = assignToKeyGroup(key, MAX_PARALLELISM);
  const keyBytes = encodeRecord(key);
  const out = Buffer.allocUnsafe(2 + keyBytes.length + STATE_NAME.length);
  out.writeUInt16BE(kg, 0);
  out.set(keyBytes, 2);
  out.set(STATE_NAME, 2 + keyBytes.length);
  return out;
}

interface Counter {
  count: number;
  sum: number;
  last: string;
}

function initialValue(i: number): Uint8Array {
  return encodeRecord({ count: 0, sum: 0, last: `event-${i}` } satisfies Counter);
}

/** ValueState.update's work around the store: decode, change, encode. */
function updated(bytes: Uint8Array | undefined, i: number): Uint8Array {
  const v = bytes === undefined ? { count: 0, sum: 0, last: '' } : (decodeRecords(bytes)[0] as Counter);
  v.count++;
  v.sum += i & 1023;
  v.last = `event-${i}`;
  return encodeRecord(v);
}

/**
 * Skewed key indexes: index = n * u^4 for uniform u, then scrambled by a multiplicative permutation so the hot
 * keys land in different key groups. With this, 1% of the keys take about 32% of the updates.
 */
function skewedIndexes(n: number, count: number, seed: number): Int32Array {
  const rnd = seededRandom(seed);
  const out = new Int32Array(count);
  const step = 2_654_435_761 % n || 1;
  for (let i = 0; i < count; i++) {
    const r = rnd();
    const hot = Math.min(n - 1, Math.floor(n * r * r * r * r));
    out[i] = (hot * step) % n;
  }
  return out;
}

/** The operations each store offers, reduced to what the backend needs. `undefined`-returning reads = absent. */
interface Store {
  readonly name: string;
  /** Whether a point read can run inside a synchronous processElement. */
  readonly syncRead: boolean;
  /** Whether a write can complete inside a synchronous processElement. */
  readonly syncWrite: boolean;
  /** The way a consistent snapshot is taken (for the report). */
  readonly snapshotKind: string;
  load(keys: Buffer[], from: number, to: number): Promise<void>;
  /** Read-modify-write of `idx[from..to)` as one batch (one input buffer of records). */
  rmwBatch(keys: Buffer[], idx: Int32Array, from: number, to: number): Promise<void> | void;
  /** Read-modify-write of one key, made durable in the store before the next one starts. */
  rmwOne(key: Buffer, i: number): Promise<void> | void;
  read(key: Buffer): Promise<Uint8Array | undefined> | Uint8Array | undefined;
  /** Counts the entries of one key group by a prefix scan. */
  scanKeyGroup(kg: number): Promise<number>;
  /** Writes a consistent snapshot under `target`; returns when it is complete. */
  snapshot(target: string): Promise<void>;
  close(): Promise<void>;
}

interface LevelLike {
  open(): Promise<void>;
  close(): Promise<void>;
  put(k: Buffer, v: Uint8Array): Promise<void>;
  get(k: Buffer): Promise<Uint8Array | undefined>;
  getMany(ks: Buffer[]): Promise<(Uint8Array | undefined)[]>;
  batch(ops: { type: 'put'; key: Buffer; value: Uint8Array }[]): Promise<void>;
  iterator(o: { gte?: Buffer; lt?: Buffer }): { nextv(n: number): Promise<[Buffer, Buffer][]>; close(): Promise<void> };
}

function prefixRange(kg: number): { gte: Buffer; lt: Buffer } {
  const gte = Buffer.alloc(2);
  gte.writeUInt16BE(kg, 0);
  const lt = Buffer.alloc(2);
  lt.writeUInt16BE(kg + 1, 0);
  return { gte, lt };
}

/**
 * Level-style stores (LevelDB, RocksDB through abstract-level): writes are asynchronous, so a batch reads its
 * keys first (`getMany`, or a synchronous read where offered), changes them in a JS map and writes one batch.
 * The snapshot is a logical dump: an iterator (which reads from an implicit snapshot) into a file.
 */
class LevelStore implements Store {
  readonly syncWrite = false;
  readonly snapshotKind = 'iterator over an implicit snapshot, dumped to one file';
  constructor(
    readonly name: string,
    private readonly db: LevelLike,
    private readonly getSync: ((k: Buffer) => Uint8Array | undefined) | undefined,
    private readonly getManySync: ((ks: Buffer[]) => (Uint8Array | undefined)[]) | undefined,
  ) {}
  get syncRead(): boolean {
    return this.getSync !== undefined || this.getManySync !== undefined;
  }
  async load(keys: Buffer[], from: number, to: number): Promise<void> {
    for (let s = from; s < to; s += 10_000) {
      const ops = [];
      for (let i = s; i < Math.min(to, s + 10_000); i++) ops.push({ type: 'put' as const, key: keys[i]!, value: initialValue(i) });
      await this.db.batch(ops);
    }
  }
  async rmwBatch(keys: Buffer[], idx: Int32Array, from: number, to: number): Promise<void> {
    const pending = new Map<number, Uint8Array | undefined>();
    const distinct: number[] = [];
    for (let i = from; i < to; i++) {
      const k = idx[i]!;
      if (!pending.has(k)) pending.set(k, undefined), distinct.push(k);
    }
    const ks = distinct.map((k) => keys[k]!);
    const vals = this.getManySync ? this.getManySync(ks) : this.getSync ? ks.map(this.getSync) : await this.db.getMany(ks);
    for (let j = 0; j < distinct.length; j++) pending.set(distinct[j]!, vals[j]);
    for (let i = from; i < to; i++) {
      const k = idx[i]!;
      pending.set(k, updated(pending.get(k), i));
    }
    const ops = [];
    for (const [k, v] of pending) ops.push({ type: 'put' as const, key: keys[k]!, value: v! });
    await this.db.batch(ops);
  }
  async rmwOne(key: Buffer, i: number): Promise<void> {
    const cur = this.getSync ? this.getSync(key) : await this.db.get(key);
    await this.db.put(key, updated(cur, i));
  }
  read(key: Buffer): Promise<Uint8Array | undefined> | Uint8Array | undefined {
    if (this.getSync) return this.getSync(key);
    if (this.getManySync) return this.getManySync([key])[0];
    return this.db.get(key);
  }
  async scanKeyGroup(kg: number): Promise<number> {
    const it = this.db.iterator(prefixRange(kg));
    let n = 0;
    for (;;) {
      const entries = await it.nextv(1000);
      if (entries.length === 0) break;
      n += entries.length;
    }
    await it.close();
    return n;
  }
  async snapshot(target: string): Promise<void> {
    const out = createWriteStream(join(target, 'dump.bin'));
    const it = this.db.iterator({});
    const len = Buffer.alloc(8);
    for (;;) {
      const entries = await it.nextv(1000);
      if (entries.length === 0) break;
      for (const [k, v] of entries) {
        len.writeUInt32BE(k.length, 0);
        len.writeUInt32BE(v.length, 4);
        out.write(Buffer.from(len));
        out.write(k);
        if (!out.write(v)) await once(out, 'drain');
      }
    }
    await it.close();
    out.end();
    await once(out, 'finish');
  }
  close(): Promise<void> {
    return this.db.close();
  }
}

interface LmdbDb {
  getBinary(k: Buffer): Uint8Array | undefined;
  get(k: Buffer): Uint8Array | undefined;
  putSync(k: Buffer, v: Uint8Array): void;
  put(k: Buffer, v: Uint8Array): Promise<boolean>;
  transactionSync<T>(f: () => T): T;
  getRange(o: { start: Buffer; end: Buffer; values: boolean }): Iterable<unknown>;
  backup(path: string, compact: boolean): Promise<void>;
  close(): Promise<void>;
}

/**
 * LMDB: reads and writes are synchronous; a batch is one write transaction (readers see it only on commit).
 * The snapshot is LMDB's environment copy under a read transaction (`backup`), made on a native thread.
 */
class LmdbStore implements Store {
  readonly name = 'lmdb';
  readonly syncRead = true;
  readonly syncWrite = true;
  readonly snapshotKind = 'env copy (mdb_env_copy2) under a read transaction, one file';
  constructor(private readonly db: LmdbDb) {}
  async load(keys: Buffer[], from: number, to: number): Promise<void> {
    for (let s = from; s < to; s += 10_000) {
      this.db.transactionSync(() => {
        for (let i = s; i < Math.min(to, s + 10_000); i++) this.db.putSync(keys[i]!, initialValue(i));
      });
      await new Promise(setImmediate);
    }
  }
  rmwBatch(keys: Buffer[], idx: Int32Array, from: number, to: number): void {
    this.db.transactionSync(() => {
      for (let i = from; i < to; i++) {
        const key = keys[idx[i]!]!;
        this.db.putSync(key, updated(this.db.getBinary(key), i));
      }
    });
  }
  rmwOne(key: Buffer, i: number): void {
    this.db.putSync(key, updated(this.db.getBinary(key), i));
  }
  read(key: Buffer): Uint8Array | undefined {
    return this.db.getBinary(key);
  }
  scanKeyGroup(kg: number): Promise<number> {
    const { gte, lt } = prefixRange(kg);
    let n = 0;
    for (const _e of this.db.getRange({ start: gte, end: lt, values: true })) n++;
    return Promise.resolve(n);
  }
  snapshot(target: string): Promise<void> {
    // the environment is a directory, so the copy is `<target>/data.mdb`
    return this.db.backup(target, false);
  }
  close(): Promise<void> {
    return this.db.close();
  }
}

/**
 * No store: a JS Map of the encoded values, so the codec's share of every figure shows (the work around the
 * store is the same for all). Its snapshot is a plain dump of the map.
 */
class MapStore implements Store {
  readonly name = 'map (no store)';
  readonly syncRead = true;
  readonly syncWrite = true;
  readonly snapshotKind = 'dump of the map';
  private readonly map = new Map<string, Uint8Array>();
  load(keys: Buffer[], from: number, to: number): Promise<void> {
    for (let i = from; i < to; i++) this.map.set(keys[i]!.toString('latin1'), initialValue(i));
    return Promise.resolve();
  }
  rmwBatch(keys: Buffer[], idx: Int32Array, from: number, to: number): void {
    for (let i = from; i < to; i++) this.rmwOne(keys[idx[i]!]!, i);
  }
  rmwOne(key: Buffer, i: number): void {
    const k = key.toString('latin1');
    this.map.set(k, updated(this.map.get(k), i));
  }
  read(key: Buffer): Uint8Array | undefined {
    return this.map.get(key.toString('latin1'));
  }
  scanKeyGroup(kg: number): Promise<number> {
    let n = 0;
    for (const k of this.map.keys()) if (((k.charCodeAt(0) << 8) | k.charCodeAt(1)) === kg) n++;
    return Promise.resolve(n);
  }
  async snapshot(target: string): Promise<void> {
    const out = createWriteStream(join(target, 'dump.bin'));
    for (const [k, v] of this.map) {
      out.write(Buffer.from(k, 'latin1'));
      if (!out.write(v)) await once(out, 'drain');
    }
    out.end();
    await once(out, 'finish');
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** Imports a store by a name held in a variable, so the untyped packages need no declaration files. */
async function importAny(name: string): Promise<Record<string, unknown>> {
  return (await import(name)) as Record<string, unknown>;
}

async function openStore(kind: string, dir: string): Promise<Store> {
  if (kind === 'map') return new MapStore();
  if (kind === 'lmdb') {
    const m = await importAny('lmdb');
    const open = m['open'] as (o: object) => LmdbDb;
    // noSync: durability comes from checkpoints, as with Flink's RocksDB backend (WAL off)
    return new LmdbStore(open({ path: join(dir, 'db'), keyEncoding: 'binary', encoding: 'binary', compression: false, noSync: true, cache: false }));
  }
  if (kind === 'classic-level') {
    const m = await importAny('classic-level');
    const Ctor = m['ClassicLevel'] as new (p: string, o: object) => LevelLike & { getSync(k: Buffer): Uint8Array | undefined };
    const db = new Ctor(join(dir, 'db'), { keyEncoding: 'buffer', valueEncoding: 'buffer' });
    await db.open();
    return new LevelStore(kind, db, (k) => db.getSync(k), undefined);
  }
  if (kind === 'nxtedition-rocksdb') {
    const m = await importAny('@nxtedition/rocksdb');
    const Ctor = m['RocksLevel'] as new (p: string, o: object) => LevelLike & { _getManySync(k: Buffer[], o: object): (Uint8Array | undefined)[] };
    const db = new Ctor(join(dir, 'db'), { keyEncoding: 'buffer', valueEncoding: 'buffer' });
    await db.open();
    return new LevelStore(kind, db, undefined, (ks) => db._getManySync(ks, {}));
  }
  if (kind === 'rocksdb') {
    // Level/rocksdb is abstract-leveldown (callbacks): wrapped into the promise shape the others have
    const m = await importAny('rocksdb');
    const factory = m['default'] as (p: string) => LeveldownLike;
    const db = promisifyLeveldown(factory(join(dir, 'db')));
    await db.open();
    return new LevelStore(kind, db, undefined, undefined);
  }
  throw new Error(`unknown store ${kind}; one of map, lmdb, classic-level, nxtedition-rocksdb, rocksdb`);
}

type Cb<T = void> = (err: Error | null | undefined, v?: T) => void;
interface LeveldownLike {
  open(o: object, cb: Cb): void;
  close(cb: Cb): void;
  put(k: Buffer, v: Uint8Array, cb: Cb): void;
  get(k: Buffer, o: object, cb: Cb<Buffer>): void;
  getMany(ks: Buffer[], o: object, cb: Cb<(Buffer | undefined)[]>): void;
  batch(ops: object[], cb: Cb): void;
  iterator(o: object): { next(cb: (err: Error | null, k?: Buffer, v?: Buffer) => void): void; end(cb: Cb): void };
}

function promisifyLeveldown(db: LeveldownLike): LevelLike {
  const p = <T>(f: (cb: Cb<T>) => void): Promise<T> =>
    new Promise((resolve, reject) => f((err, v) => (err ? reject(err) : resolve(v as T))));
  let opened = false;
  return {
    open: () => p<void>((cb) => db.open({}, cb)).then(() => void (opened = true)),
    close: () => (opened ? p<void>((cb) => db.close(cb)) : Promise.resolve()),
    // abstract-leveldown turns a value that is not a Buffer into a string
    put: (k, v) => p<void>((cb) => db.put(k, asBuffer(v), cb)),
    get: (k) =>
      new Promise((resolve, reject) =>
        db.get(k, { asBuffer: true }, (err, v) => (err ? (/NotFound/.test(err.message) ? resolve(undefined) : reject(err)) : resolve(v))),
      ),
    getMany: (ks) => p((cb) => db.getMany(ks, { asBuffer: true }, cb)),
    batch: (ops) => p<void>((cb) => db.batch(ops.map((o) => ({ ...o, value: asBuffer(o.value) })), cb)),
    iterator: (o) => {
      const it = db.iterator({ ...o, keyAsBuffer: true, valueAsBuffer: true });
      const one = (): Promise<[Buffer, Buffer] | undefined> =>
        new Promise((resolve, reject) => it.next((err, k, v) => (err ? reject(err) : resolve(k === undefined ? undefined : [k, v!]))));
      return {
        nextv: async (n) => {
          const out: [Buffer, Buffer][] = [];
          for (let i = 0; i < n; i++) {
            const e = await one();
            if (!e) break;
            out.push(e);
          }
          return out;
        },
        close: () => p<void>((cb) => it.end(cb)),
      };
    },
  };
}

function asBuffer(v: Uint8Array): Buffer {
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}

/** Bytes the directory takes on disk (allocated blocks, so a sparse LMDB map file counts what it uses). */
function diskBytes(path: string): number {
  let total = 0;
  for (const e of readdirSync(path, { withFileTypes: true })) {
    const p = join(path, e.name);
    if (e.isDirectory()) total += diskBytes(p);
    else total += statSync(p).blocks * 512;
  }
  return total;
}

interface Timing {
  ms: number;
  cpuMs: number;
}

async function timed(f: () => Promise<void>): Promise<Timing> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await f();
  const c = process.cpuUsage(c0);
  return { ms: performance.now() - t0, cpuMs: (c.user + c.system) / 1000 };
}

const fmt = (n: number): string => (n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(0)}K` : n.toFixed(0));
const mb = (b: number): string => `${(b / 1024 / 1024).toFixed(0)} MB`;

async function snapshotWhileUpdating(store: Store, keys: Buffer[], idx: Int32Array, batch: number, target: string): Promise<string> {
  let done = false;
  let updates = 0;
  let worstBatchMs = 0;
  const t0 = performance.now();
  let failed: unknown;
  const snap = store.snapshot(target).then(
    () => void (done = true),
    (err: unknown) => void ((failed = err), (done = true)),
  );
  // updates go on in the same thread meanwhile, yielding between batches so the snapshot's own JS can run
  for (let i = 0; !done; i = (i + batch) % (idx.length - batch)) {
    const b0 = performance.now();
    await store.rmwBatch(keys, idx, i, i + batch);
    worstBatchMs = Math.max(worstBatchMs, performance.now() - b0);
    updates += batch;
    await new Promise(setImmediate);
  }
  await snap;
  if (failed !== undefined) throw failed;
  const ms = performance.now() - t0;
  return `${(ms / 1000).toFixed(1)} s, wrote ${mb(diskBytes(target))}, ${fmt((updates / ms) * 1000)} updates/s during it (worst batch ${worstBatchMs.toFixed(0)} ms)`;
}

async function runStore(kind: string, a: Args, keys: Buffer[], idx: Int32Array): Promise<void> {
  const dir = await mkdtemp(join(a.dir, `kv-bench-${kind}-`));
  let store: Store | undefined;
  try {
    store = await openStore(kind, dir);
    const s = store;
    const line = (what: string, text: string): void => console.log(`${kind.padEnd(20)} ${what.padEnd(28)} ${text}`);
    line('API', `sync read: ${s.syncRead ? 'yes' : 'no'}, sync write: ${s.syncWrite ? 'yes' : 'no'}`);

    const load = await timed(() => s.load(keys, 0, a.keys));
    line(`load ${fmt(a.keys)} keys`, `${fmt((a.keys / load.ms) * 1000)}/s`);

    const rmw = await timed(async () => {
      for (let i = 0; i < idx.length; i += a.batch) await s.rmwBatch(keys, idx, i, Math.min(idx.length, i + a.batch));
    });
    line(`rmw batched (${a.batch})`, `${fmt((idx.length / rmw.ms) * 1000)}/s wall, ${fmt((idx.length / rmw.cpuMs) * 1000)}/s of CPU`);

    const oneByOne = Math.min(idx.length, 200_000);
    const one = await timed(async () => {
      for (let i = 0; i < oneByOne; i++) await s.rmwOne(keys[idx[i]!]!, i);
    });
    line('rmw one by one', `${fmt((oneByOne / one.ms) * 1000)}/s wall, ${fmt((oneByOne / one.cpuMs) * 1000)}/s of CPU`);

    const reads = Math.min(idx.length, 1_000_000);
    let found = 0;
    const rd = await timed(async () => {
      for (let i = 0; i < reads; i++) {
        const r = s.read(keys[idx[i]!]!);
        if ((r instanceof Promise ? await r : r) !== undefined) found++;
      }
    });
    line('point reads', `${fmt((reads / rd.ms) * 1000)}/s (${found === reads ? 'all found' : `${reads - found} MISSING`})`);

    let scanned = 0;
    const scan = await timed(async () => {
      for (let kg = 0; kg < MAX_PARALLELISM; kg++) scanned += await s.scanKeyGroup(kg);
    });
    line('scan all key groups', `${fmt((scanned / scan.ms) * 1000)} entries/s (${fmt(scanned)} entries)`);
    line('on disk', mb(diskBytes(join(dir, 'db'))));

    const idle = join(dir, 'snap-0');
    await mkdirp(idle);
    const alone = await timed(() => s.snapshot(idle));
    line(`snapshot alone, ${fmt(a.keys)} keys`, `${(alone.ms / 1000).toFixed(1)} s, wrote ${mb(diskBytes(idle))}`);
    await rm(idle, { recursive: true, force: true });
    const small = join(dir, 'snap-1');
    await mkdirp(small);
    line(`snapshot at ${fmt(a.keys)} keys`, await snapshotWhileUpdating(s, keys, idx, a.batch, small));
    await rm(small, { recursive: true, force: true });

    if (a.bigKeys > a.keys) {
      const grow = await timed(() => s.load(bigKeyList(keys, a.bigKeys), a.keys, a.bigKeys));
      line(`grow to ${fmt(a.bigKeys)} keys`, `${fmt(((a.bigKeys - a.keys) / grow.ms) * 1000)}/s; on disk ${mb(diskBytes(join(dir, 'db')))}`);
      const big = join(dir, 'snap-2');
      await mkdirp(big);
      const bigAlone = await timed(() => s.snapshot(big));
      line(`snapshot alone, ${fmt(a.bigKeys)} keys`, `${(bigAlone.ms / 1000).toFixed(1)} s, wrote ${mb(diskBytes(big))}`);
      await rm(big, { recursive: true, force: true });
      // a dump interleaved with updates on one thread runs for many minutes at this size: only when asked
      if (a.bigConcurrent) {
        await mkdirp(big);
        line(`snapshot at ${fmt(a.bigKeys)} keys`, await snapshotWhileUpdating(s, keys, idx, a.batch, big));
      }
    }
  } catch (err) {
    console.log(`${kind}: FAILED: ${(err as Error).message}`);
  } finally {
    await store?.close().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }
}

async function mkdirp(p: string): Promise<void> {
  const { mkdir } = await import('node:fs/promises');
  await mkdir(p, { recursive: true });
}

/** The keys of the big state: the working set's keys, then more built on demand (kept across stores). */
let big: Buffer[] | undefined;
function bigKeyList(keys: Buffer[], n: number): Buffer[] {
  if (!big || big.length < n) {
    big = keys.slice();
    for (let i = keys.length; i < n; i++) big.push(stateKey(i));
  }
  return big;
}

async function main(): Promise<void> {
  const a = parseArgs(process.argv.slice(2));
  const m = machine();
  console.log(`# ${new Date().toISOString()} ${m.cpu}, ${m.cores} cores, ${m.memGiB.toFixed(1)} GiB, Node ${m.node}, load ${m.load}`);
  console.log(`# ${fmt(a.keys)} keys, ${fmt(a.updates)} skewed updates, batches of ${a.batch}, big state ${fmt(a.bigKeys)} keys`);
  const keys = Array.from({ length: a.keys }, (_, i) => stateKey(i));
  const idx = skewedIndexes(a.keys, a.updates, 42);
  const counts = new Map<number, number>();
  for (const k of idx) counts.set(k, (counts.get(k) ?? 0) + 1);
  const top = [...counts.values()].sort((x, y) => y - x).slice(0, Math.ceil(a.keys / 100)).reduce((x, y) => x + y, 0);
  console.log(`# key ${keys[1]!.length} bytes, value ${initialValue(1).length}–${updated(initialValue(1), 1_000_000).length} bytes; ` +
    `hottest 1% of keys take ${((top / a.updates) * 100).toFixed(0)}% of the updates; ${fmt(counts.size)} keys touched`);
  for (const kind of a.stores) await runStore(kind, a, keys, idx);
}

await main();
