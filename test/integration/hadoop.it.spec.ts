/**
 * scripts/hadoop.sh as a user runs it: a real HDFS (NameNode + DataNode) and YARN (ResourceManager + NodeManager)
 * on 127.0.0.1, each daemon its own JVM, in a private state directory with free ports. The jars come from the
 * shared cache (<repo>/.infra/cache); the first run on a fresh machine resolves them with Maven, which takes
 * minutes, every later run none.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa, type Result } from 'execa';

// This file runs from <dist>/test/integration/; the script lives in the source tree.
const DIST_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const FLINK_HOME = resolve(process.env['FLINK_HOME'] ?? join(DIST_DIR, '..'));
const SCRIPT = join(FLINK_HOME, 'scripts', 'hadoop.sh');

// Ports the script reads from the environment: a developer's or CI's own settings must not leak into this
// private cluster, which takes free ports instead.
const PORT_VARS = [
  'HDFS_NAMENODE_PORT', 'WEBHDFS_PORT', 'HDFS_DATANODE_PORT', 'HDFS_DATANODE_HTTP_PORT', 'HDFS_DATANODE_IPC_PORT',
  'YARN_RM_PORT', 'YARN_RM_SCHEDULER_PORT', 'YARN_RM_TRACKER_PORT', 'YARN_RM_ADMIN_PORT', 'YARN_RM_WEBAPP_PORT',
  'YARN_NM_PORT', 'YARN_NM_LOCALIZER_PORT', 'YARN_NM_WEBAPP_PORT', 'YARN_NM_COUNT', 'HADOOP_CONF_DIR',
  'HADOOP_HOST', 'HADOOP_YARN',
];

type Run = Result<{ all: true; reject: false }>;

function parseLines(stdout: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) out.set(line.slice(0, eq), line.slice(eq + 1).trim());
  }
  return out;
}

/** Pids of live processes whose command line carries the script's marker for this state directory. */
function processesOf(stateDir: string): number[] {
  const marker = `-Dflinkts.hadoop.id=${stateDir}/`;
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').join(' ');
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (cmdline.includes(marker) && !/^\d+ \(.*\) Z/s.test(stat)) pids.push(Number(entry));
    } catch {
      // exited while we looked
    }
  }
  return pids;
}

async function json(url: string, init?: RequestInit): Promise<Record<string, unknown>> {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(10_000) });
  const text = await res.text();
  assert.ok(res.ok, `${init?.method ?? 'GET'} ${url} → ${res.status}: ${text}`);
  return JSON.parse(text) as Record<string, unknown>;
}

/**
 * The second step of a WebHDFS CREATE: the data to the DataNode. Not with fetch: the DataNode answers every CREATE
 * with an unsolicited `100 Continue` before its `201`, which undici rejects ("bad response"); node:http skips it.
 */
