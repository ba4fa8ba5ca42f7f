import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import {
  DataNodeUnreachableError,
  FileAlreadyExistsError,
  FileNotFoundError,
  getFileSystem,
  HdfsFileSystem,
  NameNodeUnreachableError,
  parseHadoopXml,
  parseHdfsUri,
  PermissionDeniedError,
  resolveHdfsSettings,
  WebHdfsTimeoutError,
  type HdfsFileSystemOptions,
} from '../../../src/fs/index.js';
import { freePort } from '../../support/loopback-conf.js';
import { TestingWebHdfsServer } from './testing-webhdfs-server.js';

async function confDir(files: Record<string, Record<string, string>>): Promise<{ dir: string; cleanup(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'ut-hadoop-conf-'));
  for (const [name, props] of Object.entries(files)) {
    const body = Object.entries(props)
      .map(([k, v]) => `  <property><name>${k}</name><value>${v}</value></property>`)
      .join('\n');
    await writeFile(join(dir, name), `<?xml version="1.0"?>\n<!-- a comment with <property> in it -->\n<configuration>\n${body}\n</configuration>\n`);
  }
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

async function readAll(fs: HdfsFileSystem, uri: string, range?: { start: number; end?: number }): Promise<string> {
  const parts: Buffer[] = [];
  for await (const c of fs.open(uri, range)) parts.push(Buffer.from(c));
  return Buffer.concat(parts).toString();
}

describe('HDFS file system: where the NameNode is', () => {
  it('reads dfs.namenode.http-address from $HADOOP_CONF_DIR/hdfs-site.xml and names the file as the source', async () => {
    const { dir, cleanup } = await confDir({ 'core-site.xml': { 'fs.defaultFS': 'hdfs://127.0.0.1:8020' }, 'hdfs-site.xml': { 'dfs.namenode.http-address': '127.0.0.1:50070' } });
    try {
      const s = resolveHdfsSettings('127.0.0.1:8020', { webhdfsAddress: 'other:1' }, { HADOOP_CONF_DIR: dir, HADOOP_USER_NAME: 'alice' });
      assert.deepEqual(s.endpoints.map((e) => e.baseUrl), ['http://127.0.0.1:50070']);
      assert.match(s.endpoints[0]?.source ?? '', new RegExp(`dfs.namenode.http-address in ${join(dir, 'hdfs-site.xml')}`));
      assert.equal(s.user, 'alice');
    } finally {
      await cleanup();
    }
  });

  it('a wildcard http-address is reached under the host of the URI', async () => {
    const { dir, cleanup } = await confDir({ 'hdfs-site.xml': { 'dfs.namenode.http-address': '0.0.0.0:9871' } });
    try {
      assert.equal(resolveHdfsSettings('nn.example:8020', {}, { HADOOP_CONF_DIR: dir }).endpoints[0]?.baseUrl, 'http://nn.example:9871');
    } finally {
      await cleanup();
    }
  });

  it('an hdfs-site.xml about another NameNode does not apply; then fs.hdfs.webhdfs.address, then port 9870', async () => {
    const { dir, cleanup } = await confDir({ 'core-site.xml': { 'fs.defaultFS': 'hdfs://other:8020' }, 'hdfs-site.xml': { 'dfs.namenode.http-address': 'other:9870' } });
    try {
      const withOption = resolveHdfsSettings('nn1:8020', { webhdfsAddress: 'http://nn1:14000' }, { HADOOP_CONF_DIR: dir });
      assert.equal(withOption.endpoints[0]?.baseUrl, 'http://nn1:14000');
      assert.match(withOption.endpoints[0]?.source ?? '', /fs\.hdfs\.webhdfs\.address/);
      const byDefault = resolveHdfsSettings('nn1:8020', {}, {});
      assert.equal(byDefault.endpoints[0]?.baseUrl, 'http://nn1:9870');
      assert.match(byDefault.endpoints[0]?.source ?? '', /default WebHDFS port 9870.*HADOOP_CONF_DIR unset/);
    } finally {
      await cleanup();
    }
  });

  it('an HA nameservice gives one endpoint per NameNode', async () => {
    const { dir, cleanup } = await confDir({
      'hdfs-site.xml': { 'dfs.nameservices': 'ns1', 'dfs.ha.namenodes.ns1': 'nn1,nn2', 'dfs.namenode.http-address.ns1.nn1': 'a:9870', 'dfs.namenode.http-address.ns1.nn2': 'b:9870' },
    });
    try {
      assert.deepEqual(resolveHdfsSettings('ns1', {}, { HADOOP_CONF_DIR: dir }).endpoints.map((e) => e.baseUrl), ['http://a:9870', 'http://b:9870']);
    } finally {
      await cleanup();
    }
  });

  it('the user is HADOOP_USER_NAME, else the OS user', () => {
    assert.equal(resolveHdfsSettings('h:1', {}, { HADOOP_USER_NAME: 'bob' }).user, 'bob');
    assert.equal(resolveHdfsSettings('h:1', {}, {}).user, userInfo().username);
  });

  it('parses hdfs:// URIs, and hdfs:/// with fs.defaultFS', async () => {
    assert.deepEqual(parseHdfsUri('hdfs://nn:8020/a/b/'), { authority: 'nn:8020', path: '/a/b' });
    assert.deepEqual(parseHdfsUri('hdfs://nn:8020'), { authority: 'nn:8020', path: '/' });
    const { dir, cleanup } = await confDir({ 'core-site.xml': { 'fs.defaultFS': 'hdfs://127.0.0.1:9000' } });
    const saved = process.env.HADOOP_CONF_DIR;
    try {
      process.env.HADOOP_CONF_DIR = dir;
      assert.deepEqual(parseHdfsUri('hdfs:///x/y'), { authority: '127.0.0.1:9000', path: '/x/y' });
      assert.equal((getFileSystem('hdfs:///x') as HdfsFileSystem).authority, '127.0.0.1:9000');
    } finally {
      if (saved === undefined) delete process.env.HADOOP_CONF_DIR;
      else process.env.HADOOP_CONF_DIR = saved;
      await cleanup();
    }
  });

  it('parses Hadoop XML with ${var} references', () => {
    const m = parseHadoopXml('<configuration><property><name>a</name><value>x</value></property><property><name>b</name><value>${a}/y</value></property></configuration>');
    assert.equal(m.get('b'), 'x/y');
  });

  it('getFileSystem picks HdfsFileSystem for hdfs:// and the same instance per NameNode', () => {
    const a = getFileSystem('hdfs://127.0.0.1:9000/in.txt');
    assert.ok(a instanceof HdfsFileSystem);
    assert.equal(a.scheme, 'hdfs');
    assert.equal(getFileSystem('hdfs://127.0.0.1:9000/other'), a);
    assert.notEqual(getFileSystem('hdfs://127.0.0.2:9000/x'), a);
  });
});

