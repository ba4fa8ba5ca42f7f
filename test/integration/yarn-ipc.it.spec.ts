/**
 * The contract of src/yarn against the real thing: a private HDFS + YARN from scripts/hadoop.sh, an application
 * submitted over the ResourceManager's REST API whose ApplicationMaster (support/yarn-test-am.ts, run by the
 * NodeManager with this very node binary) speaks Hadoop IPC with our clients: register, allocate as heartbeat, start
 * a container on the NodeManager with its NMToken and the tokens minus the AMRMToken, see it complete, finish.
 * What is asserted is what a user would look at: the RM's application report, the container's marker file, and the
 * credentials the container got. On failure the AM's own output is in the assertion message.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AMRM_TOKEN_KIND,
  APPLICATION_MASTER_PROTOCOL,
  IpcAuthenticationError,
  IpcConnection,
  parseCredentials,
} from '../../src/yarn/index.js';
import { encodeMessage } from '../../src/yarn/ipc/proto-codec.js';
import { waitFor } from '../support/processes.js';
import { DIST_DIR } from './support/standalone-cluster.js';
import { YarnCluster, type AppReport, type ResourceManagerRest } from './support/yarn-cluster.js';

const AM_JS = join(DIST_DIR, 'test', 'integration', 'support', 'yarn-test-am.js');
const CONTAINER_JS = join(DIST_DIR, 'test', 'integration', 'support', 'yarn-test-container.js');
const FINAL_STATES = new Set(['FINISHED', 'FAILED', 'KILLED']);

describe('YARN IPC contract: our ApplicationMaster on the real ResourceManager and NodeManager', function () {
  this.timeout(300_000);

  let outDir = '';
  let cluster: YarnCluster | undefined;
  let rest: ResourceManagerRest;
  const apps: string[] = [];

  before(async function () {
    this.timeout(600_000);
    outDir = await mkdtemp(join(tmpdir(), 'yarn-ipc-out-'));
    cluster = await YarnCluster.start({ nodeManagerMemoryMb: 2048 });
    rest = cluster.rest;
  });

  after(async function () {
    this.timeout(180_000);
    // Nothing may outlive the spec: applications, daemons, containers, files.
    for (const id of apps) {
      const report = await rest.report(id).catch(() => undefined);
      if (report && !FINAL_STATES.has(report.state)) await rest.kill(id);
    }
    try {
      await cluster?.stop();
    } finally {
      if (outDir !== '') await rm(outDir, { recursive: true, force: true });
    }
  });

  it('registers, gets a container by heartbeat, starts it with its NMToken, sees it complete and finishes SUCCEEDED', async () => {
    const c = cluster as YarnCluster;
    const diagnostics = `flink-ts IPC contract run ${process.pid}: 1 container completed`;
    const appId = await rest.newApplication();
    apps.push(appId);
    const secret = Buffer.from(`job secret ${process.pid}`);
    await rest.submit({
      'application-id': appId,
      'application-name': `flink-ts-ipc-it-${process.pid}`,
      'application-type': 'flink-ts-it',
      queue: 'default',
      'max-app-attempts': 1,
      resource: { memory: 256, vCores: 1 },
      'am-container-spec': {
        // An absolute node: the NodeManager's PATH is not the test's.
        commands: { command: `${process.execPath} ${AM_JS} 1><LOG_DIR>/am.out 2><LOG_DIR>/am.err` },
        environment: {
          entry: [
            { key: 'YARN_IT_SCHEDULER', value: `${c.scheduler.host}:${c.scheduler.port}` },
            { key: 'YARN_IT_OUT_DIR', value: outDir },
            { key: 'YARN_IT_NODE', value: process.execPath },
            { key: 'YARN_IT_CONTAINER_JS', value: CONTAINER_JS },
            { key: 'YARN_IT_DIAGNOSTICS', value: diagnostics },
          ],
        },
        // JAXB's form of a map: entries of key and value.
        credentials: { secrets: { entry: [{ key: 'flink-ts-it-secret', value: secret.toString('base64') }] } },
      },
    });

    const explain = async (what: string): Promise<string> => `${what}\n--- the application's container logs ---\n${await c.describeContainerLogs(appId)}`;
    let report: AppReport;
    let trackingPage = '';
    try {
      // While the AM runs, its tracking URL in the RM (the RM's proxy) shows the page the AM registered.
      const running = await waitFor(`${appId} to run with a registered ApplicationMaster`, 120_000, async () => {
        const r = await rest.report(appId);
        if (FINAL_STATES.has(r.state)) throw new Error(`it ended first: ${r.state} ${r.diagnostics}`);
        return r.state === 'RUNNING' && r.trackingUI === 'ApplicationMaster' ? r : undefined;
      }, 250);
      trackingPage = await waitFor(`the tracking URL ${running.trackingUrl ?? ''} to show the AM's page`, 30_000, async () => {
        const res = await fetch(running.trackingUrl ?? '', { signal: AbortSignal.timeout(10_000) });
        const text = await res.text();
        if (res.ok && text.includes('ApplicationMaster')) return text;
        throw new Error(`HTTP ${res.status}: ${text.replace(/\s+/g, " ").slice(0, 600)}`);
      }, 250);
      await writeFile(join(outDir, 'proceed'), '');
      report = await waitFor(`${appId} to reach a final state`, 180_000, async () => {
        const r = await rest.report(appId);
        return FINAL_STATES.has(r.state) ? r : undefined;
      }, 500);
    } catch (err) {
      const last = await rest.report(appId).catch(() => undefined);
      assert.fail(await explain(`${(err as Error).message}; last report: ${JSON.stringify(last)}`));
    }
    const result = await readFile(join(outDir, 'am-result.json'), 'utf8').catch(() => '(no am-result.json)');
    const context = await explain(`report: ${JSON.stringify(report, null, 1)}\nAM result: ${result}`);

    // What the user sees in the ResourceManager.
    assert.equal(report.state, 'FINISHED', context);
    assert.equal(report.finalStatus, 'SUCCEEDED', context);
    assert.equal(report.diagnostics, diagnostics, context);
    const am = JSON.parse(result) as Record<string, unknown>;
    assert.equal(report.amRPCAddress, `${String(am['host'])}:${String(am['rpcPort'])}`, context);
    // The RM's own proxy (on its web port; it names the host as it resolves it) in front of the AM's page.
    assert.match(report.trackingUrl ?? '', new RegExp(`^http://(127\\.0\\.0\\.1|localhost):${new URL(c.rmWebapp).port}/proxy/${appId}/$`), context);
    assert.equal(trackingPage, 'flink-ts YARN IPC test ApplicationMaster\n', context);

    // The container ran, on the node the RM chose, and got the tokens minus the AMRMToken.
    const containerId = String(am['containerId']);
    assert.equal(am['exitStatus'], 0, context);
    assert.ok(existsSync(join(outDir, `${containerId}.marker`)), `no marker of ${containerId} in ${outDir}\n${context}`);
    const creds = parseCredentials(await readFile(join(outDir, `${containerId}.tokens`)), 'the container token file');
    assert.deepEqual([...creds.tokens.values()].filter((t) => t.kind === AMRM_TOKEN_KIND), [], context);
    assert.deepEqual(Buffer.from(creds.secrets.get('flink-ts-it-secret') ?? []), secret, context);

    // The RM's ERROR reply to a heartbeat before registering came back typed, with the Java exception kept.
    const early = am['allocateBeforeRegister'] as Record<string, unknown>;
    assert.equal(early['code'], 'HADOOP_IPC_REMOTE_ERROR', context);
    assert.equal(early['exceptionClassName'], 'org.apache.hadoop.yarn.exceptions.ApplicationMasterNotRegisteredException', context);
    // The AM's wrong-password attempt with its real AMRMToken identifier was refused with the typed error.
    assert.deepEqual((am['wrongPassword'] as Record<string, unknown>)['code'], 'HADOOP_IPC_AUTH_FAILED', context);
    assert.equal(am['unregistered'], true, context);
  });

  it('a connection without a token, or with one the ResourceManager never issued, gets the typed authentication error', async () => {
    const c = cluster as YarnCluster;
    const open = (token?: { identifier: Uint8Array; password: Uint8Array; kind: string; service: string }): Promise<IpcConnection> =>
      IpcConnection.open({ host: c.scheduler.host, port: c.scheduler.port, protocol: APPLICATION_MASTER_PROTOCOL, connectTimeoutMs: 30_000, ...(token ? { token } : {}) });

    await assert.rejects(open(), (err: unknown) => {
      assert.ok(err instanceof IpcAuthenticationError, String(err));
      assert.equal(err.code, 'HADOOP_IPC_AUTH_FAILED');
      assert.match(err.message, /accepts only TOKEN\/DIGEST-MD5.*no token/);
      return true;
    });
    // A well-formed AMRMTokenIdentifier (field 1: attempt 1 of an application that never was; field 2: key id 1)
    // with a made-up password.
    const attempt = encodeMessage('flinkts.yarn.ApplicationAttemptId', { applicationId: { id: 9999, clusterTimestamp: 1 }, attemptId: 1 });
    const identifier = Buffer.concat([Buffer.from([0x0a, attempt.length]), attempt, Buffer.from([0x10, 0x01])]);
    await assert.rejects(open({ identifier, password: Buffer.from('not the password'), kind: AMRM_TOKEN_KIND, service: '' }), (err: unknown) => {
      assert.ok(err instanceof IpcAuthenticationError, String(err));
      assert.equal(err.code, 'HADOOP_IPC_AUTH_FAILED');
      return true;
    });
  });
});
