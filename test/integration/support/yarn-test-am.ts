/**
 * A minimal ApplicationMaster for the YARN IPC contract test (yarn-ipc.it.spec.ts), run by the NodeManager as
 * `node dist/test/integration/support/yarn-test-am.js` in the AM container. It uses only src/yarn: register, ask for
 * one container by heartbeat, start it on its NodeManager (NMToken, tokens minus the AMRMToken), wait for its
 * completion in an allocate response, then finish with a final status and diagnostics.
 *
 * Settings come from the environment the test puts in the am-container-spec:
 *   YARN_IT_SCHEDULER       the ResourceManager scheduler address, host:port (YARN does not tell an AM)
 *   YARN_IT_OUT_DIR         where the container writes its marker and this AM its result.json
 *   YARN_IT_NODE            absolute path of node, for the container's command
 *   YARN_IT_CONTAINER_JS    the container's script
 *   YARN_IT_DIAGNOSTICS     the diagnostics to finish with
 * Before finishing it waits (bounded) for a `proceed` file in YARN_IT_OUT_DIR, so the test can visit its tracking URL.
 * Everything it does is logged to stdout (<LOG_DIR>/am.out) so that a failed test can show it.
 */
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import { writeFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  APPLICATION_MASTER_PROTOCOL,
  ApplicationMasterClient,
  IpcConnection,
  NodeManagerClient,
  amRmTokenOf,
  formatContainerId,
  nodeAddress,
  readTokenFile,
  sameContainerId,
  serializeCredentials,
  withoutAmRmToken,
  type AllocateResponse,
  type Container,
  type ContainerStatus,
  type ResourceRequest,
} from '../../../src/yarn/index.js';

const t0 = Date.now();
function log(message: string): void {
  process.stdout.write(`${new Date().toISOString()} +${Date.now() - t0}ms ${message}\n`);
}

function env(name: string): string {
  const v = process.env[name];
  if (v === undefined || v === '') throw new Error(`${name} is not set in the AM container's environment`);
  return v;
}