function putToDataNode(location: string, body: string): Promise<{ status: number; location: string }> {
  return new Promise((resolvePut, rejectPut) => {
    const req = request(location, { method: 'PUT', headers: { 'content-length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on('end', () => resolvePut({ status: res.statusCode ?? 0, location: String(res.headers.location) }));
    });
    req.setTimeout(10_000, () => req.destroy(new Error(`PUT ${location} timed out`)));
    req.on('error', rejectPut);
    req.end(body);
  });
}

const KEEP = `/it-keep-${process.pid}.txt`;

describe('scripts/hadoop.sh: real HDFS and YARN on loopback', function () {
  this.timeout(120_000);

  let stateDir = '';
  let env: Record<string, string> = {};
  let first: Run | undefined;
  let info = new Map<string, string>();
  let startMs = 0;

  function hadoop(command: string): Promise<Run> {
    return execa(SCRIPT, [command], { env, extendEnv: false, all: true, reject: false, timeout: 900_000 });
  }

  before(async function () {
    // The first run on a fresh machine downloads Hadoop's jars from Maven Central.
    this.timeout(900_000);
    stateDir = await mkdtemp(join(tmpdir(), 'hadoop-it-'));
    const base: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !PORT_VARS.includes(k)) base[k] = v;
    env = { ...base, HADOOP_HOME_DIR: stateDir, HADOOP_FREE_PORTS: '1' };
    const t0 = Date.now();
    first = await hadoop('start');
    startMs = Date.now() - t0;
    info = parseLines(first.stdout);
  });

  after(async function () {
    this.timeout(120_000);
    if (stateDir === '') return;
    await hadoop('stop');
    // A broken stop script must not leave JVMs behind for the rest of the suite.
    for (const pid of processesOf(stateDir)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await rm(stateDir, { recursive: true, force: true });
  });

  it('start prints the configuration directory and the HDFS and YARN addresses', async () => {
    assert.equal(first?.exitCode, 0, first?.all);
    const conf = info.get('HADOOP_CONF_DIR');
    assert.ok(conf !== undefined, first?.all);
    assert.match(info.get('fs.defaultFS') ?? '', /^hdfs:\/\/127\.0\.0\.1:\d+$/);
    assert.match(info.get('webhdfs') ?? '', /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.match(info.get('yarn.resourcemanager.webapp') ?? '', /^http:\/\/127\.0\.0\.1:\d+$/);
    for (const file of ['core-site.xml', 'hdfs-site.xml', 'yarn-site.xml']) {
      assert.ok(existsSync(join(conf, file)), `${file} in ${conf}`);
    }
    const core = await readFile(join(conf, 'core-site.xml'), 'utf8');
    assert.ok(core.includes(`<value>${info.get('fs.defaultFS')}</value>`), core);
    const hdfs = await readFile(join(conf, 'hdfs-site.xml'), 'utf8');
    assert.ok(hdfs.includes(`<value>${(info.get('webhdfs') ?? '').replace('http://', '')}</value>`), hdfs);
    // What was started and where goes to stderr, for a person.
    assert.match(first?.stderr ?? '', /started Hadoop [\d.]+ in \d+s/);
    assert.match(first?.stderr ?? '', /namenode\s+pid \d+\s+log \S+namenode\.log/);
    assert.ok(startMs > 0);
  });

  it('HDFS has left safe mode with a live DataNode', async () => {
    const webhdfs = info.get('webhdfs') ?? '';
    const nn = await json(`${webhdfs}/jmx?qry=Hadoop:service=NameNode,name=NameNodeInfo`);
    const bean = (nn['beans'] as Record<string, unknown>[])[0] ?? {};
    assert.equal(bean['Safemode'], '', JSON.stringify(bean['Safemode']));
    const live = JSON.parse(String(bean['LiveNodes'])) as Record<string, unknown>;
    assert.equal(Object.keys(live).length, 1, String(bean['LiveNodes']));
  });

  it('WebHDFS: MKDIRS, CREATE through the DataNode redirect, OPEN, LISTSTATUS, DELETE', async () => {
    const base = `${info.get('webhdfs') ?? ''}/webhdfs/v1`;
    const user = 'user.name=flink-it';
    const dir = `/it-${process.pid}-${Date.now()}`;
    const text = 'hello hdfs\n'.repeat(1000);

    assert.deepEqual(await json(`${base}${dir}/a?op=MKDIRS&${user}`, { method: 'PUT' }), { boolean: true });

    const create = await fetch(`${base}${dir}/a/file.txt?op=CREATE&overwrite=false&${user}`, {
      method: 'PUT',
      redirect: 'manual',
    });
    assert.equal(create.status, 307);
    const location = create.headers.get('location') ?? '';
    assert.match(location, /^http:\/\/127\.0\.0\.1:\d+\/webhdfs\/v1\//, 'the DataNode is reached on loopback');
    const put = await putToDataNode(location, text);
    assert.equal(put.status, 201);
    assert.match(put.location, new RegExp(`^${info.get('fs.defaultFS') ?? ''}${dir}/a/file.txt$`));

    const open = await fetch(`${base}${dir}/a/file.txt?op=OPEN&${user}`);
    assert.equal(open.status, 200);
    assert.equal(await open.text(), text);
    const ranged = await fetch(`${base}${dir}/a/file.txt?op=OPEN&offset=6&length=4&${user}`);
    assert.equal(await ranged.text(), 'hdfs');

    const list = await json(`${base}${dir}/a?op=LISTSTATUS&${user}`);
    const statuses = (list['FileStatuses'] as { FileStatus: Record<string, unknown>[] }).FileStatus;
    assert.deepEqual(
      statuses.map((s) => [s['pathSuffix'], s['type'], s['length']]),
      [['file.txt', 'FILE', Buffer.byteLength(text)]],
    );

    assert.deepEqual(await json(`${base}${dir}?op=DELETE&recursive=true&${user}`, { method: 'DELETE' }), {
      boolean: true,
    });
    // A file that must survive the restart below.
    const keep = await fetch(`${base}${KEEP}?op=CREATE&overwrite=true&${user}`, { method: 'PUT', redirect: 'manual' });
    assert.equal((await putToDataNode(keep.headers.get('location') ?? '', 'kept\n')).status, 201);

    const gone = await fetch(`${base}${dir}?op=GETFILESTATUS&${user}`);
    assert.equal(gone.status, 404);
    const err = (await gone.json()) as { RemoteException?: { exception?: string } };
    assert.equal(err.RemoteException?.exception, 'FileNotFoundException');
  });

  it('the YARN ResourceManager answers and its NodeManager is RUNNING', async () => {
    const rm = info.get('yarn.resourcemanager.webapp') ?? '';
    const cluster = (await json(`${rm}/ws/v1/cluster/info`))['clusterInfo'] as Record<string, unknown>;
    assert.equal(cluster['state'], 'STARTED');
    const nodes = ((await json(`${rm}/ws/v1/cluster/nodes`))['nodes'] as { node: Record<string, unknown>[] }).node;
    assert.deepEqual(
      nodes.map((n) => n['state']),
      ['RUNNING'],
    );
    assert.ok(Number(nodes[0]?.['availMemoryMB']) >= 1024, JSON.stringify(nodes[0]));
  });

  it('a second start reports the running cluster instead of starting another', async () => {
    const before = processesOf(stateDir).sort();
    assert.equal(before.length, 4, 'namenode, datanode, resourcemanager, nodemanager');
    const second = await hadoop('start');
    assert.equal(second.exitCode, 0, second.all);
    assert.deepEqual(parseLines(second.stdout), info);
    assert.match(second.stderr, /already running/);
    assert.deepEqual(processesOf(stateDir).sort(), before);
  });

  it('stop stops every daemon and removes the pid files', async () => {
    const stop = await hadoop('stop');
    assert.equal(stop.exitCode, 0, stop.all);
    assert.deepEqual(processesOf(stateDir), []);
    assert.deepEqual(readdirSync(join(stateDir, 'pids')), []);
    await assert.rejects(fetch(`${info.get('webhdfs') ?? ''}/jmx`, { signal: AbortSignal.timeout(5000) }));
    const status = await hadoop('status');
    assert.equal(status.exitCode, 3, status.all);
  });

  it('starting again reuses the cached jars (no Maven) and keeps what HDFS held', async function () {
    this.timeout(300_000);
    const again = await hadoop('start');
    assert.equal(again.exitCode, 0, again.all);
    assert.doesNotMatch(again.stderr, /Maven|formatting/, again.stderr);
    const webhdfs = parseLines(again.stdout).get('webhdfs') ?? '';
    const kept = await fetch(`${webhdfs}/webhdfs/v1${KEEP}?op=OPEN&user.name=flink-it`);
    assert.equal(kept.status, 200);
    assert.equal(await kept.text(), 'kept\n');
    const stop = await hadoop('stop');
    assert.equal(stop.exitCode, 0, stop.all);
    assert.deepEqual(processesOf(stateDir), []);
  });

  it('refuses a HADOOP_HOST that is not an IPv4 address, or a HADOOP_YARN other than 0 or 1, in one line', async () => {
    for (const [key, value, message] of [
      ['HADOOP_HOST', 'namenode.example', /HADOOP_HOST='namenode\.example' is not an IPv4 address/],
      ['HADOOP_YARN', 'no', /HADOOP_YARN='no' must be 1 \(HDFS and YARN\) or 0 \(HDFS alone\)/],
    ] as const) {
      const r = await execa(SCRIPT, ['start'], { env: { ...env, [key]: value }, extendEnv: false, all: true, reject: false, timeout: 60_000 });
      assert.equal(r.exitCode, 2, r.all);
      assert.match(r.stderr, message);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    }
    assert.deepEqual(processesOf(stateDir), []);
  });
});
