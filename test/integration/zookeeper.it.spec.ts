/**
 * scripts/zookeeper.sh, run as a user runs it: a real ZooKeeper (jars from Maven Central, cached under
 * <repo>/.infra/cache) on 127.0.0.1 and free ports, with its state in a temporary ZK_HOME_DIR. The first run on a
 * machine includes the Maven resolution; later runs reuse the cache.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { connect, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa, type Result } from 'execa';
import { isAlive } from '../support/processes.js';
import { freePorts } from './support/zookeeper-server.js';

const DIST_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const FLINK_HOME = resolve(process.env['FLINK_HOME'] ?? join(DIST_DIR, '..'));
const SCRIPT = join(FLINK_HOME, 'scripts', 'zookeeper.sh');
const HOST = '127.0.0.1';

type Run = Result<{ reject: false }>;

function zk(home: string, args: string[], env: Record<string, string> = {}): Promise<Run> {
  // A first run resolves the jars with Maven, which can take minutes on a slow mirror.
  return execa(SCRIPT, args, { env: { ZK_HOME_DIR: home, ...env }, reject: false, timeout: 300_000 });
}

function output(r: Run): string {
  return `exit ${String(r.exitCode)}\n--- stdout\n${String(r.stdout)}\n--- stderr\n${String(r.stderr)}`;
}


/** A four-letter word's answer ('' if the port does not answer within 2 s). */
function fourLetter(port: number, word: string): Promise<string> {
  return new Promise((res) => {
    const chunks: Buffer[] = [];
    const sock = connect(port, HOST, () => sock.end(word));
    const done = (): void => res(Buffer.concat(chunks).toString('utf8'));
    sock.setTimeout(2000, () => sock.destroy());
    sock.on('data', (c: Buffer) => chunks.push(c));
    sock.on('close', done);
    sock.on('error', () => undefined);
  });
}

async function mode(port: number): Promise<string | undefined> {
  return /^Mode: (\S+)$/m.exec(await fourLetter(port, 'srvr'))?.[1];
}

/** Every live process whose command line mentions `dir`: what would be a stray server of this test. */
function processesUsing(dir: string): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const cmdline = readFileSync(`/proc/${name}/cmdline`, 'utf8');
      if (cmdline.includes(dir) && isAlive(Number(name))) pids.push(Number(name));
    } catch {
      // exited while we looked
    }
  }
  return pids;
}

async function pidOf(serverDir: string): Promise<number> {
  return Number((await readFile(join(serverDir, 'zookeeper.pid'), 'utf8')).trim());
}

// --- a ZooKeeper session ---------------------------------------------------------------------------------------

/** The operations the test performs on a real session. */
interface ZooKeeperSession {
  readonly sessionId: string;
  create(path: string, data: Buffer): Promise<void>;
  getData(path: string): Promise<Buffer>;
  remove(path: string): Promise<void>;
  exists(path: string): Promise<boolean>;
  close(): Promise<void>;
}

/** The slice of node-zookeeper-client's API used here (it ships no types). */
interface NzkClient {
  once(event: 'connected', cb: () => void): void;
  connect(): void;
  close(): void;
  getSessionId(): Buffer;
  create(path: string, data: Buffer, cb: (err: Error | null) => void): void;
  getData(path: string, cb: (err: Error | null, data: Buffer | undefined) => void): void;
  remove(path: string, cb: (err: Error | null) => void): void;
  exists(path: string, cb: (err: Error | null, stat: unknown) => void): void;
}
interface NzkModule {
  createClient(connectString: string, options: { sessionTimeout: number; retries: number }): NzkClient;
}

async function loadNodeZooKeeperClient(): Promise<NzkModule | undefined> {
  // A variable specifier keeps tsc from requiring the package (and its types) at build time.
  const name = 'node-zookeeper-client';
  try {
    const mod = (await import(name)) as { default?: NzkModule } & Partial<NzkModule>;
    return mod.default ?? (mod as NzkModule);
  } catch {
    return undefined;
  }
}

function promisify<T>(fn: (cb: (err: Error | null, value?: T) => void) => void): Promise<T> {
  return new Promise((res, rej) => fn((err, value) => (err ? rej(err) : res(value as T))));
}

async function nzkSession(lib: NzkModule, connectString: string): Promise<ZooKeeperSession> {
  const client = lib.createClient(connectString, { sessionTimeout: 10_000, retries: 2 });
  await new Promise<void>((res, rej) => {
    const timer = setTimeout(() => {
      client.close();
      rej(new Error(`no ZooKeeper session with ${connectString} within 20 s`));
    }, 20_000);
    client.once('connected', () => {
      clearTimeout(timer);
      res();
    });
    client.connect();
  });
  return {
    sessionId: client.getSessionId().toString('hex'),
    create: (p, d) => promisify<void>((cb) => client.create(p, d, (e) => cb(e))),
    getData: (p) => promisify<Buffer>((cb) => client.getData(p, (e, d) => cb(e, d))),
    remove: (p) => promisify<void>((cb) => client.remove(p, (e) => cb(e))),
    exists: (p) => promisify<boolean>((cb) => client.exists(p, (e, s) => cb(e, s != null))),
    close: async () => client.close(),
  };
}

