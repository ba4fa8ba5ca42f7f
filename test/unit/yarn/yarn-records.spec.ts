/**
 * The .proto definitions against the TypeScript shapes in src/yarn/records.ts: every field a client sets or reads
 * survives a round trip under the name records.ts gives it, and the container id string forms match YARN's.
 */
import assert from 'node:assert/strict';
import { decodeMessage, encodeMessage } from '../../../src/yarn/ipc/proto-codec.js';
import {
  formatApplicationId,
  formatAttemptId,
  formatContainerId,
  parseContainerId,
  type AllocateRequest,
  type AllocateResponse,
  type ContainerLaunchContext,
  type RegisterApplicationMasterResponse,
} from '../../../src/yarn/index.js';

const T = 'flinkts.yarn.';
const roundTrip = <V extends object>(type: string, value: V): V => decodeMessage<V>(`${T}${type}`, encodeMessage(`${T}${type}`, value));
const tok = (s: string): { identifier: Buffer; password: Buffer; kind: string; service: string } => ({ identifier: Buffer.from(`${s}i`), password: Buffer.from(`${s}p`), kind: s, service: `${s}:1` });

describe('YARN records (.proto ↔ records.ts)', () => {
  it('round-trips an allocate request and response with every field a client uses', () => {
    const cid = parseContainerId('container_e17_1700000000000_0042_01_000003');
    const req: AllocateRequest = {
      ask: [{ priority: { priority: 2 }, resourceName: '*', capability: { memory: 2048, virtualCores: 2 }, numContainers: 3, relaxLocality: false, nodeLabelExpression: 'gpu' }],
      release: [cid ?? {}],
      blacklistRequest: { blacklistAdditions: ['bad-host'], blacklistRemovals: [] },
      responseId: 5,
      progress: 0.5,
    };
    assert.deepEqual(roundTrip('AllocateRequest', req), req);
    const res: AllocateResponse = {
      amCommand: 'AM_RESYNC',
      responseId: 6,
      allocatedContainers: [
        { id: cid ?? {}, nodeId: { host: 'nm', port: 45454 }, nodeHttpAddress: 'nm:8042', resource: { memory: 2048, virtualCores: 2 }, priority: { priority: 2 }, containerToken: tok('ContainerToken'), executionType: 'GUARANTEED', allocationRequestId: 9 },
      ],
      completedContainerStatuses: [{ containerId: cid ?? {}, state: 'CONTAINER_COMPLETE', diagnostics: 'killed', exitStatus: -105 }],
      limit: { memory: 1, virtualCores: 1 },
      numClusterNodes: 4,
      nmTokens: [{ nodeId: { host: 'nm', port: 45454 }, token: tok('NMToken') }],
      amRmToken: tok('YARN_AM_RM_TOKEN'),
    };
    assert.deepEqual(roundTrip('AllocateResponse', res), res);
  });

  it('round-trips a launch context with local resources, environment, command and tokens', () => {
    const clc: ContainerLaunchContext = {
      localResources: [{ key: 'flink.tgz', value: { resource: { scheme: 'hdfs', host: 'nn', port: 8020, file: '/user/a/.flink/app/flink.tgz' }, size: 123456789, timestamp: 1700000000123, type: 'ARCHIVE', visibility: 'APPLICATION' } }],
      tokens: Buffer.from('HDTS\x00\x00\x00', 'latin1'),
      environment: [{ key: 'FLINK_HOME', value: '$PWD/flink' }],
      command: ['{{JAVA_HOME}}/bin/true 1><LOG_DIR>/out'],
      serviceData: [],
    };
    assert.deepEqual(roundTrip('ContainerLaunchContext', clc), clc);
  });

  it('decodes absent repeated fields as empty arrays and absent optional ones as undefined', () => {
    const empty: RegisterApplicationMasterResponse = { containersFromPreviousAttempts: [], nmTokensFromPreviousAttempts: [] };
    const reg = roundTrip('RegisterApplicationMasterResponse', empty);
    assert.equal(reg.queue, undefined);
    assert.deepEqual(reg, { containersFromPreviousAttempts: [], nmTokensFromPreviousAttempts: [] });
  });

  it("formats and parses YARN's id strings, with the RM epoch in a container id's high bits", () => {
    const cid = parseContainerId('container_e17_1700000000000_0042_01_000003');
    assert.equal(cid?.id, 17 * 2 ** 40 + 3);
    assert.equal(formatContainerId(cid), 'container_e17_1700000000000_0042_01_000003');
    assert.equal(formatContainerId(parseContainerId('container_1700000000000_12345_02_1234567')), 'container_1700000000000_12345_02_1234567');
    assert.equal(formatApplicationId(cid?.appId), 'application_1700000000000_0042');
    assert.equal(formatAttemptId(cid?.appAttemptId), 'appattempt_1700000000000_0042_000001');
    assert.equal(parseContainerId('application_1_2'), undefined);
  });
});