async function main(): Promise<void> {
  const [schedHost, schedPort] = env('YARN_IT_SCHEDULER').split(':');
  const outDir = env('YARN_IT_OUT_DIR');
  log(`AM up: CONTAINER_ID=${process.env['CONTAINER_ID']} NM_HOST=${process.env['NM_HOST']} scheduler=${schedHost}:${schedPort}`);

  const creds = await readTokenFile();
  log(`token file: tokens [${[...creds.tokens.values()].map((t) => t.kind).join(', ')}], secrets [${[...creds.secrets.keys()].join(', ')}]`);
  const am = new ApplicationMasterClient({ host: schedHost ?? '', port: Number(schedPort), amRmToken: amRmTokenOf(creds, 'HADOOP_TOKEN_FILE_LOCATION') });
  const nm = new NodeManagerClient({ nmTokens: am.nmTokens });

  // The tracking URL points at a real page of this AM (what the RM's proxy would show a user).
  const web = createServer((_req, res) => res.end('flink-ts YARN IPC test ApplicationMaster\n'));
  await new Promise<void>((resolve) => web.listen(0, '0.0.0.0', resolve));
  const webPort = (web.address() as { port: number }).port;
  const host = process.env['NM_HOST'] ?? '127.0.0.1';
  const trackingUrl = `http://${host}:${webPort}/`;

  const result: Record<string, unknown> = { host, trackingUrl, rpcPort: webPort };
  const errorOf = (e: unknown): Record<string, unknown> => ({
    name: (e as Error).name,
    code: (e as { code?: string }).code,
    exceptionClassName: (e as { exceptionClassName?: string }).exceptionClassName,
    message: (e as Error).message,
  });
  try {
    // An ERROR reply from the real RM: a heartbeat before registering fails that call only; the same connection
    // then carries the registration.
    result['allocateBeforeRegister'] = await am.allocate({ responseId: 0 }).then(() => ({ accepted: true }), errorOf);
    log(`allocate before register: ${JSON.stringify(result['allocateBeforeRegister'])}`);
    const reg = await am.registerApplicationMaster({ host, rpcPort: webPort, trackingUrl });
    result['registerMs'] = Date.now() - t0;
    result['maximumCapability'] = reg.maximumCapability;
    result['queue'] = reg.queue;
    log(`registered: queue=${reg.queue} max=${JSON.stringify(reg.maximumCapability)}`);

    // The contract's negative case with a real identifier: the AMRMToken with a wrong password must be refused
    // with the typed authentication error (and quickly), while the right one keeps working below.
    const wrong = { ...am.amRmToken, password: Buffer.from(am.amRmToken.password).map((b) => b ^ 0xff) };
    const refused = await IpcConnection.open({ host: schedHost ?? '', port: Number(schedPort), protocol: APPLICATION_MASTER_PROTOCOL, token: wrong, connectTimeoutMs: 15_000 }).then(
      async (c) => {
        await c.close();
        return { accepted: true };
      },
      errorOf,
    );
    result['wrongPassword'] = refused;
    log(`wrong AMRMToken password: ${JSON.stringify(refused)}`);

    const ask = (n: number): ResourceRequest => ({ priority: { priority: 1 }, resourceName: '*', capability: { memory: 128, virtualCores: 1 }, numContainers: n });
    let responseId = 0;
    let heartbeats = 0;
    const heartbeat = async (asks: ResourceRequest[], release: Container[] = []): Promise<AllocateResponse> => {
      const res = await am.allocate({ responseId, ask: asks, release: release.map((c) => c.id ?? {}), progress: 0.5 });
      heartbeats++;
      if (res.responseId !== undefined) responseId = res.responseId;
      if (res.amCommand) throw new Error(`the RM sent ${res.amCommand}`);
      return res;
    };

    // Ask once; later heartbeats carry no ask until the container is there, then a total of 0 cancels the rest.
    let container: Container | undefined;
    let pending = [ask(1)];
    const allocDeadline = Date.now() + 60_000;
    while (!container) {
      if (Date.now() > allocDeadline) throw new Error('no container allocated within 60 s');
      const res = await heartbeat(pending);
      pending = [];
      const [first, ...extra] = res.allocatedContainers;
      if (extra.length > 0) await heartbeat([], extra);
      container = first;
      if (!container) await sleep(200);
    }
    await heartbeat([ask(0)]);
    const cid = formatContainerId(container.id);
    result['allocatedMs'] = Date.now() - t0;
    result['containerId'] = cid;
    result['node'] = nodeAddress(container.nodeId);
    log(`allocated ${cid} on ${nodeAddress(container.nodeId)} after ${heartbeats} heartbeats; NMTokens for [${am.nmTokens.nodes.join(', ')}]`);

    const node = env('YARN_IT_NODE');
    const script = env('YARN_IT_CONTAINER_JS');
    await nm.startContainer(container, {
      command: [`${node} ${script} 1><LOG_DIR>/stdout 2><LOG_DIR>/stderr`],
      environment: [{ key: 'YARN_IT_OUT_DIR', value: outDir }],
      tokens: serializeCredentials(withoutAmRmToken(creds)),
    });
    result['startedMs'] = Date.now() - t0;
    log(`started ${cid}`);
    const nmStatus = await nm.getContainerStatus(container.nodeId ?? {}, container.id ?? {});
    result['nodeManagerStatus'] = nmStatus.state;
    log(`NodeManager reports ${cid} ${nmStatus.state}`);

    let done: ContainerStatus | undefined;
    const doneDeadline = Date.now() + 60_000;
    while (!done) {
      if (Date.now() > doneDeadline) throw new Error(`container ${cid} did not complete within 60 s`);
      const res = await heartbeat([]);
      done = res.completedContainerStatuses.find((s) => sameContainerId(s.containerId, container.id));
      if (!done) await sleep(200);
    }
    result['completedMs'] = Date.now() - t0;
    result['exitStatus'] = done.exitStatus;
    result['heartbeats'] = heartbeats;
    log(`completed ${cid}: state=${done.state} exit=${done.exitStatus} diagnostics=${JSON.stringify(done.diagnostics)}`);

    // The test looks at the tracking URL through the RM's proxy while this AM still serves it, then lets it finish.
    const proceed = join(outDir, 'proceed');
    const proceedDeadline = Date.now() + 60_000;
    while (!existsSync(proceed) && Date.now() < proceedDeadline) await sleep(100);
    log(existsSync(proceed) ? 'the test says proceed' : 'no word from the test within 60 s; finishing anyway');

    const ok = done.exitStatus === 0;
    const fin = await am.finishApplicationMaster({
      finalApplicationStatus: ok ? 'APP_SUCCEEDED' : 'APP_FAILED',
      diagnostics: ok ? env('YARN_IT_DIAGNOSTICS') : `container ${cid} exited with ${done.exitStatus}: ${done.diagnostics}`,
      trackingUrl,
    });
    result['unregistered'] = fin.isUnregistered;
    log(`finished: unregistered=${fin.isUnregistered}`);
  } catch (err) {
    result['error'] = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    log(`failed: ${(err as Error).stack ?? String(err)}`);
    await am.finishApplicationMaster({ finalApplicationStatus: 'APP_FAILED', diagnostics: String(result['error']), trackingUrl }, { timeoutMs: 10_000 }).catch((e: unknown) => log(`finish failed too: ${String(e)}`));
  } finally {
    await writeFile(join(outDir, 'am-result.json.tmp'), JSON.stringify(result, null, 2));
    await rename(join(outDir, 'am-result.json.tmp'), join(outDir, 'am-result.json'));
    await Promise.all([nm.close(), am.close(), new Promise((r) => web.close(r))]);
    log('AM exits');
  }
  if (result['error'] !== undefined) process.exitCode = 1;
}

await main();