/**
 * ZooKeeper's client protocol (jute encoding), just enough for this test while node-zookeeper-client is not
 * installed: the session handshake, create, getData, exists, delete, closeSession. One request at a time.
 */
async function rawSession(port: number): Promise<ZooKeeperSession> {
  const sock: Socket = connect(port, HOST);
  sock.setNoDelay(true);
  let buffered = Buffer.alloc(0);
  const waiting: Array<{ res: (frame: Buffer) => void; rej: (err: Error) => void }> = [];
  sock.on('data', (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
    while (buffered.length >= 4 && buffered.length >= 4 + buffered.readInt32BE(0)) {
      const len = buffered.readInt32BE(0);
      waiting.shift()?.res(buffered.subarray(4, 4 + len));
      buffered = buffered.subarray(4 + len);
    }
  });
  const fail = (err: Error): void => {
    for (const w of waiting.splice(0)) w.rej(err);
  };
  sock.on('error', fail);
  sock.on('close', () => fail(new Error('ZooKeeper closed the connection')));
  await new Promise<void>((res, rej) => {
    sock.once('connect', res);
    sock.once('error', rej);
  });

  const int = (v: number): Buffer => Buffer.from([v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255]);
  const long = (v: bigint): Buffer => {
    const b = Buffer.alloc(8);
    b.writeBigInt64BE(v);
    return b;
  };
  const bytes = (b: Buffer): Buffer => Buffer.concat([int(b.length), b]);
  const str = (s: string): Buffer => bytes(Buffer.from(s, 'utf8'));
  const send = (parts: Buffer[]): Promise<Buffer> => {
    const body = Buffer.concat(parts);
    return new Promise((res, rej) => {
      const timer = setTimeout(() => rej(new Error('no answer from ZooKeeper within 10 s')), 10_000);
      waiting.push({
        res: (f) => {
          clearTimeout(timer);
          res(f);
        },
        rej: (e) => {
          clearTimeout(timer);
          rej(e);
        },
      });
      sock.write(Buffer.concat([int(body.length), body]));
    });
  };
  let xid = 0;
  /** Sends a request; returns the reply body after its header, or throws on a ZooKeeper error code. */
  const request = async (type: number, body: Buffer[]): Promise<Buffer> => {
    const frame = await send([int(++xid), int(type), ...body]);
    const err = frame.readInt32BE(12);
    if (err !== 0) throw Object.assign(new Error(`ZooKeeper error code ${err}`), { code: err });
    return frame.subarray(16);
  };

  // ConnectRequest: protocolVersion, lastZxidSeen, timeOut, sessionId, passwd (+ readOnly).
  const hello = await send([int(0), long(0n), int(10_000), long(0n), bytes(Buffer.alloc(16)), Buffer.from([0])]);
  const sessionId = hello.readBigInt64BE(8);
  if (sessionId === 0n) throw new Error('ZooKeeper refused the session');
  const NO_NODE = -101;
  return {
    sessionId: sessionId.toString(16),
    create: async (path, data) => {
      // OPEN_ACL_UNSAFE: perms ALL (31) for world:anyone; flags 0 = persistent.
      await request(1, [str(path), bytes(data), int(1), int(31), str('world'), str('anyone'), int(0)]);
    },
    getData: async (path) => {
      const reply = await request(4, [str(path), Buffer.from([0])]);
      return Buffer.from(reply.subarray(4, 4 + reply.readInt32BE(0)));
    },
    remove: async (path) => {
      await request(2, [str(path), int(-1)]);
    },
    exists: async (path) => {
      try {
        await request(3, [str(path), Buffer.from([0])]);
        return true;
      } catch (err) {
        if ((err as { code?: number }).code === NO_NODE) return false;
        throw err;
      }
    },
    close: async () => {
      try {
        await request(-11, []);
      } finally {
        sock.destroy();
      }
    },
  };
}

// --- the tests -------------------------------------------------------------------------------------------------

