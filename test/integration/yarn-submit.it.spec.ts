/**
 * The YARN client against a real HDFS and YARN (scripts/hadoop.sh, private state and free ports): a submission
 * stages its files in HDFS, ships the platform archive and the client's own node once, and the NodeManager runs
 * the AM command with both localized; a second submission uploads only its own files. The AM here is a probe
 * that prints what it finds and exits without registering, so YARN ends the application FAILED.
 */
import assert from 'node:assert/strict';
import { realpathSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { loadConfiguration, type Configuration } from '../../src/config/index.js';
import {
  InsufficientResourcesError,
  isFinalState,
  killApplication,
  YarnDeploymentError,
  ResourceManagerRestClient,
  ResourceManagerUnreachableError,
  submitApplication,
  followApplication,
  type SubmittedApplication,
} from '../../src/yarn/client/index.js';
import { RawWebHdfs } from './support/hdfs-cluster.js';
import { freePort, waitFor } from './support/standalone-cluster.js';
import { YarnCluster } from './support/yarn-cluster.js';

const USER = process.env.HADOOP_USER_NAME || userInfo().username;

// The AM command's script: runs on the shipped node, loads a package from the shipped platform's node_modules,
// reads the shipped configuration, decodes the AM environment with the platform's own code, and (as the real
// AM will) deletes the staging directory through WebHDFS before it exits.
const PROBE = `
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
const platform = process.cwd() + '/flink-ts';
const pkg = JSON.parse(readFileSync(platform + '/package.json', 'utf8'));
const YAML = createRequire(platform + '/package.json')('yaml');
const conf = YAML.parse(readFileSync('flink-conf.yaml', 'utf8'));
const { readApplicationMasterEnvironment } = await import(platform + '/dist/src/yarn/client/index.js');
const am = readApplicationMasterEnvironment();
console.log('node=' + process.version);
console.log('execPath=' + process.execPath);
console.log('flink-ts=' + pkg.version);
console.log('probe.key=' + conf['probe.key']);
console.log('resources=' + Object.keys(am.localResources).sort().join(','));
console.log('scheduler=' + am.schedulerAddress.host + ':' + am.schedulerAddress.port);
const path = new URL(am.stagingDir).pathname;
const res = await fetch(am.webHdfs[0] + '/webhdfs/v1' + path + '?op=DELETE&recursive=true&user.name=' + am.user, { method: 'DELETE' });
console.log('staging-deleted=' + (await res.json()).boolean);
`;

describe('YARN client: submission to a real YARN with HDFS staging', function () {
  this.timeout(180_000);

  let yarn: YarnCluster | undefined;
  let workDir = '';
  let cacheDir = '';
  let conf: Configuration;
  let hdfs: RawWebHdfs;
  let rmClient: ResourceManagerRestClient;
  const submitted: SubmittedApplication[] = [];
  const figures: string[] = [];

  before(async function () {
    // The first run on a machine resolves Hadoop's jars into the shared cache.
    this.timeout(900_000);
    yarn = await YarnCluster.start({ nodeManagerMemoryMb: 2048, nodeManagerVcores: 2 });
    workDir = await mkdtemp(join(tmpdir(), 'yarn-submit-it-'));
    cacheDir = join(workDir, 'cache');
    await writeFile(join(workDir, 'flink-conf.yaml'), '');
    conf = loadConfiguration({ confDir: workDir });
    hdfs = new RawWebHdfs(yarn.webhdfs, USER);
    rmClient = ResourceManagerRestClient.fromEnvironment(yarn.clientEnv());
  });

  after(async function () {
    this.timeout(300_000);
    if (figures.length > 0) console.log(`      figures: ${figures.join('; ')}`);
    try {
      await yarn?.stop();
    } finally {
      if (workDir !== '') await rm(workDir, { recursive: true, force: true });
    }
  });

  // Every application ends in a final state and leaves no staging directory (removed here too when a test failed
  // half-way, so the next test starts clean).
  afterEach(async function () {
    this.timeout(120_000);
    const problems: string[] = [];
    for (const app of submitted.splice(0)) {
      let state = await rmClient.getApplicationState(app.applicationId);
      if (!isFinalState(state)) state = await killApplication(app.applicationId, { rm: rmClient, env: (yarn as YarnCluster).clientEnv(), stagingDir: app.stagingDir });
      if (!isFinalState(state)) problems.push(`${app.applicationId} is ${state}`);
      const path = `/user/${USER}/.flink/${app.applicationId}`;
      if ((await hdfs.list(`/user/${USER}/.flink`)).some((s) => s.pathSuffix === app.applicationId)) {
        problems.push(`staging directory ${path} left behind`);
        await hdfs.delete(path);
      }
    }
    assert.deepEqual(problems, []);
  });

  async function submitProbe(configText: string, withConf: Configuration = conf): Promise<{ app: SubmittedApplication; ms: number }> {
    const t0 = Date.now();
    const app = await submitApplication({
      conf: withConf,
      appName: 'yarn-submit-it probe',
      amResource: { memoryMb: 256, vCores: 1 },
      amCommand: (l) => [l.node, 'probe.mjs'],
      files: {
        bundle: { name: 'job.mjs', data: 'export const job = 1;\n' },
        config: { name: 'flink-conf.yaml', data: configText },
        extra: [{ name: 'probe.mjs', data: PROBE }],
      },
      env: (yarn as YarnCluster).clientEnv(),
      platform: { cacheDir },
    });
    submitted.push(app);
    return { app, ms: Date.now() - t0 };
  }

  it('ships the platform and the client\'s node once; the AM container runs them and reads the staged config', async function () {
    const { app, ms } = await submitProbe('probe.key: first\n');
    assert.match(app.applicationId, /^application_\d+_\d+$/);
    assert.equal(app.stagingDir, `${(yarn as YarnCluster).defaultFs}/user/${USER}/.flink/${app.applicationId}`);
    assert.ok(app.nodeRuntime, 'no yarn.node.path: the client ships its node');
    assert.equal(app.sharedBytes, app.platform.size + (app.nodeRuntime?.size ?? 0), 'both archives uploaded on the first submission');
    assert.equal(app.uploadedBytes, app.sharedBytes + app.stagingBytes);
    assert.deepEqual(Object.keys(app.localResources).sort(), ['flink-conf.yaml', 'flink-ts', 'job.mjs', 'node', 'probe.mjs']);
    assert.equal(app.localResources['flink-ts']?.type, 'ARCHIVE');
    assert.equal(app.localResources['node']?.type, 'ARCHIVE');
    const lib = (await hdfs.list(`/user/${USER}/.flink/lib`)).map((s) => s.pathSuffix).sort();
    assert.deepEqual(lib, [app.nodeRuntime?.fileName, app.platform.fileName].sort());
    figures.push(`platform archive ${app.platform.size} B (${app.platform.files} files), node archive ${app.nodeRuntime?.size} B`);
    figures.push(`first submission ${app.uploadedBytes} B in ${ms} ms (pack ${app.timings.packMs} ms)`);

    const result = await followApplication(app.applicationId, () => {}, { rm: rmClient, until: 'final', intervalMs: 250, timeoutMs: 150_000 });
    const logs = await (yarn as YarnCluster).describeContainerLogs(app.applicationId);
    // The probe never registers with the RM scheduler: YARN fails the attempt when the AM process exits.
    assert.equal(result.report.state, 'FAILED', logs);
    assert.equal(result.failed, true);
    assert.match(result.diagnostics, new RegExp(`AM Container for appattempt_${app.applicationId.slice('application_'.length)}_000001 exited with\\s+exitCode: 0`), result.diagnostics);

    const out = (yarn as YarnCluster).containerLog(app.applicationId, 'jobmanager.out') ?? '';
    assert.match(out, new RegExp(`^node=${process.version.replace(/\./g, '\\.')}$`, 'm'), logs);
    assert.match(out, /^execPath=.*\/filecache\/\d+\/node-v[^/]+\.tar\.gz\/bin\/node$/m, `the shipped node ran\n${logs}`);
    assert.match(out, /^flink-ts=0\.1\.0$/m, logs);
    assert.match(out, /^probe\.key=first$/m, logs);
    assert.match(out, /^resources=flink-conf\.yaml,flink-ts,job\.mjs,node,probe\.mjs$/m, logs);
    assert.match(out, /^scheduler=127\.0\.0\.1:\d+$/m, logs);
    assert.match(out, /^staging-deleted=true$/m, logs);
  });

  it('a second submission uploads only its own files and reuses the shared archives', async function () {
    const { app, ms } = await submitProbe('probe.key: second\n');
    const own = Buffer.byteLength('export const job = 1;\n') + Buffer.byteLength('probe.key: second\n') + Buffer.byteLength(PROBE);
    assert.equal(app.sharedBytes, 0);
    assert.equal(app.uploadedBytes, own);
    assert.equal(app.platform.packedNow, false, 'the unchanged installation comes from the local cache');
    figures.push(`second submission ${app.uploadedBytes} B in ${ms} ms`);
    const result = await followApplication(app.applicationId, () => {}, { rm: rmClient, until: 'final', intervalMs: 250, timeoutMs: 150_000 });
    const out = (yarn as YarnCluster).containerLog(app.applicationId, 'jobmanager.out') ?? '';
    assert.equal(result.report.state, 'FAILED');
    assert.match(out, /^probe\.key=second$/m, await (yarn as YarnCluster).describeContainerLogs(app.applicationId));
    assert.match(out, /^staging-deleted=true$/m);
  });

  it('with yarn.node.path the NodeManager\'s own node runs the AM and no runtime is shipped', async function () {
    const withNode = loadConfiguration({ confDir: workDir, dynamicProperties: { 'yarn.node.path': process.execPath } });
    const { app } = await submitProbe('probe.key: installed-node\n', withNode);
    assert.equal(app.nodeRuntime, undefined);
    assert.equal(app.layout.node, process.execPath);
    assert.ok(!('node' in app.localResources));
    assert.equal(app.sharedBytes, 0);
    const result = await followApplication(app.applicationId, () => {}, { rm: rmClient, until: 'final', intervalMs: 250, timeoutMs: 150_000 });
    const logs = await (yarn as YarnCluster).describeContainerLogs(app.applicationId);
    assert.equal(result.report.state, 'FAILED', logs);
    const out = (yarn as YarnCluster).containerLog(app.applicationId, 'jobmanager.out') ?? '';
    assert.match(out, new RegExp(`^execPath=${realpathSync(process.execPath).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'), logs);
    assert.match(out, /^resources=flink-conf\.yaml,flink-ts,job\.mjs,probe\.mjs$/m, logs);
    assert.match(out, /^probe\.key=installed-node$/m, logs);
  });

  it('killApplication ends an application whose AM is still starting, and removes its staging directory', async function () {
    const app = await submitApplication({
      conf,
      appName: 'yarn-submit-it sleeper',
      amResource: { memoryMb: 256, vCores: 1 },
      amCommand: (l) => [l.node, '-e', 'setTimeout(() => {}, 120000)'],
      files: { bundle: { name: 'job.mjs', data: 'x' }, config: { name: 'flink-conf.yaml', data: '' } },
      env: (yarn as YarnCluster).clientEnv(),
      platform: { cacheDir },
    });
    submitted.push(app);
    // Wait until the AM container has started (its launch script writes the log directory), then kill.
    await waitFor('the AM container to start', 60_000, () => ((yarn as YarnCluster).containerLogDirs(app.applicationId).length > 0 ? true : undefined), 200);
    const state = await killApplication(app.applicationId, { rm: rmClient, env: (yarn as YarnCluster).clientEnv(), stagingDir: app.stagingDir });
    assert.equal(state, 'KILLED');
    const report = await rmClient.getApplicationReport(app.applicationId);
    assert.equal(report.state, 'KILLED');
    assert.equal(report.finalStatus, 'KILLED');
  });

  it('a submission that fails after staging began removes the staging directory', async () => {
    const before = (await hdfs.list(`/user/${USER}/.flink`)).map((s) => s.pathSuffix).sort();
    await assert.rejects(
      submitApplication({
        conf,
        appName: 'clashing names',
        amResource: { memoryMb: 256, vCores: 1 },
        amCommand: ['true'],
        files: { bundle: { name: 'same.txt', data: 'x' }, config: { name: 'same.txt', data: 'y' } },
        env: (yarn as YarnCluster).clientEnv(),
        platform: { cacheDir },
      }),
      (e: unknown) => e instanceof YarnDeploymentError && /Two files would be linked as 'same\.txt'/.test(e.message),
    );
    assert.deepEqual((await hdfs.list(`/user/${USER}/.flink`)).map((s) => s.pathSuffix).sort(), before);
  });

  it('an AM asking more than the maximum allocation fails with what was asked and offered, before anything is uploaded', async () => {
    const before = (await hdfs.list(`/user/${USER}/.flink`)).map((s) => s.pathSuffix).sort();
    const err = await submitApplication({
      conf,
      appName: 'too big',
      amResource: { memoryMb: 4096, vCores: 1 },
      amCommand: ['true'],
      files: { bundle: { name: 'job.mjs', data: 'x' }, config: { name: 'flink-conf.yaml', data: '' } },
      env: (yarn as YarnCluster).clientEnv(),
      platform: { cacheDir },
    }).then(
      () => assert.fail('submitted'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof InsufficientResourcesError, String(err));
    assert.equal(err.code, 'YARN_INSUFFICIENT_RESOURCES');
    assert.match(err.message, /asks for 4096 MB and 1 vcores, but the YARN ResourceManager allocates at most 2048 MB and 2 vcores per container; the cluster has 2048 MB and 2 vcores available now/);
    assert.deepEqual((await hdfs.list(`/user/${USER}/.flink`)).map((s) => s.pathSuffix).sort(), before);
  });

  it('a ResourceManager that is not running is one line naming its address and where it came from', async () => {
    const confDir = join(workDir, 'no-rm-conf');
    const port = await freePort();
    await mkdir(confDir, { recursive: true });
    await writeFile(join(confDir, 'yarn-site.xml'), `<configuration><property><name>yarn.resourcemanager.webapp.address</name><value>127.0.0.1:${port}</value></property></configuration>`);
    const err = await submitApplication({
      conf,
      appName: 'no rm',
      amResource: { memoryMb: 256, vCores: 1 },
      amCommand: ['true'],
      files: { bundle: { name: 'job.mjs', data: 'x' }, config: { name: 'flink-conf.yaml', data: '' } },
      env: { ...process.env, HADOOP_CONF_DIR: confDir },
      platform: { cacheDir },
    }).then(
      () => assert.fail('submitted'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof ResourceManagerUnreachableError, String(err));
    assert.equal(err.code, 'YARN_RM_UNREACHABLE');
    assert.equal(err.message.split('\n').length, 1, err.message);
    assert.ok(err.message.includes(`http://127.0.0.1:${port}`), err.message);
    assert.ok(err.message.includes(`yarn.resourcemanager.webapp.address in ${join(confDir, 'yarn-site.xml')}`), err.message);
    assert.match(err.message, /ECONNREFUSED/);
  });
});