describe('HDFS file system: error paths (TestingWebHdfsServer)', () => {
  let server: TestingWebHdfsServer;
  let fs: HdfsFileSystem;
  const base = 'hdfs://nn:8020';
  const make = (address: string, options: HdfsFileSystemOptions = {}): HdfsFileSystem =>
    new HdfsFileSystem({ authority: 'nn:8020', options, settings: resolveHdfsSettings('nn:8020', { webhdfsAddress: address }, { HADOOP_USER_NAME: 'tester' }) });

  beforeEach(async () => {
    server = new TestingWebHdfsServer();
    await server.start();
    fs = make(server.address);
  });
  afterEach(async () => {
    await server.close();
  });

  it('sends the user and reads and writes through the DataNode redirect', async () => {
    const w = await fs.create(`${base}/d/f.txt`, 'NO_OVERWRITE');
    await w.write('hello world');
    await w.commit();
    assert.equal(await readAll(fs, `${base}/d/f.txt`, { start: 6 }), 'world');
    assert.ok(server.requests.every((r) => r.params.get('user.name') === 'tester'));
    assert.ok(server.requests.some((r) => r.dataNode && r.op === 'CREATE'));
  });

  it('NameNode not reachable: names the URL and the config that produced it', async () => {
    const address = server.address;
    await server.close();
    const down = make(address);
    await assert.rejects(down.stat(`${base}/x`), (e: unknown) => {
      assert.ok(e instanceof NameNodeUnreachableError);
      assert.equal(e.code, 'HDFS_NAMENODE_UNREACHABLE');
      assert.match(e.message, new RegExp(`http://${address}/webhdfs/v1`));
      assert.match(e.message, /fs\.hdfs\.webhdfs\.address/);
      assert.match(e.message, /ECONNREFUSED/);
      return true;
    });
  });

  it('a port that answers HTTP but not as WebHDFS (the NameNode RPC port) is named as such', async () => {
    const ipc: Server = createServer((_req, res) => res.writeHead(404, { 'content-type': 'text/plain' }).end('It looks like you are making an HTTP request to a Hadoop IPC port.'));
    await new Promise<void>((r) => ipc.listen(0, '127.0.0.1', r));
    try {
      const wrong = make(`127.0.0.1:${(ipc.address() as AddressInfo).port}`);
      await assert.rejects(wrong.exists(`${base}/x`), (e: unknown) => e instanceof NameNodeUnreachableError && /not as WebHDFS/.test(e.message) && /Hadoop IPC port/.test(e.message));
    } finally {
      ipc.closeAllConnections();
      await new Promise<void>((r) => ipc.close(() => r()));
    }
  });

  it('path not found', async () => {
    await assert.rejects(readAll(fs, `${base}/missing.txt`), (e: unknown) => e instanceof FileNotFoundError && /hdfs:\/\/nn:8020\/missing\.txt/.test(e.message));
    await assert.rejects(fs.list(`${base}/missing-dir`), FileNotFoundError);
    assert.equal(await fs.stat(`${base}/missing.txt`), undefined);
  });

  it('permission denied names the user and the path', async () => {
    server.denied.add('/secret');
    await assert.rejects(fs.list(`${base}/secret`), (e: unknown) => e instanceof PermissionDeniedError && /user 'tester'/.test(e.message) && /hdfs:\/\/nn:8020\/secret/.test(e.message) && e.code === 'FILE_PERMISSION_DENIED');
    await assert.rejects(fs.create(`${base}/secret/out.txt`, 'OVERWRITE'), PermissionDeniedError);
  });

  it('a DataNode redirect to an unreachable host names the DataNode', async () => {
    server.files.set('/f.txt', Buffer.from('data'));
    const dead = `127.0.0.1:${await freePort()}`;
    server.dataNodeAddress = dead;
    await assert.rejects(readAll(fs, `${base}/f.txt`), (e: unknown) => e instanceof DataNodeUnreachableError && e.dataNode === dead && e.message.includes(`DataNode ${dead}`) && /ECONNREFUSED/.test(e.message));
    const w = await fs.create(`${base}/g.txt`, 'OVERWRITE');
    await assert.rejects(
      (async () => {
        await w.write('x');
        await w.commit();
      })(),
      DataNodeUnreachableError,
    );
    assert.equal(server.files.has('/g.txt'), false);
  });

  it('writing to an existing path without overwrite fails before writing anything', async () => {
    server.files.set('/exists.txt', Buffer.from('old'));
    await assert.rejects(fs.create(`${base}/exists.txt`, 'NO_OVERWRITE'), (e: unknown) => e instanceof FileAlreadyExistsError && /hdfs:\/\/nn:8020\/exists\.txt/.test(e.message));
    assert.equal(server.files.get('/exists.txt')?.toString(), 'old');
  });

  it('a write that fails midway leaves nothing at the final path and no temporary file', async () => {
    server.failUploadAfterBytes = 100_000;
    const w = await fs.create(`${base}/out/part`, 'OVERWRITE');
    await assert.rejects(
      (async () => {
        for (let i = 0; i < 100; i++) await w.write(Buffer.alloc(64 * 1024, 97));
        await w.commit();
      })(),
      /All datanodes are bad/,
    );
    await w.abort();
    assert.equal(server.files.has('/out/part'), false);
    assert.deepEqual([...server.files.keys()], [], 'the partial temporary file was deleted');
  });

  it('a DataNode that stalls fails the read after fs.hdfs.webhdfs.timeout', async () => {
    server.files.set('/slow.txt', Buffer.from('x'));
    server.stallDataNode = true;
    const impatient = make(server.address, { timeoutMs: 300 });
    await assert.rejects(readAll(impatient, `${base}/slow.txt`), (e: unknown) => e instanceof WebHdfsTimeoutError && /300 ms/.test(e.message) && /fs\.hdfs\.webhdfs\.timeout/.test(e.message));
  });
});