describe('scripts/zookeeper.sh (real ZooKeeper on 127.0.0.1)', function () {
  // The first start on a machine resolves ZooKeeper's jars from Maven Central.
  this.timeout(360_000);

  let home = '';

  before(async () => {
    home = await mkdtemp(join(tmpdir(), 'flink-zk-it-'));
  });

  after(async function () {
    this.timeout(90_000);
    if (home === '') return;
    await zk(home, ['stop']);
    await zk(home, ['stop-ensemble']);
    // Whatever the script failed to stop dies here, so a broken stop never leaves a server behind.
    for (const pid of processesUsing(home)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await rm(home, { recursive: true, force: true });
  });

  describe('standalone', () => {
    let port = 0;
    let pid = 0;

    it('start prints zookeeper=127.0.0.1:<port> and where its data and log are', async () => {
      [port] = (await freePorts(1)) as [number];
      const r = await zk(home, ['start'], { ZK_PORT: String(port) });
      assert.equal(r.exitCode, 0, output(r));
      assert.deepEqual(String(r.stdout).trim().split('\n'), [`zookeeper=${HOST}:${port}`], output(r));
      const serverDir = join(home, 'standalone');
      assert.match(String(r.stderr), new RegExp(`log: +${serverDir}/zookeeper.log`), output(r));
      assert.match(String(r.stderr), new RegExp(`data: +${serverDir}/data`), output(r));
      pid = await pidOf(serverDir);
      assert.ok(isAlive(pid), `ZooKeeper pid ${pid} is not running`);
      assert.equal(await mode(port), 'standalone');
    });

    it('accepts a session: create, read and delete a znode', async () => {
      const lib = await loadNodeZooKeeperClient();
      if (!lib) console.warn('      (node-zookeeper-client is not installed: using the built-in protocol client)');
      const session = lib ? await nzkSession(lib, `${HOST}:${port}`) : await rawSession(port);
      try {
        assert.notEqual(session.sessionId, '');
        const path = `/flink-zk-it-${process.pid}-${Date.now()}`;
        await session.create(path, Buffer.from('hello zookeeper'));
        assert.equal(await session.exists(path), true);
        assert.equal((await session.getData(path)).toString('utf8'), 'hello zookeeper');
        await session.remove(path);
        assert.equal(await session.exists(path), false);
      } finally {
        await session.close();
      }
    });

    it('a second start reports the running server instead of starting another', async () => {
      const r = await zk(home, ['start'], { ZK_PORT: String(port) });
      assert.equal(r.exitCode, 0, output(r));
      assert.deepEqual(String(r.stdout).trim().split('\n'), [`zookeeper=${HOST}:${port}`], output(r));
      assert.match(String(r.stderr), /already running/, output(r));
      assert.equal(await pidOf(join(home, 'standalone')), pid);
      assert.deepEqual(processesUsing(join(home, 'standalone')), [pid]);
    });

    it('stop ends the server and leaves no process behind', async () => {
      const r = await zk(home, ['stop']);
      assert.equal(r.exitCode, 0, output(r));
      assert.equal(isAlive(pid), false, `ZooKeeper pid ${pid} still runs after stop`);
      assert.deepEqual(processesUsing(home), []);
      assert.equal(await fourLetter(port, 'ruok'), '');
      const status = await zk(home, ['status']);
      assert.equal(status.exitCode, 3, output(status));
    });

    it('start fails with a clear message when the port is taken', async () => {
      const blocker = createServer();
      await new Promise<void>((res) => blocker.listen(0, HOST, () => res()));
      try {
        const addr = blocker.address();
        const taken = typeof addr === 'object' && addr ? addr.port : 0;
        const r = await zk(home, ['start'], { ZK_PORT: String(taken) });
        assert.equal(r.exitCode, 1, output(r));
        assert.equal(String(r.stdout), '', output(r));
        assert.match(String(r.stderr), new RegExp(`port ${HOST}:${taken} is already in use.*ZK_PORT`), output(r));
        assert.deepEqual(processesUsing(home), []);
      } finally {
        await new Promise<void>((res) => blocker.close(() => res()));
      }
    });
  });

  describe('ensemble of three', () => {
    let clientPorts: number[] = [];
    let pids: number[] = [];

    it('start-ensemble starts three servers that elect one leader', async () => {
      const ports = await freePorts(9);
      clientPorts = ports.slice(0, 3);
      const peerPorts = [0, 1, 2].map((i) => `${ports[3 + i]}:${ports[6 + i]}`);
      const r = await zk(home, ['start-ensemble'], {
        ZK_ENSEMBLE_PORTS: clientPorts.join(','),
        ZK_ENSEMBLE_PEER_PORTS: peerPorts.join(','),
      });
      assert.equal(r.exitCode, 0, output(r));
      const connect = clientPorts.map((p) => `${HOST}:${p}`).join(',');
      assert.deepEqual(String(r.stdout).trim().split('\n'), [`zookeeper=${connect}`], output(r));
      const modes = await Promise.all(clientPorts.map(mode));
      assert.deepEqual([...modes].sort(), ['follower', 'follower', 'leader'], `modes: ${modes.join(', ')}`);
      pids = await Promise.all([1, 2, 3].map((i) => pidOf(join(home, 'ensemble', `server-${i}`))));
      for (const p of pids) assert.ok(isAlive(p), `ensemble server pid ${p} is not running`);

      const again = await zk(home, ['start-ensemble']);
      assert.equal(again.exitCode, 0, output(again));
      assert.deepEqual(String(again.stdout).trim().split('\n'), [`zookeeper=${connect}`], output(again));
      assert.match(String(again.stderr), /already running/, output(again));
      assert.deepEqual(processesUsing(join(home, 'ensemble')).sort(), [...pids].sort());
    });

    it('stop-ensemble stops every server', async () => {
      const r = await zk(home, ['stop-ensemble']);
      assert.equal(r.exitCode, 0, output(r));
      for (const p of pids) assert.equal(isAlive(p), false, `ensemble server pid ${p} still runs`);
      assert.deepEqual(processesUsing(home), []);
      for (const p of clientPorts) assert.equal(await fourLetter(p, 'ruok'), '');
    });
  });
});
